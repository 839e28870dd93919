//! AWS S3 Rapid Bucket Posture API Calls from a Single Principal: one
//! principal, from one address, reads the access posture of at least 16
//! different S3 buckets within 10 seconds.
//!
//! Before taking data, attackers look for buckets they can read or that
//! are already exposed: who the ACL grants, whether public access is
//! blocked, what the bucket policy allows, whether versioning would keep
//! deleted objects. Scripts and security scanners run these reads across
//! every bucket in seconds; people and applications look at one bucket at
//! a time. Approved scanners are expected to be known and tuned out.
//!
//! Condition per event: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "s3.amazonaws.com"`, `event.outcome == "success"`,
//! `event.action` one of `GetBucketAcl`, `GetBucketPublicAccessBlock`,
//! `GetBucketPolicy`, `GetBucketPolicyStatus`, `GetBucketVersioning`,
//! `aws.cloudtrail.user_identity.type` not `AWSService` (a missing type
//! does not exclude), `source.ip`, `aws.cloudtrail.resources.arn` and
//! `aws.cloudtrail.user_identity.arn` present, and not a console session
//! (`aws.cloudtrail.session_credential_from_console` absent or `false`).
//!
//! Aggregation: per (`aws.cloudtrail.user_identity.arn`, `source.ip`), a
//! sliding window of 10 seconds of event time; the rule fires when the
//! window holds at least 16 distinct resource ARNs. Every ARN of an event
//! counts (at most 8 per event). After an alert, further detections for the
//! same principal and address are held back for 10 seconds; the next alert
//! carries how many were held (`ferrule.suppressed_count`).
//!
//! State: per key, two windows of at most 1,000 entries each (the resource
//! ARNs, and the calls with their reported context, each value cut to 512
//! bytes); entries leave 10 seconds after their event time. One
//! suppression record per key.
//!
//! The alert's group is the ARN and the source IP. Its evidence is the ids
//! of the calls in the window, oldest first, ending with the call that
//! reached the threshold. Its fields:
//! `ferrule.resources_arn_count_distinct`, `aws.cloudtrail.resources.arn`
//! (the distinct ARNs), `ferrule.window_start`, `ferrule.window_end`,
//! `ferrule.suppressed_count`, and the distinct values across the window of
//! `event.action`, `aws.cloudtrail.user_identity.type`,
//! `aws.cloudtrail.user_identity.access_key_id`, `cloud.account.id`,
//! `cloud.region`, `user_agent.original`, `source.as.organization.name` and
//! `data_stream.namespace`. The AS organisation is reported when the host
//! enriches events with it; the rule does not depend on it.
//!
//! # Differences from upstream
//!
//! - Time is event time, and the 10 seconds slide: upstream counts within
//!   epoch-aligned 10-second buckets, so a sweep that straddles a bucket
//!   boundary (8 buckets in one, 8 in the next) is missed; ferrule fires
//!   whenever 16 distinct buckets fall within any 10 seconds.
//! - One alert per detection, with suppression for 10 seconds per key and
//!   the held count carried on the next alert.
//! - A missing identity type does not drop the event (upstream's SQL
//!   comparison with null does).
//! - A console session is recognised by the flag being set to anything but
//!   `false`; CloudTrail only ever writes `true`, so this matches upstream's
//!   "field absent" test in practice.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "s3.amazonaws.com";
const ACTIONS: &[&str] = &[
    "GetBucketAcl",
    "GetBucketPublicAccessBlock",
    "GetBucketPolicy",
    "GetBucketPolicyStatus",
    "GetBucketVersioning",
];
const RESOURCES: &str = "aws.cloudtrail.resources.arn";
const CONSOLE: &str = "aws.cloudtrail.session_credential_from_console";
/// Most resource ARNs of one event that are counted.
const MAX_RESOURCES_PER_EVENT: usize = 8;

