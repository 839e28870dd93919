//! AWS Bedrock Unauthorized Foundation Model Access Attempt: a call that
//! would open access to a Bedrock foundation model, refused for lack of
//! permission.
//!
//! Submitting a model use case, accepting a model's offer agreement and
//! granting an entitlement are the steps that unlock third-party foundation
//! models. A refused attempt means a principal tried to unlock models it was
//! not meant to, as intruders do with stolen keys before running models at
//! the victim's expense. One refusal is enough to alert.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` in
//! {`PutFoundationModelEntitlement`, `PutUseCaseForModelAccess`,
//! `CreateFoundationModelAgreement`}, `event.outcome == "failure"`, and
//! `aws.cloudtrail.error_code` in {`AccessDenied`, `AccessDeniedException`}
//! (all exact, case-sensitive).
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
const ACTIONS: &[&str] = &[
    "PutFoundationModelEntitlement",
    "PutUseCaseForModelAccess",
    "CreateFoundationModelAgreement",
];

struct ModelAccessDenied;

impl Rule for ModelAccessDenied {
    const INFO: RuleInfo = RuleInfo {
        id: "3d2e8c90-5be7-4a57-9de4-58be75af933f",
        slug: "bedrock-model-access-denied",
        name: "AWS Bedrock Unauthorized Foundation Model Access Attempt",
        description: "A principal was refused when it tried to unlock a Bedrock foundation model \
            (use case, offer agreement or entitlement), a sign of someone trying to run models \
            they were not given.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[Threat {
            tactic: "TA0003",
            technique: "T1098",
            subtechnique: None,
        }],
        references: &["https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html"],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "PutFoundationModelEntitlement",
                "PutUseCaseForModelAccess",
                "CreateFoundationModelAgreement",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_denied_call(PROVIDER, ACTIONS) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let message = match event.request_parameter_text("modelId") {
            Some(model) => format!("{} was denied {action} for model {model}", event.caller()),
            None => format!("{} was denied {action}", event.caller()),
        };
        alerts.push(
            Alert::for_event(event, message).copy_fields(event, &["aws.cloudtrail.error_code"]),
        );
        Ok(())
    }
}

export_rule!(ModelAccessDenied);
