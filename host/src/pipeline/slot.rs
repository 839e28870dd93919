//! One rule's place in the pipeline: its instance, whether it runs, and
//! its health.
//!
//! A slot outlives the versions of its rule: a reload replaces the instance
//! in place, so events waiting for the rule in the reorder buffer reach the
//! new version, and a removed rule's slot stays (inactive) so that adding
//! the rule back within the grace period finds its state.
//!
//! Quarantine: after enough consecutive failures the rule is taken out of
//! dispatch for a backoff period that doubles each time it is quarantined
//! again (from [`FIRST_BACKOFF`] up to [`MAX_BACKOFF`]). When the period
//! ends the rule is on probation: one more failure quarantines it again. A
//! reload resets all of this.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::stats::RuleStats;
use crate::alert::AlertRule;
use crate::feedback;
use crate::runtime::RuleInstance;

/// Backoff after the first quarantine.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(30);
/// Longest backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30 * 60);

/// A rule in the pipeline with its health and counters.
pub(super) struct Slot {
    pub instance: RuleInstance,
    /// Whether the rule reads alerts; its own alerts are not fed back.
    pub higher_order: bool,
    pub alert_rule: Arc<AlertRule>,
    pub consecutive_failures: u32,
    pub quarantined_until: Option<Instant>,
    backoff: Duration,
    /// Disabled by an operator.
    pub disabled: bool,
    /// Removed from the rules directory, at this time.
    pub removed_at: Option<Instant>,
    pub stats: RuleStats,
}

impl Slot {
    pub fn new(instance: RuleInstance) -> Slot {
        let higher_order = instance
            .metadata()
            .interests
            .iter()
            .any(|i| i.datasets.iter().any(|d| d == feedback::ALERT_DATASET));
        Slot {
            higher_order,
            alert_rule: AlertRule::from_metadata(instance.metadata()),
            stats: RuleStats::new(instance.metadata()),
            instance,
            consecutive_failures: 0,
            quarantined_until: None,
            backoff: FIRST_BACKOFF,
            disabled: false,
            removed_at: None,
        }
    }

    /// Replaces the rule with a new version, resetting its health; counters
    /// carry on.
    pub fn replace(&mut self, instance: RuleInstance) {
        let stats = std::mem::take(&mut self.stats);
        *self = Slot::new(instance);
        self.stats = RuleStats {
            version: self.instance.metadata().version.clone(),
            ..stats
        };
    }

    /// Whether the rule belongs in the dispatch index.
    pub fn is_active(&self) -> bool {
        !self.disabled && self.removed_at.is_none()
    }

    /// Whether the rule may be called now; ends a quarantine whose backoff
    /// has passed, putting the rule on probation.
    pub fn may_run(&mut self, now: Instant, quarantine_after: u32) -> bool {
        if !self.is_active() {
            return false;
        }
        match self.quarantined_until {
            Some(until) if now < until => false,
            Some(_) => {
                self.quarantined_until = None;
                self.consecutive_failures = quarantine_after.saturating_sub(1);
                tracing::info!(rule = %self.instance.metadata().id, "quarantine over; rule back on probation");
                true
            }
            None => true,
        }
    }

    /// Whether the rule is quarantined now.
    pub fn is_quarantined(&self) -> bool {
        self.quarantined_until.is_some()
    }

    /// Counts a failure; quarantines the rule when it reaches the limit.
    pub fn record_failure(&mut self, kind: &'static str, quarantine_after: u32, now: Instant) {
        self.stats.count_failure(kind);
        self.consecutive_failures += 1;
        if self.consecutive_failures >= quarantine_after && self.quarantined_until.is_none() {
            self.quarantined_until = Some(now + self.backoff);
            tracing::error!(rule = %self.instance.metadata().id, failures = self.consecutive_failures,
                backoff_secs = self.backoff.as_secs(),
                "rule quarantined after consecutive failures; it gets no events until the backoff ends or it is reloaded");
            self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Counts a success.
    pub fn record_success(&mut self) {
        self.consecutive_failures = 0;
    }
}
