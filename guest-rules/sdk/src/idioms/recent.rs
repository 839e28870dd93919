//! Recent distinct values of several fields per key.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::codec::{Decoder, Encoder, truncate};
use crate::event::Event;
use crate::state;

/// Longest value kept, in bytes; longer ones are cut at a character
/// boundary.
const MAX_VALUE_BYTES: usize = 256;
/// The cap of a field that [`RecentValues::new`] was given none for.
const DEFAULT_CAP: usize = 32;

/// Per key, the distinct values of a few fields seen within a span of event
/// time, each with when it was last seen, by which event, and how often.
///
/// [`SlidingWindow`](super::SlidingWindow) keeps one entry per event and
/// counts one member; this keeps several fields at once, one entry per
/// distinct value rather than per event, so a key's state stays small
/// however busy the key is. Fields are numbered by the rule (`0`, `1`, ...);
/// the number indexes the caps.
///
/// Bounds: at most the field's cap of values (when a new value would
/// exceed it, the least recently seen value of that field goes), each value
/// cut to 256 bytes. Values last seen more than the span before the current
/// event are dropped when the state is read, so distinct counts (exact up
/// to the cap) and value lists cover exactly the span before the event,
/// whatever the store's expiry has reclaimed. The state expires one span
/// after its newest value.
///
/// Host calls: one get per key and call, and one set (or delete) per key
/// written, when the call ends: a batch of events under one key decodes
/// and encodes the key's values once, not once per event. All fields are
/// kept together in one value.
#[derive(Debug, Clone, Copy)]
pub struct RecentValues {
    name: &'static str,
    span_ms: i64,
    caps: &'static [usize],
}

/// One distinct value of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentValue {
    /// Which field (the rule's own numbering).
    pub field: u64,
    /// The value.
    pub value: String,
    /// Event time it was last seen, ms.
    pub last_ms: i64,
    /// `event.id` of the event that last had it.
    pub id: String,
    /// Times seen since it last entered the span.
    pub count: u64,
}

/// The values of one key within the span, in order of first appearance.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecentSnapshot {
    /// Every value kept.
    pub seen: Vec<RecentValue>,
}

impl RecentSnapshot {
    /// The values of `field`.
    pub fn of(&self, field: u64) -> impl Iterator<Item = &RecentValue> {
        self.seen.iter().filter(move |s| s.field == field)
    }

    /// How many distinct values `field` has.
    pub fn count(&self, field: u64) -> usize {
        self.of(field).count()
    }

    /// The values of `field`, as text.
    pub fn values(&self, field: u64) -> Vec<String> {
        self.of(field).map(|s| s.value.clone()).collect()
    }

    /// The most recently seen value of `field` (of equally recent ones, the
    /// one that first appeared last).
    pub fn latest(&self, field: u64) -> Option<&RecentValue> {
        self.of(field).max_by_key(|s| s.last_ms)
    }

    /// The sum of the counts of `field`'s values. A value's count runs from
    /// when it last entered the span, so a value seen again and again keeps
    /// counting sightings older than the span; rules that need exact totals
    /// record coarse time buckets (the hour) as the values.
    pub fn total(&self, field: u64) -> u64 {
        self.of(field).map(|s| s.count).sum()
    }

    /// Drops the values last seen before `start`.
    fn forget_before(&mut self, start: i64) {
        self.seen.retain(|s| s.last_ms >= start);
    }

