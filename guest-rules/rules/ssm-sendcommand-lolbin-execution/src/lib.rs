//! AWS EC2 LOLBin Execution via SSM SendCommand: a CloudTrail `SendCommand`
//! of the `AWS-RunShellScript` document joined, on the SSM command id, with
//! a living-off-the-land binary (`curl`, `wget`, `base64`, `python`, `nc`,
//! ...) that the command's shell script started on a Linux instance.
//!
//! SSM Run Command is remote code execution by design: whoever holds
//! `ssm:SendCommand` runs shell scripts as root on every managed instance
//! they can name. An attacker with stolen cloud credentials uses it to step
//! from the control plane onto hosts, and the scripts typically download
//! tooling (`curl`, `wget`), decode payloads (`base64`, `openssl`) or open
//! channels (`nc`, `socat`, `ssh`). Neither half alone says much; together,
//! the cloud call and the process it caused, they are the intrusion.
//!
//! This rule reads two data sources: CloudTrail and Elastic Defend process
//! events (`endpoint.events.process`).
//!
//! Condition (all comparisons exact and case-sensitive):
//!
//! - CloudTrail leg: `data_stream.dataset == "aws.cloudtrail"`,
//!   `event.action == "SendCommand"`, request parameter `documentName` is
//!   `AWS-RunShellScript` (or a document ARN ending in
//!   `document/AWS-RunShellScript`; without a structured copy of the
//!   request, the rendered `aws.cloudtrail.request_parameters` must match
//!   `*documentName=AWS-RunShellScript*`). Any outcome: a failed call has no
//!   command id and so never joins. Its command id is response element
//!   `command.commandId` (else the text between the first `commandId=` and
//!   the next `,` or `}` of the rendered response elements).
//! - Endpoint leg: `data_stream.dataset == "endpoint.events.process"`,
//!   `host.os.type == "linux"`, and either `process.command_line` matches
//!   `*/document/orchestration/*/awsrunShellScript/*/_script.sh` (class
//!   `ssm_shell`: the SSM agent's script itself) or `process.name` is one of
//!   the 17 names in [`LOLBINS`] (class `lolbin`). Its command id is the
//!   text between the first `/document/orchestration/` and the next `/` of
//!   `process.parent.command_line` (for `ssm_shell`, of its own command line
//!   when the parent has none). Events without a command id are ignored.
//! - Fires when, for one command id, a CloudTrail leg and a `lolbin` event
//!   are at most 10 minutes apart in event time, in either order. `ssm_shell`
//!   events never fire on their own; they are counted and reported.
//!
//! Window: 10 minutes of event time on either side. One alert per command
//! id per 10 minutes; repeats in that time are suppressed and counted in
//! `ferrule.suppressed_count` of the next alert. The evidence is every
//! `SendCommand` and `lolbin` event of the command that takes part in a
//! pair, in event-time order; `ferrule.ssm.*` fields carry the command id,
//! the counts per leg, the first time of each leg and the `_script.sh`
//! command lines, and the alert carries the caller's CloudTrail fields and
//! the processes' `host.name` and `process.*` values (their `user.name` as
//! `ferrule.ssm.endpoint_user_names`, apart from the caller's).
//!
//! State: per command id, three sliding windows (at most 8 `SendCommand`,
//! 64 `lolbin` and 16 `ssm_shell` entries) that expire 10 minutes after
//! their newest entry, a few fields of each stored event that expire 20
//! minutes after it, and the suppression marker. Only events of either leg
//! that carry a command id are stored, so memory follows SSM activity, not
//! log volume.
//!
//! # Differences from upstream
//!
//! - Order and window: the process may come before or after the
//!   `SendCommand`, within 10 minutes either way, judged on event time.
//!   Upstream rejects only a `SendCommand` more than about 5 whole minutes
//!   after the first LOLBin and otherwise bounds nothing but its 9-minute
//!   lookback.
//! - The `_script.sh` pattern is the intended wildcard; upstream's `%`
//!   wildcards are literals in ES|QL `LIKE`, so its `ssm_shell` count is
//!   always 0. The firing outcome is the same.
//! - `documentName` is read from the structured request, and a document ARN
//!   ending in `document/AWS-RunShellScript` also counts; upstream globs the
//!   rendered request text.
//! - An `ssm_shell` event whose parent has no orchestration path takes the
//!   command id from its own command line (reporting only).
//! - One alert per command id per 10 minutes instead of one row per
//!   overlapping scheduled run.

use ferrule_sdk::codec::{Decoder, Encoder, truncate};
use ferrule_sdk::idioms::{self, WindowEntry};
use ferrule_sdk::layout::Value;
use ferrule_sdk::matching::ends_with;
use ferrule_sdk::prelude::*;
use ferrule_sdk::state;

