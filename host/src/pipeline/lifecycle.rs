//! Changing the rule set of a running pipeline, and reporting on it.
//!
//! Changes are applied between two batches, so a rule's events before the
//! change go to the old version and those after it to the new one: none is
//! lost, skipped or seen twice. State carries over when the new version has
//! the same rule id and state-schema version; otherwise the rule starts
//! clean. A removed rule's state is kept for [`PipelineConfig::removal_grace`]
//! (wall-clock time) in case it comes back, then dropped.
//!
//! [`PipelineConfig::removal_grace`]: super::PipelineConfig::removal_grace

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::Pipeline;
use super::slot::Slot;
use crate::runtime::RuleInstance;

/// A change to the rule set.
pub enum RuleChange {
    /// A new rule, or a new version of a running one (same id); boxed, as
    /// an instance is large and changes travel through channels.
    Upsert(Box<RuleInstance>),
    /// The rule with this id was removed.
    Remove(String),
    /// An operator enables the rule.
    Enable(String),
    /// An operator disables the rule: it gets no events until enabled.
    Disable(String),
}

/// What the admin endpoint reports about a rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleStatus {
    /// Rule id.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Version running.
    pub version: String,
    /// State-schema version.
    pub state_schema_version: u32,
    /// Where it was loaded from.
    pub origin: String,
    /// `active`, `quarantined`, `disabled` or `removed`.
    pub status: &'static str,
    /// State entries held.
    pub state_entries: usize,
    /// Events handed to it.
    pub events: u64,
    /// Calls made.
    pub calls: u64,
    /// Alerts written.
    pub alerts: u64,
    /// Failures by kind.
    pub failures: BTreeMap<&'static str, u64>,
    /// Median call time, µs (bucket upper bound).
    pub p50_us: f64,
    /// 99th percentile call time, µs (bucket upper bound).
    pub p99_us: f64,
}

impl Pipeline {
    /// Applies a change to the rule set.
    pub fn apply(&mut self, change: RuleChange) {
        match change {
            RuleChange::Upsert(instance) => self.upsert(*instance),
            RuleChange::Remove(id) => match self.slot_mut(&id) {
                Some(slot) if slot.removed_at.is_none() => {
                    slot.removed_at = Some(Instant::now());
                    tracing::info!(rule = %id, "rule removed; its state is kept for the grace period");
                }
                _ => tracing::debug!(rule = %id, "removal of a rule that is not running"),
            },
            RuleChange::Enable(id) => match self.slot_mut(&id) {
                Some(slot) => {
                    slot.disabled = false;
                    tracing::info!(rule = %id, "rule enabled");
                }
                None => tracing::warn!(rule = %id, "cannot enable an unknown rule"),
            },
            RuleChange::Disable(id) => match self.slot_mut(&id) {
                Some(slot) => {
                    slot.disabled = true;
                    tracing::info!(rule = %id, "rule disabled");
                }
                None => tracing::warn!(rule = %id, "cannot disable an unknown rule"),
            },
        }
        self.rebuild_index();
    }

    fn slot_mut(&mut self, id: &str) -> Option<&mut Slot> {
        self.slots
            .iter_mut()
            .find(|s| &*s.instance.metadata().id == id)
    }

    fn upsert(&mut self, instance: RuleInstance) {
        let id = instance.metadata().id.clone();
        let schema = instance.metadata().state_schema_version;
        let version = instance.metadata().version.clone();
        let Some(at) = self
            .slots
            .iter()
            .position(|s| s.instance.metadata().id == id)
        else {
            tracing::info!(rule = %id, version = %version, origin = %instance.origin(), "rule added");
            self.slots.push(Slot::new(instance));
            return;
        };
        let slot = &mut self.slots[at];
        let old = slot.instance.metadata();
        let (old_version, old_schema) = (old.version.clone(), old.state_schema_version);
        let was_removed = slot.removed_at.is_some();
        let disabled = slot.disabled;
        if old_schema == schema {
            tracing::info!(rule = %id, from = %old_version, to = %version, "rule reloaded; state carried over");
        } else {
            self.state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear(&id);
            tracing::info!(rule = %id, from = %old_version, to = %version, old_schema, new_schema = schema,
                "rule reloaded with a new state schema; it starts with empty state");
        }
        if was_removed {
            tracing::info!(rule = %id, "removed rule added back within its grace period");
        }
        slot.replace(instance);
        slot.disabled = disabled;
    }

    /// Drops the state of rules removed longer ago than the grace period.
    pub(super) fn drop_expired_removals(&mut self) {
        let grace = self.config.removal_grace;
        let now = Instant::now();
        for slot in &mut self.slots {
            if slot
                .removed_at
                .is_some_and(|at| now.duration_since(at) >= grace)
                && !slot.stats.state_dropped
            {
                let id = slot.instance.metadata().id.clone();
                self.state
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clear(&id);
                slot.stats.state_dropped = true;
                tracing::info!(rule = %id, "grace period over; removed rule's state dropped");
            }
        }
    }

    /// The state of every rule the pipeline knows.
    pub fn rules_status(&self) -> Vec<RuleStatus> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.slots
            .iter()
            .map(|slot| {
                let metadata = slot.instance.metadata();
                let status = if slot.removed_at.is_some() {
                    "removed"
                } else if slot.disabled {
                    "disabled"
                } else if slot.is_quarantined() {
                    "quarantined"
                } else {
                    "active"
                };
                RuleStatus {
                    id: metadata.id.to_string(),
                    slug: metadata.slug.clone(),
                    version: metadata.version.clone(),
                    state_schema_version: metadata.state_schema_version,
                    origin: slot.instance.origin().to_owned(),
                    status,
                    state_entries: state.len(&metadata.id),
                    events: slot.stats.events,
                    calls: slot.stats.calls,
                    alerts: slot.stats.alerts,
                    failures: slot.stats.failures.clone(),
                    p50_us: slot.stats.call_times.quantile(0.5).as_secs_f64() * 1e6,
                    p99_us: slot.stats.call_times.quantile(0.99).as_secs_f64() * 1e6,
                }
            })
            .collect()
    }
}
