//! Test fixture: version 1.0.0 of the counting rule (state schema 1).

const VERSION: &str = "1.0.0";
const STATE_SCHEMA: u32 = 1;

include!("counter.rs");
