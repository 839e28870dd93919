//! Project tasks: `cargo xtask <task>`.
//!
//! - `build-rules`: compiles every rule crate (and the test fixture rules)
//!   to WebAssembly components in one cargo invocation, and places them in
//!   `target/rules/` (and `target/test-rules/`).
//! - `demo`: builds what is needed and runs ferrule over the bundled sample
//!   log, printing the alerts.
//! - `test`: installs the `wasm32-wasip2` target if missing, builds the
//!   components and the `ferrule` binary, runs every test, then a quick
//!   run of the benchmark suite.
//! - `bench [--quick]`: the benchmark suite (see `bench.rs`): builds what
//!   it needs, generates a corpus, measures, and writes `BENCHMARKS.md`
//!   (or, with `--quick`, a small run into `target/bench/quick.md`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod bench;

const WASM_TARGET: &str = "wasm32-wasip2";
const RULE_PROFILE: &str = "rule";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("build-rules") => build_rules(&root),
        Some("demo") => demo(&root),
        Some("test") => test(&root, &args[1..]),
        Some("bench") => bench::bench(&root, &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <build-rules | demo | test [cargo test args] | bench [--quick]>"
            );
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .into()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

/// Installs the WebAssembly target through rustup when it is missing.
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (needed to install the wasm32-wasip2 target)")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    eprintln!("xtask: installing the {WASM_TARGET} target");
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// A rule crate: its directory name (the component's file name) and package.
struct RuleCrate {
    slug: String,
    package: String,
}

fn rule_crates(dir: &Path) -> Result<Vec<RuleCrate>> {
    let mut crates = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let manifest = path.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("reading {}", manifest.display()))?;
        let package = text
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("name = ")
                    .map(|v| v.trim_matches('"').to_owned())
            })
            .with_context(|| format!("{}: no package name", manifest.display()))?;
        let slug = path
            .file_name()
            .expect("a directory entry has a name")
            .to_string_lossy()
            .into_owned();
        crates.push(RuleCrate { slug, package });
    }
    crates.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(crates)
}

fn build_rules(root: &Path) -> Result<()> {
    ensure_wasm_target()?;
    let groups = [
        (root.join("guest-rules/rules"), root.join("target/rules")),
        (
            root.join("tests/fixture-rules"),
            root.join("target/test-rules"),
        ),
        (
            root.join("bench/template-rules"),
            root.join("target/bench-rules"),
        ),
    ];
    let mut all = Vec::new();
    for (source, destination) in &groups {
        for rule in rule_crates(source)? {
            all.push((rule, destination.clone()));
        }
    }
    let mut build = cargo();
    build
        .current_dir(root)
        .args(["build", "--target", WASM_TARGET, "--profile", RULE_PROFILE]);
    for (rule, _) in &all {
        build.args(["-p", &rule.package]);
    }
    run(&mut build)?;

    let built = root.join("target").join(WASM_TARGET).join(RULE_PROFILE);
    for (_, destination) in &groups {
        std::fs::create_dir_all(destination)
            .with_context(|| format!("creating {}", destination.display()))?;
        for old in std::fs::read_dir(destination)? {
            let old = old?.path();
            if old.extension().is_some_and(|e| e == "wasm") {
                std::fs::remove_file(&old)
                    .with_context(|| format!("removing {}", old.display()))?;
            }
        }
    }
    for (rule, destination) in &all {
        let artifact = built.join(format!("{}.wasm", rule.package.replace('-', "_")));
        let target = destination.join(format!("{}.wasm", rule.slug));
        std::fs::copy(&artifact, &target)
            .with_context(|| format!("copying {} to {}", artifact.display(), target.display()))?;
    }
    eprintln!(
        "xtask: {} rule components in target/rules, target/test-rules and target/bench-rules",
        all.len()
    );
    Ok(())
}

fn demo(root: &Path) -> Result<()> {
    build_rules(root)?;
    let sample = root.join("examples/sample/cloudtrail-sample.ndjson");
    run(cargo()
        .current_dir(root)
        .args(["run", "--quiet", "-p", "ferrule", "--", "run", "--rules"])
        .arg(root.join("target/rules"))
        .arg(&sample))
}

fn test(root: &Path, extra: &[String]) -> Result<()> {
    build_rules(root)?;
    run(cargo().current_dir(root).args(["build", "-p", "ferrule"]))?;
    let mut tests = cargo();
    tests.current_dir(root).arg("test").args(extra);
    run(&mut tests)?;
    // A small run of the benchmark suite, so its harness never rots; its
    // numbers go to target/bench/quick.md, not BENCHMARKS.md.
    bench::bench(root, &["--quick".to_owned()])
}
