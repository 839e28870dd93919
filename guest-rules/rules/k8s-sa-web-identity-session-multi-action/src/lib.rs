//! AWS Lateral Movement from Kubernetes SA via AssumeRoleWithWebIdentity: a
//! Kubernetes service account trades its token for AWS credentials, and the
//! credentials are then used for at least two different reconnaissance,
//! credential, lateral-movement, persistence or evasion calls within 24
//! hours.
//!
//! Pods on EKS reach AWS by exchanging their service account token with
//! `AssumeRoleWithWebIdentity` (IRSA). A workload uses its credentials for
//! the few calls its job needs. Credentials that go on to list users, read
//! secrets, open sessions on instances, create keys or stop logging suggest
//! a compromised pod, or a stolen token, being used to move through the
//! account.
//!
//! Rows (exact and case-sensitive; no outcome filter, so denied attempts
//! count too):
//!
//! - the exchange: `event.action == "AssumeRoleWithWebIdentity"` and
//!   `user.name` starts with `system:serviceaccount:`; its key is the access
//!   key id it issued (`credentials.accessKeyId` in the response elements);
//!   an exchange that issued none (a failed one) has no key and is skipped;
//! - the follow-ons: `aws.cloudtrail.user_identity.type == "AssumedRole"`
//!   and `event.action`, with or without an API version suffix
//!   (`UpdateFunctionCode20150331v2`), is one of the 28 calls in
//!   [`FOLLOW_ONS`]; their key is the caller's access key id
//!   (`aws.cloudtrail.user_identity.access_key_id`).
//!
//! Detection: per access key, within any sliding 24 hours of event time, at
//! least one exchange and at least 3 distinct actions counting the exchange
//! itself (so at least 2 distinct follow-on calls). Order is not required.
//!
//! The rule alerts at the event that makes the condition true, then holds
//! further alerts for the key for 24 hours; the next alert after that
//! carries how many it held (`ferrule.suppressed_count`). The alert names
//! the attack phases the actions belong to, and lists the addresses,
//! networks, service accounts, user agents and accounts seen with the key.
//! Evidence: the ids of the key's rows in the 24 hours up to the alert,
//! oldest first.
//!
//! State per key, kept 24 hours after its last row: a sliding window of at
//! most 1,000 rows (count and evidence; beyond that the oldest drop) and the
//! distinct actions (at most 29, so the condition is exact however busy the
//! key is) and at most 16 distinct values per reported field. Every key used
//! for a listed call by an assumed role gets such state, because the
//! exchange may be delivered after its first follow-on.
//!
//! # Differences from upstream
//!
//! - The key of the exchange is the issued access key id read from the
//!   structured response, and follow-ons are keyed by the caller's key
//!   only. Upstream greps the rendered response text of every row, so a
//!   follow-on `CreateAccessKey` was counted under the new key it created,
//!   and a key at the end of its map captured a trailing `}`.
//! - API names recorded with a version suffix (Lambda's
//!   `UpdateFunctionCode20150331v2`, `ListFunctions20150331`) count as their
//!   plain name; upstream lists only the plain names and so never sees the
//!   Lambda calls.
//! - Windows slide: any 24 hours of event time, checked at every row, not
//!   the 24 hours before each hourly run. One alert per detection, then 24
//!   hours of suppression per key with the held count, instead of one per
//!   overlapping run.
//! - Value lists in the alert hold at most 16 values per field.

use ferrule_sdk::matching::{starts_with, strip_api_version};
use ferrule_sdk::prelude::*;

const SPAN_MS: i64 = 24 * 60 * 60 * 1000;
const WINDOW: SlidingWindow = SlidingWindow::new("rows", SPAN_MS, 1_000);
const VALUES: RecentValues = RecentValues::new("values", SPAN_MS, &[32, 16, 16, 16, 16, 16, 16]);
const SUPPRESS: Suppression = Suppression::new("key", SPAN_MS);

// Fields kept per key.
const ACTION: u64 = 0;
const IP: u64 = 1;
const ORG: u64 = 2;
const USER: u64 = 3;
const AGENT: u64 = 4;
const ACCOUNT: u64 = 5;
const NAMESPACE: u64 = 6;

const EXCHANGE: &str = "AssumeRoleWithWebIdentity";
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
/// Distinct actions, the exchange included, that make a detection.
const MIN_ACTIONS: usize = 3;

