//! AWS Bedrock Guardrail Deleted or Weakened: a successful call that deletes
//! or changes a Bedrock guardrail, publishes a new version of one, or sets or
//! removes the account's enforced guardrail configuration.
//!
//! Guardrails filter what goes into and comes out of models: denied topics,
//! harmful content, leaked personal data, prompt attacks. Deleting one, or
//! loosening it and publishing the result as a new version, removes that
//! protection for every application that relies on it. The request content
//! is not inspected, so a tightening fires too; the responder compares
//! versions.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` in
//! {`DeleteGuardrail`, `UpdateGuardrail`, `CreateGuardrailVersion`,
//! `DeleteEnforcedGuardrailConfiguration`,
//! `PutEnforcedGuardrailConfiguration`}, `event.outcome == "success"` (all
//! exact, case-sensitive).
//!
//! # Differences from upstream
//!
//! - `CreateGuardrailVersion` is included. Upstream's action list leaves it
//!   out although the rule is described as covering version management:
//!   publishing a weakened draft as a version is how a weakening takes
//!   effect for applications pinned to versions.
//! - Upstream picks events by ingest time on a 5-minute schedule; ferrule
//!   evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &[
    "DeleteGuardrail",
    "UpdateGuardrail",
    "CreateGuardrailVersion",
    "DeleteEnforcedGuardrailConfiguration",
    "PutEnforcedGuardrailConfiguration",
];

struct GuardrailWeakened;

impl Rule for GuardrailWeakened {
    const INFO: RuleInfo = RuleInfo {
        id: "cdf7b922-909c-440c-8df0-0efe72aa7bea",
        slug: "bedrock-guardrail-deleted-or-weakened",
        name: "AWS Bedrock Guardrail Deleted or Weakened",
        description: "A Bedrock guardrail was deleted, changed or republished as a new version, \
            or the account's enforced guardrail setting was changed or removed, which can strip \
            content and prompt-attack filtering from model calls.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[Threat {
            tactic: "TA0005",
            technique: "T1562",
            subtechnique: Some("T1562.001"),
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_DeleteGuardrail.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_UpdateGuardrail.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateGuardrailVersion.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_PutEnforcedGuardrailConfiguration.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "DeleteGuardrail",
                "UpdateGuardrail",
                "CreateGuardrailVersion",
                "DeleteEnforcedGuardrailConfiguration",
                "PutEnforcedGuardrailConfiguration",
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
        let message = match guardrail(event) {
            Some(guardrail) => format!("{action} on guardrail {guardrail} by {}", event.caller()),
            None => format!("{action} by {}", event.caller()),
        };
        alerts.push(Alert::for_event(event, message));
        Ok(())
    }
}

/// The guardrail the call names: directly for the guardrail APIs, inside the
/// inference configuration for the enforced configuration, else the
/// enforced configuration's id.
fn guardrail<'a>(event: &Event<'a>) -> Option<&'a str> {
    event.first_request_parameter_text(&[
        "guardrailIdentifier",
        "guardrailInferenceConfig.guardrailIdentifier",
        "configId",
    ])
}

export_rule!(GuardrailWeakened);
