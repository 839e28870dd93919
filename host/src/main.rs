//! The `ferrule` command line.
//!
//! - `ferrule run --rules DIR [INPUT...]`: runs the rules in `DIR` over the
//!   inputs (stdin when none), writes alerts as NDJSON to stdout, logs to
//!   stderr, and ends with a summary on stderr.
//! - `ferrule rules list DIR`: prints each rule component's metadata.
//!
//! Exit status: 0 when the run completed (whatever rules failed or records
//! were rejected, which the summary reports), 1 when it could not run at
//! all (no usable rule, unreadable rules directory, a write to stdout
//! failed).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use ferrule::decode::expand_inputs;
use ferrule::enrich::{EnrichmentArgs, warn_unmet_needs};
use ferrule::pipeline::{Pipeline, PipelineConfig, drain};
use ferrule::registry::rule_files;
use ferrule::reload::{Control, Controller, admin};
use ferrule::runtime::compile::default_cache_dir;
use ferrule::runtime::{Limits, Runtime, SharedState};
use ferrule::sink::NdjsonSink;
use ferrule::state::MemoryStore;

#[derive(Parser)]
#[command(
    name = "ferrule",
    version,
    about = "Streaming detection engine for cloud audit logs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run rules over logs and write alerts to stdout as NDJSON.
    Run(Box<RunArgs>),
    /// Inspect rule components.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Directory of rule components (`*.wasm`).
    #[arg(long, value_name = "DIR")]
    rules: PathBuf,
    /// Input files or directories (CloudTrail log files, NDJSON, ECS
    /// documents; plain or gzip). `-` or nothing reads stdin.
    inputs: Vec<PathBuf>,
    /// How far behind the newest event an event may arrive and still be
    /// treated as on time (e.g. `15m`, `90s`).
    #[arg(long, default_value = "15m", value_parser = parse_duration)]
    lateness: Duration,
    /// Longest a rule call may run before it is stopped (e.g. `250ms`).
    #[arg(long, default_value = "250ms", value_parser = parse_duration)]
    call_timeout: Duration,
    /// Largest memory a rule may use, in MiB.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    memory_limit: usize,
    /// Most events handed to a rule per call.
    #[arg(long, default_value_t = 256)]
    batch_size: usize,
    /// Consecutive failures after which a rule is quarantined.
    #[arg(long, default_value_t = 5)]
    quarantine_after: u32,
    /// Learning period in event time from the first event (e.g. `10d`):
    /// rules build their state, alerts are held back until it has passed.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    learn: Option<Duration>,
    /// Archived logs to read first, to warm rules' state without alerting
    /// (files or directories; repeatable). Alerts up to the newest event of
    /// the archives are held back; the live inputs follow.
    #[arg(long = "warm-from", value_name = "PATH")]
    warm_from: Vec<PathBuf>,
    #[command(flatten)]
    enrichment: EnrichmentArgs,
    #[command(flatten)]
    reload: ReloadArgs,
}

/// Options of the rule lifecycle: hot reload, the compiled-rule cache and
/// the admin endpoint.
#[derive(clap::Args)]
struct ReloadArgs {
    /// Do not watch the rules directory (SIGHUP and the admin endpoint
    /// still reload).
    #[arg(long)]
    no_watch: bool,
    /// How long a changed rule file must stay unchanged before it is loaded.
    #[arg(long, default_value = "250ms", value_parser = parse_duration)]
    reload_settle: Duration,
    /// Longest a rule may take to compile before it is rejected.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    compile_timeout: Duration,
    /// How long a removed rule's state is kept in case it comes back.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    removal_grace: Duration,
    /// Directory of compiled rules (default: $XDG_CACHE_HOME/ferrule or
    /// ~/.cache/ferrule). Must be writable only by this user.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile every rule at load, without the cache.
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
    /// Serve the admin endpoint on this address (e.g. 127.0.0.1:9464).
    #[arg(long, value_name = "ADDR")]
    admin: Option<std::net::SocketAddr>,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Print each rule's metadata as a table.
    List {
        /// Directory of rule components.
        dir: PathBuf,
    },
    /// Print the status of the rules of a running `ferrule run` (version,
    /// status, state size, calls, failures, call times), from its admin
    /// endpoint.
    Status {
        /// The admin endpoint's address, as given to `--admin`.
        #[arg(long, value_name = "ADDR")]
        admin: std::net::SocketAddr,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FERRULE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run(*args),
        Command::Rules {
            command: RulesCommand::List { dir },
        } => list(&dir),
        Command::Rules {
            command: RulesCommand::Status { admin },
        } => status(admin),
    };
    if let Err(error) = outcome {
        eprintln!("ferrule: error: {error:#}");
        std::process::exit(1);
    }
}

