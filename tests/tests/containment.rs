//! A rule that traps, loops, floods memory, reaches for WASI, returns a
//! malformed alert or an error is contained: the failure is counted and
//! named, its state writes are discarded, other rules see every event, and
//! a rule that keeps failing is quarantined.

use std::time::Duration;

use ferrule::pipeline::PipelineConfig;
use ferrule::runtime::Limits;
use ferrule_tests::{Harness, cloudtrail, rules_dir, summary, test_rules_dir};

fn harness(quarantine_after: u32) -> Harness {
    // Both the fixture and a shipped rule, loaded from their directories.
    let dir = ferrule_tests::root().join("target/test-scratch/containment");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        test_rules_dir().join("misbehaving.wasm"),
        dir.join("misbehaving.wasm"),
    )
    .unwrap();
    std::fs::copy(
        rules_dir().join("cloudtrail-stop-logging.wasm"),
        dir.join("cloudtrail-stop-logging.wasm"),
    )
    .unwrap();
    let limits = Limits {
        call_timeout: Duration::from_millis(100),
        memory_bytes: 16 << 20,
        ..Limits::default()
    };
    let config = PipelineConfig {
        quarantine_after,
        ..PipelineConfig::default()
    };
    Harness::with_limits(
        &dir,
        &["misbehaving", "cloudtrail-stop-logging"],
        limits,
        config,
    )
}

fn fixture(id: &str, action: &str) -> serde_json::Value {
    cloudtrail(id, "test.amazonaws.com", action)
}

fn stop(id: &str) -> serde_json::Value {
    cloudtrail(id, "cloudtrail.amazonaws.com", "StopLogging")
}

#[test]
fn every_kind_of_misbehaviour_is_contained_and_counted() {
    let mut harness = harness(100);
    let records = [
        fixture("count-1", "FixtureCount"),
        fixture("panic", "FixturePanic"),
        stop("stop-1"),
        fixture("loop", "FixtureLoop"),
        fixture("flood", "FixtureFloodMemory"),
        fixture("wasi", "FixtureReadFile"),
        fixture("bad-alert", "FixtureBadAlert"),
        fixture("error", "FixtureError"),
        stop("stop-2"),
        fixture("count-2", "FixtureCount"),
    ];
    let alerts = harness.run(&records);
    let found = summary(&alerts);
    assert_eq!(
        found,
        [
            ("fixture-misbehaving".to_owned(), vec!["count-1".to_owned()]),
            (
                "cloudtrail-stop-logging".to_owned(),
                vec!["stop-1".to_owned()]
            ),
            (
                "cloudtrail-stop-logging".to_owned(),
                vec!["stop-2".to_owned()]
            ),
            ("fixture-misbehaving".to_owned(), vec!["count-2".to_owned()]),
        ],
        "the other rule saw every event; no failing event produced an alert"
    );
    // Failed calls left no state: only the two good events and the one that
    // returned a malformed alert (a successful call) incremented the counter.
    let last = alerts
        .iter()
        .rev()
        .find(|a| a.rule.slug == "fixture-misbehaving")
        .unwrap();
    assert_eq!(last.fields["count"], 3);

    let stats = harness.pipeline.stats();
    let rule = stats
        .rules
        .iter()
        .find(|r| r.slug == "fixture-misbehaving")
        .unwrap();
    let failures: Vec<(&str, u64)> = rule.failures.iter().map(|(k, n)| (*k, *n)).collect();
    assert_eq!(
        failures,
        [
            ("malformed_alert", 1),
            ("memory_limit", 1),
            ("rule_error", 1),
            ("timeout", 1),
            ("trap", 2)
        ],
        "the WASI read traps like the panic"
    );
    assert!(!rule.quarantined);
}

#[test]
fn a_rule_that_keeps_failing_is_quarantined_and_others_carry_on() {
    let mut harness = harness(3);
    let mut records: Vec<_> = (0..6)
        .map(|i| fixture(&format!("panic-{i}"), "FixturePanic"))
        .collect();
    records.push(fixture("count-1", "FixtureCount"));
    records.push(stop("stop-1"));
    let alerts = harness.run(&records);
    assert_eq!(
        summary(&alerts),
        [(
            "cloudtrail-stop-logging".to_owned(),
            vec!["stop-1".to_owned()]
        )]
    );
    let stats = harness.pipeline.stats();
    let rule = stats
        .rules
        .iter()
        .find(|r| r.slug == "fixture-misbehaving")
        .unwrap();
    assert!(rule.quarantined);
    assert_eq!(rule.failures.get("trap"), Some(&3));
    assert_eq!(
        rule.skipped_events, 4,
        "three panics and the good event were skipped after quarantine"
    );
}

#[test]
fn a_success_resets_the_failure_streak() {
    let mut harness = harness(3);
    let records = [
        fixture("p1", "FixturePanic"),
        fixture("p2", "FixturePanic"),
        fixture("c1", "FixtureCount"),
        fixture("p3", "FixturePanic"),
        fixture("p4", "FixturePanic"),
        fixture("c2", "FixtureCount"),
    ];
    let alerts = harness.run(&records);
    assert_eq!(alerts.len(), 2);
    let stats = harness.pipeline.stats();
    assert!(!stats.rules.iter().any(|r| r.quarantined));
}
