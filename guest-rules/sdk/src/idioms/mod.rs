//! The stateful idioms of detection rules, on top of the host's state
//! store, on event time.
//!
//! - [`FirstSeen`]: new terms, a tuple of values not seen within a history
//!   window (one host call per event);
//! - [`Sequence`]: ordered steps joined on a key within a maximum span;
//! - [`SlidingWindow`]: counts and distinct counts per key over a sliding
//!   span, with bounded memory (one host call per event);
//! - [`Suppression`]: one alert per key per window, carrying how many it
//!   stood for;
//! - [`WindowContext`]: several fields of each event packed into a window's
//!   members, and their distinct values across the window for the alert
//!   (no host calls of its own);
//! - [`RecentValues`]: the recent distinct values of several fields per
//!   key, each with when it was last seen, by which event and how often
//!   (one read and at most one write per key and call, however many events
//!   the call brings);
//! - [`tier`] and [`ratio`]: the score computations aggregate rules use.
//!
//! Each idiom namespaces its keys with its own name, so a rule can use
//! several. The idioms compare the event times they stored rather than
//! relying on expiry, so their answers are exact. They assume the rule
//! takes its events in event-time order (`Rule::DELIVERY` set to
//! [`Delivery::EventTime`](crate::Delivery::EventTime)): the host then hands
//! them over in the same order whatever order they arrived in, and the
//! answers do not depend on arrival order within the allowed lateness.

mod context;
mod first_seen;
mod recent;
mod sequence;
mod suppression;
mod window;

pub use context::WindowContext;
pub use first_seen::FirstSeen;
pub use recent::{RecentSnapshot, RecentValue, RecentValues};
pub use sequence::{Completed, Sequence};
pub use suppression::Suppression;
pub use window::{SlidingWindow, WindowEntry, WindowStats, ratio, tier};

/// Prepares the idioms for a rule call: drops anything an earlier call that
/// failed left behind.
pub(crate) fn begin_call() {
    recent::begin_call();
}

/// Ends a rule call that succeeded: writes back what the idioms held for
/// the length of the call.
pub(crate) fn end_call() {
    recent::end_call();
}

/// Joins the parts of a key with a separator that cannot occur in ECS
/// values (the ASCII unit separator), so `("a", "bc")` and `("ab", "c")`
/// stay apart.
pub fn key(idiom: &str, name: &str, parts: &[&str]) -> String {
    let mut key = String::with_capacity(
        idiom.len() + name.len() + parts.iter().map(|p| p.len() + 1).sum::<usize>() + 1,
    );
    key.push_str(idiom);
    key.push('/');
    key.push_str(name);
    for part in parts {
        key.push('\u{1f}');
        key.push_str(part);
    }
    key
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_parts_cannot_run_together() {
        assert_ne!(
            super::key("fs", "n", &["a", "bc"]),
            super::key("fs", "n", &["ab", "c"])
        );
        assert_ne!(super::key("fs", "x", &["a"]), super::key("fs", "y", &["a"]));
    }
}
