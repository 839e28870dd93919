//! Events per second through the pipeline, as `ferrule run` drives it.
//!
//! The measured span starts before the first record is read and ends when
//! the last alert is written: reading, decoding, normalizing, enriching,
//! dispatch, the rules and the alert writer, on the feed thread and the
//! pipeline thread, exactly as in `ferrule run`. Rule loading and
//! compilation come before and are reported apart.
//!
//! Alerts are written as NDJSON into a SHA-256 digest rather than a file,
//! so two runs over the same input can be compared for identical output
//! (components against the native build, for instance) without storing it.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use ferrule::decode::expand_inputs;
use ferrule::enrich::EnrichmentArgs;
use ferrule::pipeline::{FeedItem, Pipeline, PipelineConfig, drain, spawn_feed};
use ferrule::registry::rule_files;
use ferrule::runtime::{Limits, RuleInstance, Runtime, SharedState};
use ferrule::sink::NdjsonSink;
use ferrule::state::MemoryStore;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::memory::peak_rss_kib;

#[derive(clap::Args)]
pub struct Args {
    /// Directories of rule components to load (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rule_dirs: Vec<PathBuf>,
    /// Load the natively built rule pack as well.
    #[arg(long)]
    native: bool,
    /// Directory of compiled components (speeds up loading; not measured).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Most events handed to a rule per call.
    #[arg(long, default_value_t = 256)]
    batch_size: usize,
    /// A label for the report.
    #[arg(long, default_value = "run")]
    label: String,
    #[command(flatten)]
    enrichment: EnrichmentArgs,
    /// Input files or directories.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
    let enricher = ferrule::enrich::from_args(&args.enrichment)?;
    let inputs = expand_inputs(&args.inputs)?;
    let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
    let runtime = Runtime::with_cache(Limits::default(), state.clone(), args.cache_dir.clone())?;

    let loading = Instant::now();
    let rules = load_rules(&runtime, args)?;
    let load_seconds = loading.elapsed().as_secs_f64();
    let rule_count = rules.len();

    let digest = Arc::new(Mutex::new(DigestWriter::default()));
    let started = Instant::now();
    let report = if rules.is_empty() {
        // The ingest limit: everything the feed thread does, no rules.
        let (feed, reader) = spawn_feed(inputs, enricher, 4 * args.batch_size);
        let (mut events, mut rejected) = (0u64, 0u64);
        for item in feed {
            match item {
                FeedItem::Event(_) => events += 1,
                FeedItem::Rejected { .. } => rejected += 1,
            }
        }
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the input reader thread panicked"))?;
        let seconds = started.elapsed().as_secs_f64();
        json!({ "events": events, "rejected": rejected, "alerts": 0, "seconds": seconds })
    } else {
        let config = PipelineConfig {
            batch_size: args.batch_size.max(1),
            ..PipelineConfig::default()
        };
        let sink = Box::new(NdjsonSink::new(SharedWriter(digest.clone())));
        let mut pipeline = Pipeline::new(rules, state, sink, config);
        drain(&mut pipeline, inputs, enricher, |_| {})?;
        pipeline.finish().context("writing alerts")?;
        let seconds = started.elapsed().as_secs_f64();
        let stats = pipeline.stats();
        let rules: Vec<_> = stats
            .rules
            .iter()
            .map(|rule| {
                json!({
                    "id": rule.id,
                    "slug": rule.slug,
                    "calls": rule.calls,
                    "events": rule.events,
                    "alerts": rule.alerts,
                    "failures": rule.total_failures(),
                    "call_p50_us": rule.call_times.quantile(0.5).as_secs_f64() * 1e6,
                    "call_p99_us": rule.call_times.quantile(0.99).as_secs_f64() * 1e6,
                    "ns_per_event": if rule.events == 0 { 0.0 } else {
                        rule.call_time.as_secs_f64() * 1e9 / rule.events as f64
                    },
                })
            })
            .collect();
        let failed: Vec<String> = stats
            .rules
            .iter()
            .filter(|r| r.total_failures() > 0)
            .map(|r| format!("{} {:?}", r.slug, r.failures))
            .collect();
        if !failed.is_empty() {
            bail!(
                "rule calls failed, so the measurement would not be of working rules: {}",
                failed.join(", ")
            );
        }
        json!({
            "events": stats.events,
            "rejected": stats.rejected.values().sum::<u64>(),
            "alerts": stats.alerts,
            "seconds": seconds,
            "rules": rules,
        })
    };
    let mut report = report;
    let events = report["events"].as_u64().unwrap_or(0);
    let seconds = report["seconds"].as_f64().unwrap_or(f64::NAN);
    report["label"] = json!(args.label);
    report["rule_count"] = json!(rule_count);
    report["load_seconds"] = json!(load_seconds);
    report["events_per_second"] = json!(events as f64 / seconds);
    report["peak_rss_kib"] = json!(peak_rss_kib());
    report["alert_digest"] = json!(digest.lock().expect("digest lock").finish());
    println!("{report}");
    Ok(())
}

fn load_rules(runtime: &Runtime, args: &Args) -> Result<Vec<RuleInstance>> {
    let mut rules = Vec::new();
    for dir in &args.rule_dirs {
        let files = rule_files(dir).with_context(|| format!("listing {}", dir.display()))?;
        if files.is_empty() {
            bail!("no rule components in {}", dir.display());
        }
        for file in files {
            rules.push(runtime.load_file(&file)?);
        }
    }
    if args.native {
        rules.extend(ferrule_native_rules::load_pack(runtime)?);
    }
    Ok(rules)
}

/// A SHA-256 digest of everything written.
#[derive(Default)]
struct DigestWriter {
    hasher: Sha256,
}

impl DigestWriter {
    fn finish(&self) -> String {
        let digest = self.hasher.clone().finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The sink's writer, shared so the digest can be read after the run.
struct SharedWriter(Arc<Mutex<DigestWriter>>);

impl Write for SharedWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("digest lock").hasher.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
