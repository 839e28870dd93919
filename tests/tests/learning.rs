//! Learning without alerting: a learning period in event time, and warming
//! state from archived logs before going live, through the `ferrule`
//! binary with the first-seen rule for long-term keys and source addresses.

use std::path::PathBuf;
use std::process::{Command, Output};

use ferrule_tests::{cloudtrail, ferrule_bin, root, rules_dir, with};
use serde_json::{Value, json};

const RULE: &str = "long-term-key-first-seen-source-ip";
const DAY_SECS: i64 = 86_400;

fn scratch(name: &str) -> PathBuf {
    let dir = root()
        .join("target/test-scratch")
        .join(format!("learning-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A successful call with the long-term key from `ip`, `days` after the
/// base time.
fn call(id: &str, ip: &str, days: i64) -> String {
    let time = chrono::DateTime::from_timestamp(1_777_636_800 + days * DAY_SECS, 0).unwrap();
    let record = with(
        cloudtrail(id, "s3.amazonaws.com", "ListBuckets"),
        "eventTime",
        json!(time.to_rfc3339()),
    );
    format!("{}\n", with(record, "sourceIPAddress", json!(ip)))
}

fn run(name: &str, args: &[&str], files: &[(&str, String)]) -> (Vec<String>, String) {
    let dir = scratch(name);
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::copy(
        rules_dir().join(format!("{RULE}.wasm")),
        rules.join(format!("{RULE}.wasm")),
    )
    .unwrap();
    let mut command = Command::new(ferrule_bin());
    command
        .args(["run", "--lateness", "1m", "--rules"])
        .arg(&rules)
        .args(args);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    // `args` name files relative to the scratch directory.
    command.current_dir(&dir);
    let output: Output = command.output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{log}");
    let evidence = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["evidence"][0]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    (evidence, log)
}

#[test]
fn a_learning_period_builds_state_without_alerting() {
    let live = [
        call("d0-a", "198.51.100.1", 0),
        call("d0-b", "198.51.100.2", 0),
        call("d2-a", "198.51.100.1", 2),
        call("d2-c", "198.51.100.3", 2),
    ]
    .concat();
    let (without, _) = run(
        "no-learning",
        &["live.ndjson"],
        &[("live.ndjson", live.clone())],
    );
    assert_eq!(
        without,
        ["d0-a", "d0-b", "d2-c"],
        "without learning every first address alerts"
    );

    let (learned, log) = run(
        "learning",
        &["--learn", "1d", "live.ndjson"],
        &[("live.ndjson", live)],
    );
    assert_eq!(
        learned,
        ["d2-c"],
        "addresses seen while learning are known afterwards"
    );
    assert!(log.contains("alerts held back while learning: 2"), "{log}");
}

#[test]
fn warming_from_archives_makes_known_addresses_known() {
    let archive = [
        call("old-a", "198.51.100.1", 0),
        call("old-b", "198.51.100.2", 1),
    ]
    .concat();
    let live = [
        call("new-a", "198.51.100.1", 3),
        call("new-c", "198.51.100.3", 3),
    ]
    .concat();
    let files = [("archive.ndjson", archive), ("live.ndjson", live)];

    let (cold, _) = run("cold", &["live.ndjson"], &files);
    assert_eq!(cold, ["new-a", "new-c"]);

    let (warm, log) = run(
        "warm",
        &["--warm-from", "archive.ndjson", "live.ndjson"],
        &files,
    );
    assert_eq!(
        warm,
        ["new-c"],
        "only the address the archive never saw alerts"
    );
    assert!(
        log.contains("alerts held back while learning: 2"),
        "the archive's own first sightings: {log}"
    );
}
