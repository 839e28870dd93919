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
const CONTEXT: &[&str] = &[
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
];

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
        let stats = CALLS.add(&key, &context::pack(event, CONTEXT), event);
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
        let alert = context::report(alert, &entries, CONTEXT)
            .field("ferrule.inference_call_count", i64::from(stats.count))
            .field("ferrule.window_start", format_time(start))
            .field("ferrule.window_end", format_time(event.timestamp_ms()))
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

/// `ms` since the Unix epoch as an RFC 3339 UTC time with milliseconds, as
/// `@timestamp` is written.
fn format_time(ms: i64) -> String {
    const DAY_MS: i64 = 86_400_000;
    let (days, in_day) = (ms.div_euclid(DAY_MS), ms.rem_euclid(DAY_MS));
    // Days to a civil date (proleptic Gregorian), after Howard Hinnant.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// The context of counted events, packed into window members so that an
/// alert can report the values seen across its window: a window entry
/// keeps one member string besides its time and event id.
mod context {
    use ferrule_sdk::idioms::WindowEntry;
    use ferrule_sdk::{Alert, Event, FieldValue};

    /// Separates packed values. CloudTrail values do not contain it; where
    /// one does, it is replaced so that columns stay aligned.
    const SEPARATOR: char = '\u{1e}';
    /// Longest value kept per field, in bytes; longer values are cut.
    const MAX_VALUE_BYTES: usize = 512;

    /// The text values of `paths` in `event` (empty when absent), packed
    /// into one string.
    pub fn pack(event: &Event<'_>, paths: &[&str]) -> String {
        let mut packed = String::new();
        for (i, path) in paths.iter().enumerate() {
            if i > 0 {
                packed.push(SEPARATOR);
            }
            let value = event.text(path).unwrap_or("");
            let mut end = value.len().min(MAX_VALUE_BYTES);
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            packed.extend(value[..end].chars().map(
                |c| {
                    if c == SEPARATOR { '\u{fffd}' } else { c }
                },
            ));
        }
        packed
    }

    /// The distinct non-empty values of the `column`-th packed field across
    /// `entries`, in order of first appearance.
    pub fn values(entries: &[WindowEntry], column: usize) -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for entry in entries {
            if let Some(value) = entry.member.split(SEPARATOR).nth(column)
                && !value.is_empty()
                && !values.iter().any(|v| v == value)
            {
                values.push(value.to_owned());
            }
        }
        values
    }

    /// `alert` with, for each of `paths` that has values across `entries`,
    /// the field named by the path holding those values.
    pub fn report(mut alert: Alert, entries: &[WindowEntry], paths: &[&str]) -> Alert {
        for (column, path) in paths.iter().enumerate() {
            let values = values(entries, column);
            if !values.is_empty() {
                alert = alert.field(path, FieldValue::Texts(values));
            }
        }
        alert
    }
}

export_rule!(InferenceProbing);
