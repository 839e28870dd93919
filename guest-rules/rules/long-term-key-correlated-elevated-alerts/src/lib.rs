//! AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts:
//! a higher-order rule over ferrule's own alerts. It fires when a long-term
//! access key (`AKIA...`) that was just seen from a new source IP (an alert
//! of rule 38, `long-term-key-first-seen-source-ip`) is also behind another
//! elevated alert within 24 hours.
//!
//! A long-term key used from an address it never used before is a weak
//! signal on its own: people travel, networks change. The same key also
//! stopping a trail, deactivating an MFA device or invoking models after
//! enumerating them is a much stronger one: the pair points at a stolen key
//! in active use, and the alert names every detection behind it.
//!
//! Input: the alerts of all other rules, fed back by the host as events of
//! the data set `ferrule.alert` (alerts of higher-order rules, this one
//! included, are never fed back).
//!
//! Condition, per fed-back alert (exact, case-sensitive):
//!
//! - `event.kind == "signal"`, `kibana.alert.workflow_status == "open"`,
//!   `kibana.alert.rule.name` exists and does not match `Deprecated - *`,
//!   `kibana.alert.rule.type` is neither `threat_match` nor
//!   `machine_learning`, and `kibana.alert.rule.tags` does not include
//!   `Rule Type: Higher-Order Rule`;
//! - it carries `aws.cloudtrail.user_identity.access_key_id` (a value or a
//!   list) with a value starting with `AKIA`; each such value is a key;
//! - anchor: `kibana.alert.rule.rule_id ==
//!   "9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f"` (rule 38);
//! - elevated: any other rule id with `kibana.alert.risk_score >= 47` or
//!   `kibana.alert.severity` in {`medium`, `high`, `critical`}.
//!
//! Fires when, for one access key, an anchor alert and an elevated alert
//! are at most 24 hours apart in event time ("open" alerts: ferrule has no
//! alert workflow, so an alert counts as open for 24 hours of event time).
//! The join is symmetric: whichever side arrives, the other is looked up
//! 24 hours back and forward.
//!
//! Delivery: alerts of stateful rules (38 included) are emitted up to the
//! allowed lateness after those of single-event rules, and which of them
//! share a batch depends on how the input was cut into batches. The rule
//! therefore takes its alerts in event-time order ([`Delivery::EventTime`]):
//! the host holds an alert of a single-event rule until the watermark passes
//! it and hands over the alerts of stateful rules (already behind the
//! watermark) at once, so the rule sees the same alerts in the same order,
//! and emits the same alert, however the input was batched. The cost is up
//! to the allowed lateness of extra delay. The symmetric join covers what
//! still arrives out of order (late input, rules that alert on a tick).
//!
//! The alert joins the arriving alert with every alert of the other side
//! within 24 hours of it. Its evidence is the union of their evidence
//! events, ordered by the time of the alert each came from (an alert's own
//! evidence is already in event-time order); `ferrule.alert_ids` lists the
//! joined alerts in the same order, and `ferrule.correlated.*` their rules,
//! severities, risk scores and time range, with the anchor and elevated
//! counts. Its time is the latest of the joined alerts. One alert per key
//! per 24 hours; the repeats are counted in `ferrule.suppressed_count` of
//! the next one.
//!
//! State: per access key, a window of at most 32 anchor and one of at most
//! 64 elevated alerts, each dropping entries 48 hours behind its newest and
//! expiring 48 hours after it; for each of those alerts, its rule, source
//! IPs, caller ARNs and evidence ids, kept 48 hours of event time after it;
//! the suppression marker. Only anchor and elevated alerts naming a
//! long-term key are stored.
//!
//! # Differences from upstream
//!
//! - The correlation key is the long-term access key id, as the rule
//!   describes; upstream's query groups by `source.ip`. `source.ip` is
//!   therefore not required and is reported instead.
//! - "Open" alerts are those within 24 hours of event time of each other,
//!   in either order; upstream needs both inside one 6-minute lookback of
//!   alert creation time.
//! - One alert per key per 24 hours instead of one row per overlapping
//!   scheduled run.