const MINUTE_MS: i64 = 60 * 1000;
/// Most time between the `SendCommand` and a LOLBin, either way.
const SPAN_MS: i64 = 10 * MINUTE_MS;
/// How long the fields of a stored event stay readable.
const DETAIL_TTL_MS: i64 = 2 * SPAN_MS;

const SENDS: SlidingWindow = SlidingWindow::new("send-command", SPAN_MS, 8);
const LOLBIN_EVENTS: SlidingWindow = SlidingWindow::new("lolbin", SPAN_MS, 64);
const SHELLS: SlidingWindow = SlidingWindow::new("ssm-shell", SPAN_MS, 16);
const ONCE: Suppression = Suppression::new("command", SPAN_MS);

const ENDPOINT_PROCESS: &str = "endpoint.events.process";
const SHELL_DOCUMENT: &str = "AWS-RunShellScript";
const SHELL_SCRIPT: &str = "*/document/orchestration/*/awsrunShellScript/*/_script.sh";
const ORCHESTRATION: &str = "/document/orchestration/";

/// Process names treated as living-off-the-land binaries.
const LOLBINS: &[&str] = &[
    "base64", "curl", "wget", "openssl", "nc", "ncat", "netcat", "socat", "python", "python3",
    "perl", "php", "ruby", "ssh", "scp", "sftp", "rsync",
];

/// Longest command id accepted (real ones are 36-character UUIDs).
const MAX_COMMAND_ID: usize = 128;
/// Longest window member or tag the host accepts.
const MAX_LABEL: usize = 1024;
/// Longest stored field value.
const MAX_DETAIL: usize = 4096;

/// Fields kept from a `SendCommand` event, reported as they are.
const SEND_FIELDS: &[&str] = &[
    fields::USER_ARN,
    fields::USER_TYPE,
    fields::ACCESS_KEY_ID,
    "user.name",
    "cloud.account.id",
    "cloud.region",
    "source.ip",
    "source.address",
    "user_agent.original",
    "event.provider",
    "event.action",
    "event.outcome",
    "aws.cloudtrail.request_parameters",
];

/// Fields kept from a process event; reported as lists of distinct values.
const PROCESS_FIELDS: &[&str] = &[
    "host.name",
    "process.name",
    "process.executable",
    "process.command_line",
    "process.pid",
    "process.parent.command_line",
    "user.name",
];

/// The endpoint `user.name` is reported under this name, apart from the
/// caller's CloudTrail `user.name`.
const ENDPOINT_USER: &str = "ferrule.ssm.endpoint_user_names";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leg {
    SendCommand,
    Lolbin,
    SsmShell,
}

impl Leg {
    fn window(self) -> SlidingWindow {
        match self {
            Leg::SendCommand => SENDS,
            Leg::Lolbin => LOLBIN_EVENTS,
            Leg::SsmShell => SHELLS,
        }
    }

    fn details(self) -> &'static [&'static str] {
        match self {
            Leg::SendCommand => SEND_FIELDS,
            Leg::Lolbin | Leg::SsmShell => PROCESS_FIELDS,
        }
    }
}

/// The text between the first `/document/orchestration/` and the next `/`.
fn orchestration_id(command_line: &str) -> Option<&str> {
    let start = command_line.find(ORCHESTRATION)? + ORCHESTRATION.len();
    let rest = &command_line[start..];
    let id = &rest[..rest.find('/')?];
    (!id.is_empty()).then_some(id)
}

/// Whether a CloudTrail event runs the shell-script document.
fn runs_shell_document(event: &Event<'_>) -> bool {
    if let Some(document) = event.request_parameter_text("documentName") {
        return document == SHELL_DOCUMENT
            || ends_with(document, "document/AWS-RunShellScript", Case::Sensitive);
    }
    // No structured copy (too large for Elastic to keep): the rendered text.
    !event.has(ferrule_sdk::event::REQUEST_PARAMETERS)
        && event
            .text("aws.cloudtrail.request_parameters")
            .is_some_and(|text| glob("*documentName=AWS-RunShellScript*", text, Case::Sensitive))
}

/// The command id of a `SendCommand` event.
fn send_command_id<'a>(event: &Event<'a>) -> Option<&'a str> {
    if let Some(Value::Text(id)) = event.response_element("command.commandId") {
        return (!id.is_empty()).then_some(id);
    }
    let rendered = event.text("aws.cloudtrail.response_elements")?;
    let start = rendered.find("commandId=")? + "commandId=".len();
    let rest = &rendered[start..];
    let id = &rest[..rest.find([',', '}']).unwrap_or(rest.len())];
    (!id.is_empty()).then_some(id)
}

