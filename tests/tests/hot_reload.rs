//! Hot reload and the rule lifecycle: rules swapped, broken, removed,
//! disabled and added back while events flow, through the real `ferrule`
//! binary (file watcher, compile cache, admin endpoint) and through the
//! pipeline API.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrule::pipeline::{Pipeline, PipelineConfig, RuleChange};
use ferrule::runtime::{Limits, Runtime, SharedState};
use ferrule::state::MemoryStore;
use ferrule_tests::{SharedSink, cloudtrail, event, ferrule_bin, root, test_rules_dir, with};
use serde_json::{Value, json};

fn scratch(name: &str) -> PathBuf {
    let dir = root()
        .join("target/test-scratch")
        .join(format!("reload-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(test_rules_dir().join(format!("{name}.wasm"))).unwrap()
}

/// Publishes `bytes` as `name` in `dir` the safe way: written aside, then
/// renamed into place.
fn publish(dir: &Path, name: &str, bytes: &[u8]) {
    let aside = dir.join(format!(".{name}.partial"));
    std::fs::write(&aside, bytes).unwrap();
    std::fs::rename(&aside, dir.join(name)).unwrap();
}

fn tick(i: usize) -> String {
    let time = chrono::DateTime::from_timestamp(1_777_636_800 + i as i64, 0).unwrap();
    let record = with(
        cloudtrail(&format!("t-{i}"), "test.amazonaws.com", "Tick"),
        "eventTime",
        json!(time.to_rfc3339()),
    );
    format!("{record}\n")
}

/// A running `ferrule run` reading stdin, with its stdout and stderr
/// collected as they come (a full pipe would stall it).
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    log: Arc<Mutex<String>>,
    stdout: Option<std::thread::JoinHandle<String>>,
}

impl Running {
    fn start(rules: &Path, cache: &Path, extra: &[&str]) -> Running {
        let mut child = Command::new(ferrule_bin())
            .args(["run", "--reload-settle", "20ms", "--rules"])
            .arg(rules)
            .arg("--cache-dir")
            .arg(cache)
            .args(extra)
            .env("FERRULE_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            out.read_to_string(&mut text).unwrap();
            text
        });
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let running = Running {
            child,
            stdin,
            log,
            stdout: Some(stdout),
        };
        running.wait_for("rules loaded", 1);
        running
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until `needle` has appeared `count` times in the log.
    fn wait_for(&self, needle: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.log().matches(needle).count() < count {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {count} x {needle:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn send(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes stdin and returns the alerts and the log once the run ends.
    fn finish(mut self) -> (Vec<Value>, String) {
        drop(self.stdin.take());
        let stdout = self.stdout.take().unwrap().join().unwrap();
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(status.success(), "{}", self.log());
        let alerts = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (alerts, self.log())
    }
}

fn counts_and_versions(alerts: &[Value]) -> (Vec<(String, i64)>, Vec<String>) {
    let counts = alerts
        .iter()
        .map(|a| {
            (
                a["evidence"][0].as_str().unwrap().to_owned(),
                a["fields"]["count"].as_i64().unwrap(),
            )
        })
        .collect();
    let versions = alerts
        .iter()
        .map(|a| a["fields"]["version"].as_str().unwrap().to_owned())
        .collect();
    (counts, versions)
}

#[test]
fn fifty_swaps_under_a_steady_stream_lose_and_repeat_nothing() {
    let rules = scratch("swaps");
    let cache = scratch("swaps-cache");
    publish(&rules, "counter.wasm", &fixture("counter-v1"));
    let mut running = Running::start(&rules, &cache, &[]);

    // A writer feeds events continuously while the rule is swapped.
    let stdin = running.stdin.take().unwrap();
    let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let keep_writing = writing.clone();
    let writer = std::thread::spawn(move || {
        let mut stdin = stdin;
        let mut sent = 0;
        while keep_writing.load(std::sync::atomic::Ordering::Relaxed) {
            stdin.write_all(tick(sent).as_bytes()).unwrap();
            stdin.flush().unwrap();
            sent += 1;
            std::thread::sleep(Duration::from_micros(500));
        }
        sent
    });

    let (v1, v2) = (fixture("counter-v1"), fixture("counter-v2"));
    for swap in 1..=50 {
        publish(
            &rules,
            "counter.wasm",
            if swap % 2 == 1 { &v2 } else { &v1 },
        );
        running.wait_for("rule reloaded; state carried over", swap);
    }
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    let sent = writer.join().unwrap();
    let (alerts, log) = running.finish();

    let (counts, versions) = counts_and_versions(&alerts);
    assert_eq!(
        alerts.len(),
        sent,
        "every event was seen once ({sent} sent)"
    );
    for (i, (id, count)) in counts.iter().enumerate() {
        assert_eq!(id, &format!("t-{i}"), "in order, none skipped or repeated");
        assert_eq!(*count, i as i64 + 1, "state carried over every swap");
    }
    let switches = versions.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(
        switches >= 40,
        "events were processed between the swaps ({switches} version changes seen)"
    );
    assert_eq!(log.matches("rule reloaded; state carried over").count(), 50);
    assert!(
        std::fs::read_dir(&cache).unwrap().count() >= 2,
        "compiled versions are cached"
    );
}

#[test]
fn bad_candidates_leave_the_running_version_in_place_and_say_why() {
    let rules = scratch("bad");
    let cache = scratch("bad-cache");
    publish(&rules, "counter.wasm", &fixture("counter-v1"));
    let v1 = fixture("counter-v1");
    let v2 = fixture("counter-v2");
    let candidates: [(&str, Vec<u8>, &str); 3] = [
        (
            "truncated",
            v2[..v2.len() / 2].to_vec(),
            "not a valid WebAssembly component",
        ),
        (
            "another world",
            fixture("other-world"),
            "does not implement the ferrule:detect/detection-rule world",
        ),
        (
            "trap in metadata",
            fixture("trap-in-metadata"),
            "metadata call failed",
        ),
    ];
    let mut running = Running::start(&rules, &cache, &[]);
    running.send(&tick(0));
    for (i, (what, bytes, reason)) in candidates.iter().enumerate() {
        publish(&rules, "counter.wasm", bytes);
        running.wait_for(reason, 1);
        let log = running.log();
        assert_eq!(
            log.matches("rule candidate rejected; the running version stays")
                .count(),
            i + 1,
            "{what}: each bad candidate is judged and logged once: {log}"
        );
        running.send(&tick(i + 1));
    }
    let (alerts, log) = running.finish();
    let (counts, versions) = counts_and_versions(&alerts);
    assert_eq!(counts.len(), 4, "{log}");
    assert!(
        versions.iter().all(|v| v == "1.0.0"),
        "version 1 kept running: {versions:?}"
    );
    assert!(log.contains("counter.wasm"), "the file is named: {log}");

    // Version 1 is in the cache now, so only the candidate is compiled
    // under the strict limit.
    publish(&rules, "counter.wasm", &v1);
    let mut running = Running::start(&rules, &cache, &["--compile-timeout", "1ms"]);
    publish(&rules, "counter.wasm", &v2);
    running.wait_for("rule candidate rejected; the running version stays", 1);
    running.send(&tick(9));
    let (alerts, log) = running.finish();
    assert!(log.contains("compilation took longer than 1ms"), "{log}");
    assert_eq!(counts_and_versions(&alerts).1, ["1.0.0"]);
}

#[test]
fn a_rule_deleted_while_events_flow_stops_and_comes_back_with_its_state() {
    let rules = scratch("delete");
    let cache = scratch("delete-cache");
    publish(&rules, "counter.wasm", &fixture("counter-v1"));
    let mut running = Running::start(&rules, &cache, &[]);
    for i in 0..3 {
        running.send(&tick(i));
    }
    running.wait_for("rules loaded", 1);
    std::thread::sleep(Duration::from_millis(200));
    std::fs::remove_file(rules.join("counter.wasm")).unwrap();
    running.wait_for("rule removed; its state is kept for the grace period", 1);
    for i in 3..6 {
        running.send(&tick(i));
    }
    std::thread::sleep(Duration::from_millis(200));
    publish(&rules, "counter.wasm", &fixture("counter-v2"));
    running.wait_for("removed rule added back within its grace period", 1);
    for i in 6..8 {
        running.send(&tick(i));
    }
    let (alerts, _) = running.finish();
    let (counts, _) = counts_and_versions(&alerts);
    let expected: Vec<(String, i64)> = [(0, 1), (1, 2), (2, 3), (6, 4), (7, 5)]
        .iter()
        .map(|(i, c)| (format!("t-{i}"), *c))
        .collect();
    assert_eq!(
        counts, expected,
        "no alerts while removed; the count resumes after"
    );
}

/// A minimal HTTP request to the admin endpoint.
fn http(addr: &str, method: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn the_admin_endpoint_lists_reloads_disables_and_enables() {
    let rules = scratch("admin");
    let cache = scratch("admin-cache");
    publish(&rules, "counter.wasm", &fixture("counter-v1"));
    let port = 20_000 + (std::process::id() % 20_000) as u16;
    let addr = format!("127.0.0.1:{port}");
    let mut running = Running::start(&rules, &cache, &["--admin", &addr, "--no-watch"]);
    running.wait_for("admin endpoint listening", 1);
    running.send(&tick(0));
    std::thread::sleep(Duration::from_millis(300));

    let listing = http(&addr, "GET", "/rules");
    assert!(
        listing.starts_with("HTTP/1.0 200") || listing.starts_with("HTTP/1.1 200"),
        "{listing}"
    );
    let body: Value = serde_json::from_str(listing.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(body[0]["id"], "fixture-counter");
    assert_eq!(body[0]["version"], "1.0.0");
    assert_eq!(body[0]["status"], "active");
    assert_eq!(body[0]["events"], 1);
    assert_eq!(body[0]["state_entries"], 1);
    assert!(body[0]["p99_us"].as_f64().unwrap() > 0.0);

    // The status command reads the same endpoint.
    let status = Command::new(ferrule_bin())
        .args(["rules", "status", "--admin", &addr])
        .output()
        .unwrap();
    let table = String::from_utf8(status.stdout).unwrap();
    assert!(
        table.contains("fixture-counter") && table.contains("active"),
        "{table}"
    );

    assert!(http(&addr, "POST", "/rules/fixture-counter/disable").contains("202"));
    running.wait_for("rule disabled", 1);
    running.send(&tick(1));
    std::thread::sleep(Duration::from_millis(300));
    assert!(http(&addr, "POST", "/rules/fixture-counter/enable").contains("202"));
    running.wait_for("rule enabled", 1);
    running.send(&tick(2));

    // No watcher: a new version is picked up on request.
    publish(&rules, "counter.wasm", &fixture("counter-v2"));
    assert!(http(&addr, "POST", "/reload").contains("202"));
    running.wait_for("rule reloaded; state carried over", 1);
    running.send(&tick(3));
    let metrics = http(&addr, "GET", "/metrics");
    assert!(
        metrics.contains("ferrule_rule_events_total{rule=\"fixture-counter\""),
        "{metrics}"
    );

    let (alerts, _) = running.finish();
    let (counts, versions) = counts_and_versions(&alerts);
    let ids: Vec<&str> = counts.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        ["t-0", "t-2", "t-3"],
        "the event sent while disabled was not processed"
    );
    assert_eq!(versions, ["1.0.0", "1.0.0", "2.0.0"]);
}

#[test]
fn sighup_rescans_the_rules_directory() {
    let rules = scratch("sighup");
    let cache = scratch("sighup-cache");
    publish(&rules, "counter.wasm", &fixture("counter-v1"));
    let running = Running::start(&rules, &cache, &["--no-watch"]);
    publish(&rules, "counter.wasm", &fixture("counter-v2"));
    Command::new("kill")
        .args(["-HUP", &running.child.id().to_string()])
        .status()
        .unwrap();
    running.wait_for("rule reloaded; state carried over", 1);
    let (_, log) = running.finish();
    assert!(
        log.contains("SIGHUP: rescanning the rules directory"),
        "{log}"
    );
}

fn pipeline_with(version: &str) -> (Pipeline, SharedSink, Runtime) {
    let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
    let runtime = Runtime::new(Limits::default(), state.clone()).unwrap();
    let rule = runtime
        .load_file(&test_rules_dir().join(format!("{version}.wasm")))
        .unwrap();
    let sink = SharedSink::default();
    let pipeline = Pipeline::new(
        vec![rule],
        state,
        Box::new(sink.clone()),
        PipelineConfig::default(),
    );
    (pipeline, sink, runtime)
}

fn ticks(range: std::ops::Range<usize>) -> Vec<ferrule::event::Event> {
    range
        .map(|i| event(&serde_json::from_str(&tick(i)).unwrap()))
        .collect()
}

#[test]
fn a_burst_straddling_a_reload_fires_only_when_the_state_schema_is_unchanged() {
    for (next, fires) in [("counter-v2", true), ("counter-v3", false)] {
        let (mut pipeline, sink, runtime) = pipeline_with("counter-v1");
        pipeline.process(ticks(0..5)).unwrap();
        let candidate = runtime
            .load_file(&test_rules_dir().join(format!("{next}.wasm")))
            .unwrap();
        pipeline.apply(RuleChange::Upsert(Box::new(candidate)));
        pipeline.process(ticks(5..10)).unwrap();
        pipeline.finish().unwrap();
        let alerts = sink.0.lock().unwrap();
        let burst = alerts.iter().any(|a| a.fields["burst"] == true);
        assert_eq!(burst, fires, "{next}");
        let after: Vec<i64> = alerts[5..]
            .iter()
            .map(|a| a.fields["count"].as_i64().unwrap())
            .collect();
        let expected: Vec<i64> = if fires {
            (6..=10).collect()
        } else {
            (1..=5).collect()
        };
        assert_eq!(after, expected, "{next}");
    }
}
