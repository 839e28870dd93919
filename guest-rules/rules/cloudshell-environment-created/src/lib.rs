//! AWS CloudShell Environment Created: a successful `CreateEnvironment` call
//! to AWS CloudShell.
//!
//! CloudShell gives whoever holds a console session a shell in the browser,
//! already signed in with that session's credentials and with the AWS CLI
//! installed. An intruder with console access uses it to run commands and
//! scripts without setting up keys or tools of their own, from an AWS
//! address. A new environment is the first sign of that.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "cloudshell.amazonaws.com"`,
//! `event.action == "CreateEnvironment"`, `event.outcome == "success"` (all
//! exact, case-sensitive).
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "cloudshell.amazonaws.com";
const ACTIONS: &[&str] = &["CreateEnvironment"];

struct CloudShellCreated;

impl Rule for CloudShellCreated {
    const INFO: RuleInfo = RuleInfo {
        id: "b625c9ad-16e5-4f16-8d38-3e9631952554",
        slug: "cloudshell-environment-created",
        name: "AWS CloudShell Environment Created",
        description: "A CloudShell environment was created. It gives a console user a \
            ready-made, signed-in shell with the AWS CLI, which intruders use to run commands \
            without their own tools or keys.",
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
                tactic: "TA0001",
                technique: "T1078",
                subtechnique: Some("T1078.004"),
            },
        ],
        references: &["https://docs.aws.amazon.com/cloudshell/latest/userguide/welcome.html"],
        interests: &[cloudtrail_interest!(
            "cloudshell.amazonaws.com",
            ["CreateEnvironment"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }

        let region = event.text("cloud.region").unwrap_or("an unknown region");
        let mut message = format!(
            "CloudShell environment created by {} in {region}",
            event.caller()
        );
        if let Some(source) = event.text("source.ip") {
            message.push_str(&format!(" from {source}"));
        }
        alerts.push(Alert::for_event(event, message));
        Ok(())
    }
}

export_rule!(CloudShellCreated);
