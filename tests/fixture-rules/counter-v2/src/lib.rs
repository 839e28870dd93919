//! Test fixture: version 2.0.0 of the counting rule (state schema 1).

const VERSION: &str = "2.0.0";
const STATE_SCHEMA: u32 = 1;

include!("../../counter-v1/src/counter.rs");
