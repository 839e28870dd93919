//! The rule's state, kept by the host.
//!
//! Keys are private to the rule. Every entry expires at an instant of event
//! time: the host drops it once the watermark passes that instant, and it
//! stays readable until then. Use [`expires_after`] to compute the instant
//! from the event being handled, so that replaying old logs keeps entries
//! as long as watching them live did. The [`idioms`](crate::idioms) build
//! first-seen histories, sequences, windows and suppression on these calls.
//!
//! Each call crosses into the host (a few hundred nanoseconds); a rule
//! should make one or two per event, not one per field.

#[cfg(target_arch = "wasm32")]
use crate::bindings::ferrule::detect::state as host;
use crate::event::Event;
use crate::idioms::{WindowEntry, WindowStats};
#[cfg(not(target_arch = "wasm32"))]
use crate::native::state_imports as host;

/// An expiry that never comes.
pub const NEVER: i64 = i64::MAX;

/// The event-time instant `ttl_ms` after `event`'s timestamp.
pub fn expires_after(event: &Event<'_>, ttl_ms: i64) -> i64 {
    event.timestamp_ms().saturating_add(ttl_ms)
}

/// The value under `key`, if present and not expired.
pub fn get(key: &str) -> Option<Vec<u8>> {
    host::get(key)
}

/// Stores `value` under `key` until `expires_at` (event time, ms).
pub fn set(key: &str, value: &[u8], expires_at: i64) {
    host::set(key, value, expires_at);
}

/// Removes `key`.
pub fn delete(key: &str) {
    host::delete(key);
}

/// Adds `delta` to the counter under `key`, sets its expiry, and returns the
/// new count.
pub fn increment(key: &str, delta: i64, expires_at: i64) -> i64 {
    host::increment(key, delta, expires_at)
}

/// Records `key` as seen at `at` and returns when it was last seen before.
pub fn touch(key: &str, at: i64, expires_at: i64) -> Option<i64> {
    host::touch(key, at, expires_at)
}

/// Adds an entry to the sliding window under `key` and returns its counts.
pub fn window_add(
    key: &str,
    at: i64,
    span: i64,
    capacity: u32,
    member: &str,
    tag: &str,
) -> WindowStats {
    host::window_add(key, at, span, capacity, member, tag)
}

/// The entries of the window under `key`, oldest first.
pub fn window_entries(key: &str) -> Vec<WindowEntry> {
    host::window_entries(key)
}
