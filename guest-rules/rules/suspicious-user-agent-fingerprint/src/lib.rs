//! AWS Suspicious User Agent Fingerprint: a successful AWS API call whose
//! user agent shows Kali Linux or the TruffleHog secret scanner.
//!
//! The AWS CLI and SDKs report the operating system they run on, and Kali's
//! builds say so (`distrib#kali`, `+kali`, `kali-amd64`, `kali-arm64`).
//! TruffleHog verifies the keys it finds by calling AWS and names itself.
//! Neither belongs in a production account: together with a successful call
//! they point at someone testing or using credentials that are not theirs.
//! Every AWS service counts.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.outcome == "success"`, and `user_agent.original` contains one of
//! `distrib#kali`, `+kali`, `kali-amd64`, `kali-arm64`, `TruffleHog`,
//! `trufflehog` (case-sensitive).
//!
//! The rule looks at every CloudTrail event, as it has no action or service
//! to narrow on. The alert carries the standard CloudTrail fields plus
//! `aws.cloudtrail.resources.arn` and `aws.cloudtrail.resources.type`.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::matching::contains;
use ferrule_sdk::prelude::*;

/// User agent fragments of Kali Linux builds and of TruffleHog, each with
/// the client it reveals.
const FINGERPRINTS: &[(&str, &str)] = &[
    ("distrib#kali", "Kali Linux"),
    ("+kali", "Kali Linux"),
    ("kali-amd64", "Kali Linux"),
    ("kali-arm64", "Kali Linux"),
    ("TruffleHog", "TruffleHog"),
    ("trufflehog", "TruffleHog"),
];

struct SuspiciousUserAgent;

impl Rule for SuspiciousUserAgent {
    const INFO: RuleInfo = RuleInfo {
        id: "f80ea920-f6f5-4c8a-9761-84ac97ec0cb2",
        slug: "suspicious-user-agent-fingerprint",
        name: "AWS Suspicious User Agent Fingerprint",
        description: "A successful AWS call came from a client that identifies as Kali Linux or \
            as the TruffleHog secret scanner, a sign of credentials being tested or used by \
            someone other than their owner.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0001",
                technique: "T1078",
                subtechnique: Some("T1078.004"),
            },
            Threat {
                tactic: "TA0005",
                technique: "T1078",
                subtechnique: Some("T1078.004"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html",
        ],
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL)
            || event.text("event.outcome") != Some("success")
        {
            return Ok(());
        }
        let Some(agent) = event.text("user_agent.original") else {
            return Ok(());
        };
        let Some((fragment, client)) = FINGERPRINTS
            .iter()
            .find(|(fragment, _)| contains(agent, fragment, Case::Sensitive))
        else {
            return Ok(());
        };

        let action = event.text("event.action").unwrap_or("(unknown action)");
        let provider = event.text("event.provider").unwrap_or("(unknown service)");
        let message = format!(
            "{action} on {provider} by {} from a {client} client (user agent has {fragment})",
            event.caller()
        );
        let alert = Alert::for_event(event, message).copy_fields(
            event,
            &[
                "aws.cloudtrail.resources.arn",
                "aws.cloudtrail.resources.type",
            ],
        );
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(SuspiciousUserAgent);
