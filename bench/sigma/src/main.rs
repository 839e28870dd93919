//! `ferrule-sigma-peer`: runs the Sigma rules over raw CloudTrail NDJSON
//! with rsigma and prints match counts and throughput as one JSON object.
//!
//! Bad input lines are described on stderr and counted; only unreadable
//! rules or input stop the run.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use ferrule_sigma_peer::report::Report;
use ferrule_sigma_peer::{rules, scan};

/// Input is read in large blocks: the benchmark measures evaluation, not
/// system calls.
const READ_BUFFER_BYTES: usize = 1 << 20;

/// Evaluate Sigma rules over raw CloudTrail NDJSON with rsigma.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Directory of Sigma rules (`*.yml`).
    #[arg(long, value_name = "DIR")]
    rules: PathBuf,

    /// Raw CloudTrail, one JSON record per line; `-` reads stdin.
    #[arg(value_name = "INPUT")]
    input: PathBuf,
}

fn main() -> Result<()> {
    let cli = Cli::parse();

    let load_started = Instant::now();
    let rules = rules::load(&cli.rules)?;
    let load = load_started.elapsed();

    let input = open(&cli.input)?;
    let tally = scan::scan(input, &rules, &mut io::stderr().lock())
        .with_context(|| format!("scanning {}", cli.input.display()))?;

    let report = Report::new(rules.ids.len(), load, tally);
    let mut stdout = io::stdout().lock();
    serde_json::to_writer(&mut stdout, &report).context("writing the report")?;
    writeln!(stdout).context("writing the report")?;
    Ok(())
}

/// The input file, or stdin for `-`, behind a large buffer.
fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            io::stdin().lock(),
        )));
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, file)))
}
