//! AWS CloudTrail Log Created: a successful `CreateTrail` call.
//!
//! A new trail can copy the account's audit record to a bucket the caller
//! controls. Every successful call alerts (low severity); the trail's
//! destination and settings are reported, not judged. The caller's ARN is
//! the group.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "cloudtrail.amazonaws.com"`,
//! `event.action == "CreateTrail"`, `event.outcome == "success"`.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

struct TrailCreated;

impl Rule for TrailCreated {
    const INFO: RuleInfo = RuleInfo {
        id: "594e0cbf-86cc-45aa-9ff7-ff27db27d3ed",
        slug: "cloudtrail-trail-created",
        name: "AWS CloudTrail Log Created",
        description: "A CloudTrail trail was created. A trail delivering to a bucket outside \
            the organisation's control can be used to collect the account's activity.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[
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
            "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html",
        ],
        interests: &[cloudtrail_interest!(
            "cloudtrail.amazonaws.com",
            ["CreateTrail"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.is_successful_call("cloudtrail.amazonaws.com", &["CreateTrail"]) {
            let trail = event.request_parameter_text("name").unwrap_or("(unnamed)");
            let bucket = event
                .request_parameter_text("s3BucketName")
                .unwrap_or("(no bucket)");
            let message = format!(
                "CloudTrail trail {trail} created by {}, delivering to {bucket}",
                event.caller()
            );
            alerts.push(Alert::for_event(event, message));
        }
        Ok(())
    }
}

export_rule!(TrailCreated);
