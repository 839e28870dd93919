//! Hot reload: keeping the running rule set in step with the rules
//! directory, without a restart and without losing an event.
//!
//! A [`Controller`] thread owns the directory. It loads every rule at start,
//! then reloads when told to: by the file watcher ([`watch`]), by SIGHUP, or
//! by the admin endpoint ([`admin`]). A candidate is compiled (through the
//! artifact cache), instantiated, asked for its metadata and given a smoke
//! call on this thread, off the hot path. Only a candidate that passes
//! reaches the pipeline, as a [`RuleChange`] the pipeline applies between
//! two batches. A bad candidate leaves the running version in place, and
//! the log names the file and the reason.
//!
//! Partial writes: a changed file is loaded only once its size and
//! modification time have stayed the same for the settle period. Writing
//! the new version aside and renaming it into place is the safe way to
//! publish a rule; a file still being written when it settles fails
//! validation (the old version keeps running) and is picked up again when
//! the write completes. Hidden files and files not ending in `.wasm`
//! (editor swap and backup files) are ignored.

pub mod admin;
mod watch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::pipeline::{RuleChange, RuleStatus};
use crate::registry::{RegistryError, is_rule_file, rule_files};
use crate::runtime::{LoadError, RuleInstance, Runtime};

/// What the reload machinery asks of the pipeline thread.
pub enum Control {
    /// Apply a change to the rule set.
    Change(RuleChange),
    /// Report the rules' status on the given channel.
    Status(Sender<Vec<RuleStatus>>),
}

/// What the controller is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A file in the rules directory changed, appeared or disappeared.
    FileChanged(PathBuf),
    /// Compare the whole directory with what is running.
    Rescan,
}

/// A running reload controller. Dropping it stops watching the directory.
pub struct Reloader {
    /// Sends reload triggers to the controller.
    pub triggers: Sender<Trigger>,
    _watcher: Option<notify::RecommendedWatcher>,
}

/// A loaded file: its content hash and the rule id it declared.
#[derive(Debug, Clone)]
struct Known {
    hash: [u8; 32],
    id: String,
}

/// Keeps the running rules in step with a directory.
pub struct Controller {
    runtime: Arc<Runtime>,
    dir: PathBuf,
    settle: Duration,
    known: HashMap<PathBuf, Known>,
    /// The content hash of the last rejected candidate of each file, so a
    /// burst of notifications for one bad file is judged (and logged) once.
    rejected: HashMap<PathBuf, [u8; 32]>,
    sender: Sender<Trigger>,
    triggers: Receiver<Trigger>,
    watcher: Option<notify::RecommendedWatcher>,
}

impl Controller {
    /// A controller for the rules in `dir`; a changed file is loaded once
    /// it has been still for `settle`.
    pub fn new(runtime: Arc<Runtime>, dir: &Path, settle: Duration) -> Controller {
        let (sender, triggers) = mpsc::channel();
        Controller {
            runtime,
            dir: dir.to_owned(),
            settle,
            known: HashMap::new(),
            rejected: HashMap::new(),
            sender,
            triggers,
            watcher: None,
        }
    }

    /// Starts watching the directory. Call it before [`Controller::initial_load`]:
    /// a change made while the rules load is then not missed.
    pub fn watch(&mut self) {
        match watch::watch_dir(&self.dir, self.sender.clone()) {
            Ok(watcher) => {
                self.watcher = Some(watcher);
                tracing::info!(dir = %self.dir.display(), "watching the rules directory");
            }
            Err(error) => tracing::warn!(dir = %self.dir.display(), error = %error,
                "cannot watch the rules directory; reload with SIGHUP or the admin endpoint"),
        }
    }

