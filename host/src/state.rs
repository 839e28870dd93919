//! State: the key-value store rules keep between events.
//!
//! Every rule sees only its own keys: the store is partitioned by rule id,
//! and the rule never names the partition. Entries expire in event time:
//! [`StateStore::expire`] drops every entry whose expiry instant the
//! watermark has reached. Expiry reclaims memory; until an entry is dropped
//! it stays readable, and rules that need exact windows compare the event
//! times they stored (the SDK's idioms do).
//!
//! Besides opaque bytes and counters, the store keeps sliding windows
//! ([`Window`]) so that adding to a window and reading its counts is one
//! host call for a rule.
//!
//! Writes made during one rule call are staged in a [`Transaction`] and
//! applied only when the call succeeds, so a call that traps or times out
//! leaves no partial state behind and can be retried.
//!
//! [`MemoryStore`] is the in-memory implementation; the [`StateStore`] trait
//! is the seam for durable stores.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use hashbrown::HashMap;

/// An expiry instant that never comes.
pub const NEVER: i64 = i64::MAX;

/// A stored value.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// Opaque bytes.
    Bytes(Vec<u8>),
    /// A counter maintained by `increment`, or a time maintained by `touch`.
    Counter(i64),
    /// A sliding window maintained by `window-add`.
    Window(Window),
}

/// Most entries a window keeps, whatever a rule asks for.
pub const MAX_WINDOW_CAPACITY: usize = 10_000;

/// One entry of a sliding window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowItem {
    /// Event time, ms.
    pub at: i64,
    /// The value counted for distinct counts.
    pub member: String,
    /// A label carried along (an event id, for evidence).
    pub tag: String,
}

/// Counts of a window after an addition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowStats {
    /// Entries held.
    pub count: u32,
    /// Distinct members among them.
    pub distinct: u32,
    /// Event time of the oldest entry.
    pub oldest: i64,
    /// Entries dropped because the window was at capacity.
    pub dropped: u32,
}

/// A sliding window of timed entries with a distinct-member count.
///
/// Entries are kept in event-time order; those older than the newest entry
/// minus the span are dropped. The number of entries is capped, so memory
/// per window is bounded and so is the distinct count (it counts distinct
/// members among the entries kept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    items: VecDeque<WindowItem>,
    members: HashMap<String, u32>,
    dropped: u32,
}

impl Window {
    /// Adds an entry; returns the window's counts and how to take the
    /// addition back.
    pub fn add(
        &mut self,
        item: WindowItem,
        span: i64,
        capacity: usize,
    ) -> (WindowStats, WindowUndo) {
        let capacity = capacity.clamp(1, MAX_WINDOW_CAPACITY);
        let dropped_before = self.dropped;
        // Entries usually arrive in event-time order: search from the back.
        let at = self
            .items
            .iter()
            .rposition(|i| i.at <= item.at)
            .map_or(0, |p| p + 1);
        *self.members.entry(item.member.clone()).or_insert(0) += 1;
        self.items.insert(at, item);

        let mut popped = Vec::new();
        let newest = self.items.back().map_or(i64::MIN, |i| i.at);
        let start = newest.saturating_sub(span.max(0));
        while self.items.front().is_some_and(|i| i.at < start) {
            popped.extend(self.pop_front());
        }
        while self.items.len() > capacity {
            popped.extend(self.pop_front());
            self.dropped = self.dropped.saturating_add(1);
        }
        let undo = WindowUndo {
            inserted_at: at,
            popped,
            dropped_before,
        };
        (self.stats(), undo)
    }

    /// Takes back an addition. Additions are taken back newest first.
    pub fn undo(&mut self, undo: WindowUndo) {
        let WindowUndo {
            inserted_at,
            mut popped,
            dropped_before,
        } = undo;
        if inserted_at >= popped.len() {
            // The added entry is still held, after the popped ones left.
            if let Some(added) = self.items.remove(inserted_at - popped.len()) {
                self.forget(&added.member);
            }
        } else {
            // The added entry was itself popped (older than the span).
            popped.remove(inserted_at);
        }
        for item in popped.into_iter().rev() {
            *self.members.entry(item.member.clone()).or_insert(0) += 1;
            self.items.push_front(item);
        }
        self.dropped = dropped_before;
    }

