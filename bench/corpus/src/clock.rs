//! Event time: when routine calls happen, and how times are written.
//!
//! Routine traffic arrives at one million events a day on average, the
//! volume of a mid-sized organisation, with more during the working hours
//! of the organisation's main offices (Europe and the US east coast) than
//! at night. The rate is fixed rather than configurable on purpose: the
//! call mix is tuned so that routine traffic alone stays under the
//! thresholds of the windowed rules (six discovery calls in ten seconds,
//! five hundred inferences an hour), and those margins hold only at this
//! rate. A longer corpus covers more days, not denser ones.
//!
//! Gaps between events are drawn uniformly around the current mean, which
//! after thinning by principal gives each principal near-Poisson arrivals
//! without floating-point logarithms (see [`crate::dice`]).
//!
//! Times are kept in microseconds since the Unix epoch and written the way
//! CloudTrail writes them: whole seconds in UTC.

use std::fmt::Write;

use chrono::{DateTime, Datelike, Timelike};

use crate::dice::Dice;

/// Microseconds in a second, minute, hour and day.
pub(crate) const SECOND: i64 = 1_000_000;
pub(crate) const MINUTE: i64 = 60 * SECOND;
pub(crate) const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Mean routine events per day.
const EVENTS_PER_DAY: i64 = 1_000_000;

/// Relative activity in each UTC hour (00:00 first).
const ACTIVITY_BY_HOUR: [i64; 24] = [
    60, 55, 50, 50, 55, 65, 85, 110, 130, 140, 140, 135, // 00-11
    140, 150, 160, 160, 150, 135, 115, 100, 90, 80, 70, 65, // 12-23
];

/// The time after `at` at which the next routine event happens.
pub(crate) fn next_routine_time(at: i64, dice: &mut Dice) -> i64 {
    let hour = usize::try_from(at.rem_euclid(DAY) / HOUR).unwrap_or(0);
    let activity_sum: i64 = ACTIVITY_BY_HOUR.iter().sum();
    // Mean gap = day / events, scaled by how busy this hour is against the average.
    let mean_gap = DAY * activity_sum / (EVENTS_PER_DAY * 24 * ACTIVITY_BY_HOUR[hour]);
    at + dice.between(0, 2 * mean_gap)
}

/// The calendar fields of a time, in UTC.
pub(crate) struct Civil {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Civil {
    /// The calendar fields of `at` (microseconds since the epoch).
    pub(crate) fn of(at: i64) -> Civil {
        let time = DateTime::from_timestamp(at.div_euclid(SECOND), 0).unwrap_or_default();
        Civil {
            year: time.year(),
            month: time.month(),
            day: time.day(),
            hour: time.hour(),
            minute: time.minute(),
            second: time.second(),
        }
    }
}

/// Appends `at` as CloudTrail writes `eventTime`: `2026-11-03T14:02:10Z`.
pub(crate) fn write_iso(out: &mut String, at: i64) {
    let c = Civil::of(at);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
}

/// `at` as CloudTrail writes `eventTime`.
pub(crate) fn iso(at: i64) -> String {
    let mut out = String::with_capacity(20);
    write_iso(&mut out, at);
    out
}

/// `at` as AWS writes credential expirations in response elements, the
/// Java date format: `Nov 3, 2026, 3:02:10 PM`.
pub(crate) fn java_date(at: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = Civil::of(at);
    let month = MONTHS[usize::try_from(c.month - 1).unwrap_or(0)];
    let (hour, half) = match c.hour {
        0 => (12, "AM"),
        1..=11 => (c.hour, "AM"),
        12 => (12, "PM"),
        _ => (c.hour - 12, "PM"),
    };
    format!(
        "{month} {}, {}, {hour}:{:02}:{:02} {half}",
        c.day, c.year, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dice::Stream;

    /// 2026-11-03T14:02:10Z.
    const SAMPLE: i64 = 1_793_714_530 * SECOND;

    #[test]
    fn formats_match_cloudtrail() {
        assert_eq!(iso(SAMPLE), "2026-11-03T14:02:10Z");
        assert_eq!(java_date(SAMPLE), "Nov 3, 2026, 2:02:10 PM");
        assert_eq!(java_date(SAMPLE - 14 * HOUR), "Nov 3, 2026, 12:02:10 AM");
    }

    #[test]
    fn routine_rate_is_about_a_million_a_day() {
        let mut dice = Dice::new(3, Stream::Routine);
        let mut at = SAMPLE - SAMPLE.rem_euclid(DAY);
        let end = at + DAY;
        let mut events = 0;
        while at < end {
            at = next_routine_time(at, &mut dice);
            events += 1;
        }
        assert!(
            (950_000..1_050_000).contains(&events),
            "{events} events in a day"
        );
    }
}
