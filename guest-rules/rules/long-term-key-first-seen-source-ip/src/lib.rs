//! AWS IAM Long-Term Access Key First Seen from Source IP: a long-term
//! (`AKIA...`) access key is used from an address it has not been used from
//! in the last 10 days.
//!
//! Long-term keys live in config files, CI variables and code, and they leak.
//! A leaked key is usually tried from the finder's own machine, so the
//! first use of a key from a new address is how a leak shows. Keys used by
//! servers with fixed addresses make this quiet; keys used from laptops on
//! changing networks make it noisy, which is why the severity is medium.
//!
//! Condition (all exact and case-sensitive):
//!
//! - `data_stream.dataset == "aws.cloudtrail"`, `event.outcome == "success"`;
//! - `source.ip` exists (calls made by AWS services on the key's behalf have
//!   a service name, not an address);
//! - `aws.cloudtrail.user_identity.access_key_id` starts with `AKIA`
//!   (console sessions use temporary `ASIA` keys and never match);
//! - any service and any action.
//!
//! New term: the combination (`aws.cloudtrail.user_identity.access_key_id`,
//! `source.ip`) not seen in a matching event in the 10 days of event time
//! before. Each new combination alerts once.
//!
//! State: one first-seen entry per key and address, dropped 10 days after it
//! was last seen: as many entries as distinct (key, address) pairs used in
//! 10 days.
//!
//! The alert carries the standard CloudTrail fields plus the address's
//! city, country and AS organization when the host enriches them.
//!
//! # Differences from upstream
//!
//! - None in logic. Event time, not ingest time, measures the 10-day
//!   history, and each event is judged as it passes the watermark rather
//!   than on a 6-minute schedule.

use ferrule_sdk::matching::starts_with;
use ferrule_sdk::prelude::*;

const HISTORY_MS: i64 = 10 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("key-ip", HISTORY_MS);

struct LongTermKeyFromNewAddress;

impl Rule for LongTermKeyFromNewAddress {
    const INFO: RuleInfo = RuleInfo {
        id: "9f8e3c5e-f72e-4e91-93f6-e98a4fae3e4f",
        slug: "long-term-key-first-seen-source-ip",
        name: "AWS IAM Long-Term Access Key First Seen from Source IP",
        description: "A long-term IAM access key (AKIA) was used from an IP address it had not \
            been used from in the last 10 days. Leaked keys are first tried from the finder's \
            own address.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[
            Threat {
                tactic: "TA0006",
                technique: "T1552",
                subtechnique: None,
            },
            Threat {
                tactic: "TA0001",
                technique: "T1078",
                subtechnique: Some("T1078.004"),
            },
        ],
        references: &[
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
        ],
        // Any call can carry the key; every CloudTrail event reaches the rule.
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
        let Some(key) = event
            .text(fields::ACCESS_KEY_ID)
            .filter(|key| starts_with(key, "AKIA", Case::Sensitive))
        else {
            return Ok(());
        };
        let Some(ip) = event.text("source.ip") else {
            return Ok(());
        };
        if !SEEN.check(&[key, ip], event) {
            return Ok(());
        }
        let action = event.text("event.action").unwrap_or_default();
        let message = format!(
            "Access key {key} of {} used from {ip} for the first time in 10 days ({action})",
            event.caller()
        );
        let alert = Alert::for_event(event, message)
            .with_group(vec![
                (fields::ACCESS_KEY_ID.into(), key.into()),
                ("source.ip".into(), ip.into()),
            ])
            .copy_fields(
                event,
                &[
                    "source.geo.city_name",
                    "source.geo.country_iso_code",
                    "source.as.organization.name",
                ],
            );
        alerts.push(alert);
        Ok(())
    }
}

export_rule!(LongTermKeyFromNewAddress);
