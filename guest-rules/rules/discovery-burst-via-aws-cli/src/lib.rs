//! AWS Discovery API Calls via CLI from a Single Resource: one principal
//! makes at least 6 different discovery calls with the AWS CLI within 10
//! seconds.
//!
//! After getting hold of credentials, attackers map what they can reach:
//! users and roles, instances, buckets, databases, functions, keys, trails.
//! Done by hand or by an enumeration script over the AWS CLI, that is a
//! quick run of many different `Describe*`, `Get*`, `List*` and
//! `Generate*` calls across services. People and automation usually make a
//! few of these at a time, not half a dozen different ones in seconds.
//!
//! Condition per event: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider` one of the IAM, EC2, S3, RDS, Lambda, DynamoDB, KMS,
//! CloudFront, Elastic Load Balancing, CloudTrail, STS, SES and
//! Organizations endpoints (`<service>.amazonaws.com`), `source.ip`
//! present, not a console session
//! (`aws.cloudtrail.session_credential_from_console` absent or `false`),
//! `aws.cloudtrail.user_identity.type` not `AWSService`,
//! `user_agent.original` starting with `aws-cli/`, `event.action` starting
//! with `Describe`, `Get`, `List` or `Generate` and not
//! `DescribeCapacityReservations`, and the caller not AWS Config's
//! service-linked role (`user.name` or the session issuer's role name
//! `AWSServiceRoleForConfig`). All comparisons are case-sensitive; failed
//! calls count too. A missing identity type or user name does not exclude
//! an event.
//!
//! Aggregation: per `aws.cloudtrail.user_identity.arn` (or, for a caller
//! without an ARN, its access key id), a sliding window of 10 seconds of
//! event time; the rule fires when the window holds at least 6 distinct
//! actions. A caller with neither is skipped. After an alert, further detections for the same principal are
//! held back for 10 seconds; the next alert carries how many were held
//! (`ferrule.suppressed_count`).
//!
//! State: per principal, two windows of at most 1,000 entries each (the
//! actions, and the calls with their reported context, each value cut to
//! 512 bytes); entries leave 10 seconds after their event time. One
//! suppression record per principal.
//!
//! The alert's group is the ARN (or the access key id). Its evidence is the
//! ids of the calls in the window, oldest first, ending with the call that
//! reached the threshold. Its fields: `ferrule.event_action_count_distinct`,
//! `ferrule.window_start`, `ferrule.window_end`, `ferrule.suppressed_count`,
//! and the distinct values across the window of `event.action`,
//! `aws.cloudtrail.user_identity.type`,
//! `aws.cloudtrail.user_identity.access_key_id`, `source.ip`,
//! `cloud.account.id`, `event.provider`, `user_agent.name`,
//! `source.as.organization.name`, `cloud.region` and
//! `data_stream.namespace`. The AS organisation is reported when the host
//! enriches events with it; the rule does not depend on it.
//!
//! # Differences from upstream
//!
//! - Time is event time, and the 10 seconds slide: upstream counts within
//!   epoch-aligned 10-second buckets, so a burst that straddles a bucket
//!   boundary (3 calls in one, 3 in the next) is missed; ferrule fires
//!   whenever 6 distinct actions fall within any 10 seconds.
//! - One alert per detection, with suppression for 10 seconds per
//!   principal and the held count carried on the next alert.
//! - "Via the AWS CLI" is a user agent starting with `aws-cli/` (upstream
//!   asks its user agent parser for the name `aws-cli`, which it derives
//!   from that prefix).
//! - A missing identity type or user name does not drop the event
//!   (upstream's SQL comparisons with null do); AWS Config's service-linked
//!   role is also recognised by its role ARN, since the newest CloudTrail
//!   mapping gives service-linked roles no `user.name`.
//! - Callers without an ARN are grouped by their access key id instead of
//!   all together in one null group.
//! - A console session is recognised by the flag being set to anything but
//!   `false`; CloudTrail only ever writes `true`, so this matches upstream's
//!   "field absent" test in practice.

use ferrule_sdk::matching::{ends_with, starts_with};
use ferrule_sdk::prelude::*;

const PROVIDERS: &[&str] = &[
    "iam.amazonaws.com",
    "ec2.amazonaws.com",
    "s3.amazonaws.com",
    "rds.amazonaws.com",
    "lambda.amazonaws.com",
    "dynamodb.amazonaws.com",
    "kms.amazonaws.com",
    "cloudfront.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "sts.amazonaws.com",
    "ses.amazonaws.com",
    "organizations.amazonaws.com",
];
/// Action name prefixes of discovery calls.
const DISCOVERY_PREFIXES: &[&str] = &["Describe", "Get", "List", "Generate"];
/// A discovery call made routinely by tooling, not counted.
const EXCLUDED_ACTION: &str = "DescribeCapacityReservations";
/// AWS Config's service-linked role, which enumerates resources routinely.
const CONFIG_ROLE: &str = "AWSServiceRoleForConfig";
const ISSUER_ARN: &str = "aws.cloudtrail.user_identity.session_context.session_issuer.arn";
const CONSOLE: &str = "aws.cloudtrail.session_credential_from_console";
const CLI_PREFIX: &str = "aws-cli/";

