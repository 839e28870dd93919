//! AWS Account Discovery By Rare User: a user who has not done so in the
//! last 10 days asks AWS Organizations (or IAM) what the account and its
//! organization look like.
//!
//! Listing the organization's accounts, roots, units, policies and
//! delegated administrators, or reading the account's alias and summary,
//! maps out where else credentials could reach. Administrators and tooling
//! do it routinely; a user doing it for the first time in 10 days, in an
//! account where it has not done so before, is worth a look: compromised
//! credentials are typically used to explore first.
//!
//! Condition (all exact and case-sensitive):
//!
//! - `data_stream.dataset == "aws.cloudtrail"`, `event.outcome == "success"`,
//!   `source.ip` exists;
//! - `aws.cloudtrail.session_credential_from_console` is not `"true"` (a
//!   missing flag passes: CloudTrail only writes it for console sessions);
//! - `aws.cloudtrail.user_identity.type` is not `AWSService` (missing
//!   passes);
//! - either `event.provider == "organizations.amazonaws.com"` and
//!   `event.action` is one of the 11 Organizations calls in
//!   [`ORGANIZATIONS_ACTIONS`], or `event.provider == "iam.amazonaws.com"`
//!   and `event.action` is `ListAccountAliases` or `GetAccountSummary`.
//!
//! New term: the combination (`cloud.account.id`, `user.name`) not seen in a
//! matching event in the 10 days of event time before. An event missing
//! either never alerts and is not remembered. Each new combination alerts
//! once.
//!
//! State: one first-seen entry per combination, dropped 10 days after it was
//! last seen.
//!
//! # Differences from upstream
//!
//! - Upstream lists `DescribeOrgnanizationalUnit`, a misspelling no API
//!   has, so describing an organizational unit never matched; ferrule
//!   matches the real `DescribeOrganizationalUnit`.
//! - Event time, not ingest time, measures the 10-day history, and each
//!   event is judged as it passes the watermark rather than on a 6-minute
//!   schedule.

use ferrule_sdk::prelude::*;

const HISTORY_MS: i64 = 10 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("account-user", HISTORY_MS);

const ORGANIZATIONS: &str = "organizations.amazonaws.com";
const IAM: &str = "iam.amazonaws.com";

const ORGANIZATIONS_ACTIONS: &[&str] = &[
    "DescribeOrganization",
    "DescribeOrganizationalUnit",
    "ListAccounts",
    "ListRoots",
    "ListOrganizationalUnitsForParent",
    "ListAccountsForParent",
    "ListPolicies",
    "ListAWSServiceAccessForOrganization",
    "ListDelegatedAdministrators",
    "ListDelegatedServicesForAccount",
    "DescribeResourcePolicy",
];

const IAM_ACTIONS: &[&str] = &["ListAccountAliases", "GetAccountSummary"];

struct AccountDiscoveryByRareUser;

impl Rule for AccountDiscoveryByRareUser {
    const INFO: RuleInfo = RuleInfo {
        id: "444c8fad-874f-4f59-b0ea-cf26cea478bd",
        slug: "account-discovery-rare-user",
        name: "AWS Account Discovery By Rare User",
        description: "A user listed the organization's accounts, units or policies, or read \
            the account alias or summary, for the first time in 10 days in that account. \
            Mapping the organization is an early step after credentials are stolen.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[
            Threat {
                tactic: "TA0007",
                technique: "T1087",
                subtechnique: Some("T1087.004"),
            },
            Threat {
                tactic: "TA0007",
                technique: "T1580",
                subtechnique: None,
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/organizations/latest/APIReference/API_Operations.html",
        ],
        interests: &[
            cloudtrail_interest!(
                "organizations.amazonaws.com",
                [
                    "DescribeOrganization",
                    "DescribeOrganizationalUnit",
                    "ListAccounts",
                    "ListRoots",
                    "ListOrganizationalUnitsForParent",
                    "ListAccountsForParent",
                    "ListPolicies",
                    "ListAWSServiceAccessForOrganization",
                    "ListDelegatedAdministrators",
                    "ListDelegatedServicesForAccount",
                    "DescribeResourcePolicy",
                ]
            ),
            cloudtrail_interest!(
                "iam.amazonaws.com",
                ["ListAccountAliases", "GetAccountSummary"]
            ),
        ],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(ORGANIZATIONS, ORGANIZATIONS_ACTIONS)
            && !event.is_successful_call(IAM, IAM_ACTIONS)
        {
            return Ok(());
        }
        if !event.has("source.ip")
            || event.text("aws.cloudtrail.session_credential_from_console") == Some("true")
            || event.text(fields::USER_TYPE) == Some("AWSService")
        {
            return Ok(());
        }
        let (account, user) = (
            event.text("cloud.account.id").unwrap_or(""),
            event.text("user.name").unwrap_or(""),
        );
        if !SEEN.check(&[account, user], event) {
            return Ok(());
        }
        let action = event.text("event.action").unwrap_or_default();
        let message = format!(
            "{user} called {action} in account {account}, its first account discovery there in 10 days"
        );
        let alert = Alert::for_event(event, message).with_group(vec![
            ("cloud.account.id".into(), account.into()),
            ("user.name".into(), user.into()),
        ]);
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(AccountDiscoveryByRareUser);
