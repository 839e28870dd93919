//! AWS CloudTrail Log Deleted: a successful `DeleteTrail` call.
//!
//! Deleting a trail removes the audit record going forward and its
//! configuration with it. Every successful call alerts; the caller's ARN is
//! the group.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "cloudtrail.amazonaws.com"`,
//! `event.action == "DeleteTrail"`, `event.outcome == "success"`.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

struct TrailDeleted;

impl Rule for TrailDeleted {
    const INFO: RuleInfo = RuleInfo {
        id: "7024e2a0-315d-4334-bb1a-441c593e16ab",
        slug: "cloudtrail-trail-deleted",
        name: "AWS CloudTrail Log Deleted",
        description: "A CloudTrail trail was deleted with DeleteTrail, ending the audit record \
            it kept. Attackers delete trails to hide what they do next.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[
            Threat {
                tactic: "TA0005",
                technique: "T1562",
                subtechnique: Some("T1562.001"),
            },
            Threat {
                tactic: "TA0005",
                technique: "T1562",
                subtechnique: Some("T1562.008"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DeleteTrail.html",
        ],
        interests: &[cloudtrail_interest!(
            "cloudtrail.amazonaws.com",
            ["DeleteTrail"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.is_successful_call("cloudtrail.amazonaws.com", &["DeleteTrail"]) {
            let trail = event.request_parameter_text("name").unwrap_or("(unnamed)");
            let message = format!("CloudTrail trail {trail} deleted by {}", event.caller());
            alerts.push(
                Alert::for_event(event, message).without_field("aws.cloudtrail.response_elements"),
            );
        }
        Ok(())
    }
}

export_rule!(TrailDeleted);