/// Window length and suppression period.
const WINDOW_MS: i64 = 10 * 1000;
/// Distinct resource ARNs in one window that fire.
const THRESHOLD: u32 = 16;
/// Entries kept per key and window.
const CAPACITY: u32 = 1000;
const BUCKETS: SlidingWindow = SlidingWindow::new("resources", WINDOW_MS, CAPACITY);
const CALLS: SlidingWindow = SlidingWindow::new("calls", WINDOW_MS, CAPACITY);
const ONCE: Suppression = Suppression::new("principal-ip", WINDOW_MS);

/// Fields whose distinct values across the window the alert reports.
const CONTEXT: &[&str] = &[
    "event.action",
    "aws.cloudtrail.user_identity.type",
    "aws.cloudtrail.user_identity.access_key_id",
    "cloud.account.id",
    "cloud.region",
    "user_agent.original",
    "source.as.organization.name",
    "data_stream.namespace",
];

struct BucketPostureSweep;

impl Rule for BucketPostureSweep {
    const INFO: RuleInfo = RuleInfo {
        id: "a7577205-88a1-4a08-85d4-7b72a9a2e969",
        slug: "s3-rapid-bucket-posture-calls",
        name: "AWS S3 Rapid Bucket Posture API Calls from a Single Principal",
        description: "One principal, from one address, read the ACL, policy, public access \
            block or versioning of at least 16 different S3 buckets within 10 seconds: a sweep \
            for exposed or readable buckets ahead of data theft.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[
            Threat {
                tactic: "TA0007",
                technique: "T1526",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0007",
                technique: "T1580",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0007",
                technique: "T1619",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0009",
                technique: "T1530",
                subtechnique: None,
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html",
            "https://attack.mitre.org/techniques/T1619/",
        ],
        interests: &[cloudtrail_interest!(
            "s3.amazonaws.com",
            [
                "GetBucketAcl",
                "GetBucketPublicAccessBlock",
                "GetBucketPolicy",
                "GetBucketPolicyStatus",
                "GetBucketVersioning",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS)
            || event.text(fields::USER_TYPE) == Some("AWSService")
            || (event.has(CONSOLE) && event.boolean(CONSOLE) != Some(false))
        {
            return Ok(());
        }
        let (Some(arn), Some(ip)) = (event.text(fields::USER_ARN), event.text("source.ip")) else {
            return Ok(());
        };
        let key = [arn, ip];

        let mut distinct = None;
        for resource in event
            .texts(RESOURCES)
            .filter(|r| !r.is_empty())
            .take(MAX_RESOURCES_PER_EVENT)
        {
            distinct = Some(BUCKETS.add(&key, resource, event).distinct);
        }
        let Some(distinct) = distinct else {
            return Ok(());
        };
        CALLS.add(&key, &context::pack(event, CONTEXT), event);
        if distinct < THRESHOLD {
            return Ok(());
        }
        let Some(held) = ONCE.admit(&key, event) else {
            return Ok(());
        };

        let entries = CALLS.entries(&key);
        let start = entries.first().map_or(event.timestamp_ms(), |e| e.at);
        let seconds = (event.timestamp_ms() - start) as f64 / 1000.0;
        let message = format!(
            "{arn} from {ip} read the access settings of {distinct} S3 buckets in {seconds:.1} \
             seconds"
        );
        let group = vec![
            (fields::USER_ARN.to_owned(), FieldValue::from(arn)),
            ("source.ip".to_owned(), FieldValue::from(ip)),
        ];
        let mut alert = Alert::for_event(event, message)
            .with_group(group)
            .with_evidence(entries.iter().map(|e| e.tag.clone()).collect());
        alert.fields.clear();
        let alert = context::report(alert, &entries, CONTEXT)
            .field("ferrule.resources_arn_count_distinct", i64::from(distinct))
            .field(RESOURCES, FieldValue::Texts(BUCKETS.members(&key)))
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

export_rule!(BucketPostureSweep);