use ferrule_sdk::codec::{Decoder, Encoder};
use ferrule_sdk::idioms::{self, WindowEntry};
use ferrule_sdk::matching::starts_with;
use ferrule_sdk::prelude::*;
use ferrule_sdk::state;

const HOUR_MS: i64 = 60 * 60 * 1000;
/// How long an alert counts as open.
const OPEN_MS: i64 = 24 * HOUR_MS;
/// The windows keep both sides of an open period.
const KEEP_MS: i64 = 2 * OPEN_MS;

const ANCHORS: SlidingWindow = SlidingWindow::new("anchor", KEEP_MS, 32);
const ELEVATED: SlidingWindow = SlidingWindow::new("elevated", KEEP_MS, 64);
const ONCE: Suppression = Suppression::new("access-key", OPEN_MS);

/// The data set of fed-back alerts.
const ALERT_DATASET: &str = "ferrule.alert";
/// Rule 38, AWS IAM Long-Term Access Key First Seen from Source IP.
const ANCHOR_RULE_ID: &str = "9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f";
const OWN_RULE_ID: &str = "98cfaa44-83f0-4aba-90c4-363fb9d51a75";
const HIGHER_ORDER_TAG: &str = "Rule Type: Higher-Order Rule";
const ELEVATED_SEVERITIES: &[&str] = &["medium", "high", "critical"];
const ELEVATED_RISK: f64 = 47.0;

/// Most keys taken from one alert, and most evidence ids on the output.
const MAX_KEYS: usize = 8;
const MAX_EVIDENCE: usize = 1024;
/// Longest window tag the host accepts.
const MAX_LABEL: usize = 1024;

/// What is kept of a fed-back alert.
#[derive(Debug, Clone, Default)]
struct Stored {
    id: String,
    at: i64,
    anchor: bool,
    rule_id: String,
    rule_name: String,
    slug: String,
    severity: String,
    risk_score: String,
    source_ips: Vec<String>,
    arns: Vec<String>,
    evidence: Vec<String>,
}

impl Stored {
    fn from_event(event: &Event<'_>, anchor: bool) -> Stored {
        let text = |path: &str| event.text(path).unwrap_or_default().to_owned();
        let risk = event
            .integer("kibana.alert.risk_score")
            .map(|n| n.to_string())
            .or_else(|| {
                event
                    .float("kibana.alert.risk_score")
                    .map(|x| x.to_string())
            })
            .unwrap_or_default();
        Stored {
            id: event.id().to_owned(),
            at: event.timestamp_ms(),
            anchor,
            rule_id: text("kibana.alert.rule.rule_id"),
            rule_name: text("kibana.alert.rule.name"),
            slug: text("ferrule.alert.rule.slug"),
            severity: text("kibana.alert.severity"),
            risk_score: risk,
            source_ips: event.texts("source.ip").map(str::to_owned).collect(),
            arns: event.texts(fields::USER_ARN).map(str::to_owned).collect(),
            evidence: event
                .texts("ferrule.alert.evidence")
                .map(str::to_owned)
                .collect(),
        }
    }

    fn key(id: &str) -> String {
        idioms::key("alert", "details", &[id])
    }

    fn save(&self) {
        let value = Encoder::new()
            .i64(self.at)
            .u64(u64::from(self.anchor))
            .strs(&[
                &self.rule_id,
                &self.rule_name,
                &self.slug,
                &self.severity,
                &self.risk_score,
            ])
            .strs(&self.source_ips)
            .strs(&self.arns)
            .strs(&self.evidence)
            .finish();
        state::set(
            &Stored::key(&self.id),
            &value,
            self.at.saturating_add(KEEP_MS),
        );
    }

    fn load(id: &str) -> Option<Stored> {
        let bytes = state::get(&Stored::key(id))?;
        let mut decoder = Decoder::new(&bytes);
        let (at, anchor) = (decoder.i64()?, decoder.u64()? != 0);
        let rule = decoder.strs()?;
        let [rule_id, rule_name, slug, severity, risk_score] =
            <[String; 5]>::try_from(rule).ok()?;
        Some(Stored {
            id: id.to_owned(),
            at,
            anchor,
            rule_id,
            rule_name,
            slug,
            severity,
            risk_score,
            source_ips: decoder.strs()?,
            arns: decoder.strs()?,
            evidence: decoder.strs()?,
        })
    }
}