fn run(args: RunArgs) -> Result<()> {
    let limits = Limits {
        call_timeout: args.call_timeout,
        memory_bytes: args.memory_limit.saturating_mul(1024 * 1024),
        compile_timeout: args.reload.compile_timeout,
        ..Limits::default()
    };
    let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
    let cache_dir = if args.reload.no_cache {
        None
    } else {
        args.reload.cache_dir.clone().or_else(default_cache_dir)
    };
    let runtime = Arc::new(Runtime::with_cache(limits, state.clone(), cache_dir)?);
    let mut controller = Controller::new(runtime, &args.rules, args.reload.reload_settle);
    if !args.reload.no_watch {
        controller.watch();
    }
    let (rules, errors) = controller.initial_load()?;
    for error in &errors {
        tracing::error!(error = %error, "rule not loaded");
    }
    if rules.is_empty() {
        bail!("no usable rule in {}", args.rules.display());
    }
    tracing::info!(rules = rules.len(), dir = %args.rules.display(), "rules loaded");

    let enricher = ferrule::enrich::from_args(&args.enrichment)?;
    warn_unmet_needs(rules.iter().map(|r| r.metadata()), &*enricher);

    let inputs = expand_inputs(&args.inputs)?;
    let config = PipelineConfig {
        lateness_ms: i64::try_from(args.lateness.as_millis()).unwrap_or(i64::MAX),
        batch_size: args.batch_size.max(1),
        quarantine_after: args.quarantine_after.max(1),
        learn_ms: args
            .learn
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        removal_grace: args.reload.removal_grace,
    };
    let sink = Box::new(NdjsonSink::new(io::stdout().lock()));
    let mut pipeline = Pipeline::new(rules, state, sink, config);

    // Reloads and admin requests reach the pipeline through `controls`,
    // between two batches.
    let (control, controls) = mpsc::channel();
    let reloader = controller.spawn(control.clone());
    if let Some(addr) = args.reload.admin {
        admin::serve(addr, control, reloader.triggers.clone())?;
    }
    let between_batches = |pipeline: &mut Pipeline| apply_controls(pipeline, &controls);

    if !args.warm_from.is_empty() {
        let archives = expand_inputs(&args.warm_from)?;
        tracing::info!(
            inputs = archives.len(),
            "warming state from archived logs; alerts held back"
        );
        pipeline.begin_warm_up();
        drain(&mut pipeline, archives, enricher.clone(), between_batches)?;
        pipeline.end_warm_up();
        tracing::info!("warm-up done; going live");
    }
    // Reloads never change when this ends: only the end of the inputs does.
    drain(&mut pipeline, inputs, enricher, between_batches)?;
    apply_controls(&mut pipeline, &controls);
    pipeline.finish().context("writing alerts")?;
    eprint!("{}", pipeline.stats());
    drop(reloader);
    Ok(())
}

/// Applies every waiting rule change and answers status requests of the
/// reload controller and admin endpoint; runs between two batches.
fn apply_controls(pipeline: &mut Pipeline, controls: &mpsc::Receiver<Control>) {
    while let Ok(control) = controls.try_recv() {
        match control {
            Control::Change(change) => pipeline.apply(change),
            Control::Status(reply) => {
                let _ = reply.send(pipeline.rules_status());
            }
        }
    }
}

