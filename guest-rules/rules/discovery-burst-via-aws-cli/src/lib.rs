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
const CONTEXT: WindowContext = WindowContext::new(&[
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
]);

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
        CALLS.add(&key, &CONTEXT.pack(event), event);
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
        let alert = CONTEXT
            .report(alert, &entries)
            .field("ferrule.event_action_count_distinct", i64::from(distinct))
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

export_rule!(DiscoveryBurst);
