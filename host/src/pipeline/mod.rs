//! The pipeline: events in, alerts out, one batch at a time.
//!
//! For each batch of normalized events the pipeline
//!
//! 1. advances the watermark and asks the [interest index](crate::dispatch)
//!    which rules each event can match;
//! 2. hands every interested rule that takes events as they arrive its
//!    events in one call, in input order;
//! 3. holds events for rules that take them in event-time order in the
//!    [reorder buffer](reorder), and hands them over, in event-time order,
//!    once the watermark passes them;
//! 4. validates the alerts, orders them by the event that completed them
//!    (then by rule), and writes them to the sink; then offers them as
//!    events to higher-order rules ([`crate::feedback`]) before the next
//!    batch of input;
//! 5. calls `on-tick` on rules that asked for it when the watermark moved,
//!    and expires state behind the watermark.
//!
//! # Failure containment
//!
//! A rule call that traps, times out or returns an error leaves no state
//! behind (its writes are discarded) and does not affect any other rule.
//! A failed batch is retried one event at a time, so only the event that
//! makes the rule fail is lost to that rule, and the log names it. A rule
//! that fails [`PipelineConfig::quarantine_after`] times in a row is
//! quarantined with a growing backoff (see [`slot`]); the events it misses
//! are counted.
//!
//! # Rule lifecycle
//!
//! [`Pipeline::apply`] adds, replaces, removes, enables and disables rules
//! between two batches, so every event is seen by exactly one version of a
//! rule (see [`lifecycle`]).
//!
//! # Learning
//!
//! Alerts whose event time is before [`Pipeline::hold_alerts_until`] are
//! held back (counted, not written): rules build their state from the
//! events without alerting, for a learning period or while warming up from
//! archived logs.

mod drive;
mod feed;
mod latency;
mod lifecycle;
mod reorder;
mod slot;
mod stats;

pub use drive::drain;
pub use feed::{Feed, FeedItem, spawn_feed};
pub use latency::CallTimes;
pub use lifecycle::{RuleChange, RuleStatus};
pub use stats::{RuleStats, Stats};

use std::io;
use std::sync::Arc;

use crate::alert::Alert;
use crate::dispatch::InterestIndex;
use crate::event::Event;
use crate::feedback;
use crate::runtime::{CallError, RuleInstance, SharedState, wit};
use crate::sink::AlertSink;
use crate::watermark::{DEFAULT_LATENESS_MS, Watermark};
use reorder::ReorderBuffer;
use slot::Slot;

/// How the pipeline runs.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Allowed lateness of events behind the newest one, ms.
    pub lateness_ms: i64,
    /// Most events handed to a rule in one call.
    pub batch_size: usize,
    /// Consecutive failures after which a rule is quarantined.
    pub quarantine_after: u32,
    /// Learning period, ms of event time from the first event, during
    /// which alerts are held back.
    pub learn_ms: Option<i64>,
    /// How long a removed rule's state is kept, in case it comes back.
    pub removal_grace: std::time::Duration,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            lateness_ms: DEFAULT_LATENESS_MS,
            batch_size: 256,
            quarantine_after: 5,
            learn_ms: None,
            removal_grace: std::time::Duration::from_secs(300),
        }
    }
}

/// Runs rules over batches of events.
pub struct Pipeline {
    slots: Vec<Slot>,
    index: InterestIndex,
    watermark: Watermark,
    reorder: ReorderBuffer,
    state: SharedState,
    sink: Box<dyn AlertSink>,
    config: PipelineConfig,
    stats: Stats,
    hold_until: Option<i64>,
    warming: bool,
    /// Scratch: the rules an event matched.
    matched: Vec<usize>,
    /// Scratch: the encoded events of one rule call, reused from call to
    /// call so the hot path does not allocate for it.
    call_batch: Vec<u8>,
    /// Alerts waiting to be offered to higher-order rules.
    feedback: Vec<Event>,
    /// Whether any rule reads alerts.
    has_higher_order: bool,
}

/// An alert waiting to be written, with its sort key.
struct Pending {
    position: usize,
    rule: usize,
    alert: Alert,
}

