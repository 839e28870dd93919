//! Counters of a run, and the summary printed when it ends.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::runtime::RuleMetadata;

/// Counters of one rule.
#[derive(Debug, Clone, Default)]
pub struct RuleStats {
    /// Rule id.
    pub id: String,
    /// Rule slug.
    pub slug: String,
    /// Version running now.
    pub version: String,
    /// Events handed to the rule (retries included).
    pub events: u64,
    /// Calls made (event batches and ticks).
    pub calls: u64,
    /// Alerts written for the rule.
    pub alerts: u64,
    /// Alerts held back during learning or warm-up.
    pub held_back: u64,
    /// Failures by kind (`trap`, `timeout`, `memory_limit`, `rule_error`,
    /// `malformed_alert`).
    pub failures: BTreeMap<&'static str, u64>,
    /// Events not delivered because the rule was quarantined.
    pub skipped_events: u64,
    /// Whether the rule is quarantined (as of the snapshot).
    pub quarantined: bool,
    /// Whether the rule was removed and its state dropped.
    pub state_dropped: bool,
    /// Time spent in the rule's calls.
    pub call_time: Duration,
    /// Distribution of call times.
    pub call_times: super::latency::CallTimes,
}

impl RuleStats {
    /// Empty counters for a rule.
    pub fn new(metadata: &RuleMetadata) -> RuleStats {
        RuleStats {
            id: metadata.id.to_string(),
            slug: metadata.slug.clone(),
            version: metadata.version.clone(),
            ..RuleStats::default()
        }
    }

    pub(super) fn count_failure(&mut self, kind: &'static str) {
        *self.failures.entry(kind).or_insert(0) += 1;
    }

    /// Failures of every kind.
    pub fn total_failures(&self) -> u64 {
        self.failures.values().sum()
    }
}

/// Counters of a run.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Events normalized and processed.
    pub events: u64,
    /// Records rejected before normalization finished, by kind.
    pub rejected: BTreeMap<&'static str, u64>,
    /// Alerts written.
    pub alerts: u64,
    /// Alerts held back during learning or warm-up.
    pub held_back: u64,
    /// Alerts offered to higher-order rules.
    pub alerts_fed_back: u64,
    /// Events that arrived after the watermark had passed them.
    pub late_events: u64,
    /// State entries expired.
    pub state_expired: u64,
    /// State entries held at the end.
    pub state_entries: usize,
    /// Per rule.
    pub rules: Vec<RuleStats>,
}

impl fmt::Display for Stats {
    /// The end-of-run summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rejected: u64 = self.rejected.values().sum();
        let failures: u64 = self.rules.iter().map(RuleStats::total_failures).sum();
        writeln!(
            f,
            "ferrule: {} events read, {} records rejected, {} alerts, {} rule failures",
            self.events, rejected, self.alerts, failures
        )?;
        if self.held_back > 0 {
            writeln!(f, "  alerts held back while learning: {}", self.held_back)?;
        }
        if self.late_events > 0 {
            writeln!(
                f,
                "  events later than the allowed lateness: {}",
                self.late_events
            )?;
        }
        if rejected > 0 {
            let kinds: Vec<String> = self
                .rejected
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            writeln!(f, "  rejected: {}", kinds.join(", "))?;
        }
        let alerting: Vec<String> = self
            .rules
            .iter()
            .filter(|r| r.alerts > 0)
            .map(|r| format!("{} {}", r.slug, r.alerts))
            .collect();
        if !alerting.is_empty() {
            writeln!(f, "  alerts by rule: {}", alerting.join(", "))?;
        }
        for rule in self
            .rules
            .iter()
            .filter(|r| r.total_failures() > 0 || r.quarantined)
        {
            let kinds: Vec<String> = rule
                .failures
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            let quarantine = if rule.quarantined {
                format!(" (quarantined, {} events skipped)", rule.skipped_events)
            } else {
                String::new()
            };
            writeln!(
                f,
                "  failures of {}: {}{quarantine}",
                rule.slug,
                kinds.join(", ")
            )?;
        }
        Ok(())
    }
}
