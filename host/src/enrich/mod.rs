//! Enrichment: fields the log record does not carry, added by the host once
//! per event, after normalization and before dispatch.
//!
//! The network a call came from (`source.as.*`, `source.geo.*`) is the
//! enrichment rules need. An [`Enrich`] implementation adds fields to an
//! event under construction; it must keep fields the input already has (an
//! ECS document enriched upstream wins).
//!
//! [`from_args`] builds the enricher from `--asn-db` and `--geo-db`:
//!
//! - AS databases: MaxMind DB ASN editions (`.mmdb`), or CSV rows of
//!   `range_start,range_end,asn,organisation` (see `csv_ranges`);
//! - geo databases: MaxMind DB City or Country editions;
//! - any of them gzip-compressed, told by its magic bytes.
//!
//! Guarantees: every configured database is loaded and checked in full
//! before the first event; a file that is missing, damaged or malformed is
//! an [`EnrichError`] naming it (and the line, for a CSV), and start-up
//! stops rather than running with enrichment silently missing. With no
//! database configured nothing is added, and [`warn_unmet_needs`] names the
//! rules that wanted the fields.
//!
//! Limits: databases are read once at start and held in memory; a database
//! updated on disk is picked up at the next start. Lookups are cached per
//! address with a bound (see `cache`).

mod cache;
mod csv_ranges;
mod file;
mod mmdb;
#[cfg(test)]
mod mmdb_writer;
mod network;

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
pub fn warn_unmet_needs<'a>(
    rules: impl IntoIterator<Item = &'a RuleMetadata>,
    enricher: &dyn Enrich,
) {
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
pub enum EnrichError {
    /// The file could not be read.
    #[error("{}: cannot read: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The file starts as gzip but does not decompress whole.
    #[error("{}: not a complete gzip stream: {error}", path.display())]
    Gzip {
        /// The file.
        path: PathBuf,
        /// The decompressor's error.
        error: std::io::Error,
    },
    /// The file is not a valid MaxMind DB.
    #[error("{}: not a valid MaxMind DB: {error}", path.display())]
    Mmdb {
        /// The file.
        path: PathBuf,
        /// The reader's explanation.
        error: maxminddb::MaxMindDbError,
    },
    /// The MaxMind DB is of an edition that cannot serve the option it was
    /// given to.
    #[error("{}: a {database_type} database has no data for {option}", path.display())]
    WrongEdition {
        /// The file.
        path: PathBuf,
        /// `--asn-db` or `--geo-db`.
        option: &'static str,
        /// The database type its metadata names.
        database_type: String,
    },
    /// A source that must be a MaxMind DB is something else.
    #[error("{}: {option} takes a MaxMind DB (.mmdb, plain or gzip)", path.display())]
    NotMmdb {
        /// The file.
        path: PathBuf,
        /// The option it was given to.
        option: &'static str,
    },
    /// A row of a range CSV is malformed.
    #[error("{}:{line}: {reason}", path.display())]
    CsvRow {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the row.
        reason: String,
    },
    /// A range CSV has no row.
    #[error("{}: no IP ranges in the file", path.display())]
    NoRanges {
        /// The file.
        path: PathBuf,
    },
}

/// Builds the enricher the options ask for: [`NoEnrichment`] when no
/// database is configured, else one that loads every database now.
///
/// # Errors
///
/// [`EnrichError`] when a configured database cannot be loaded.
pub fn from_args(args: &EnrichmentArgs) -> Result<Arc<dyn Enrich>, EnrichError> {
    if args.asn_db.is_empty() && args.geo_db.is_empty() {
        return Ok(none());
    }
    Ok(Arc::new(network::NetworkEnricher::load(
        &args.asn_db,
        &args.geo_db,
    )?))
}
