//! AWS Bedrock Foundation Model Enumeration Followed by Invocation via
//! Long-Term Key: a long-term access key lists the Bedrock foundation models
//! and then invokes one within 15 minutes.
//!
//! Stolen access keys are tested and monetised quickly. For Bedrock
//! ("LLMjacking") the pattern is a model listing to see what the account
//! offers, then inference calls to use it at the owner's cost. Applications
//! call the models they were built for and seldom list them first, and they
//! usually run with temporary role credentials, so the pair made with a
//! long-term IAM user key (`AKIA…`) stands out.
//!
//! Condition, joined on `aws.cloudtrail.user_identity.access_key_id`:
//!
//! 1. `data_stream.dataset == "aws.cloudtrail"`,
//!    `event.provider == "bedrock.amazonaws.com"`,
//!    `event.action == "ListFoundationModels"`,
//!    `event.outcome == "success"`, and the access key starts with `AKIA`
//!    (case-sensitive);
//! 2. then, no later than 15 minutes after step 1, a successful call from
//!    the same key to `InvokeModel`, `InvokeModelWithResponseStream`,
//!    `Converse` or `ConverseStream`.
//!
//! Order and span are on event time. A newer listing by the same key
//! restarts the sequence from itself (as Elastic's sequence engine keeps
//! the newest pending match); a completed sequence is consumed, so the next
//! alert needs a new listing. Failed calls neither start nor complete it.
//!
//! State: per access key, at most one pending listing (its time and event
//! id), kept for 15 minutes of event time.
//!
//! The alert carries the standard CloudTrail fields of the invocation, its
//! `aws.cloudtrail.flattened.additional_eventdata.inputTokens` and
//! `.outputTokens`, and `ferrule.sequence_started` (the listing's time);
//! its evidence is the listing then the invocation, and its group the
//! access key and the caller's ARN.
//!
//! # Differences from upstream
//!
//! - Order and the 15-minute span are measured on event time
//!   (`@timestamp`), not on ingest time, so delivery delays cannot reorder
//!   or stretch the steps.
//! - Step 2's action names are compared exactly. Upstream compares them
//!   without regard to case; CloudTrail always writes them in this case, so
//!   exact names let the host deliver only these calls to the rule.

use ferrule_sdk::matching::starts_with;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const LISTING: &[&str] = &["ListFoundationModels"];
const INVOCATIONS: &[&str] = &[
    "InvokeModel",
    "InvokeModelWithResponseStream",
    "Converse",
    "ConverseStream",
];
/// Long-term IAM user access keys start with this.
const LONG_TERM_KEY_PREFIX: &str = "AKIA";
/// Longest time from the listing to the invocation.
const MAX_SPAN_MS: i64 = 15 * 60 * 1000;
const LIST_THEN_INVOKE: Sequence = Sequence::new("list-then-invoke", 2, MAX_SPAN_MS);

struct EnumerateThenInvoke;

impl Rule for EnumerateThenInvoke {
    const INFO: RuleInfo = RuleInfo {
        id: "a17f2e5f-de52-49e8-9d86-ccfe91cd54d4",
        slug: "bedrock-model-enum-then-invoke-long-term-key",
        name: "AWS Bedrock Foundation Model Enumeration Followed by Invocation via Long-Term Key",
        description: "A long-term IAM user access key listed the Bedrock foundation models and \
            then invoked one within 15 minutes: the probe-then-use pattern of stolen keys \
            being turned into paid model access.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0007",
                technique: "T1526",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0001",
                technique: "T1078",
                subtechnique: Some("T1078.004"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListFoundationModels.html",
            "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "ListFoundationModels",
                "InvokeModel",
                "InvokeModelWithResponseStream",
                "Converse",
                "ConverseStream",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        let step = if event.is_successful_call(PROVIDER, LISTING) {
            0
        } else if event.is_successful_call(PROVIDER, INVOCATIONS) {
            1
        } else {
            return Ok(());
        };
        let Some(key) = event
            .text(fields::ACCESS_KEY_ID)
            .filter(|key| starts_with(key, LONG_TERM_KEY_PREFIX, Case::Sensitive))
        else {
            return Ok(());
        };
        let Some(done) = LIST_THEN_INVOKE.advance(&[key], step, event) else {
            return Ok(());
        };

        let action = event.text("event.action").unwrap_or_default();
        let mut message = format!(
            "Long-term key {key} of {} listed Bedrock foundation models, then called {action}",
            event.caller()
        );
        if let Some(model) = event.request_parameter_text("modelId") {
            message.push_str(&format!(" on {model}"));
        }
        let minutes = (event.timestamp_ms() - done.started_ms) as f64 / 60_000.0;
        message.push_str(&format!(" {minutes:.1} minutes later"));

        let mut group = vec![(fields::ACCESS_KEY_ID.to_owned(), FieldValue::from(key))];
        if let Some(arn) = event.text(fields::USER_ARN) {
            group.push((fields::USER_ARN.to_owned(), FieldValue::from(arn)));
        }
        let alert = Alert::for_event(event, message)
            .with_group(group)
            .with_evidence(done.evidence)
            .copy_fields(
                event,
                &[
                    "aws.cloudtrail.flattened.additional_eventdata.inputTokens",
                    "aws.cloudtrail.flattened.additional_eventdata.outputTokens",
                ],
            )
            .field("ferrule.sequence_started", rfc3339(done.started_ms));
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(EnumerateThenInvoke);
