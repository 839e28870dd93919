//! Ordered sequences of steps joined on a key.

use crate::codec::{Decoder, Encoder};
use crate::event::Event;
use crate::state;

/// A completed sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    /// Event time of the first step, ms.
    pub started_ms: i64,
    /// The ids of the events of each step, in order.
    pub evidence: Vec<String>,
}

/// Steps `0..steps` that must happen in order for one key, the last within
/// `max_span_ms` of the first.
///
/// A repeat of the first step restarts the sequence from the newer event,
/// so the most recent start is always the one measured against the span. A
/// step out of turn is ignored. Up to two host calls per event.
#[derive(Debug, Clone, Copy)]
pub struct Sequence {
    name: &'static str,
    steps: usize,
    max_span_ms: i64,
}

impl Sequence {
    /// A sequence called `name` (unique within the rule) of `steps` steps
    /// (at least 2) within `max_span_ms`.
    pub const fn new(name: &'static str, steps: usize, max_span_ms: i64) -> Self {
        Sequence {
            name,
            steps,
            max_span_ms,
        }
    }

    /// Records that `event` is step `step` for `key`; returns the completed
    /// sequence when this was the last step in turn, within the span.
    pub fn advance(&self, key: &[&str], step: usize, event: &Event<'_>) -> Option<Completed> {
        let state_key = super::key("sequence", self.name, key);
        let now = event.timestamp_ms();
        if step == 0 {
            self.save(&state_key, 1, now, &[event.id().to_owned()]);
            return None;
        }
        let stored = state::get(&state_key)?;
        let mut decoder = Decoder::new(&stored);
        let (next, started, mut evidence) =
            (decoder.u64()? as usize, decoder.i64()?, decoder.strs()?);
        if step != next || now.saturating_sub(started) > self.max_span_ms || now < started {
            return None;
        }
        evidence.push(event.id().to_owned());
        if step + 1 == self.steps {
            state::delete(&state_key);
            return Some(Completed {
                started_ms: started,
                evidence,
            });
        }
        self.save(&state_key, step + 1, started, &evidence);
        None
    }

    fn save(&self, key: &str, next: usize, started: i64, evidence: &[String]) {
        let value = Encoder::new()
            .u64(next as u64)
            .i64(started)
            .strs(evidence)
            .finish();
        state::set(key, &value, started.saturating_add(self.max_span_ms));
    }
}
