//! Template of a rule that watches for a call that never happens, for the
//! scaling benchmark: `cargo xtask bench` stamps copies of this component
//! with distinct numbers in place of `000000` (in its id, slug and watched
//! action), so a thousand distinct rules load without a thousand builds.
//!
//! Such rules stand for the bulk of a large deployment: detections of rare
//! calls, each in the dispatch index but almost never called.

use ferrule_sdk::prelude::*;

struct QuietTemplate;

impl Rule for QuietTemplate {
    const INFO: RuleInfo = RuleInfo {
        id: "ferrule-bench-synthetic-quiet-000000",
        slug: "synthetic-quiet-000000",
        name: "Benchmark: a call that never happens",
        description: "Alerts on a CloudTrail action no real service emits. Benchmark filler.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[],
        references: &[],
        interests: &[cloudtrail_interest!(
            "cloudtrail.amazonaws.com",
            ["SyntheticQuietAction000000"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.text("event.action") == Some("SyntheticQuietAction000000") {
            alerts.push(Alert::for_event(event, "synthetic quiet rule matched"));
        }
        Ok(())
    }
}

export_rule!(QuietTemplate);
