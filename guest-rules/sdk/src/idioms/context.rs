//! The context of the events in a sliding window, for the alert.

use crate::alert::{Alert, FieldValue};
use crate::codec::truncate;
use crate::event::Event;

use super::WindowEntry;

/// Separates packed values. CloudTrail values do not contain it; where one
/// does, it is replaced so that columns stay aligned.
const SEPARATOR: char = '\u{1e}';
/// What a separator inside a value is replaced with.
const REPLACEMENT: char = '\u{fffd}';
/// Longest value kept per field, in bytes; longer values are cut.
const MAX_VALUE_BYTES: usize = 512;

/// A fixed list of fields whose values a rule keeps with each entry of a
/// [`SlidingWindow`](super::SlidingWindow), so that an alert can report the
/// distinct values seen across the window (the addresses, user agents,
/// regions of the events counted).
///
/// A window entry keeps one member string besides its time and event id;
/// [`pack`](WindowContext::pack) writes the fields' values into that string,
/// [`values`](WindowContext::values) and [`report`](WindowContext::report)
/// read them back from the entries. Each value is cut to 512 bytes, so an
/// entry stays bounded whatever the event holds; add the packed member to a
/// window of its own (not the one whose distinct count the rule tests,
/// since every differing field makes a new member). Packing and reading
/// make no host calls.
#[derive(Debug, Clone, Copy)]
pub struct WindowContext {
    paths: &'static [&'static str],
}

impl WindowContext {
    /// The context made of the text fields `paths`, in this order. Changing
    /// the list changes what earlier entries read as: bump the rule's
    /// state-schema version.
    pub const fn new(paths: &'static [&'static str]) -> Self {
        WindowContext { paths }
    }

    /// The text values of the fields in `event` (empty when absent or not
    /// text), packed into one window member.
    pub fn pack(&self, event: &Event<'_>) -> String {
        let mut packed = String::new();
        for (i, path) in self.paths.iter().enumerate() {
            if i > 0 {
                packed.push(SEPARATOR);
            }
            let value = truncate(event.text(path).unwrap_or(""), MAX_VALUE_BYTES);
            packed.extend(
                value
                    .chars()
                    .map(|c| if c == SEPARATOR { REPLACEMENT } else { c }),
            );
        }
        packed
    }

    /// The distinct non-empty values of the field `path` across `entries`,
    /// in order of first appearance; empty when `path` is not one of the
    /// context's fields.
    pub fn values(&self, entries: &[WindowEntry], path: &str) -> Vec<String> {
        match self.paths.iter().position(|p| *p == path) {
            Some(column) => column_values(entries, column),
            None => Vec::new(),
        }
    }

    /// `alert` with, for each field that has values across `entries`, a
    /// field of the same name holding those values; fields with none are
    /// left out.
    pub fn report(&self, mut alert: Alert, entries: &[WindowEntry]) -> Alert {
        for (column, path) in self.paths.iter().enumerate() {
            let values = column_values(entries, column);
            if !values.is_empty() {
                alert = alert.field(path, FieldValue::Texts(values));
            }
        }
        alert
    }
}

/// The distinct non-empty values of the `column`-th packed field across
/// `entries`, in order of first appearance.
fn column_values(entries: &[WindowEntry], column: usize) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for entry in entries {
        if let Some(value) = entry.member.split(SEPARATOR).nth(column)
            && !value.is_empty()
            && !values.iter().any(|v| v == value)
        {
            values.push(value.to_owned());
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrule_layout::{EventReader, EventWriter, ValueRef};

    const CONTEXT: WindowContext =
        WindowContext::new(&["source.ip", "user_agent.original", "cloud.region"]);

    /// The packed context of an event with `pairs` (name, text).
    fn packed(pairs: &[(&str, &str)]) -> String {
        let mut writer = EventWriter::new();
        for (name, value) in pairs {
            writer.field(name, ValueRef::Text(value));
        }
        writer.field("source.as.number", ValueRef::Integer(16509));
        let mut out = Vec::new();
        writer.finish(0, &mut out);
        let (reader, _) = EventReader::new(&out).unwrap();
        CONTEXT.pack(&Event::new(reader))
    }

    fn entry(member: String) -> WindowEntry {
        WindowEntry {
            at: 0,
            member,
            tag: String::new(),
        }
    }

    #[test]
    fn packing_keeps_columns_aligned() {
        let member = packed(&[("source.ip", "192.0.2.1"), ("cloud.region", "eu-west-1")]);
        assert_eq!(member, "192.0.2.1\u{1e}\u{1e}eu-west-1");
        let member = packed(&[("user_agent.original", "a\u{1e}b")]);
        assert_eq!(
            member, "\u{1e}a\u{fffd}b\u{1e}",
            "a separator in a value is replaced"
        );
        assert_eq!(packed(&[]), "\u{1e}\u{1e}");
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = format!("a{}", "é".repeat(300));
        let member = packed(&[("source.ip", &long)]);
        let ip = member.split('\u{1e}').next().unwrap();
        assert_eq!(ip.len(), 511);
        assert!(long.starts_with(ip));
    }

    #[test]
    fn values_are_distinct_non_empty_and_in_order_of_first_appearance() {
        let entries = [
            entry(packed(&[
                ("source.ip", "192.0.2.2"),
                ("cloud.region", "eu-west-1"),
            ])),
            entry(packed(&[("source.ip", "192.0.2.1")])),
            entry(packed(&[
                ("source.ip", "192.0.2.2"),
                ("cloud.region", "us-east-1"),
            ])),
        ];
        assert_eq!(
            CONTEXT.values(&entries, "source.ip"),
            ["192.0.2.2", "192.0.2.1"]
        );
        assert_eq!(
            CONTEXT.values(&entries, "cloud.region"),
            ["eu-west-1", "us-east-1"]
        );
        assert!(CONTEXT.values(&entries, "user_agent.original").is_empty());
        assert!(
            CONTEXT.values(&entries, "source.address").is_empty(),
            "not in the context"
        );
        assert!(CONTEXT.values(&[], "source.ip").is_empty());
        // A member from elsewhere, with fewer columns, reads as empty.
        assert!(
            CONTEXT
                .values(&[entry("x".into())], "cloud.region")
                .is_empty()
        );
    }

    #[test]
    fn the_report_holds_only_fields_with_values() {
        let entries = [
            entry(packed(&[
                ("source.ip", "192.0.2.1"),
                ("cloud.region", "eu-west-1"),
            ])),
            entry(packed(&[("source.ip", "192.0.2.3")])),
        ];
        let alert = Alert {
            timestamp_ms: 0,
            group: Vec::new(),
            evidence: Vec::new(),
            message: String::new(),
            fields: vec![("cloud.region".into(), FieldValue::from("replaced"))],
        };
        let alert = CONTEXT.report(alert, &entries);
        assert_eq!(
            alert.fields,
            [
                (
                    "cloud.region".to_owned(),
                    FieldValue::Texts(vec!["eu-west-1".into()])
                ),
                (
                    "source.ip".to_owned(),
                    FieldValue::Texts(vec!["192.0.2.1".into(), "192.0.2.3".into()])
                ),
            ]
        );
    }
}
