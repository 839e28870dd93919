//! What a rule's store holds, and the host side of its imports: the state
//! store and the log.

use std::sync::Arc;

use wasmtime::StoreLimits;

use super::ferrule::detect::{log, state};
use super::{Limits, SharedState};
use crate::state::{Entry, Stored, Transaction};

/// Per-rule data kept in its wasmtime store.
pub struct RuleContext {
    rule_id: Arc<str>,
    state: SharedState,
    transaction: Transaction,
    watermark: i64,
    pub(super) store_limits: StoreLimits,
    limits: Limits,
    log_lines: usize,
    dropped_log_lines: usize,
}

impl RuleContext {
    pub(super) fn new(rule_id: Arc<str>, state: SharedState, limits: &Limits) -> RuleContext {
        let store_limits = wasmtime::StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build();
        RuleContext {
            rule_id,
            state,
            transaction: Transaction::default(),
            watermark: i64::MIN,
            store_limits,
            limits: limits.clone(),
            log_lines: 0,
            dropped_log_lines: 0,
        }
    }

    /// Sets the rule id its keys are stored under (known only once the
    /// metadata call has returned).
    pub(super) fn set_rule_id(&mut self, rule_id: Arc<str>) {
        self.rule_id = rule_id;
    }

    /// Prepares for a call made at `watermark`.
    pub(super) fn begin_call(&mut self, watermark: i64) {
        self.watermark = watermark;
        self.transaction.rollback();
        self.log_lines = 0;
        self.dropped_log_lines = 0;
    }

    /// Applies the call's state writes.
    pub(super) fn commit(&mut self) {
        if self.transaction.is_empty() {
            return;
        }
        let mut store = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.transaction.commit(&mut *store, &self.rule_id);
    }

    /// Discards the call's state writes.
    pub(super) fn rollback(&mut self) {
        self.transaction.rollback();
    }

    /// Log lines the last call wrote beyond its allowance.
    pub(super) fn dropped_log_lines(&self) -> usize {
        self.dropped_log_lines
    }

    fn read(&self, key: &str) -> Option<Entry> {
        let store = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.transaction.get(&*store, &self.rule_id, key, self.watermark)
    }

    fn stage(&mut self, key: String, entry: Option<Entry>) -> wasmtime::Result<()> {
        if self.transaction.len() >= self.limits.max_state_writes_per_call {
            return Err(wasmtime::format_err!(
                "state write limit exceeded: more than {} keys written in one call",
                self.limits.max_state_writes_per_call
            ));
        }
        self.transaction.put(key, entry);
        Ok(())
    }
}

impl state::Host for RuleContext {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.read(&key).map(|entry| match entry.value {
            Stored::Bytes(bytes) => bytes,
            // A counter reads as its 8-byte little-endian value.
            Stored::Counter(n) => n.to_le_bytes().to_vec(),
        }))
    }

    fn set(&mut self, key: String, value: Vec<u8>, expires_at: i64) -> wasmtime::Result<()> {
        if value.len() > self.limits.max_state_value_bytes {
            return Err(wasmtime::format_err!(
                "state value of {} bytes under key {key:?} exceeds the limit of {} bytes",
                value.len(),
                self.limits.max_state_value_bytes
            ));
        }
        self.stage(key, Some(Entry { value: Stored::Bytes(value), expires_at }))
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        self.stage(key, None)
    }

    fn increment(&mut self, key: String, delta: i64, expires_at: i64) -> wasmtime::Result<i64> {
        let current = match self.read(&key).map(|e| e.value) {
            Some(Stored::Counter(n)) => n,
            _ => 0,
        };
        let next = current.saturating_add(delta);
        self.stage(key, Some(Entry { value: Stored::Counter(next), expires_at }))?;
        Ok(next)
    }
}

impl log::Host for RuleContext {
    fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        if self.log_lines >= self.limits.max_log_lines_per_call {
            self.dropped_log_lines += 1;
            return Ok(());
        }
        self.log_lines += 1;
        let mut message = message;
        if message.len() > 4096 {
            let mut cut = 4096;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str("...");
        }
        let rule = &*self.rule_id;
        match level {
            log::Level::Trace => tracing::trace!(rule, "{message}"),
            log::Level::Debug => tracing::debug!(rule, "{message}"),
            log::Level::Info => tracing::info!(rule, "{message}"),
            log::Level::Warn => tracing::warn!(rule, "{message}"),
            log::Level::Error => tracing::error!(rule, "{message}"),
        }
        Ok(())
    }
}

impl super::ferrule::detect::types::Host for RuleContext {}
