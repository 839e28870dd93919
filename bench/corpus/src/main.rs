//! `ferrule-corpus`: writes a synthetic CloudTrail corpus as NDJSON or as a
//! CloudTrail S3 archive, and prints what it wrote to stderr as one line of
//! JSON.

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::{Parser, ValueEnum};
use ferrule_corpus::{CorpusConfig, write_archive, write_ndjson};

/// Generate deterministic synthetic CloudTrail traffic with attack bursts.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Seed of every random choice; the same seed and options give the
    /// same output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Records to write, attack records included.
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// Mean records between the starts of two attack bursts; 0 for none.
    #[arg(long, default_value_t = 20_000)]
    attack_every: u64,
    /// Event time of the first record (RFC 3339).
    #[arg(long, default_value = "2026-11-02T00:00:00Z")]
    start: DateTime<Utc>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    format: Format,
    /// Records per archive file at most.
    #[arg(long, default_value_t = 1_000)]
    records_per_file: usize,
    /// Where to write: a file for NDJSON (`-` for stdout), a directory for
    /// an archive.
    #[arg(long, default_value = "-")]
    out: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// One record per line.
    Ndjson,
    /// Gzip files of `{"Records":[...]}` under `AWSLogs/<account>/CloudTrail/...`.
    Archive,
}

fn run(cli: Cli) -> Result<()> {
    let config = CorpusConfig {
        seed: cli.seed,
        events: cli.events,
        start: cli.start,
        attack_every: cli.attack_every,
    };
    let summary = match cli.format {
        Format::Ndjson if cli.out.as_os_str() == "-" => {
            write_ndjson(config, io::stdout().lock()).context("writing NDJSON to stdout")?
        }
        Format::Ndjson => {
            let file = File::create(&cli.out)
                .with_context(|| format!("creating `{}`", cli.out.display()))?;
            write_ndjson(config, file)
                .with_context(|| format!("writing NDJSON to `{}`", cli.out.display()))?
        }
        Format::Archive if cli.out.as_os_str() == "-" => {
            bail!("an archive is a directory tree: give a directory with --out")
        }
        Format::Archive => write_archive(config, &cli.out, cli.records_per_file)
            .with_context(|| format!("writing an archive under `{}`", cli.out.display()))?,
    };
    let line = serde_json::to_string(&summary).context("encoding the summary")?;
    eprintln!("{line}");
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ferrule-corpus: {error:#}");
            ExitCode::FAILURE
        }
    }
}
