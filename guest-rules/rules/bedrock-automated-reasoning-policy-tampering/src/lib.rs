//! AWS Bedrock Automated Reasoning Safety Policy Tampering: a successful
//! deletion or update of a Bedrock Automated Reasoning policy or of its
//! annotations.
//!
//! Automated Reasoning policies are the formal rules a guardrail uses to
//! check model answers against. Deleting one, or rewriting its rules or
//! annotations, silently lets answers through that the policy used to stop.
//! The build, test-workflow and test-case APIs are left out: they do not
//! change what is enforced.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` in
//! {`DeleteAutomatedReasoningPolicy`, `UpdateAutomatedReasoningPolicy`,
//! `UpdateAutomatedReasoningPolicyAnnotations`}, `event.outcome == "success"`
//! (all exact, case-sensitive).
//!
//! The alert carries the standard CloudTrail fields plus `source.as.number`
//! when the event has one.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &[
    "DeleteAutomatedReasoningPolicy",
    "UpdateAutomatedReasoningPolicy",
    "UpdateAutomatedReasoningPolicyAnnotations",
];

struct ReasoningPolicyTampering;

impl Rule for ReasoningPolicyTampering {
    const INFO: RuleInfo = RuleInfo {
        id: "2d7822a5-418c-4cde-a96e-e337d77b67e7",
        slug: "bedrock-automated-reasoning-policy-tampering",
        name: "AWS Bedrock Automated Reasoning Safety Policy Tampering",
        description: "A Bedrock Automated Reasoning policy, or its annotations, was deleted or \
            rewritten. Guardrails check model answers against these policies, so a change can let \
            unsafe or false answers through.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[Threat {
            tactic: "TA0005",
            technique: "T1562",
            subtechnique: Some("T1562.001"),
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_DeleteAutomatedReasoningPolicy.html",
            "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_UpdateAutomatedReasoningPolicy.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "DeleteAutomatedReasoningPolicy",
                "UpdateAutomatedReasoningPolicy",
                "UpdateAutomatedReasoningPolicyAnnotations",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let policy = event
            .request_parameter_text("policyArn")
            .unwrap_or("(unknown policy)");
        let message = format!(
            "Automated Reasoning policy {policy} changed by {action} from {}",
            event.caller()
        );
        alerts.push(Alert::for_event(event, message).copy_fields(event, &["source.as.number"]));
        Ok(())
    }
}

export_rule!(ReasoningPolicyTampering);
