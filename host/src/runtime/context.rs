//! What a rule's store holds, and the host side of its imports: the state
//! store and the log.

use std::sync::Arc;

use wasmtime::StoreLimits;

use super::ferrule::detect::{log, state};
use super::{Limits, SharedState};
use crate::state::{Entry, MAX_WINDOW_CAPACITY, StateStore, Stored, Transaction, WindowItem};

/// Longest window member or tag, in bytes.
const MAX_WINDOW_LABEL_BYTES: usize = 1024;

/// Per-rule data kept in its wasmtime store.
pub struct RuleContext {
    rule_id: Arc<str>,
    state: SharedState,
    transaction: Transaction,
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

    /// Prepares for a call.
    pub(super) fn begin_call(&mut self) {
        self.rollback();
        self.log_lines = 0;
        self.dropped_log_lines = 0;
    }

    /// Applies the call's state writes.
    pub(super) fn commit(&mut self) {
        if !self.transaction.is_empty() {
            self.with_store(|transaction, store, rule| transaction.commit(store, rule));
        }
    }

    /// Discards the call's state writes.
    pub(super) fn rollback(&mut self) {
        if !self.transaction.is_empty() {
            self.with_store(|transaction, store, rule| transaction.rollback(store, rule));
        }
    }

    /// Log lines the last call wrote beyond its allowance.
    pub(super) fn dropped_log_lines(&self) -> usize {
        self.dropped_log_lines
    }

    fn check_write_limit(&self) -> wasmtime::Result<()> {
        if self.transaction.len() >= self.limits.max_state_writes_per_call {
            return Err(wasmtime::format_err!(
                "state write limit exceeded: more than {} keys written in one call",
                self.limits.max_state_writes_per_call
            ));
        }
        Ok(())
    }

    /// Runs `f` on the call's transaction with the store locked. A lock
    /// poisoned by a panic elsewhere is taken over: the store only changes
    /// by whole operations, so it is consistent.
    fn with_store<R>(
        &mut self,
        f: impl FnOnce(&mut Transaction, &mut dyn StateStore, &str) -> R,
    ) -> R {
        let mut store = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut self.transaction, &mut *store, &self.rule_id)
    }

    fn stage(&mut self, key: String, entry: Option<Entry>) -> wasmtime::Result<()> {
        self.check_write_limit()?;
        self.with_store(|transaction, store, rule| transaction.put(store, rule, key, entry));
        Ok(())
    }

    /// Runs a read-modify-write on the entry under `key`, staged in the
    /// call's transaction.
    fn modify<R>(
        &mut self,
        key: &str,
        f: impl FnOnce(&mut Option<Entry>) -> R,
    ) -> wasmtime::Result<R> {
        self.check_write_limit()?;
        Ok(self.with_store(|transaction, store, rule| f(transaction.slot(store, rule, key))))
    }
}

impl state::Host for RuleContext {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.with_store(|transaction, store, rule| {
            transaction
                .get(store, rule, &key)
                .and_then(|entry| match &entry.value {
                    Stored::Bytes(bytes) => Some(bytes.clone()),
                    // A counter reads as its 8-byte little-endian value.
                    Stored::Counter(n) => Some(n.to_le_bytes().to_vec()),
                    // A window is read through `window-entries`.
                    Stored::Window(_) => None,
                })
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
        self.stage(
            key,
            Some(Entry {
                value: Stored::Bytes(value),
                expires_at,
            }),
        )
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        self.stage(key, None)
    }

    fn increment(&mut self, key: String, delta: i64, expires_at: i64) -> wasmtime::Result<i64> {
        self.modify(&key, |slot| {
            let current = match slot {
                Some(Entry {
                    value: Stored::Counter(n),
                    ..
                }) => *n,
                _ => 0,
            };
            let next = current.saturating_add(delta);
            *slot = Some(Entry {
                value: Stored::Counter(next),
                expires_at,
            });
            next
        })
    }

    fn touch(&mut self, key: String, at: i64, expires_at: i64) -> wasmtime::Result<Option<i64>> {
        self.modify(&key, |slot| {
            let previous = match slot {
                Some(Entry {
                    value: Stored::Counter(seen),
                    ..
                }) => Some(*seen),
                _ => None,
            };
            let seen = previous.map_or(at, |p| p.max(at));
            let expires_at = slot
                .as_ref()
                .map_or(expires_at, |e| e.expires_at.max(expires_at));
            *slot = Some(Entry {
                value: Stored::Counter(seen),
                expires_at,
            });
            previous
        })
    }

    fn window_add(
        &mut self,
        key: String,
        at: i64,
        span: i64,
        capacity: u32,
        member: String,
        tag: String,
    ) -> wasmtime::Result<state::WindowStats> {
        if member.len() > MAX_WINDOW_LABEL_BYTES || tag.len() > MAX_WINDOW_LABEL_BYTES {
            return Err(wasmtime::format_err!(
                "window member or tag longer than {MAX_WINDOW_LABEL_BYTES} bytes under key {key:?}"
            ));
        }
        self.check_write_limit()?;
        let capacity = (capacity as usize).min(MAX_WINDOW_CAPACITY);
        let item = WindowItem { at, member, tag };
        let stats = self.with_store(|transaction, store, rule| {
            transaction.window_add(store, rule, &key, item, span, capacity)
        });
        Ok(state::WindowStats {
            count: stats.count,
            distinct: stats.distinct,
            oldest: stats.oldest,
            dropped: stats.dropped,
        })
    }

    fn window_entries(&mut self, key: String) -> wasmtime::Result<Vec<state::WindowEntry>> {
        Ok(self.with_store(
            |transaction, store, rule| match transaction.get(store, rule, &key) {
                Some(Entry {
                    value: Stored::Window(window),
                    ..
                }) => window
                    .items()
                    .map(|i| state::WindowEntry {
                        at: i.at,
                        member: i.member.clone(),
                        tag: i.tag.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        ))
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
