//! Test fixture: exercises each SDK state idiom on demand, so tests can
//! check them against the real host. The event's `event.action` picks the
//! idiom; `user.name` is the key; results come back as alert fields.
//!
//! - `Seen`: first seen of `user.name` within 10 s; alerts when new;
//! - `StepA`, `StepB`, `StepC`: a three-step sequence within 60 s; alerts
//!   on completion with the steps' event ids as evidence;
//! - `Count`: a 10 s sliding window of at most 5 entries, counting
//!   `source.ip` as the member; alerts every time with the counts;
//! - `Suppressed`: one alert per key per 60 s, with the held count.

use ferrule_sdk::prelude::*;

const SECOND: i64 = 1000;
const SEEN: FirstSeen = FirstSeen::new("user", 10 * SECOND);
const STEPS: Sequence = Sequence::new("abc", 3, 60 * SECOND);
const WINDOW: SlidingWindow = SlidingWindow::new("ips", 10 * SECOND, 5);
const SUPPRESS: Suppression = Suppression::new("once", 60 * SECOND);

struct Idioms;

impl Rule for Idioms {
    const INFO: RuleInfo = RuleInfo {
        id: "fixture-idioms",
        slug: "fixture-idioms",
        name: "Fixture: state idioms",
        description: "Exercises the SDK's state idioms for tests.",
        version: "0.1.0",
        state_schema_version: 1,
        severity: Severity::Low,
        risk_score: 1,
        threats: &[],
        references: &[],
        interests: &[Interest {
            datasets: &["aws.cloudtrail"],
            filters: &[Filter {
                field: "event.action",
                any_of: &["Seen", "StepA", "StepB", "StepC", "Count", "Suppressed"],
            }],
        }],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        let user = event.text("user.name").unwrap_or("");
        let alert = |message: &str| {
            Alert::for_event(event, message)
                .with_group(vec![])
                .field("user.name", user)
        };
        match event.text("event.action") {
            Some("Seen") if SEEN.check(&[user], event) => alerts.push(alert("first seen")),
            Some(step @ ("StepA" | "StepB" | "StepC")) => {
                let index = match step {
                    "StepA" => 0,
                    "StepB" => 1,
                    _ => 2,
                };
                if let Some(done) = STEPS.advance(&[user], index, event) {
                    let alert = alert("sequence complete").field("started", done.started_ms);
                    alerts.push(alert.with_evidence(done.evidence));
                }
            }
            Some("Count") => {
                let stats = WINDOW.add(&[user], event.text("source.ip").unwrap_or(""), event);
                let alert = alert("counted")
                    .field("count", i64::from(stats.count))
                    .field("distinct", i64::from(stats.distinct))
                    .field("dropped", i64::from(stats.dropped))
                    .field("members", FieldValue::Texts(WINDOW.members(&[user])));
                alerts.push(alert);
            }
            Some("Suppressed") => {
                if let Some(held) = SUPPRESS.admit(&[user], event) {
                    alerts.push(alert("admitted").field("held", held as i64));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

export_rule!(Idioms);
