//! Secrets never reach any output. Every secret the run reads (webhook URL, tokens) is
//! registered here, and every message bound for stdout, stderr or Slack passes [`clean`].
//!
//! Not only whole secrets: a server may echo part of one (`xoxb-secret-1...` in an error
//! body), so any run of [`MIN_SECRET_LEN`] or more characters that also occurs in a secret's
//! sensitive part is redacted. For a URL the sensitive part is what follows its first path
//! segment, and its query: the scheme, host and first segment (`https://hooks.slack.com/services`)
//! name the service and stay readable.

use std::sync::{Mutex, OnceLock};

use rustc_hash::FxHashSet;

/// Shortest fragment worth redacting: shorter ones would mangle ordinary words.
pub const MIN_SECRET_LEN: usize = 8;

/// What is registered: whole secrets (replaced first, longest first) and every
/// [`MIN_SECRET_LEN`]-byte window of their sensitive parts.
struct Registry {
    whole: Vec<String>,
    windows: FxHashSet<[u8; MIN_SECRET_LEN]>,
    /// Bytes a window can start with: most text positions are ruled out without hashing.
    first_bytes: [bool; 256],
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Mutex::new(Registry {
            whole: Vec::new(),
            windows: FxHashSet::default(),
            first_bytes: [false; 256],
        })
    })
}

/// The part of a secret whose fragments give it away: for a URL, everything after its first
/// path segment (and the query); for anything else, all of it.
fn sensitive_part(secret: &str) -> &str {
    let Some((_, rest)) = secret.split_once("://") else {
        return secret;
    };
    let Some(slash) = rest.find('/') else {
        return rest.split_once('?').map_or("", |(_, query)| query);
    };
    let path = &rest[slash + 1..];
    match path.find(['/', '?']) {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// Registers a secret, trimmed of surrounding whitespace first (a value stored with
/// `echo` ends in a newline that the HTTP client drops, so the untrimmed string would never
/// match what gets printed). Secrets shorter than [`MIN_SECRET_LEN`] are not registered.
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let mut registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    if registry.whole.iter().any(|s| s == secret) {
        return;
    }
    registry.whole.push(secret.to_string());
    // Longest first, so a URL is replaced whole before anything inside it.
    registry.whole.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for window in sensitive_part(secret).as_bytes().windows(MIN_SECRET_LEN) {
        let mut key = [0; MIN_SECRET_LEN];
        key.copy_from_slice(window);
        registry.first_bytes[usize::from(key[0])] = true;
        registry.windows.insert(key);
    }
}

/// The text with every registered secret, and every fragment of [`MIN_SECRET_LEN`] or more
/// characters of one, replaced by `[redacted]`.
pub fn clean(text: &str) -> String {
    let registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    if registry.whole.is_empty() {
        return text.to_string();
    }
    let mut out = text.to_string();
    for secret in &registry.whole {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[redacted]");
        }
    }
    redact_fragments(&out, &registry)
}

/// Replaces each maximal run of bytes covered by a registered window with `[redacted]`.
fn redact_fragments(text: &str, registry: &Registry) -> String {
    let bytes = text.as_bytes();
    if bytes.len() < MIN_SECRET_LEN {
        return text.to_string();
    }
    // Covered byte ranges, merged as they are found (windows are found left to right).
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for start in 0..=bytes.len() - MIN_SECRET_LEN {
        if !registry.first_bytes[usize::from(bytes[start])] {
            continue;
        }
        let mut key = [0; MIN_SECRET_LEN];
        key.copy_from_slice(&bytes[start..start + MIN_SECRET_LEN]);
        if !registry.windows.contains(&key) {
            continue;
        }
        let end = start + MIN_SECRET_LEN;
        match runs.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => runs.push((start, end)),
        }
    }
    if runs.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in runs {
        // Whole characters only: widen a run that starts or ends inside one.
        let start = (0..=start)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0)
            .max(at);
        let end = (end..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        out.push_str(&text[at..start]);
        out.push_str("[redacted]");
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// A JSON document with every string (keys too) cleaned: redaction that cannot break the
/// document's escapes, as cleaning its serialised text could.
pub fn clean_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(clean(text)),
        Value::Array(items) => Value::Array(items.iter().map(clean_json).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (clean(key), clean_json(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Text from elsewhere (an upstream's error body, a value from a file) made fit to print: secrets
/// redacted, on one line, and cut to `max` characters, with `…` saying it was cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let one_line = clean(text.trim())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_cleaned_string_by_string_and_stays_json() {
        register("jsonSECRETvalue-0123");
        // A fragment right after an escape: cleaning the serialised text could cut the escape.
        let doc = serde_json::json!({"text": "a\nb jsonSECRETvalue-0123\n", "n": [1, "x SECRETvalue-01"]});
        let clean = clean_json(&doc);
        let text = clean.to_string();
        assert!(!text.contains("SECRETvalue"), "{text}");
        assert_eq!(clean["n"][0], 1);
    }

    #[test]
    fn urls_are_redacted_whole_and_in_parts() {
        register("https://hooks.example.test/services/T000/B000/abcdefghijkl");
        assert_eq!(
            clean("posting to https://hooks.example.test/services/T000/B000/abcdefghijkl failed"),
            "posting to [redacted] failed"
        );
        assert_eq!(
            clean("path /services/T000/B000/abcdefghijkl"),
            "path /services/[redacted]"
        );
        assert_eq!(clean("key abcdefghijkl"), "key [redacted]");
        assert_eq!(clean("nothing secret"), "nothing secret");
        assert_eq!(
            clean("https://hooks.example.test/services/ is the host"),
            "https://hooks.example.test/services/ is the host",
            "the service's own address is not secret"
        );
    }

    #[test]
    fn any_fragment_of_eight_or_more_characters_is_redacted() {
        register("xoxb-fragment-0123456789-abcdef");
        assert_eq!(
            clean("invalid token xoxb-fragm..."),
            "invalid token [redacted]..."
        );
        assert_eq!(clean("tail: 789-abcdef!"), "tail: [redacted]!");
        assert_eq!(clean("short xoxb-fr"), "short xoxb-fr", "7 characters pass");
        assert_eq!(
            clean("a ment-012 and 6789-abc"),
            "a [redacted] and [redacted]"
        );
    }

    #[test]
    fn a_secret_is_trimmed_before_registration() {
        register("https://hooks.example.test/services/T1/B1/trimmedsecret42\n");
        assert_eq!(
            clean("POST https://hooks.example.test/services/T1/B1/trimmedsecret42 -> 200"),
            "POST [redacted] -> 200"
        );
        register(" \n");
    }

    #[test]
    fn fragments_never_split_a_character() {
        register("pässwörd-élan-123456");
        let cleaned = clean("→ wörd-élan-1 ←");
        assert_eq!(cleaned, "→ [redacted] ←");
    }

    #[test]
    fn excerpts_are_one_redacted_line_cut_with_an_ellipsis() {
        assert_eq!(excerpt("  a\nb  c ", 10), "a b c");
        assert_eq!(excerpt(&"x".repeat(400), 300).chars().count(), 301);
    }
}
