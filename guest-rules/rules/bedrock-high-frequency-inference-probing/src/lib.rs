//! AWS Bedrock High-Frequency Single-Model Inference API Probing: one
//! principal makes 500 or more successful inference calls to the same
//! Bedrock model within 60 minutes.
//!
//! Extracting a model's behaviour, or testing whether records were part of
//! its training data (membership inference), takes many queries to one
//! model in a short time. So does abusing stolen credentials for inference
//! at the owner's cost. Interactive use and most applications stay well
//! below hundreds of calls an hour per principal and model.
//!
//! Condition per event: `event.provider == "bedrock.amazonaws.com"`,
//! `event.action` one of `InvokeModel`, `Converse`, `ConverseStream`,
//! `InvokeModelWithResponseStream`, `event.outcome == "success"`,
//! `aws.cloudtrail.user_identity.arn` present, and a model id: the
//! request's top-level `modelId` parameter, or, when the structured request
//! is not available, the text after the first `modelId=` in
//! `aws.cloudtrail.request_parameters` up to the first `,`, `}` or `]`.
//! Events without a model id are skipped.
//!
//! Aggregation: per (`aws.cloudtrail.user_identity.arn`,
//! `cloud.account.id`, model id), a sliding window of 60 minutes of event
//! time; the rule fires when the window holds 500 calls. A missing account
//! forms its own group. After an alert, further detections for the same
//! principal and account, for any model, are held back for 60 minutes;
//! the next alert after that carries how many were held
//! (`ferrule.suppressed_count`: the calls at which the condition held
//! again while suppressed).
//!
//! State: per key, a window of at most 500 calls (the threshold), each
//! keeping its time, event id and the context fields reported below (each
//! value cut to 512 bytes); entries leave the window 60 minutes after their
//! event time. Per principal and account, one suppression record.
//!
//! The alert's group is the ARN, the account and `ferrule.model_id`. Its
//! evidence is the ids of the calls in the window, oldest first, ending
//! with the call that reached the threshold. Its fields:
//! `ferrule.inference_call_count` (the calls in the window, at most 500),
//! `ferrule.window_start` and `ferrule.window_end` (the first and last call's
//! times), `ferrule.suppressed_count`, and the distinct values across the
//! window of `event.action`, `source.ip`, `source.as.organization.name`,
//! `source.geo.country_iso_code`, `source.geo.city_name`, `user.name`,
//! `user_agent.original`, `aws.cloudtrail.user_identity.type`,
//! `aws.cloudtrail.user_identity.access_key_id`,
//! `aws.cloudtrail.user_identity.session_context.session_issuer.arn`,
//! `cloud.region` and `data_stream.namespace`. The network fields are
//! reported when the host enriches events with them; the rule does not
//! depend on them.
//!
//! # Differences from upstream
//!
//! - Time is event time (`@timestamp`), not ingest time, and the 60-minute
//!   lookback is a window that slides with every call: upstream counts the
//!   last 60 minutes of ingested events every 10 minutes, so a burst can be
//!   missed or reported up to 6 times; ferrule alerts once, when the 500th
//!   call in any 60 minutes happens.
//! - One alert per detection: repeats for the principal and account are
//!   suppressed for 60 minutes, as upstream's suppression does, and the
//!   held count rides on the next alert.
//! - The model id comes from the structured `modelId` request parameter.
//!   Upstream takes the first `modelId=` anywhere in the rendered request
//!   text, whose key order is not defined, so a nested `modelId` could be
//!   taken instead; ferrule falls back to that text search only when the
//!   structured request is absent (requests over 32 KB).
//! - The reported count stops at the window's capacity (500), so on a
//!   later alert during a longer burst it reads 500 where upstream would
//!   give the full hourly count.
//! - No ATT&CK mapping: upstream maps the rule to MITRE ATLAS only
//!   (AML.T0024, Exfiltration via AI Inference API; AML.T0024.000, Infer
//!   Training Data Membership).

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &[
    "InvokeModel",
    "Converse",
    "ConverseStream",
    "InvokeModelWithResponseStream",
];
const ACCOUNT: &str = "cloud.account.id";
const REQUEST_TEXT: &str = "aws.cloudtrail.request_parameters";

