//! AWS Access Token Used from Multiple Addresses: one IAM user's access key
//! is used, within 30 minutes, from at least two addresses in at least two
//! networks and two cities, against at least two services.
//!
//! A key used by one person or one program comes from one place at a time.
//! The same key showing up from different networks in different cities
//! within half an hour means it is in more than one pair of hands: a leaked
//! key replayed by someone else while its owner keeps working.
//!
//! Rows (all exact and case-sensitive):
//!
//! - `data_stream.dataset == "aws.cloudtrail"`;
//!   `aws.cloudtrail.user_identity.type == "IAMUser"`; the ARN, the access
//!   key id and `source.ip` exist;
//! - not a console session: `aws.cloudtrail.session_credential_from_console`
//!   is not `"true"` (a missing flag passes);
//! - `user_agent.original` contains none of `Terraform`, `Ansible`, `Pulumi`
//!   (a missing user agent passes): infrastructure tools fan out from
//!   runners in several places by design;
//! - not from Amazon's `AMAZON-AES` network (AS 14618, or that name in any
//!   case), and not a data event (`aws.cloudtrail.event_category == "Data"`)
//!   from an Amazon network (AS 16509, 14618, 8987, 7224, or an organization
//!   name starting with `amazon` in any case): AWS services acting on the
//!   key's behalf call from there;
//! - `event.provider` is none of the 12 billing, health and notification
//!   services in [`QUIET_PROVIDERS`], which consoles and dashboards poll.
//!
//! Detection: per access key, over any sliding 30 minutes of event time, at
//! least 2 distinct `source.ip`, 2 distinct `source.as.organization.name`,
//! 2 distinct `source.geo.city_name` and 2 distinct `event.provider`
//! (distinct counts ignore missing values). With 2 or more user agents too
//! the activity is `multiple_ip_network_city_user_agent`, else
//! `multiple_ip_network_city`; both are high fidelity.
//!
//! The rule alerts at the event that makes the condition true, then holds
//! further alerts for the key for 30 minutes; the next alert after that
//! carries how many it held (`ferrule.suppressed_count`). Evidence: the ids
//! of the key's events in the 30 minutes up to the alert, oldest first.
//!
//! State per key, kept 30 minutes after its last row: a sliding window of
//! at most 1,000 events (count and evidence; beyond that the oldest drop)
//! and at most 16 distinct values per reported field (IPs, networks,
//! cities, user agents, services, actions, ARNs and their pairs). The
//! thresholds are 2, so the caps never change a decision; they bound the
//! value lists in the alert.
//!
//! # Differences from upstream
//!
//! - Windows slide: the condition is checked over the 30 minutes before
//!   every event, not in epoch-aligned 30-minute buckets, so activity that
//!   straddles a bucket boundary is caught. Time is event time.
//! - One alert per detection, then 30 minutes of suppression per key with
//!   the held count, instead of one per overlapping 15-minute run.
//! - Null semantics follow intent: upstream's `NOT console == "true"`,
//!   user-agent and `!= "AMAZON-AES"` tests drop every row where the field
//!   is missing, which for the console flag (written only when true) is
//!   nearly every row. Here a test meant to exclude something excludes only
//!   rows that have it.
//! - Amazon networks are recognised by AS number first, then by name in any
//!   case: `AMAZON-AES` is AS 14618 whatever the AS database calls it, and
//!   the data-event exclusion covers all of Amazon's networks, not only
//!   the one labelled `AMAZON-02`.
//! - Value lists in the alert hold at most 16 values per field.

use ferrule_sdk::matching::contains;
use ferrule_sdk::network;
use ferrule_sdk::prelude::*;

const SPAN_MS: i64 = 30 * 60 * 1000;
const WINDOW: SlidingWindow = SlidingWindow::new("events", SPAN_MS, 1_000);
const VALUES: RecentValues = RecentValues::new("values", SPAN_MS, &[16; 11]);
const SUPPRESS: Suppression = Suppression::new("key", SPAN_MS);

// Fields kept per key.
const IP: u64 = 0;
const ORG: u64 = 1;
const CITY: u64 = 2;
const AGENT: u64 = 3;
const PROVIDER: u64 = 4;
const ACTION: u64 = 5;
const ARN: u64 = 6;
const IP_AGENT: u64 = 7;
const IP_CITY: u64 = 8;
const IP_ORG: u64 = 9;
const NAMESPACE: u64 = 10;

const AS_ORG: &str = "source.as.organization.name";
const AS_NUMBER: &str = "source.as.number";
const CITY_NAME: &str = "source.geo.city_name";

/// Services consoles and dashboards poll from wherever the user is.
const QUIET_PROVIDERS: &[&str] = &[
    "health.amazonaws.com",
    "monitoring.amazonaws.com",
    "notifications.amazonaws.com",
    "ce.amazonaws.com",
    "cost-optimization-hub.amazonaws.com",
    "servicecatalog-appregistry.amazonaws.com",
    "securityhub.amazonaws.com",
    "account.amazonaws.com",
    "budgets.amazonaws.com",
    "freetier.amazonaws.com",
    "support.amazonaws.com",
    "support-console.amazonaws.com",
];

/// Infrastructure-as-code tools, which run from several places by design.
const AUTOMATION_AGENTS: &[&str] = &["Terraform", "Ansible", "Pulumi"];

/// Amazon's `AMAZON-AES` network.
const AES_AS_NUMBER: i64 = 14618;
const AES_NAME: &str = "AMAZON-AES";

fn is_aes(number: Option<i64>, org: Option<&str>) -> bool {
    number == Some(AES_AS_NUMBER) || org.is_some_and(|org| org.eq_ignore_ascii_case(AES_NAME))
}

