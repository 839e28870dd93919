//! The bridge between a rule built by the SDK and the host's runtime.
//!
//! Both sides are generated from the same WIT package, but by different
//! generators (wit-bindgen for the rule, wasmtime for the host), so each
//! record exists twice as a Rust type. The conversions below are what the
//! component model's lifting and lowering do for a component, done field
//! by field.

use ferrule::runtime::{NativeRule, RuleContext, wit, wit_log, wit_state};
use ferrule_sdk::bindings::ferrule::detect::log as sdk_log;
use ferrule_sdk::bindings::ferrule::detect::state as sdk_state;
use ferrule_sdk::bindings::ferrule::detect::types as sdk;
use ferrule_sdk::native as sdk_native;

/// A natively built rule, callable by the host's runtime.
pub struct SdkRule(sdk_native::NativeRule);

impl SdkRule {
    /// Wraps the entry points `export_rule!` provides natively.
    pub fn new(rule: sdk_native::NativeRule) -> SdkRule {
        SdkRule(rule)
    }
}

impl NativeRule for SdkRule {
    fn metadata(&self) -> wit::RuleMetadata {
        metadata(self.0.metadata())
    }

    fn on_events(
        &self,
        context: &mut RuleContext,
        batch: &[u8],
    ) -> Result<Vec<wit::Alert>, String> {
        let alerts = self.0.on_events(&mut ContextHost(context), batch)?;
        Ok(alerts.into_iter().map(alert).collect())
    }

    fn on_tick(
        &self,
        context: &mut RuleContext,
        watermark: i64,
    ) -> Result<Vec<wit::Alert>, String> {
        let alerts = self.0.on_tick(&mut ContextHost(context), watermark)?;
        Ok(alerts.into_iter().map(alert).collect())
    }
}

/// The rule's state and log calls, answered by its host context. A host
/// error (a limit exceeded) would trap a component; here it panics, which
/// the runtime reports as a trap.
struct ContextHost<'a>(&'a mut RuleContext);

fn host_call<T, E: std::fmt::Display>(outcome: Result<T, E>) -> T {
    outcome.unwrap_or_else(|error| panic!("{error:#}"))
}

impl sdk_native::Host for ContextHost<'_> {
    fn get(&mut self, key: &str) -> Option<Vec<u8>> {
        host_call(wit_state::Host::get(self.0, key.into()))
    }

    fn set(&mut self, key: &str, value: &[u8], expires_at: i64) {
        host_call(wit_state::Host::set(
            self.0,
            key.into(),
            value.into(),
            expires_at,
        ));
    }

    fn delete(&mut self, key: &str) {
        host_call(wit_state::Host::delete(self.0, key.into()));
    }

    fn increment(&mut self, key: &str, delta: i64, expires_at: i64) -> i64 {
        host_call(wit_state::Host::increment(
            self.0,
            key.into(),
            delta,
            expires_at,
        ))
    }

    fn touch(&mut self, key: &str, at: i64, expires_at: i64) -> Option<i64> {
        host_call(wit_state::Host::touch(self.0, key.into(), at, expires_at))
    }

    fn window_add(
        &mut self,
        key: &str,
        at: i64,
        span: i64,
        capacity: u32,
        member: &str,
        tag: &str,
    ) -> sdk_state::WindowStats {
        let stats = host_call(wit_state::Host::window_add(
            self.0,
            key.into(),
            at,
            span,
            capacity,
            member.into(),
            tag.into(),
        ));
        sdk_state::WindowStats {
            count: stats.count,
            distinct: stats.distinct,
            oldest: stats.oldest,
            dropped: stats.dropped,
        }
    }

    fn window_entries(&mut self, key: &str) -> Vec<sdk_state::WindowEntry> {
        host_call(wit_state::Host::window_entries(self.0, key.into()))
            .into_iter()
            .map(|entry| sdk_state::WindowEntry {
                at: entry.at,
                member: entry.member,
                tag: entry.tag,
            })
            .collect()
    }

    fn log(&mut self, level: sdk_log::Level, message: &str) {
        let level = match level {
            sdk_log::Level::Trace => wit_log::Level::Trace,
            sdk_log::Level::Debug => wit_log::Level::Debug,
            sdk_log::Level::Info => wit_log::Level::Info,
            sdk_log::Level::Warn => wit_log::Level::Warn,
            sdk_log::Level::Error => wit_log::Level::Error,
        };
        host_call(wit_log::Host::log(self.0, level, message.into()));
    }
}

fn metadata(raw: sdk::RuleMetadata) -> wit::RuleMetadata {
    wit::RuleMetadata {
        id: raw.id,
        slug: raw.slug,
        name: raw.name,
        description: raw.description,
        version: raw.version,
        state_schema_version: raw.state_schema_version,
        severity: match raw.severity {
            sdk::Severity::Low => wit::Severity::Low,
            sdk::Severity::Medium => wit::Severity::Medium,
            sdk::Severity::High => wit::Severity::High,
            sdk::Severity::Critical => wit::Severity::Critical,
        },
        risk_score: raw.risk_score,
        threats: raw
            .threats
            .into_iter()
            .map(|t| wit::Threat {
                tactic: t.tactic,
                technique: t.technique,
                subtechnique: t.subtechnique,
            })
            .collect(),
        references: raw.references,
        interests: raw
            .interests
            .into_iter()
            .map(|i| wit::Interest {
                datasets: i.datasets,
                filters: i
                    .filters
                    .into_iter()
                    .map(|f| wit::FieldFilter {
                        field: f.field,
                        any_of: f.any_of,
                    })
                    .collect(),
            })
            .collect(),
        wants_tick: raw.wants_tick,
        delivery: match raw.delivery {
            sdk::Delivery::AsReceived => wit::Delivery::AsReceived,
            sdk::Delivery::EventTime => wit::Delivery::EventTime,
        },
        needs_enrichment: raw.needs_enrichment,
    }
}

fn alert(raw: sdk::Alert) -> wit::Alert {
    wit::Alert {
        timestamp: raw.timestamp,
        group: raw.group.into_iter().map(field).collect(),
        evidence: raw.evidence,
        message: raw.message,
        fields: raw.fields.into_iter().map(field).collect(),
    }
}

fn field(raw: sdk::Field) -> wit::Field {
    wit::Field {
        name: raw.name,
        value: match raw.value {
            sdk::Value::Text(v) => wit::Value::Text(v),
            sdk::Value::Integer(v) => wit::Value::Integer(v),
            sdk::Value::Float(v) => wit::Value::Float(v),
            sdk::Value::Boolean(v) => wit::Value::Boolean(v),
            sdk::Value::Texts(v) => wit::Value::Texts(v),
            sdk::Value::Json(v) => wit::Value::Json(v),
        },
    }
}
