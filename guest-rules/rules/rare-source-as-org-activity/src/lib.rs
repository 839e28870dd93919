//! AWS Rare Source AS Organization Activity: a principal that works almost
//! only from cloud-provider networks makes a sensitive call from a network
//! it almost never uses.
//!
//! Most AWS principals call from a stable set of networks: AWS itself, the
//! CI/CD provider, the company's cloud. When one of them, with a long
//! history from those networks, suddenly reads secrets, assumes roles,
//! creates keys or lists buckets from a network that accounts for under 1%
//! of its activity, its credentials are likely being used by someone else.
//!
//! Rows: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.outcome == "success"`, `source.as.organization.name` and
//! `user.name` exist. A row is trusted when its network is a cloud or data
//! provider's, recognised by AS number first, then by organization name in
//! any case: Amazon (AS 16509, 14618, 8987, 7224, or a name starting with
//! `amazon`), Google (AS 15169, 396982, 19527, or `Google LLC`), Microsoft
//! (AS 8075, 8068, or `Microsoft Corporation`) and `MongoDB, Inc.`. Every
//! other row is untrusted. A row is sensitive when `event.action` is one of
//! the 29 calls in [`SENSITIVE`].
//!
//! Detection: per (`user.name`, `aws.cloudtrail.user_identity.type`), over
//! the 7 days of event time up to a row, all of:
//!
//! - at least 100 trusted rows and at least 1 untrusted row;
//! - untrusted rows are at most 1% of all rows;
//! - at least 1 sensitive action among the untrusted rows;
//! - at most 5 distinct organization names;
//! - the latest untrusted row is within the last hour.
//!
//! It is checked at every row of the principal. The rule alerts when it
//! first holds, then holds further alerts for the principal for 7 days; the
//! next alert after that carries how many times it held again
//! (`ferrule.suppressed_count`). Evidence: the principal's most recent
//! untrusted rows (up to 32), oldest first, and the row that completed the
//! detection.
//!
//! State per principal, kept 7 days after its last row: row counts in
//! hourly buckets (at most 170 per class), at most 16 distinct organization
//! names (the limit tested is 5, so the cap never changes a decision), the
//! up to 29 distinct sensitive actions and the ids of up to 32 untrusted
//! rows, and at most 16 values per reported field.
//!
//! # Differences from upstream
//!
//! - One sensitive action from an untrusted network is enough, as the rule
//!   describes; upstream requires two distinct ones.
//! - Trusted networks are recognised by AS number first, then by
//!   organization name in any case. Upstream trusts names starting with
//!   `Amazon` (case-sensitive) and three exact names, so the labels most AS
//!   databases use for AWS (`AMAZON-02`, `AMAZON-AES`) count as untrusted
//!   there: a principal working from AWS has nearly all its rows untrusted
//!   and never qualifies, however rare the network it is attacked from.
//! - Windows slide on event time: the 7 days and the last hour are measured
//!   back from each row, not from the time of an hourly run. Row counts are
//!   kept per hour, so the 7-day edge of the trusted and untrusted counts is
//!   exact to the hour (a bucket counts while its latest row is within 7
//!   days); everything else is exact.
//! - One alert per detection, then 7 days of suppression per principal
//!   with the held count, instead of one per hourly run.
//! - Value lists in the alert hold at most 16 values per field.

use ferrule_sdk::idioms::ratio;
use ferrule_sdk::network;
use ferrule_sdk::prelude::*;

const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const RECENT_MS: i64 = 60 * 60 * 1000;
const HOUR_MS: i64 = 60 * 60 * 1000;
const VALUES: RecentValues = RecentValues::new(
    "principal",
    HISTORY_MS,
    &[16, 32, 32, 170, 170, 16, 16, 16, 16],
);
const SUPPRESS: Suppression = Suppression::new("principal", HISTORY_MS);

// Fields kept per principal.
const ORG: u64 = 0;
const SENSITIVE_ACTION: u64 = 1;
const UNTRUSTED_ROW: u64 = 2;
const TRUSTED_HOUR: u64 = 3;
const UNTRUSTED_HOUR: u64 = 4;
const AGENT: u64 = 5;
const ADDRESS: u64 = 6;
const RELATED_USER: u64 = 7;
const UNTRUSTED_ORG: u64 = 8;

const MIN_TRUSTED: u64 = 100;
/// Untrusted rows may be at most 1 in this many.
const MAX_UNTRUSTED_SHARE: u64 = 100;
const MAX_ORGS: usize = 5;

const AS_ORG: &str = "source.as.organization.name";
const AS_NUMBER: &str = "source.as.number";

/// A data provider whose network is trusted besides the major clouds'.
const MONGODB_ORG: &str = "MongoDB, Inc.";

/// Calls that read secrets, change identities or reach data.
const SENSITIVE: &[&str] = &[
    "GetCallerIdentity",
    "GetAccountSummary",
    "ListAccountAliases",
    "GetSecretValue",
    "ListSecrets",
    "DescribeSecret",
    "GetParameter",
    "GetParameters",
    "GetParametersByPath",
    "AssumeRole",
    "AssumeRoleWithWebIdentity",
    "AssumeRoleWithSAML",
    "AttachUserPolicy",
    "AttachRolePolicy",
    "PutUserPolicy",
    "PutRolePolicy",
    "CreateAccessKey",
    "UpdateAccessKey",
    "CreateUser",
    "CreateLoginProfile",
    "UpdateLoginProfile",
    "AddUserToGroup",
    "GetObject",
    "ListBuckets",
    "ListObjects",
    "ListObjectsV2",
    "InvokeModel",
    "InvokeModelWithResponseStream",
    "Converse",
];

