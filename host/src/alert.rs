//! Alerts: what rules return, validated, stamped with rule metadata and a
//! deterministic id, in the shape of the alert contract.
//!
//! A rule's alert is untrusted input. [`Alert::from_rule`] rejects alerts
//! with no evidence, too many fields or evidence ids, field values that
//! claim to be JSON but are not, and timestamps outside the range of dates.
//! Long texts are cut rather than rejected: an attacker who pads a request
//! to a megabyte must not be able to make the alert about it disappear.
//!
//! The id is a SHA-256 digest over the rule id, the alert's event time,
//! group and evidence: the same input always yields the same ids, so a
//! replay can be compared with a live run and sinks can drop duplicates.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::normalize::parse_timestamp;
use crate::runtime::metadata::Threat;
use crate::runtime::{RuleMetadata, wit};

/// Most evidence ids one alert may carry.
pub const MAX_EVIDENCE: usize = 1024;
/// Most group and context fields one alert may carry.
pub const MAX_FIELDS: usize = 256;
/// Longest message or field value kept, in bytes; longer ones are cut and
/// marked with [`TRUNCATION_MARK`].
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Appended to a text that was cut.
pub const TRUNCATION_MARK: &str = "…[truncated]";

/// The rule block of an alert, shared by all alerts of one rule.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertRule {
    /// Rule id.
    pub id: Arc<str>,
    /// Rule slug.
    pub slug: String,
    /// Rule name.
    pub name: String,
    /// Rule version.
    pub version: String,
    /// Severity.
    pub severity: &'static str,
    /// Risk score.
    pub risk_score: u8,
    /// ATT&CK mapping.
    pub threat: Vec<Threat>,
}

impl AlertRule {
    /// The alert rule block for a rule.
    pub fn from_metadata(metadata: &RuleMetadata) -> Arc<AlertRule> {
        Arc::new(AlertRule {
            id: metadata.id.clone(),
            slug: metadata.slug.clone(),
            name: metadata.name.clone(),
            version: metadata.version.clone(),
            severity: metadata.severity,
            risk_score: metadata.risk_score,
            threat: metadata.threats.clone(),
        })
    }
}

/// One alert, as written to sinks.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alert {
    /// Deterministic id.
    pub id: String,
    /// Event time of the event that completed the detection.
    #[serde(rename = "@timestamp")]
    pub timestamp: String,
    /// The rule.
    pub rule: Arc<AlertRule>,
    /// What the detection is about.
    pub group: Map<String, Value>,
    /// Ids of the events behind it, in event-time order.
    pub evidence: Vec<String>,
    /// One line for a responder.
    pub message: String,
    /// Context.
    pub fields: Map<String, Value>,
    /// Event time of the completing event, ms (not serialized).
    #[serde(skip)]
    pub timestamp_ms: i64,
}

/// Why a rule's alert was rejected.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MalformedAlert {
    /// No evidence.
    #[error("alert has no evidence")]
    NoEvidence,
    /// Too many evidence ids or fields.
    #[error("alert has {count} {what}, more than {limit}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A text is empty where it must not be, or a name or id is too long.
    #[error("alert {what} is empty or too long")]
    BadText {
        /// Which text.
        what: &'static str,
    },
    /// A JSON value is not JSON.
    #[error("alert field {name:?} claims JSON but is not: {reason}")]
    NotJson {
        /// Field name.
        name: String,
        /// Parser message.
        reason: String,
    },
    /// A float that JSON cannot carry.
    #[error("alert field {0:?} is not a finite number")]
    NotFinite(String),
    /// A timestamp no calendar date has.
    #[error("alert timestamp {0} ms is out of range")]
    BadTimestamp(i64),
}

impl Alert {
    /// Validates a rule's alert and stamps it with the rule block.
    ///
    /// # Errors
    ///
    /// [`MalformedAlert`] naming the first problem.
    pub fn from_rule(raw: wit::Alert, rule: &Arc<AlertRule>) -> Result<Alert, MalformedAlert> {
        if raw.evidence.is_empty() {
            return Err(MalformedAlert::NoEvidence);
        }
        check_count("evidence ids", raw.evidence.len(), MAX_EVIDENCE)?;
        check_count("group fields", raw.group.len(), MAX_FIELDS)?;
        check_count("fields", raw.fields.len(), MAX_FIELDS)?;
        if raw.message.trim().is_empty() {
            return Err(MalformedAlert::BadText { what: "message" });
        }
        if raw.evidence.iter().any(|id| id.len() > 1024) {
            return Err(MalformedAlert::BadText {
                what: "evidence id",
            });
        }
        let timestamp = chrono::DateTime::from_timestamp_millis(raw.timestamp)
            .filter(|t| (1970..=9999).contains(&chrono::Datelike::year(t)))
            .ok_or(MalformedAlert::BadTimestamp(raw.timestamp))?
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        debug_assert_eq!(parse_timestamp(&timestamp), Some(raw.timestamp));

        let group = to_map(raw.group)?;
        let fields = to_map(raw.fields)?;
        let id = alert_id(&rule.id, raw.timestamp, &group, &raw.evidence);
        Ok(Alert {
            id,
            timestamp,
            rule: rule.clone(),
            group,
            evidence: raw.evidence,
            message: cut(raw.message),
            fields,
            timestamp_ms: raw.timestamp,
        })
    }
}

/// Cuts `text` to [`MAX_TEXT_BYTES`] at a character boundary, marking the
/// cut.
fn cut(mut text: String) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_TEXT_BYTES - TRUNCATION_MARK.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(TRUNCATION_MARK);
    text
}

