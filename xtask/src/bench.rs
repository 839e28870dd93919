//! `cargo xtask bench [--quick]`: the benchmark suite.
//!
//! Builds what it needs, generates the corpus, runs every measurement as a
//! process of its own, one after another (they would disturb each other on
//! a shared machine), and writes the results between the markers of
//! `BENCHMARKS.md`. With `--quick` it runs the same steps on a small corpus
//! with debug builds and writes to `target/bench/quick.md` instead, so CI
//! keeps the harness working without spending its time on numbers.
//!
//! The measurements:
//!
//! 1. ingest limit: read, parse, normalize, enrich, no rules;
//! 2. every shipped rule as components, end to end;
//! 3. the same rules built natively into the host;
//! 4. scaling: plus 1,000 rules that match nothing, plus 100 broad rules;
//! 5. the peer: rsigma on Sigma equivalents of the single-event rules,
//!    against ferrule with those same rules;
//! 6. per-rule call times (from 2);
//! 7. record-to-alert latency of the `ferrule` binary at a steady rate,
//!    at the target rate and at a rate the pipeline sustains;
//! 8. one core against two;
//!
//! then the criterion micro-benchmarks (full mode only).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::{build_rules, cargo, run};

mod report;

/// Sizes and builds of one run of the suite.
pub struct Plan {
    pub quick: bool,
    pub corpus_events: u64,
    /// Mean records between the starts of two attack bursts.
    pub attack_every: u64,
    pub latency_rate: u64,
    pub latency_records: u64,
    /// A rate the pipeline sustains, for latency without a queue.
    pub latency_low_rate: u64,
    pub quiet_rules: u32,
    pub broad_rules: u32,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                corpus_events: 20_000,
                attack_every: 500,
                latency_rate: 20_000,
                latency_records: 20_000,
                latency_low_rate: 10_000,
                quiet_rules: 20,
                broad_rules: 5,
            }
        } else {
            Plan {
                quick,
                corpus_events: 1_000_000,
                attack_every: 5_000,
                latency_rate: 50_000,
                latency_records: 500_000,
                latency_low_rate: 10_000,
                quiet_rules: 1_000,
                broad_rules: 100,
            }
        }
    }

    fn profile_dir(&self) -> &'static str {
        if self.quick { "debug" } else { "release" }
    }
}

/// One measurement's result, as its tool printed it.
pub struct Measured {
    pub name: &'static str,
    pub command: String,
    pub result: Value,
}

pub fn bench(root: &Path, args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(unknown) = args.iter().find(|a| *a != "--quick") {
        bail!("cargo xtask bench: unknown argument {unknown} (only --quick)");
    }
    let plan = Plan::new(quick);
    build_rules(root)?;
    let mut build = cargo();
    build.current_dir(root).args([
        "build",
        "-p",
        "ferrule",
        "-p",
        "ferrule-bench",
        "-p",
        "ferrule-corpus",
        "-p",
        "ferrule-sigma-peer",
    ]);
    if !quick {
        build.arg("--release");
    }
    run(&mut build)?;

    let work = root.join("target/bench");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let bins = root.join("target").join(plan.profile_dir());
    let suite = Suite {
        root: root.to_owned(),
        work: work.clone(),
        bench_bin: bins.join("ferrule-bench"),
        ferrule_bin: bins.join("ferrule"),
        corpus_bin: bins.join("ferrule-corpus"),
        sigma_bin: bins.join("ferrule-sigma-peer"),
        cache: work.join("compiled"),
        enrichment: enrichment_args(root),
    };
    let corpus = suite.corpus(&plan)?;
    let mut results = suite.measure(&plan, &corpus)?;

    if !quick {
        run(cargo().current_dir(root).args(["bench", "-p", "ferrule"]))?;
        results.push(Measured {
            name: "criterion",
            command: "cargo bench -p ferrule".into(),
            result: report::criterion_medians(&root.join("target/criterion"))?,
        });
    }

    let text = report::render(&plan, &corpus, &results)?;
    let destination = if quick {
        work.join("quick.md")
    } else {
        root.join("BENCHMARKS.md")
    };
    report::write(&destination, &text)?;
    eprintln!("xtask: results in {}", destination.display());
    Ok(())
}

