//! Record-to-alert latency of the real `ferrule` binary at a steady rate.
//!
//! The binary reads standard input as a live stream. This writes records
//! to it at a fixed rate, noting when each is written, and reads alerts
//! from its standard output as they come, noting when each arrives. An
//! alert's latency is the time from the write of the record it names as
//! evidence to its arrival: reading, normalizing, the rules, and writing,
//! with the pipes in between.
//!
//! Only alerts of rules that judge events on arrival are timed. Rules that
//! wait for event-time order hold every event until the allowed lateness
//! has passed (15 minutes of event time by default); their delay is that
//! setting, not the engine's speed.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ferrule::registry::rule_files;
use ferrule::runtime::{Limits, Runtime};
use ferrule::state::MemoryStore;
use serde_json::{Value, json};

#[derive(clap::Args)]
pub struct Args {
    /// The `ferrule` binary.
    #[arg(long)]
    ferrule: PathBuf,
    /// Directory of rule components.
    #[arg(long)]
    rules: PathBuf,
    /// Directory of compiled components, shared with the binary.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Records per second to write.
    #[arg(long, default_value_t = 50_000)]
    rate: u64,
    /// Most records to write (the input's records, in order).
    #[arg(long, default_value_t = 500_000)]
    records: usize,
    /// Raw records, one JSON object per line.
    input: PathBuf,
}

pub fn run(args: &Args) -> Result<()> {
    let (lines, positions) = read_records(&args.input, args.records)?;
    let timed_rules = rules_on_arrival(args)?;

    let mut command = Command::new(&args.ferrule);
    command
        .args(["run", "--no-watch", "--rules"])
        .arg(&args.rules);
    if let Some(dir) = &args.cache_dir {
        command.arg("--cache-dir").arg(dir);
    }
    let mut child = command
        .arg("-")
        .env("FERRULE_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", args.ferrule.display()))?;

    // The binary says when its rules are loaded; records written before
    // that would time the start-up, not the stream.
    let (ready_tx, ready_rx) = mpsc::channel();
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr is piped");
    let log_writer = log.clone();
    let log_thread = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("rules loaded") {
                let _ = ready_tx.send(());
            }
            let mut log = log_writer.lock().expect("log lock");
            log.push_str(&line);
            log.push('\n');
        }
    });
    let stdout = child.stdout.take().expect("stdout is piped");
    let alerts_thread = std::thread::spawn(move || read_alerts(stdout));

    if ready_rx.recv_timeout(Duration::from_secs(300)).is_err() {
        let _ = child.kill();
        bail!(
            "ferrule did not load its rules:\n{}",
            log.lock().expect("log lock")
        );
    }
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let (sent, writing) = write_at_rate(&mut stdin, &lines, args.rate)?;
    drop(stdin);

    let status = child.wait().context("waiting for ferrule")?;
    let arrivals = alerts_thread
        .join()
        .map_err(|_| anyhow::anyhow!("the alert reader panicked"))??;
    let _ = log_thread.join();
    if !status.success() {
        bail!(
            "ferrule failed with {status}:\n{}",
            log.lock().expect("log lock")
        );
    }

    let mut latencies: Vec<Duration> = arrivals
        .iter()
        .filter(|a| timed_rules.contains(&a.rule_id))
        .filter_map(|a| {
            let written = a
                .evidence
                .iter()
                .filter_map(|id| positions.get(id).map(|&p| sent[p]))
                .max()?;
            Some(a.at.saturating_duration_since(written))
        })
        .collect();
    latencies.sort_unstable();
    let quantile = |q: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1].as_secs_f64() * 1e3
    };
    let report = json!({
        "target_rate": args.rate,
        "records": lines.len(),
        "achieved_rate": lines.len() as f64 / writing.as_secs_f64(),
        "alerts": arrivals.len(),
        "alerts_timed": latencies.len(),
        "p50_ms": quantile(0.5),
        "p99_ms": quantile(0.99),
        "max_ms": latencies.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1e3),
    });
    println!("{report}");
    Ok(())
}

/// Up to `limit` lines of `path`, and the line of each record's event id.
fn read_records(path: &PathBuf, limit: usize) -> Result<(Vec<String>, HashMap<String, usize>)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut lines = Vec::new();
    let mut positions = HashMap::new();
    for (number, line) in BufReader::new(file).lines().take(limit).enumerate() {
        let mut line = line.with_context(|| format!("reading {}", path.display()))?;
        let record: Value = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not JSON", path.display(), number + 1))?;
        if let Some(id) = record["eventID"].as_str() {
            positions.insert(id.to_owned(), lines.len());
        }
        line.push('\n');
        lines.push(line);
    }
    if lines.is_empty() {
        bail!("{}: no records", path.display());
    }
    Ok((lines, positions))
}

/// Ids of the rules in the directory that judge events on arrival.
fn rules_on_arrival(args: &Args) -> Result<HashSet<String>> {
    let state = Arc::new(Mutex::new(MemoryStore::new()));
    let runtime = Runtime::with_cache(Limits::default(), state, args.cache_dir.clone())?;
    let mut ids = HashSet::new();
    for file in rule_files(&args.rules)? {
        let rule = runtime.load_file(&file)?;
        let metadata = rule.metadata();
        if !metadata.event_time_order {
            ids.insert(metadata.id.to_string());
        }
    }
    Ok(ids)
}

/// Writes `lines` at `rate` per second; returns when each was written and
/// how long writing took.
fn write_at_rate(
    out: &mut impl Write,
    lines: &[String],
    rate: u64,
) -> Result<(Vec<Instant>, Duration)> {
    let mut sent = Vec::with_capacity(lines.len());
    let start = Instant::now();
    let mut written = 0usize;
    while written < lines.len() {
        let due = (start.elapsed().as_secs_f64() * rate as f64) as usize;
        let due = due.clamp(written + 1, lines.len());
        let now = Instant::now();
        let mut chunk = Vec::new();
        for line in &lines[written..due] {
            chunk.extend_from_slice(line.as_bytes());
            sent.push(now);
        }
        out.write_all(&chunk).context("writing to ferrule")?;
        out.flush().context("writing to ferrule")?;
        written = due;
        std::thread::sleep(Duration::from_micros(200));
    }
    Ok((sent, start.elapsed()))
}

/// An alert as read back, with its arrival time.
struct Arrival {
    at: Instant,
    rule_id: String,
    evidence: Vec<String>,
}

fn read_alerts(stdout: impl Read) -> Result<Vec<Arrival>> {
    let mut arrivals = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading alerts")?;
        let at = Instant::now();
        let alert: Value = serde_json::from_str(&line).context("an alert is not JSON")?;
        arrivals.push(Arrival {
            at,
            rule_id: alert["rule"]["id"].as_str().unwrap_or_default().to_owned(),
            evidence: alert["evidence"]
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(|id| id.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    Ok(arrivals)
}
