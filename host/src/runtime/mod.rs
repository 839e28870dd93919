//! Rule execution on wasmtime's component model.
//!
//! One [`Runtime`] owns the wasmtime engine, shared by every rule. Each rule
//! is compiled once and instantiated once into its own store, and that
//! instance is reused for every call ([`RuleInstance`]).
//!
//! # Sandbox
//!
//! - No WASI capability is granted. A component built by Rust for
//!   `wasm32-wasip2` imports WASI interfaces (stdio, environment, clocks)
//!   even when it never uses them; those imports are satisfied with
//!   functions that trap, so a rule can name them but never reach a file,
//!   socket, clock or environment variable.
//! - Each call runs under a deadline (epoch interruption: a background
//!   thread ticks the engine's epoch every [`EPOCH_TICK`], and the deadline
//!   is reset before every call). A call past its deadline traps.
//! - Each rule's linear memory is capped ([`Limits::memory_bytes`]); growing
//!   past the cap traps.
//! - What a rule returns is untrusted input: metadata is validated at load
//!   and alerts are validated before they are written.
//!
//! After a trap the instance is discarded and a fresh one is made from the
//! pre-instantiated component (a few microseconds); the rule's state lives
//! in the host and is not lost.

pub mod compile;
mod context;
mod instance;
pub mod metadata;
pub mod native;

pub use context::RuleContext;
pub use instance::{CallError, RuleInstance};
pub use metadata::{Interest, InvalidMetadata, RuleMetadata};
pub use native::NativeRule;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

use crate::state::StateStore;

/// Interval of the epoch ticker that enforces call deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

wasmtime::component::bindgen!({
    path: "../wit",
    world: "detection-rule",
    imports: { default: trappable },
});

/// The host side of the `log` interface a rule imports.
pub use self::ferrule::detect::log as wit_log;
/// The host side of the `state` interface a rule imports.
pub use self::ferrule::detect::state as wit_state;
pub use self::ferrule::detect::types as wit;

/// The state store shared by every rule of a runtime.
pub type SharedState = Arc<Mutex<dyn StateStore>>;

/// Resource limits applied to every rule call.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest a single call (a batch of events, or a tick) may run.
    pub call_timeout: Duration,
    /// Largest linear memory a rule may grow to, in bytes.
    pub memory_bytes: usize,
    /// Most distinct state keys one call may write.
    pub max_state_writes_per_call: usize,
    /// Largest state value, in bytes.
    pub max_state_value_bytes: usize,
    /// Most log lines one call may write; the rest are counted and dropped.
    pub max_log_lines_per_call: usize,
    /// Longest a rule may take to compile before it is rejected.
    pub compile_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            call_timeout: Duration::from_millis(250),
            memory_bytes: 64 * 1024 * 1024,
            max_state_writes_per_call: 100_000,
            max_state_value_bytes: 1024 * 1024,
            max_log_lines_per_call: 64,
            compile_timeout: Duration::from_secs(60),
        }
    }
}

/// Why a rule could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read: {error}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The bytes are not a valid WebAssembly component.
    #[error("{path}: not a valid WebAssembly component: {reason}")]
    NotAComponent {
        /// The file.
        path: String,
        /// wasmtime's explanation.
        reason: String,
    },
    /// The component does not implement the `ferrule:detect` world.
    #[error("{path}: does not implement the ferrule:detect/detection-rule world: {reason}")]
    WrongWorld {
        /// The file.
        path: String,
        /// wasmtime's explanation.
        reason: String,
    },
    /// Compiling took longer than the limit.
    #[error("{path}: rejected: compilation took longer than {limit:?}")]
    CompileTimeout {
        /// The file.
        path: String,
        /// The limit.
        limit: Duration,
    },
    /// The smoke call (an empty batch) failed.
    #[error("{path}: smoke call failed: {error}")]
    SmokeCall {
        /// The file.
        path: String,
        /// The failure.
        error: CallError,
    },
    /// Calling `metadata` failed (trap or timeout).
    #[error("{path}: metadata call failed: {error}")]
    MetadataCall {
        /// The file.
        path: String,
        /// The failure.
        error: CallError,
    },
    /// The metadata is invalid.
    #[error("{path}: invalid metadata: {error}")]
    InvalidMetadata {
        /// The file.
        path: String,
        /// What is wrong.
        error: InvalidMetadata,
    },
    /// The engine could not be configured.
    #[error("wasmtime engine: {0}")]
    Engine(String),
}

