//! AWS Bedrock Untrusted Model Imported or Marketplace Endpoint Registered: a
//! successful call that brings outside model weights into Bedrock or puts a
//! Marketplace model behind an endpoint.
//!
//! Imported and Marketplace models run with the account's data and
//! permissions but were built elsewhere. Weights from an attacker's bucket,
//! or an endpoint for a model nobody vetted, can leak prompts, carry hidden
//! behaviour or simply run up cost. Whether the source is trusted is not
//! evaluated: every successful call fires, and the alert carries the
//! structured request so the responder can check the source location and
//! model.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` in
//! {`CreateModelImportJob`, `CreateCustomModelDeployment`,
//! `CreateMarketplaceModelEndpoint`, `RegisterMarketplaceModelEndpoint`},
//! `event.outcome == "success"` (all exact, case-sensitive).
//!
//! The alert carries the standard CloudTrail fields plus
//! `aws.cloudtrail.flattened.request_parameters`.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::event::REQUEST_PARAMETERS;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &[
    "CreateModelImportJob",
    "CreateCustomModelDeployment",
    "CreateMarketplaceModelEndpoint",
    "RegisterMarketplaceModelEndpoint",
];

/// Request parameters that name what is imported or exposed, in order of
/// preference: the model source, then the model, then the job or endpoint.
const SUBJECTS: &[&str] = &[
    "modelDataSource.s3DataSource.s3Uri",
    "modelSourceIdentifier",
    "modelArn",
    "importedModelName",
    "jobName",
    "modelDeploymentName",
    "endpointName",
    "endpointIdentifier",
];

struct UntrustedModel;

impl Rule for UntrustedModel {
    const INFO: RuleInfo = RuleInfo {
        id: "c435defe-8438-4d5a-b4d0-86ab0faf9a49",
        slug: "bedrock-untrusted-model-import-or-marketplace-endpoint",
        name: "AWS Bedrock Untrusted Model Imported or Marketplace Endpoint Registered",
        description: "A model was imported into Bedrock, a custom model deployed, or a \
            Marketplace model endpoint created or registered. Outside models run with the \
            account's data and can carry hidden behaviour; check where the model came from.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[Threat {
            tactic: "TA0003",
            technique: "T1525",
            subtechnique: None,
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateModelImportJob.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateMarketplaceModelEndpoint.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_RegisterMarketplaceModelEndpoint.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "CreateModelImportJob",
                "CreateCustomModelDeployment",
                "CreateMarketplaceModelEndpoint",
                "RegisterMarketplaceModelEndpoint",
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
        let subject = event.first_request_parameter_text(SUBJECTS);
        let message = match subject {
            Some(subject) => format!("{action} for {subject} by {}", event.caller()),
            None => format!("{action} by {}", event.caller()),
        };
        alerts.push(Alert::for_event(event, message).copy_fields(event, &[REQUEST_PARAMETERS]));
        Ok(())
    }
}

export_rule!(UntrustedModel);