/// The calls that count after the exchange, by their plain API names.
const FOLLOW_ONS: &[&str] = &[
    "ListBuckets",
    "DescribeInstances",
    "GetCallerIdentity",
    "ListUsers",
    "ListRoles",
    "ListAttachedRolePolicies",
    "GetRolePolicy",
    "GetSecretValue",
    "ListSecrets",
    "GetParameters",
    "DescribeParameters",
    "ListKeys",
    "Decrypt",
    "ListFunctions",
    "GetAuthorizationToken",
    "SendCommand",
    "StartSession",
    "CreateUser",
    "CreateAccessKey",
    "AttachRolePolicy",
    "CreateRole",
    "PutRolePolicy",
    "UpdateAssumeRolePolicy",
    "UpdateFunctionCode",
    "UpdateFunctionConfiguration",
    "ModifyInstanceAttribute",
    "StopLogging",
    "DeleteTrail",
];

/// The attack phase of an action, for the alert.
fn phase(action: &str) -> Option<&'static str> {
    Some(match action {
        EXCHANGE => "initial_access",
        "ListBuckets"
        | "DescribeInstances"
        | "ListUsers"
        | "ListRoles"
        | "GetCallerIdentity"
        | "ListAttachedRolePolicies"
        | "GetRolePolicy"
        | "ListFunctions" => "recon",
        "GetSecretValue"
        | "ListSecrets"
        | "GetParameters"
        | "GetAuthorizationToken"
        | "Decrypt" => "credential_access",
        "SendCommand" | "StartSession" => "lateral_movement",
        "CreateUser"
        | "CreateAccessKey"
        | "AttachRolePolicy"
        | "CreateRole"
        | "PutRolePolicy"
        | "UpdateAssumeRolePolicy"
        | "UpdateFunctionCode"
        | "UpdateFunctionConfiguration"
        | "ModifyInstanceAttribute" => "persistence",
        "StopLogging" | "DeleteTrail" => "defense_evasion",
        _ => return None,
    })
}

/// The row's key and plain action, when the event is a row.
fn row<'a>(event: &Event<'a>) -> Option<(&'a str, &'a str)> {
    let action = strip_api_version(event.text("event.action")?);
    let key = if action == EXCHANGE {
        let user = event.text("user.name")?;
        if !starts_with(user, SERVICE_ACCOUNT_PREFIX, Case::Sensitive) {
            return None;
        }
        match event.response_element("credentials.accessKeyId")? {
            ferrule_sdk::layout::Value::Text(key) => key,
            _ => return None,
        }
    } else {
        if event.text(fields::USER_TYPE) != Some("AssumedRole") || !one_of(action, FOLLOW_ONS) {
            return None;
        }
        event.text(fields::ACCESS_KEY_ID)?
    };
    (!key.is_empty()).then_some((key, action))
}

struct ServiceAccountSessionMultiAction;