/// The enrichment databases of the shared test data, when they are there.
fn enrichment_args(root: &Path) -> Vec<String> {
    let dir = root.join("../shared/testdata/enrichment");
    let asn = dir.join("asn-ipv4.csv.gz");
    let geo = dir.join("GeoLite2-Country.mmdb.gz");
    if asn.is_file() && geo.is_file() {
        vec![
            "--asn-db".into(),
            asn.display().to_string(),
            "--geo-db".into(),
            geo.display().to_string(),
        ]
    } else {
        eprintln!(
            "xtask: {} not found: measuring without enrichment",
            dir.display()
        );
        Vec::new()
    }
}

/// Where everything is.
struct Suite {
    root: PathBuf,
    work: PathBuf,
    bench_bin: PathBuf,
    ferrule_bin: PathBuf,
    corpus_bin: PathBuf,
    sigma_bin: PathBuf,
    cache: PathBuf,
    enrichment: Vec<String>,
}

/// The generated input.
pub struct Corpus {
    pub ndjson: PathBuf,
    pub archive: PathBuf,
    pub summary: Value,
}

impl Suite {
    fn corpus(&self, plan: &Plan) -> Result<Corpus> {
        let ndjson = self
            .work
            .join(format!("corpus-{}.ndjson", plan.corpus_events));
        let archive = self
            .work
            .join(format!("corpus-{}-archive", plan.corpus_events));
        let events = plan.corpus_events.to_string();
        let attack_every = plan.attack_every.to_string();
        let generate = |format: &str, out: &Path| -> Result<Value> {
            let output = Command::new(&self.corpus_bin)
                .args(["--seed", "1", "--events", &events])
                .args(["--attack-every", &attack_every, "--format", format])
                .arg("--out")
                .arg(out)
                .output()
                .with_context(|| format!("running {}", self.corpus_bin.display()))?;
            if !output.status.success() {
                bail!(
                    "generating the corpus failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            last_json_line(&String::from_utf8_lossy(&output.stderr))
        };
        if archive.exists() {
            std::fs::remove_dir_all(&archive)
                .with_context(|| format!("removing {}", archive.display()))?;
        }
        let summary = generate("ndjson", &ndjson)?;
        generate("archive", &archive)?;
        Ok(Corpus {
            ndjson,
            archive,
            summary,
        })
    }

    fn measure(&self, plan: &Plan, corpus: &Corpus) -> Result<Vec<Measured>> {
        let rules = self.root.join("target/rules");
        let input = corpus.ndjson.display().to_string();
        let quiet = self.stamp("quiet", plan.quiet_rules)?;
        let broad = self.stamp("broad", plan.broad_rules)?;
        let single_event = self.single_event_rules()?;
        let rules_arg = rules.display().to_string();
        let mut results = Vec::new();

        let throughput = |name: &'static str, extra: &[&str], pinned: Option<&str>| {
            let mut args: Vec<String> = vec!["throughput".into(), "--label".into(), name.into()];
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            args.extend(self.enrichment.iter().cloned());
            args.extend(["--cache-dir".into(), self.cache.display().to_string()]);
            args.push(input.clone());
            self.tool(name, &self.bench_bin, &args, pinned)
        };

        results.push(throughput("ingest", &[], None)?);
        let archive_input = corpus.archive.display().to_string();
        let mut archive_args: Vec<String> = vec![
            "throughput".into(),
            "--label".into(),
            "ingest_archive".into(),
        ];
        archive_args.extend(self.enrichment.iter().cloned());
        archive_args.push(archive_input);
        results.push(self.tool("ingest_archive", &self.bench_bin, &archive_args, None)?);
        results.push(throughput("wasm", &["--rules", &rules_arg], None)?);
        results.push(throughput("native", &["--native"], None)?);
        results.push(throughput(
            "wasm_plus_quiet",
            &["--rules", &rules_arg, "--rules", &quiet],
            None,
        )?);
        results.push(throughput(
            "wasm_plus_broad",
            &["--rules", &rules_arg, "--rules", &broad],
            None,
        )?);
        results.push(throughput(
            "wasm_single_event",
            &["--rules", &single_event],
            None,
        )?);
        let sigma_rules = self.root.join("bench/sigma/rules").display().to_string();
        results.push(self.tool(
            "rsigma",
            &self.sigma_bin,
            &["--rules".into(), sigma_rules, input.clone()],
            None,
        )?);
        let can_pin = Command::new("taskset")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if can_pin {
            results.push(throughput(
                "wasm_one_core",
                &["--rules", &rules_arg],
                Some("0"),
            )?);
            results.push(throughput("native_one_core", &["--native"], Some("0"))?);
        } else {
            eprintln!("xtask: taskset (util-linux) not found: leaving out the one-core runs");
        }
        results.push(throughput(
            "wasm_batch_1",
            &["--rules", &rules_arg, "--batch-size", "1"],
            None,
        )?);
        let latency = |name: &'static str, rate: u64, records: u64| {
            let args = [
                "latency".into(),
                "--ferrule".into(),
                self.ferrule_bin.display().to_string(),
                "--rules".into(),
                rules_arg.clone(),
                "--cache-dir".into(),
                self.cache.display().to_string(),
                "--rate".into(),
                rate.to_string(),
                "--records".into(),
                records.to_string(),
                input.clone(),
            ];
            self.tool(name, &self.bench_bin, &args, None)
        };
        // Ten seconds at the lower rate: enough alerts for a p99.
        let low_records = plan.latency_records.min(10 * plan.latency_low_rate);
        results.push(latency("latency_low", plan.latency_low_rate, low_records)?);
        results.push(latency("latency", plan.latency_rate, plan.latency_records)?);
        Ok(results)
    }

