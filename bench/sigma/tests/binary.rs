//! The `ferrule-sigma-peer` binary end to end: the report it prints for the
//! project's sample log, and how it treats bad input lines.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

fn report(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}, stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON object")
}

/// Runs the binary with `input` as its INPUT argument, feeding `stdin`.
fn run(input: &str, stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferrule-sigma-peer"))
        .arg("--rules")
        .arg(rules_dir())
        .arg(input)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn sample_log_gives_the_expected_counts() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/sample/cloudtrail-sample.ndjson");
    let report = report(&run(sample.to_str().unwrap(), b""));

    assert_eq!(report["engine"], "rsigma-eval 0.23.0");
    assert_eq!(report["rules"], 22);
    assert_eq!(report["events"], 10);
    assert_eq!(report["bad_lines"], 0);
    for timing in ["load_seconds", "seconds", "events_per_second"] {
        assert!(report[timing].as_f64().unwrap() > 0.0, "{timing}");
    }

    // The trail update, stop and deletion, the MFA deactivation and the
    // operator's new trail, and the six successful calls of the Kali AWS CLI
    // (its denied StopLogging does not count). The same as ferrule's
    // single-event rules alert on.
    let expected = [
        ("3e002465-876f-4f04-b016-84ef48ce7e5d", 1), // cloudtrail-trail-updated
        ("1aa8fa52-44a7-4dae-b058-f3333b91c8d7", 1), // cloudtrail-stop-logging
        ("d8fc1cca-93ed-43c1-bbb6-c0dd3eff2958", 1), // iam-mfa-device-deactivated
        ("7024e2a0-315d-4334-bb1a-441c593e16ab", 1), // cloudtrail-trail-deleted
        ("594e0cbf-86cc-45aa-9ff7-ff27db27d3ed", 1), // cloudtrail-trail-created
        ("f80ea920-f6f5-4c8a-9761-84ac97ec0cb2", 6), // suspicious-user-agent-fingerprint
    ];
    let matches = report["matches"].as_object().unwrap();
    assert_eq!(matches.len(), 22, "every rule is listed, matched or not");
    for (id, count) in matches {
        let want = expected
            .iter()
            .find(|(expected_id, _)| expected_id == id)
            .map_or(0, |(_, count)| *count);
        assert_eq!(count, want, "matches of {id}");
    }
}

#[test]
fn bad_lines_are_counted_and_reported_from_stdin() {
    let input = concat!(
        r#"{"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging"}"#,
        "\n",
        "{not json\n",
        "\n",
        "[1, 2]\n",
        r#"{"eventSource":"iam.amazonaws.com","eventName":"ListUsers"}"#,
        "\n",
    );
    let output = run("-", input.as_bytes());
    let report = report(&output);

    assert_eq!(report["events"], 2);
    assert_eq!(report["bad_lines"], 2);
    assert_eq!(report["matches"]["1aa8fa52-44a7-4dae-b058-f3333b91c8d7"], 1);

    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("line 2: not valid JSON"), "{stderr}");
    assert!(stderr.contains("line 4: not a JSON object"), "{stderr}");
    assert!(
        !stderr.contains("line 3"),
        "a blank line is no bad line: {stderr}"
    );
}

#[test]
fn a_missing_rules_directory_fails_with_its_name() {
    let output = Command::new(env!("CARGO_BIN_EXE_ferrule-sigma-peer"))
        .args(["--rules", "/nonexistent/sigma-rules", "-"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("/nonexistent/sigma-rules"), "{stderr}");
}
