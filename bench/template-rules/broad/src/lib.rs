//! Template of a rule that reads every event of the busiest services, for
//! the scaling benchmark: `cargo xtask bench` stamps copies of this
//! component with distinct numbers in place of `000000` (in its id, slug
//! and the user agent it looks for), so a hundred distinct rules load
//! without a hundred builds.
//!
//! Such rules stand for broad hunting rules: called for a large share of
//! the stream, each scanning a field of every event, and rarely alerting.

use ferrule_sdk::prelude::*;

struct BroadTemplate;

impl Rule for BroadTemplate {
    const INFO: RuleInfo = RuleInfo {
        id: "ferrule-bench-synthetic-broad-000000",
        slug: "synthetic-broad-000000",
        name: "Benchmark: a user agent scan over busy services",
        description: "Alerts when a user agent of the busiest services carries a marker no \
            real client sends. Benchmark filler.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[],
        references: &[],
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[Filter {
                field: "event.provider",
                any_of: &[
                    "s3.amazonaws.com",
                    "ec2.amazonaws.com",
                    "iam.amazonaws.com",
                    "sts.amazonaws.com",
                ],
            }],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        let marked = event
            .text("user_agent.original")
            .is_some_and(|agent| agent.contains("synthetic-broad-000000"));
        if marked {
            alerts.push(Alert::for_event(event, "synthetic broad rule matched"));
        }
        Ok(())
    }
}

export_rule!(BroadTemplate);
