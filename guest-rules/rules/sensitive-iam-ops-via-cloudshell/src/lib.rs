//! AWS Sensitive IAM Operations Performed via CloudShell: a successful IAM
//! call that creates credentials, users, roles or instance profiles, or
//! grants policies, made from AWS CloudShell.
//!
//! CloudShell runs the AWS CLI with the console user's own session, so an
//! intruder who has hijacked a console session can use it to mint access
//! keys, create users or roles and attach policies: lasting access that
//! survives the session. Administrators seldom do this from CloudShell,
//! which identifies itself in the user agent.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "iam.amazonaws.com"`, `event.action` in
//! {`CreateAccessKey`, `CreateUser`, `AttachUserPolicy`, `PutUserPolicy`,
//! `CreateRole`, `AttachRolePolicy`, `PutRolePolicy`,
//! `CreateInstanceProfile`, `AddRoleToInstanceProfile`},
//! `event.outcome == "success"`, and `user_agent.original` contains
//! `CloudShell` (all case-sensitive).
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::matching::contains;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "iam.amazonaws.com";
const ACTIONS: &[&str] = &[
    "CreateAccessKey",
    "CreateUser",
    "AttachUserPolicy",
    "PutUserPolicy",
    "CreateRole",
    "AttachRolePolicy",
    "PutRolePolicy",
    "CreateInstanceProfile",
    "AddRoleToInstanceProfile",
];
/// CloudShell's AWS CLI puts this in its user agent (`exec-env/CloudShell`).
const CLOUDSHELL_MARKER: &str = "CloudShell";

/// Request parameters naming the IAM object a call acts on, in order of
/// preference.
const TARGETS: &[&str] = &["userName", "roleName", "instanceProfileName"];

struct SensitiveIamViaCloudShell;

impl Rule for SensitiveIamViaCloudShell {
    const INFO: RuleInfo = RuleInfo {
        id: "41554afd-d839-4cc2-b185-170ac01cbefc",
        slug: "sensitive-iam-ops-via-cloudshell",
        name: "AWS Sensitive IAM Operations Performed via CloudShell",
        description: "Access keys, users, roles or instance profiles were created, or policies \
            granted, from CloudShell. A hijacked console session can use CloudShell to set up \
            access that outlives it.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0003",
                technique: "T1098",
                subtechnique: Some("T1098.001"),
            },
            Threat {
                tactic: "TA0003",
                technique: "T1136",
                subtechnique: Some("T1136.003"),
            },
            Threat {
                tactic: "TA0004",
                technique: "T1098",
                subtechnique: Some("T1098.001"),
            },
            Threat {
                tactic: "TA0004",
                technique: "T1098",
                subtechnique: Some("T1098.003"),
            },
        ],
        references: &["https://docs.aws.amazon.com/cloudshell/latest/userguide/welcome.html"],
        interests: &[cloudtrail_interest!(
            "iam.amazonaws.com",
            [
                "CreateAccessKey",
                "CreateUser",
                "AttachUserPolicy",
                "PutUserPolicy",
                "CreateRole",
                "AttachRolePolicy",
                "PutRolePolicy",
                "CreateInstanceProfile",
                "AddRoleToInstanceProfile",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let from_cloudshell = event
            .text("user_agent.original")
            .is_some_and(|agent| contains(agent, CLOUDSHELL_MARKER, Case::Sensitive));
        if !from_cloudshell {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let mut message = format!("{action} from CloudShell by {}", event.caller());
        if let Some(target) = event.first_request_parameter_text(TARGETS) {
            message.push_str(&format!(" on {target}"));
        }
        if let Some(policy) = event.request_parameter_text("policyArn") {
            message.push_str(&format!(" (policy {policy})"));
        }
        alerts.push(Alert::for_event(event, message));
        Ok(())
    }
}

export_rule!(SensitiveIamViaCloudShell);
