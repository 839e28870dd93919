//! AWS IAM Deactivation of MFA Device: a successful `DeactivateMFADevice`.
//!
//! Removing a user's MFA device weakens sign-in to a password alone, and
//! can lock the owner out of a step-up they rely on. Every successful call
//! alerts; the caller's ARN is the group.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "iam.amazonaws.com"`,
//! `event.action == "DeactivateMFADevice"`, `event.outcome == "success"`.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::prelude::*;

struct MfaDeactivated;

impl Rule for MfaDeactivated {
    const INFO: RuleInfo = RuleInfo {
        id: "d8fc1cca-93ed-43c1-bbb6-c0dd3eff2958",
        slug: "iam-mfa-device-deactivated",
        name: "AWS IAM Deactivation of MFA Device",
        description: "An IAM user's MFA device was deactivated. Without it the account signs \
            in with a password alone; attackers do this to keep access or lock owners out.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0040",
                technique: "T1531",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0003",
                technique: "T1556",
                subtechnique: Some("T1556.006"),
            },
            Threat {
                tactic: "TA0005",
                technique: "T1556",
                subtechnique: Some("T1556.006"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeactivateMFADevice.html",
        ],
        interests: &[cloudtrail_interest!(
            "iam.amazonaws.com",
            ["DeactivateMFADevice"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.is_successful_call("iam.amazonaws.com", &["DeactivateMFADevice"]) {
            let user = event
                .request_parameter_text("userName")
                .unwrap_or("(unknown user)");
            let device = event
                .request_parameter_text("serialNumber")
                .unwrap_or("(unknown device)");
            let message = format!(
                "MFA device {device} of {user} deactivated by {}",
                event.caller()
            );
            alerts.push(
                Alert::for_event(event, message).without_field("aws.cloudtrail.response_elements"),
            );
        }
        Ok(())
    }
}

export_rule!(MfaDeactivated);
