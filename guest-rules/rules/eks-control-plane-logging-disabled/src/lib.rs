//! AWS EKS Control Plane Logging Disabled: a successful `UpdateClusterConfig`
//! that turns off one or more EKS control plane log types.
//!
//! The control plane logs (API server, audit, authenticator, controller
//! manager, scheduler) are the record of who did what inside a Kubernetes
//! cluster. Turning them off, audit above all, blinds the defenders before
//! an intruder acts in the cluster.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "eks.amazonaws.com"`,
//! `event.action == "UpdateClusterConfig"`, `event.outcome == "success"`
//! (all exact, case-sensitive), and some entry of
//! `requestParameters.logging.clusterLogging` has `enabled` false. The
//! structured request holds the entries' `enabled` values gathered in a list
//! at `aws.cloudtrail.flattened.request_parameters.logging.clusterLogging.enabled`;
//! the rule fires when that list (or a single value there) holds `false`. A
//! request that disables some types and enables others fires too.
//!
//! When the event has no structured copy of the request (the host drops it
//! for oversized requests, and an ECS document may arrive without it), the
//! rule falls back to upstream's test on the rendered text
//! `aws.cloudtrail.request_parameters`: glob `*logging*enabled=false*`,
//! case-sensitive.
//!
//! The alert carries the standard CloudTrail fields without
//! `aws.cloudtrail.user_identity.access_key_id`, as upstream lists them.
//!
//! # Differences from upstream
//!
//! - Upstream globs the rendered `Map.toString()` text for
//!   `*logging*enabled=false*`; ferrule reads the structured request and
//!   requires the `false` to be a log type switch. The glob also matches any
//!   other `enabled=false` that happens to follow the word `logging` in the
//!   rendering, for example an Auto Mode `computeConfig={enabled=false}` on
//!   a cluster whose name contains `logging`; those no longer fire. The glob
//!   is kept only as the fallback described above.
//! - Upstream picks events by ingest time on a 5-minute schedule; ferrule
//!   evaluates each event as it arrives, on event time.

use ferrule_sdk::event::REQUEST_PARAMETERS;
use ferrule_sdk::layout::Value;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "eks.amazonaws.com";
const ACTIONS: &[&str] = &["UpdateClusterConfig"];
/// The `enabled` switch of each `clusterLogging` entry, gathered.
const LOG_SWITCHES: &str = "logging.clusterLogging.enabled";
/// Upstream's test on the rendered request, used only as a fallback.
const RENDERED_PATTERN: &str = "*logging*enabled=false*";

struct ControlPlaneLoggingDisabled;

impl Rule for ControlPlaneLoggingDisabled {
    const INFO: RuleInfo = RuleInfo {
        id: "0f189343-dac7-4c1b-aca7-be8baa6bd02b",
        slug: "eks-control-plane-logging-disabled",
        name: "AWS EKS Control Plane Logging Disabled",
        description: "An EKS cluster's control plane logging was switched off for one or more \
            log types. Those logs, audit above all, record activity inside the cluster; turning \
            them off hides what follows.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[Threat {
            tactic: "TA0005",
            technique: "T1562",
            subtechnique: Some("T1562.008"),
        }],
        references: &[
            "https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateClusterConfig.html",
            "https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html",
        ],
        interests: &[cloudtrail_interest!(
            "eks.amazonaws.com",
            ["UpdateClusterConfig"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) || !disables_logging(event) {
            return Ok(());
        }

        let cluster = event
            .request_parameter_text("name")
            .unwrap_or("(unknown cluster)");
        let message = format!(
            "Control plane logging disabled on EKS cluster {cluster} by {}",
            event.caller()
        );
        alerts.push(Alert::for_event(event, message).without_field(fields::ACCESS_KEY_ID));
        Ok(())
    }
}

/// Whether the request switches off at least one log type.
fn disables_logging(event: &Event<'_>) -> bool {
    if !event.has(REQUEST_PARAMETERS) {
        return event
            .text("aws.cloudtrail.request_parameters")
            .is_some_and(|rendered| glob(RENDERED_PATTERN, rendered, Case::Sensitive));
    }
    match event.request_parameter(LOG_SWITCHES) {
        Some(Value::Bool(enabled)) => !enabled,
        Some(Value::Text(enabled)) => enabled == "false",
        Some(Value::TextList(switches)) => switches.iter().any(|enabled| enabled == "false"),
        _ => false,
    }
}

export_rule!(ControlPlaneLoggingDisabled);
