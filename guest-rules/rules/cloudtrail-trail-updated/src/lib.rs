//! AWS CloudTrail Log Updated: a successful `UpdateTrail` call.
//!
//! Changing a trail can redirect its logs, drop regions or global events,
//! or turn off log file validation. Every successful call alerts; the
//! changed settings are reported, not compared with a baseline. The
//! caller's ARN is the group.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "cloudtrail.amazonaws.com"`,
//! `event.action == "UpdateTrail"`, `event.outcome == "success"`.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

struct TrailUpdated;

impl Rule for TrailUpdated {
    const INFO: RuleInfo = RuleInfo {
        id: "3e002465-876f-4f04-b016-84ef48ce7e5d",
        slug: "cloudtrail-trail-updated",
        name: "AWS CloudTrail Log Updated",
        description: "A CloudTrail trail's settings were changed with UpdateTrail. Changes can \
            redirect logs to another bucket or narrow what the trail records.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0040",
                technique: "T1565",
                subtechnique: Some("T1565.001"),
            },
            Threat {
                tactic: "TA0009",
                technique: "T1530",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0005",
                technique: "T1562",
                subtechnique: Some("T1562.008"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html",
        ],
        interests: &[cloudtrail_interest!(
            "cloudtrail.amazonaws.com",
            ["UpdateTrail"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.is_successful_call("cloudtrail.amazonaws.com", &["UpdateTrail"]) {
            let trail = event.request_parameter_text("name").unwrap_or("(unnamed)");
            let message = format!("CloudTrail trail {trail} updated by {}", event.caller());
            alerts.push(Alert::for_event(event, message));
        }
        Ok(())
    }
}

export_rule!(TrailUpdated);
