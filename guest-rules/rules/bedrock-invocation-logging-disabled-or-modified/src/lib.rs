//! AWS Bedrock Model Invocation Logging Disabled or Modified: a successful
//! deletion or replacement of the account's Bedrock model invocation logging
//! configuration.
//!
//! Invocation logs are the only record of the prompts sent to models and of
//! what they answered. Deleting the configuration stops them; replacing it
//! can turn off a kind of data, or send the logs to a bucket or log group
//! the defenders do not watch. Every replacement fires, including a benign
//! first setup: the message names the new destinations and any delivery
//! that the new configuration turns off, so the responder can tell quickly.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` in
//! {`DeleteModelInvocationLoggingConfiguration`,
//! `PutModelInvocationLoggingConfiguration`}, `event.outcome == "success"`
//! (all exact, case-sensitive).
//!
//! The alert carries the standard CloudTrail fields plus `source.as.number`
//! and the structured request (`aws.cloudtrail.flattened.request_parameters`)
//! when the event has them.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::event::REQUEST_PARAMETERS;
use ferrule_sdk::layout::Value;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const DELETE: &str = "DeleteModelInvocationLoggingConfiguration";
const PUT: &str = "PutModelInvocationLoggingConfiguration";
const ACTIONS: &[&str] = &[DELETE, PUT];

/// The per-kind delivery switches of a logging configuration, with the
/// words the message uses for them.
const DELIVERIES: &[(&str, &str)] = &[
    ("loggingConfig.textDataDeliveryEnabled", "text"),
    ("loggingConfig.imageDataDeliveryEnabled", "image"),
    ("loggingConfig.embeddingDataDeliveryEnabled", "embedding"),
    ("loggingConfig.videoDataDeliveryEnabled", "video"),
];

struct InvocationLoggingChanged;

impl Rule for InvocationLoggingChanged {
    const INFO: RuleInfo = RuleInfo {
        id: "fa830742-fd41-4b12-a287-2c57bdf079ef",
        slug: "bedrock-invocation-logging-disabled-or-modified",
        name: "AWS Bedrock Model Invocation Logging Disabled or Modified",
        description: "Bedrock model invocation logging was deleted or reconfigured. These logs \
            record the prompts and answers of model calls; turning them off or redirecting them \
            hides misuse of models.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[Threat {
            tactic: "TA0005",
            technique: "T1562",
            subtechnique: Some("T1562.008"),
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_PutModelInvocationLoggingConfiguration.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_DeleteModelInvocationLoggingConfiguration.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "DeleteModelInvocationLoggingConfiguration",
                "PutModelInvocationLoggingConfiguration"
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }

        let message = if event.text("event.action") == Some(DELETE) {
            format!(
                "Bedrock model invocation logging deleted by {}",
                event.caller()
            )
        } else {
            format!(
                "Bedrock model invocation logging reconfigured by {} ({})",
                event.caller(),
                describe_put(event)
            )
        };
        let alert = Alert::for_event(event, message)
            .copy_fields(event, &["source.as.number", REQUEST_PARAMETERS]);
        alerts.push(alert);
        Ok(())
    }
}

/// Where the new configuration sends the logs, and which kinds of data it
/// stops delivering.
fn describe_put(event: &Event<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(bucket) = event.request_parameter_text("loggingConfig.s3Config.bucketName") {
        parts.push(format!("S3 bucket {bucket}"));
    }
    if let Some(group) = event.request_parameter_text("loggingConfig.cloudWatchConfig.logGroupName")
    {
        parts.push(format!("log group {group}"));
    }
    if parts.is_empty() {
        parts.push("no destination named".to_owned());
    }
    let off: Vec<&str> = DELIVERIES
        .iter()
        .filter(|(path, _)| is_false(event.request_parameter(path)))
        .map(|(_, kind)| *kind)
        .collect();
    if !off.is_empty() {
        parts.push(format!("{} delivery off", off.join(", ")));
    }
    parts.join("; ")
}

fn is_false(value: Option<Value<'_>>) -> bool {
    matches!(value, Some(Value::Bool(false)) | Some(Value::Text("false")))
}

export_rule!(InvocationLoggingChanged);
