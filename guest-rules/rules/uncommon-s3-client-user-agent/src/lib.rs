//! AWS API Activity from Uncommon S3 Client by Rare User: a user calls AWS
//! with S3 Browser or Cyberduck for the first time in 7 days in an account.
//!
//! S3 Browser and Cyberduck are desktop clients that make browsing and bulk
//! downloading of buckets easy. Teams rarely use them against production
//! accounts, and intruders like them for pulling data out, so a user who
//! shows up with one for the first time in a week deserves a look.
//!
//! Condition (all exact and case-sensitive):
//!
//! - `data_stream.dataset == "aws.cloudtrail"`, `event.outcome == "success"`;
//! - `user_agent.original` contains `S3 Browser` or `Cyberduck`;
//! - any service and any action.
//!
//! New term: the combination (`cloud.account.id`, `user.name`) not seen in a
//! matching event in the 7 days of event time before. An event missing
//! either never alerts and is not remembered. Each new combination alerts
//! once.
//!
//! State: one first-seen entry per combination, dropped 7 days after it was
//! last seen. Only events from these two clients are remembered.
//!
//! The alert carries the standard CloudTrail fields plus the resources
//! (`aws.cloudtrail.resources.arn` / `.type`) the call touched.
//!
//! # Differences from upstream
//!
//! - None in logic. Event time, not ingest time, measures the 7-day history,
//!   and each event is judged as it passes the watermark rather than on a
//!   6-minute schedule.

use ferrule_sdk::matching::contains;
use ferrule_sdk::prelude::*;

const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("account-user", HISTORY_MS);

/// User agent fragments of the clients this rule watches for.
const CLIENTS: &[&str] = &["S3 Browser", "Cyberduck"];

struct UncommonS3Client;

impl Rule for UncommonS3Client {
    const INFO: RuleInfo = RuleInfo {
        id: "73344d2d-9cfb-4daf-b3c5-1d40a8182b86",
        slug: "uncommon-s3-client-user-agent",
        name: "AWS API Activity from Uncommon S3 Client by Rare User",
        description: "A user called AWS with the S3 Browser or Cyberduck desktop client for the \
            first time in 7 days in that account. These clients make bulk downloads of buckets \
            easy and are rare in normal operations.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 21,
        threats: &[
            Threat {
                tactic: "TA0010",
                technique: "T1567",
                subtechnique: Some("T1567.002"),
            },
            Threat {
                tactic: "TA0009",
                technique: "T1530",
                subtechnique: None,
            },
        ],
        references: &["https://s3browser.com/", "https://cyberduck.io/s3/"],
        // The client shows only in the user agent, which the host cannot
        // index; every CloudTrail event reaches the rule.
        interests: &[Interest {
            datasets: &[fields::CLOUDTRAIL],
            filters: &[],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if event.text("data_stream.dataset") != Some(fields::CLOUDTRAIL)
            || event.text("event.outcome") != Some("success")
        {
            return Ok(());
        }
        let Some(client) = event.text("user_agent.original").and_then(|agent| {
            CLIENTS
                .iter()
                .find(|client| contains(agent, client, Case::Sensitive))
        }) else {
            return Ok(());
        };
        let (account, user) = (
            event.text("cloud.account.id").unwrap_or(""),
            event.text("user.name").unwrap_or(""),
        );
        if !SEEN.check(&[account, user], event) {
            return Ok(());
        }
        let action = event.text("event.action").unwrap_or_default();
        let message = format!(
            "{user} used {client} ({action}) in account {account}, for the first time in 7 days"
        );
        let alert = Alert::for_event(event, message)
            .with_group(vec![
                ("cloud.account.id".into(), account.into()),
                ("user.name".into(), user.into()),
            ])
            .copy_fields(
                event,
                &[
                    "aws.cloudtrail.resources.arn",
                    "aws.cloudtrail.resources.type",
                ],
            );
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(UncommonS3Client);
