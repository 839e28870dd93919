//! The two builds of the rule pack agree: every shipped rule compiled to a
//! component and the same crates compiled natively into the host give the
//! same alerts, in the same order, over a generated corpus dense with
//! attacks. The benchmarks compare the two builds' speed; this is what
//! makes that comparison one of the same work.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use ferrule::alert::Alert;
use ferrule::decode::Input;
use ferrule::enrich::{self, Enrich, EnrichmentArgs};
use ferrule::pipeline::{Pipeline, PipelineConfig, drain};
use ferrule::registry::rule_files;
use ferrule::runtime::{Limits, RuleInstance, Runtime, SharedState};
use ferrule::state::MemoryStore;
use ferrule_corpus::{CorpusConfig, write_ndjson};
use ferrule_tests::{SharedSink, root, rules_dir, shared_testdata};

/// Records in the corpus, and the mean spacing of its attack bursts: dense
/// enough that every kind of burst the generator knows appears.
const EVENTS: u64 = 40_000;
const ATTACK_EVERY: u64 = 400;

/// Writes the corpus once per test process.
fn corpus() -> &'static Path {
    static CORPUS: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = root().join("target/test-scratch");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("equivalence-corpus-{}.ndjson", std::process::id()));
        let config = CorpusConfig {
            seed: 11,
            events: EVENTS,
            start: "2026-11-02T08:00:00Z".parse().unwrap(),
            attack_every: ATTACK_EVERY,
        };
        let summary = write_ndjson(config, std::fs::File::create(&path).unwrap()).unwrap();
        assert!(summary.attack_bursts >= 50, "{summary:?}");
        path
    })
}

/// The shared IP-to-AS and country data when present, so the rules on AS
/// numbers and countries take part; without it those rules see no such
/// fields in either build.
fn enricher() -> Arc<dyn Enrich> {
    let Some(dir) = shared_testdata().map(|d| d.join("enrichment")) else {
        return enrich::none();
    };
    let args = EnrichmentArgs {
        asn_db: vec![dir.join("asn-ipv4.csv.gz")],
        geo_db: vec![dir.join("GeoLite2-Country.mmdb.gz")],
    };
    enrich::from_args(&args).expect("the shared enrichment data loads")
}

/// Runs `load`'s rules over the corpus as `ferrule run` would, and returns
/// every alert written.
fn alerts(load: impl FnOnce(&Runtime) -> Vec<RuleInstance>) -> Vec<Alert> {
    let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
    let runtime = Runtime::new(Limits::default(), state.clone()).expect("engine");
    let rules = load(&runtime);
    let sink = SharedSink::default();
    let mut pipeline = Pipeline::new(
        rules,
        state,
        Box::new(sink.clone()),
        PipelineConfig::default(),
    );
    let input = vec![Input::File(corpus().to_path_buf())];
    drain(&mut pipeline, input, enricher(), |_| {}).expect("the corpus runs");
    pipeline.finish().expect("memory sink");
    for rule in &pipeline.stats().rules {
        assert_eq!(rule.total_failures(), 0, "{} failed", rule.slug);
    }
    sink.0.lock().unwrap().clone()
}

fn components(runtime: &Runtime) -> Vec<RuleInstance> {
    rule_files(&rules_dir())
        .unwrap()
        .iter()
        .map(|file| runtime.load_file(file).unwrap())
        .collect()
}

fn native(runtime: &Runtime) -> Vec<RuleInstance> {
    ferrule_native_rules::load_pack(runtime).unwrap()
}

/// Alerts as text, one per alert: every field the contract defines.
fn texts(alerts: &[Alert]) -> Vec<String> {
    alerts
        .iter()
        .map(|alert| serde_json::to_string(alert).unwrap())
        .collect()
}

fn count_by_rule(alerts: &[Alert]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for alert in alerts {
        *counts.entry(alert.rule.slug.clone()).or_default() += 1;
    }
    counts
}

#[test]
fn components_and_native_build_write_identical_alerts() {
    let from_components = alerts(components);
    let from_native = alerts(native);

    let counts = count_by_rule(&from_components);
    // A comparison of two empty lists proves nothing: the corpus must make
    // a good part of the pack speak.
    let wanted = if shared_testdata().is_some() { 25 } else { 18 };
    assert!(
        counts.len() >= wanted,
        "only {} rules alerted over the corpus: {counts:?}",
        counts.len()
    );
    assert_eq!(count_by_rule(&from_native), counts);
    let (left, right) = (texts(&from_components), texts(&from_native));
    for (index, (a, b)) in left.iter().zip(&right).enumerate() {
        assert_eq!(a, b, "alert {index} differs");
    }
    assert_eq!(left.len(), right.len());
}

#[test]
fn the_comparison_notices_a_rule_missing_from_one_build() {
    let full = alerts(native);
    let dropped = full.first().expect("the pack alerts").rule.slug.clone();
    let without = alerts(|runtime| {
        native(runtime)
            .into_iter()
            .filter(|rule| rule.metadata().slug != dropped)
            .collect()
    });
    assert!(without.len() < full.len());
    assert_ne!(texts(&without), texts(&full));
    assert!(!count_by_rule(&without).contains_key(&dropped));
}
