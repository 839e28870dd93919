//! AWS Bedrock Agent or Action Group Manipulation: a principal that has not
//! done so in the last 7 days changes a Bedrock agent, its action groups,
//! collaborators or aliases, or prepares it.
//!
//! An agent's action groups are the tools it may call (Lambda functions,
//! APIs), its collaborators the other agents it delegates to, and its
//! aliases what applications invoke. Changing any of them rewires what the
//! agent does on the caller's behalf with its own role: an attacker can add
//! a tool that runs their code, route work to an agent they control, or
//! point an alias at a tampered version, and keep that access after their
//! own is gone. `PrepareAgent` makes such changes live.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` one of
//! `UpdateAgent`, `CreateAgentActionGroup`, `UpdateAgentActionGroup`,
//! `AssociateAgentCollaborator`, `UpdateAgentCollaborator`,
//! `CreateAgentAlias`, `UpdateAgentAlias`, `PrepareAgent`, and
//! `event.outcome == "success"` (all exact, case-sensitive). `CreateAgent`
//! is left to the rule on agents created by IAM users or root.
//!
//! New term: `aws.cloudtrail.user_identity.arn`. The rule alerts when the
//! ARN made no matching call in the 7 days of event time before this one;
//! every matching call refreshes its last sighting. An event without an ARN
//! never alerts and is not remembered; failed calls are not remembered.
//!
//! State: one timestamp per ARN seen, kept for 7 days of event time after
//! its last sighting.
//!
//! The alert carries the standard CloudTrail fields and
//! `aws.cloudtrail.user_identity.invoked_by` (set when a service made the
//! call for the principal).
//!
//! # Differences from upstream
//!
//! - History is measured on event time (`@timestamp`), not on ingest
//!   time, with late delivery absorbed by the host's watermark.
//! - Upstream collapses repeats inside one 5-minute run; ferrule sees the
//!   events in event-time order and alerts on the first only.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &[
    "UpdateAgent",
    "CreateAgentActionGroup",
    "UpdateAgentActionGroup",
    "AssociateAgentCollaborator",
    "UpdateAgentCollaborator",
    "CreateAgentAlias",
    "UpdateAgentAlias",
    "PrepareAgent",
];
/// How long a principal is remembered after its last matching call.
const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("arn", HISTORY_MS);

struct AgentManipulation;

impl Rule for AgentManipulation {
    const INFO: RuleInfo = RuleInfo {
        id: "a953f6d5-01cd-4f4c-94dc-207e34965cac",
        slug: "bedrock-agent-or-action-group-manipulation",
        name: "AWS Bedrock Agent or Action Group Manipulation",
        description: "A principal changed a Bedrock agent, its action groups, collaborators or \
            aliases, or prepared it, for the first time in 7 days. These changes decide which \
            tools and agents the agent calls with its own role.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[Threat {
            tactic: "TA0003",
            technique: "T1505",
            subtechnique: None,
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/userguide/agents-action-create.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent_PrepareAgent.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "UpdateAgent",
                "CreateAgentActionGroup",
                "UpdateAgentActionGroup",
                "AssociateAgentCollaborator",
                "UpdateAgentCollaborator",
                "CreateAgentAlias",
                "UpdateAgentAlias",
                "PrepareAgent",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let arn = event.text(fields::USER_ARN).unwrap_or("");
        if !SEEN.check(&[arn], event) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let agent = event
            .request_parameter_text("agentId")
            .unwrap_or("(unknown agent)");
        let message = format!(
            "{arn} called {action} on Bedrock agent {agent}, its first such change in 7 days"
        );
        alerts.push(
            Alert::for_event(event, message)
                .copy_fields(event, &["aws.cloudtrail.user_identity.invoked_by"]),
        );
        Ok(())
    }
}

export_rule!(AgentManipulation);
