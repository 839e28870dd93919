// The counting rule shared by the `counter-v*` fixtures; each crate sets
// `VERSION` and `STATE_SCHEMA` and includes this file.
//
// Every `Tick` event increments a counter in state and alerts with the
// count and the version that saw it, so a test can prove each event was
// handled by exactly one version and that state carried over (or not). The
// tenth count is marked as a burst.

use ferrule_sdk::prelude::*;
use ferrule_sdk::state;

struct Counter;

impl Rule for Counter {
    const INFO: RuleInfo = RuleInfo {
        id: "fixture-counter",
        slug: "fixture-counter",
        name: "Fixture: event counter",
        description: "Numbers the events it sees, for hot reload tests.",
        version: VERSION,
        state_schema_version: STATE_SCHEMA,
        severity: Severity::Low,
        risk_score: 1,
        threats: &[],
        references: &[],
        interests: &[Interest {
            datasets: &["aws.cloudtrail"],
            filters: &[Filter {
                field: "event.action",
                any_of: &["Tick"],
            }],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        let count = state::increment("seen", 1, state::NEVER);
        let alert = Alert::for_event(event, format!("event {count} seen by {VERSION}"))
            .with_group(vec![])
            .field("count", count)
            .field("version", VERSION)
            .field("burst", count == 10);
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(Counter);
