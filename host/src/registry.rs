//! Loading a rules directory: every `*.wasm` file in it, in name order.
//!
//! A file that fails to load is reported and skipped; the other rules still
//! load. Two files declaring the same rule id are a conflict: the first (in
//! name order) is kept and the second reported.

use std::path::{Path, PathBuf};

use crate::runtime::{LoadError, RuleInstance, Runtime};

/// The outcome of loading a directory.
pub struct LoadedRules {
    /// Rules ready to run, in file-name order.
    pub rules: Vec<RuleInstance>,
    /// Files that could not be used, with the reason.
    pub errors: Vec<LoadError>,
}

/// Problems with the directory itself.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The directory cannot be listed.
    #[error("{path}: cannot list rules directory: {error}")]
    List {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

/// The `.wasm` files of `dir`, sorted by name.
///
/// # Errors
///
/// [`RegistryError::List`] when the directory cannot be read.
pub fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, RegistryError> {
    let entries = std::fs::read_dir(dir).map_err(|error| RegistryError::List { path: dir.into(), error })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm") && path.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Loads every rule in `dir`.
///
/// # Errors
///
/// [`RegistryError`] only when the directory itself cannot be read; bad
/// rule files are returned in [`LoadedRules::errors`].
pub fn load_dir(runtime: &Runtime, dir: &Path) -> Result<LoadedRules, RegistryError> {
    let mut loaded = LoadedRules { rules: Vec::new(), errors: Vec::new() };
    for path in rule_files(dir)? {
        match runtime.load_file(&path) {
            Ok(rule) => {
                let clash = loaded.rules.iter().find(|r| r.metadata().id == rule.metadata().id);
                if let Some(first) = clash {
                    loaded.errors.push(LoadError::InvalidMetadata {
                        path: path.display().to_string(),
                        error: crate::runtime::InvalidMetadata::DuplicateId {
                            id: rule.metadata().id.to_string(),
                            first: first.origin().to_owned(),
                        },
                    });
                } else {
                    loaded.rules.push(rule);
                }
            }
            Err(error) => loaded.errors.push(error),
        }
    }
    Ok(loaded)
}
