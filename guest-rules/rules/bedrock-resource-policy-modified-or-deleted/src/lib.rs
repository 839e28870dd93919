//! AWS Bedrock Resource-Based Policy Modified or Deleted: a principal that
//! has not done so in the last 7 days puts or deletes the resource-based
//! policy of a Bedrock resource.
//!
//! A resource-based policy says who, including principals in other
//! accounts, may use a Bedrock resource such as a custom model or an agent
//! alias. Writing one can quietly open the resource to an outside account,
//! and deleting one can remove the restrictions that protected it. Both
//! persist independently of the caller's own access, and both are rare
//! changes made by a few administrators.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` is
//! `PutResourcePolicy` or `DeleteResourcePolicy`,
//! `event.outcome == "success"` (all exact, case-sensitive).
//!
//! New term: `aws.cloudtrail.user_identity.arn`. The rule alerts when the
//! ARN made no matching call in the 7 days of event time before this one;
//! every matching call refreshes its last sighting. An event without an ARN
//! never alerts and is not remembered; failed calls are not remembered
//! (denied attempts are the companion rule's subject).
//!
//! State: one timestamp per ARN seen, kept for 7 days of event time after
//! its last sighting.
//!
//! The alert carries the standard CloudTrail fields, including the request
//! parameters that name the resource and hold the new policy.
//!
//! # Differences from upstream
//!
//! - History is measured on event time (`@timestamp`), not on ingest
//!   time, with late delivery absorbed by the host's watermark.
//! - Upstream collapses repeats inside one 5-minute run; ferrule sees the
//!   events in event-time order and alerts on the first only.
//! - As upstream, the principals the policy grants are not examined.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &["PutResourcePolicy", "DeleteResourcePolicy"];
/// How long a principal is remembered after its last matching call.
const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("arn", HISTORY_MS);

struct ResourcePolicyChanged;

impl Rule for ResourcePolicyChanged {
    const INFO: RuleInfo = RuleInfo {
        id: "de0e9ed8-b68f-4249-957a-2c2bbdbd1c1b",
        slug: "bedrock-resource-policy-modified-or-deleted",
        name: "AWS Bedrock Resource-Based Policy Modified or Deleted",
        description: "A principal wrote or deleted the resource-based policy of a Bedrock \
            resource for the first time in 7 days. Such a policy decides who, in any account, \
            may use the resource, so a change can open it to outsiders.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[Threat {
            tactic: "TA0003",
            technique: "T1098",
            subtechnique: None,
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_PutResourcePolicy.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_DeleteResourcePolicy.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            ["PutResourcePolicy", "DeleteResourcePolicy"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let arn = event.text(fields::USER_ARN).unwrap_or("");
        if !SEEN.check(&[arn], event) {
            return Ok(());
        }

        let verb = match event.text("event.action") {
            Some("DeleteResourcePolicy") => "deleted",
            _ => "changed",
        };
        let resource = event
            .request_parameter_text("resourceArn")
            .unwrap_or("a Bedrock resource");
        let message = format!(
            "{arn} {verb} the resource-based policy of {resource}, its first such change in 7 days"
        );
        alerts.push(Alert::for_event(event, message));
        Ok(())
    }
}

export_rule!(ResourcePolicyChanged);