    fn pop_front(&mut self) -> Option<WindowItem> {
        let old = self.items.pop_front()?;
        self.forget(&old.member);
        Some(old)
    }

    /// Counts one occurrence of `member` less.
    fn forget(&mut self, member: &str) {
        if let Some(count) = self.members.get_mut(member) {
            *count -= 1;
            if *count == 0 {
                self.members.remove(member);
            }
        }
    }

    /// The window's counts.
    pub fn stats(&self) -> WindowStats {
        WindowStats {
            count: u32::try_from(self.items.len()).unwrap_or(u32::MAX),
            distinct: u32::try_from(self.members.len()).unwrap_or(u32::MAX),
            oldest: self.items.front().map_or(i64::MIN, |i| i.at),
            dropped: self.dropped,
        }
    }

    /// The entries, oldest first.
    pub fn items(&self) -> impl Iterator<Item = &WindowItem> {
        self.items.iter()
    }

    /// Event time of the newest entry.
    pub fn newest(&self) -> Option<i64> {
        self.items.back().map(|i| i.at)
    }
}

/// How to take back one [`Window::add`]: where the entry went and what
/// left the window to make room.
#[derive(Debug)]
pub struct WindowUndo {
    inserted_at: usize,
    popped: Vec<WindowItem>,
    dropped_before: u32,
}

/// One entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The value.
    pub value: Stored,
    /// When it expires, in event time (ms).
    pub expires_at: i64,
}

/// A key-value store partitioned by rule id, with event-time expiry.
pub trait StateStore: Send {
    /// The entry under `key` in `rule`'s partition, if it has not been
    /// dropped.
    fn get(&self, rule: &str, key: &str) -> Option<&Entry>;

    /// Stores or, with `None`, removes the entry under `key`.
    fn put(&mut self, rule: &str, key: &str, entry: Option<Entry>);

    /// Removes the entry under `key` and hands it over.
    fn take(&mut self, rule: &str, key: &str) -> Option<Entry>;

    /// Drops every entry that expires at or before `watermark`; returns how
    /// many were dropped.
    fn expire(&mut self, watermark: i64) -> usize;

    /// Number of entries held for `rule` (expired ones not yet dropped
    /// included).
    fn len(&self, rule: &str) -> usize;

    /// Number of entries held in all.
    fn total_len(&self) -> usize;

    /// Drops all of `rule`'s entries.
    fn clear(&mut self, rule: &str);
}

/// The in-memory store: one hash map per rule, and a heap of expiry
/// instants so expiry costs O(log n) per write rather than a full scan.
#[derive(Debug, Default)]
pub struct MemoryStore {
    partitions: HashMap<Arc<str>, HashMap<String, Entry>>,
    /// Expiry instants with their key; stale items (the key was rewritten
    /// with another expiry or removed) are skipped when popped.
    expiries: BinaryHeap<Reverse<(i64, Arc<str>, String)>>,
    entries: usize,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// Rebuilds the expiry heap when stale items outnumber live entries, so
    /// rewriting hot keys cannot grow it without bound.
    fn compact_expiries(&mut self) {
        if self.expiries.len() <= 1024 || self.expiries.len() <= 2 * self.entries {
            return;
        }
        let mut live = Vec::with_capacity(self.entries);
        for (rule, partition) in &self.partitions {
            for (key, entry) in partition {
                if entry.expires_at != NEVER {
                    live.push(Reverse((entry.expires_at, rule.clone(), key.clone())));
                }
            }
        }
        self.expiries = BinaryHeap::from(live);
    }
}

impl StateStore for MemoryStore {
    fn get(&self, rule: &str, key: &str) -> Option<&Entry> {
        self.partitions.get(rule)?.get(key)
    }

