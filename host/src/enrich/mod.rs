//! Enrichment: fields the log record does not carry, added by the host once
//! per event, after normalization and before dispatch.
//!
//! The network a call came from (`source.as.*`, `source.geo.*`) is the
//! enrichment rules need. An [`Enrich`] implementation adds fields to an
//! event under construction; it must keep fields the input already has (an
//! ECS document enriched upstream wins).

use std::path::PathBuf;
use std::sync::Arc;

use crate::event::Fields;
use crate::runtime::RuleMetadata;

/// Adds fields to events under construction.
pub trait Enrich: Send + Sync {
    /// Adds what this enricher knows about the event to `fields`, keeping
    /// any field already set.
    fn enrich(&self, fields: &mut Fields<'_>);

    /// The ECS field prefixes this enricher can fill (e.g. `source.as.`).
    fn provides(&self) -> Vec<&'static str>;
}

/// No enrichment.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEnrichment;

impl Enrich for NoEnrichment {
    fn enrich(&self, _fields: &mut Fields<'_>) {}

    fn provides(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// Command-line options for enrichment sources.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct EnrichmentArgs {
    /// An IP-to-AS database: a MaxMind ASN `.mmdb`, or a CSV of
    /// `range_start,range_end,asn,"organisation"` rows (plain or gzip).
    /// Repeat to combine several; the first that knows an address wins.
    #[arg(long = "asn-db", value_name = "FILE")]
    pub asn_db: Vec<PathBuf>,
    /// A MaxMind City or Country `.mmdb` for `source.geo.*`. Repeatable; the
    /// first that knows an address wins.
    #[arg(long = "geo-db", value_name = "FILE")]
    pub geo_db: Vec<PathBuf>,
}

/// Logs one warning naming the rules that need fields no configured source
/// provides; they still run, but cannot match on those fields.
pub fn warn_unmet_needs<'a>(rules: impl IntoIterator<Item = &'a RuleMetadata>, enricher: &dyn Enrich) {
    let provided = enricher.provides();
    let mut unmet: Vec<String> = Vec::new();
    for rule in rules {
        let missing: Vec<&str> = rule
            .needs_enrichment
            .iter()
            .filter(|field| !provided.iter().any(|prefix| field.starts_with(prefix)))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            unmet.push(format!("{} ({})", rule.slug, missing.join(", ")));
        }
    }
    if !unmet.is_empty() {
        tracing::warn!(
            rules = %unmet.join("; "),
            "no enrichment source configured for fields these rules need; they run but cannot match on them (see --asn-db, --geo-db)"
        );
    }
}

/// The enricher for no configured source.
pub fn none() -> Arc<dyn Enrich> {
    Arc::new(NoEnrichment)
}

/// Why an enrichment source could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {}

/// Builds the enricher the options ask for.
///
/// # Errors
///
/// [`EnrichError`] when a configured database cannot be loaded.
pub fn from_args(args: &EnrichmentArgs) -> Result<Arc<dyn Enrich>, EnrichError> {
    if !args.asn_db.is_empty() || !args.geo_db.is_empty() {
        tracing::warn!("enrichment databases are not read by this build yet; running without enrichment");
    }
    Ok(none())
}
