//! State: the key-value store rules keep between events.
//!
//! Every rule sees only its own keys: the store is partitioned by rule id,
//! and the rule never names the partition. Entries expire in event time:
//! an entry whose expiry instant is at or before the watermark reads as
//! absent and is dropped by the next [`StateStore::expire`].
//!
//! Writes made during one rule call are staged in a [`Transaction`] and
//! applied only when the call succeeds, so a call that traps or times out
//! leaves no partial state behind and can be retried.
//!
//! [`MemoryStore`] is the in-memory implementation; the [`StateStore`] trait
//! is the seam for durable stores.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use hashbrown::HashMap;

/// An expiry instant that never comes.
pub const NEVER: i64 = i64::MAX;

/// A stored value and its expiry instant (event time, ms).
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// Opaque bytes.
    Bytes(Vec<u8>),
    /// A counter maintained by `increment`.
    Counter(i64),
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
    /// The live entry under `key` in `rule`'s partition, as of `watermark`.
    fn get(&self, rule: &str, key: &str, watermark: i64) -> Option<Entry>;

    /// Stores or, with `None`, removes the entry under `key`.
    fn put(&mut self, rule: &str, key: &str, entry: Option<Entry>);

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
    fn get(&self, rule: &str, key: &str, watermark: i64) -> Option<Entry> {
        let entry = self.partitions.get(rule)?.get(key)?;
        (entry.expires_at > watermark).then(|| entry.clone())
    }

    fn put(&mut self, rule: &str, key: &str, entry: Option<Entry>) {
        match entry {
            Some(entry) => {
                let rule: Arc<str> = match self.partitions.get_key_value(rule) {
                    Some((name, _)) => name.clone(),
                    None => rule.into(),
                };
                if entry.expires_at != NEVER {
                    self.expiries.push(Reverse((entry.expires_at, rule.clone(), key.to_owned())));
                }
                let partition = self.partitions.entry(rule).or_default();
                if partition.insert(key.to_owned(), entry).is_none() {
                    self.entries += 1;
                }
                self.compact_expiries();
            }
            None => {
                if let Some(partition) = self.partitions.get_mut(rule) {
                    if partition.remove(key).is_some() {
                        self.entries -= 1;
                    }
                }
            }
        }
    }

    fn expire(&mut self, watermark: i64) -> usize {
        let mut dropped = 0;
        while let Some(Reverse((expires_at, _, _))) = self.expiries.peek() {
            if *expires_at > watermark {
                break;
            }
            let Some(Reverse((expires_at, rule, key))) = self.expiries.pop() else { break };
            let Some(partition) = self.partitions.get_mut(&rule) else { continue };
            // Only drop the entry if this heap item still describes it.
            if partition.get(&key).is_some_and(|e| e.expires_at == expires_at) {
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
#[derive(Debug, Default)]
pub struct Transaction {
    staged: HashMap<String, Option<Entry>>,
}

impl Transaction {
    /// Reads through the staged writes to the store.
    pub fn get(&self, store: &dyn StateStore, rule: &str, key: &str, watermark: i64) -> Option<Entry> {
        match self.staged.get(key) {
            Some(staged) => staged.clone().filter(|e| e.expires_at > watermark),
            None => store.get(rule, key, watermark),
        }
    }

    /// Stages a write (`None` removes).
    pub fn put(&mut self, key: String, entry: Option<Entry>) {
        self.staged.insert(key, entry);
    }

    /// Number of staged writes.
    pub fn len(&self) -> usize {
        self.staged.len()
    }

    /// Whether nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Applies the staged writes to `store` and empties the transaction.
    pub fn commit(&mut self, store: &mut dyn StateStore, rule: &str) {
        for (key, entry) in self.staged.drain() {
            store.put(rule, &key, entry);
        }
    }

    /// Discards the staged writes.
    pub fn rollback(&mut self) {
        self.staged.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(value: &[u8], expires_at: i64) -> Option<Entry> {
        Some(Entry { value: Stored::Bytes(value.to_vec()), expires_at })
    }

    #[test]
    fn partitions_are_private_to_each_rule() {
        let mut store = MemoryStore::new();
        store.put("rule-a", "k", bytes(b"a", NEVER));
        store.put("rule-b", "k", bytes(b"b", NEVER));
        assert_eq!(store.get("rule-a", "k", 0).unwrap().value, Stored::Bytes(b"a".to_vec()));
        assert_eq!(store.get("rule-b", "k", 0).unwrap().value, Stored::Bytes(b"b".to_vec()));
        assert!(store.get("rule-c", "k", 0).is_none());
        store.clear("rule-a");
        assert!(store.get("rule-a", "k", 0).is_none());
        assert_eq!(store.total_len(), 1);
    }

    #[test]
    fn entries_expire_in_event_time() {
        let mut store = MemoryStore::new();
        store.put("r", "short", bytes(b"1", 100));
        store.put("r", "long", bytes(b"2", 200));
        assert!(store.get("r", "short", 99).is_some());
        assert!(store.get("r", "short", 100).is_none(), "expired at its instant");
        assert_eq!(store.expire(150), 1);
        assert_eq!(store.len("r"), 1);
        assert!(store.get("r", "long", 150).is_some());
    }

    #[test]
    fn rewriting_a_key_moves_its_expiry() {
        let mut store = MemoryStore::new();
        store.put("r", "k", bytes(b"1", 100));
        store.put("r", "k", bytes(b"2", 300));
        assert_eq!(store.expire(200), 0, "the stale expiry does not drop the rewritten key");
        assert_eq!(store.get("r", "k", 200).unwrap().expires_at, 300);
        assert_eq!(store.expire(300), 1);
        assert_eq!(store.total_len(), 0);
    }

    #[test]
    fn expiry_heap_stays_bounded_under_rewrites() {
        let mut store = MemoryStore::new();
        for i in 0..100_000 {
            store.put("r", "hot", bytes(b"x", 1_000 + i));
        }
        assert!(store.expiries.len() <= 2048, "heap holds {}", store.expiries.len());
    }

    #[test]
    fn transactions_apply_only_on_commit() {
        let mut store = MemoryStore::new();
        store.put("r", "k", bytes(b"old", NEVER));
        let mut tx = Transaction::default();
        tx.put("k".into(), bytes(b"new", NEVER));
        tx.put("gone".into(), None);
        assert_eq!(tx.get(&store, "r", "k", 0).unwrap().value, Stored::Bytes(b"new".to_vec()));
        assert_eq!(store.get("r", "k", 0).unwrap().value, Stored::Bytes(b"old".to_vec()));
        tx.rollback();
        assert_eq!(tx.get(&store, "r", "k", 0).unwrap().value, Stored::Bytes(b"old".to_vec()));
        tx.put("k".into(), None);
        tx.commit(&mut store, "r");
        assert!(store.get("r", "k", 0).is_none());
        assert_eq!(store.total_len(), 0);
    }
}
