//! AWS AssumeRoleWithWebIdentity from Kubernetes SA and External ASN: a
//! Kubernetes service account exchanged its web identity token for AWS
//! credentials from a network that does not belong to Amazon.
//!
//! EKS pods get AWS credentials by trading their service account's projected
//! token with `AssumeRoleWithWebIdentity` (IRSA). Those calls normally come
//! from the cluster's nodes, inside AWS. The same exchange from an outside
//! network means the token left the cluster: a stolen token file or a
//! leaked pod being replayed from an attacker's machine.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "sts.amazonaws.com"`,
//! `event.action == "AssumeRoleWithWebIdentity"`,
//! `event.outcome == "success"`, `user.name` starts with
//! `system:serviceaccount:` and is not
//! `system:serviceaccount:kube-system:aws-load-balancer-controller` (both
//! case-sensitive), `source.as.organization.name` exists, and the source
//! network is not Amazon's: `source.as.number` is none of 16509, 14618, 8987,
//! 7224, and the organization name does not start with `amazon` in any case.
//!
//! AS data comes from enrichment (the rule asks the host for
//! `source.as.organization.name` and `source.as.number`). An event without an
//! AS organization name does not fire: an unknown network cannot be shown to
//! be outside Amazon, and upstream requires the name too. An event whose AS
//! number is Amazon's is excluded even without a name.
//!
//! The alert carries the standard CloudTrail fields plus the source's city,
//! country, AS organization and number, and the role in
//! `aws.cloudtrail.resources.arn` / `.type`. Its group is the caller's ARN,
//! or `user.name` (the service account) when the record has no ARN, as web
//! identity records usually do not.
//!
//! # Differences from upstream
//!
//! - Amazon networks are recognised by AS number first (16509, 14618, 8987,
//!   7224), then by an organization name starting with `amazon` in any case.
//!   Upstream only excludes names starting with `Amazon` or `AMAZON`, so a
//!   label such as `amazon.com` or a missing-name Amazon AS would fire there;
//!   the rule exists to exclude Amazon's networks, whatever the AS database
//!   calls them.
//! - Upstream picks events by ingest time on a 5-minute schedule; ferrule
//!   evaluates each event as it arrives, on event time.

use ferrule_sdk::matching::starts_with;
use ferrule_sdk::network;
use ferrule_sdk::prelude::*;

const PROVIDER: &str = "sts.amazonaws.com";
const ACTIONS: &[&str] = &["AssumeRoleWithWebIdentity"];
/// The subject prefix of Kubernetes service account tokens.
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
/// The AWS Load Balancer Controller legitimately calls from varied places.
const EXCLUDED_ACCOUNT: &str = "system:serviceaccount:kube-system:aws-load-balancer-controller";

const AS_ORG: &str = "source.as.organization.name";
const AS_NUMBER: &str = "source.as.number";

struct ServiceAccountFromExternalNetwork;

impl Rule for ServiceAccountFromExternalNetwork {
    const INFO: RuleInfo = RuleInfo {
        id: "ae32268b-bfd0-4c35-b002-13461b5830ca",
        slug: "sts-web-identity-k8s-sa-external-asn",
        name: "AWS AssumeRoleWithWebIdentity from Kubernetes SA and External ASN",
        description: "A Kubernetes service account token was exchanged for AWS credentials from \
            a network outside Amazon. Pods make this call from inside AWS, so an outside source \
            suggests a stolen token replayed elsewhere.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[Threat {
            tactic: "TA0001",
            technique: "T1078",
            subtechnique: Some("T1078.004"),
        }],
        references: &[
            "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html",
            "https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html",
        ],
        interests: &[cloudtrail_interest!(
            "sts.amazonaws.com",
            ["AssumeRoleWithWebIdentity"]
        )],
        wants_tick: false,
        needs_enrichment: &[AS_ORG, AS_NUMBER],
    };

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let Some(account) = event.text("user.name").filter(|name| {
            starts_with(name, SERVICE_ACCOUNT_PREFIX, Case::Sensitive) && *name != EXCLUDED_ACCOUNT
        }) else {
            return Ok(());
        };

        // The network must be known and not Amazon's, by number or by name.
        let number = event.integer(AS_NUMBER);
        let Some(org) = event.text(AS_ORG) else {
            return Ok(());
        };
        if network::is_amazon(number, Some(org)) {
            return Ok(());
        }

        let role = event
            .request_parameter_text("roleArn")
            .unwrap_or("(unknown role)");
        let source = event
            .text("source.ip")
            .or_else(|| event.text("source.address"));
        let mut message = format!("Service account {account} assumed {role} from {org}");
        if let Some(number) = number {
            message.push_str(&format!(" (AS{number})"));
        }
        if let Some(source) = source {
            message.push_str(&format!(" at {source}"));
        }
        let mut alert = Alert::for_event(event, message).copy_fields(
            event,
            &[
                "source.geo.city_name",
                "source.geo.country_name",
                AS_ORG,
                AS_NUMBER,
                "aws.cloudtrail.resources.arn",
                "aws.cloudtrail.resources.type",
            ],
        );
        // Web identity callers usually have no ARN in CloudTrail; the service
        // account then names the group.
        if !event.has(fields::USER_ARN) {
            alert = alert.group_by(event, "user.name");
        }
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(ServiceAccountFromExternalNetwork);
