//! Secrets never reach any output. Every secret the run reads (webhook URL, tokens) is
//! registered here, and every message bound for stdout, stderr or Slack passes [`clean`].

use std::sync::{Mutex, OnceLock};

fn secrets() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Shortest fragment worth redacting: shorter ones would mangle ordinary words.
const MIN_SECRET_LEN: usize = 8;

/// Registers a secret, and for a URL also its path and last segment (which carry the key).
pub fn register(secret: &str) {
    let mut parts = vec![secret.to_string()];
    if let Some(rest) = secret.split_once("://").map(|(_, r)| r) {
        if let Some((_, path)) = rest.split_once('/') {
            parts.push(format!("/{path}"));
            if let Some(last) = path.rsplit('/').find(|s| !s.is_empty()) {
                parts.push(last.to_string());
            }
        }
    }
    let mut list = secrets().lock().unwrap_or_else(|e| e.into_inner());
    for part in parts {
        if part.len() >= MIN_SECRET_LEN && !list.contains(&part) {
            list.push(part);
        }
    }
    // Longest first, so a URL is replaced whole before its parts.
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// The text with every registered secret replaced by `[redacted]`.
pub fn clean(text: &str) -> String {
    let list = secrets().lock().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_string();
    for secret in list.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_whole_and_in_parts() {
        register("https://hooks.example.test/services/T000/B000/abcdefghijkl");
        assert_eq!(
            clean("posting to https://hooks.example.test/services/T000/B000/abcdefghijkl failed"),
            "posting to [redacted] failed"
        );
        assert_eq!(
            clean("path /services/T000/B000/abcdefghijkl"),
            "path [redacted]"
        );
        assert_eq!(clean("key abcdefghijkl"), "key [redacted]");
        assert_eq!(clean("nothing secret"), "nothing secret");
    }
}
