//! AWS Credentials Used from GitHub Actions and Non-CI/CD Infrastructure:
//! credentials that GitHub Actions obtained are also used from a network
//! that is not a CI/CD or cloud provider.
//!
//! GitHub Actions workflows get AWS credentials through the
//! `configure-aws-credentials` action, whose user agent ends in
//! `aws-credentials-for-github-actions`. Those credentials should only be
//! used from the runners, which live in Microsoft's, Amazon's or Google's
//! networks. The same access key turning up from a residential, VPN or
//! hosting network means the credentials were exfiltrated from the
//! workflow (a poisoned dependency or a malicious pull request printing
//! them) and replayed elsewhere, or that a self-hosted runner sits outside
//! the expected networks.
//!
//! Rows: `data_stream.dataset == "aws.cloudtrail"`,
//! `aws.cloudtrail.user_identity.access_key_id` and
//! `source.as.organization.name` exist; any outcome. A row is a GitHub row
//! when `user_agent.original` ends with `aws-credentials-for-github-actions`
//! (case-sensitive), and an off-network row when its network is not a
//! CI/CD provider's. CI/CD networks are recognised by AS number first, then
//! by organization name in any case: Amazon (AS 16509, 14618, 8987, 7224, or
//! a name starting with `amazon`), Google (AS 15169, 396982, 19527, or
//! `Google LLC`), Microsoft (AS 8075, 8068, or `Microsoft Corporation`). One
//! event can be both.
//!
//! Detection: per (`aws.cloudtrail.user_identity.access_key_id`,
//! `user.name`, `cloud.account.id`), a GitHub row within the last 7 days of
//! event time and an off-network row within the last hour. It is checked at
//! every GitHub or off-network row, so it fires at an off-network use of a
//! key GitHub used, or at a GitHub use of a key used off-network in the
//! hour before.
//!
//! The rule alerts at the event that makes the condition true, then holds
//! further alerts for the key for 7 days; the next alert after that carries
//! how many it held (`ferrule.suppressed_count`). Evidence: the most recent
//! GitHub and off-network rows of the key (up to 32 of each), oldest first.
//!
//! State per key, kept 7 days after its last GitHub or off-network row: up
//! to 32 ids each of GitHub and off-network rows and up to 32 distinct
//! addresses, networks (all, and off-network ones) and user agents. Rows from CI/CD networks without the
//! GitHub user agent leave no state, so ordinary cloud traffic costs one
//! look at the event and nothing more.
//!
//! # Differences from upstream
//!
//! - CI/CD networks are recognised by AS number first, then by organization
//!   name in any case, so AS-database labels such as `AMAZON-02` or
//!   `MICROSOFT-CORP-MSN-AS-BLOCK` are CI/CD networks. Upstream compares
//!   four exact names, so the labels most AS databases use for the GitHub
//!   runners' own networks count as suspicious there.
//! - Windows slide on event time: the 7-day and 1-hour tests are measured
//!   back from each row, not from the time of an hourly run.
//! - One alert per detection, then 7 days of suppression per key with the
//!   held count, instead of one per hourly run.
//! - The address and network lists cover GitHub and off-network rows only,
//!   at most 32 values each.

use ferrule_sdk::matching::ends_with;
use ferrule_sdk::network;
use ferrule_sdk::prelude::*;

const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const RECENT_MS: i64 = 60 * 60 * 1000;
const VALUES: RecentValues = RecentValues::new("key", HISTORY_MS, &[32; 6]);
const SUPPRESS: Suppression = Suppression::new("key", HISTORY_MS);

// Fields kept per key.
const GITHUB: u64 = 0;
const OFF_NETWORK: u64 = 1;
const ADDRESS: u64 = 2;
const ORG: u64 = 3;
const AGENT: u64 = 4;
const OFF_NETWORK_ORG: u64 = 5;

const AS_ORG: &str = "source.as.organization.name";
const AS_NUMBER: &str = "source.as.number";

/// The user agent suffix of `aws-actions/configure-aws-credentials`.
const GITHUB_AGENT_SUFFIX: &str = "aws-credentials-for-github-actions";

struct GithubCredentialsOffCicd;

