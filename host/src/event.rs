//! The normalized event: one encoded buffer, built once, shared by every
//! rule that sees it.
//!
//! Normalization produces [`Fields`], which are encoded into the
//! `ferrule-layout` record format. The host keeps only that buffer: dispatch
//! reads filter fields from it, and rules receive it byte for byte.

use std::borrow::Cow;

use ferrule_layout::{EventReader, EventWriter, Value, ValueRef};

use crate::decode::Position;

/// The data set of raw CloudTrail records after normalization.
pub const CLOUDTRAIL_DATASET: &str = "aws.cloudtrail";

/// One event, normalized and encoded.
#[derive(Debug, Clone)]
pub struct Event {
    position: Position,
    timestamp_ms: i64,
    record: Vec<u8>,
}

impl Event {
    /// Where the event came from.
    pub fn position(&self) -> &Position {
        &self.position
    }

    /// Event time, ms since the Unix epoch.
    pub fn timestamp_ms(&self) -> i64 {
        self.timestamp_ms
    }

    /// The encoded record, as rules receive it.
    pub fn record(&self) -> &[u8] {
        &self.record
    }

    /// A view for reading fields.
    pub fn reader(&self) -> EventReader<'_> {
        // The buffer was produced by `EventWriter`; a failure here is a bug in
        // the writer, not bad input.
        EventReader::new(&self.record)
            .expect("event buffer written by the host is well-formed")
            .0
    }

    /// A field's value.
    pub fn get(&self, path: &str) -> Option<Value<'_>> {
        self.reader().get(path)
    }

    /// A string field.
    pub fn text(&self, path: &str) -> Option<&str> {
        match self.get(path)? {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// `event.id`, or `""`.
    pub fn id(&self) -> &str {
        self.text("event.id").unwrap_or("")
    }

    /// `data_stream.dataset`, or `""`.
    pub fn dataset(&self) -> &str {
        self.text("data_stream.dataset").unwrap_or("")
    }
}

/// A field value during normalization, borrowing from the parsed input
/// where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    /// A string.
    Text(Cow<'a, str>),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    TextList(Vec<String>),
    /// A JSON document as text.
    Json(String),
}

/// The fields of one event under construction, keyed by ECS path.
#[derive(Debug, Default)]
pub struct Fields<'a> {
    entries: Vec<(Cow<'a, str>, FieldValue<'a>)>,
}

impl<'a> Fields<'a> {
    /// No fields.
    pub fn new() -> Self {
        Fields {
            entries: Vec::with_capacity(48),
        }
    }

    /// Adds a field; a later value for the same path wins.
    pub fn put(&mut self, path: impl Into<Cow<'a, str>>, value: FieldValue<'a>) {
        self.entries.push((path.into(), value));
    }

    /// Adds a string field, skipping values the pipeline treats as empty.
    pub fn text(&mut self, path: impl Into<Cow<'a, str>>, value: Option<Cow<'a, str>>) {
        if let Some(value) = value.filter(|v| !is_empty_value(v)) {
            self.put(path, FieldValue::Text(value));
        }
    }

    /// Adds a string field from a borrowed string.
    pub fn str(&mut self, path: &'static str, value: &'a str) {
        self.text(path, Some(Cow::Borrowed(value)));
    }

    /// Adds a list field, unless empty.
    pub fn list(&mut self, path: impl Into<Cow<'a, str>>, values: Vec<String>) {
        if !values.is_empty() {
            self.put(path, FieldValue::TextList(values));
        }
    }

    /// Whether `path` was set.
    pub fn has(&self, path: &str) -> bool {
        self.entries.iter().any(|(p, _)| p == path)
    }

    /// The last string value set for `path`.
    pub fn get_text(&self, path: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(p, _)| p == path)
            .and_then(|(_, v)| match v {
                FieldValue::Text(text) => Some(text.as_ref()),
                _ => None,
            })
    }

    /// Sets `event.id` from a digest of the raw record when the record has
    /// none, so every event can be named as evidence. Derived ids start
    /// with `ferrule-` and are the same for the same record text.
    pub fn ensure_event_id(&mut self, raw: &str) {
        if self.has("event.id") {
            return;
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(raw.as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        self.put(
            "event.id",
            FieldValue::Text(Cow::Owned(format!("ferrule-{hex}"))),
        );
    }

    /// Number of fields set, repeats included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no field was set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Encodes the fields into an [`Event`].
    pub fn into_event(self, position: Position, timestamp_ms: i64) -> Event {
        let mut writer = EventWriter::with_capacity(self.entries.len());
        for (path, value) in &self.entries {
            let value = match value {
                FieldValue::Text(text) => ValueRef::Text(text),
                FieldValue::Integer(n) => ValueRef::Integer(*n),
                FieldValue::Float(x) => ValueRef::Float(*x),
                FieldValue::Bool(b) => ValueRef::Bool(*b),
                FieldValue::TextList(list) => ValueRef::TextList(list),
                FieldValue::Json(text) => ValueRef::Json(text),
            };
            writer.field(path, value);
        }
        let mut record = Vec::new();
        writer.finish(timestamp_ms, &mut record);
        Event {
            position,
            timestamp_ms,
            record,
        }
    }
}

/// Whether the CloudTrail pipeline treats a string as "no value": empty, `-`
/// or `none`.
pub fn is_empty_value(value: &str) -> bool {
    value.is_empty() || value == "-" || value == "none"
}
