//! The corpus: routine traffic with attack bursts merged in, in time order.
//!
//! Routine events are generated one at a time. When a burst is due, it is
//! planned whole and its records wait in a queue ordered by time; each step
//! writes whichever comes first, the next routine record or the next queued
//! one. Memory is therefore bounded by the organisation (a few dozen
//! principals and their resources) and the bursts in flight, never by the
//! corpus length: at most [`MAX_BURSTS_IN_FLIGHT`] bursts are queued at
//! once, and a due burst waits for a free place.
//!
//! Order: records come out by the time their call happened. A routine record
//! now and then carries an `eventTime` up to 30 seconds earlier than that,
//! as CloudTrail delivers some events late; so every record's `eventTime` is
//! at most 30 seconds before the latest one already written. Attack records
//! are never late, so the windows their rules measure stay intact.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::attacks::{self, AttackKind};
use crate::clock::SECOND;
use crate::dice::{Dice, Stream};
use crate::identity::Organisation;
use crate::traffic::{Entry, Routine};

/// Bursts that may be queued at the same time.
pub const MAX_BURSTS_IN_FLIGHT: usize = 4;

/// What to generate.
#[derive(Clone, Debug)]
pub struct CorpusConfig {
    /// Everything random derives from this seed: the same seed and
    /// configuration give the same bytes on every machine.
    pub seed: u64,
    /// How many records to write, attack records included.
    pub events: u64,
    /// Event time of the first record.
    pub start: DateTime<Utc>,
    /// Mean number of records from the start of one attack burst to the
    /// start of the next; 0 for no attacks. Spacings are drawn uniformly
    /// between half and one and a half times this. Bursts that would not
    /// fit before the last record are left out.
    pub attack_every: u64,
}

/// What a corpus run wrote.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Records written.
    pub events: u64,
    /// Bytes of record JSON written, without separators, newlines or
    /// compression.
    pub json_bytes: u64,
    /// `json_bytes / events`.
    pub mean_record_bytes: f64,
    /// Attack bursts inserted.
    pub attack_bursts: u64,
    /// Records that belong to attack bursts.
    pub attack_events: u64,
    /// Bursts inserted, by [`AttackKind::name`].
    pub bursts_by_kind: BTreeMap<&'static str, u64>,
    /// Archive files written (0 for NDJSON).
    pub files: u64,
}

/// A queued attack record.
struct Queued {
    entry: Entry,
    /// Order of queueing, to break ties between equal times.
    order: u64,
    /// Whether this is the last record of its burst.
    closes_burst: bool,
}

impl Queued {
    fn key(&self) -> (i64, u64) {
        (self.entry.at, self.order)
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// A corpus being generated: an iterator of CloudTrail records as JSON text,
/// one record per item, without a trailing newline.
pub struct Corpus {
    config: CorpusConfig,
    organisation: Organisation,
    routine: Routine,
    /// The next routine record, generated but not yet written.
    upcoming: Option<Entry>,
    attack_dice: Dice,
    /// Index into [`AttackKind::ALL`] of the next burst's kind.
    next_kind: usize,
    /// Records written when the next burst is due.
    next_burst_at: u64,
    queue: BinaryHeap<Reverse<Queued>>,
    queued_so_far: u64,
    bursts_in_flight: usize,
    summary: Summary,
}

impl Corpus {
    /// A corpus as `config` describes it.
    pub fn new(config: CorpusConfig) -> Corpus {
        let organisation = Organisation::new(config.seed);
        let start = config.start.timestamp_micros();
        let routine = Routine::new(config.seed, start, &organisation);
        let mut attack_dice = Dice::new(config.seed, Stream::Attacks);
        let next_kind = attack_dice.index(AttackKind::ALL.len());
        let mut corpus = Corpus {
            config,
            organisation,
            routine,
            upcoming: None,
            attack_dice,
            next_kind,
            next_burst_at: 0,
            queue: BinaryHeap::new(),
            queued_so_far: 0,
            bursts_in_flight: 0,
            summary: Summary::default(),
        };
        corpus.next_burst_at = corpus.spacing();
        corpus
    }

    /// What has been written so far.
    pub fn summary(&self) -> Summary {
        let mut summary = self.summary.clone();
        if summary.events > 0 {
            summary.mean_record_bytes = summary.json_bytes as f64 / summary.events as f64;
        }
        summary
    }

    /// Records from one burst's start to the next.
    fn spacing(&mut self) -> u64 {
        let every = i64::try_from(self.config.attack_every).unwrap_or(i64::MAX / 2);
        u64::try_from(self.attack_dice.between(every / 2, every + every / 2)).unwrap_or(0)
    }

    /// The next record, with what the archive needs to file it.
    pub(crate) fn next_entry(&mut self) -> Option<Entry> {
        let remaining = self.config.events - self.summary.events;
        if remaining == 0 {
            return None;
        }
        self.start_due_burst(remaining);

        let queued = self.queue.len() as u64;
        let routine_at = self.routine_head().at;
        let attack_first = self
            .queue
            .peek()
            .is_some_and(|Reverse(next)| next.entry.at <= routine_at || queued == remaining);
        let entry = if attack_first {
            let Reverse(queued) = self.queue.pop().expect("the queue was not empty");
            if queued.closes_burst {
                self.bursts_in_flight -= 1;
            }
            self.summary.attack_events += 1;
            queued.entry
        } else {
            self.upcoming
                .take()
                .expect("the routine head was generated")
        };

        self.summary.events += 1;
        self.summary.json_bytes += entry.text.len() as u64;
        Some(entry)
    }

    /// The next routine record, generated if need be.
    fn routine_head(&mut self) -> &Entry {
        if self.upcoming.is_none() {
            self.upcoming = Some(self.routine.next(&self.organisation));
        }
        self.upcoming.as_ref().expect("just generated")
    }

    /// Plans and queues a burst if one is due, there is room for it, and it
    /// fits in the `remaining` records.
    fn start_due_burst(&mut self, remaining: u64) {
        if self.config.attack_every == 0
            || self.summary.events < self.next_burst_at
            || self.bursts_in_flight >= MAX_BURSTS_IN_FLIGHT
        {
            return;
        }
        let kind = AttackKind::ALL[self.next_kind % AttackKind::ALL.len()];
        self.next_kind += 1;
        let start = self.routine.now() + self.attack_dice.between(SECOND, 30 * SECOND);
        let entries = attacks::plan(
            kind,
            &self.organisation,
            self.config.seed,
            start,
            &mut self.attack_dice,
        );
        if entries.len() as u64 + self.queue.len() as u64 > remaining {
            // Too late for this burst; later ones would not fit either.
            self.next_burst_at = u64::MAX;
            return;
        }

        let count = entries.len();
        for (position, entry) in entries.into_iter().enumerate() {
            self.queue.push(Reverse(Queued {
                entry,
                order: self.queued_so_far,
                closes_burst: position + 1 == count,
            }));
            self.queued_so_far += 1;
        }
        self.bursts_in_flight += 1;
        self.summary.attack_bursts += 1;
        *self.summary.bursts_by_kind.entry(kind.name()).or_default() += 1;
        self.next_burst_at = self.summary.events + self.spacing();
    }
}

impl Iterator for Corpus {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        self.next_entry().map(|entry| entry.text)
    }
}
