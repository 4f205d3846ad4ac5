//! YAML input, read with bounded depth, size and work (serde-saphyr's budget), so a hostile
//! file fails fast with its position instead of hanging or exhausting memory.
//!
//! Every YAML file vitals reads is JSON-shaped (OpenSLO, dbt), so documents become
//! `serde_json::Value`s and typed structs deserialize from those, or straight from the text.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deepest nesting accepted (blocks and flow collections alike). Real OpenSLO and dbt files
/// stay under 15 levels.
pub const MAX_DEPTH: usize = 64;
/// Largest YAML file accepted, in bytes.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// A YAML error: its 1-based position (when known) and a one-line message without it.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl YamlError {
    /// `line L:C: message`, or the message alone.
    pub fn describe(&self) -> String {
        match self.at {
            Some((line, column)) => format!("line {line}:{column}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    serde_saphyr::options! { budget: Some(budget) }
}

fn too_large(text: &str) -> Option<YamlError> {
    (text.len() > MAX_BYTES).then(|| YamlError {
        at: None,
        message: format!(
            "the file is {} bytes; YAML inputs are limited to {MAX_BYTES} bytes",
            text.len()
        ),
    })
}

fn error(e: serde_saphyr::Error) -> YamlError {
    let at = e
        .location()
        .map(|l| (l.line() as usize, l.column() as usize));
    let rendered = e.render_with_options(serde_saphyr::render_options! {
        snippets: serde_saphyr::SnippetMode::Off,
    });
    // The plain rendering starts with "error: line L column C: "; the position travels in `at`.
    let mut message = rendered.trim().trim_start_matches("error: ").to_string();
    if message.starts_with("line ") {
        if let Some((_, rest)) = message.split_once(": ") {
            message = rest.to_string();
        }
    }
    let mut message = message.lines().next().unwrap_or_default().to_string();
    // … and SnippetMode::Off ends it with " at line L, column C".
    if let Some(cut) = message.rfind(" at line ") {
        message.truncate(cut);
    }
    // A hint meant for programmers using the library, not for the file's author.
    if let Some(cut) = message.find(", set DuplicateKeyPolicy") {
        message.truncate(cut);
    }
    YamlError { at, message }
}

/// Every document of a `---` stream, empty documents dropped. A leading BOM is accepted.
pub fn documents(text: &str) -> Result<Vec<Value>, YamlError> {
    if let Some(e) = too_large(text) {
        return Err(e);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let values: Vec<Value> =
        serde_saphyr::from_multiple_with_options(text, options()).map_err(error)?;
    Ok(values.into_iter().filter(|v| !v.is_null()).collect())
}

/// One document straight into a typed value (errors keep the position of the bad field).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    if let Some(e) = too_large(text) {
        return Err(e);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_saphyr::from_str_with_options(text, options()).map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_of_documents_skips_empty_ones() {
        let docs = documents("---\na: 1\n---\n---\nb: [x]\n").unwrap();
        assert_eq!(
            docs,
            vec![serde_json::json!({"a": 1}), serde_json::json!({"b": ["x"]})]
        );
    }

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let e = documents("a: 1\nb: [1, 2\n").unwrap_err();
        assert_eq!(e.at, Some((2, 4)));
        assert!(!e.message.contains('\n'), "{e:?}");
        assert_eq!(e.describe(), "line 2:4: unclosed bracket '['");
    }

    #[test]
    fn nesting_beyond_the_limit_fails_fast() {
        let deep = format!("{}{}", "[".repeat(60_000), "]".repeat(60_000));
        let e = documents(&deep).unwrap_err();
        assert!(e.at.is_some(), "{e:?}");
        let block: String = (0..200).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        assert!(documents(&format!("{block}{}x", " ".repeat(200))).is_err());
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        assert_eq!(
            documents("\u{feff}a: 1\n").unwrap(),
            vec![serde_json::json!({"a": 1})]
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = documents("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.at.map(|a| a.0), Some(2));
    }
}