    fn put(&mut self, rule: &str, key: &str, entry: Option<Entry>) {
        match entry {
            Some(entry) => {
                let rule: Arc<str> = match self.partitions.get_key_value(rule) {
                    Some((name, _)) => name.clone(),
                    None => rule.into(),
                };
                if entry.expires_at != NEVER {
                    self.expiries
                        .push(Reverse((entry.expires_at, rule.clone(), key.to_owned())));
                }
                let partition = self.partitions.entry(rule).or_default();
                if partition.insert(key.to_owned(), entry).is_none() {
                    self.entries += 1;
                }
                self.compact_expiries();
            }
            None => {
                if let Some(partition) = self.partitions.get_mut(rule)
                    && partition.remove(key).is_some()
                {
                    self.entries -= 1;
                }
            }
        }
    }

    fn take(&mut self, rule: &str, key: &str) -> Option<Entry> {
        let entry = self.partitions.get_mut(rule)?.remove(key)?;
        self.entries -= 1;
        // Its expiry item goes stale; it is skipped when popped, or matches
        // again if the entry comes back unchanged.
        Some(entry)
    }

    fn expire(&mut self, watermark: i64) -> usize {
        let mut dropped = 0;
        while let Some(Reverse((expires_at, _, _))) = self.expiries.peek() {
            if *expires_at > watermark {
                break;
            }
            let Some(Reverse((expires_at, rule, key))) = self.expiries.pop() else {
                break;
            };
            let Some(partition) = self.partitions.get_mut(&rule) else {
                continue;
            };
            // Only drop the entry if this heap item still describes it.
            if partition
                .get(&key)
                .is_some_and(|e| e.expires_at == expires_at)
            {
                partition.remove(&key);
                self.entries -= 1;
                dropped += 1;
            }
        }
        dropped
    }

    fn len(&self, rule: &str) -> usize {
        self.partitions.get(rule).map_or(0, HashMap::len)
    }

    fn total_len(&self) -> usize {
        self.entries
    }

    fn clear(&mut self, rule: &str) {
        if let Some(partition) = self.partitions.remove(rule) {
            self.entries -= partition.len();
        }
    }
}

/// The writes of one rule call, applied to the store only if the call
/// succeeds.
///
/// Writes are staged beside the store, and a read-modify-write stages a
/// copy of the stored entry, except a window addition: a window can hold
/// thousands of entries, so it is moved out of the store instead, changed
/// in place, and each addition journalled; a rollback rewinds the journal
/// and puts the window back. A call's cost follows what it changes, not
/// the size of the windows it touches.
#[derive(Debug, Default)]
pub struct Transaction {
    staged: HashMap<String, Option<Entry>>,
    /// Windows moved out of the store, with how to rewind them.
    moved: HashMap<String, Journal>,
}

/// How to restore a window moved out of the store.
#[derive(Debug)]
struct Journal {
    expires_at: i64,
    additions: Vec<WindowUndo>,
}

