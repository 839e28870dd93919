//! One loaded rule: its instance, its store, and the calls into it.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::Store;

use super::{
    DetectionRule, DetectionRulePre, EPOCH_TICK, Limits, LoadError, RuleContext, RuleMetadata,
    Runtime, SharedState, wit,
};

/// Why a call into a rule failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The call ran past its deadline.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The rule tried to grow its memory past the cap.
    #[error("exceeded its memory limit of {0} bytes")]
    MemoryLimit(usize),
    /// The rule trapped (a panic, an unreachable, a WASI call, ...).
    #[error("trapped: {0}")]
    Trap(String),
    /// The rule returned an error of its own.
    #[error("reported failure: {0}")]
    Rule(String),
}

impl CallError {
    /// A short, stable name of the failure's kind, for counters.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::Timeout(_) => "timeout",
            CallError::MemoryLimit(_) => "memory_limit",
            CallError::Trap(_) => "trap",
            CallError::Rule(_) => "rule_error",
        }
    }
}

/// A rule ready to be called.
pub struct RuleInstance {
    metadata: RuleMetadata,
    origin: String,
    pre: DetectionRulePre<RuleContext>,
    state: SharedState,
    limits: Limits,
    engine: wasmtime::Engine,
    live: Option<(Store<RuleContext>, DetectionRule)>,
}

impl RuleInstance {
    /// Instantiates the component, reads and validates its metadata.
    pub(super) fn new(
        origin: &str,
        pre: DetectionRulePre<RuleContext>,
        runtime: &Runtime,
    ) -> Result<RuleInstance, LoadError> {
        let mut instance = RuleInstance {
            // Replaced by the real metadata below, before anyone can read it.
            metadata: placeholder_metadata(),
            origin: origin.into(),
            pre,
            state: runtime.state().clone(),
            limits: runtime.limits().clone(),
            engine: runtime.engine().clone(),
            live: None,
        };
        let raw = instance
            .call(|bindings, store| bindings.ferrule_detect_rule().call_metadata(store).map(Ok))
            .map_err(|error| LoadError::MetadataCall {
                path: origin.into(),
                error,
            })?;
        instance.metadata =
            RuleMetadata::from_wit(raw).map_err(|error| LoadError::InvalidMetadata {
                path: origin.into(),
                error,
            })?;
        let rule_id = instance.metadata.id.clone();
        if let Some((store, _)) = &mut instance.live {
            store.data_mut().set_rule_id(rule_id);
        }
        Ok(instance)
    }

    /// Calls the rule with an empty batch and discards whatever it wrote to
    /// state: proof that a candidate can be called before it replaces a
    /// running version.
    ///
    /// # Errors
    ///
    /// The call's [`CallError`].
    pub fn smoke_test(&mut self) -> Result<(), CallError> {
        self.call(|bindings, store| {
            let outcome = bindings
                .ferrule_detect_rule()
                .call_on_events(&mut *store, &[]);
            store.data_mut().rollback();
            outcome.map(|result| result.map(|_| ()))
        })
    }

    /// The rule's validated metadata.
    pub fn metadata(&self) -> &RuleMetadata {
        &self.metadata
    }

    /// Where the rule was loaded from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Hands the rule a batch of encoded events.
    ///
    /// # Errors
    ///
    /// A [`CallError`]; the rule's state writes of this call are then
    /// discarded.
    pub fn on_events(&mut self, batch: &[u8]) -> Result<Vec<wit::Alert>, CallError> {
        self.call(|bindings, store| bindings.ferrule_detect_rule().call_on_events(store, batch))
    }

    /// Tells the rule the watermark has advanced.
    ///
    /// # Errors
    ///
    /// As for [`RuleInstance::on_events`].
    pub fn on_tick(&mut self, watermark: i64) -> Result<Vec<wit::Alert>, CallError> {
        self.call(|bindings, store| {
            bindings
                .ferrule_detect_rule()
                .call_on_tick(store, watermark)
        })
    }

    /// Runs one export call under the deadline, in a state transaction that
    /// commits only if the call neither trapped nor reported a failure.
    fn call<R>(
        &mut self,
        f: impl FnOnce(&DetectionRule, &mut Store<RuleContext>) -> wasmtime::Result<Result<R, String>>,
    ) -> Result<R, CallError> {
        // The deadline is relative to the current epoch and must be reset
        // before every entry into the guest, instantiation included: a
        // deadline set once would expire and trap a later, innocent call.
        let ticks = self
            .limits
            .call_timeout
            .as_nanos()
            .div_ceil(EPOCH_TICK.as_nanos())
            .max(1);
        let ticks = u64::try_from(ticks).unwrap_or(u64::MAX);
        let (store, bindings) = match &mut self.live {
            Some(live) => live,
            None => {
                let rule_id: Arc<str> = self.metadata.id.clone();
                let context = RuleContext::new(rule_id, self.state.clone(), &self.limits);
                let mut store = Store::new(&self.engine, context);
                store.limiter(|context| &mut context.store_limits);
                store.set_epoch_deadline(ticks);
                let bindings = self
                    .pre
                    .instantiate(&mut store)
                    .map_err(|e| self.classify(e))?;
                self.live.insert((store, bindings))
            }
        };
        store.data_mut().begin_call();
        store.set_epoch_deadline(ticks);
        let outcome = f(bindings, store);
        let dropped = store.data().dropped_log_lines();
        if dropped > 0 {
            tracing::warn!(rule = %self.metadata.id, dropped, "rule log lines dropped over the per-call limit");
        }
        match outcome {
            Ok(Ok(result)) => {
                store.data_mut().commit();
                Ok(result)
            }
            Ok(Err(failure)) => {
                store.data_mut().rollback();
                Err(CallError::Rule(failure))
            }
            Err(error) => {
                store.data_mut().rollback();
                // A trapped instance may not be entered again; the next call
                // makes a fresh one. State is in the host and survives.
                self.live = None;
                Err(self.classify(error))
            }
        }
    }

    fn classify(&self, error: wasmtime::Error) -> CallError {
        if let Some(trap) = error.downcast_ref::<wasmtime::Trap>()
            && *trap == wasmtime::Trap::Interrupt
        {
            return CallError::Timeout(self.limits.call_timeout);
        }
        let text = format!("{error:#}");
        if text.contains("forcing trap when growing memory") {
            return CallError::MemoryLimit(self.limits.memory_bytes);
        }
        CallError::Trap(text)
    }
}

fn placeholder_metadata() -> RuleMetadata {
    RuleMetadata {
        id: "(loading)".into(),
        slug: String::new(),
        name: String::new(),
        description: String::new(),
        version: String::new(),
        state_schema_version: 0,
        severity: "low",
        risk_score: 0,
        threats: Vec::new(),
        references: Vec::new(),
        interests: Vec::new(),
        wants_tick: false,
        event_time_order: false,
        needs_enrichment: Vec::new(),
    }
}
