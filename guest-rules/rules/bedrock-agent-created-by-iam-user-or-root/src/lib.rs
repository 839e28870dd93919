//! AWS Bedrock Agent Created by IAM User or Root: a successful `CreateAgent`
//! called with the credentials of an IAM user or of the account's root user.
//!
//! A Bedrock agent acts for the account: it calls the action groups and
//! knowledge bases it is given, under its own service role. That makes a new
//! agent a quiet place to keep access. Agents are usually created by
//! deployment roles; one created straight from a long-lived IAM user or the
//! root user is out of the ordinary. Calls through assumed roles are out of
//! scope on purpose.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`,
//! `event.action == "CreateAgent"`, `event.outcome == "success"`, and
//! `aws.cloudtrail.user_identity.type` is `IAMUser` or `Root` (exact,
//! case-sensitive; a missing type does not match).
//!
//! The alert carries the standard CloudTrail fields without `event.provider`,
//! as upstream lists them.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &["CreateAgent"];
/// Identity types whose calls count: a long-lived IAM user or the root user.
const IDENTITY_TYPES: &[&str] = &["IAMUser", "Root"];

struct AgentCreatedByUserOrRoot;

impl Rule for AgentCreatedByUserOrRoot {
    const INFO: RuleInfo = RuleInfo {
        id: "4e2dcdf4-f012-4b67-980b-1551b7149305",
        slug: "bedrock-agent-created-by-iam-user-or-root",
        name: "AWS Bedrock Agent Created by IAM User or Root",
        description: "An IAM user or the root user created a Bedrock agent directly. Agents act \
            with their own role on tools and data, so an unexpected one can serve as a foothold.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[Threat {
            tactic: "TA0003",
            technique: "T1505",
            subtechnique: None,
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent_CreateAgent.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            ["CreateAgent"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let Some(identity) = event
            .text(fields::USER_TYPE)
            .filter(|t| one_of(t, IDENTITY_TYPES))
        else {
            return Ok(());
        };

        let agent = event
            .request_parameter_text("agentName")
            .unwrap_or("(unnamed)");
        let message = format!(
            "Bedrock agent {agent} created by {identity} {}",
            event.caller()
        );
        alerts.push(Alert::for_event(event, message).without_field("event.provider"));
        Ok(())
    }
}

export_rule!(AgentCreatedByUserOrRoot);
