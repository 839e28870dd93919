//! The suite's results as Markdown, and their place in `BENCHMARKS.md`.
//!
//! Every figure comes from the JSON the measuring tools printed in this
//! run; nothing is carried over from earlier runs. Ratios are computed
//! within the run, since the machine's speed varies between runs more than
//! most of the differences measured.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::{Corpus, Measured, Plan};

const BEGIN: &str = "<!-- cargo xtask bench: begin (generated; edits here are overwritten) -->";
const END: &str = "<!-- cargo xtask bench: end -->";

/// Replaces the generated section of `path` (or adds it after the title).
pub fn write(path: &Path, section: &str) -> Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let block = format!("{BEGIN}\n{section}\n{END}");
    let text = match (existing.find(BEGIN), existing.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!(
                "{}{block}{}",
                &existing[..begin],
                &existing[end + END.len()..]
            )
        }
        _ => {
            let split = existing.find("\n## ").map_or(existing.len(), |i| i + 1);
            format!("{}{block}\n\n{}", &existing[..split], &existing[split..])
        }
    };
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// The medians of the criterion benchmarks found under `dir`, in ns.
pub fn criterion_medians(dir: &Path) -> Result<Value> {
    let mut medians = serde_json::Map::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == "new") {
                let estimates = std::fs::read_to_string(path.join("estimates.json"));
                let benchmark = std::fs::read_to_string(path.join("benchmark.json"));
                if let (Ok(estimates), Ok(benchmark)) = (estimates, benchmark) {
                    let estimates: Value = serde_json::from_str(&estimates)?;
                    let benchmark: Value = serde_json::from_str(&benchmark)?;
                    let id = benchmark["full_id"].as_str().unwrap_or("?").to_owned();
                    medians.insert(id, estimates["median"]["point_estimate"].clone());
                }
            } else {
                stack.push(path);
            }
        }
    }
    Ok(Value::Object(medians))
}

fn find<'a>(results: &'a [Measured], name: &str) -> Option<&'a Measured> {
    results.iter().find(|m| m.name == name)
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

fn rate(results: &[Measured], name: &str) -> f64 {
    find(results, name).map_or(f64::NAN, |m| number(&m.result["events_per_second"]))
}

fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let digits = format!("{value:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration(ns: f64) -> String {
    if !ns.is_finite() {
        "–".into()
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0 / 1024.0);
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{model}, {cores} cores, {memory_gib:.0} GiB; {rustc}")
}

