//! Throughput of the whole hot path, and the cost of swapping a rule.
//!
//! Run with `cargo xtask bench` (which builds the rule components first) or
//! `cargo bench -p ferrule --bench pipeline` after `cargo xtask build-rules`.
//!
//! - `pipeline/single_event_rules`: a batch of 256 raw CloudTrail records
//!   (a mix of tampering calls and noise), decoded from JSON text,
//!   normalized, dispatched and run through every single-event rule in
//!   `target/rules`, per record;
//! - `pipeline/normalize_only`: the same records through normalization and
//!   encoding alone, for comparison;
//! - `reload/prepare_candidate`: what the reload thread does off the hot
//!   path for a known file: load from the compiled-rule cache,
//!   instantiate, read metadata, smoke call;
//! - `reload/apply_swap`: what the pipeline thread does between two
//!   batches to swap a rule: the pause the hot path sees.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ferrule::decode::{Position, RawRecord};
use ferrule::normalize::normalize;
use ferrule::pipeline::{Pipeline, PipelineConfig, RuleChange};
use ferrule::runtime::{Limits, RuleInstance, Runtime, SharedState};
use ferrule::sink::AlertSink;
use ferrule::state::MemoryStore;

fn rules_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/rules");
    assert!(
        dir.is_dir(),
        "{} is missing: run `cargo xtask build-rules`",
        dir.display()
    );
    dir
}

/// The stateless rules: they run on arrival, so a batch measures them all.
fn single_event_rules(runtime: &Runtime) -> Vec<RuleInstance> {
    let mut rules = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(rules_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        if let Ok(rule) = runtime.load_file(&path)
            && !rule.metadata().event_time_order
            && !rule.metadata().wants_tick
        {
            rules.push(rule);
        }
    }
    rules
}

struct Discard;

impl AlertSink for Discard {
    fn write(&mut self, alert: &ferrule::alert::Alert) -> std::io::Result<()> {
        black_box(alert);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// 256 records: one in eight is a tampering call, the rest routine calls.
fn records() -> Vec<RawRecord> {
    let calls = [
        ("cloudtrail.amazonaws.com", "StopLogging"),
        ("s3.amazonaws.com", "GetObject"),
        ("sts.amazonaws.com", "GetCallerIdentity"),
        ("ec2.amazonaws.com", "DescribeInstances"),
        ("iam.amazonaws.com", "ListUsers"),
        ("bedrock.amazonaws.com", "InvokeModel"),
        ("kms.amazonaws.com", "Decrypt"),
        ("lambda.amazonaws.com", "ListFunctions20150331"),
    ];
    (0..256)
        .map(|i| {
            let (source, action) = calls[i % calls.len()];
            let text = format!(
                r#"{{"eventVersion":"1.09","userIdentity":{{"type":"IAMUser","principalId":"AIDAEXAMPLE{i}","arn":"arn:aws:iam::123456789012:user/u{u}","accountId":"123456789012","accessKeyId":"AKIAEXAMPLE{u:08}","userName":"u{u}"}},"eventTime":"2026-05-01T12:{m:02}:{s:02}Z","eventSource":"{source}","eventName":"{action}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.{u}","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 md/command#s3.ls","requestParameters":{{"name":"trail-{i}","bucketName":"bucket-{i}","maxResults":50}},"responseElements":null,"requestID":"req-{i}","eventID":"event-{i}","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{source}"}}}}"#,
                u = i % 17,
                m = i / 60,
                s = i % 60,
            );
            RawRecord {
                position: Position { source: "bench".into(), line: i as u64 + 1, record: None },
                json: text,
            }
        })
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
    let runtime = Runtime::new(Limits::default(), state.clone()).unwrap();
    let rules = single_event_rules(&runtime);
    eprintln!("pipeline bench: {} single-event rules loaded", rules.len());
    let mut pipeline = Pipeline::new(rules, state, Box::new(Discard), PipelineConfig::default());
    let records = records();

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("single_event_rules", |b| {
        b.iter(|| {
            let events = records.iter().map(|r| normalize(r).unwrap()).collect();
            pipeline.process(events).unwrap();
        })
    });
    group.bench_function("normalize_only", |b| {
        b.iter(|| {
            for record in &records {
                black_box(normalize(record).unwrap());
            }
        })
    });
    group.finish();
}

fn reload(c: &mut Criterion) {
    let cache = std::env::temp_dir().join(format!("ferrule-bench-cache-{}", std::process::id()));
    let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
    let runtime =
        Runtime::with_cache(Limits::default(), state.clone(), Some(cache.clone())).unwrap();
    let path = rules_dir().join("cloudtrail-stop-logging.wasm");
    let bytes = std::fs::read(&path).unwrap();
    // Compile once, so the cache holds the artifact as it would for a known file.
    runtime.load_bytes("bench", &bytes).unwrap();

    let mut group = c.benchmark_group("reload");
    group.bench_function("prepare_candidate", |b| {
        b.iter(|| {
            let mut rule = runtime.load_bytes("bench", &bytes).unwrap();
            rule.smoke_test().unwrap();
            black_box(rule)
        })
    });

    let running = runtime.load_bytes("bench", &bytes).unwrap();
    let mut pipeline = Pipeline::new(
        vec![running],
        state,
        Box::new(Discard),
        PipelineConfig::default(),
    );
    group.bench_function("apply_swap", |b| {
        b.iter_batched(
            || runtime.load_bytes("bench", &bytes).unwrap(),
            |candidate| pipeline.apply(RuleChange::Upsert(Box::new(candidate))),
            BatchSize::SmallInput,
        )
    });
    group.finish();
    let _ = std::fs::remove_dir_all(cache);
}

criterion_group!(benches, pipeline, reload);
criterion_main!(benches);