    /// Loads every rule in the directory, for the start of a run.
    ///
    /// # Errors
    ///
    /// [`RegistryError`] when the directory cannot be listed; bad files are
    /// returned beside the good rules.
    pub fn initial_load(&mut self) -> Result<(Vec<RuleInstance>, Vec<LoadError>), RegistryError> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for path in rule_files(&self.dir)? {
            match self.load(&path) {
                Ok(Some(rule)) => rules.push(rule),
                Ok(None) => {}
                Err(error) => errors.push(error),
            }
        }
        Ok((rules, errors))
    }

    /// Starts the controller thread and the SIGHUP handler. Changes go to
    /// `control`.
    pub fn spawn(mut self, control: Sender<Control>) -> Reloader {
        let sender = self.sender.clone();
        let watcher = self.watcher.take();
        let (_, unused) = mpsc::channel();
        let triggers = std::mem::replace(&mut self.triggers, unused);
        watch::on_sighup(sender.clone());
        std::thread::Builder::new()
            .name("ferrule-reload".into())
            .spawn(move || self.run(triggers, control))
            .expect("spawning the reload thread");
        Reloader {
            triggers: sender,
            _watcher: watcher,
        }
    }

    fn run(&mut self, triggers: Receiver<Trigger>, control: Sender<Control>) {
        // The watcher keeps its sender alive; this loop ends when the
        // pipeline drops its end of `control`.
        while let Ok(trigger) = triggers.recv() {
            let changes = match trigger {
                Trigger::FileChanged(path) => {
                    self.wait_until_settled(&path);
                    self.reconcile_file(&path)
                }
                Trigger::Rescan => self.rescan(),
            };
            for change in changes {
                if control.send(Control::Change(change)).is_err() {
                    return;
                }
            }
        }
    }

    /// Waits until the file's size and modification time stop changing.
    fn wait_until_settled(&self, path: &Path) {
        let stamp = |p: &Path| {
            std::fs::metadata(p)
                .ok()
                .map(|m| (m.len(), m.modified().ok()))
        };
        let mut last = stamp(path);
        loop {
            std::thread::sleep(self.settle);
            let now = stamp(path);
            if now == last {
                return;
            }
            last = now;
        }
    }

    /// Changes that bring the running set in step with the whole directory.
    pub fn rescan(&mut self) -> Vec<RuleChange> {
        let files = match rule_files(&self.dir) {
            Ok(files) => files,
            Err(error) => {
                tracing::error!(error = %error, "rescan failed; running rules unchanged");
                return Vec::new();
            }
        };
        let mut changes = Vec::new();
        let gone: Vec<PathBuf> = self
            .known
            .keys()
            .filter(|p| !files.contains(p))
            .cloned()
            .collect();
        for path in gone {
            changes.extend(self.reconcile_file(&path));
        }
        for path in files {
            changes.extend(self.reconcile_file(&path));
        }
        changes
    }

    /// Changes for one file: a new or changed rule, or a removal.
    pub fn reconcile_file(&mut self, path: &Path) -> Vec<RuleChange> {
        if !is_rule_file(path) {
            return Vec::new();
        }
        if !path.is_file() {
            self.rejected.remove(path);
            return match self.known.remove(path) {
                Some(known) => {
                    tracing::info!(file = %path.display(), rule = %known.id, "rule file removed");
                    vec![RuleChange::Remove(known.id)]
                }
                None => Vec::new(),
            };
        }
        let previous_id = self.known.get(path).map(|k| k.id.clone());
        match self.load(path) {
            Ok(Some(rule)) => {
                let mut changes = Vec::new();
                if let Some(old) = previous_id.filter(|old| **old != *rule.metadata().id) {
                    changes.push(RuleChange::Remove(old));
                }
                changes.push(RuleChange::Upsert(Box::new(rule)));
                changes
            }
            Ok(None) => Vec::new(),
            Err(error) => {
                tracing::error!(error = %error, "rule candidate rejected; the running version stays");
                Vec::new()
            }
        }
    }

    /// Compiles, instantiates and smoke-tests a candidate.
    fn validate(&self, name: &str, bytes: &[u8]) -> Result<RuleInstance, LoadError> {
        let mut rule = self.runtime.load_bytes(name, bytes)?;
        rule.smoke_test().map_err(|error| LoadError::SmokeCall {
            path: name.to_owned(),
            error,
        })?;
        Ok(rule)
    }

    /// Loads and validates the rule in `path`; `None` when the file is
    /// unchanged since it was last loaded or last rejected (a rejection is
    /// logged once, however many notifications the same bytes cause).
    fn load(&mut self, path: &Path) -> Result<Option<RuleInstance>, LoadError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|error| LoadError::Read {
            path: name.clone(),
            error,
        })?;
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        let unchanged = self.known.get(path).is_some_and(|k| k.hash == hash);
        if unchanged || self.rejected.get(path) == Some(&hash) {
            return Ok(None);
        }
        let rule = self.validate(&name, &bytes);
        if rule.is_err() {
            self.rejected.insert(path.to_owned(), hash);
        }
        let rule = rule?;
        let id = rule.metadata().id.to_string();
        if let Some((other, _)) = self
            .known
            .iter()
            .find(|(p, k)| k.id == id && p.as_path() != path)
        {
            self.rejected.insert(path.to_owned(), hash);
            return Err(LoadError::InvalidMetadata {
                path: name,
                error: crate::runtime::InvalidMetadata::DuplicateId {
                    id,
                    first: other.display().to_string(),
                },
            });
        }
        self.known.insert(path.to_owned(), Known { hash, id });
        Ok(Some(rule))
    }
}