fn status(admin: std::net::SocketAddr) -> Result<()> {
    use std::io::Read;
    let mut stream =
        std::net::TcpStream::connect(admin).with_context(|| format!("connecting to {admin}"))?;
    write!(stream, "GET /rules HTTP/1.0\r\nHost: {admin}\r\n\r\n")?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .with_context(|| format!("reading from {admin}"))?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    let rules: Vec<serde_json::Value> = serde_json::from_str(body)
        .with_context(|| format!("{admin} did not answer with a rule list"))?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{:<48}  {:<8}  {:<11}  {:>7}  {:>9}  {:>7}  {:>8}  {:>9}  {:>9}",
        "SLUG", "VERSION", "STATUS", "STATE", "EVENTS", "ALERTS", "FAILURES", "P50 µs", "P99 µs"
    )?;
    for rule in rules {
        let failures: u64 = rule["failures"]
            .as_object()
            .map_or(0, |f| f.values().filter_map(|v| v.as_u64()).sum());
        writeln!(
            out,
            "{:<48}  {:<8}  {:<11}  {:>7}  {:>9}  {:>7}  {:>8}  {:>9.1}  {:>9.1}",
            rule["slug"].as_str().unwrap_or(""),
            rule["version"].as_str().unwrap_or(""),
            rule["status"].as_str().unwrap_or(""),
            rule["state_entries"],
            rule["events"],
            rule["alerts"],
            failures,
            rule["p50_us"].as_f64().unwrap_or(0.0),
            rule["p99_us"].as_f64().unwrap_or(0.0),
        )?;
    }
    Ok(())
}

fn list(dir: &std::path::Path) -> Result<()> {
    let state: SharedState = Arc::new(Mutex::new(MemoryStore::new()));
    let runtime = Runtime::new(Limits::default(), state)?;
    let files = rule_files(dir)?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{:<36}  {:<48}  {:<7}  {:<8}  {:>4}  {:<24}  INTERESTS",
        "ID", "SLUG", "VERSION", "SEVERITY", "RISK", "ATT&CK"
    )?;
    let mut failed = 0;
    for path in files {
        match runtime.load_file(&path) {
            Ok(rule) => {
                let m = rule.metadata();
                let threats: Vec<&str> = m
                    .threats
                    .iter()
                    .map(|t| t.subtechnique.as_deref().unwrap_or(&t.technique))
                    .collect();
                let interests: Vec<String> = m
                    .interests
                    .iter()
                    .map(|i| {
                        let filters: Vec<String> = i
                            .filters
                            .iter()
                            .map(|(f, v)| format!("{f}={}", v.join("|")))
                            .collect();
                        format!("{}[{}]", i.datasets.join("|"), filters.join(" "))
                    })
                    .collect();
                writeln!(
                    out,
                    "{:<36}  {:<48}  {:<7}  {:<8}  {:>4}  {:<24}  {}",
                    m.id,
                    m.slug,
                    m.version,
                    m.severity,
                    m.risk_score,
                    threats.join(","),
                    interests.join("; ")
                )?;
            }
            Err(error) => {
                failed += 1;
                eprintln!("ferrule: {error}");
            }
        }
    }
    if failed > 0 {
        eprintln!("ferrule: {failed} file(s) could not be loaded");
    }
    Ok(())
}

/// Parses durations such as `250ms`, `90s`, `15m`, `2h`, `10d`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a number"))?;
    let millis = match unit {
        "ms" => 1,
        "s" | "" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?} (use ms, s, m, h or d)"
            ));
        }
    };
    Ok(Duration::from_millis(number.saturating_mul(millis)))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("10d"), Ok(Duration::from_secs(864_000)));
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5 weeks").is_err());
    }
}
