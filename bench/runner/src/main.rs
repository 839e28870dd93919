//! `ferrule-bench`: the whole-process measurements of `cargo xtask bench`.
//!
//! Each measurement runs in a process of its own, so its peak memory is
//! its own and nothing warmed by one measurement helps the next:
//!
//! - `throughput`: reads inputs through the same feed and pipeline loop as
//!   `ferrule run`, with rule components, the natively built pack, or no
//!   rules at all (the ingest limit), and prints events/s, peak resident
//!   memory, a digest of the alerts and per-rule call times as JSON;
//! - `latency`: runs the real `ferrule` binary, writes records to its
//!   standard input at a steady rate, and times each record from the
//!   moment it is written to the moment its alert is read back;
//! - `stamp`: makes distinct copies of a template rule component, for the
//!   scaling measurements.

mod latency;
mod memory;
mod stamp;
mod throughput;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "Whole-process benchmarks of ferrule")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Events per second through the pipeline, with the chosen rules.
    Throughput(throughput::Args),
    /// Record-to-alert latency of the `ferrule` binary at a steady rate.
    Latency(latency::Args),
    /// Distinct copies of a template rule component.
    Stamp(stamp::Args),
}

fn main() {
    // The engine's own warnings (a rule call that failed, a rejected
    // record) explain a failed measurement; progress messages would only
    // disturb it.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FERRULE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_target(false)
        .init();
    let cli = Cli::parse();
    let outcome: Result<()> = match cli.command {
        Command::Throughput(args) => throughput::run(&args),
        Command::Latency(args) => latency::run(&args),
        Command::Stamp(args) => stamp::run(&args),
    };
    if let Err(error) = outcome {
        eprintln!("ferrule-bench: error: {error:#}");
        std::process::exit(1);
    }
}