    /// Records that `value` of `field` was seen at `now` by event `id`,
    /// keeping at most `cap` values of the field.
    fn note(&mut self, field: u64, value: &str, now: i64, id: &str, cap: usize) {
        let value = truncate(value, MAX_VALUE_BYTES);
        if let Some(seen) = self
            .seen
            .iter_mut()
            .find(|s| s.field == field && s.value == value)
        {
            seen.count = seen.count.saturating_add(1);
            if now >= seen.last_ms {
                seen.last_ms = now;
                seen.id = id.to_owned();
            }
            return;
        }
        self.seen.push(RecentValue {
            field,
            value: value.to_owned(),
            last_ms: now,
            id: id.to_owned(),
            count: 1,
        });
        if self.count(field) > cap {
            let oldest = self
                .seen
                .iter()
                .enumerate()
                .filter(|(_, s)| s.field == field)
                .min_by_key(|(_, s)| s.last_ms)
                .map(|(at, _)| at);
            if let Some(at) = oldest {
                self.seen.remove(at);
            }
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut encoder = Encoder::new().u64(self.seen.len() as u64);
        for seen in &self.seen {
            encoder = encoder
                .u64(seen.field)
                .str(&seen.value)
                .i64(seen.last_ms)
                .str(&seen.id)
                .u64(seen.count);
        }
        encoder.finish()
    }

    fn decode(bytes: &[u8]) -> Option<RecentSnapshot> {
        let mut decoder = Decoder::new(bytes);
        let count = decoder.u64()?;
        let mut seen = Vec::new();
        for _ in 0..count {
            seen.push(RecentValue {
                field: decoder.u64()?,
                value: decoder.str()?.to_owned(),
                last_ms: decoder.i64()?,
                id: decoder.str()?.to_owned(),
                count: decoder.u64()?,
            });
        }
        Some(RecentSnapshot { seen })
    }
}

impl RecentValues {
    /// Values called `name` (unique within the rule), kept for `span_ms`,
    /// at most `caps[field]` per field (at least 1; 32 for a field beyond
    /// the end of `caps`).
    pub const fn new(name: &'static str, span_ms: i64, caps: &'static [usize]) -> Self {
        RecentValues {
            name,
            span_ms,
            caps,
        }
    }

    fn state_key(&self, key: &[&str]) -> String {
        super::key("recent", self.name, key)
    }

    fn cap(&self, field: u64) -> usize {
        self.caps
            .get(field as usize)
            .copied()
            .unwrap_or(DEFAULT_CAP)
            .max(1)
    }

    /// The values of `key` seen within the span before `now`. A stored
    /// value that does not decode reads as none.
    pub fn read(&self, key: &[&str], now: i64) -> RecentSnapshot {
        let state_key = self.state_key(key);
        let mut snapshot = TOUCHED.with(|touched| {
            let mut touched = touched.borrow_mut();
            (*touched
                .entry(state_key)
                .or_insert_with_key(|key| Touched::load(key))
                .snapshot)
                .clone()
        });
        snapshot.forget_before(now.saturating_sub(self.span_ms));
        snapshot
    }

