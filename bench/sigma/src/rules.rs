//! Loading the Sigma rule directory into one rsigma engine.
//!
//! Every `*.yml` file in the directory is parsed and compiled; other files
//! (the README) are skipped. Loading is strict: a file that does not parse
//! or compile, a rule without an `id`, or two rules sharing an id stop the
//! load. A benchmark that quietly ran fewer rules would report a number for
//! a different workload, and match counts are keyed by rule id.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rsigma_eval::Engine;
use rsigma_parser::parse_sigma_yaml;

/// The compiled rules and the ids they report matches under.
pub struct RuleSet {
    /// The engine holding every rule, ready to evaluate events.
    pub engine: Engine,
    /// The rules' Sigma ids, in file-name order.
    pub ids: Vec<String>,
}

/// Parses and compiles every `*.yml` file in `dir`, in file-name order.
///
/// # Errors
///
/// When the directory cannot be read, a file does not parse or compile, a
/// rule has no `id`, two rules share an id, or there are no rules at all.
pub fn load(dir: &Path) -> Result<RuleSet> {
    let mut engine = Engine::new();
    let mut ids = Vec::new();
    let mut seen = HashSet::new();

    for path in rule_files(dir)? {
        let text = fs::read_to_string(&path)
            .with_context(|| format!("reading rule file {}", path.display()))?;
        let collection = parse_sigma_yaml(&text)
            .with_context(|| format!("parsing rule file {}", path.display()))?;
        if !collection.errors.is_empty() {
            bail!(
                "parsing rule file {}: {}",
                path.display(),
                collection.errors.join("; ")
            );
        }

        for rule in &collection.rules {
            let Some(id) = rule.id.clone() else {
                bail!("rule {:?} in {} has no id", rule.title, path.display());
            };
            if !seen.insert(id.clone()) {
                bail!("rule id {id} in {} is used twice", path.display());
            }
            ids.push(id);
        }
        engine
            .add_collection(&collection)
            .with_context(|| format!("compiling rule file {}", path.display()))?;
    }

    if ids.is_empty() {
        bail!("no Sigma rules (*.yml) in {}", dir.display());
    }
    Ok(RuleSet { engine, ids })
}

/// The `*.yml` files directly in `dir`, sorted by name.
fn rule_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries =
        fs::read_dir(dir).with_context(|| format!("reading rule directory {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading rule directory {}", dir.display()))?
            .path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "yml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