/// Whether a fed-back alert may take part at all.
fn eligible(event: &Event<'_>) -> bool {
    event.text("data_stream.dataset") == Some(ALERT_DATASET)
        && event.text("event.kind") == Some("signal")
        && event.text("kibana.alert.workflow_status") == Some("open")
        && event
            .text("kibana.alert.rule.name")
            .is_some_and(|name| !glob("Deprecated - *", name, Case::Sensitive))
        && !event
            .text("kibana.alert.rule.type")
            .is_some_and(|t| t == "threat_match" || t == "machine_learning")
        && !event
            .texts("kibana.alert.rule.tags")
            .any(|tag| tag == HIGHER_ORDER_TAG)
        && event.text("kibana.alert.rule.rule_id") != Some(OWN_RULE_ID)
}

/// `Some(true)` for an anchor, `Some(false)` for another elevated alert.
fn side(event: &Event<'_>) -> Option<bool> {
    if event.text("kibana.alert.rule.rule_id")? == ANCHOR_RULE_ID {
        return Some(true);
    }
    let risky = event
        .float("kibana.alert.risk_score")
        .is_some_and(|risk| risk >= ELEVATED_RISK)
        || event
            .integer("kibana.alert.risk_score")
            .is_some_and(|risk| risk as f64 >= ELEVATED_RISK);
    let severe = event
        .text("kibana.alert.severity")
        .is_some_and(|s| one_of(s, ELEVATED_SEVERITIES));
    (risky || severe).then_some(false)
}

/// Adds `value` to `list` unless it is there already.
fn push_distinct(list: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// The alert for `key`: `arriving` joined with the open alerts `others` of
/// the other side.
fn correlated(
    event: &Event<'_>,
    key: &str,
    arriving: &Stored,
    others: &[WindowEntry],
    held: u64,
) -> Alert {
    let mut joined: Vec<Stored> = others
        .iter()
        .filter_map(|entry| Stored::load(&entry.tag))
        .collect();
    joined.push(arriving.clone());
    joined.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));

    let mut evidence: Vec<String> = Vec::new();
    let (mut ids, mut names, mut rule_ids, mut slugs, mut severities, mut ips, mut arns) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut risks: Vec<String> = Vec::new();
    for alert in &joined {
        for id in &alert.evidence {
            if evidence.len() < MAX_EVIDENCE {
                push_distinct(&mut evidence, id);
            }
        }
        ids.push(alert.id.clone());
        push_distinct(&mut names, &alert.rule_name);
        push_distinct(&mut rule_ids, &alert.rule_id);
        push_distinct(&mut slugs, &alert.slug);
        push_distinct(&mut severities, &alert.severity);
        push_distinct(&mut risks, &alert.risk_score);
        alert
            .source_ips
            .iter()
            .for_each(|ip| push_distinct(&mut ips, ip));
        alert
            .arns
            .iter()
            .for_each(|arn| push_distinct(&mut arns, arn));
    }
    let anchors = joined.iter().filter(|a| a.anchor).count();
    let elevated = joined.len() - anchors;
    let first = joined.first().map_or(arriving.at, |a| a.at);
    let last = joined.last().map_or(arriving.at, |a| a.at);

    let other_names: Vec<&str> = joined
        .iter()
        .filter(|a| !a.anchor)
        .map(|a| a.rule_name.as_str())
        .collect();
    let from = if ips.is_empty() {
        String::new()
    } else {
        format!(" from new source IP {}", ips.join(", "))
    };
    let message = format!(
        "Long-term access key {key}, first seen{from}, is also behind {elevated} elevated alert(s): {}",
        other_names.join("; ")
    );
    let count = |n: usize| FieldValue::Integer(i64::try_from(n).unwrap_or(i64::MAX));
    let risks_json = format!(
        "[{}]",
        risks
            .iter()
            .filter(|r| r.parse::<f64>().is_ok())
            .cloned()
            .collect::<Vec<_>>()
            .join(",")
    );

    let mut alert = Alert::for_event(event, message)
        .with_group(vec![(fields::ACCESS_KEY_ID.into(), key.into())])
        .with_evidence(evidence);
    alert.fields.clear();
    alert.timestamp_ms = last;
    let mut alert = alert
        .field(fields::ACCESS_KEY_ID, key)
        .field("ferrule.alert_ids", FieldValue::Texts(ids))
        .field("ferrule.correlated.anchor_alert_count", count(anchors))
        .field("ferrule.correlated.elevated_alert_count", count(elevated))
        .field("ferrule.correlated.rule_names", FieldValue::Texts(names))
        .field("ferrule.correlated.rule_ids", FieldValue::Texts(rule_ids))
        .field("ferrule.correlated.rule_slugs", FieldValue::Texts(slugs))
        .field(
            "ferrule.correlated.severities",
            FieldValue::Texts(severities),
        )
        .field(
            "ferrule.correlated.risk_scores",
            FieldValue::Json(risks_json),
        )
        .field("ferrule.correlated.first", rfc3339(first))
        .field("ferrule.correlated.last", rfc3339(last));
    if !ips.is_empty() {
        alert = alert.field("source.ip", FieldValue::Texts(ips));
    }
    if !arns.is_empty() {
        alert = alert.field(fields::USER_ARN, FieldValue::Texts(arns));
    }
    alert.field(
        "ferrule.suppressed_count",
        FieldValue::Integer(i64::try_from(held).unwrap_or(i64::MAX)),
    )
}