    /// Runs a measuring tool and reads the JSON line it prints, optionally
    /// pinned to the given CPUs.
    fn tool(
        &self,
        name: &'static str,
        program: &Path,
        args: &[String],
        cpus: Option<&str>,
    ) -> Result<Measured> {
        let mut command = match cpus {
            Some(cpus) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", cpus]).arg(program);
                taskset
            }
            None => Command::new(program),
        };
        command.args(args).current_dir(&self.root);
        let shown = format!("{command:?}").replace('"', "");
        eprintln!("xtask: measuring {name}");
        let started = std::time::Instant::now();
        let output = command
            .output()
            .with_context(|| format!("running {shown}"))?;
        eprintln!(
            "xtask: {name} took {:.1} s",
            started.elapsed().as_secs_f64()
        );
        if !output.status.success() {
            bail!(
                "{name} failed: {}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let result = last_json_line(&String::from_utf8_lossy(&output.stdout))
            .with_context(|| format!("reading the result of {name}"))?;
        // Kept beside the report, for a closer look at one run.
        let kept = self.work.join(format!("{name}.json"));
        std::fs::write(&kept, result.to_string())
            .with_context(|| format!("writing {}", kept.display()))?;
        Ok(Measured {
            name,
            command: shown.replace(&format!("{}/", self.root.display()), ""),
            result,
        })
    }

    /// Stamps `count` copies of a template rule; returns their directory.
    fn stamp(&self, kind: &str, count: u32) -> Result<String> {
        let out = self.work.join(format!("synthetic-{kind}-{count}"));
        if out.exists() {
            std::fs::remove_dir_all(&out).with_context(|| format!("removing {}", out.display()))?;
        }
        let template = self
            .root
            .join("target/bench-rules")
            .join(format!("{kind}.wasm"));
        let marker_rule = format!("synthetic-{kind}-");
        let marker_value = if kind == "quiet" {
            "SyntheticQuietAction"
        } else {
            "synthetic-broad-"
        };
        let mut stamp = Command::new(&self.bench_bin);
        stamp
            .arg("stamp")
            .arg("--template")
            .arg(&template)
            .args(["--count", &count.to_string()])
            .arg("--out")
            .arg(&out)
            .args(["--marker", &marker_rule, "--marker", marker_value]);
        run(&mut stamp)?;
        Ok(out.display().to_string())
    }

    /// A directory with the components of the rules the Sigma peer
    /// covers, for a like-for-like comparison.
    fn single_event_rules(&self) -> Result<String> {
        let out = self.work.join("single-event-rules");
        if out.exists() {
            std::fs::remove_dir_all(&out).with_context(|| format!("removing {}", out.display()))?;
        }
        std::fs::create_dir_all(&out)?;
        let sigma = self.root.join("bench/sigma/rules");
        for entry in
            std::fs::read_dir(&sigma).with_context(|| format!("listing {}", sigma.display()))?
        {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "yml") {
                let slug = path
                    .file_stem()
                    .expect("a file has a name")
                    .to_string_lossy();
                let component = self.root.join("target/rules").join(format!("{slug}.wasm"));
                std::fs::copy(&component, out.join(format!("{slug}.wasm")))
                    .with_context(|| format!("copying {}", component.display()))?;
            }
        }
        Ok(out.display().to_string())
    }
}

fn last_json_line(text: &str) -> Result<Value> {
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .context("no JSON line in the output")?;
    serde_json::from_str(line).with_context(|| format!("not JSON: {line}"))
}
