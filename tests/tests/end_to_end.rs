//! The real `ferrule` binary with real components over real logs: the
//! bundled sample, the shared CloudTrail samples, and bad input of every
//! kind next to good input that must still alert.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ferrule_tests::{
    cloudtrail, ferrule_bin, root, rules_dir, shared_testdata, test_rules_dir, with,
};
use serde_json::{Value, json};

const FOUNDATION_RULES: &[&str] = &[
    "cloudtrail-trail-created",
    "cloudtrail-trail-deleted",
    "cloudtrail-stop-logging",
    "cloudtrail-trail-updated",
    "iam-mfa-device-deactivated",
];

/// A fresh directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = root()
        .join("target/test-scratch")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A rules directory holding copies of the named components.
fn rules_with(name: &str, shipped: &[&str], fixtures: &[&str]) -> PathBuf {
    let dir = scratch(name);
    for rule in shipped {
        std::fs::copy(
            rules_dir().join(format!("{rule}.wasm")),
            dir.join(format!("{rule}.wasm")),
        )
        .unwrap();
    }
    for rule in fixtures {
        std::fs::copy(
            test_rules_dir().join(format!("{rule}.wasm")),
            dir.join(format!("{rule}.wasm")),
        )
        .unwrap();
    }
    dir
}

fn run(rules: &Path, inputs: &[PathBuf]) -> Output {
    Command::new(ferrule_bin())
        .arg("run")
        .arg("--rules")
        .arg(rules)
        .args(inputs)
        .env("FERRULE_LOG", "warn")
        .output()
        .expect("running ferrule")
}

fn alerts(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every stdout line is an alert object"))
        .collect()
}

