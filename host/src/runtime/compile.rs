//! Compiling components: with a time limit, and through an on-disk cache
//! of compiled artifacts.
//!
//! Compiling a rule with Cranelift takes tens of milliseconds; loading a
//! compiled artifact takes a fraction of one. The cache keeps artifacts in
//! a directory, named by the SHA-256 of the component's bytes and a hash of
//! the wasmtime version and engine settings, so a restart or a reload of a
//! known file does not recompile, and an artifact built by another engine
//! is never loaded.
//!
//! # Trust
//!
//! Loading a compiled artifact runs its machine code without validation
//! (this is what makes it fast), so the cache directory must be writable
//! only by the user running ferrule. An artifact that fails to load is
//! recompiled and replaced.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Why a component could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// Compilation failed.
    #[error("{0}")]
    Invalid(String),
    /// Compilation took longer than allowed.
    #[error("compilation took longer than {0:?}")]
    Timeout(Duration),
}

/// Compiles components for one engine, optionally through a cache.
#[derive(Debug, Clone)]
pub struct Compiler {
    engine: Engine,
    cache_dir: Option<PathBuf>,
    timeout: Duration,
    engine_key: String,
}

impl Compiler {
    /// A compiler for `engine`, caching in `cache_dir` when given, giving up
    /// on a compilation after `timeout`.
    pub fn new(engine: &Engine, cache_dir: Option<PathBuf>, timeout: Duration) -> Compiler {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!(
            "ferrule-{}-{:016x}",
            env!("CARGO_PKG_VERSION"),
            hasher.finish()
        );
        Compiler {
            engine: engine.clone(),
            cache_dir,
            timeout,
            engine_key,
        }
    }

    /// The cache file for a component's bytes.
    fn cache_path(&self, bytes: &[u8]) -> Option<PathBuf> {
        let dir = self.cache_dir.as_ref()?;
        let digest = Sha256::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(format!("{hex}-{}.cwasm", self.engine_key)))
    }

    /// The compiled component for `bytes`, from the cache when it has it.
    ///
    /// # Errors
    ///
    /// [`CompileError`] when the bytes are not a valid component or take
    /// longer than the limit to compile.
    pub fn compile(&self, bytes: &[u8]) -> Result<Component, CompileError> {
        let cached = self.cache_path(bytes);
        if let Some(path) = &cached
            && path.is_file()
        {
            // SAFETY: the cache directory holds only artifacts this code
            // wrote with `Component::serialize` for an engine with the
            // same compatibility hash (it is part of the name), and it
            // must be writable only by the user running ferrule (see the
            // module docs).
            match unsafe { Component::deserialize_file(&self.engine, path) } {
                Ok(component) => return Ok(component),
                Err(error) => {
                    tracing::warn!(path = %path.display(), error = %error, "cached artifact unusable; recompiling");
                }
            }
        }
        let component = self.compile_with_timeout(bytes)?;
        if let Some(path) = &cached
            && let Err(error) = store_artifact(&component, path)
        {
            tracing::warn!(path = %path.display(), error = %error, "could not cache compiled rule");
        }
        Ok(component)
    }

    fn compile_with_timeout(&self, bytes: &[u8]) -> Result<Component, CompileError> {
        let (sender, receiver) = mpsc::channel();
        let engine = self.engine.clone();
        let bytes = bytes.to_vec();
        // Cranelift cannot be interrupted: a compilation past the limit is
        // abandoned and finishes (unused) in the background.
        std::thread::Builder::new()
            .name("ferrule-compile".into())
            .spawn(move || {
                let _ = sender.send(Component::new(&engine, &bytes).map_err(|e| format!("{e:#}")));
            })
            .map_err(|e| CompileError::Invalid(format!("cannot start a compiler thread: {e}")))?;
        match receiver.recv_timeout(self.timeout) {
            Ok(result) => result.map_err(CompileError::Invalid),
            Err(_) => Err(CompileError::Timeout(self.timeout)),
        }
    }
}

fn store_artifact(component: &Component, path: &Path) -> std::io::Result<()> {
    let bytes = component
        .serialize()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Write aside, then rename: a concurrent reader never sees half a file.
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)
}

/// The default cache directory: `$XDG_CACHE_HOME/ferrule`, else
/// `$HOME/.cache/ferrule`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("ferrule"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/ferrule"))
}
