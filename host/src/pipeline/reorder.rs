//! The reorder buffer for rules that take events in event-time order.
//!
//! Events for such rules wait here until the watermark passes them, then
//! leave in event-time order, ties broken by `event.id` and then by arrival.
//! The same events therefore leave in the same order whatever order they
//! arrived in, as long as each arrived within the allowed lateness.
//!
//! An event that arrives after the watermark has already passed it is late:
//! it leaves with the next release, behind events it should have preceded.
//! The buffer counts such events so the summary can report them.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use crate::event::Event;

/// An event waiting for release, with the rules it is for.
#[derive(Debug)]
pub struct Held {
    /// The event.
    pub event: Arc<Event>,
    /// Indices of the rules that take it.
    pub rules: Vec<usize>,
    arrival: u64,
}

impl Held {
    fn key(&self) -> (i64, &str, u64) {
        (self.event.timestamp_ms(), self.event.id(), self.arrival)
    }
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Held {}

impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Held {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// Holds events until the watermark releases them.
#[derive(Debug, Default)]
pub struct ReorderBuffer {
    heap: BinaryHeap<Reverse<Held>>,
    arrivals: u64,
    released_to: Option<i64>,
    late: u64,
}

impl ReorderBuffer {
    /// Holds `event` for `rules`. An input event behind the watermark
    /// already released is counted late; fed-back alerts (`input` false)
    /// never are, as they are made after the events behind them left.
    pub fn hold(&mut self, event: Arc<Event>, rules: Vec<usize>, input: bool) {
        if input
            && self
                .released_to
                .is_some_and(|to| event.timestamp_ms() <= to)
        {
            self.late += 1;
        }
        self.arrivals += 1;
        self.heap.push(Reverse(Held {
            event,
            rules,
            arrival: self.arrivals,
        }));
    }

    /// Removes and returns, in order, every event at or before `watermark`,
    /// and any late events.
    pub fn release(&mut self, watermark: i64) -> Vec<Held> {
        let mut released = Vec::new();
        while self
            .heap
            .peek()
            .is_some_and(|Reverse(h)| h.event.timestamp_ms() <= watermark)
        {
            released.push(self.heap.pop().expect("peeked").0);
        }
        self.released_to = Some(self.released_to.map_or(watermark, |to| to.max(watermark)));
        released
    }

    /// Events waiting.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.heap.len()
    }

    /// Events that arrived after the watermark had passed them.
    pub fn late(&self) -> u64 {
        self.late
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Position;
    use crate::event::{FieldValue, Fields};
    use std::borrow::Cow;

    fn event(at: i64, id: &'static str) -> Arc<Event> {
        let mut fields = Fields::new();
        fields.put("event.id", FieldValue::Text(Cow::Borrowed(id)));
        Arc::new(fields.into_event(
            Position {
                source: "t".into(),
                line: 1,
                record: None,
            },
            at,
        ))
    }

    fn ids(held: &[Held]) -> Vec<&str> {
        held.iter().map(|h| h.event.id()).collect()
    }

    #[test]
    fn releases_in_event_time_order_up_to_the_watermark() {
        let mut buffer = ReorderBuffer::default();
        buffer.hold(event(30, "c"), vec![0], true);
        buffer.hold(event(10, "a"), vec![0], true);
        buffer.hold(event(20, "b"), vec![0], true);
        assert_eq!(ids(&buffer.release(20)), ["a", "b"]);
        assert_eq!(buffer.len(), 1);
        assert_eq!(ids(&buffer.release(i64::MAX)), ["c"]);
        assert_eq!(buffer.late(), 0);
    }

    #[test]
    fn ties_are_broken_by_event_id_whatever_the_arrival_order() {
        let mut first = ReorderBuffer::default();
        first.hold(event(10, "y"), vec![0], true);
        first.hold(event(10, "x"), vec![0], true);
        let mut second = ReorderBuffer::default();
        second.hold(event(10, "x"), vec![0], true);
        second.hold(event(10, "y"), vec![0], true);
        assert_eq!(ids(&first.release(10)), ids(&second.release(10)));
    }

    #[test]
    fn events_behind_the_released_watermark_are_late_but_delivered() {
        let mut buffer = ReorderBuffer::default();
        buffer.hold(event(100, "a"), vec![0], true);
        assert_eq!(ids(&buffer.release(100)), ["a"]);
        buffer.hold(event(50, "late"), vec![0], true);
        assert_eq!(buffer.late(), 1);
        assert_eq!(ids(&buffer.release(100)), ["late"]);
    }
}
