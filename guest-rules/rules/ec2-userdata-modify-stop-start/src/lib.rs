//! AWS EC2 Stop, Start, and User Data Modification Correlation: the same
//! principal stops an EC2 instance, changes its user data and starts it
//! again within 5 minutes.
//!
//! An instance's user data is a script the instance runs at boot, as root.
//! It can only be changed while the instance is stopped, so running code on
//! an instance through it takes exactly these three calls: stop, write the
//! user data, start. Attackers use it to execute commands on instances they
//! cannot log into, or to plant code that runs on every boot. Deployment
//! tools do it too, which is why calls from Terraform, Ansible, Pulumi,
//! CloudFormation and Service Catalog are left out.
//!
//! Condition per event: `event.provider == "ec2.amazonaws.com"`,
//! `event.outcome == "success"`, `aws.cloudtrail.user_identity.type` is
//! not `AWSService`, `user_agent.original` contains none of `Terraform`,
//! `Ansible`, `Pulumi` (case-sensitive), `source.address` is neither
//! `cloudformation.amazonaws.com` nor `servicecatalog.amazonaws.com`, and
//! either `event.action` is `StopInstances` or `StartInstances`, or it is
//! `ModifyInstanceAttribute` and the request changes the user data (the
//! rendered request contains `userData=`, or the structured request has a
//! top-level `userData` parameter or an `attribute` parameter `userData`).
//! A missing identity type, user agent or source address does not exclude
//! an event.
//!
//! The instances an event concerns are the request's `instanceId` and
//! `instancesSet.items[].instanceId` parameters (at most 20 per event), or,
//! when the structured request is absent, the text after the first
//! `instanceId=` in the rendered request up to `,`, `}` or `]`. Events naming
//! no instance are skipped.
//!
//! Aggregation: per (instance id, `user.name`, `cloud.account.id`), a
//! sliding window of 5 minutes of event time; the rule fires when the window
//! holds all three actions, in any order. A missing user name or account
//! forms its own group. After an alert, further detections for the same key
//! are held back for 5 minutes; the next alert carries how many were held
//! (`ferrule.suppressed_count`).
//!
//! State: per key, two windows of at most 64 entries each (the actions, and
//! the calls with their reported context, each value cut to 512 bytes);
//! entries leave 5 minutes after their event time. One suppression record
//! per key.
//!
//! The alert's group is `ferrule.instance_id`, `user.name` and
//! `cloud.account.id`. Its evidence is the ids of the calls in the window,
//! oldest first, ending with the call that completed the set. Its fields:
//! `ferrule.event_action_count_distinct` (3), `ferrule.window_start`,
//! `ferrule.window_end`, `ferrule.suppressed_count`, and the distinct values
//! across the window of `event.action`, `user_agent.original`, `source.ip`,
//! `source.address`, `source.as.organization.name`,
//! `source.geo.country_name`, `aws.cloudtrail.user_identity.arn` and
//! `aws.cloudtrail.user_identity.type`. The network fields are reported when
//! the host enriches events with them; the rule does not depend on them.
//!
//! # Differences from upstream
//!
//! - Time is event time, and the 5 minutes slide: upstream counts within
//!   epoch-aligned 5-minute buckets, so a stop at 12:04 and a start at
//!   12:06 never meet; ferrule fires whenever all three calls fall within
//!   any 5 minutes.
//! - One alert per detection, with suppression for 5 minutes per key and
//!   the held count carried on the next alert; upstream's overlapping runs
//!   report the same bucket up to 4 times.
//! - The key is the instance, the user name and the account. Upstream also
//!   groups on the user agent, source IP, AS organisation and country, so a
//!   chain whose calls come from two tools or addresses, or lack enrichment,
//!   is split and missed; ferrule reports those values instead.
//! - A missing identity type, user agent or source address does not drop
//!   the event (upstream's SQL comparisons with null do).
//! - Every instance a Stop or Start call names counts, not only the first
//!   in the rendered request, so a multi-instance stop and start followed
//!   by a user data change on the second instance is caught.
//! - The user data change is also recognised in the request form that
//!   names it with `attribute=userData`, and from the structured request
//!   alone (ECS documents without the rendered text).
//! - Order is not required, as upstream.

use ferrule_sdk::matching::contains;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "ec2.amazonaws.com";
const STOP: &str = "StopInstances";
const START: &str = "StartInstances";
const MODIFY: &str = "ModifyInstanceAttribute";
const ACTIONS: &[&str] = &[STOP, START, MODIFY];
/// User agents of deployment tools, matched anywhere in the value.
const TOOL_AGENTS: &[&str] = &["Terraform", "Ansible", "Pulumi"];
/// Services that make these calls for deployments.
const SERVICE_ADDRESSES: &[&str] = &[
    "cloudformation.amazonaws.com",
    "servicecatalog.amazonaws.com",
];
const REQUEST_TEXT: &str = "aws.cloudtrail.request_parameters";
const USER: &str = "user.name";
const ACCOUNT: &str = "cloud.account.id";
/// Most instances of one call that are counted.
const MAX_INSTANCES_PER_EVENT: usize = 20;

/// Window length and suppression period.
const WINDOW_MS: i64 = 5 * 60 * 1000;
/// Entries kept per key and window.
const CAPACITY: u32 = 64;
const ACTIONS_SEEN: SlidingWindow = SlidingWindow::new("actions", WINDOW_MS, CAPACITY);
const CALLS: SlidingWindow = SlidingWindow::new("calls", WINDOW_MS, CAPACITY);
const ONCE: Suppression = Suppression::new("instance-user-account", WINDOW_MS);