impl Rule for ServiceAccountSessionMultiAction {
    const INFO: RuleInfo = RuleInfo {
        id: "a1b2c3d4-e5f6-4789-a0b1-c2d3e4f5a6b7",
        slug: "k8s-sa-web-identity-session-multi-action",
        name: "AWS Lateral Movement from Kubernetes SA via AssumeRoleWithWebIdentity",
        description: "Credentials a Kubernetes service account obtained through \
            AssumeRoleWithWebIdentity were used within 24 hours for several distinct \
            discovery, secret-access, remote-session, persistence or logging-tampering \
            calls, suggesting a compromised pod or stolen token moving through the account.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0008",
                technique: "T1550",
                subtechnique: Some("T1550.001"),
            },
            Threat {
                tactic: "TA0008",
                technique: "T1021",
                subtechnique: Some("T1021.007"),
            },
            Threat {
                tactic: "TA0007",
                technique: "T1526",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0006",
                technique: "T1555",
                subtechnique: Some("T1555.006"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html",
            "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html",
        ],
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[Filter {
                field: "event.action",
                any_of: &[
                    "AssumeRoleWithWebIdentity",
                    "ListBuckets",
                    "DescribeInstances",
                    "GetCallerIdentity",
                    "ListUsers",
                    "ListRoles",
                    "ListAttachedRolePolicies",
                    "GetRolePolicy",
                    "GetSecretValue",
                    "ListSecrets",
                    "GetParameters",
                    "DescribeParameters",
                    "ListKeys",
                    "Decrypt",
                    "ListFunctions",
                    "ListFunctions20150331",
                    "ListFunctions20150331v2",
                    "GetAuthorizationToken",
                    "SendCommand",
                    "StartSession",
                    "CreateUser",
                    "CreateAccessKey",
                    "AttachRolePolicy",
                    "CreateRole",
                    "PutRolePolicy",
                    "UpdateAssumeRolePolicy",
                    "UpdateFunctionCode",
                    "UpdateFunctionCode20150331",
                    "UpdateFunctionCode20150331v2",
                    "UpdateFunctionConfiguration",
                    "UpdateFunctionConfiguration20150331",
                    "UpdateFunctionConfiguration20150331v2",
                    "ModifyInstanceAttribute",
                    "StopLogging",
                    "DeleteTrail",
                ],
            }],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL) {
            return Ok(());
        }
        let Some((key, action)) = row(event) else {
            return Ok(());
        };
        let stats = WINDOW.add(&[key], action, event);
        let text = |path: &str| event.text(path).unwrap_or_default();
        let values = VALUES.record(
            &[key],
            event,
            &[
                (ACTION, action),
                (IP, text("source.ip")),
                (ORG, text("source.as.organization.name")),
                (USER, text("user.name")),
                (AGENT, text("user_agent.original")),
                (ACCOUNT, text("cloud.account.id")),
                (NAMESPACE, text("data_stream.namespace")),
            ],
        );
        let actions = values.count(ACTION);
        let Some(exchange) = values.of(ACTION).find(|seen| seen.value == EXCHANGE) else {
            return Ok(());
        };
        if actions < MIN_ACTIONS {
            return Ok(());
        }
        let Some(held) = SUPPRESS.admit(&[key], event) else {
            return Ok(());
        };

        let entries = WINDOW.entries(&[key]);
        let exchanges = entries
            .iter()
            .filter(|entry| entry.member == EXCHANGE)
            .count()
            .max(1);
        let mut evidence: Vec<String> = entries.into_iter().map(|entry| entry.tag).collect();
        // An exchange pushed out of a full window still belongs to the story.
        if !evidence.contains(&exchange.id) {
            evidence.insert(0, exchange.id.clone());
        }
        let action_values = values.values(ACTION);
        let mut phases: Vec<&str> = Vec::new();
        for phase in action_values.iter().filter_map(|action| phase(action)) {
            if !phases.contains(&phase) {
                phases.push(phase);
            }
        }
        let service_accounts: Vec<String> = values
            .values(USER)
            .into_iter()
            .filter(|user| user.starts_with(SERVICE_ACCOUNT_PREFIX))
            .collect();
        let message = format!(
            "Web identity credentials {key} of {} used for {} distinct calls within 24 hours ({})",
            service_accounts.join(", "),
            actions - 1,
            phases.join(", ")
        );
        let list = |field: u64| FieldValue::Texts(values.values(field));
        let alert = Alert::for_event(event, message)
            .with_group(vec![(fields::ACCESS_KEY_ID.into(), key.into())])
            .with_evidence(evidence)
            .field(fields::ACCESS_KEY_ID, key)
            .field("ferrule.assume_count", exchanges as i64)
            .field("ferrule.distinct_action_count", actions as i64)
            .field(
                "ferrule.attack_phases",
                FieldValue::Texts(phases.iter().map(|p| (*p).to_owned()).collect()),
            )
            .field(
                "ferrule.event_action_values",
                FieldValue::Texts(action_values),
            )
            .field("ferrule.source_ip_values", list(IP))
            .field("ferrule.as_org_values", list(ORG))
            .field("ferrule.user_name_values", list(USER))
            .field("ferrule.user_agent_values", list(AGENT))
            .field("ferrule.cloud_account_id_values", list(ACCOUNT))
            .field("ferrule.data_stream_namespace_values", list(NAMESPACE))
            .field("ferrule.first_seen", rfc3339(stats.oldest))
            .field("ferrule.last_seen", rfc3339(event.timestamp_ms()))
            .field("ferrule.total_calls", i64::from(stats.count))
            .field("ferrule.suppressed_count", held as i64);
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(ServiceAccountSessionMultiAction);