impl Transaction {
    /// Reads through the staged writes to the store.
    pub fn get<'a>(
        &'a self,
        store: &'a dyn StateStore,
        rule: &str,
        key: &str,
    ) -> Option<&'a Entry> {
        match self.staged.get(key) {
            Some(staged) => staged.as_ref(),
            None => store.get(rule, key),
        }
    }

    /// Stages a write (`None` removes).
    pub fn put(
        &mut self,
        store: &mut dyn StateStore,
        rule: &str,
        key: String,
        entry: Option<Entry>,
    ) {
        self.put_back(store, rule, &key);
        self.staged.insert(key, entry);
    }

    /// The staged entry under `key`, staging a copy of the stored one first
    /// if the call has not touched it yet, for read-modify-writes other
    /// than window additions.
    pub fn slot(
        &mut self,
        store: &mut dyn StateStore,
        rule: &str,
        key: &str,
    ) -> &mut Option<Entry> {
        if self.moved.contains_key(key) {
            // The window may be replaced: work on a copy of it as it stands,
            // and put the original back where a rollback expects it.
            let current = self.staged.get(key).cloned().flatten();
            self.put_back(store, rule, key);
            self.staged.insert(key.to_owned(), current);
        } else if !self.staged.contains_key(key) {
            let current = store.get(rule, key).cloned();
            self.staged.insert(key.to_owned(), current);
        }
        self.staged.get_mut(key).expect("staged above")
    }

    /// Adds `item` to the window under `key`, in place of whatever else
    /// the key held; returns the window's counts. The key expires `span`
    /// after the window's newest entry.
    pub fn window_add(
        &mut self,
        store: &mut dyn StateStore,
        rule: &str,
        key: &str,
        item: WindowItem,
        span: i64,
        capacity: usize,
    ) -> WindowStats {
        if !self.staged.contains_key(key) {
            let stored_window = match store.get(rule, key) {
                Some(Entry {
                    value: Stored::Window(_),
                    expires_at,
                }) => Some(*expires_at),
                _ => None,
            };
            if let Some(expires_at) = stored_window {
                let journal = Journal {
                    expires_at,
                    additions: Vec::new(),
                };
                self.moved.insert(key.to_owned(), journal);
                let window = store.take(rule, key);
                self.staged.insert(key.to_owned(), window);
            } else {
                // Nothing to take back in the store: a fresh window.
                self.staged.insert(key.to_owned(), None);
            }
        }
        let slot = self.staged.get_mut(key).expect("staged above");
        if !matches!(
            slot,
            Some(Entry {
                value: Stored::Window(_),
                ..
            })
        ) {
            *slot = Some(Entry {
                value: Stored::Window(Window::default()),
                expires_at: i64::MIN,
            });
        }
        let Some(Entry {
            value: Stored::Window(window),
            expires_at,
        }) = slot
        else {
            unreachable!("a window is staged under the key")
        };
        let (stats, undo) = window.add(item, span, capacity);
        *expires_at = window
            .newest()
            .unwrap_or(i64::MIN)
            .saturating_add(span.max(0));
        if let Some(journal) = self.moved.get_mut(key) {
            journal.additions.push(undo);
        }
        stats
    }

    /// Number of keys written.
    pub fn len(&self) -> usize {
        self.staged.len()
    }

    /// Whether nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Applies the staged writes to `store` and empties the transaction.
    pub fn commit(&mut self, store: &mut dyn StateStore, rule: &str) {
        self.moved.clear();
        for (key, entry) in self.staged.drain() {
            store.put(rule, &key, entry);
        }
    }

    /// Discards the staged writes and puts back what was moved out of
    /// `store`, as it was.
    pub fn rollback(&mut self, store: &mut dyn StateStore, rule: &str) {
        let moved: Vec<String> = self.moved.keys().cloned().collect();
        for key in moved {
            self.put_back(store, rule, &key);
        }
        self.staged.clear();
    }

    /// If the window under `key` was moved out of the store, rewinds it
    /// and puts it back, and forgets what was staged for the key.
    fn put_back(&mut self, store: &mut dyn StateStore, rule: &str, key: &str) {
        let Some(journal) = self.moved.remove(key) else {
            return;
        };
        let Some(Some(Entry {
            value: Stored::Window(mut window),
            ..
        })) = self.staged.remove(key)
        else {
            unreachable!("a moved window stays staged until it is put back")
        };
        for undo in journal.additions.into_iter().rev() {
            window.undo(undo);
        }
        let original = Entry {
            value: Stored::Window(window),
            expires_at: journal.expires_at,
        };
        store.put(rule, key, Some(original));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(value: &[u8], expires_at: i64) -> Option<Entry> {
        Some(Entry {
            value: Stored::Bytes(value.to_vec()),
            expires_at,
        })
    }

    #[test]
    fn partitions_are_private_to_each_rule() {
        let mut store = MemoryStore::new();
        store.put("rule-a", "k", bytes(b"a", NEVER));
        store.put("rule-b", "k", bytes(b"b", NEVER));
        assert_eq!(
            store.get("rule-a", "k").unwrap().value,
            Stored::Bytes(b"a".to_vec())
        );
        assert_eq!(
            store.get("rule-b", "k").unwrap().value,
            Stored::Bytes(b"b".to_vec())
        );
        assert!(store.get("rule-c", "k").is_none());
        store.clear("rule-a");
        assert!(store.get("rule-a", "k").is_none());
        assert_eq!(store.total_len(), 1);
    }

    #[test]
    fn entries_expire_in_event_time() {
        let mut store = MemoryStore::new();
        store.put("r", "short", bytes(b"1", 100));
        store.put("r", "long", bytes(b"2", 200));
        assert_eq!(store.expire(99), 0);
        assert_eq!(
            store.expire(100),
            1,
            "dropped once the watermark reaches its instant"
        );
        assert!(store.get("r", "short").is_none());
        assert_eq!(store.len("r"), 1);
        assert!(store.get("r", "long").is_some());
    }

    #[test]
    fn rewriting_a_key_moves_its_expiry() {
        let mut store = MemoryStore::new();
        store.put("r", "k", bytes(b"1", 100));
        store.put("r", "k", bytes(b"2", 300));
        assert_eq!(
            store.expire(200),
            0,
            "the stale expiry does not drop the rewritten key"
        );
        assert_eq!(store.get("r", "k").unwrap().expires_at, 300);
        assert_eq!(store.expire(300), 1);
        assert_eq!(store.total_len(), 0);
    }

    #[test]
    fn expiry_heap_stays_bounded_under_rewrites() {
        let mut store = MemoryStore::new();
        for i in 0..100_000 {
            store.put("r", "hot", bytes(b"x", 1_000 + i));
        }
        assert!(
            store.expiries.len() <= 2048,
            "heap holds {}",
            store.expiries.len()
        );
    }

    #[test]
    fn transactions_apply_only_on_commit() {
        let mut store = MemoryStore::new();
        store.put("r", "k", bytes(b"old", NEVER));
        let mut tx = Transaction::default();
        tx.put(&mut store, "r", "k".into(), bytes(b"new", NEVER));
        tx.put(&mut store, "r", "gone".into(), None);
        assert_eq!(
            tx.get(&store, "r", "k").unwrap().value,
            Stored::Bytes(b"new".to_vec())
        );
        assert_eq!(
            store.get("r", "k").unwrap().value,
            Stored::Bytes(b"old".to_vec())
        );
        tx.rollback(&mut store, "r");
        assert_eq!(
            tx.get(&store, "r", "k").unwrap().value,
            Stored::Bytes(b"old".to_vec())
        );
        tx.put(&mut store, "r", "k".into(), None);
        tx.commit(&mut store, "r");
        assert!(store.get("r", "k").is_none());
        assert_eq!(store.total_len(), 0);
    }

    fn item(at: i64, member: &str) -> WindowItem {
        WindowItem {
            at,
            member: member.into(),
            tag: format!("e-{at}"),
        }
    }

    #[test]
    fn windows_slide_on_event_time_and_count_distinct_members() {
        let mut window = Window::default();
        assert_eq!(window.add(item(0, "a"), 100, 10).0.count, 1);
        window.add(item(50, "b"), 100, 10);
        let (stats, _) = window.add(item(100, "a"), 100, 10);
        assert_eq!(
            (stats.count, stats.distinct, stats.oldest),
            (3, 2, 0),
            "the span is inclusive"
        );
        let (stats, _) = window.add(item(101, "c"), 100, 10);
        assert_eq!(
            (stats.count, stats.distinct, stats.oldest),
            (3, 3, 50),
            "entry at 0 slid out"
        );
        // A late entry lands in order and counts if it is inside the span.
        let (stats, _) = window.add(item(60, "d"), 100, 10);
        assert_eq!((stats.count, stats.distinct), (4, 4));
        let order: Vec<i64> = window.items().map(|i| i.at).collect();
        assert_eq!(order, [50, 60, 100, 101]);
        // A late entry older than the span is dropped at once.
        assert_eq!(window.add(item(-500, "z"), 100, 10).0.count, 4);
    }

    #[test]
    fn windows_are_bounded_by_capacity() {
        let mut window = Window::default();
        let mut stats = window.stats();
        for at in 0..1_000 {
            stats = window.add(item(at, &format!("m{at}")), i64::MAX, 100).0;
        }
        assert_eq!(
            (stats.count, stats.distinct, stats.dropped),
            (100, 100, 900)
        );
        assert_eq!(stats.oldest, 900);
        let (huge, _) = window.add(item(1_000, "x"), i64::MAX, usize::MAX);
        assert!(huge.count as usize <= MAX_WINDOW_CAPACITY);
    }

    #[test]
    fn slots_stage_a_copy_for_read_modify_write() {
        let mut store = MemoryStore::new();
        store.put(
            "r",
            "k",
            Some(Entry {
                value: Stored::Counter(1),
                expires_at: NEVER,
            }),
        );
        let mut tx = Transaction::default();
        if let Some(Entry {
            value: Stored::Counter(n),
            ..
        }) = tx.slot(&mut store, "r", "k")
        {
            *n += 1;
        }
        assert_eq!(store.get("r", "k").unwrap().value, Stored::Counter(1));
        tx.commit(&mut store, "r");
        assert_eq!(store.get("r", "k").unwrap().value, Stored::Counter(2));
    }

    /// A store holding one window under "w", built by `adds`.
    fn store_with_window(adds: &[(i64, &str)]) -> MemoryStore {
        let mut store = MemoryStore::new();
        let mut tx = Transaction::default();
        for &(at, member) in adds {
            tx.window_add(&mut store, "r", "w", item(at, member), 100, 4);
        }
        tx.commit(&mut store, "r");
        store
    }

    #[test]
    fn a_rolled_back_window_is_put_back_exactly_as_it_was() {
        let before = store_with_window(&[(0, "a"), (10, "b"), (20, "a"), (30, "c")]);
        let mut store = store_with_window(&[(0, "a"), (10, "b"), (20, "a"), (30, "c")]);
        let mut tx = Transaction::default();
        // Over capacity, sliding the span, late inside it, late outside it.
        for (at, member) in [(40, "d"), (150, "e"), (60, "f"), (-500, "g")] {
            tx.window_add(&mut store, "r", "w", item(at, member), 100, 4);
        }
        assert!(
            store.get("r", "w").is_none(),
            "the window is moved, not copied"
        );
        tx.rollback(&mut store, "r");
        assert_eq!(store.get("r", "w"), before.get("r", "w"));
        assert_eq!(store.total_len(), 1);
    }

    #[test]
    fn a_committed_window_keeps_the_call_s_additions() {
        let mut store = store_with_window(&[(0, "a"), (10, "b")]);
        let mut tx = Transaction::default();
        let stats = tx.window_add(&mut store, "r", "w", item(20, "c"), 100, 4);
        assert_eq!((stats.count, stats.distinct), (3, 3));
        tx.commit(&mut store, "r");
        let expected = store_with_window(&[(0, "a"), (10, "b"), (20, "c")]);
        assert_eq!(store.get("r", "w"), expected.get("r", "w"));
        assert_eq!(store.get("r", "w").unwrap().expires_at, 120);
    }

    #[test]
    fn overwriting_a_moved_window_still_rolls_back_to_it() {
        let before = store_with_window(&[(0, "a"), (10, "b")]);
        let mut store = store_with_window(&[(0, "a"), (10, "b")]);
        let mut tx = Transaction::default();
        tx.window_add(&mut store, "r", "w", item(20, "c"), 100, 4);
        tx.put(&mut store, "r", "w".into(), bytes(b"x", NEVER));
        assert_eq!(
            tx.get(&store, "r", "w").unwrap().value,
            Stored::Bytes(b"x".to_vec())
        );
        tx.rollback(&mut store, "r");
        assert_eq!(store.get("r", "w"), before.get("r", "w"));

        // And a read-modify-write sees the window as the call left it.
        let mut tx = Transaction::default();
        tx.window_add(&mut store, "r", "w", item(20, "c"), 100, 4);
        let Some(Some(Entry {
            value: Stored::Window(window),
            ..
        })) = Some(tx.slot(&mut store, "r", "w").clone())
        else {
            panic!("a window is staged")
        };
        assert_eq!(window.stats().count, 3);
        tx.rollback(&mut store, "r");
        assert_eq!(store.get("r", "w"), before.get("r", "w"));
    }
}
