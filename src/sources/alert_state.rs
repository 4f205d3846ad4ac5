//! The freshness alert state file (`--state`): read under a lock that is held until the new
//! state is written, so that runs started together compare against each other's results and
//! post an alert once. The lock is an advisory lock on `<state>.lock` beside the file (the
//! state itself is replaced by rename, so it cannot carry the lock); the OS releases it when a
//! run ends, killed or not.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::SourceError;
use crate::domain::freshness::{AlertState, AlertStore};
use crate::fs::Lock;

/// How often a run waiting for another's lock looks again.
const LOCK_POLL: Duration = Duration::from_millis(50);

/// The lock file of a state file.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    state.with_file_name(name)
}

/// Waits for the state's lock, as long as the run's network budget lasts (the run holding it
/// is posting to Slack, which that budget bounds too).
pub async fn lock(state: &Path) -> Result<Arc<Lock>, SourceError> {
    let path = lock_path(state);
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| SourceError::Input(format!("{}: cannot create: {e}", folder.display())))?;
    }
    let started = std::time::Instant::now();
    loop {
        if let Some(lock) = crate::fs::try_lock(&path).map_err(SourceError::Input)? {
            return Ok(Arc::new(lock));
        }
        let left = crate::retry::remaining();
        if left.is_zero() {
            return Err(SourceError::Upstream(format!(
                "{}: another vitals run has held the state's lock for {} s",
                path.display(),
                started.elapsed().as_secs()
            )));
        }
        tokio::time::sleep(LOCK_POLL.min(left)).await;
    }
}

/// The store in `state` (empty when the file does not exist yet). `warn` hears about a file
/// that cannot be used, which is then started afresh: losing the state costs one repeated
/// alert, refusing to run would cost every alert.
pub fn read(state: &Path, scope: &str, warn: &dyn Fn(&str)) -> AlertStore {
    if !state.exists() {
        return AlertStore::default();
    }
    let text = match crate::fs::read_input(state, crate::fs::MAX_STATE_BYTES) {
        Ok(text) => text,
        Err(why) => {
            warn(&format!(
                "{}: cannot read the state file ({why}); starting afresh",
                state.display()
            ));
            return AlertStore::default();
        }
    };
    parse(&text, scope).unwrap_or_else(|why| {
        warn(&format!(
            "{}: corrupt state file ({why}); it will be replaced",
            state.display()
        ));
        AlertStore::default()
    })
}

/// A state file's text: the current format, or version 1 (one run's `checks` at the top),
/// which becomes `scope`'s state.
pub fn parse(text: &str, scope: &str) -> Result<AlertStore, String> {
    // Errors as `line L, column C: what` (serde_json's own positions, also for a bad value).
    let at = |e: serde_json::Error| {
        let what = e.to_string();
        let what = what
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string();
        format!("line {}, column {}: {what}", e.line(), e.column())
    };
    let value: Value = serde_json::from_str(text).map_err(at)?;
    if value.get("checks").is_some() && value.get("scopes").is_none() {
        let legacy: AlertState = serde_json::from_str(text).map_err(at)?;
        return Ok(AlertStore::default().with_scope(scope, legacy));
    }
    let store: AlertStore = serde_json::from_str(text).map_err(at)?;
    if store.version != 2 {
        return Err(format!(
            "version {} (this vitals reads version 2)",
            store.version
        ));
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_sits_beside_the_state() {
        assert_eq!(
            lock_path(Path::new(".vitals/state.json")),
            Path::new(".vitals/state.json.lock")
        );
    }

    #[test]
    fn a_version_1_file_becomes_the_current_scope() {
        let text = r#"{"checks": {"source.a": {"status": "error", "since": "2026-11-22T00:00:00Z", "notified_at": null}}}"#;
        let store = parse(text, "config a.toml").unwrap();
        assert_eq!(store.scope("config a.toml").checks.len(), 1);
        assert!(store.scope("config b.toml").checks.is_empty());
    }

    #[test]
    fn bad_files_say_where() {
        let err = parse("{\"version\": 2,\n \"scopes\": [}", "s").unwrap_err();
        assert!(err.starts_with("line 2, column "), "{err}");
        assert!(parse(r#"{"version": 3, "scopes": {}}"#, "s")
            .unwrap_err()
            .starts_with("version 3"));
    }
}