/// Whether a network is a cloud or data provider's.
fn is_trusted_network(number: Option<i64>, org: &str) -> bool {
    network::is_major_cloud(number, Some(org)) || org.eq_ignore_ascii_case(MONGODB_ORG)
}

struct RareSourceNetwork;

impl Rule for RareSourceNetwork {
    const INFO: RuleInfo = RuleInfo {
        id: "d1b37c0b-4f8b-4cfb-9a1d-639bf8c028b7",
        slug: "rare-source-as-org-activity",
        name: "AWS Rare Source AS Organization Activity",
        description: "A principal that works almost only from cloud-provider networks made a \
            sensitive call (secrets, role assumption, keys, data) from a network behind at most \
            1% of its activity in the last 7 days, a sign its credentials are used elsewhere.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[Threat {
            tactic: "TA0001",
            technique: "T1078",
            subtechnique: Some("T1078.004"),
        }],
        references: &[
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html",
        ],
        // Every call counts towards the principal's baseline.
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[],
        }],
        wants_tick: false,
        needs_enrichment: &[AS_ORG, AS_NUMBER],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL)
            || event.text("event.outcome") != Some("success")
        {
            return Ok(());
        }
        let (Some(org), Some(user)) = (event.text(AS_ORG), event.text("user.name")) else {
            return Ok(());
        };
        let kind = event.text(fields::USER_TYPE).unwrap_or("");
        let trusted = is_trusted_network(event.integer(AS_NUMBER), org);
        let action = event.text("event.action").unwrap_or("");
        let sensitive = !trusted && one_of(action, SENSITIVE);
        let id = event.id();
        let now = event.timestamp_ms();
        let hour = now.div_euclid(HOUR_MS).to_string();
        let principal = [user, kind];
        let values = VALUES.record(
            &principal,
            event,
            &[
                (ORG, org),
                (SENSITIVE_ACTION, if sensitive { action } else { "" }),
                (UNTRUSTED_ROW, if trusted { "" } else { id }),
                (
                    if trusted {
                        TRUSTED_HOUR
                    } else {
                        UNTRUSTED_HOUR
                    },
                    &hour,
                ),
                (AGENT, event.text("user_agent.original").unwrap_or_default()),
                (ADDRESS, event.text("source.address").unwrap_or_default()),
                (
                    RELATED_USER,
                    event.text("user.changes.name").unwrap_or_default(),
                ),
                (UNTRUSTED_ORG, if trusted { "" } else { org }),
            ],
        );
        let (trusted_rows, untrusted_rows) =
            (values.total(TRUSTED_HOUR), values.total(UNTRUSTED_HOUR));
        let total = trusted_rows + untrusted_rows;
        let orgs = values.count(ORG);
        let sensitive_actions = values.values(SENSITIVE_ACTION);
        let Some(last_untrusted) = values.latest(UNTRUSTED_ROW).map(|seen| seen.last_ms) else {
            return Ok(());
        };
        let detected = trusted_rows >= MIN_TRUSTED
            && untrusted_rows >= 1
            && untrusted_rows.saturating_mul(MAX_UNTRUSTED_SHARE) <= total
            && !sensitive_actions.is_empty()
            && orgs <= MAX_ORGS
            && last_untrusted >= now.saturating_sub(RECENT_MS);
        if !detected {
            return Ok(());
        }
        let Some(held) = SUPPRESS.admit(&principal, event) else {
            return Ok(());
        };

        let mut rows: Vec<(i64, &str)> = values
            .of(UNTRUSTED_ROW)
            .map(|seen| (seen.last_ms, seen.value.as_str()))
            .filter(|(_, row)| *row != id)
            .collect();
        rows.sort();
        let mut evidence: Vec<String> = rows.into_iter().map(|(_, row)| row.to_owned()).collect();
        evidence.push(id.to_owned());
        let rare = values.values(UNTRUSTED_ORG);
        let message = format!(
            "{user} ({}) called {} from rare network {} ({untrusted_rows} of {total} calls in 7 days)",
            if kind.is_empty() {
                "unknown type"
            } else {
                kind
            },
            sensitive_actions.join(", "),
            rare.join(", ")
        );
        let alert = Alert::for_event(event, message)
            .with_group(vec![
                ("user.name".into(), user.into()),
                (fields::USER_TYPE.into(), kind.into()),
            ])
            .with_evidence(evidence)
            .field("ferrule.total_event_count", total as i64)
            .field("ferrule.as_org_count", orgs as i64)
            .field(
                "ferrule.as_org_values",
                FieldValue::Texts(values.values(ORG)),
            )
            .field("ferrule.untrusted_as_org_values", FieldValue::Texts(rare))
            .field(
                "ferrule.user_agent_values",
                FieldValue::Texts(values.values(AGENT)),
            )
            .field(
                "ferrule.related_user_values",
                FieldValue::Texts(values.values(RELATED_USER)),
            )
            .field(
                "ferrule.source_address_values",
                FieldValue::Texts(values.values(ADDRESS)),
            )
            .field("ferrule.has_trusted_cloud_asn", true)
            .field("ferrule.trusted_event_count", trusted_rows as i64)
            .field("ferrule.untrusted_event_count", untrusted_rows as i64)
            .field(
                "ferrule.untrusted_sensitive_actions",
                FieldValue::Texts(sensitive_actions),
            )
            .field("ferrule.most_recent_untrusted", rfc3339(last_untrusted))
            .field(
                "ferrule.untrusted_ratio",
                FieldValue::Float(ratio(untrusted_rows, total)),
            )
            .field("ferrule.suppressed_count", held as i64);
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(RareSourceNetwork);
