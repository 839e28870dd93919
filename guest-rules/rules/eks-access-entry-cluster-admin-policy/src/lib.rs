//! AWS EKS Access Entry Granted Cluster Admin Policy: a successful
//! `AssociateAccessPolicy` that gives an IAM principal one of the EKS admin
//! access policies.
//!
//! Access entries map IAM principals to Kubernetes permissions without
//! touching the `aws-auth` config map. Associating
//! `AmazonEKSClusterAdminPolicy` (cluster-admin) or `AmazonEKSAdminPolicy`
//! (admin) makes the principal an administrator inside the cluster, the
//! shortest path from an AWS foothold to full control of the workloads.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "eks.amazonaws.com"`,
//! `event.action == "AssociateAccessPolicy"`, `event.outcome == "success"`
//! (all exact, case-sensitive), and the request's `policyArn`
//! (`aws.cloudtrail.flattened.request_parameters.policyArn`) contains
//! `AmazonEKSClusterAdminPolicy` or `AmazonEKSAdminPolicy` (case-sensitive;
//! neither name contains the other).
//!
//! When the event has no structured copy of the request (the host drops it
//! for oversized requests, and an ECS document may arrive without it), the
//! rule falls back to upstream's test: the rendered text
//! `aws.cloudtrail.request_parameters` contains either name.
//!
//! The alert carries the standard CloudTrail fields without
//! `aws.cloudtrail.user_identity.access_key_id`, as upstream lists them.
//!
//! # Differences from upstream
//!
//! - Upstream searches the whole rendered request text; ferrule tests the
//!   `policyArn` parameter, the one that says which policy is granted. A
//!   cluster or principal whose name merely contains one of the policy
//!   names no longer fires. The text search is kept only as the fallback
//!   described above.
//! - Upstream picks events by ingest time on a 5-minute schedule; ferrule
//!   evaluates each event as it arrives, on event time.

use ferrule_sdk::codec::percent_decode;
use ferrule_sdk::event::REQUEST_PARAMETERS;
use ferrule_sdk::matching::contains;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "eks.amazonaws.com";
const ACTIONS: &[&str] = &["AssociateAccessPolicy"];
/// The access policies that make a principal an administrator.
const ADMIN_POLICIES: &[&str] = &["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy"];

struct ClusterAdminGranted;

impl Rule for ClusterAdminGranted {
    const INFO: RuleInfo = RuleInfo {
        id: "9550ec87-e73c-4baa-ad44-e448a33fbc3d",
        slug: "eks-access-entry-cluster-admin-policy",
        name: "AWS EKS Access Entry Granted Cluster Admin Policy",
        description: "An IAM principal was given an EKS admin access policy through an access \
            entry, making it an administrator inside the Kubernetes cluster.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0004",
                technique: "T1098",
                subtechnique: Some("T1098.006"),
            },
            Threat {
                tactic: "TA0003",
                technique: "T1098",
                subtechnique: Some("T1098.006"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/eks/latest/APIReference/API_AssociateAccessPolicy.html",
            "https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html",
        ],
        interests: &[cloudtrail_interest!(
            "eks.amazonaws.com",
            ["AssociateAccessPolicy"]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let Some(policy) = granted_admin_policy(event) else {
            return Ok(());
        };

        let cluster = event
            .request_parameter_text("name")
            .unwrap_or("(unknown cluster)");
        let principal = event
            .request_parameter_text("principalArn")
            .map_or_else(|| "(unknown principal)".to_owned(), percent_decode);
        let message = format!(
            "{policy} granted to {principal} on EKS cluster {cluster} by {}",
            event.caller()
        );
        alerts.push(Alert::for_event(event, message).without_field(fields::ACCESS_KEY_ID));
        Ok(())
    }
}

/// The admin policy the request grants, if any.
fn granted_admin_policy(event: &Event<'_>) -> Option<&'static str> {
    let searched = if event.has(REQUEST_PARAMETERS) {
        event.request_parameter_text("policyArn")?
    } else {
        event.text("aws.cloudtrail.request_parameters")?
    };
    ADMIN_POLICIES
        .iter()
        .copied()
        .find(|name| contains(searched, name, Case::Sensitive))
}

export_rule!(ClusterAdminGranted);