fn pairs(alerts: &[Value]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = alerts
        .iter()
        .map(|a| {
            (
                a["rule"]["slug"].as_str().unwrap().to_owned(),
                a["evidence"][0].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_bundled_sample_alerts_on_exactly_the_tampering_calls() {
    let rules = rules_with("sample", FOUNDATION_RULES, &[]);
    let output = run(
        &rules,
        &[root().join("examples/sample/cloudtrail-sample.ndjson")],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts = alerts(&output);
    let in_order: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| {
            (
                a["rule"]["slug"].as_str().unwrap(),
                a["evidence"][0].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        in_order,
        [
            ("cloudtrail-trail-updated", "sample-0004"),
            ("cloudtrail-stop-logging", "sample-0005"),
            ("iam-mfa-device-deactivated", "sample-0006"),
            ("cloudtrail-trail-deleted", "sample-0007"),
            ("cloudtrail-trail-created", "sample-0008"),
        ]
    );
    assert_eq!(
        alerts[1]["group"]["aws.cloudtrail.user_identity.arn"],
        "arn:aws:iam::111122223333:user/mallory"
    );
    assert_eq!(alerts[1]["@timestamp"], "2026-12-01T09:04:05Z");
    let summary = stderr(&output);
    assert!(
        summary.contains("10 events read, 0 records rejected, 5 alerts, 0 rule failures"),
        "{summary}"
    );

    let again = run(
        &rules,
        &[root().join("examples/sample/cloudtrail-sample.ndjson")],
    );
    assert_eq!(
        again.stdout, output.stdout,
        "the same input gives the same alerts and ids"
    );
}

#[test]
fn the_shared_cloudtrail_samples_alert_exactly_where_expected() {
    let Some(shared) = shared_testdata() else {
        return;
    };
    let rules = rules_with("shared", FOUNDATION_RULES, &[]);
    let output = run(&rules, &[shared.join("cloudtrail")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts = alerts(&output);
    let mut found = pairs(&alerts);
    // One sample (a Panther test case) has no eventID; its evidence is the
    // id ferrule derives from the record.
    let derived: Vec<_> = found
        .iter()
        .filter(|(_, id)| id.starts_with("ferrule-"))
        .cloned()
        .collect();
    assert_eq!(derived.len(), 1, "{found:?}");
    assert_eq!(derived[0].0, "cloudtrail-trail-updated");
    found.retain(|(_, id)| !id.starts_with("ferrule-"));
    let mut expected: Vec<(String, String)> = [
        ("cloudtrail-trail-created", "EXAMPLE-d04b-4eff-833a-EXAMPLE"),
        ("cloudtrail-trail-created", "1"),
        ("cloudtrail-trail-updated", "EXAMPLE-b5e9-4846-8407-EXAMPLE"),
        ("cloudtrail-trail-deleted", "EXAMPLE-3f9d-4634-8ff1-EXAMPLE"),
        ("cloudtrail-trail-deleted", "1111"),
        (
            "cloudtrail-trail-deleted",
            "ee73c230-44bc-4492-8542-cfb189eae287",
        ),
        ("cloudtrail-stop-logging", "1"),
        (
            "cloudtrail-stop-logging",
            "10163ed2-2253-469d-a5ee-cbc6651f8934",
        ),
        (
            "iam-mfa-device-deactivated",
            "EXAMPLE-1889-416b-ace9-EXAMPLE",
        ),
    ]
    .iter()
    .map(|(s, e)| (s.to_string(), e.to_string()))
    .collect();
    expected.sort();
    assert_eq!(found, expected);
    // The failed UpdateTrail (TrailNotFoundException) and the denied
    // StopLogging of the compromised-root scenario are among the samples and
    // must not alert; the exact list above already excludes them.
    let summary = stderr(&output);
    assert!(summary.contains("records rejected"), "{summary}");
}

fn write_gzip(path: &Path, text: &str) {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    std::fs::write(path, encoder.finish().unwrap()).unwrap();
}

#[test]
fn bad_input_and_bad_rules_are_reported_and_everything_else_still_alerts() {
    let dir = scratch("bad-input");
    let good = |id: &str| cloudtrail(id, "cloudtrail.amazonaws.com", "StopLogging").to_string();

    // An NDJSON file with a line that is not JSON and a record with no
    // eventTime between good records.
    let no_time = with(
        cloudtrail("no-time", "cloudtrail.amazonaws.com", "StopLogging"),
        "eventTime",
        json!(null),
    );
    let mixed = format!(
        "{}\nthis line is not json\n{}\n{}\n",
        good("good-1"),
        no_time,
        good("good-2")
    );
    std::fs::write(dir.join("mixed.ndjson"), mixed).unwrap();

    // A CloudTrail log file cut off mid-stream: lines before the damage are
    // still read.
    let lines: String = (0..400)
        .map(|i| format!("{}\n", good(&format!("gz-{i}"))))
        .collect();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(lines.as_bytes()).unwrap();
    let compressed = encoder.finish().unwrap();
    std::fs::write(
        dir.join("truncated.json.gz"),
        &compressed[..compressed.len() * 2 / 3],
    )
    .unwrap();

    // An empty file, and a gzip-compressed log file in the S3 shape.
    std::fs::write(dir.join("empty.json"), "").unwrap();
    let log_file =
        json!({"Records": [cloudtrail("log-1", "iam.amazonaws.com", "DeactivateMFADevice")]});
    write_gzip(&dir.join("logfile.json.gz"), &log_file.to_string());

    // Events that make the misbehaving rule trap and loop.
    let trap = cloudtrail("trap-1", "test.amazonaws.com", "FixturePanic").to_string();
    let spin = cloudtrail("loop-1", "test.amazonaws.com", "FixtureLoop").to_string();
    std::fs::write(
        dir.join("zz-misbehaviour.ndjson"),
        format!("{trap}\n{spin}\n{}\n", good("after-1")),
    )
    .unwrap();

    // Rules: the good ones, a file that is not a component, a component of
    // another world, one that traps in its metadata, and the misbehaving rule.
    let rules = rules_with(
        "bad-rules",
        &["cloudtrail-stop-logging", "iam-mfa-device-deactivated"],
        &["other-world", "trap-in-metadata", "misbehaving"],
    );
    std::fs::write(rules.join("core-module.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(rules.join("garbage.wasm"), b"definitely not wasm").unwrap();

    let inputs = [
        "mixed.ndjson",
        "truncated.json.gz",
        "empty.json",
        "logfile.json.gz",
        "zz-misbehaviour.ndjson",
    ]
    .map(|f| dir.join(f));
    let output = run(&rules, &inputs);
    let log = stderr(&output);
    assert!(output.status.success(), "{log}");

    // Every good event alerted, in input order.
    let found = pairs(&alerts(&output));
    let evidence: Vec<&str> = found.iter().map(|(_, e)| e.as_str()).collect();
    for id in ["good-1", "good-2", "log-1", "after-1", "gz-0", "gz-100"] {
        assert!(
            evidence.contains(&id),
            "{id} should alert: {found:?}\n{log}"
        );
    }
    assert!(!evidence.contains(&"no-time"));
    assert!(!evidence.contains(&"trap-1") && !evidence.contains(&"loop-1"));
    let gz = evidence.iter().filter(|e| e.starts_with("gz-")).count();
    assert!(
        gz > 100 && gz < 400,
        "the lines before the damage alert ({gz})"
    );

    // Each problem is named with its file and line or its rule.
    let mixed = dir.join("mixed.ndjson").display().to_string();
    assert!(log.contains(&format!("{mixed}:2: not valid JSON")), "{log}");
    assert!(
        log.contains(&format!("{mixed}:3: record has no eventTime")),
        "{log}"
    );
    assert!(
        log.contains("truncated.json.gz: read failed after line"),
        "{log}"
    );
    assert!(
        log.contains("core-module.wasm: not a valid WebAssembly component"),
        "{log}"
    );
    assert!(
        log.contains("garbage.wasm: not a valid WebAssembly component"),
        "{log}"
    );
    assert!(
        log.contains(
            "other-world.wasm: does not implement the ferrule:detect/detection-rule world"
        ),
        "{log}"
    );
    assert!(
        log.contains("trap-in-metadata.wasm: metadata call failed"),
        "{log}"
    );
    assert!(
        log.contains("asked to panic by event trap-1"),
        "a rule's panic message reaches the log: {log}"
    );
    assert!(log.contains("rule=fixture-misbehaving"), "{log}");
    assert!(
        log.contains("trap-1") && log.contains("loop-1"),
        "the failing events are named: {log}"
    );
    assert!(log.contains("timed out"), "{log}");
    assert!(
        log.contains("failures of fixture-misbehaving: timeout 1, trap 1"),
        "{log}"
    );
    assert!(log.contains("not_json 1"), "{log}");
    assert!(log.contains("no_timestamp 1"), "{log}");
    assert!(log.contains("read_failed 1"), "{log}");
}

#[test]
fn no_usable_rule_is_an_error_that_says_so() {
    let rules = scratch("no-rules");
    std::fs::write(rules.join("garbage.wasm"), b"nope").unwrap();
    let output = run(
        &rules,
        &[root().join("examples/sample/cloudtrail-sample.ndjson")],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no usable rule in"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn stdin_is_read_when_no_input_is_given() {
    let rules = rules_with("stdin", &["cloudtrail-stop-logging"], &[]);
    let mut child = Command::new(ferrule_bin())
        .args(["run", "--rules"])
        .arg(&rules)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let record = cloudtrail("stdin-1", "cloudtrail.amazonaws.com", "StopLogging");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{record}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        pairs(&alerts(&output)),
        [("cloudtrail-stop-logging".to_owned(), "stdin-1".to_owned())]
    );
}

#[test]
fn rules_list_prints_each_rule_and_names_bad_files() {
    let rules = rules_with("list", FOUNDATION_RULES, &["other-world"]);
    let output = Command::new(ferrule_bin())
        .args(["rules", "list"])
        .arg(&rules)
        .output()
        .unwrap();
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(table.lines().count(), 1 + FOUNDATION_RULES.len(), "{table}");
    assert!(
        table.contains("1aa8fa52-44a7-4dae-b058-f3333b91c8d7  cloudtrail-stop-logging"),
        "{table}"
    );
    assert!(table.contains("T1562.008"), "{table}");
    assert!(table.contains("event.action=StopLogging"), "{table}");
    assert!(
        stderr(&output).contains("other-world.wasm: does not implement"),
        "{}",
        stderr(&output)
    );
}
