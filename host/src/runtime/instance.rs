//! One loaded rule: its instance, its store, and the calls into it.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::Store;

use super::{
    DetectionRule, DetectionRulePre, EPOCH_TICK, Limits, LoadError, NativeRule, RuleContext,
    RuleMetadata, Runtime, SharedState, wit,
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
    limits: Limits,
    backend: Backend,
}

/// What runs the rule's code.
enum Backend {
    /// A WebAssembly component, instantiated on first use and again after
    /// a trap.
    Component {
        pre: DetectionRulePre<RuleContext>,
        state: SharedState,
        engine: wasmtime::Engine,
        /// Boxed: the bindings are large, and instances move through channels.
        live: Option<Box<(Store<RuleContext>, DetectionRule)>>,
    },
    /// A rule compiled into the process (see [`NativeRule`]).
    Native {
        rule: Box<dyn NativeRule>,
        context: Box<RuleContext>,
    },
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
            limits: runtime.limits().clone(),
            backend: Backend::Component {
                pre,
                state: runtime.state().clone(),
                engine: runtime.engine().clone(),
                live: None,
            },
        };
        let raw = instance
            .call_component(|bindings, store| {
                bindings.ferrule_detect_rule().call_metadata(store).map(Ok)
            })
            .map_err(|error| LoadError::MetadataCall {
                path: origin.into(),
                error,
            })?;
        instance.set_metadata(raw)?;
        Ok(instance)
    }

    /// Wraps a rule compiled into the process, reads and validates its
    /// metadata.
    pub(super) fn native(
        origin: &str,
        rule: Box<dyn NativeRule>,
        runtime: &Runtime,
    ) -> Result<RuleInstance, LoadError> {
        let context = RuleContext::new(
            placeholder_metadata().id,
            runtime.state().clone(),
            runtime.limits(),
        );
        let raw = rule.metadata();
        let mut instance = RuleInstance {
            metadata: placeholder_metadata(),
            origin: origin.into(),
            limits: runtime.limits().clone(),
            backend: Backend::Native {
                rule,
                context: Box::new(context),
            },
        };
        instance.set_metadata(raw)?;
        Ok(instance)
    }

    fn set_metadata(&mut self, raw: wit::RuleMetadata) -> Result<(), LoadError> {
        self.metadata =
            RuleMetadata::from_wit(raw).map_err(|error| LoadError::InvalidMetadata {
                path: self.origin.clone(),
                error,
            })?;
        let rule_id = self.metadata.id.clone();
        match &mut self.backend {
            Backend::Component {
                live: Some(live), ..
            } => live.0.data_mut().set_rule_id(rule_id),
            Backend::Component { live: None, .. } => {}
            Backend::Native { context, .. } => context.set_rule_id(rule_id),
        }
        Ok(())
    }

    /// Calls the rule with an empty batch and discards whatever it wrote to
    /// state: proof that a candidate can be called before it replaces a
    /// running version.
    ///
    /// # Errors
    ///
    /// The call's [`CallError`].
    pub fn smoke_test(&mut self) -> Result<(), CallError> {
        if let Backend::Native { rule, context } = &mut self.backend {
            context.begin_call();
            let outcome = call_native(|| rule.on_events(context, &[]));
            context.rollback();
            return outcome.map(|_| ());
        }
        self.call_component(|bindings, store| {
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
        if let Backend::Native { rule, context } = &mut self.backend {
            return in_transaction(context, |context| {
                call_native(|| rule.on_events(context, batch))
            });
        }
        self.call_component(|bindings, store| {
            bindings.ferrule_detect_rule().call_on_events(store, batch)
        })
    }

    /// Tells the rule the watermark has advanced.
    ///
    /// # Errors
    ///
    /// As for [`RuleInstance::on_events`].
    pub fn on_tick(&mut self, watermark: i64) -> Result<Vec<wit::Alert>, CallError> {
        if let Backend::Native { rule, context } = &mut self.backend {
            return in_transaction(context, |context| {
                call_native(|| rule.on_tick(context, watermark))
            });
        }
        self.call_component(|bindings, store| {
            bindings
                .ferrule_detect_rule()
                .call_on_tick(store, watermark)
        })
    }

    /// Runs one export call of a component under the deadline, in a state
    /// transaction that commits only if the call neither trapped nor
    /// reported a failure.
    fn call_component<R>(
        &mut self,
        f: impl FnOnce(&DetectionRule, &mut Store<RuleContext>) -> wasmtime::Result<Result<R, String>>,
    ) -> Result<R, CallError> {
        let Backend::Component {
            pre,
            state,
            engine,
            live,
        } = &mut self.backend
        else {
            unreachable!("component calls are made on component backends only")
        };
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
        let (store, bindings) = match live {
            Some(live) => &mut **live,
            None => {
                let rule_id: Arc<str> = self.metadata.id.clone();
                let context = RuleContext::new(rule_id, state.clone(), &self.limits);
                let mut store = Store::new(engine, context);
                store.limiter(|context| &mut context.store_limits);
                store.set_epoch_deadline(ticks);
                let bindings = pre
                    .instantiate(&mut store)
                    .map_err(|e| classify(&self.limits, e))?;
                &mut **live.insert(Box::new((store, bindings)))
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
                *live = None;
                Err(classify(&self.limits, error))
            }
        }
    }
}

/// Runs a native call in a state transaction, as a component call runs.
fn in_transaction<R>(
    context: &mut RuleContext,
    f: impl FnOnce(&mut RuleContext) -> Result<R, CallError>,
) -> Result<R, CallError> {
    context.begin_call();
    let outcome = f(context);
    match outcome {
        Ok(_) => context.commit(),
        Err(_) => context.rollback(),
    }
    outcome
}

/// Calls into a native rule, turning a panic into the trap a component's
/// panic would have been.
fn call_native<R>(f: impl FnOnce() -> Result<R, String>) -> Result<R, CallError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(failure)) => Err(CallError::Rule(failure)),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            Err(CallError::Trap(format!("native rule panicked: {message}")))
        }
    }
}

fn classify(limits: &Limits, error: wasmtime::Error) -> CallError {
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>()
        && *trap == wasmtime::Trap::Interrupt
    {
        return CallError::Timeout(limits.call_timeout);
    }
    let text = format!("{error:#}");
    if text.contains("forcing trap when growing memory") {
        return CallError::MemoryLimit(limits.memory_bytes);
    }
    CallError::Trap(text)
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
