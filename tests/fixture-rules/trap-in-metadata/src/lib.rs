//! Test fixture: a component of the right world whose `metadata` export
//! traps. Loading it must fail with a message naming the file, and the
//! other rules must still load. It implements the generated bindings
//! directly, as a rule written without the SDK's `Rule` trait would.

use ferrule_sdk::bindings::exports::ferrule::detect::rule::Guest;
use ferrule_sdk::bindings::ferrule::detect::types::{Alert, RuleMetadata};

struct TrapInMetadata;

impl Guest for TrapInMetadata {
    fn metadata() -> RuleMetadata {
        panic!("metadata is deliberately broken in this fixture")
    }

    fn on_events(_batch: Vec<u8>) -> Result<Vec<Alert>, String> {
        Ok(Vec::new())
    }

    fn on_tick(_watermark: i64) -> Result<Vec<Alert>, String> {
        Ok(Vec::new())
    }
}

ferrule_sdk::bindings::__export_detection_rule!(TrapInMetadata with_types_in ferrule_sdk::bindings);
