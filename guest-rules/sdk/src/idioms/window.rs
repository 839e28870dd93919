//! Sliding-window counts and distinct counts.

use crate::event::Event;
use crate::state;

pub use crate::bindings::ferrule::detect::state::{WindowEntry, WindowStats};

/// Counts entries and distinct members per key over a sliding span of event
/// time.
///
/// The host keeps the window: at most `capacity` entries per key (the host
/// caps it at 10,000), the oldest dropped first. The count and the distinct
/// count are therefore bounded by the capacity: size it above the largest
/// threshold the rule tests. One host call per added event.
#[derive(Debug, Clone, Copy)]
pub struct SlidingWindow {
    name: &'static str,
    span_ms: i64,
    capacity: u32,
}

impl SlidingWindow {
    /// A window called `name` (unique within the rule) spanning `span_ms`,
    /// keeping at most `capacity` entries per key.
    pub const fn new(name: &'static str, span_ms: i64, capacity: u32) -> Self {
        SlidingWindow {
            name,
            span_ms,
            capacity,
        }
    }

    /// Adds `event` under the key made of `key_parts`, counting `member`
    /// for distinct counts; the event id is kept for evidence. Returns the
    /// window's counts, all entries within `span_ms` before the newest.
    pub fn add(&self, key_parts: &[&str], member: &str, event: &Event<'_>) -> WindowStats {
        let key = super::key("window", self.name, key_parts);
        state::window_add(
            &key,
            event.timestamp_ms(),
            self.span_ms,
            self.capacity,
            member,
            event.id(),
        )
    }

    /// The entries under the key, oldest first.
    pub fn entries(&self, key_parts: &[&str]) -> Vec<WindowEntry> {
        state::window_entries(&super::key("window", self.name, key_parts))
    }

    /// The distinct members under the key, in order of first appearance.
    pub fn members(&self, key_parts: &[&str]) -> Vec<String> {
        let mut members: Vec<String> = Vec::new();
        for entry in self.entries(key_parts) {
            if !members.contains(&entry.member) {
                members.push(entry.member);
            }
        }
        members
    }

    /// The event ids under the key, oldest first, for evidence.
    pub fn evidence(&self, key_parts: &[&str]) -> Vec<String> {
        self.entries(key_parts).into_iter().map(|e| e.tag).collect()
    }
}

/// `part / whole`, or 0 when `whole` is 0.
pub fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The label of the highest tier whose threshold `value` reaches. `tiers`
/// are `(threshold, label)` pairs in ascending order of threshold.
pub fn tier<T: Copy>(value: f64, tiers: &[(f64, T)]) -> Option<T> {
    tiers
        .iter()
        .rev()
        .find(|(threshold, _)| value >= *threshold)
        .map(|(_, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_pick_the_highest_reached() {
        let tiers = [(2.0, "low"), (4.0, "medium"), (6.0, "high")];
        assert_eq!(tier(1.0, &tiers), None);
        assert_eq!(tier(2.0, &tiers), Some("low"));
        assert_eq!(tier(5.9, &tiers), Some("medium"));
        assert_eq!(tier(60.0, &tiers), Some("high"));
    }

    #[test]
    fn ratios_guard_against_an_empty_whole() {
        assert_eq!(ratio(1, 4), 0.25);
        assert_eq!(ratio(3, 0), 0.0);
    }
}
