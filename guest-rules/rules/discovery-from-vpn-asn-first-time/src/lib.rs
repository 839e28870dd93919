//! AWS Discovery API Calls from VPN ASN for the First Time by Identity: an
//! identity makes a discovery call from a commercial VPN or anonymising
//! hosting network it has not used in the last 10 days.
//!
//! Discovery calls (`GetCallerIdentity`, `ListUsers`, `DescribeInstances`,
//! ...) are the first thing done with fresh credentials. Made through a
//! consumer VPN or a cheap hosting provider that VPN services run on
//! (Mullvad, ProtonVPN, Surfshark, M247, Vultr, Linode, ...), they suggest
//! someone is probing stolen credentials while hiding where they are. The
//! first time a given identity does so from a given network is the signal;
//! repeats from the same network are its established habit.
//!
//! Condition (all exact and case-sensitive):
//!
//! - `data_stream.dataset == "aws.cloudtrail"`;
//! - `aws.cloudtrail.user_identity.arn` exists and does not contain
//!   `AWSServiceRoleForConfig`; `aws.cloudtrail.user_identity.type` is not
//!   `AWSService` (a missing type passes);
//! - `event.provider` is one of sts, iam, s3, ec2, lambda, rds, dynamodb,
//!   kms, cloudtrail or bedrock (`<name>.amazonaws.com`);
//! - `event.action`, with or without an API version suffix
//!   (`ListFunctions20150331`), is one of the 22 discovery calls in
//!   [`ACTIONS`], checked independently of the provider;
//! - `source.as.number` is one of the 22 VPN and hosting networks in
//!   [`VPN_AS_NUMBERS`];
//! - any outcome: a denied discovery call is as telling as an allowed one.
//!
//! New term: the combination (`source.as.number`, `user.name`,
//! `cloud.account.id`) not seen in a matching event in the 10 days of event
//! time before. An event missing any of the three never alerts and is not
//! remembered. Each new combination alerts once.
//!
//! State: one first-seen entry per combination, dropped 10 days after it was
//! last seen. Only events that pass the whole condition are remembered, so
//! the store grows with identities that use these networks, not with all
//! traffic.
//!
//! The AS number comes from enrichment (`source.as.number`). The alert
//! carries the standard CloudTrail fields plus the AS number and
//! organization; its group is the new term.
//!
//! # Differences from upstream
//!
//! - Event time, not ingest time, measures the 10-day history, and each
//!   event is judged as it passes the watermark rather than on a 6-minute
//!   schedule.
//! - API names recorded with a version suffix (Lambda's `ListFunctions`
//!   arrives as `ListFunctions20150331`) match their plain name; upstream
//!   lists only the plain names and so never sees Lambda function listing.
//! - The new-terms key stays the upstream one (AS number, `user.name`,
//!   account), not the ARN its investigation notes mention.

use ferrule_sdk::matching::{contains, strip_api_version};
use ferrule_sdk::prelude::*;

const HISTORY_MS: i64 = 10 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("asn-user-account", HISTORY_MS);

const AS_NUMBER: &str = "source.as.number";
const AS_ORG: &str = "source.as.organization.name";

const PROVIDERS: &[&str] = &[
    "sts.amazonaws.com",
    "iam.amazonaws.com",
    "s3.amazonaws.com",
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "rds.amazonaws.com",
    "dynamodb.amazonaws.com",
    "kms.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "bedrock.amazonaws.com",
];

/// The discovery calls, by their plain API names.
const ACTIONS: &[&str] = &[
    "GetCallerIdentity",
    "ListUsers",
    "ListRoles",
    "ListAccessKeys",
    "GetAccountSummary",
    "ListAccountAliases",
    "ListGroups",
    "ListMFADevices",
    "ListBuckets",
    "DescribeInstances",
    "DescribeRegions",
    "DescribeVpcs",
    "DescribeSecurityGroups",
    "ListFunctions",
    "DescribeDBInstances",
    "DescribeDBSnapshots",
    "ListTables",
    "ListKeys",
    "ListAliases",
    "DescribeTrails",
    "LookupEvents",
    "ListFoundationModels",
];