/// Whether the event is a row of the aggregation.
fn counts(event: &Event<'_>) -> bool {
    if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL)
        || event.text(fields::USER_TYPE) != Some("IAMUser")
        || !event.has(fields::USER_ARN)
        || !event.has(fields::ACCESS_KEY_ID)
        || !event.has("source.ip")
        || event.text("aws.cloudtrail.session_credential_from_console") == Some("true")
    {
        return false;
    }
    if event.text("user_agent.original").is_some_and(|agent| {
        AUTOMATION_AGENTS
            .iter()
            .any(|tool| contains(agent, tool, Case::Sensitive))
    }) {
        return false;
    }
    let (number, org) = (event.integer(AS_NUMBER), event.text(AS_ORG));
    if is_aes(number, org)
        || (network::is_amazon(number, org)
            && event.text("aws.cloudtrail.event_category") == Some("Data"))
    {
        return false;
    }
    !event
        .text("event.provider")
        .is_some_and(|provider| one_of(provider, QUIET_PROVIDERS))
}

/// `left<separator>right`, or nothing when either side is missing.
fn pair(left: Option<&str>, separator: &str, right: Option<&str>) -> String {
    match (left, right) {
        (Some(left), Some(right)) => format!("{left}{separator}{right}"),
        _ => String::new(),
    }
}

struct AccessKeyFromMultipleAddresses;

impl Rule for AccessKeyFromMultipleAddresses {
    const INFO: RuleInfo = RuleInfo {
        id: "0d92d30a-5f3e-4b71-bc3d-4a0c4914b7e0",
        slug: "access-key-multiple-addresses",
        name: "AWS Access Token Used from Multiple Addresses",
        description: "An IAM user's access key was used within 30 minutes from several IP \
            addresses in different networks and cities, against more than one service. One \
            key in several places at once suggests it leaked and someone else is using it.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
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
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
        ],
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[Filter {
                field: fields::USER_TYPE,
                any_of: &["IAMUser"],
            }],
        }],
        wants_tick: false,
        needs_enrichment: &[AS_ORG, AS_NUMBER, CITY_NAME],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !counts(event) {
            return Ok(());
        }
        let key = event.text(fields::ACCESS_KEY_ID).unwrap_or_default();
        let ip = event.text("source.ip");
        let org = event.text(AS_ORG);
        let city = event.text(CITY_NAME);
        let agent = event.text("user_agent.original");
        let stats = WINDOW.add(&[key], ip.unwrap_or_default(), event);
        let (ip_agent, ip_city, ip_org) = (
            pair(ip, " - ", agent),
            pair(ip, " - ", city),
            pair(ip, "-", org),
        );
        let text = |path: &str| event.text(path).unwrap_or_default();
        let values = VALUES.record(
            &[key],
            event,
            &[
                (IP, ip.unwrap_or_default()),
                (ORG, org.unwrap_or_default()),
                (CITY, city.unwrap_or_default()),
                (AGENT, agent.unwrap_or_default()),
                (PROVIDER, text("event.provider")),
                (ACTION, text("event.action")),
                (ARN, text(fields::USER_ARN)),
                (IP_AGENT, &ip_agent),
                (IP_CITY, &ip_city),
                (IP_ORG, &ip_org),
                (NAMESPACE, text("data_stream.namespace")),
            ],
        );
        let (ips, orgs, cities, agents, providers) = (
            values.count(IP),
            values.count(ORG),
            values.count(CITY),
            values.count(AGENT),
            values.count(PROVIDER),
        );
        if ips < 2 || orgs < 2 || cities < 2 || providers < 2 {
            return Ok(());
        }
        let Some(held) = SUPPRESS.admit(&[key], event) else {
            return Ok(());
        };

        let activity = if agents >= 2 {
            "multiple_ip_network_city_user_agent"
        } else {
            "multiple_ip_network_city"
        };
        let user = event.text("user.name").unwrap_or_else(|| event.caller());
        let message = format!(
            "Access key {key} of {user} used from {ips} addresses in {orgs} networks and {cities} cities within 30 minutes"
        );
        let list = |field: u64| FieldValue::Texts(values.values(field));
        let alert = Alert::for_event(event, message)
            .with_group(vec![(fields::ACCESS_KEY_ID.into(), key.into())])
            .with_evidence(WINDOW.evidence(&[key]))
            .field("ferrule.activity_type", activity)
            .field("ferrule.activity_fidelity", "high")
            .field("ferrule.event_count", i64::from(stats.count))
            .field("ferrule.first_seen", rfc3339(stats.oldest))
            .field("ferrule.last_seen", rfc3339(event.timestamp_ms()))
            .field("ferrule.user_identity_arn_values", list(ARN))
            .field("ferrule.event_action_values", list(ACTION))
            .field("ferrule.event_provider_values", list(PROVIDER))
            .field("ferrule.source_ip_values", list(IP))
            .field("ferrule.user_agent_values", list(AGENT))
            .field("ferrule.ip_user_agent_pairs", list(IP_AGENT))
            .field("ferrule.city_values", list(CITY))
            .field("ferrule.ip_city_pairs", list(IP_CITY))
            .field("ferrule.as_org_values", list(ORG))
            .field("ferrule.ip_as_org_pairs", list(IP_ORG))
            .field("ferrule.data_stream_namespace_values", list(NAMESPACE))
            .field("ferrule.source_ip_count", ips as i64)
            .field("ferrule.as_org_count", orgs as i64)
            .field("ferrule.city_count", cities as i64)
            .field("ferrule.user_agent_count", agents as i64)
            .field("ferrule.provider_count", providers as i64)
            .field("ferrule.suppressed_count", held as i64);
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(AccessKeyFromMultipleAddresses);
