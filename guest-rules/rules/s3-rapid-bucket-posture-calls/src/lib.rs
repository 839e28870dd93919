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
const CONTEXT: WindowContext = WindowContext::new(&[
    "event.action",
    "aws.cloudtrail.user_identity.type",
    "aws.cloudtrail.user_identity.access_key_id",
    "cloud.account.id",
    "cloud.region",
    "user_agent.original",
    "source.as.organization.name",
    "data_stream.namespace",
]);

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
        let alert = CONTEXT
            .report(alert, &entries)
            .field("ferrule.resources_arn_count_distinct", i64::from(distinct))
            .field(RESOURCES, FieldValue::Texts(BUCKETS.members(&key)))
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

export_rule!(BucketPostureSweep);