    /// Records `values` (field, value) of `event` under `key` and returns
    /// the key's values within the span before the event, these included.
    /// Empty values are skipped.
    pub fn record(
        &self,
        key: &[&str],
        event: &Event<'_>,
        values: &[(u64, &str)],
    ) -> Rc<RecentSnapshot> {
        let now = event.timestamp_ms();
        let state_key = self.state_key(key);
        TOUCHED.with(|touched| {
            let mut touched = touched.borrow_mut();
            let entry = touched
                .entry(state_key)
                .or_insert_with_key(|key| Touched::load(key));
            // The previous event's snapshot is normally dropped by now, so
            // this changes the cached one in place.
            let snapshot = Rc::make_mut(&mut entry.snapshot);
            snapshot.forget_before(now.saturating_sub(self.span_ms));
            for &(field, value) in values {
                if !value.is_empty() {
                    snapshot.note(field, value, now, event.id(), self.cap(field));
                }
            }
            let newest = snapshot.seen.iter().map(|s| s.last_ms).max();
            entry.write = Some(newest.map(|newest| newest.saturating_add(self.span_ms)));
            Rc::clone(&entry.snapshot)
        })
    }
}

thread_local! {
    /// The snapshots the current call has read or recorded, by state key.
    /// A call is single-threaded and calls do not overlap, so this is the
    /// call's own; [`end_call`] writes the changed ones back to the store.
    static TOUCHED: RefCell<BTreeMap<String, Touched>> = const { RefCell::new(BTreeMap::new()) };
}

/// A snapshot the current call holds.
struct Touched {
    snapshot: Rc<RecentSnapshot>,
    /// What to write back: `Some(Some(expiry))` to store it, `Some(None)`
    /// to delete it (nothing left), `None` when only read.
    write: Option<Option<i64>>,
}

impl Touched {
    fn load(state_key: &str) -> Touched {
        let snapshot = state::get(state_key)
            .and_then(|bytes| RecentSnapshot::decode(&bytes))
            .unwrap_or_default();
        Touched {
            snapshot: Rc::new(snapshot),
            write: None,
        }
    }
}

/// Forgets snapshots held from an earlier call that did not end cleanly.
pub(crate) fn begin_call() {
    TOUCHED.with(|touched| touched.borrow_mut().clear());
}

/// Writes back the snapshots the call changed.
pub(crate) fn end_call() {
    let touched = TOUCHED.with(|touched| std::mem::take(&mut *touched.borrow_mut()));
    for (state_key, touched) in touched {
        match touched.write {
            Some(Some(expires_at)) => {
                state::set(&state_key, &touched.snapshot.encode(), expires_at)
            }
            Some(None) => state::delete(&state_key),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(field: u64, value: &str, last_ms: i64, id: &str, count: u64) -> RecentValue {
        RecentValue {
            field,
            value: value.into(),
            last_ms,
            id: id.into(),
            count,
        }
    }

    #[test]
    fn snapshots_round_trip_and_bad_bytes_read_as_absent() {
        let snapshot = RecentSnapshot {
            seen: vec![
                value(0, "192.0.2.1", -5, "e-1", 3),
                value(7, "", i64::MAX, "", 0),
            ],
        };
        let bytes = snapshot.encode();
        assert_eq!(RecentSnapshot::decode(&bytes), Some(snapshot));
        assert_eq!(RecentSnapshot::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(RecentSnapshot::decode(&[]), None);
        assert_eq!(
            RecentSnapshot::decode(&RecentSnapshot::default().encode()),
            Some(RecentSnapshot::default())
        );
    }

    #[test]
    fn repeats_count_and_move_the_last_sighting_forward() {
        let mut snapshot = RecentSnapshot::default();
        snapshot.note(0, "a", 10, "e-1", 4);
        snapshot.note(1, "a", 10, "e-1", 4);
        snapshot.note(0, "a", 20, "e-2", 4);
        // An older sighting counts but does not move it back.
        snapshot.note(0, "a", 15, "e-3", 4);
        assert_eq!(
            snapshot.of(0).collect::<Vec<_>>(),
            [&value(0, "a", 20, "e-2", 3)]
        );
        assert_eq!(snapshot.count(1), 1, "fields are apart");
        assert_eq!(snapshot.total(0), 3);
    }

    #[test]
    fn the_cap_drops_the_least_recently_seen_value_of_the_field() {
        let mut snapshot = RecentSnapshot::default();
        snapshot.note(0, "a", 10, "e-1", 2);
        snapshot.note(0, "b", 20, "e-2", 2);
        snapshot.note(1, "x", 5, "e-0", 2);
        snapshot.note(0, "a", 30, "e-3", 2);
        snapshot.note(0, "c", 40, "e-4", 2);
        assert_eq!(snapshot.values(0), ["a", "c"], "b was seen least recently");
        assert_eq!(snapshot.values(1), ["x"], "other fields are untouched");
        assert_eq!(snapshot.latest(0).map(|s| s.value.as_str()), Some("c"));
    }

    #[test]
    fn caps_default_and_never_fall_below_one() {
        let recent = RecentValues::new("r", 1000, &[0, 5]);
        assert_eq!(recent.cap(0), 1);
        assert_eq!(recent.cap(1), 5);
        assert_eq!(recent.cap(2), DEFAULT_CAP);
    }

    #[test]
    fn long_values_are_cut() {
        let mut snapshot = RecentSnapshot::default();
        let long = "é".repeat(200);
        snapshot.note(0, &long, 0, "e-1", 4);
        snapshot.note(0, &long[..300], 1, "e-2", 4);
        assert_eq!(snapshot.seen.len(), 1, "both cut to the same value");
        assert_eq!(snapshot.seen[0].value.len(), 256);
        assert_eq!(snapshot.seen[0].count, 2);
    }

    #[test]
    fn values_older_than_the_span_are_forgotten() {
        let mut snapshot = RecentSnapshot::default();
        snapshot.note(0, "old", 100, "e-1", 4);
        snapshot.note(0, "edge", 200, "e-2", 4);
        snapshot.note(1, "new", 300, "e-3", 4);
        snapshot.forget_before(200);
        assert_eq!(
            snapshot.values(0),
            ["edge"],
            "a value seen at the start is kept"
        );
        assert_eq!(snapshot.values(1), ["new"]);
        assert_eq!(snapshot.latest(0).map(|s| s.last_ms), Some(200));
        assert!(snapshot.latest(2).is_none());
    }
}
