//! Event times as text, for the fields of alerts.
//!
//! Rules keep and compare times as milliseconds since the Unix epoch, as
//! [`Event::timestamp_ms`](crate::Event::timestamp_ms) gives them. When an
//! alert reports a time (a window's start, when a value was last seen), it
//! writes it the way `@timestamp` is written: RFC 3339 in UTC with
//! milliseconds, `2026-05-01T12:00:05.000Z`.
//!
//! The conversion is plain integer arithmetic on the proleptic Gregorian
//! calendar (no time zones, no leap seconds), so it needs no library and
//! never fails: every `i64` has an answer. It does not parse times; the
//! host reads them from the logs.

/// Milliseconds in one day.
const DAY_MS: i64 = 86_400_000;

/// `ms` since the Unix epoch as RFC 3339 UTC text with milliseconds, always
/// printed: `2026-05-01T12:00:05.000Z`.
///
/// Times before the epoch count backwards (`-1` is
/// `1969-12-31T23:59:59.999Z`). The year is written with at least four
/// digits; years outside 0..=9999, which RFC 3339 cannot express, come out
/// with more digits or a minus sign rather than wrapping.
pub fn rfc3339(ms: i64) -> String {
    let (days, in_day) = (ms.div_euclid(DAY_MS), ms.rem_euclid(DAY_MS));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// The (year, month, day) of the day `days` after 1970-01-01 in the
/// proleptic Gregorian calendar, after Howard Hinnant's `civil_from_days`:
/// the year is shifted to start in March, so the leap day falls last, and
/// split into 400-year eras of 146,097 days.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Days since 0000-03-01, the start of an era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March: 0 is March, 11 is February.
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1000;

    #[test]
    fn the_epoch_and_milliseconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1), "1970-01-01T00:00:00.001Z");
        assert_eq!(rfc3339(999), "1970-01-01T00:00:00.999Z");
        assert_eq!(rfc3339(SECOND), "1970-01-01T00:00:01.000Z");
        assert_eq!(rfc3339(1_578_497_425_123), "2020-01-08T15:30:25.123Z");
    }

    #[test]
    fn leap_days() {
        // 2024-02-29T00:00:00Z and the days around it.
        let leap_day = 1_709_164_800_000;
        assert_eq!(rfc3339(leap_day - 1), "2024-02-28T23:59:59.999Z");
        assert_eq!(rfc3339(leap_day), "2024-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(leap_day + DAY_MS - 1), "2024-02-29T23:59:59.999Z");
        assert_eq!(rfc3339(leap_day + DAY_MS), "2024-03-01T00:00:00.000Z");
        // 2000 is a leap year (divisible by 400), 2100 is not.
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
        assert_eq!(rfc3339(4_107_542_400_000 - 1), "2100-02-28T23:59:59.999Z");
    }

    #[test]
    fn year_boundaries() {
        let y2k = 946_684_800_000;
        assert_eq!(rfc3339(y2k - 1), "1999-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(y2k), "2000-01-01T00:00:00.000Z");
        let y2026 = 1_767_225_600_000;
        assert_eq!(rfc3339(y2026 - 1), "2025-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(y2026), "2026-01-01T00:00:00.000Z");
    }

    #[test]
    fn negative_times_count_back_from_the_epoch() {
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(-SECOND), "1969-12-31T23:59:59.000Z");
        assert_eq!(rfc3339(-DAY_MS), "1969-12-31T00:00:00.000Z");
        assert_eq!(rfc3339(-2_208_988_800_000), "1900-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(-62_135_596_800_000), "0001-01-01T00:00:00.000Z");
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        assert!(rfc3339(i64::MAX).ends_with("Z"));
        assert!(rfc3339(i64::MIN).starts_with('-'));
    }

    #[test]
    fn consecutive_days_follow_the_calendar() {
        // From 1600-03-01 to 2400-02-29: every day is the one after the
        // previous, with the Gregorian month lengths.
        let days_in_month = |year: i64, month: i64| match month {
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut previous = civil_from_days(-135_080);
        assert_eq!(previous, (1600, 3, 1));
        for days in -135_079..=157_113 {
            let (year, month, day) = civil_from_days(days);
            let expected = if previous.2 < days_in_month(previous.0, previous.1) {
                (previous.0, previous.1, previous.2 + 1)
            } else if previous.1 < 12 {
                (previous.0, previous.1 + 1, 1)
            } else {
                (previous.0 + 1, 1, 1)
            };
            assert_eq!((year, month, day), expected, "day {days}");
            previous = (year, month, day);
        }
        assert_eq!(previous, (2400, 2, 29));
    }
}
