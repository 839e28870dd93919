//! AWS IAM API Calls via Temporary Session Tokens: an IAM user changes IAM
//! with temporary `ASIA...` credentials outside the console, for the first
//! time in 7 days.
//!
//! An IAM user gets `ASIA...` credentials outside the console through
//! `GetSessionToken`. Administrators seldom work that way; an attacker who
//! stole a long-term key often does, to get MFA-flagged or short-lived
//! credentials that survive the key being disabled, and then uses them to
//! create users, keys or policies for persistence. An IAM user doing so for
//! the first time in a week is the signal.
//!
//! Condition (all exact and case-sensitive):
//!
//! - `data_stream.dataset == "aws.cloudtrail"`,
//!   `event.provider == "iam.amazonaws.com"`, `event.outcome == "success"`;
//! - `aws.cloudtrail.user_identity.type == "IAMUser"` and
//!   `aws.cloudtrail.user_identity.access_key_id` starts with `ASIA`;
//! - `source.ip` exists; `user_agent.original` is not `AWS Internal`;
//!   `aws.cloudtrail.session_credential_from_console` is not `"true"` (a
//!   missing flag passes: CloudTrail only writes it for console sessions);
//! - the call changes something: `aws.cloudtrail.read_only` is not `true`,
//!   and the action does not start with `Get`, `List`, `Generate` or
//!   `Simulate`.
//!
//! New term: `aws.cloudtrail.user_identity.arn` not seen in a matching event
//! in the 7 days of event time before. An event without an ARN never alerts
//! and is not remembered. Each new ARN alerts once.
//!
//! State: one first-seen entry per ARN, dropped 7 days after it was last
//! seen.
//!
//! # Differences from upstream
//!
//! - Read-only calls are excluded (CloudTrail's `readOnly: true`, or names
//!   starting with `Get`, `List`, `Generate` or `Simulate`): upstream counts
//!   any successful IAM call, but the rule is about IAM changes, and a read
//!   neither persists nor escalates. A read also no longer enters the
//!   history, so a later change by the same user still alerts.
//! - Event time, not ingest time, measures the 7-day history, and each
//!   event is judged as it passes the watermark rather than on a 6-minute
//!   schedule.

use ferrule_sdk::matching::starts_with;
use ferrule_sdk::prelude::*;

const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("arn", HISTORY_MS);

const IAM: &str = "iam.amazonaws.com";
/// Prefixes of IAM calls that only read.
const READ_PREFIXES: &[&str] = &["Get", "List", "Generate", "Simulate"];

struct IamChangesViaSessionToken;

impl Rule for IamChangesViaSessionToken {
    const INFO: RuleInfo = RuleInfo {
        id: "c70d9f0d-8cb6-4cfc-85df-a95c1ccf4eab",
        slug: "iam-calls-via-session-token",
        name: "AWS IAM API Calls via Temporary Session Tokens",
        description: "An IAM user changed IAM with temporary (ASIA) credentials outside the \
            console for the first time in 7 days. Attackers holding a stolen key mint session \
            tokens and use them to create users, keys and policies that outlive the key.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0003",
                technique: "T1098",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0005",
                technique: "T1078",
                subtechnique: Some("T1078.004"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html",
        ],
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[Filter {
                field: "event.provider",
                any_of: &[IAM],
            }],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL)
            || event.text("event.provider") != Some(IAM)
            || event.text("event.outcome") != Some("success")
            || event.text(fields::USER_TYPE) != Some("IAMUser")
            || !event
                .text(fields::ACCESS_KEY_ID)
                .is_some_and(|key| starts_with(key, "ASIA", Case::Sensitive))
            || !event.has("source.ip")
            || event.text("user_agent.original") == Some("AWS Internal")
            || event.text("aws.cloudtrail.session_credential_from_console") == Some("true")
        {
            return Ok(());
        }
        let action = event.text("event.action").unwrap_or("");
        let reads = event.boolean("aws.cloudtrail.read_only") == Some(true)
            || READ_PREFIXES
                .iter()
                .any(|prefix| starts_with(action, prefix, Case::Sensitive));
        if reads {
            return Ok(());
        }
        let arn = event.text(fields::USER_ARN).unwrap_or("");
        if !SEEN.check(&[arn], event) {
            return Ok(());
        }
        let key = event.text(fields::ACCESS_KEY_ID).unwrap_or_default();
        let message = format!(
            "{arn} called IAM {action} with session token {key}, the first such change in 7 days"
        );
        alerts.push(Alert::for_event(event, message));
        Ok(())
    }
}

export_rule!(IamChangesViaSessionToken);
