//! ECS documents pass through: their fields are flattened to dotted paths.
//!
//! Used for documents Elastic Agent ships (CloudTrail already mapped by
//! Elastic's pipeline, endpoint process events, ...). The data set comes
//! from `data_stream.dataset`, else `event.dataset`.

use std::borrow::Cow;

use serde_json::Value;

use super::json::{Objects, flatten};
use super::{NormalizeError, parse_timestamp};
use crate::decode::Position;
use crate::enrich::Enrich;
use crate::event::{Event, FieldValue, Fields};

/// Maps one ECS document to an [`Event`].
///
/// # Errors
///
/// [`NormalizeError`] when the document is not JSON or has no valid
/// `@timestamp`.
pub fn normalize(
    text: &str,
    position: &Position,
    enrich: &dyn Enrich,
) -> Result<Event, NormalizeError> {
    let document: Value = serde_json::from_str(text).map_err(|error| NormalizeError::NotJson {
        position: position.clone(),
        reason: error.to_string(),
    })?;
    let Some(time) = document.get("@timestamp").and_then(Value::as_str) else {
        return Err(NormalizeError::NoTimestamp {
            position: position.clone(),
            field: "@timestamp",
        });
    };
    let timestamp_ms = parse_timestamp(time).ok_or_else(|| NormalizeError::BadTimestamp {
        position: position.clone(),
        field: "@timestamp",
        value: time.to_owned(),
    })?;

    let mut fields = Fields::new();
    flatten("", &document, Objects::LeavesOnly, &mut fields);
    if !fields.has("data_stream.dataset")
        && let Some(dataset) = fields.get_text("event.dataset").map(str::to_owned)
    {
        fields.put("data_stream.dataset", FieldValue::Text(Cow::Owned(dataset)));
    }
    enrich.enrich(&mut fields);
    fields.ensure_event_id(text);
    Ok(fields.into_event(position.clone(), timestamp_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_process_events_keep_their_fields() {
        let text = r#"{"@timestamp":"2026-05-01T12:00:05.000Z","event":{"dataset":"endpoint.events.process"},
            "process":{"name":"curl","parent":{"command_line":"/bin/sh x"}},"host":{"os":{"type":"linux"}}}"#;
        let position = Position {
            source: "t".into(),
            line: 1,
            record: None,
        };
        let event = normalize(text, &position, &crate::enrich::NoEnrichment).unwrap();
        assert_eq!(event.dataset(), "endpoint.events.process");
        assert_eq!(event.text("process.name"), Some("curl"));
        assert_eq!(event.text("process.parent.command_line"), Some("/bin/sh x"));
        assert_eq!(event.text("host.os.type"), Some("linux"));
        assert_eq!(event.timestamp_ms(), 1_777_636_805_000);
    }

    #[test]
    fn documents_without_a_timestamp_are_rejected() {
        let position = Position {
            source: "t".into(),
            line: 9,
            record: None,
        };
        let error = normalize(
            r#"{"event":{"action":"x"}}"#,
            &position,
            &crate::enrich::NoEnrichment,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "t:9: record has no @timestamp");
    }
}