struct LongTermKeyCorrelatedAlerts;

impl Rule for LongTermKeyCorrelatedAlerts {
    const INFO: RuleInfo = RuleInfo {
        id: OWN_RULE_ID,
        slug: "long-term-key-correlated-elevated-alerts",
        name: "AWS IAM Long-Term Access Key Correlated with Elevated Detection Alerts",
        description: "A long-term access key (AKIA...) seen from a new source IP is also behind \
            another medium-or-higher alert within 24 hours: a likely stolen key in active use. \
            Higher-order: reads ferrule's own alerts.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0006",
                technique: "T1552",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0001",
                technique: "T1078",
                subtechnique: Some("T1078.004"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
        ],
        interests: &[Interest {
            datasets: &[ALERT_DATASET],
            filters: &[
                Filter {
                    field: "event.kind",
                    any_of: &["signal"],
                },
                Filter {
                    field: "kibana.alert.workflow_status",
                    any_of: &["open"],
                },
            ],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    /// In event-time order, so that which alerts are joined does not depend
    /// on how the input was batched (see the crate documentation).
    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !eligible(event) {
            return Ok(());
        }
        let Some(anchor) = side(event) else {
            return Ok(());
        };
        let id = event.id();
        if id.is_empty() || id.len() > MAX_LABEL {
            return Ok(());
        }
        let mut keys: Vec<&str> = Vec::new();
        for key in event.texts(fields::ACCESS_KEY_ID) {
            if starts_with(key, "AKIA", Case::Sensitive)
                && key.len() <= MAX_LABEL
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        }
        keys.truncate(MAX_KEYS);
        if keys.is_empty() {
            return Ok(());
        }

        let arriving = Stored::from_event(event, anchor);
        arriving.save();
        let (own, other) = if anchor {
            (ANCHORS, ELEVATED)
        } else {
            (ELEVATED, ANCHORS)
        };
        let rule_id = arriving.rule_id.as_str();
        for key in keys {
            own.add(&[key], rule_id, event);
            let open: Vec<WindowEntry> = other
                .entries(&[key])
                .into_iter()
                .filter(|entry| entry.at.abs_diff(arriving.at) <= OPEN_MS as u64)
                .collect();
            if open.is_empty() {
                continue;
            }
            if let Some(held) = ONCE.admit(&[key], event) {
                alerts.push(correlated(event, key, &arriving, &open, held));
            }
        }
        Ok(())
    }
}

export_rule!(LongTermKeyCorrelatedAlerts);