fn check_count(what: &'static str, count: usize, limit: usize) -> Result<(), MalformedAlert> {
    if count > limit {
        Err(MalformedAlert::TooMany { what, count, limit })
    } else {
        Ok(())
    }
}

fn to_map(fields: Vec<wit::Field>) -> Result<Map<String, Value>, MalformedAlert> {
    let mut map = Map::new();
    for field in fields {
        if field.name.is_empty() || field.name.len() > 1024 {
            return Err(MalformedAlert::BadText { what: "field name" });
        }
        let value = match field.value {
            wit::Value::Text(text) => Value::String(cut(text)),
            wit::Value::Integer(n) => Value::from(n),
            wit::Value::Float(x) => serde_json::Number::from_f64(x)
                .map(Value::Number)
                .ok_or_else(|| MalformedAlert::NotFinite(field.name.clone()))?,
            wit::Value::Boolean(b) => Value::Bool(b),
            wit::Value::Texts(list) => {
                check_count("list items", list.len(), MAX_EVIDENCE)?;
                Value::Array(list.into_iter().map(Value::String).collect())
            }
            wit::Value::Json(text) => {
                let value: Value =
                    serde_json::from_str(&text).map_err(|e| MalformedAlert::NotJson {
                        name: field.name.clone(),
                        reason: e.to_string(),
                    })?;
                // A document too large to keep whole is kept as cut text.
                if text.len() > MAX_TEXT_BYTES {
                    Value::String(cut(text))
                } else {
                    value
                }
            }
        };
        map.insert(field.name, value);
    }
    Ok(map)
}

fn alert_id(
    rule_id: &str,
    timestamp_ms: i64,
    group: &Map<String, Value>,
    evidence: &[String],
) -> String {
    let mut digest = Sha256::new();
    digest.update(rule_id.as_bytes());
    digest.update([0]);
    digest.update(timestamp_ms.to_le_bytes());
    digest.update(Value::Object(group.clone()).to_string().as_bytes());
    for id in evidence {
        digest.update([0]);
        digest.update(id.as_bytes());
    }
    let hash = digest.finalize();
    hash[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> Arc<AlertRule> {
        Arc::new(AlertRule {
            id: "rule-1".into(),
            slug: "rule-one".into(),
            name: "Rule One".into(),
            version: "1.0.0".into(),
            severity: "high",
            risk_score: 73,
            threat: vec![],
        })
    }

    fn raw() -> wit::Alert {
        wit::Alert {
            timestamp: 1_777_636_805_000,
            group: vec![wit::Field {
                name: "user.name".into(),
                value: wit::Value::Text("alice".into()),
            }],
            evidence: vec!["e-1".into()],
            message: "something happened".into(),
            fields: vec![wit::Field {
                name: "doc".into(),
                value: wit::Value::Json("{\"a\":1}".into()),
            }],
        }
    }

    #[test]
    fn ids_are_deterministic_and_depend_on_evidence() {
        let a = Alert::from_rule(raw(), &rule()).unwrap();
        let b = Alert::from_rule(raw(), &rule()).unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(a.id.len(), 32);
        let mut other = raw();
        other.evidence = vec!["e-2".into()];
        assert_ne!(Alert::from_rule(other, &rule()).unwrap().id, a.id);
        assert_eq!(a.timestamp, "2026-05-01T12:00:05Z");
        assert_eq!(a.fields["doc"], serde_json::json!({"a": 1}));
    }

    #[test]
    fn malformed_alerts_are_rejected() {
        let mut no_evidence = raw();
        no_evidence.evidence.clear();
        assert_eq!(
            Alert::from_rule(no_evidence, &rule()),
            Err(MalformedAlert::NoEvidence)
        );
        let mut bad_json = raw();
        bad_json.fields[0].value = wit::Value::Json("{not json".into());
        assert!(matches!(
            Alert::from_rule(bad_json, &rule()),
            Err(MalformedAlert::NotJson { .. })
        ));
        let mut nan = raw();
        nan.fields[0].value = wit::Value::Float(f64::NAN);
        assert!(matches!(
            Alert::from_rule(nan, &rule()),
            Err(MalformedAlert::NotFinite(_))
        ));
        let mut empty_message = raw();
        empty_message.message = " ".into();
        assert!(Alert::from_rule(empty_message, &rule()).is_err());
        let mut padded = raw();
        padded.message = "m".repeat(3 * MAX_TEXT_BYTES);
        padded.fields.push(wit::Field {
            name: "big".into(),
            value: wit::Value::Text("é".repeat(MAX_TEXT_BYTES)),
        });
        padded.fields.push(wit::Field {
            name: "big-json".into(),
            value: wit::Value::Json(format!("[\"{}\"]", "x".repeat(MAX_TEXT_BYTES))),
        });
        let kept =
            Alert::from_rule(padded, &rule()).expect("oversized texts are cut, not rejected");
        assert!(kept.message.len() <= MAX_TEXT_BYTES && kept.message.ends_with(TRUNCATION_MARK));
        let big = kept.fields["big"].as_str().unwrap();
        assert!(big.len() <= MAX_TEXT_BYTES && big.ends_with(TRUNCATION_MARK));
        assert!(
            kept.fields["big-json"]
                .as_str()
                .unwrap()
                .ends_with(TRUNCATION_MARK)
        );
        let mut far_future = raw();
        far_future.timestamp = i64::MAX;
        assert_eq!(
            Alert::from_rule(far_future, &rule()),
            Err(MalformedAlert::BadTimestamp(i64::MAX))
        );
    }
}
