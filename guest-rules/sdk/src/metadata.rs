//! A rule's identity, written as static data in the rule's crate.
//!
//! [`RuleInfo`] mirrors the WIT `metadata` record with `'static` borrowed
//! data, so a rule states its metadata as one constant that reads like the
//! catalog entry it implements.

use crate::bindings::ferrule::detect::types as wit;

/// Severity of a rule's alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Investigate soon.
    Medium,
    /// Investigate now.
    High,
    /// Act now.
    Critical,
}

/// One MITRE ATT&CK mapping.
#[derive(Debug, Clone, Copy)]
pub struct Threat {
    /// Tactic id, e.g. `TA0005`.
    pub tactic: &'static str,
    /// Technique id, e.g. `T1562`.
    pub technique: &'static str,
    /// Sub-technique id, e.g. `T1562.008`, if any.
    pub subtechnique: Option<&'static str>,
}

/// A field that must hold one of a set of values (exact, case-sensitive).
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    /// ECS path, e.g. `event.action`.
    pub field: &'static str,
    /// Accepted values.
    pub any_of: &'static [&'static str],
}

/// Which events reach the rule: those of one of `datasets` passing every
/// filter. The host indexes interests, so a rule is called only for events
/// that can match; the rule still checks its full condition itself.
#[derive(Debug, Clone, Copy)]
pub struct Interest {
    /// `data_stream.dataset` values.
    pub datasets: &'static [&'static str],
    /// Conditions that must all hold.
    pub filters: &'static [Filter],
}

/// Everything the host needs to know about a rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    /// Stable id; the upstream rule id for catalog rules.
    pub id: &'static str,
    /// Short kebab-case name.
    pub slug: &'static str,
    /// Title.
    pub name: &'static str,
    /// What it detects and why it matters.
    pub description: &'static str,
    /// Semantic version.
    pub version: &'static str,
    /// Bump when the layout of the rule's state changes: the host then
    /// starts the new version with empty state.
    pub state_schema_version: u32,
    /// Severity of its alerts.
    pub severity: Severity,
    /// 0 to 100.
    pub risk_score: u8,
    /// ATT&CK mappings.
    pub threats: &'static [Threat],
    /// Background links.
    pub references: &'static [&'static str],
    /// At least one interest.
    pub interests: &'static [Interest],
    /// Whether the rule wants `on_tick` calls.
    pub wants_tick: bool,
    /// ECS fields the rule needs enriched by the host (e.g. `source.as.number`).
    pub needs_enrichment: &'static [&'static str],
}

impl RuleInfo {
    pub(crate) fn to_wit(self, delivery: crate::Delivery) -> wit::RuleMetadata {
        wit::RuleMetadata {
            id: self.id.into(),
            slug: self.slug.into(),
            name: self.name.into(),
            description: self.description.into(),
            version: self.version.into(),
            state_schema_version: self.state_schema_version,
            severity: match self.severity {
                Severity::Low => wit::Severity::Low,
                Severity::Medium => wit::Severity::Medium,
                Severity::High => wit::Severity::High,
                Severity::Critical => wit::Severity::Critical,
            },
            risk_score: self.risk_score,
            threats: self
                .threats
                .iter()
                .map(|t| wit::Threat {
                    tactic: t.tactic.into(),
                    technique: t.technique.into(),
                    subtechnique: t.subtechnique.map(Into::into),
                })
                .collect(),
            references: self.references.iter().map(|r| (*r).into()).collect(),
            interests: self
                .interests
                .iter()
                .map(|i| wit::Interest {
                    datasets: i.datasets.iter().map(|d| (*d).into()).collect(),
                    filters: i
                        .filters
                        .iter()
                        .map(|f| wit::FieldFilter {
                            field: f.field.into(),
                            any_of: f.any_of.iter().map(|v| (*v).into()).collect(),
                        })
                        .collect(),
                })
                .collect(),
            wants_tick: self.wants_tick,
            delivery: match delivery {
                crate::Delivery::AsReceived => wit::Delivery::AsReceived,
                crate::Delivery::EventTime => wit::Delivery::EventTime,
            },
            needs_enrichment: self.needs_enrichment.iter().map(|f| (*f).into()).collect(),
        }
    }
}