/// Which leg `event` belongs to and its command id, if it is one.
fn classify<'a>(event: &Event<'a>) -> Option<(Leg, &'a str)> {
    let (leg, id) = match event.text("data_stream.dataset")? {
        fields::CLOUDTRAIL => {
            if event.text("event.action") != Some("SendCommand") || !runs_shell_document(event) {
                return None;
            }
            (Leg::SendCommand, send_command_id(event)?)
        }
        ENDPOINT_PROCESS => {
            if event.text("host.os.type") != Some("linux") {
                return None;
            }
            let command_line = event.text("process.command_line");
            let shell = command_line.is_some_and(|line| glob(SHELL_SCRIPT, line, Case::Sensitive));
            let lolbin = event
                .text("process.name")
                .is_some_and(|name| one_of(name, LOLBINS));
            if !shell && !lolbin {
                return None;
            }
            let parent = event
                .text("process.parent.command_line")
                .and_then(orchestration_id);
            if shell {
                (
                    Leg::SsmShell,
                    parent.or_else(|| command_line.and_then(orchestration_id))?,
                )
            } else {
                (Leg::Lolbin, parent?)
            }
        }
        _ => return None,
    };
    (id.len() <= MAX_COMMAND_ID).then_some((leg, id))
}

fn detail_key(event_id: &str) -> String {
    idioms::key("detail", "event", &[event_id])
}

/// Keeps the leg's report fields of `event`, as name/value text pairs.
fn save_details(event: &Event<'_>, leg: Leg) {
    let mut pairs: Vec<String> = Vec::new();
    for path in leg.details() {
        let value = match event.value(path) {
            Some(Value::Text(text)) => truncate(text, MAX_DETAIL).to_owned(),
            Some(Value::Integer(n)) => n.to_string(),
            _ => continue,
        };
        pairs.push((*path).to_owned());
        pairs.push(value);
    }
    let value = Encoder::new().strs(&pairs).finish();
    state::set(
        &detail_key(event.id()),
        &value,
        state::expires_after(event, DETAIL_TTL_MS),
    );
}

/// The stored report fields of an event, as name/value pairs.
fn load_details(event_id: &str) -> Vec<(String, String)> {
    let Some(bytes) = state::get(&detail_key(event_id)) else {
        return Vec::new();
    };
    let items = Decoder::new(&bytes).strs().unwrap_or_default();
    items
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect()
}

/// The `SendCommand` and `lolbin` entries that lie within the span of at
/// least one entry of the other leg.
fn paired(sends: &[WindowEntry], lolbins: &[WindowEntry]) -> Vec<WindowEntry> {
    let near = |a: &WindowEntry, b: &WindowEntry| a.at.abs_diff(b.at) <= SPAN_MS as u64;
    let mut joined: Vec<WindowEntry> = sends
        .iter()
        .filter(|s| lolbins.iter().any(|l| near(s, l)))
        .chain(lolbins.iter().filter(|l| sends.iter().any(|s| near(s, l))))
        .cloned()
        .collect();
    joined.sort_by(|a, b| (a.at, &a.tag).cmp(&(b.at, &b.tag)));
    joined.dedup_by(|a, b| a.tag == b.tag);
    joined
}

/// Adds `value` to the distinct list under `name`.
fn collect(lists: &mut Vec<(String, Vec<String>)>, name: &str, value: String) {
    match lists.iter_mut().find(|(n, _)| n == name) {
        Some((_, values)) => {
            if !values.contains(&value) {
                values.push(value);
            }
        }
        None => lists.push((name.to_owned(), vec![value])),
    }
}

struct SsmSendCommandLolbin;

