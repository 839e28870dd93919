//! AWS CloudTrail Log Suspended: a successful `StopLogging` call.
//!
//! Stopping a trail ends the audit record of everything that follows, which
//! is why attackers do it right after gaining access. Every successful call
//! alerts; the caller's ARN is the group.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "cloudtrail.amazonaws.com"`,
//! `event.action == "StopLogging"`, `event.outcome == "success"`.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

struct StopLogging;

impl Rule for StopLogging {
    const INFO: RuleInfo = RuleInfo {
        id: "1aa8fa52-44a7-4dae-b058-f3333b91c8d7",
        slug: "cloudtrail-stop-logging",
        name: "AWS CloudTrail Log Suspended",
        description: "A CloudTrail trail was stopped with StopLogging. Stopping a trail halts \
            the audit record of every later API call; attackers do it to act unseen.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
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
            "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html",
        ],
        interests: &[cloudtrail_interest!(
            "cloudtrail.amazonaws.com",
            ["StopLogging"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.is_successful_call("cloudtrail.amazonaws.com", &["StopLogging"]) {
            let trail = event.request_parameter_text("name").unwrap_or("(unnamed)");
            let message = format!("CloudTrail trail {trail} stopped by {}", event.caller());
            alerts.push(
                Alert::for_event(event, message).without_field("aws.cloudtrail.response_elements"),
            );
        }
        Ok(())
    }
}

export_rule!(StopLogging);
