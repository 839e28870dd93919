//! The SDK's state idioms against the real host: first seen, sequences,
//! sliding windows and suppression, each with its edges; the same alerts
//! whatever the arrival order within the allowed lateness, whatever the
//! batching; and state that stays bounded as windows expire.

use std::borrow::Cow;
use std::collections::BTreeSet;

use ferrule::decode::Position;
use ferrule::event::{Event, FieldValue, Fields};
use ferrule::pipeline::PipelineConfig;
use ferrule::runtime::Limits;
use ferrule_tests::{Harness, cloudtrail, event, evidence, test_rules_dir, with};
use serde_json::{Value, json};

const BASE_MS: i64 = 1_777_636_800_000; // 2026-05-01T12:00:00Z
const LATENESS_MS: i64 = 30_000;

fn harness() -> Harness {
    Harness::with_lateness(&test_rules_dir(), &["idioms"], LATENESS_MS)
}

/// A record for the fixture: `action` by `user` at `ms` after the base.
fn record(id: &str, action: &str, user: &str, ms: i64) -> Value {
    let time = chrono::DateTime::from_timestamp_millis(BASE_MS + ms).unwrap();
    let record = with(
        cloudtrail(id, "test.amazonaws.com", action),
        "eventTime",
        json!(time.to_rfc3339()),
    );
    with(record, "userIdentity.userName", json!(user))
}

#[test]
fn first_seen_alerts_once_per_term_per_history() {
    let alerts = harness().run(&[
        record("a0", "Seen", "alice", 0),
        record("a1", "Seen", "alice", 5_000),
        record("b0", "Seen", "bob", 6_000),
        record("a2", "Seen", "alice", 15_000), // 10 s after a1: not more than the history
        record("a3", "Seen", "alice", 25_001), // 10.001 s after a2: new again
        record("n0", "Seen", "", 26_000),      // an empty term is never new
    ]);
    assert_eq!(evidence(&alerts), [vec!["a0"], vec!["b0"], vec!["a3"]]);
}

#[test]
fn sequences_complete_in_order_within_the_span_even_when_steps_arrive_out_of_order() {
    let alerts = harness().run(&[
        // Arrival order C, A, B; event times A < B < C within 60 s.
        record("c", "StepC", "alice", 20_000),
        record("a", "StepA", "alice", 0),
        record("b", "StepB", "alice", 10_000),
    ]);
    assert_eq!(evidence(&alerts), [vec!["a", "b", "c"]]);
    assert_eq!(
        alerts[0].timestamp_ms,
        BASE_MS + 20_000,
        "stamped with the completing event"
    );

    let too_slow = harness().run(&[
        record("a", "StepA", "alice", 0),
        record("b", "StepB", "alice", 10_000),
        record("c", "StepC", "alice", 60_001),
    ]);
    assert!(too_slow.is_empty(), "one ms past the span");

    let wrong_order = harness().run(&[
        record("b", "StepB", "alice", 0),
        record("a", "StepA", "alice", 10_000),
        record("c", "StepC", "alice", 20_000),
    ]);
    assert!(wrong_order.is_empty(), "B before A does not count");

    let other_key = harness().run(&[
        record("a", "StepA", "alice", 0),
        record("b", "StepB", "bob", 10_000),
        record("c", "StepC", "alice", 20_000),
    ]);
    assert!(other_key.is_empty(), "steps are joined on the key");
}

