//! The alert feedback stream: every alert, offered back to the rules as an
//! event of the data set [`ALERT_DATASET`], so higher-order rules can
//! correlate detections.
//!
//! A rule is higher-order when one of its interests names that data set.
//! Alerts of higher-order rules are not fed back, so no loop can form.
//!
//! The event carries the alert's identity in Elastic's alert field names
//! (`kibana.alert.rule.rule_id`, `kibana.alert.severity`,
//! `kibana.alert.risk_score`, `kibana.alert.workflow_status`, ...), so
//! rules written against Elastic's alert index read it unchanged, and in
//! ferrule's own (`ferrule.alert.*`). The alert's group and context fields
//! (the evidence events' key fields, such as `source.ip` and
//! `aws.cloudtrail.user_identity.access_key_id`) keep their ECS paths.

use std::borrow::Cow;

use serde_json::Value;

use crate::alert::Alert;
use crate::decode::Position;
use crate::event::{Event, FieldValue, Fields};

/// The data set of fed-back alerts.
pub const ALERT_DATASET: &str = "ferrule.alert";

/// The tag Elastic puts on higher-order rules; fed-back alerts of such
/// rules never exist, but rules ported from Elastic test for it.
pub const HIGHER_ORDER_TAG: &str = "Rule Type: Higher-Order Rule";

/// The feedback event for an alert.
pub fn alert_event(alert: &Alert) -> Event {
    let mut fields = Fields::new();
    let text = |s: &str| FieldValue::Text(Cow::Owned(s.to_owned()));
    fields.put("data_stream.dataset", text(ALERT_DATASET));
    fields.put("event.dataset", text(ALERT_DATASET));
    fields.put("event.kind", text("signal"));
    fields.put("event.id", text(&alert.id));
    fields.put("@timestamp", text(&alert.timestamp));

    // Context first, so the alert's own identity below wins on a clash.
    for (name, value) in alert.fields.iter().chain(&alert.group) {
        if let Some(value) = field_value(value) {
            fields.put(name.clone(), value);
        }
    }

    let rule = &alert.rule;
    fields.put("kibana.alert.rule.rule_id", text(&rule.id));
    fields.put("kibana.alert.rule.name", text(&rule.name));
    fields.put("kibana.alert.rule.type", text("ferrule"));
    fields.put("kibana.alert.rule.tags", FieldValue::TextList(Vec::new()));
    fields.put("kibana.alert.severity", text(rule.severity));
    fields.put(
        "kibana.alert.risk_score",
        FieldValue::Integer(i64::from(rule.risk_score)),
    );
    fields.put("kibana.alert.workflow_status", text("open"));
    fields.put("ferrule.alert.id", text(&alert.id));
    fields.put("ferrule.alert.rule.slug", text(&rule.slug));
    fields.put("ferrule.alert.message", text(&alert.message));
    fields.put(
        "ferrule.alert.evidence",
        FieldValue::TextList(alert.evidence.clone()),
    );
    let group: Vec<String> = alert.group.keys().cloned().collect();
    fields.put("ferrule.alert.group_fields", FieldValue::TextList(group));

    let position = Position {
        source: format!("alert:{}", rule.slug).into(),
        line: 0,
        record: None,
    };
    fields.into_event(position, alert.timestamp_ms)
}

fn field_value(value: &Value) -> Option<FieldValue<'static>> {
    Some(match value {
        Value::String(text) => FieldValue::Text(Cow::Owned(text.clone())),
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => FieldValue::Integer(i),
            None => FieldValue::Float(n.as_f64()?),
        },
        Value::Array(items) if items.iter().all(Value::is_string) => FieldValue::TextList(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        ),
        Value::Array(_) | Value::Object(_) => FieldValue::Json(value.to_string()),
        Value::Null => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::AlertRule;
    use ferrule_layout::Value as Read;
    use std::sync::Arc;

    #[test]
    fn alerts_become_events_with_elastic_and_ecs_fields() {
        let rule = Arc::new(AlertRule {
            id: "9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f".into(),
            slug: "long-term-key-first-seen-source-ip".into(),
            name: "First seen".into(),
            version: "1.0.0".into(),
            severity: "medium",
            risk_score: 47,
            threat: vec![],
        });
        let mut fields = serde_json::Map::new();
        fields.insert("source.ip".into(), "198.51.100.7".into());
        fields.insert(
            "aws.cloudtrail.user_identity.access_key_id".into(),
            "AKIAEXAMPLE".into(),
        );
        let alert = Alert {
            id: "abc".into(),
            timestamp: "2026-05-01T12:00:00Z".into(),
            rule,
            group: serde_json::Map::new(),
            evidence: vec!["e-1".into(), "e-2".into()],
            message: "new address".into(),
            fields,
            timestamp_ms: 1_777_636_800_000,
        };
        let event = alert_event(&alert);
        assert_eq!(event.dataset(), ALERT_DATASET);
        assert_eq!(event.id(), "abc");
        assert_eq!(event.timestamp_ms(), 1_777_636_800_000);
        assert_eq!(
            event.text("kibana.alert.rule.rule_id"),
            Some("9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f")
        );
        assert_eq!(
            event.get("kibana.alert.risk_score"),
            Some(Read::Integer(47))
        );
        assert_eq!(event.text("kibana.alert.severity"), Some("medium"));
        assert_eq!(event.text("event.kind"), Some("signal"));
        assert_eq!(event.text("source.ip"), Some("198.51.100.7"));
        assert_eq!(
            event.text("aws.cloudtrail.user_identity.access_key_id"),
            Some("AKIAEXAMPLE")
        );
        let Some(Read::TextList(evidence)) = event.get("ferrule.alert.evidence") else {
            panic!()
        };
        assert_eq!(evidence.iter().collect::<Vec<_>>(), ["e-1", "e-2"]);
    }
}