/// Window length and suppression period.
const WINDOW_MS: i64 = 60 * 60 * 1000;
/// Calls per principal, account and model in one window that fire.
const THRESHOLD: u32 = 500;
const CALLS: SlidingWindow = SlidingWindow::new("calls", WINDOW_MS, THRESHOLD);
const ONCE: Suppression = Suppression::new("principal-account", WINDOW_MS);

/// Fields whose distinct values across the window the alert reports.
const CONTEXT: WindowContext = WindowContext::new(&[
    "event.action",
    "source.ip",
    "source.as.organization.name",
    "source.geo.country_iso_code",
    "source.geo.city_name",
    "user.name",
    "user_agent.original",
    "aws.cloudtrail.user_identity.type",
    "aws.cloudtrail.user_identity.access_key_id",
    "aws.cloudtrail.user_identity.session_context.session_issuer.arn",
    "cloud.region",
    "data_stream.namespace",
]);

struct InferenceProbing;

impl Rule for InferenceProbing {
    const INFO: RuleInfo = RuleInfo {
        id: "56312ef5-656c-4bf7-ad9a-affed052b102",
        slug: "bedrock-high-frequency-inference-probing",
        name: "AWS Bedrock High-Frequency Single-Model Inference API Probing",
        description: "One principal made 500 or more successful inference calls to one Bedrock \
            model within an hour. Such volume fits model extraction, training-data membership \
            probing or inference abuse with stolen credentials.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html",
            "https://atlas.mitre.org/techniques/AML.T0024",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "InvokeModel",
                "Converse",
                "ConverseStream",
                "InvokeModelWithResponseStream",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let Some(arn) = event.text(fields::USER_ARN) else {
            return Ok(());
        };
        let Some(model) = model_id(event) else {
            return Ok(());
        };
        let account = event.text(ACCOUNT).unwrap_or("");

        let key = [arn, account, model];
        let stats = CALLS.add(&key, &CONTEXT.pack(event), event);
        if stats.count < THRESHOLD {
            return Ok(());
        }
        let Some(held) = ONCE.admit(&[arn, account], event) else {
            return Ok(());
        };

        let entries = CALLS.entries(&key);
        let start = entries.first().map_or(event.timestamp_ms(), |e| e.at);
        let message = format!(
            "{arn} made {} successful inference calls to Bedrock model {model} within 60 minutes",
            stats.count
        );
        let mut group = vec![(fields::USER_ARN.to_owned(), FieldValue::from(arn))];
        if !account.is_empty() {
            group.push((ACCOUNT.to_owned(), FieldValue::from(account)));
        }
        group.push(("ferrule.model_id".to_owned(), FieldValue::from(model)));

        let mut alert = Alert::for_event(event, message)
            .with_group(group)
            .with_evidence(entries.iter().map(|e| e.tag.clone()).collect());
        alert.fields.clear();
        let alert = CONTEXT
            .report(alert, &entries)
            .field("ferrule.inference_call_count", i64::from(stats.count))
            .field("ferrule.window_start", rfc3339(start))
            .field("ferrule.window_end", rfc3339(event.timestamp_ms()))
            .field(
                "ferrule.suppressed_count",
                i64::try_from(held).unwrap_or(i64::MAX),
            );
        alerts.push(alert);
        Ok(())
    }
}

/// The model the call is for: the top-level `modelId` request parameter,
/// else (no structured request) the text after the first `modelId=` in the
/// rendered request, up to `,`, `}` or `]`.
fn model_id<'a>(event: &Event<'a>) -> Option<&'a str> {
    if let Some(model) = event.request_parameter_text("modelId") {
        return Some(model).filter(|m| !m.is_empty());
    }
    if event.has(ferrule_sdk::event::REQUEST_PARAMETERS) {
        return None;
    }
    let text = event.text(REQUEST_TEXT)?;
    let start = text.find("modelId=")? + "modelId=".len();
    let rest = &text[start..];
    let end = rest.find([',', '}', ']']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|m| !m.is_empty())
}

export_rule!(InferenceProbing);
