//! Parsing event times.

use chrono::{DateTime, NaiveDateTime};

/// Parses an event time into ms since the Unix epoch.
///
/// Accepts RFC 3339 (`2026-05-01T12:00:05Z`, with or without fractions or an
/// offset), and the zone-less forms `2026-05-01T12:00:05` and
/// `2026-05-01 12:00:05.000000000` that some exporters write, read as UTC.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.timestamp_millis());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|time| time.and_utc().timestamp_millis())
}

/// Renders ms since the Unix epoch as RFC 3339 in UTC, with milliseconds
/// only when they are not zero.
pub fn format_timestamp(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(time) => time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_forms_seen_in_cloudtrail_exports() {
        assert_eq!(
            parse_timestamp("2020-01-08T15:30:25Z"),
            Some(1_578_497_425_000)
        );
        assert_eq!(
            parse_timestamp("2020-01-08T15:30:25.123Z"),
            Some(1_578_497_425_123)
        );
        assert_eq!(
            parse_timestamp("2020-01-08T17:30:25+02:00"),
            Some(1_578_497_425_000)
        );
        assert_eq!(
            parse_timestamp("2020-01-08 15:30:25.000000000"),
            Some(1_578_497_425_000)
        );
        assert_eq!(
            parse_timestamp("2020-01-08T15:30:25"),
            Some(1_578_497_425_000)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    #[test]
    fn formats_in_utc() {
        assert_eq!(format_timestamp(1_578_497_425_000), "2020-01-08T15:30:25Z");
        assert_eq!(
            format_timestamp(1_578_497_425_120),
            "2020-01-08T15:30:25.120Z"
        );
    }
}
