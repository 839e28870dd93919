//! A bounded cache of recent lookups, keyed by address.
//!
//! Audit logs repeat themselves: a busy principal calls from the same few
//! addresses thousands of times. The cache makes each of those addresses
//! cost one database lookup while it stays busy.
//!
//! Guarantees: the cache never holds more than its capacity. It keeps two
//! generations of at most half the capacity each; when the current one is
//! full it becomes the previous one and the old previous one is dropped. A
//! hit in the previous generation moves the entry back into the current
//! one, so an address in steady use is never evicted, and an address not
//! seen for about half the capacity's worth of distinct addresses is.
//! This approximates least-recently-used eviction at the cost of one map
//! operation per lookup, without a linked list.
//!
//! Thread safety: one mutex around both generations. The lock is held for
//! map operations only, never while the database is searched, so two
//! threads missing on the same address may both search it (the second
//! insert wins; both results are equal).

use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

use hashbrown::HashMap;

/// A bounded map from keys to cheaply cloned values.
#[derive(Debug)]
pub(crate) struct LookupCache<K, V> {
    generations: Mutex<Generations<K, V>>,
    half: usize,
}

#[derive(Debug)]
struct Generations<K, V> {
    current: HashMap<K, V>,
    previous: HashMap<K, V>,
}

impl<K: Eq + Hash + Copy, V: Clone> LookupCache<K, V> {
    /// A cache holding at most `capacity` entries (at least two).
    pub(crate) fn new(capacity: usize) -> Self {
        let half = (capacity / 2).max(1);
        LookupCache {
            generations: Mutex::new(Generations {
                current: HashMap::with_capacity(half),
                previous: HashMap::with_capacity(half),
            }),
            half,
        }
    }

    /// The cached value for `key`, or the one `compute` gives, which is
    /// then cached.
    pub(crate) fn get_or_insert_with(&self, key: K, compute: impl FnOnce() -> V) -> V {
        {
            let mut generations = self.lock();
            if let Some(value) = generations.current.get(&key) {
                return value.clone();
            }
            if let Some(value) = generations.previous.remove(&key) {
                self.insert_current(&mut generations, key, value.clone());
                return value;
            }
        }
        // Searched without the lock, so other threads are not held up.
        let value = compute();
        self.insert_current(&mut self.lock(), key, value.clone());
        value
    }

    /// Number of entries held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        let generations = self.lock();
        generations.current.len() + generations.previous.len()
    }

    fn insert_current(&self, generations: &mut Generations<K, V>, key: K, value: V) {
        if generations.current.len() >= self.half && !generations.current.contains_key(&key) {
            // Age: the current generation becomes the previous one, reusing
            // the old previous map's allocation for the new current one.
            let Generations { current, previous } = generations;
            std::mem::swap(current, previous);
            current.clear();
        }
        generations.current.insert(key, value);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations<K, V>> {
        // The maps stay consistent whatever panicked while the lock was held:
        // every operation on them is a single map call.
        self.generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::LookupCache;
    use std::cell::Cell;

    #[test]
    fn a_hit_does_not_compute_again() {
        let cache = LookupCache::new(8);
        let calls = Cell::new(0);
        let compute = || {
            calls.set(calls.get() + 1);
            "value"
        };
        assert_eq!(cache.get_or_insert_with(1u32, compute), "value");
        assert_eq!(cache.get_or_insert_with(1u32, compute), "value");
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn size_never_exceeds_the_capacity() {
        let cache = LookupCache::new(100);
        for key in 0..10_000u32 {
            cache.get_or_insert_with(key, || key);
            assert!(cache.len() <= 100, "{} entries after {key}", cache.len());
        }
    }

    #[test]
    fn an_address_in_steady_use_survives_a_stream_of_new_ones() {
        let cache = LookupCache::new(10);
        let hot_computed = Cell::new(0);
        for key in 1..1_000u32 {
            cache.get_or_insert_with(0, || {
                hot_computed.set(hot_computed.get() + 1);
                0
            });
            cache.get_or_insert_with(key, || key);
        }
        assert_eq!(hot_computed.get(), 1);
    }

    #[test]
    fn an_address_unused_for_long_is_evicted() {
        let cache = LookupCache::new(10);
        cache.get_or_insert_with(0u32, || 0);
        for key in 1..=10u32 {
            cache.get_or_insert_with(key, || key);
        }
        let recomputed = Cell::new(false);
        cache.get_or_insert_with(0, || {
            recomputed.set(true);
            0
        });
        assert!(recomputed.get());
    }
}
