//! AWS IAM Virtual MFA Device Registration Attempt with Session Token: a
//! successful `CreateVirtualMFADevice` or `EnableMFADevice` made with
//! temporary credentials outside a console session.
//!
//! Registering an MFA device the attacker controls lets them pass MFA
//! checks as the user from then on, and can lock the real owner out of
//! step-up. People register devices in the console; the same calls made
//! with a temporary (`ASIA...`) key from the CLI or an SDK suggest stolen
//! session credentials being turned into lasting access.
//!
//! Condition: `event.category` includes `iam`,
//! `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "iam.amazonaws.com"`, `event.outcome == "success"`,
//! `event.action` in {`CreateVirtualMFADevice`, `EnableMFADevice`},
//! `aws.cloudtrail.user_identity.access_key_id` starts with `ASIA`, and
//! `aws.cloudtrail.session_credential_from_console` is not `"true"` (all
//! case-sensitive; a missing console flag passes, as CloudTrail only writes
//! it for console sessions).
//!
//! The host's CloudTrail mapping puts both actions in the `iam` category, so
//! the category test only matters for ECS documents from other pipelines.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::matching::starts_with;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "iam.amazonaws.com";
const ACTIONS: &[&str] = &["CreateVirtualMFADevice", "EnableMFADevice"];
/// Access keys of temporary (STS) credentials start with this.
const TEMPORARY_KEY_PREFIX: &str = "ASIA";

struct VirtualMfaWithSessionToken;

impl Rule for VirtualMfaWithSessionToken {
    const INFO: RuleInfo = RuleInfo {
        id: "e4feea34-3b62-4c83-b77f-018fbef48c00",
        slug: "virtual-mfa-registration-with-session-token",
        name: "AWS IAM Virtual MFA Device Registration Attempt with Session Token",
        description: "An MFA device was created or enabled with temporary credentials outside \
            the console. An attacker holding stolen session keys can register their own device \
            to keep passing MFA as the user.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0003",
                technique: "T1078",
                subtechnique: Some("T1078.004"),
            },
            Threat {
                tactic: "TA0003",
                technique: "T1098",
                subtechnique: Some("T1098.005"),
            },
            Threat {
                tactic: "TA0003",
                technique: "T1556",
                subtechnique: Some("T1556.006"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateVirtualMFADevice.html",
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html",
        ],
        interests: &[cloudtrail_interest!(
            "iam.amazonaws.com",
            ["CreateVirtualMFADevice", "EnableMFADevice"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        let is_iam = event
            .texts("event.category")
            .any(|category| category == "iam");
        if !is_iam || !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let Some(key) = event
            .text(fields::ACCESS_KEY_ID)
            .filter(|key| starts_with(key, TEMPORARY_KEY_PREFIX, Case::Sensitive))
        else {
            return Ok(());
        };
        // `boolean` reads the string "true" (how CloudTrail writes the flag)
        // and a JSON true; anything else, or no flag, is not a console session.
        if event.boolean("aws.cloudtrail.session_credential_from_console") == Some(true) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let device = event
            .first_request_parameter_text(&["virtualMFADeviceName", "serialNumber"])
            .unwrap_or("(unnamed device)");
        let mut message = format!(
            "{action} for MFA device {device} by {} with session key {key}",
            event.caller()
        );
        if let Some(user) = event.request_parameter_text("userName") {
            message.push_str(&format!(" (user {user})"));
        }
        alerts.push(Alert::for_event(event, message));
        Ok(())
    }
}

export_rule!(VirtualMfaWithSessionToken);
