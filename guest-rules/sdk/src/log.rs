//! Diagnostics from a rule, written to the host's log with the rule's id.
//!
//! Each call crosses into the host, so keep logging off the per-event path
//! except for rare conditions.

#[cfg(target_arch = "wasm32")]
use crate::bindings::ferrule::detect::log::{Level, log};
#[cfg(not(target_arch = "wasm32"))]
use crate::native::log_imports::{Level, log};

/// Logs at debug level.
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Logs at info level.
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Logs at warn level.
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Logs at error level.
pub fn error(message: &str) {
    log(Level::Error, message);
}

/// Routes panic messages to the host log. A component has no stderr the
/// host reads, so without this a panic would surface as a bare trap. A
/// native build leaves the process's panic hook alone.
#[cfg(target_arch = "wasm32")]
pub(crate) fn install_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            error(&format!("rule panicked: {info}"));
        }));
    });
}