impl Rule for GithubCredentialsOffCicd {
    const INFO: RuleInfo = RuleInfo {
        id: "b8c7d6e5-f4a3-4b2c-9d8e-7f6a5b4c3d2e",
        slug: "github-actions-key-used-off-cicd",
        name: "AWS Credentials Used from GitHub Actions and Non-CI/CD Infrastructure",
        description: "An access key that GitHub Actions used in the last 7 days was also used \
            from a network that belongs to no CI/CD or cloud provider. Workflow credentials \
            replayed from elsewhere point to theft from the pipeline.",
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
                tactic: "TA0008",
                technique: "T1550",
                subtechnique: Some("T1550.001"),
            },
        ],
        references: &["https://github.com/aws-actions/configure-aws-credentials"],
        // Any call can carry the key; every CloudTrail event reaches the rule.
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[],
        }],
        wants_tick: false,
        needs_enrichment: &[AS_ORG, AS_NUMBER],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL) {
            return Ok(());
        }
        let (Some(key), Some(org)) = (event.text(fields::ACCESS_KEY_ID), event.text(AS_ORG)) else {
            return Ok(());
        };
        let agent = event.text("user_agent.original");
        let github =
            agent.is_some_and(|agent| ends_with(agent, GITHUB_AGENT_SUFFIX, Case::Sensitive));
        // The CI/CD providers are the major clouds.
        let off_network = !network::is_major_cloud(event.integer(AS_NUMBER), Some(org));
        if !github && !off_network {
            return Ok(());
        }
        let (user, account) = (
            event.text("user.name").unwrap_or(""),
            event.text("cloud.account.id").unwrap_or(""),
        );
        let group = [key, user, account];
        let id = event.id();
        let values = VALUES.record(
            &group,
            event,
            &[
                (GITHUB, if github { id } else { "" }),
                (OFF_NETWORK, if off_network { id } else { "" }),
                (ADDRESS, event.text("source.address").unwrap_or_default()),
                (ORG, org),
                (AGENT, agent.unwrap_or_default()),
                (OFF_NETWORK_ORG, if off_network { org } else { "" }),
            ],
        );
        let now = event.timestamp_ms();
        let Some(last_off_network) = values.latest(OFF_NETWORK).map(|seen| seen.last_ms) else {
            return Ok(());
        };
        if values.count(GITHUB) == 0 || last_off_network < now.saturating_sub(RECENT_MS) {
            return Ok(());
        }
        let Some(held) = SUPPRESS.admit(&group, event) else {
            return Ok(());
        };

        let mut rows: Vec<(i64, &str)> = values
            .of(GITHUB)
            .chain(values.of(OFF_NETWORK))
            .map(|seen| (seen.last_ms, seen.value.as_str()))
            .filter(|(_, row)| *row != id)
            .collect();
        rows.sort();
        rows.dedup();
        let mut evidence: Vec<String> = rows.into_iter().map(|(_, row)| row.to_owned()).collect();
        evidence.push(id.to_owned());
        let suspicious = values.values(OFF_NETWORK_ORG);
        let message = format!(
            "GitHub Actions credentials {key} of {} used from outside CI/CD networks ({})",
            if user.is_empty() {
                event.caller()
            } else {
                user
            },
            suspicious.join(", ")
        );
        let alert = Alert::for_event(event, message)
            .with_group(vec![
                (fields::ACCESS_KEY_ID.into(), key.into()),
                ("user.name".into(), user.into()),
                ("cloud.account.id".into(), account.into()),
            ])
            .with_evidence(evidence)
            .field("ferrule.is_github_aws_key", true)
            .field("ferrule.has_suspicious_asn", true)
            .field(
                "ferrule.last_seen_suspicious_asn",
                rfc3339(last_off_network),
            )
            .field(
                "ferrule.source_address_values",
                FieldValue::Texts(values.values(ADDRESS)),
            )
            .field(
                "ferrule.as_org_values",
                FieldValue::Texts(values.values(ORG)),
            )
            .field(
                "ferrule.suspicious_as_org_values",
                FieldValue::Texts(suspicious),
            )
            .field(
                "ferrule.user_agent_values",
                FieldValue::Texts(values.values(AGENT)),
            )
            .field("ferrule.suppressed_count", held as i64);
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(GithubCredentialsOffCicd);
