//! Test fixture: a rule that misbehaves on demand, to prove the host
//! contains it. The event's `event.action` says how:
//!
//! - `FixturePanic`: panics (a trap);
//! - `FixtureLoop`: loops forever (the deadline must stop it);
//! - `FixtureFloodMemory`: allocates without bound (the memory cap must
//!   stop it);
//! - `FixtureReadFile`: tries to read `/etc/passwd` through WASI (no
//!   capability is granted, so it must trap, never succeed);
//! - `FixtureBadAlert`: returns an alert whose JSON field is not JSON;
//! - `FixtureError`: returns an error;
//! - `FixtureCount`: behaves, alerting with the number of times the state
//!   counter was incremented, which shows failed calls left no state.

use ferrule_sdk::prelude::*;
use ferrule_sdk::state;

struct Misbehaving;

impl Rule for Misbehaving {
    const INFO: RuleInfo = RuleInfo {
        id: "fixture-misbehaving",
        slug: "fixture-misbehaving",
        name: "Fixture: misbehaving rule",
        description: "Misbehaves on demand so tests can check containment.",
        version: "0.1.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 1,
        threats: &[],
        references: &[],
        interests: &[Interest {
            datasets: &["aws.cloudtrail"],
            filters: &[Filter {
                field: "event.action",
                any_of: &[
                    "FixturePanic",
                    "FixtureLoop",
                    "FixtureFloodMemory",
                    "FixtureReadFile",
                    "FixtureBadAlert",
                    "FixtureError",
                    "FixtureCount",
                ],
            }],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        // Every call first stages a state write, so a failure that left
        // partial state behind would show in the count.
        let count = state::increment("events", 1, state::NEVER);
        match event.text("event.action") {
            Some("FixturePanic") => panic!("asked to panic by event {}", event.id()),
            Some("FixtureLoop") => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            Some("FixtureFloodMemory") => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            Some("FixtureReadFile") => {
                let secret = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
                alerts.push(Alert::for_event(
                    event,
                    format!("read {} bytes from the host", secret.len()),
                ));
            }
            Some("FixtureBadAlert") => {
                alerts.push(
                    Alert::for_event(event, "bad").field("doc", FieldValue::Json("{nope".into())),
                );
            }
            Some("FixtureError") => return Err(format!("refusing event {}", event.id())),
            _ => {
                alerts.push(Alert::for_event(event, format!("count {count}")).field("count", count))
            }
        }
        Ok(())
    }
}

export_rule!(Misbehaving);
