//! Normalize: turn each decoded record into the ECS fields rules are written
//! against, once per event.
//!
//! Two shapes are recognised by their keys:
//!
//! - raw CloudTrail records (`eventVersion`, `eventTime`, `eventSource`, ...),
//!   mapped to ECS as Elastic's CloudTrail integration does (see
//!   [`cloudtrail`]);
//! - ECS documents (`@timestamp`, `data_stream.dataset`, ...), as Elastic
//!   Agent ships them, including endpoint process events; their fields pass
//!   through, flattened to dotted paths (see [`ecs`]).
//!
//! Anything else is rejected with a [`NormalizeError`] naming its position.

pub mod cloudtrail;
pub mod ecs;
mod json;
mod time;
mod user_agent;

pub use time::parse_timestamp;

use crate::decode::{Position, RawRecord};
use crate::enrich::{Enrich, NoEnrichment};
use crate::event::Event;

/// Why a record could not be normalized.
#[derive(Debug, thiserror::Error)]
pub enum NormalizeError {
    /// The record is not valid JSON.
    #[error("{position}: not valid JSON: {reason}")]
    NotJson {
        /// Where.
        position: Position,
        /// The parser's explanation.
        reason: String,
    },
    /// The record has no event time (`eventTime` or `@timestamp`).
    #[error("{position}: record has no {field}")]
    NoTimestamp {
        /// Where.
        position: Position,
        /// The field that is missing.
        field: &'static str,
    },
    /// The event time is not a date-time.
    #[error("{position}: {field} {value:?} is not a date-time")]
    BadTimestamp {
        /// Where.
        position: Position,
        /// The field.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// Neither a CloudTrail record nor an ECS document.
    #[error(
        "{position}: neither a CloudTrail record nor an ECS document (no eventVersion, eventSource, eventName or @timestamp)"
    )]
    UnknownShape {
        /// Where.
        position: Position,
    },
}

impl NormalizeError {
    /// A short, stable name of the error's kind, for counters.
    pub fn kind(&self) -> &'static str {
        match self {
            NormalizeError::NotJson { .. } => "not_json",
            NormalizeError::NoTimestamp { .. } => "no_timestamp",
            NormalizeError::BadTimestamp { .. } => "bad_timestamp",
            NormalizeError::UnknownShape { .. } => "unknown_shape",
        }
    }
}

/// Normalizes one record, without enrichment.
///
/// # Errors
///
/// A [`NormalizeError`] when the record is not JSON, lacks or has an invalid
/// event time, or has no recognisable shape.
pub fn normalize(record: &RawRecord) -> Result<Event, NormalizeError> {
    normalize_enriched(record, &NoEnrichment)
}

/// Normalizes one record and lets `enrich` add its fields before the event
/// is encoded.
///
/// # Errors
///
/// As for [`normalize`].
pub fn normalize_enriched(
    record: &RawRecord,
    enrich: &dyn Enrich,
) -> Result<Event, NormalizeError> {
    let text = record.json.as_str();
    let position = &record.position;
    // Most records are CloudTrail: one typed parse recognises and reads
    // them. Anything else is looked at again below.
    if let Some(cloudtrail) = cloudtrail::parse(text) {
        return cloudtrail::map(cloudtrail, text, position, enrich);
    }
    let shape: Shape = serde_json::from_str(text).map_err(|error| NormalizeError::NotJson {
        position: position.clone(),
        reason: error.to_string(),
    })?;
    if shape.event_version || shape.event_source || shape.event_name {
        cloudtrail::normalize(text, position, enrich)
    } else if shape.timestamp {
        ecs::normalize(text, position, enrich)
    } else {
        Err(NormalizeError::UnknownShape {
            position: position.clone(),
        })
    }
}

/// Which top-level keys a record has, found without building its values.
#[derive(Default)]
struct Shape {
    event_version: bool,
    event_source: bool,
    event_name: bool,
    timestamp: bool,
}

impl<'de> serde::Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Shape;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Shape, A::Error> {
                let mut shape = Shape::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "eventVersion" => shape.event_version = true,
                        "eventSource" => shape.event_source = true,
                        "eventName" => shape.event_name = true,
                        "@timestamp" => shape.timestamp = true,
                        _ => {}
                    }
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(shape)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> RawRecord {
        RawRecord {
            position: Position {
                source: "trail.ndjson".into(),
                line: 7,
                record: None,
            },
            json: json.to_owned(),
        }
    }

    const GOOD: &str = r#"{"eventVersion":"1.09","eventTime":"2026-05-01T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1"}"#;

    #[test]
    fn a_record_the_reader_passed_unchecked_is_validated_here() {
        assert!(normalize(&record(GOOD)).is_ok());

        let truncated = &GOOD[..GOOD.len() - 20];
        let bad_escape = GOOD.replace("ListBuckets", r"List\qBuckets");
        let trailing = format!("{GOOD} extra");
        for text in [truncated, bad_escape.as_str(), trailing.as_str()] {
            let error = normalize(&record(text)).unwrap_err();
            assert_eq!(error.kind(), "not_json", "{text}");
            assert!(
                error
                    .to_string()
                    .starts_with("trail.ndjson:7: not valid JSON: "),
                "{error}"
            );
        }
    }
}