impl Rule for SsmSendCommandLolbin {
    const INFO: RuleInfo = RuleInfo {
        id: "a8b3e2f0-8c7d-11ef-b4c6-f661ea17fbcd",
        slug: "ssm-sendcommand-lolbin-execution",
        name: "AWS EC2 LOLBin Execution via SSM SendCommand",
        description: "An SSM SendCommand running AWS-RunShellScript was followed or preceded, \
            within 10 minutes, by a living-off-the-land binary (curl, wget, base64, python, nc, \
            ...) started by that command's script on a Linux instance: remote code execution \
            from the AWS control plane onto a host.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[
            Threat {
                tactic: "TA0002",
                technique: "T1059",
                subtechnique: Some("T1059.004"),
            },
            Threat {
                tactic: "TA0002",
                technique: "T1651",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0011",
                technique: "T1105",
                subtechnique: None,
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html",
            "https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html",
        ],
        interests: &[
            Interest {
                datasets: &[fields::CLOUDTRAIL],
                filters: &[Filter {
                    field: "event.action",
                    any_of: &["SendCommand"],
                }],
            },
            Interest {
                datasets: &[ENDPOINT_PROCESS],
                filters: &[Filter {
                    field: "host.os.type",
                    any_of: &["linux"],
                }],
            },
        ],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        let Some((leg, command)) = classify(event) else {
            return Ok(());
        };
        let id = event.id();
        if id.is_empty() || id.len() > MAX_LABEL {
            return Ok(());
        }
        let member = match leg {
            Leg::SendCommand => event.caller(),
            Leg::Lolbin | Leg::SsmShell => event.text("process.name").unwrap_or(""),
        };
        leg.window()
            .add(&[command], truncate(member, MAX_LABEL), event);
        save_details(event, leg);
        if leg == Leg::SsmShell {
            return Ok(());
        }

        let sends = SENDS.entries(&[command]);
        let lolbins = LOLBIN_EVENTS.entries(&[command]);
        let joined = paired(&sends, &lolbins);
        if !joined.iter().any(|entry| entry.tag == id) {
            return Ok(());
        }
        let Some(held) = ONCE.admit(&[command], event) else {
            return Ok(());
        };

        let is_send =
            |entry: &&WindowEntry| sends.iter().any(|s| s.tag == entry.tag && s.at == entry.at);
        let joined_sends: Vec<&WindowEntry> = joined.iter().filter(is_send).collect();
        let joined_lolbins: Vec<&WindowEntry> = joined.iter().filter(|e| !is_send(e)).collect();
        let shells = SHELLS.entries(&[command]);

        let mut alert = Alert::for_event(event, String::new())
            .with_group(vec![("ferrule.ssm.command_id".into(), command.into())])
            .with_evidence(joined.iter().map(|e| e.tag.clone()).collect());
        alert.fields.clear();

        // The caller, from the first SendCommand of the pair.
        let first_send = joined_sends
            .first()
            .map(|e| load_details(&e.tag))
            .unwrap_or_default();
        for (name, value) in &first_send {
            alert = alert.field(name, value.as_str());
        }
        let caller = first_send
            .iter()
            .find(|(name, _)| name == fields::USER_ARN)
            .map_or("an unknown principal", |(_, value)| value.as_str());

        // The processes, as lists of distinct values.
        let mut lists: Vec<(String, Vec<String>)> = Vec::new();
        for entry in &joined_lolbins {
            for (name, value) in load_details(&entry.tag) {
                let name = if name == "user.name" {
                    ENDPOINT_USER.to_owned()
                } else {
                    name
                };
                collect(&mut lists, &name, value);
            }
        }
        let names = lists
            .iter()
            .find(|(n, _)| n == "process.name")
            .map(|(_, v)| v.join(", "))
            .unwrap_or_default();
        let hosts = lists
            .iter()
            .find(|(n, _)| n == "host.name")
            .map(|(_, v)| v.join(", "));
        for (name, values) in lists {
            alert = alert.field(&name, FieldValue::Texts(values));
        }
        let mut shell_lines: Vec<String> = Vec::new();
        for entry in &shells {
            for (name, value) in load_details(&entry.tag) {
                if name == "process.command_line" && !shell_lines.contains(&value) {
                    shell_lines.push(value);
                }
            }
        }

        let count = |n: usize| FieldValue::Integer(i64::try_from(n).unwrap_or(i64::MAX));
        alert = alert
            .field("ferrule.ssm.command_id", command)
            .field("ferrule.ssm.send_command_count", count(joined_sends.len()))
            .field("ferrule.ssm.lolbin_count", count(joined_lolbins.len()))
            .field("ferrule.ssm.ssm_shell_count", count(shells.len()));
        if let Some(first) = joined_sends.first() {
            alert = alert.field("ferrule.ssm.send_command_first", rfc3339(first.at));
        }
        if let Some(first) = joined_lolbins.first() {
            alert = alert.field("ferrule.ssm.lolbin_first", rfc3339(first.at));
        }
        if !shell_lines.is_empty() {
            alert = alert.field(
                "ferrule.ssm.ssm_shell_command_lines",
                FieldValue::Texts(shell_lines),
            );
        }
        alert = alert.field(
            "ferrule.suppressed_count",
            FieldValue::Integer(i64::try_from(held).unwrap_or(i64::MAX)),
        );
        alert.message = match hosts {
            Some(hosts) => format!(
                "SSM command {command} (AWS-RunShellScript) sent by {caller} ran {names} on {hosts}"
            ),
            None => {
                format!("SSM command {command} (AWS-RunShellScript) sent by {caller} ran {names}")
            }
        };
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(SsmSendCommandLolbin);