impl Pipeline {
    /// A pipeline over `rules`, writing to `sink`.
    pub fn new(
        rules: Vec<RuleInstance>,
        state: SharedState,
        sink: Box<dyn AlertSink>,
        config: PipelineConfig,
    ) -> Pipeline {
        let slots: Vec<Slot> = rules.into_iter().map(Slot::new).collect();
        let mut pipeline = Pipeline {
            has_higher_order: false,
            feedback: Vec::new(),
            slots,
            index: InterestIndex::default(),
            watermark: Watermark::new(config.lateness_ms),
            reorder: ReorderBuffer::default(),
            state,
            sink,
            config,
            stats: Stats::default(),
            hold_until: None,
            warming: false,
            matched: Vec::new(),
            call_batch: Vec::new(),
        };
        pipeline.rebuild_index();
        pipeline
    }

    /// Rebuilds the dispatch index from the active rules.
    fn rebuild_index(&mut self) {
        let active = self.slots.iter().enumerate().filter(|(_, s)| s.is_active());
        self.index = InterestIndex::build(
            active.map(|(i, s)| (i, s.instance.metadata().interests.as_slice())),
        );
        self.has_higher_order = self.slots.iter().any(|s| s.higher_order && s.is_active());
    }

    /// The configured batch size.
    pub fn batch_size(&self) -> usize {
        self.config.batch_size.max(1)
    }

    /// Holds back every alert whose event time is at or before `until`.
    /// Never moves back.
    pub fn hold_alerts_until(&mut self, until: i64) {
        self.hold_until = Some(self.hold_until.map_or(until, |h| h.max(until)));
    }

    /// Starts warming state from archived logs: every alert is held back
    /// until [`Pipeline::end_warm_up`].
    pub fn begin_warm_up(&mut self) {
        self.warming = true;
    }