/// The wasmtime engine and linker shared by all rules.
pub struct Runtime {
    engine: Engine,
    compiler: compile::Compiler,
    linker: Linker<RuleContext>,
    limits: Limits,
    state: SharedState,
}

impl Runtime {
    /// A runtime whose rules keep state in `state` and run under `limits`,
    /// compiling every component it loads.
    ///
    /// # Errors
    ///
    /// [`LoadError::Engine`] if wasmtime rejects the configuration.
    pub fn new(limits: Limits, state: SharedState) -> Result<Runtime, LoadError> {
        Runtime::with_cache(limits, state, None)
    }

    /// As [`Runtime::new`], keeping compiled components in `cache_dir` (see
    /// [`compile`]).
    ///
    /// # Errors
    ///
    /// [`LoadError::Engine`] if wasmtime rejects the configuration.
    pub fn with_cache(
        limits: Limits,
        state: SharedState,
        cache_dir: Option<PathBuf>,
    ) -> Result<Runtime, LoadError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        // Rules are synchronous; without concurrency support each call skips
        // the setup of the component model's task machinery.
        config.concurrency_support(false);
        // Rules are built without debug names; a backtrace of numbered
        // functions would only bury the trap's reason in the log.
        config.wasm_backtrace_max_frames(None);
        let engine = Engine::new(&config).map_err(|e| LoadError::Engine(e.to_string()))?;
        start_epoch_ticker(&engine);

        let mut linker = Linker::new(&engine);
        DetectionRule::add_to_linker::<RuleContext, HasSelf<RuleContext>>(&mut linker, |c| c)
            .map_err(|e| LoadError::Engine(e.to_string()))?;
        let compiler = compile::Compiler::new(&engine, cache_dir, limits.compile_timeout);
        Ok(Runtime {
            engine,
            compiler,
            linker,
            limits,
            state,
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The limits rules run under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The shared state store.
    pub fn state(&self) -> &SharedState {
        &self.state
    }

    /// Compiles, instantiates and validates the component in `path`.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] saying why the file is not a usable rule.
    pub fn load_file(&self, path: &Path) -> Result<RuleInstance, LoadError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|error| LoadError::Read {
            path: name.clone(),
            error,
        })?;
        self.load_bytes(&name, &bytes)
    }

    /// Compiles, instantiates and validates a component from memory;
    /// `origin` names it in messages.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] saying why the bytes are not a usable rule.
    pub fn load_bytes(&self, origin: &str, bytes: &[u8]) -> Result<RuleInstance, LoadError> {
        let component = self.compiler.compile(bytes).map_err(|error| match error {
            compile::CompileError::Invalid(reason) => LoadError::NotAComponent {
                path: origin.into(),
                reason,
            },
            compile::CompileError::Timeout(limit) => LoadError::CompileTimeout {
                path: origin.into(),
                limit,
            },
        })?;
        // Satisfy WASI imports that Rust's standard library brings along with
        // functions that trap: the rule can be linked, never granted access.
        let mut linker = self.linker.clone();
        linker
            .define_unknown_imports_as_traps(&component)
            .map_err(|e| LoadError::WrongWorld {
                path: origin.into(),
                reason: format!("{e:#}"),
            })?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::WrongWorld {
                path: origin.into(),
                reason: format!("{e:#}"),
            })?;
        let pre = DetectionRulePre::new(pre).map_err(|e| LoadError::WrongWorld {
            path: origin.into(),
            reason: format!("{e:#}"),
        })?;
        RuleInstance::new(origin, pre, self)
    }

    /// Wraps a rule compiled into the process (see [`native`]); `origin`
    /// names it in messages.
    ///
    /// # Errors
    ///
    /// [`LoadError::InvalidMetadata`] if its metadata is invalid.
    pub fn load_native(
        &self,
        origin: &str,
        rule: Box<dyn NativeRule>,
    ) -> Result<RuleInstance, LoadError> {
        RuleInstance::native(origin, rule, self)
    }
}

fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("ferrule-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })
        .expect("spawning the epoch ticker thread");
}
