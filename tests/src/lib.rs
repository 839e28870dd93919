//! Helpers for the end-to-end tests: where the built components, the
//! `ferrule` binary and the shared test data are; building raw CloudTrail
//! records; and running rules through the host library.
//!
//! The components must be built first (`cargo xtask build-rules`, which
//! `cargo xtask test` runs). Tests that read `../shared/testdata` skip with
//! a message when it is absent, unless `FERRULE_REQUIRE_SHARED` is set (as
//! CI sets it), in which case its absence fails them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ferrule::alert::Alert;
use ferrule::decode::{Position, RawRecord};
use ferrule::event::Event;
use ferrule::normalize::normalize;
use ferrule::pipeline::{Pipeline, PipelineConfig};
use ferrule::runtime::{Limits, RuleInstance, Runtime, SharedState};
use ferrule::sink::AlertSink;
use ferrule::state::MemoryStore;
use serde_json::{Value, json};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .into()
}

fn built(dir: &str) -> PathBuf {
    let path = root().join("target").join(dir);
    assert!(
        path.is_dir()
            && std::fs::read_dir(&path)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false),
        "{} has no components: run `cargo xtask build-rules` (or `cargo xtask test`)",
        path.display()
    );
    path
}

/// `target/rules`: the shipped rule components.
pub fn rules_dir() -> PathBuf {
    built("rules")
}

/// `target/test-rules`: the fixture components.
pub fn test_rules_dir() -> PathBuf {
    built("test-rules")
}

/// The `ferrule` binary built by `cargo xtask test`.
pub fn ferrule_bin() -> PathBuf {
    let path = root().join("target/debug/ferrule");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask test`",
        path.display()
    );
    path
}

/// `../shared/testdata`, or `None` (after saying so) when this clone has
/// none beside it.
pub fn shared_testdata() -> Option<PathBuf> {
    let path = root()
        .parent()
        .expect("the workspace has a parent")
        .join("shared/testdata");
    if path.is_dir() {
        return Some(path);
    }
    if std::env::var_os("FERRULE_REQUIRE_SHARED").is_some() {
        panic!(
            "{} is required (FERRULE_REQUIRE_SHARED is set) but absent",
            path.display()
        );
    }
    eprintln!(
        "skipping: {} is absent (it sits beside the project in CI)",
        path.display()
    );
    None
}

/// A raw CloudTrail record of a successful call by an IAM user, with the
/// fields rules look at. Adjust it with [`with`].
pub fn cloudtrail(id: &str, source: &str, action: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "eventTime": "2026-05-01T12:00:00Z",
        "eventSource": source,
        "eventName": action,
        "eventID": id,
        "eventType": "AwsApiCall",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
        "readOnly": false,
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEALICE",
            "arn": "arn:aws:iam::123456789012:user/alice",
            "accountId": "123456789012",
            "accessKeyId": "AKIAEXAMPLEALICE0001",
            "userName": "alice"
        },
        "requestParameters": {"name": "main-trail"},
        "responseElements": null,
        "recipientAccountId": "123456789012"
    })
}

/// `record` with `path` (dot-separated, into nested objects) set to
/// `value`; `Value::Null` removes the key.
pub fn with(mut record: Value, path: &str, value: Value) -> Value {
    let mut at = &mut record;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            let object = at.as_object_mut().expect("path goes through objects");
            if value.is_null() {
                object.remove(part);
            } else {
                object.insert(part.to_owned(), value);
            }
            break;
        }
        at = at
            .as_object_mut()
            .expect("path goes through objects")
            .entry(part)
            .or_insert_with(|| json!({}));
    }
    record
}

/// Normalizes a JSON record into an event, as the host does.
pub fn event(record: &Value) -> Event {
    let raw = RawRecord {
        position: Position {
            source: "test".into(),
            line: 1,
            record: None,
        },
        json: record.to_string(),
    };
    normalize(&raw).expect("the test record normalizes")
}

/// Every `*.ndjson` file below `dir`, sorted by path.
pub fn ndjson_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "ndjson") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every record of the `*.ndjson` files below `dir`, normalized, in path
/// and line order, each positioned by its path relative to `dir` and its
/// line; and how many records did not normalize.
pub fn read_samples(dir: &Path) -> (Vec<Event>, usize) {
    let mut events = Vec::new();
    let mut rejected = 0;
    for file in ndjson_files(dir) {
        let name = file
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&file).unwrap();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let position = Position {
                source: name.as_str().into(),
                line: index as u64 + 1,
                record: None,
            };
            match normalize(&RawRecord {
                position,
                json: line.to_owned(),
            }) {
                Ok(event) => events.push(event),
                Err(_) => rejected += 1,
            }
        }
    }
    (events, rejected)
}

/// A sink that keeps alerts where the test can read them.
#[derive(Clone, Default)]
pub struct SharedSink(pub Arc<Mutex<Vec<Alert>>>);

impl AlertSink for SharedSink {
    fn write(&mut self, alert: &Alert) -> std::io::Result<()> {
        self.0.lock().unwrap().push(alert.clone());
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Rules loaded through the host library, ready to run over events.
pub struct Harness {
    /// The pipeline.
    pub pipeline: Pipeline,
    /// What it wrote.
    pub sink: SharedSink,
}

impl Harness {
    /// Loads the named components from `dir` (file names without `.wasm`).
    pub fn new(dir: &Path, names: &[&str]) -> Harness {
        Harness::with_limits(dir, names, Limits::default(), PipelineConfig::default())
    }

    /// As [`Harness::new`], with an allowed lateness of `lateness_ms`.
    pub fn with_lateness(dir: &Path, names: &[&str], lateness_ms: i64) -> Harness {
        let config = PipelineConfig {
            lateness_ms,
            ..PipelineConfig::default()
        };
        Harness::with_limits(dir, names, Limits::default(), config)
    }

    /// As [`Harness::new`], with explicit limits and configuration.
    pub fn with_limits(
        dir: &Path,
        names: &[&str],
        limits: Limits,
        config: PipelineConfig,
    ) -> Harness {
        let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
        let runtime = Runtime::new(limits, state.clone()).expect("engine");
        let rules: Vec<RuleInstance> = names
            .iter()
            .map(|name| {
                let path = dir.join(format!("{name}.wasm"));
                runtime
                    .load_file(&path)
                    .unwrap_or_else(|e| panic!("loading {name}: {e}"))
            })
            .collect();
        let sink = SharedSink::default();
        let pipeline = Pipeline::new(rules, state, Box::new(sink.clone()), config);
        Harness { pipeline, sink }
    }

    /// Runs `records` in one batch, ends the input, returns every alert.
    pub fn run(&mut self, records: &[Value]) -> Vec<Alert> {
        let events: Vec<Event> = records.iter().map(event).collect();
        self.pipeline.process(events).expect("memory sink");
        self.pipeline.finish().expect("memory sink");
        self.sink.0.lock().unwrap().clone()
    }
}

/// The evidence of each alert, in order.
pub fn evidence(alerts: &[Alert]) -> Vec<Vec<String>> {
    alerts.iter().map(|a| a.evidence.clone()).collect()
}

/// `(rule slug, evidence)` of each alert, for compact assertions.
pub fn summary(alerts: &[Alert]) -> Vec<(String, Vec<String>)> {
    alerts
        .iter()
        .map(|a| (a.rule.slug.clone(), a.evidence.clone()))
        .collect()
}