    /// Ends the warm-up: alerts are written again, except those for events
    /// up to the newest archived one (some may still wait in the reorder
    /// buffer).
    pub fn end_warm_up(&mut self) {
        self.warming = false;
        if let Some(newest) = self.watermark.max_event_ms() {
            self.hold_alerts_until(newest);
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        let mut stats = self.stats.clone();
        stats.rules = self
            .slots
            .iter()
            .map(|slot| RuleStats {
                quarantined: slot.is_quarantined(),
                ..slot.stats.clone()
            })
            .collect();
        stats.state_entries = self.state.lock().map_or(0, |s| s.total_len());
        stats.late_events = self.reorder.late();
        stats
    }

    /// Counts a record that could not be decoded or normalized.
    pub fn reject(&mut self, kind: &'static str, message: &str) {
        *self.stats.rejected.entry(kind).or_insert(0) += 1;
        let seen = self.stats.rejected.values().sum::<u64>();
        if seen <= 100 {
            tracing::warn!(kind, "rejected record: {message}");
        } else if seen == 101 {
            tracing::warn!("more than 100 rejected records; further ones are only counted");
        }
    }

    /// Processes one batch of events.
    ///
    /// # Errors
    ///
    /// Only the sink's I/O error; rule failures are contained and counted.
    pub fn process(&mut self, events: Vec<Event>) -> io::Result<()> {
        self.drop_expired_removals();
        let watermark_before = self.watermark.current();
        for event in &events {
            self.stats.events += 1;
            if self.config.learn_ms.is_some() && self.watermark.max_event_ms().is_none() {
                let learn = self.config.learn_ms.unwrap_or(0);
                self.hold_alerts_until(event.timestamp_ms().saturating_add(learn));
            }
            self.watermark.observe(event.timestamp_ms());
        }
        self.route(events, true)?;

        let watermark = self.watermark.current();
        self.release(watermark)?;
        if watermark > watermark_before {
            self.tick(watermark)?;
        }
        self.feed_back()?;
        // Last, so alerts fed back in this batch still find the state that
        // higher-order rules kept for them.
        if watermark > watermark_before {
            self.expire(watermark);
        }
        self.sink.flush()
    }

    /// Offers the alerts written so far to higher-order rules, until none
    /// is left (their own alerts are not fed back, so this ends).
    fn feed_back(&mut self) -> io::Result<()> {
        while !self.feedback.is_empty() {
            let alerts = std::mem::take(&mut self.feedback);
            self.stats.alerts_fed_back += alerts.len() as u64;
            self.route(alerts, false)?;
            let watermark = self.watermark.current();
            self.release(watermark)?;
        }
        Ok(())
    }

    /// Dispatches events to the rules that take them as they arrive, and
    /// holds them for the rules that take them in event-time order. `input`
    /// is false for fed-back alerts, which never count as late.
    fn route(&mut self, events: Vec<Event>, input: bool) -> io::Result<()> {
        let events: Vec<Arc<Event>> = events.into_iter().map(Arc::new).collect();
        let mut routed: Vec<Vec<usize>> = vec![Vec::new(); self.slots.len()];
        for (position, event) in events.iter().enumerate() {
            self.index.matches(&event.reader(), &mut self.matched);
            let mut held_for = Vec::new();
            for &rule in &self.matched {
                if self.slots[rule].instance.metadata().event_time_order {
                    held_for.push(rule);
                } else {
                    routed[rule].push(position);
                }
            }
            if !held_for.is_empty() {
                self.reorder.hold(event.clone(), held_for, input);
            }
        }
        let mut pending = Vec::new();
        self.dispatch(&events, &routed, &mut pending);
        self.write(pending)
    }

    /// Ends the input: the watermark closes, held events are released,
    /// every rule that wants ticks gets a final one, and the sink is
    /// flushed.
    ///
    /// # Errors
    ///
    /// The sink's I/O error.
    pub fn finish(&mut self) -> io::Result<()> {
        self.watermark.close();
        let watermark = self.watermark.current();
        self.release(watermark)?;
        self.tick(watermark)?;
        self.feed_back()?;
        self.expire(watermark);
        self.sink.flush()
    }

    /// Hands the reorder buffer's events up to `watermark` to their rules.
    fn release(&mut self, watermark: i64) -> io::Result<()> {
        let released = self.reorder.release(watermark);
        if released.is_empty() {
            return Ok(());
        }
        let mut routed: Vec<Vec<usize>> = vec![Vec::new(); self.slots.len()];
        let mut events = Vec::with_capacity(released.len());
        for (position, held) in released.into_iter().enumerate() {
            for rule in held.rules {
                // A rule removed or disabled since the event was held.
                if self.slots[rule].is_active() {
                    routed[rule].push(position);
                }
            }
            events.push(held.event);
        }
        let mut pending = Vec::new();
        self.dispatch(&events, &routed, &mut pending);
        self.write(pending)
    }

    /// Calls every rule with its events, `batch_size` at a time.
    fn dispatch(
        &mut self,
        events: &[Arc<Event>],
        routed: &[Vec<usize>],
        pending: &mut Vec<Pending>,
    ) {
        for (rule, positions) in routed.iter().enumerate() {
            for chunk in positions.chunks(self.batch_size()) {
                self.run_rule(rule, events, chunk, pending);
            }
        }
        pending.sort_by_key(|p| (p.position, p.rule));
    }

    /// Calls `on-tick` on the rules that want it.
    fn tick(&mut self, watermark: i64) -> io::Result<()> {
        let mut pending = Vec::new();
        for rule in 0..self.slots.len() {
            let quarantine_after = self.config.quarantine_after;
            let slot = &mut self.slots[rule];
            if !slot.instance.metadata().wants_tick
                || !slot.may_run(std::time::Instant::now(), quarantine_after)
            {
                continue;
            }
            slot.stats.calls += 1;
            let started = std::time::Instant::now();
            let outcome = slot.instance.on_tick(watermark).map_err(|e| (e, None));
            let took = started.elapsed();
            slot.stats.call_time += took;
            slot.stats.call_times.record(took);
            self.collect(rule, usize::MAX, None, outcome, &mut pending);
        }
        self.write(pending)
    }

    /// Drops state the watermark has passed.
    fn expire(&mut self, watermark: i64) {
        let expired = self.state.lock().map_or(0, |mut s| s.expire(watermark));
        self.stats.state_expired += expired as u64;
    }

    fn run_rule(
        &mut self,
        rule: usize,
        events: &[Arc<Event>],
        positions: &[usize],
        pending: &mut Vec<Pending>,
    ) {
        if !self.slots[rule].may_run(std::time::Instant::now(), self.config.quarantine_after) {
            self.slots[rule].stats.skipped_events += positions.len() as u64;
            return;
        }
        let mut batch = std::mem::take(&mut self.call_batch);
        batch.clear();
        for &position in positions {
            batch.extend_from_slice(events[position].record());
        }
        let outcome = self.call_events(rule, &batch, positions.len());
        self.call_batch = batch;
        match outcome {
            Ok(alerts) => self.collect(
                rule,
                usize::MAX,
                Some((events, positions)),
                Ok(alerts),
                pending,
            ),
            Err(error) if positions.len() == 1 => {
                let event = &events[positions[0]];
                self.collect(
                    rule,
                    positions[0],
                    Some((events, positions)),
                    Err((error, Some(event))),
                    pending,
                );
            }
            Err(error) => {
                let slot = &self.slots[rule];
                tracing::warn!(rule = %slot.instance.metadata().id, events = positions.len(), error = %error,
                    "rule failed on a batch; retrying its events one at a time");
                for &position in positions {
                    if self.slots[rule].is_quarantined() {
                        self.slots[rule].stats.skipped_events += 1;
                        continue;
                    }
                    let event = &events[position];
                    let outcome = self
                        .call_events(rule, event.record(), 1)
                        .map_err(|e| (e, Some(event)));
                    self.collect(rule, position, Some((events, positions)), outcome, pending);
                }
            }
        }
    }

    fn call_events(
        &mut self,
        rule: usize,
        batch: &[u8],
        count: usize,
    ) -> Result<Vec<wit::Alert>, CallError> {
        let slot = &mut self.slots[rule];
        slot.stats.calls += 1;
        slot.stats.events += count as u64;
        let started = std::time::Instant::now();
        let outcome = slot.instance.on_events(batch);
        let took = started.elapsed();
        slot.stats.call_time += took;
        slot.stats.call_times.record(took);
        outcome
    }

    /// Validates a call's alerts or accounts for its failure.
    fn collect(
        &mut self,
        rule: usize,
        position: usize,
        batch: Option<(&[Arc<Event>], &[usize])>,
        outcome: Result<Vec<wit::Alert>, (CallError, Option<&Arc<Event>>)>,
        pending: &mut Vec<Pending>,
    ) {
        let slot = &mut self.slots[rule];
        let id = slot.instance.metadata().id.clone();
        match outcome {
            Ok(alerts) => {
                slot.record_success();
                let locator = (!alerts.is_empty()).then(|| Locator::new(batch)).flatten();
                for raw in alerts {
                    match Alert::from_rule(raw, &slot.alert_rule) {
                        Ok(alert) => {
                            let position = locator
                                .as_ref()
                                .and_then(|l| l.locate(&alert))
                                .unwrap_or(position);
                            pending.push(Pending {
                                position,
                                rule,
                                alert,
                            });
                        }
                        Err(error) => {
                            slot.stats.count_failure("malformed_alert");
                            tracing::warn!(rule = %id, error = %error, "rule returned a malformed alert; dropped");
                        }
                    }
                }
            }
            Err((error, event)) => {
                match event {
                    Some(event) => {
                        tracing::error!(rule = %id, event = %event.id(), at = %event.position(),
                        error = %error, "rule failed; the event is lost to this rule only")
                    }
                    None => tracing::error!(rule = %id, error = %error, "rule tick failed"),
                }
                slot.record_failure(
                    error.kind(),
                    self.config.quarantine_after,
                    std::time::Instant::now(),
                );
            }
        }
    }

    fn write(&mut self, pending: Vec<Pending>) -> io::Result<()> {
        for Pending { alert, rule, .. } in pending {
            if self.has_higher_order && !self.slots[rule].higher_order {
                self.feedback.push(feedback::alert_event(&alert));
            }
            let held = self.warming
                || self
                    .hold_until
                    .is_some_and(|until| alert.timestamp_ms <= until);
            if held {
                self.stats.held_back += 1;
                self.slots[rule].stats.held_back += 1;
                continue;
            }
            self.stats.alerts += 1;
            self.slots[rule].stats.alerts += 1;
            self.sink.write(&alert)?;
        }
        Ok(())
    }
}

/// Finds the batch position of the event that completed an alert: the
/// event named by the alert's last evidence id.
struct Locator<'a> {
    positions: hashbrown::HashMap<&'a str, usize>,
}

impl<'a> Locator<'a> {
    fn new(batch: Option<(&'a [Arc<Event>], &[usize])>) -> Option<Locator<'a>> {
        let (events, positions) = batch?;
        // Later events win, so a repeated id locates its last occurrence.
        let positions = positions.iter().map(|&p| (events[p].id(), p)).collect();
        Some(Locator { positions })
    }

    fn locate(&self, alert: &Alert) -> Option<usize> {
        self.positions.get(alert.evidence.last()?.as_str()).copied()
    }
}