/// Renders the section.
pub fn render(plan: &Plan, corpus: &Corpus, results: &[Measured]) -> Result<String> {
    let mut out = String::new();
    let command = if plan.quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let build = if plan.quick { "debug" } else { "release" };
    let summary = &corpus.summary;
    writeln!(out, "## Suite: `{command}`\n")?;
    writeln!(
        out,
        "Run on {} UTC, {}; {build} builds. Each row is one process, run one after \
         another; figures are single runs, so compare rows of the same run only.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        machine(),
    )?;
    writeln!(
        out,
        "Corpus: `ferrule-corpus --seed 1 --events {} --attack-every {}`: {} events, mean \
         record {} bytes, {} attack bursts ({} events); the same events as CloudTrail \
         archive files (`.json.gz` in the S3 layout) for the archive row.\n",
        plan.corpus_events,
        plan.attack_every,
        thousands(number(&summary["events"])),
        thousands(number(&summary["mean_record_bytes"])),
        summary["attack_bursts"],
        summary["attack_events"],
    )?;

    throughput_table(&mut out, results)?;
    targets(&mut out, plan, results)?;
    peer(&mut out, results)?;
    call_times(&mut out, results)?;
    latency(&mut out, results)?;
    if let Some(criterion) = find(results, "criterion") {
        writeln!(out, "### Micro-benchmarks (criterion)\n")?;
        writeln!(out, "Command: `{}`. Medians.\n", criterion.command)?;
        writeln!(out, "| benchmark | median |\n|---|---|")?;
        let mut rows: Vec<_> = criterion
            .result
            .as_object()
            .map(|m| m.iter().collect())
            .unwrap_or_default();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        for (id, ns) in rows {
            writeln!(out, "| `{id}` | {} |", duration(number(ns)))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "### Commands\n")?;
    for m in results.iter().filter(|m| m.name != "criterion") {
        writeln!(out, "- {}: `{}`", m.name, m.command)?;
    }
    Ok(out)
}

const ROWS: &[(&str, &str)] = &[
    (
        "ingest",
        "ingest limit: read, parse, normalize, enrich; no rules (NDJSON)",
    ),
    (
        "ingest_archive",
        "ingest limit over the archive files (gzip, `Records` arrays)",
    ),
    ("wasm", "every shipped rule, components"),
    ("native", "every shipped rule, native build"),
    ("wasm_plus_quiet", "components + rules that match nothing"),
    ("wasm_plus_broad", "components + broad rules"),
    (
        "wasm_single_event",
        "the single-event rules only, components",
    ),
    ("rsigma", "rsigma, Sigma equivalents of those rules"),
    (
        "wasm_one_core",
        "every shipped rule, components, pinned to one core",
    ),
    (
        "native_one_core",
        "every shipped rule, native build, pinned to one core",
    ),
    (
        "wasm_batch_1",
        "every shipped rule, components, one event per call",
    ),
];

fn throughput_table(out: &mut String, results: &[Measured]) -> Result<()> {
    writeln!(out, "### Throughput\n")?;
    writeln!(
        out,
        "| run | what | rules | events/s | seconds | peak RSS | alerts |\n|---|---|---|---|---|---|---|"
    )?;
    for (name, what) in ROWS {
        let Some(m) = find(results, name) else {
            continue;
        };
        let r = &m.result;
        let rules = r
            .get("rule_count")
            .or_else(|| r.get("rules"))
            .cloned()
            .unwrap_or(json!("–"));
        let alerts = r
            .get("alerts")
            .cloned()
            .or_else(|| {
                r.get("matches")
                    .and_then(Value::as_object)
                    .map(|m| json!(m.values().filter_map(Value::as_u64).sum::<u64>()))
            })
            .unwrap_or(json!("–"));
        let rss = r["peak_rss_kib"]
            .as_f64()
            .map_or("–".into(), |k| format!("{:.0} MiB", k / 1024.0));
        writeln!(
            out,
            "| `{name}` | {what} | {rules} | {} | {:.2} | {rss} | {alerts} |",
            thousands(number(&r["events_per_second"])),
            number(&r["seconds"]),
        )?;
    }
    writeln!(out)?;
    let same = match (find(results, "wasm"), find(results, "native")) {
        (Some(w), Some(n)) => w.result["alert_digest"] == n.result["alert_digest"],
        _ => false,
    };
    writeln!(
        out,
        "Components and native build wrote {} alerts in this run (SHA-256 of the \
         alert stream).\n",
        if same { "identical" } else { "DIFFERENT" }
    )?;
    Ok(())
}

fn targets(out: &mut String, plan: &Plan, results: &[Measured]) -> Result<()> {
    let wasm = rate(results, "wasm");
    let native = rate(results, "native");
    let one = rate(results, "wasm_one_core");
    let quiet = rate(results, "wasm_plus_quiet");
    let broad = rate(results, "wasm_plus_broad");
    let single = rate(results, "wasm_single_event");
    let sigma = rate(results, "rsigma");
    let batch_1 = rate(results, "wasm_batch_1");
    let p99 = find(results, "latency").map_or(f64::NAN, |m| number(&m.result["p99_ms"]));
    let check = |met: bool| if met { "met" } else { "not met" };
    writeln!(out, "### Targets\n")?;
    writeln!(out, "| target | this run | status |\n|---|---|---|")?;
    writeln!(
        out,
        "| ≥ 300,000 events/s on one core, every shipped rule | {} events/s | {} |",
        thousands(one),
        check(one >= 300_000.0)
    )?;
    writeln!(
        out,
        "| near-linear on two cores | ×{:.2} from one core to two | {} |",
        wasm / one,
        check(wasm / one >= 1.8)
    )?;
    writeln!(
        out,
        "| components ≤ 1.5× the native build's time | ×{:.2} | {} |",
        native / wasm,
        check(native / wasm <= 1.5)
    )?;
    writeln!(
        out,
        "| {} rules that match nothing cost ≤ 10 % | {:+.1} % | {} |",
        plan.quiet_rules,
        (wasm / quiet - 1.0) * 100.0,
        check(wasm / quiet <= 1.10)
    )?;
    writeln!(
        out,
        "| ≥ 2× rsigma's events/s on the same single-event logic | ×{:.2} | {} |",
        single / sigma,
        check(single / sigma >= 2.0)
    )?;
    writeln!(
        out,
        "| p99 latency ≤ 5 ms at {} events/s | {:.2} ms | {} |",
        thousands(plan.latency_rate as f64),
        p99,
        check(p99 <= 5.0)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Also in this run: {} broad rules cost {:+.1} %; one event per call instead of \
         batches of 256 takes ×{:.2} the time.\n",
        plan.broad_rules,
        (wasm / broad - 1.0) * 100.0,
        wasm / batch_1,
    )?;
    Ok(())
}

fn peer(out: &mut String, results: &[Measured]) -> Result<()> {
    let (Some(ferrule), Some(sigma)) =
        (find(results, "wasm_single_event"), find(results, "rsigma"))
    else {
        return Ok(());
    };
    writeln!(out, "### Peer: matches per rule\n")?;
    writeln!(
        out,
        "Alerts of ferrule's single-event rules against matches of their Sigma \
         equivalents under rsigma, over the same corpus (`bench/sigma/rules/README.md` \
         says where the logic differs).\n"
    )?;
    writeln!(
        out,
        "| rule | ferrule alerts | rsigma matches |\n|---|---|---|"
    )?;
    let empty = Vec::new();
    for rule in ferrule.result["rules"].as_array().unwrap_or(&empty) {
        let id = rule["id"].as_str().unwrap_or_default();
        let matches = sigma.result["matches"][id].as_u64().unwrap_or(0);
        writeln!(
            out,
            "| `{}` | {} | {matches} |",
            rule["slug"].as_str().unwrap_or("?"),
            rule["alerts"],
        )?;
    }
    writeln!(out)?;
    Ok(())
}

fn call_times(out: &mut String, results: &[Measured]) -> Result<()> {
    let (Some(wasm), Some(native)) = (find(results, "wasm"), find(results, "native")) else {
        return Ok(());
    };
    writeln!(out, "### Per-rule call times\n")?;
    writeln!(
        out,
        "From the `wasm` and `native` rows. A call hands a rule every event of a batch \
         that its interest selects (up to 256); p50 and p99 are per call, within 6.25 %; \
         ns/event is the rule's total call time over the events it was handed.\n"
    )?;
    writeln!(
        out,
        "| rule | calls | events | p50 µs | p99 µs | ns/event | native p50 µs | native ns/event |\n|---|---|---|---|---|---|---|---|"
    )?;
    let empty = Vec::new();
    let native_rules = native.result["rules"].as_array().unwrap_or(&empty);
    for rule in wasm.result["rules"].as_array().unwrap_or(&empty) {
        let slug = rule["slug"].as_str().unwrap_or("?");
        if rule["calls"].as_u64() == Some(0) {
            writeln!(out, "| `{slug}` | 0 | 0 | – | – | – | – | – |")?;
            continue;
        }
        let twin = native_rules.iter().find(|r| r["slug"] == rule["slug"]);
        writeln!(
            out,
            "| `{slug}` | {} | {} | {:.1} | {:.1} | {:.0} | {} | {} |",
            rule["calls"],
            rule["events"],
            number(&rule["call_p50_us"]),
            number(&rule["call_p99_us"]),
            number(&rule["ns_per_event"]),
            twin.map_or("–".into(), |t| format!(
                "{:.1}",
                number(&t["call_p50_us"])
            )),
            twin.map_or("–".into(), |t| format!(
                "{:.0}",
                number(&t["ns_per_event"])
            )),
        )?;
    }
    writeln!(out)?;
    Ok(())
}

fn latency(out: &mut String, results: &[Measured]) -> Result<()> {
    let runs: Vec<&Measured> = ["latency_low", "latency"]
        .iter()
        .filter_map(|name| find(results, name))
        .collect();
    if runs.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "### Latency at a steady rate
"
    )?;
    writeln!(
        out,
        "The `ferrule` binary reading standard input, every shipped rule loaded, records \
         written at a steady rate. Timed: alerts of the rules that judge events on arrival, \
         from the write of the record to the read of its alert (rules that wait for \
         event-time order hold events for the allowed lateness by design). When the \
         achieved rate falls short of the target, the binary could not keep up and the \
         figures include the queue that built up.\n"
    )?;
    writeln!(
        out,
        "| target rate | achieved | records | alerts timed | p50 | p99 | max |\n|---|---|---|---|---|---|---|"
    )?;
    for m in runs {
        let r = &m.result;
        writeln!(
            out,
            "| {}/s | {}/s | {} | {} of {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            thousands(number(&r["target_rate"])),
            thousands(number(&r["achieved_rate"])),
            thousands(number(&r["records"])),
            r["alerts_timed"],
            r["alerts"],
            number(&r["p50_ms"]),
            number(&r["p99_ms"]),
            number(&r["max_ms"]),
        )?;
    }
    writeln!(out)?;
    Ok(())
}
