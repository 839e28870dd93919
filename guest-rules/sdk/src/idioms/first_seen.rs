//! First seen (new terms).

use crate::event::Event;
use crate::state;

/// Alerts on a tuple of values not seen within a history window.
///
/// Every check records the tuple, whether it was new or not, so the history
/// is built from every matching event. One host call per check.
#[derive(Debug, Clone, Copy)]
pub struct FirstSeen {
    name: &'static str,
    history_ms: i64,
}

impl FirstSeen {
    /// A first-seen history called `name` (unique within the rule) that
    /// remembers a tuple for `history_ms` of event time.
    pub const fn new(name: &'static str, history_ms: i64) -> Self {
        FirstSeen { name, history_ms }
    }

    /// Records `term` as seen at `event`'s time and returns whether it was
    /// not seen in the `history_ms` before. A term with an empty part is
    /// never new (as upstream new-terms rules skip events missing a field)
    /// and is not recorded.
    pub fn check(&self, term: &[&str], event: &Event<'_>) -> bool {
        if term.iter().any(|part| part.is_empty()) {
            return false;
        }
        let now = event.timestamp_ms();
        let key = super::key("first-seen", self.name, term);
        let previous = state::touch(&key, now, now.saturating_add(self.history_ms));
        previous.is_none_or(|seen| now.saturating_sub(seen) > self.history_ms)
    }
}