/// VPN operators and the hosting networks VPN services run on.
const VPN_AS_NUMBERS: &[i64] = &[
    216025, 57138, 207137, 212238, 199218, 209103, 209854, 141039, 147049, 53314, 60068, 9009,
    20473, 63949, 39351, 51765, 204187, 29066, 206092, 208172, 9002, 49981,
];

/// Config's service-linked role makes discovery calls from AWS on its own.
const CONFIG_ROLE: &str = "AWSServiceRoleForConfig";

struct DiscoveryFromVpnNetwork;

impl Rule for DiscoveryFromVpnNetwork {
    const INFO: RuleInfo = RuleInfo {
        id: "e3c7a891-4b2d-4e8c-a1f0-9d8e7c6b5a4d",
        slug: "discovery-from-vpn-asn-first-time",
        name: "AWS Discovery API Calls from VPN ASN for the First Time by Identity",
        description: "An identity made an AWS discovery call (who am I, list users, describe \
            instances, ...) from a VPN or anonymising hosting network it had not used in the \
            last 10 days: a common sign of someone testing stolen credentials from hiding.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::High,
        risk_score: 73,
        threats: &[
            Threat {
                tactic: "TA0007",
                technique: "T1526",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0007",
                technique: "T1580",
                subtechnique: None,
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
        ],
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[
                Filter {
                    field: "event.provider",
                    any_of: PROVIDERS,
                },
                Filter {
                    field: "event.action",
                    any_of: &[
                        "GetCallerIdentity",
                        "ListUsers",
                        "ListRoles",
                        "ListAccessKeys",
                        "GetAccountSummary",
                        "ListAccountAliases",
                        "ListGroups",
                        "ListMFADevices",
                        "ListBuckets",
                        "DescribeInstances",
                        "DescribeRegions",
                        "DescribeVpcs",
                        "DescribeSecurityGroups",
                        "ListFunctions",
                        "ListFunctions20150331",
                        "ListFunctions20150331v2",
                        "DescribeDBInstances",
                        "DescribeDBSnapshots",
                        "ListTables",
                        "ListKeys",
                        "ListAliases",
                        "DescribeTrails",
                        "LookupEvents",
                        "ListFoundationModels",
                    ],
                },
            ],
        }],
        wants_tick: false,
        needs_enrichment: &[AS_NUMBER],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL)
            || !event
                .text("event.provider")
                .is_some_and(|p| one_of(p, PROVIDERS))
            || !event
                .text("event.action")
                .is_some_and(|a| one_of(strip_api_version(a), ACTIONS))
        {
            return Ok(());
        }
        let Some(arn) = event.text(fields::USER_ARN) else {
            return Ok(());
        };
        if contains(arn, CONFIG_ROLE, Case::Sensitive)
            || event.text(fields::USER_TYPE) == Some("AWSService")
        {
            return Ok(());
        }
        let Some(number) = event
            .integer(AS_NUMBER)
            .filter(|n| VPN_AS_NUMBERS.contains(n))
        else {
            return Ok(());
        };
        let (user, account) = (
            event.text("user.name").unwrap_or(""),
            event.text("cloud.account.id").unwrap_or(""),
        );
        let number_text = number.to_string();
        if !SEEN.check(&[&number_text, user, account], event) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let network = match event.text(AS_ORG) {
            Some(org) => format!("AS{number} ({org})"),
            None => format!("AS{number}"),
        };
        let message = format!(
            "{user} in account {account} called {action} from VPN network {network} for the first time"
        );
        let alert = Alert::for_event(event, message)
            .with_group(vec![
                (AS_NUMBER.into(), FieldValue::Integer(number)),
                ("user.name".into(), user.into()),
                ("cloud.account.id".into(), account.into()),
            ])
            .copy_fields(event, &[AS_NUMBER, AS_ORG]);
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(DiscoveryFromVpnNetwork);