#[test]
fn sliding_windows_count_and_bound_their_entries() {
    let mut records = Vec::new();
    for (i, ip) in ["1.1.1.1", "2.2.2.2", "1.1.1.1"].iter().enumerate() {
        records.push(with(
            record(&format!("w{i}"), "Count", "alice", i as i64 * 1_000),
            "sourceIPAddress",
            json!(ip),
        ));
    }
    // 10.001 s after the first entry: it slides out.
    records.push(with(
        record("w3", "Count", "alice", 10_001),
        "sourceIPAddress",
        json!("3.3.3.3"),
    ));
    let alerts = harness().run(&records);
    let counts: Vec<(i64, i64)> = alerts
        .iter()
        .map(|a| {
            (
                a.fields["count"].as_i64().unwrap(),
                a.fields["distinct"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [(1, 1), (2, 2), (3, 2), (3, 3)]);
    assert_eq!(
        alerts[3].fields["members"],
        json!(["2.2.2.2", "1.1.1.1", "3.3.3.3"])
    );

    let burst: Vec<Value> = (0..8)
        .map(|i| {
            with(
                record(&format!("x{i}"), "Count", "bob", i),
                "sourceIPAddress",
                json!(format!("10.0.0.{i}")),
            )
        })
        .collect();
    let alerts = harness().run(&burst);
    let last = &alerts.last().unwrap().fields;
    assert_eq!(
        (
            last["count"].as_i64(),
            last["distinct"].as_i64(),
            last["dropped"].as_i64()
        ),
        (Some(5), Some(5), Some(3))
    );
}

#[test]
fn suppression_lets_one_alert_through_per_window_and_counts_the_rest() {
    let alerts = harness().run(&[
        record("s0", "Suppressed", "alice", 0),
        record("s1", "Suppressed", "alice", 1_000),
        record("s2", "Suppressed", "alice", 59_999),
        record("t0", "Suppressed", "bob", 2_000),
        record("s3", "Suppressed", "alice", 60_000),
    ]);
    let admitted: Vec<(String, i64)> = alerts
        .iter()
        .map(|a| (a.evidence[0].clone(), a.fields["held"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        admitted,
        [("s0".into(), 0), ("t0".into(), 0), ("s3".into(), 2)]
    );
}

/// A small deterministic generator, so failures reproduce.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn scenario(seed: u64) -> Vec<(i64, Value)> {
    let mut random = Random(seed);
    let actions = ["Seen", "StepA", "StepB", "StepC", "Count", "Suppressed"];
    let users = ["alice", "bob", "carol"];
    (0..80)
        .map(|i| {
            let at = random.below(300_000) as i64;
            let action = actions[random.below(actions.len() as u64) as usize];
            let user = users[random.below(users.len() as u64) as usize];
            let ip = format!("192.0.2.{}", random.below(4));
            (
                at,
                with(
                    record(&format!("e{i:03}"), action, user, at),
                    "sourceIPAddress",
                    json!(ip),
                ),
            )
        })
        .collect()
}

/// Alerts as a comparable set: id, rule, evidence and fields.
fn alert_set(alerts: &[ferrule::alert::Alert]) -> BTreeSet<String> {
    alerts
        .iter()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect()
}

#[test]
fn the_same_events_shuffled_within_the_lateness_give_the_same_alerts() {
    let mut events = scenario(0x5eed);
    events.sort_by_key(|(at, _)| *at);
    let ordered: Vec<Value> = events.iter().map(|(_, r)| r.clone()).collect();
    let expected = alert_set(&harness().run(&ordered));
    assert!(
        expected.len() > 10,
        "the scenario exercises the idioms ({} alerts)",
        expected.len()
    );

    let mut random = Random(42);
    for round in 0..40 {
        // Each event arrives up to the lateness after its own time.
        let mut arrivals: Vec<(i64, &Value)> = events
            .iter()
            .map(|(at, r)| (at + random.below(LATENESS_MS as u64) as i64, r))
            .collect();
        arrivals.sort_by_key(|(arrival, _)| *arrival);
        let shuffled: Vec<Value> = arrivals.into_iter().map(|(_, r)| r.clone()).collect();
        assert_eq!(
            alert_set(&harness().run(&shuffled)),
            expected,
            "shuffle round {round}"
        );
    }
}

#[test]
fn one_batch_one_event_at_a_time_and_interleaved_inputs_agree() {
    let mut events = scenario(0xfeed);
    events.sort_by_key(|(at, _)| *at);
    let records: Vec<Value> = events.into_iter().map(|(_, r)| r).collect();
    let batch = alert_set(&harness().run(&records));

    let mut single = harness();
    for record in &records {
        single.pipeline.process(vec![event(record)]).unwrap();
    }
    single.pipeline.finish().unwrap();
    let one_by_one = alert_set(&single.sink.0.lock().unwrap());

    // Two inputs, one for alice and one for the other users, each in time
    // order, merged as a shipper would: one input runs ahead of the other
    // by up to 20 s (inside the 30 s lateness), in uneven chunks.
    let time = |r: &Value| {
        chrono::DateTime::parse_from_rfc3339(r["eventTime"].as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    let (left, right): (Vec<&Value>, Vec<&Value>) = records
        .iter()
        .partition(|r| r["userIdentity"]["userName"] == "alice");
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    let mut interleaved = harness();
    let mut chunk = Vec::new();
    loop {
        let take_left = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => time(a) <= time(b) + 20_000,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_left { l.next() } else { r.next() };
        chunk.push(event(next.unwrap()));
        if chunk.len() == 4 {
            interleaved
                .pipeline
                .process(std::mem::take(&mut chunk))
                .unwrap();
        }
    }
    interleaved.pipeline.process(chunk).unwrap();
    interleaved.pipeline.finish().unwrap();
    let mixed = alert_set(&interleaved.sink.0.lock().unwrap());

    assert_eq!(one_by_one, batch);
    assert_eq!(mixed, batch);
}

/// A minimal fixture event without going through JSON, for volume.
fn seen_event(user: &str, at: i64) -> Event {
    let mut fields = Fields::new();
    fields.put(
        "data_stream.dataset",
        FieldValue::Text(Cow::Borrowed("aws.cloudtrail")),
    );
    fields.put("event.action", FieldValue::Text(Cow::Borrowed("Seen")));
    fields.put(
        "event.id",
        FieldValue::Text(Cow::Owned(format!("id-{user}"))),
    );
    fields.put("user.name", FieldValue::Text(Cow::Owned(user.to_owned())));
    fields.into_event(
        Position {
            source: "volume".into(),
            line: 1,
            record: None,
        },
        at,
    )
}

/// Counts alerts without keeping them.
#[derive(Default)]
struct CountingSink(u64);

impl ferrule::sink::AlertSink for CountingSink {
    fn write(&mut self, _alert: &ferrule::alert::Alert) -> std::io::Result<()> {
        self.0 += 1;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn state_stays_bounded_as_histories_expire() {
    const KEYS: i64 = 1_000_000;
    let state: ferrule::runtime::SharedState =
        std::sync::Arc::new(std::sync::Mutex::new(ferrule::state::MemoryStore::new()));
    let runtime = ferrule::runtime::Runtime::new(Limits::default(), state.clone()).unwrap();
    let rule = runtime
        .load_file(&test_rules_dir().join("idioms.wasm"))
        .unwrap();
    let config = PipelineConfig {
        lateness_ms: LATENESS_MS,
        ..PipelineConfig::default()
    };
    let mut pipeline = ferrule::pipeline::Pipeline::new(
        vec![rule],
        state,
        Box::new(CountingSink::default()),
        config,
    );
    let mut peak = 0;
    let mut batch = Vec::with_capacity(1000);
    // One distinct user a second for a million seconds (11.6 days of event
    // time); each is remembered for 10 s.
    for i in 0..KEYS {
        batch.push(seen_event(&i.to_string(), BASE_MS + i * 1_000));
        if batch.len() == 1000 {
            pipeline.process(std::mem::take(&mut batch)).unwrap();
            peak = peak.max(pipeline.stats().state_entries);
        }
    }
    pipeline.finish().unwrap();
    let stats = pipeline.stats();
    assert_eq!(stats.events, KEYS as u64);
    assert_eq!(stats.alerts, KEYS as u64, "every user is new");
    // At most the history plus the lateness plus one batch of entries live.
    assert!(peak <= 10 + 30 + 1000 + 1, "peak state entries {peak}");
    assert_eq!(
        stats.state_entries, 0,
        "everything expired once the input ended"
    );
}
