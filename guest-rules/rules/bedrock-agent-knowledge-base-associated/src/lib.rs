//! AWS Bedrock Third-Party or External Knowledge Base Associated to Agent:
//! a principal that has not done so in the last 7 days associates a
//! knowledge base with a Bedrock agent, or changes such an association.
//!
//! An agent answers from the knowledge bases attached to it and trusts what
//! they return. Attaching a knowledge base an attacker controls, or
//! re-pointing an existing association, lets them steer the agent's answers
//! and the actions it takes (retrieval poisoning), and keeps that influence
//! after their own access is gone. These changes are rare and made by a few
//! deployment principals, so a principal making one for the first time in a
//! week is worth a look.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` is
//! `AssociateAgentKnowledgeBase` or `UpdateAgentKnowledgeBase`,
//! `event.outcome == "success"` (all exact, case-sensitive).
//!
//! New term: `aws.cloudtrail.user_identity.arn`. The rule alerts when the
//! ARN made no matching call in the 7 days of event time before this one.
//! Every matching call refreshes the ARN's last sighting, so a principal
//! that keeps making these changes at least weekly alerts once. An event
//! without an ARN never alerts and is not remembered. Failed calls are not
//! remembered either: the history holds only matching events.
//!
//! State: one timestamp per ARN seen, kept for 7 days of event time after
//! its last sighting.
//!
//! The alert carries the standard CloudTrail fields and the structured
//! request parameters and response elements
//! (`aws.cloudtrail.flattened.*`, as JSON), which name the agent and the
//! knowledge base.
//!
//! # Differences from upstream
//!
//! - History is measured on event time (`@timestamp`), not on ingest
//!   time: a 7-day window of the events' own times, with late delivery
//!   absorbed by the host's watermark.
//! - Upstream runs every 5 minutes over the last 6 and collapses repeats
//!   inside one run; ferrule sees the events in event-time order and alerts
//!   on the first one, so repeats never alert.
//! - As upstream, the "third-party or external" part of the name is not
//!   checked: CloudTrail does not say where a knowledge base's data lives.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &["AssociateAgentKnowledgeBase", "UpdateAgentKnowledgeBase"];
/// How long a principal is remembered after its last matching call.
const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("arn", HISTORY_MS);

struct KnowledgeBaseAssociated;

impl Rule for KnowledgeBaseAssociated {
    const INFO: RuleInfo = RuleInfo {
        id: "168b5538-4d54-4269-b4f5-786fa49dd850",
        slug: "bedrock-agent-knowledge-base-associated",
        name: "AWS Bedrock Third-Party or External Knowledge Base Associated to Agent",
        description: "A principal attached a knowledge base to a Bedrock agent, or changed such \
            an attachment, for the first time in 7 days. A knowledge base feeds the agent's \
            answers and actions, so a rogue one is a durable way to steer it.",
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
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent_AssociateAgentKnowledgeBase.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent_UpdateAgentKnowledgeBase.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            ["AssociateAgentKnowledgeBase", "UpdateAgentKnowledgeBase"]
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
        let knowledge_base = event
            .request_parameter_text("knowledgeBaseId")
            .unwrap_or("(unknown knowledge base)");
        let agent = event
            .request_parameter_text("agentId")
            .unwrap_or("(unknown agent)");
        let message = format!(
            "{arn} called {action} for knowledge base {knowledge_base} on Bedrock agent {agent}, \
             its first such change in 7 days"
        );
        alerts.push(Alert::for_event(event, message).copy_fields(
            event,
            &[
                "aws.cloudtrail.flattened.request_parameters",
                "aws.cloudtrail.flattened.response_elements",
            ],
        ));
        Ok(())
    }
}

export_rule!(KnowledgeBaseAssociated);
