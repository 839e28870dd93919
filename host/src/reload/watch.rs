//! Reload triggers from outside: file system notifications and SIGHUP.

use std::path::Path;
use std::sync::mpsc::Sender;

use notify::{EventKind, RecursiveMode, Watcher};
use signal_hook::consts::SIGHUP;
use signal_hook::iterator::Signals;

use super::Trigger;

/// Watches `dir` and sends a trigger for every `.wasm` file that is
/// created, changed, renamed or removed there, for as long as the returned
/// watcher is kept.
pub(super) fn watch_dir(
    dir: &Path,
    triggers: Sender<Trigger>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if crate::registry::is_rule_file(&path) {
                let _ = triggers.send(Trigger::FileChanged(path));
            }
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// Sends a rescan trigger on every SIGHUP.
pub(super) fn on_sighup(triggers: Sender<Trigger>) {
    let mut signals = match Signals::new([SIGHUP]) {
        Ok(signals) => signals,
        Err(error) => {
            tracing::warn!(error = %error, "cannot handle SIGHUP; reload through the watcher or the admin endpoint");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("ferrule-sighup".into())
        .spawn(move || {
            for _ in signals.forever() {
                tracing::info!("SIGHUP: rescanning the rules directory");
                if triggers.send(Trigger::Rescan).is_err() {
                    return;
                }
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(error = %error, "cannot start the SIGHUP thread");
    }
}
