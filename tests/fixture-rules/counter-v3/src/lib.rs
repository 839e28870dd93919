//! Test fixture: version 3.0.0 of the counting rule (state schema 2).

const VERSION: &str = "3.0.0";
const STATE_SCHEMA: u32 = 2;

include!("../../counter-v1/src/counter.rs");
