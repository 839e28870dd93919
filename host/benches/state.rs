//! What a rule's reads and state writes cost on the host side.
//!
//! Run with `cargo bench -p ferrule --bench state` (or `cargo xtask bench`).
//!
//! - `layout/open_and_read`: open an encoded event (header check only) and
//!   read five fields, as dispatch and every rule do for each event;
//! - `layout/validate`: check every entry of the same event's offset table,
//!   the work opening an event no longer does;
//! - `state/window_add_commit`: one rule call adding one entry to a sliding
//!   window that holds 1,000 entries, and committing;
//! - `state/window_add_rollback`: the same call, rolled back (a trap);
//! - `state/window_copy`: copying that window, the price a transaction that
//!   staged copies of what it changes would pay per window per call.

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ferrule::decode::Position;
use ferrule::event::{Event, FieldValue, Fields};
use ferrule::state::{MemoryStore, StateStore, Stored, Transaction, WindowItem};

/// An event with the fields of a normalized CloudTrail record.
fn event() -> Event {
    let mut fields = Fields::new();
    for i in 0..48 {
        fields.put(
            format!("aws.cloudtrail.field_{i:02}"),
            FieldValue::Text(Cow::Owned(format!("value {i}"))),
        );
    }
    fields.str("event.action", "DescribeInstances");
    fields.str("event.provider", "ec2.amazonaws.com");
    fields.str("source.ip", "198.51.100.7");
    fields.str("user.name", "deploy-bot");
    fields.str("data_stream.dataset", "aws.cloudtrail");
    let position = Position {
        source: "bench".into(),
        line: 1,
        record: None,
    };
    fields.into_event(position, 1_700_000_000_000)
}

fn layout(c: &mut Criterion) {
    let event = event();
    let mut group = c.benchmark_group("layout");
    group.bench_function("open_and_read", |b| {
        b.iter(|| {
            let reader = black_box(&event).reader();
            for name in [
                "event.action",
                "event.provider",
                "source.ip",
                "user.name",
                "data_stream.dataset",
            ] {
                black_box(reader.get(name));
            }
        });
    });
    group.bench_function("validate", |b| {
        let reader = event.reader();
        b.iter(|| black_box(&reader).validate());
    });
    group.finish();
}

fn item(at: i64) -> WindowItem {
    WindowItem {
        at,
        member: format!("Action{}", at % 29),
        tag: format!("a5b0c1d2-e3f4-4a5b-8c6d-{at:012}"),
    }
}

/// A store holding one window of 1,000 entries, and the next event time.
fn store_with_window() -> (MemoryStore, i64) {
    let mut store = MemoryStore::new();
    let mut tx = Transaction::default();
    for at in 0..1_000 {
        tx.window_add(&mut store, "rule", "key", item(at), i64::MAX / 2, 1_000);
    }
    tx.commit(&mut store, "rule");
    (store, 1_000)
}

fn state(c: &mut Criterion) {
    let mut group = c.benchmark_group("state");
    group.bench_function("window_add_commit", |b| {
        let (mut store, mut at) = store_with_window();
        let mut tx = Transaction::default();
        b.iter(|| {
            let stats = tx.window_add(&mut store, "rule", "key", item(at), i64::MAX / 2, 1_000);
            tx.commit(&mut store, "rule");
            at += 1;
            black_box(stats)
        });
    });
    group.bench_function("window_add_rollback", |b| {
        let (mut store, at) = store_with_window();
        let mut tx = Transaction::default();
        b.iter(|| {
            let stats = tx.window_add(&mut store, "rule", "key", item(at), i64::MAX / 2, 1_000);
            tx.rollback(&mut store, "rule");
            black_box(stats)
        });
    });
    group.bench_function("window_copy", |b| {
        let (store, _) = store_with_window();
        let entry = store.get("rule", "key").expect("the window is stored");
        assert!(matches!(entry.value, Stored::Window(_)));
        b.iter(|| black_box(entry.clone()));
    });
    group.finish();
}

criterion_group!(benches, layout, state);
criterion_main!(benches);
