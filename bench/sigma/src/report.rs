//! The benchmark's result: one JSON object on stdout.
//!
//! Field names are stable so runs can be compared with each other and with
//! ferrule's own benchmark output: `seconds` covers reading, parsing and
//! evaluation from the first line to the last; rule loading is reported
//! apart, as `load_seconds`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::scan::Tally;

/// The evaluator being measured. Must name the exact version that
/// `Cargo.toml` pins.
pub const ENGINE: &str = "rsigma-eval 0.23.0";

/// One benchmark run, as reported.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The evaluator, with its version.
    pub engine: &'static str,
    /// Rules loaded.
    pub rules: usize,
    /// Lines evaluated as events.
    pub events: u64,
    /// Lines that were not a JSON object.
    pub bad_lines: u64,
    /// Time to parse and compile the rules.
    pub load_seconds: f64,
    /// Time from the first line read to the last event evaluated.
    pub seconds: f64,
    /// `events / seconds`; 0 when no time was measured.
    pub events_per_second: f64,
    /// Matches per rule id.
    pub matches: BTreeMap<String, u64>,
}

impl Report {
    /// The report for a pass over the input with `rules` rules, loaded in
    /// `load`.
    pub fn new(rules: usize, load: Duration, tally: Tally) -> Self {
        let seconds = tally.elapsed.as_secs_f64();
        let events_per_second = if seconds > 0.0 {
            tally.events as f64 / seconds
        } else {
            0.0
        };
        Report {
            engine: ENGINE,
            rules,
            events: tally.events,
            bad_lines: tally.bad_lines,
            load_seconds: load.as_secs_f64(),
            seconds,
            events_per_second,
            matches: tally.matches,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_the_pinned_version() {
        let manifest = include_str!("../Cargo.toml");
        let version = ENGINE.strip_prefix("rsigma-eval ").unwrap();
        assert!(manifest.contains(&format!("rsigma-eval = \"={version}\"")));
    }

    #[test]
    fn throughput_is_zero_without_elapsed_time() {
        let tally = Tally {
            events: 0,
            bad_lines: 0,
            matches: BTreeMap::new(),
            elapsed: Duration::ZERO,
        };
        let report = Report::new(1, Duration::ZERO, tally);
        assert_eq!(report.events_per_second, 0.0);
    }
}
