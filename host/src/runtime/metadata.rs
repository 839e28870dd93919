//! A rule's metadata as the host keeps it, validated.
//!
//! The metadata a component returns is untrusted: it is checked here once,
//! at load, so the rest of the host can rely on it.

use std::sync::Arc;

use serde::Serialize;

use super::wit;

/// What a rule wants to see: events of one of `datasets` passing every
/// filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interest {
    /// `data_stream.dataset` values.
    pub datasets: Vec<String>,
    /// `(field, accepted values)`, all of which must hold.
    pub filters: Vec<(String, Vec<String>)>,
}

/// One ATT&CK mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Threat {
    /// Tactic id.
    pub tactic: String,
    /// Technique id.
    pub technique: String,
    /// Sub-technique id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtechnique: Option<String>,
}

/// Validated rule metadata.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMetadata {
    /// Stable id.
    pub id: Arc<str>,
    /// Short name.
    pub slug: String,
    /// Title.
    pub name: String,
    /// What it detects.
    pub description: String,
    /// Semantic version.
    pub version: String,
    /// Version of its state layout.
    pub state_schema_version: u32,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: &'static str,
    /// 0 to 100.
    pub risk_score: u8,
    /// ATT&CK mappings.
    pub threats: Vec<Threat>,
    /// Background links.
    pub references: Vec<String>,
    /// Interests, at least one.
    pub interests: Vec<Interest>,
    /// Whether it wants tick calls.
    pub wants_tick: bool,
    /// Whether it receives events in event-time order, held back until the
    /// watermark passes them (otherwise as they arrive).
    pub event_time_order: bool,
    /// Fields it needs enriched.
    pub needs_enrichment: Vec<String>,
}

/// What is wrong with a rule's metadata.
#[derive(Debug, thiserror::Error)]
pub enum InvalidMetadata {
    /// A required text is empty.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// A text is longer than allowed.
    #[error("{field} is longer than {limit} bytes")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The risk score is above 100.
    #[error("risk score {0} is above 100")]
    RiskScore(u8),
    /// The slug has characters other than lowercase letters, digits and `-`.
    #[error("slug {0:?} is not kebab-case (a-z, 0-9, -)")]
    Slug(String),
    /// No interest, or an interest without a data set.
    #[error("the rule declares no interest with a data set")]
    NoInterest,
    /// A filter without values or field.
    #[error("a filter on {0:?} has no field name or no values")]
    EmptyFilter(String),
    /// Another loaded rule already has this id.
    #[error("rule id {id} is already used by {first}")]
    DuplicateId {
        /// The id.
        id: String,
        /// The file that declared it first.
        first: String,
    },
}

fn text(value: String, field: &'static str, limit: usize) -> Result<String, InvalidMetadata> {
    if value.trim().is_empty() {
        return Err(InvalidMetadata::Empty(field));
    }
    if value.len() > limit {
        return Err(InvalidMetadata::TooLong { field, limit });
    }
    Ok(value)
}

impl RuleMetadata {
    /// Validates what a component returned.
    ///
    /// # Errors
    ///
    /// [`InvalidMetadata`] naming the first problem found.
    pub fn from_wit(raw: wit::RuleMetadata) -> Result<RuleMetadata, InvalidMetadata> {
        let slug = text(raw.slug, "slug", 128)?;
        if !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(InvalidMetadata::Slug(slug));
        }
        if raw.risk_score > 100 {
            return Err(InvalidMetadata::RiskScore(raw.risk_score));
        }
        let interests: Vec<Interest> = raw
            .interests
            .into_iter()
            .map(|interest| Interest {
                datasets: interest.datasets,
                filters: interest
                    .filters
                    .into_iter()
                    .map(|f| (f.field, f.any_of))
                    .collect(),
            })
            .collect();
        if interests.is_empty() || interests.iter().any(|i| i.datasets.is_empty()) {
            return Err(InvalidMetadata::NoInterest);
        }
        for (field, values) in interests.iter().flat_map(|i| &i.filters) {
            if field.is_empty() || values.is_empty() {
                return Err(InvalidMetadata::EmptyFilter(field.clone()));
            }
        }
        Ok(RuleMetadata {
            id: text(raw.id, "id", 128)?.into(),
            slug,
            name: text(raw.name, "name", 512)?,
            description: text(raw.description, "description", 16 * 1024)?,
            version: text(raw.version, "version", 64)?,
            state_schema_version: raw.state_schema_version,
            severity: match raw.severity {
                wit::Severity::Low => "low",
                wit::Severity::Medium => "medium",
                wit::Severity::High => "high",
                wit::Severity::Critical => "critical",
            },
            risk_score: raw.risk_score,
            threats: raw
                .threats
                .into_iter()
                .map(|t| Threat {
                    tactic: t.tactic,
                    technique: t.technique,
                    subtechnique: t.subtechnique,
                })
                .collect(),
            references: raw.references,
            interests,
            wants_tick: raw.wants_tick,
            event_time_order: raw.delivery == wit::Delivery::EventTime,
            needs_enrichment: raw.needs_enrichment,
        })
    }
}
