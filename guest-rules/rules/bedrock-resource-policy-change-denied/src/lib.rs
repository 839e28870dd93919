//! AWS Bedrock Unauthorized Resource-Based Policy Modification Attempt: a
//! `PutResourcePolicy` or `DeleteResourcePolicy` call on Bedrock that was
//! refused for lack of permission.
//!
//! A resource-based policy decides who outside the caller's own permissions
//! may use a Bedrock resource; rewriting it is a way to grant another account
//! access or to cut the owner's. A refused attempt shows a principal probing
//! for that power, often with stolen credentials that turn out too weak. One
//! refusal is enough to alert.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`,
//! `event.action` in {`PutResourcePolicy`, `DeleteResourcePolicy`},
//! `event.outcome == "failure"`, and `aws.cloudtrail.error_code` in
//! {`AccessDenied`, `AccessDeniedException`} (all exact, case-sensitive).
//!
//! The alert carries the standard CloudTrail fields plus
//! `aws.cloudtrail.error_code`.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &["PutResourcePolicy", "DeleteResourcePolicy"];

struct ResourcePolicyChangeDenied;

impl Rule for ResourcePolicyChangeDenied {
    const INFO: RuleInfo = RuleInfo {
        id: "2e99477f-6099-48a9-ae0e-68801d97079c",
        slug: "bedrock-resource-policy-change-denied",
        name: "AWS Bedrock Unauthorized Resource-Based Policy Modification Attempt",
        description: "A principal was refused when it tried to set or delete the resource-based \
            policy of a Bedrock resource, a sign of someone probing for the power to share or lock it.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[Threat {
            tactic: "TA0003",
            technique: "T1098",
            subtechnique: None,
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_PutResourcePolicy.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            ["PutResourcePolicy", "DeleteResourcePolicy"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_denied_call(PROVIDER, ACTIONS) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let resource = event
            .request_parameter_text("resourceArn")
            .unwrap_or("(unknown resource)");
        let message = format!(
            "{} was denied {action} on Bedrock resource {resource}",
            event.caller()
        );
        alerts.push(
            Alert::for_event(event, message).copy_fields(event, &["aws.cloudtrail.error_code"]),
        );
        Ok(())
    }
}

export_rule!(ResourcePolicyChangeDenied);
