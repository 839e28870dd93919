//! AWS Bedrock Provisioned Model Throughput Tampering: a successful creation,
//! update or deletion of Bedrock provisioned throughput.
//!
//! Provisioned throughput reserves dedicated model capacity at a fixed hourly
//! price, often for months. An intruder can buy capacity to run models at
//! the victim's expense, repoint it at another model, or delete the capacity
//! production depends on. These calls are rare and belong to a few owners.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` in
//! {`CreateProvisionedModelThroughput`, `UpdateProvisionedModelThroughput`,
//! `DeleteProvisionedModelThroughput`}, `event.outcome == "success"` (all
//! exact, case-sensitive).
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &[
    "CreateProvisionedModelThroughput",
    "UpdateProvisionedModelThroughput",
    "DeleteProvisionedModelThroughput",
];

struct ProvisionedThroughputTampering;

impl Rule for ProvisionedThroughputTampering {
    const INFO: RuleInfo = RuleInfo {
        id: "42b5e06d-b297-4286-a004-ae0da92c5b81",
        slug: "bedrock-provisioned-throughput-tampering",
        name: "AWS Bedrock Provisioned Model Throughput Tampering",
        description: "Bedrock provisioned throughput was bought, changed or deleted. Reserved \
            model capacity is costly and long-lived, so it can be abused to run models at the \
            account's expense or removed to disrupt production.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[Threat {
            tactic: "TA0040",
            technique: "T1496",
            subtechnique: Some("T1496.004"),
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateProvisionedModelThroughput.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_UpdateProvisionedModelThroughput.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_DeleteProvisionedModelThroughput.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "CreateProvisionedModelThroughput",
                "UpdateProvisionedModelThroughput",
                "DeleteProvisionedModelThroughput",
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
        // Create names the new capacity; update and delete name an existing
        // one by id or ARN.
        let throughput = event
            .first_request_parameter_text(&["provisionedModelName", "provisionedModelId"])
            .unwrap_or("(unnamed)");
        let mut message = format!(
            "{action} on provisioned throughput {throughput} by {}",
            event.caller()
        );
        if let Some(model) = event.request_parameter_text("modelId") {
            message.push_str(&format!(" (model {model})"));
        }
        alerts.push(Alert::for_event(event, message));
        Ok(())
    }
}

export_rule!(ProvisionedThroughputTampering);
