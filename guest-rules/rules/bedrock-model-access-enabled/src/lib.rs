//! AWS Bedrock Foundation Model Access Enabled or Entitlement Granted: a
//! successful call that opens access to a Bedrock foundation model.
//!
//! Before an account can call some third-party foundation models it must
//! submit a use case, accept the model's offer agreement and receive an
//! entitlement. An intruder who wants to run models at the victim's expense
//! goes through exactly these calls, typically right before the first
//! invocations, and they are rare in normal operation.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` in
//! {`PutFoundationModelEntitlement`, `PutUseCaseForModelAccess`,
//! `CreateFoundationModelAgreement`}, `event.outcome == "success"` (all
//! exact, case-sensitive).
//!
//! The alert carries the standard CloudTrail fields without
//! `aws.cloudtrail.user_identity.type` and `event.provider`, as upstream
//! lists them.
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

struct ModelAccessEnabled;

impl Rule for ModelAccessEnabled {
    const INFO: RuleInfo = RuleInfo {
        id: "aed4b9d5-f853-40cf-8489-4fdcff03e272",
        slug: "bedrock-model-access-enabled",
        name: "AWS Bedrock Foundation Model Access Enabled or Entitlement Granted",
        description: "Access to a Bedrock foundation model was opened: a use case submitted, an \
            offer agreement accepted or an entitlement granted. Intruders do this before running \
            models at the account's expense.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
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
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        // The use-case form names no model; the other two calls do.
        let message = match event.request_parameter_text("modelId") {
            Some(model) => format!("{action} for model {model} by {}", event.caller()),
            None => format!("{action} by {}", event.caller()),
        };
        let alert = Alert::for_event(event, message)
            .without_field(fields::USER_TYPE)
            .without_field("event.provider");
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(ModelAccessEnabled);
