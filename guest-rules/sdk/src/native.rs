//! A rule compiled into the host process instead of into a component.
//!
//! The same rule crate builds two ways: for `wasm32` it becomes a
//! WebAssembly component whose state and log calls are WIT imports; for
//! any other target [`export_rule!`](crate::export_rule) instead provides
//! `native_rule()`, a [`NativeRule`] whose calls reach the host through a
//! [`Host`] the caller installs for the duration of each call. The rule's
//! code, its SDK and its event layout are identical in both builds, so
//! comparing them measures the sandbox and nothing else.
//!
//! A native rule has no sandbox: no memory cap, no deadline, and a panic
//! unwinds into the caller. It exists for benchmarks and equivalence tests,
//! not for running third-party rules.

use std::cell::Cell;
use std::ptr::NonNull;

use crate::bindings::ferrule::detect::log::Level;
use crate::bindings::ferrule::detect::types as wit;
use crate::idioms::{WindowEntry, WindowStats};
use crate::{Adapter, Failure, Rule};

/// What a native rule calls instead of its WIT imports: the host's state
/// store and log, as the component model would have offered them.
pub trait Host {
    /// See [`crate::state::get`].
    fn get(&mut self, key: &str) -> Option<Vec<u8>>;
    /// See [`crate::state::set`].
    fn set(&mut self, key: &str, value: &[u8], expires_at: i64);
    /// See [`crate::state::delete`].
    fn delete(&mut self, key: &str);
    /// See [`crate::state::increment`].
    fn increment(&mut self, key: &str, delta: i64, expires_at: i64) -> i64;
    /// See [`crate::state::touch`].
    fn touch(&mut self, key: &str, at: i64, expires_at: i64) -> Option<i64>;
    /// See [`crate::state::window_add`].
    #[allow(clippy::too_many_arguments)]
    fn window_add(
        &mut self,
        key: &str,
        at: i64,
        span: i64,
        capacity: u32,
        member: &str,
        tag: &str,
    ) -> WindowStats;
    /// See [`crate::state::window_entries`].
    fn window_entries(&mut self, key: &str) -> Vec<WindowEntry>;
    /// See [`crate::log`].
    fn log(&mut self, level: Level, message: &str);
}

/// The entry points of one rule compiled into the process.
#[derive(Clone, Copy)]
pub struct NativeRule {
    metadata: fn() -> wit::RuleMetadata,
    on_events: fn(&[u8]) -> Result<Vec<wit::Alert>, Failure>,
    on_tick: fn(i64) -> Result<Vec<wit::Alert>, Failure>,
}

impl NativeRule {
    /// The entry points of rule `R`. Used by
    /// [`export_rule!`](crate::export_rule).
    pub fn of<R: Rule>() -> NativeRule {
        NativeRule {
            metadata: Adapter::<R>::metadata,
            on_events: Adapter::<R>::events,
            on_tick: Adapter::<R>::tick,
        }
    }

    /// The rule's metadata, as its component would return it.
    pub fn metadata(&self) -> wit::RuleMetadata {
        (self.metadata)()
    }

    /// Handles a batch of encoded events with `host` as the rule's state
    /// and log.
    ///
    /// # Errors
    ///
    /// The rule's own [`Failure`].
    pub fn on_events(&self, host: &mut dyn Host, batch: &[u8]) -> Result<Vec<wit::Alert>, Failure> {
        with_host(host, || (self.on_events)(batch))
    }

    /// Tells the rule the watermark has advanced, with `host` as its state
    /// and log.
    ///
    /// # Errors
    ///
    /// The rule's own [`Failure`].
    pub fn on_tick(&self, host: &mut dyn Host, watermark: i64) -> Result<Vec<wit::Alert>, Failure> {
        with_host(host, || (self.on_tick)(watermark))
    }
}

thread_local! {
    /// The host of the native call running on this thread, if any.
    static CURRENT: Cell<Option<NonNull<dyn Host + 'static>>> = const { Cell::new(None) };
}

/// Runs `f` with `host` installed as this thread's host, restoring the
/// previous one afterwards, even if `f` panics.
fn with_host<T>(host: &mut dyn Host, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<NonNull<dyn Host + 'static>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|current| current.set(self.0));
        }
    }
    // SAFETY: the pointer is only dereferenced by `call_host` while `f`
    // runs, and `Restore` removes it before `host`'s borrow ends, so it
    // never outlives the object it points to.
    let erased: NonNull<dyn Host + 'static> = unsafe { std::mem::transmute(NonNull::from(host)) };
    let _restore = Restore(CURRENT.with(|current| current.replace(Some(erased))));
    f()
}

/// Calls the host installed for the native call running on this thread.
///
/// # Panics
///
/// Outside a call made through [`NativeRule`], where a component would have
/// had no imports either.
pub(crate) fn call_host<T>(f: impl FnOnce(&mut dyn Host) -> T) -> T {
    let mut host = CURRENT
        .with(Cell::get)
        .expect("a native rule used state or log outside a call from its host");
    // SAFETY: set by `with_host` from a live `&mut dyn Host` for the
    // duration of the call; the calls below never nest, so there is one
    // mutable borrow at a time.
    f(unsafe { host.as_mut() })
}

/// The state imports, answered by the installed [`Host`].
pub(crate) mod state_imports {
    use super::{WindowEntry, WindowStats, call_host};

    pub fn get(key: &str) -> Option<Vec<u8>> {
        call_host(|host| host.get(key))
    }

    pub fn set(key: &str, value: &[u8], expires_at: i64) {
        call_host(|host| host.set(key, value, expires_at));
    }

    pub fn delete(key: &str) {
        call_host(|host| host.delete(key));
    }

    pub fn increment(key: &str, delta: i64, expires_at: i64) -> i64 {
        call_host(|host| host.increment(key, delta, expires_at))
    }

    pub fn touch(key: &str, at: i64, expires_at: i64) -> Option<i64> {
        call_host(|host| host.touch(key, at, expires_at))
    }

    pub fn window_add(
        key: &str,
        at: i64,
        span: i64,
        capacity: u32,
        member: &str,
        tag: &str,
    ) -> WindowStats {
        call_host(|host| host.window_add(key, at, span, capacity, member, tag))
    }

    pub fn window_entries(key: &str) -> Vec<WindowEntry> {
        call_host(|host| host.window_entries(key))
    }
}

/// The log import, answered by the installed [`Host`].
pub(crate) mod log_imports {
    pub use crate::bindings::ferrule::detect::log::Level;

    pub fn log(level: Level, message: &str) {
        super::call_host(|host| host.log(level, message));
    }
}
