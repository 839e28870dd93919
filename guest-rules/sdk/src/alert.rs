//! Building the alerts a rule returns.
//!
//! An [`Alert`] starts from the event that completed the detection
//! ([`Alert::for_event`]): its event time, its `event.id` as evidence, and
//! the calling principal's ARN as the group. Rules add what a responder needs
//! with the builder methods. The host adds rule metadata, the alert id and
//! suppression.

use crate::bindings::ferrule::detect::types as wit;
use crate::event::Event;
use crate::fields;
use ferrule_layout::Value;

/// A value for an alert's group or fields.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A string.
    Text(String),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// A list of strings.
    Texts(Vec<String>),
    /// A JSON document as text.
    Json(String),
}

impl From<&str> for FieldValue {
    fn from(text: &str) -> Self {
        FieldValue::Text(text.into())
    }
}

impl From<String> for FieldValue {
    fn from(text: String) -> Self {
        FieldValue::Text(text)
    }
}

impl From<i64> for FieldValue {
    fn from(n: i64) -> Self {
        FieldValue::Integer(n)
    }
}

impl From<bool> for FieldValue {
    fn from(b: bool) -> Self {
        FieldValue::Boolean(b)
    }
}

impl From<Value<'_>> for FieldValue {
    fn from(value: Value<'_>) -> Self {
        match value {
            Value::Text(text) => FieldValue::Text(text.into()),
            Value::Integer(n) => FieldValue::Integer(n),
            Value::Float(x) => FieldValue::Float(x),
            Value::Bool(b) => FieldValue::Boolean(b),
            Value::TextList(list) => FieldValue::Texts(list.iter().map(Into::into).collect()),
            Value::Json(text) => FieldValue::Json(text.into()),
        }
    }
}

impl FieldValue {
    fn into_wit(self) -> wit::Value {
        match self {
            FieldValue::Text(text) => wit::Value::Text(text),
            FieldValue::Integer(n) => wit::Value::Integer(n),
            FieldValue::Float(x) => wit::Value::Float(x),
            FieldValue::Boolean(b) => wit::Value::Boolean(b),
            FieldValue::Texts(list) => wit::Value::Texts(list),
            FieldValue::Json(text) => wit::Value::Json(text),
        }
    }
}

/// One detection.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Event time of the completing event, ms since the Unix epoch.
    pub timestamp_ms: i64,
    /// What the detection is about.
    pub group: Vec<(String, FieldValue)>,
    /// `event.id` of each contributing event, in event-time order.
    pub evidence: Vec<String>,
    /// One line a responder can act on.
    pub message: String,
    /// Context: ECS paths and values.
    pub fields: Vec<(String, FieldValue)>,
}

impl Alert {
    /// An alert completed by `event`: its time, its id as the evidence, the
    /// caller's ARN as the group (when the event has one), and the standard
    /// CloudTrail fields the event carries.
    pub fn for_event(event: &Event<'_>, message: impl Into<String>) -> Alert {
        let mut alert = Alert {
            timestamp_ms: event.timestamp_ms(),
            group: Vec::new(),
            evidence: vec![event.id().into()],
            message: message.into(),
            fields: Vec::new(),
        };
        alert = alert.group_by(event, fields::USER_ARN);
        alert.copy_fields(event, fields::STANDARD_CLOUDTRAIL)
    }

    /// Adds `path` from `event` to the group, when the event has it.
    pub fn group_by(mut self, event: &Event<'_>, path: &str) -> Alert {
        if let Some(value) = event.value(path) {
            self.group.retain(|(name, _)| name != path);
            self.group.push((path.into(), value.into()));
        }
        self
    }

    /// Replaces the group.
    pub fn with_group(mut self, group: Vec<(String, FieldValue)>) -> Alert {
        self.group = group;
        self
    }

    /// Copies each of `paths` that `event` has into the alert's fields.
    pub fn copy_fields(mut self, event: &Event<'_>, paths: &[&str]) -> Alert {
        for path in paths {
            if let Some(value) = event.value(path) {
                self.set_field(path, value.into());
            }
        }
        self
    }

    /// Sets one field, replacing an earlier value of the same name.
    pub fn field(mut self, name: &str, value: impl Into<FieldValue>) -> Alert {
        self.set_field(name, value.into());
        self
    }

    /// Removes a field, e.g. one of the standard set a rule does not report.
    pub fn without_field(mut self, name: &str) -> Alert {
        self.fields.retain(|(n, _)| n != name);
        self
    }

    fn set_field(&mut self, name: &str, value: FieldValue) {
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name.into(), value)),
        }
    }

    /// Replaces the evidence with `ids`, which should be in event-time order.
    pub fn with_evidence(mut self, ids: Vec<String>) -> Alert {
        self.evidence = ids;
        self
    }

    fn into_wit(self) -> wit::Alert {
        let convert = |fields: Vec<(String, FieldValue)>| {
            fields
                .into_iter()
                .map(|(name, value)| wit::Field {
                    name,
                    value: value.into_wit(),
                })
                .collect()
        };
        wit::Alert {
            timestamp: self.timestamp_ms,
            group: convert(self.group),
            evidence: self.evidence,
            message: self.message,
            fields: convert(self.fields),
        }
    }
}

/// The alerts a rule produces for one batch.
#[derive(Debug, Default)]
pub struct Alerts {
    alerts: Vec<Alert>,
}

impl Alerts {
    /// No alerts yet.
    pub fn new() -> Self {
        Alerts::default()
    }

    /// Adds one alert.
    pub fn push(&mut self, alert: Alert) {
        self.alerts.push(alert);
    }

    /// Number of alerts so far.
    pub fn len(&self) -> usize {
        self.alerts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }

    /// The alerts so far.
    pub fn as_slice(&self) -> &[Alert] {
        &self.alerts
    }

    pub(crate) fn into_wit(self) -> Vec<wit::Alert> {
        self.alerts.into_iter().map(Alert::into_wit).collect()
    }
}