/// Window length and suppression period.
const WINDOW_MS: i64 = 10 * 1000;
/// Distinct actions in one window that fire.
const THRESHOLD: u32 = 6;
/// Entries kept per principal and window.
const CAPACITY: u32 = 1000;
const ACTIONS_SEEN: SlidingWindow = SlidingWindow::new("actions", WINDOW_MS, CAPACITY);
const CALLS: SlidingWindow = SlidingWindow::new("calls", WINDOW_MS, CAPACITY);
const ONCE: Suppression = Suppression::new("principal", WINDOW_MS);

/// Fields whose distinct values across the window the alert reports.
const CONTEXT: &[&str] = &[
    "event.action",
    "aws.cloudtrail.user_identity.type",
    "aws.cloudtrail.user_identity.access_key_id",
    "source.ip",
    "cloud.account.id",
    "event.provider",
    "user_agent.name",
    "source.as.organization.name",
    "cloud.region",
    "data_stream.namespace",
];

struct DiscoveryBurst;

impl Rule for DiscoveryBurst {
    const INFO: RuleInfo = RuleInfo {
        id: "74f45152-9aee-11ef-b0a5-f661ea17fbcd",
        slug: "discovery-burst-via-aws-cli",
        name: "AWS Discovery API Calls via CLI from a Single Resource",
        description: "One principal made at least 6 different Describe, Get, List or Generate \
            calls with the AWS CLI within 10 seconds, the pace of an enumeration script mapping \
            an account after credentials were obtained.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[
            Threat {
                tactic: "TA0007",
                technique: "T1087",
                subtechnique: Some("T1087.004"),
            },
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
        ],
        references: &[
            "https://docs.aws.amazon.com/cli/latest/reference/",
            "https://attack.mitre.org/techniques/T1580/",
        ],
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[Filter {
                field: "event.provider",
                any_of: PROVIDERS,
            }],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        let Some(action) = discovery_action(event) else {
            return Ok(());
        };
        let (arn, key_id) = match event.text(fields::USER_ARN) {
            Some(arn) => (arn, ""),
            None => match event.text(fields::ACCESS_KEY_ID) {
                Some(key_id) => ("", key_id),
                None => return Ok(()),
            },
        };
        let key = [arn, key_id];

        let distinct = ACTIONS_SEEN.add(&key, action, event).distinct;
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
        let principal = if arn.is_empty() { key_id } else { arn };
        let message = format!(
            "{principal} made {distinct} different discovery calls with the AWS CLI in \
             {seconds:.1} seconds"
        );
        let group = if arn.is_empty() {
            vec![(fields::ACCESS_KEY_ID.to_owned(), FieldValue::from(key_id))]
        } else {
            vec![(fields::USER_ARN.to_owned(), FieldValue::from(arn))]
        };
        let mut alert = Alert::for_event(event, message)
            .with_group(group)
            .with_evidence(entries.iter().map(|e| e.tag.clone()).collect());
        alert.fields.clear();
        let alert = context::report(alert, &entries, CONTEXT)
            .field("ferrule.event_action_count_distinct", i64::from(distinct))
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

/// The event's action when the event is a discovery call that counts.
fn discovery_action<'a>(event: &Event<'a>) -> Option<&'a str> {
    if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL)
        || !event
            .text("event.provider")
            .is_some_and(|provider| one_of(provider, PROVIDERS))
        || !event.has("source.ip")
        || (event.has(CONSOLE) && event.boolean(CONSOLE) != Some(false))
        || event.text(fields::USER_TYPE) == Some("AWSService")
        || !event
            .text("user_agent.original")
            .is_some_and(|agent| starts_with(agent, CLI_PREFIX, Case::Sensitive))
        || event.text("user.name") == Some(CONFIG_ROLE)
        || event
            .text(ISSUER_ARN)
            .is_some_and(|arn| ends_with(arn, &format!("/{CONFIG_ROLE}"), Case::Sensitive))
    {
        return None;
    }
    event.text("event.action").filter(|action| {
        *action != EXCLUDED_ACTION
            && DISCOVERY_PREFIXES
                .iter()
                .any(|prefix| starts_with(action, prefix, Case::Sensitive))
    })
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

export_rule!(DiscoveryBurst);