/// Fields whose distinct values across the window the alert reports.
const CONTEXT: WindowContext = WindowContext::new(&[
    "event.action",
    "user_agent.original",
    "source.ip",
    "source.address",
    "source.as.organization.name",
    "source.geo.country_name",
    "aws.cloudtrail.user_identity.arn",
    "aws.cloudtrail.user_identity.type",
]);

struct StopModifyStart;

impl Rule for StopModifyStart {
    const INFO: RuleInfo = RuleInfo {
        id: "7e5c0e5a-95a5-404e-a5b0-278d35dc3325",
        slug: "ec2-userdata-modify-stop-start",
        name: "AWS EC2 Stop, Start, and User Data Modification Correlation",
        description: "One principal stopped an EC2 instance, changed its user data and started \
            it again within 5 minutes, outside the usual deployment tools. User data runs as \
            root at boot, so this is how code gets run on an instance from the API.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0002",
                technique: "T1059",
                subtechnique: Some("T1059.009"),
            },
            Threat {
                tactic: "TA0005",
                technique: "T1578",
                subtechnique: None,
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html",
            "https://stratus-red-team.cloud/attack-techniques/AWS/aws.execution.ec2-user-data/",
        ],
        interests: &[cloudtrail_interest!(
            "ec2.amazonaws.com",
            ["StopInstances", "StartInstances", "ModifyInstanceAttribute"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) || !qualifies(event) {
            return Ok(());
        }
        let action = event.text("event.action").unwrap_or_default();
        let user = event.text(USER).unwrap_or("");
        let account = event.text(ACCOUNT).unwrap_or("");
        let packed = CONTEXT.pack(event);

        for instance in instances(event) {
            let key = [instance.as_str(), user, account];
            let distinct = ACTIONS_SEEN.add(&key, action, event).distinct;
            CALLS.add(&key, &packed, event);
            if distinct < 3 {
                continue;
            }
            let Some(held) = ONCE.admit(&key, event) else {
                continue;
            };

            let entries = CALLS.entries(&key);
            let start = entries.first().map_or(event.timestamp_ms(), |e| e.at);
            let who = if user.is_empty() {
                event.caller()
            } else {
                user
            };
            let message = format!(
                "{who} stopped EC2 instance {instance}, changed its user data and started it \
                 within 5 minutes"
            );
            let mut group = vec![(
                "ferrule.instance_id".to_owned(),
                FieldValue::from(instance.as_str()),
            )];
            if !user.is_empty() {
                group.push((USER.to_owned(), FieldValue::from(user)));
            }
            if !account.is_empty() {
                group.push((ACCOUNT.to_owned(), FieldValue::from(account)));
            }
            let mut alert = Alert::for_event(event, message)
                .with_group(group)
                .with_evidence(entries.iter().map(|e| e.tag.clone()).collect());
            alert.fields.clear();
            let alert = CONTEXT
                .report(alert, &entries)
                .field("ferrule.event_action_count_distinct", i64::from(distinct))
                .field("ferrule.window_start", rfc3339(start))
                .field("ferrule.window_end", rfc3339(event.timestamp_ms()))
                .field(
                    "ferrule.suppressed_count",
                    i64::try_from(held).unwrap_or(i64::MAX),
                );
            alerts.push(alert);
        }
        Ok(())
    }
}

/// The per-event exclusions and the user data test; missing fields do not
/// exclude.
fn qualifies(event: &Event<'_>) -> bool {
    if event.text(fields::USER_TYPE) == Some("AWSService") {
        return false;
    }
    if let Some(agent) = event.text("user_agent.original")
        && TOOL_AGENTS
            .iter()
            .any(|tool| contains(agent, tool, Case::Sensitive))
    {
        return false;
    }
    if event
        .text("source.address")
        .is_some_and(|address| one_of(address, SERVICE_ADDRESSES))
    {
        return false;
    }
    if event.text("event.action") != Some(MODIFY) {
        return true;
    }
    event
        .text(REQUEST_TEXT)
        .is_some_and(|text| text.contains("userData="))
        || event.request_parameter("userData").is_some()
        || event.request_parameter_text("attribute") == Some("userData")
}

/// The instances the call names, without repeats, at most
/// [`MAX_INSTANCES_PER_EVENT`].
fn instances(event: &Event<'_>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if !id.is_empty() && found.len() < MAX_INSTANCES_PER_EVENT && !found.iter().any(|f| f == id)
        {
            found.push(id.to_owned());
        }
    };
    if event.has(ferrule_sdk::event::REQUEST_PARAMETERS) {
        let root = ferrule_sdk::event::REQUEST_PARAMETERS;
        for id in event.texts(&format!("{root}.instanceId")) {
            add(id);
        }
        for id in event.texts(&format!("{root}.instancesSet.items.instanceId")) {
            add(id);
        }
    } else if let Some(text) = event.text(REQUEST_TEXT)
        && let Some(start) = text.find("instanceId=")
    {
        let rest = &text[start + "instanceId=".len()..];
        add(&rest[..rest.find([',', '}', ']']).unwrap_or(rest.len())]);
    }
    found
}

export_rule!(StopModifyStart);
