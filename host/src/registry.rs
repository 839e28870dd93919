//! The rules directory: which files in it are rule components.
//!
//! Every `*.wasm` file directly in the directory is a rule, taken in name
//! order. Loading and reloading them is the job of [`crate::reload`]; two
//! files declaring the same rule id are a conflict there, and the file
//! that comes first keeps the id.

use std::path::{Path, PathBuf};

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

/// The `.wasm` files of `dir`, sorted by name, hidden files excluded.
///
/// # Errors
///
/// [`RegistryError::List`] when the directory cannot be read.
pub fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, RegistryError> {
    let entries = std::fs::read_dir(dir).map_err(|error| RegistryError::List {
        path: dir.into(),
        error,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| is_rule_file(path) && path.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Whether a path names a rule component: `*.wasm`, not hidden (editors'
/// swap and backup files are hidden or end otherwise).
pub fn is_rule_file(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_none_or(|n| n.starts_with('.'));
    !hidden && path.extension().is_some_and(|e| e == "wasm")
}
