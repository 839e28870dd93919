//! AWS EKS Access Entry Modified: a successful change to an EKS cluster's
//! access entries or to the access policies associated with them, by a
//! principal other than the usual automation.
//!
//! Access entries decide which IAM principals get into a Kubernetes cluster
//! and with which permissions. Creating or widening one gives an intruder a
//! lasting way in; deleting one or removing its policy can lock out the
//! owners. Changes made by the EKS service-linked role, eksctl, Terraform
//! and CloudFormation are expected and excluded by the caller's ARN.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "eks.amazonaws.com"`, `event.action` in
//! {`CreateAccessEntry`, `AssociateAccessPolicy`, `UpdateAccessEntry`,
//! `DisassociateAccessPolicy`, `DeleteAccessEntry`},
//! `event.outcome == "success"` (all exact, case-sensitive), and
//! `aws.cloudtrail.user_identity.arn` contains none of
//! `AWSServiceRoleForAmazonEKS`, `eksctl`, `terraform`, `AWSCloudFormation`
//! (case-sensitive: `Terraform` is not excluded; an event without an ARN is
//! not excluded).
//!
//! Granting an admin policy also fires the separate rule for admin access
//! policies.
//!
//! The alert carries the standard CloudTrail fields without
//! `aws.cloudtrail.user_identity.access_key_id`, as upstream lists them.
//!
//! # Differences from upstream
//!
//! None in logic. Upstream picks events by ingest time on a 5-minute
//! schedule; ferrule evaluates each event as it arrives, on event time.

use ferrule_sdk::codec::percent_decode;
use ferrule_sdk::matching::contains;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "eks.amazonaws.com";
const ACTIONS: &[&str] = &[
    "CreateAccessEntry",
    "AssociateAccessPolicy",
    "UpdateAccessEntry",
    "DisassociateAccessPolicy",
    "DeleteAccessEntry",
];
/// Callers whose ARN contains one of these are expected automation.
const AUTOMATION_MARKERS: &[&str] = &[
    "AWSServiceRoleForAmazonEKS",
    "eksctl",
    "terraform",
    "AWSCloudFormation",
];

struct AccessEntryModified;

impl Rule for AccessEntryModified {
    const INFO: RuleInfo = RuleInfo {
        id: "90c0ce77-3fb4-484f-a8ad-4648e12b35b1",
        slug: "eks-access-entry-modified",
        name: "AWS EKS Access Entry Modified",
        description: "An EKS access entry or its access policy was created, changed or removed \
            outside the usual automation. Access entries decide who gets into a cluster and with \
            what rights.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[
            Threat {
                tactic: "TA0003",
                technique: "T1098",
                subtechnique: Some("T1098.006"),
            },
            Threat {
                tactic: "TA0004",
                technique: "T1098",
                subtechnique: Some("T1098.006"),
            },
        ],
        references: &["https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html"],
        interests: &[cloudtrail_interest!(
            "eks.amazonaws.com",
            [
                "CreateAccessEntry",
                "AssociateAccessPolicy",
                "UpdateAccessEntry",
                "DisassociateAccessPolicy",
                "DeleteAccessEntry",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) || is_automation(event) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let cluster = event
            .request_parameter_text("name")
            .unwrap_or("(unknown cluster)");
        let principal = event
            .request_parameter_text("principalArn")
            .map_or_else(|| "(unknown principal)".to_owned(), percent_decode);
        let mut message = format!(
            "{action} for {principal} on EKS cluster {cluster} by {}",
            event.caller()
        );
        if let Some(policy) = event.request_parameter_text("policyArn") {
            message.push_str(&format!(" (policy {policy})"));
        }
        alerts.push(Alert::for_event(event, message).without_field(fields::ACCESS_KEY_ID));
        Ok(())
    }
}

/// Whether the caller's ARN marks it as expected automation. A missing ARN
/// is not automation.
fn is_automation(event: &Event<'_>) -> bool {
    event.text(fields::USER_ARN).is_some_and(|arn| {
        AUTOMATION_MARKERS
            .iter()
            .any(|marker| contains(arn, marker, Case::Sensitive))
    })
}

export_rule!(AccessEntryModified);
