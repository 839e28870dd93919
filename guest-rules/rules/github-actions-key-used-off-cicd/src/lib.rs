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
use ferrule_sdk::matching::starts_with;
use ferrule_sdk::prelude::*;

const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const RECENT_MS: i64 = 60 * 60 * 1000;
const VALUES: recent::Recent = recent::Recent::new("key", HISTORY_MS, &[32; 6]);
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

/// Autonomous systems of the CI/CD and cloud providers.
const CICD_AS_NUMBERS: &[i64] = &[16509, 14618, 8987, 7224, 15169, 396982, 19527, 8075, 8068];
/// Organization names of the CI/CD and cloud providers besides Amazon's.
const CICD_ORGS: &[&str] = &["Google LLC", "Microsoft Corporation"];

fn is_cicd_network(number: Option<i64>, org: &str) -> bool {
    number.is_some_and(|n| CICD_AS_NUMBERS.contains(&n))
        || starts_with(org, "amazon", Case::Insensitive)
        || CICD_ORGS.iter().any(|name| name.eq_ignore_ascii_case(org))
}

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
        let off_network = !is_cicd_network(event.integer(AS_NUMBER), org);
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
                iso8601(last_off_network),
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

/// Per key, the distinct values of a few fields seen within a span of event
/// time, each with when it was last seen, by which event, and how often.
///
/// The SDK's sliding window counts one member per entry; this keeps several
/// fields at once, one entry per distinct value rather than per event, so a
/// key's state stays small however busy the key is: at most the field's cap
/// of values (the least recently seen goes first), each cut to 256 bytes.
/// Values last seen more than the span before the current event are
/// dropped when the state is read, so distinct counts (exact up to the cap)
/// and value lists cover exactly the span before the event, whatever the
/// store's expiry has reclaimed. One get and one set per recorded event.
mod recent {
    use ferrule_sdk::codec::{Decoder, Encoder};
    use ferrule_sdk::event::Event;
    use ferrule_sdk::{idioms, state};

    /// Longest value kept, in bytes; longer ones are cut at a character
    /// boundary.
    const MAX_VALUE_BYTES: usize = 256;

    /// One distinct value of one field.
    #[derive(Debug, Clone)]
    pub struct Seen {
        /// Which field (the rule's own numbering).
        pub field: u64,
        /// The value.
        pub value: String,
        /// Event time it was last seen, ms.
        pub last_ms: i64,
        /// `event.id` of the event that last had it.
        pub id: String,
        /// Times seen since it last entered the span.
        pub count: u64,
    }

    /// The values of one key within the span, in order of first appearance.
    #[derive(Debug, Default)]
    pub struct Snapshot {
        /// Every value kept.
        pub seen: Vec<Seen>,
    }

    impl Snapshot {
        /// The values of `field`.
        pub fn of(&self, field: u64) -> impl Iterator<Item = &Seen> {
            self.seen.iter().filter(move |s| s.field == field)
        }

        /// How many distinct values `field` has.
        pub fn count(&self, field: u64) -> usize {
            self.of(field).count()
        }

        /// The values of `field`, as text.
        pub fn values(&self, field: u64) -> Vec<String> {
            self.of(field).map(|s| s.value.clone()).collect()
        }

        /// The most recently seen value of `field`.
        pub fn latest(&self, field: u64) -> Option<&Seen> {
            self.of(field).max_by_key(|s| s.last_ms)
        }
    }

    /// Distinct recent values per key, kept for `span_ms` of event time.
    #[derive(Debug, Clone, Copy)]
    pub struct Recent {
        name: &'static str,
        span_ms: i64,
        caps: &'static [usize],
    }

    impl Recent {
        /// Values called `name` (unique within the rule), kept for
        /// `span_ms`, at most `caps[field]` per field.
        pub const fn new(name: &'static str, span_ms: i64, caps: &'static [usize]) -> Self {
            Recent {
                name,
                span_ms,
                caps,
            }
        }

        fn state_key(&self, key: &[&str]) -> String {
            idioms::key("recent", self.name, key)
        }

        /// The values of `key` seen within the span before `now`.
        pub fn read(&self, key: &[&str], now: i64) -> Snapshot {
            let mut snapshot = state::get(&self.state_key(key))
                .and_then(|bytes| decode(&bytes))
                .unwrap_or_default();
            let start = now.saturating_sub(self.span_ms);
            snapshot.seen.retain(|s| s.last_ms >= start);
            snapshot
        }

        /// Records `values` (field, value) of `event` under `key` and returns
        /// the key's values within the span before the event. Empty values
        /// are skipped.
        pub fn record(&self, key: &[&str], event: &Event<'_>, values: &[(u64, &str)]) -> Snapshot {
            let now = event.timestamp_ms();
            let state_key = self.state_key(key);
            let mut snapshot = self.read(key, now);
            for &(field, value) in values {
                if value.is_empty() {
                    continue;
                }
                let value = cut(value);
                if let Some(seen) = snapshot
                    .seen
                    .iter_mut()
                    .find(|s| s.field == field && s.value == value)
                {
                    seen.count = seen.count.saturating_add(1);
                    if now >= seen.last_ms {
                        seen.last_ms = now;
                        seen.id = event.id().to_owned();
                    }
                    continue;
                }
                snapshot.seen.push(Seen {
                    field,
                    value: value.to_owned(),
                    last_ms: now,
                    id: event.id().to_owned(),
                    count: 1,
                });
                let cap = self.caps.get(field as usize).copied().unwrap_or(32).max(1);
                if snapshot.count(field) > cap {
                    let oldest = snapshot
                        .seen
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.field == field)
                        .min_by_key(|(_, s)| s.last_ms)
                        .map(|(at, _)| at);
                    if let Some(at) = oldest {
                        snapshot.seen.remove(at);
                    }
                }
            }
            match snapshot.seen.iter().map(|s| s.last_ms).max() {
                Some(newest) => state::set(
                    &state_key,
                    &encode(&snapshot),
                    newest.saturating_add(self.span_ms),
                ),
                None => state::delete(&state_key),
            }
            snapshot
        }
    }

    fn cut(value: &str) -> &str {
        if value.len() <= MAX_VALUE_BYTES {
            return value;
        }
        let mut end = MAX_VALUE_BYTES;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        &value[..end]
    }

    fn encode(snapshot: &Snapshot) -> Vec<u8> {
        let mut encoder = Encoder::new().u64(snapshot.seen.len() as u64);
        for seen in &snapshot.seen {
            encoder = encoder
                .u64(seen.field)
                .str(&seen.value)
                .i64(seen.last_ms)
                .str(&seen.id)
                .u64(seen.count);
        }
        encoder.finish()
    }

    fn decode(bytes: &[u8]) -> Option<Snapshot> {
        let mut decoder = Decoder::new(bytes);
        let count = decoder.u64()?;
        let mut seen = Vec::new();
        for _ in 0..count {
            let field = decoder.u64()?;
            let value = decoder.str()?.to_owned();
            let last_ms = decoder.i64()?;
            let id = decoder.str()?.to_owned();
            let count = decoder.u64()?;
            seen.push(Seen {
                field,
                value,
                last_ms,
                id,
                count,
            });
        }
        Some(Snapshot { seen })
    }
}

/// An event time as RFC 3339 text (`2026-05-01T12:00:00.000Z`).
fn iso8601(ms: i64) -> String {
    const DAY_MS: i64 = 86_400_000;
    let (days, rest) = (ms.div_euclid(DAY_MS), ms.rem_euclid(DAY_MS));
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1_000 % 60,
        rest % 1_000
    )
}
