//! Property tests over every parser vitals has (issue #13): arbitrary bytes, and structured
//! mutations of a valid file (bytes deleted, inserted, replaced by YAML/JSON/CSV/TOML syntax,
//! lines duplicated, swapped or cut), fed to the config, OpenSLO, SLO CSV, dbt sources.yml
//! and manifest, freshness state, autoscale policy and trace, deployments and incidents CSV
//! readers. Each must return, never panic; an error must name the file, fit on one line, stay
//! short (no input dumped into it) and say where: a line, row, column, document or field.
//! `scripts/fuzz` does the same through the CLI, with time and memory limits.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

/// One edit of a seed file.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    Replace(Index, u8),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    Truncate(Index),
}

/// Bytes that mean something to one of the formats.
const SYNTAX: &[&[u8]] = &[
    b"\"",
    b"'",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b",",
    b"\n",
    b"\r\n",
    b"\t",
    b" ",
    b"#",
    b"-",
    b"---\n",
    b"\\",
    b"\\u",
    b"\xEF\xBB\xBF",
    b"\x00",
    b"\xff",
    b"&a",
    b"*a",
    b"!!str",
    b"=",
    b"[[",
    b"]]",
    b"null",
    b"1e999",
    b"-0",
    b"99999999999999999999",
    b"NaN",
    b"inf",
    b"{{",
    b"}}",
    b"{%",
    b"T",
    b"Z",
    b"+09:00",
    b"2026-13-45T25:61:61Z",
    b"..",
    b"/",
    b"\"\"\"",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let syntax = prop::sample::select(SYNTAX).prop_map(|s| s.to_vec());
    prop_oneof![
        (any::<Index>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), syntax).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..12))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for m in mutations {
        let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
        match m {
            Mutation::Delete(i, n) => {
                let start = at(i, bytes.len()).min(bytes.len());
                let end = (start + n).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Insert(i, b) => {
                let pos = at(i, bytes.len());
                bytes.splice(pos..pos, b.iter().copied());
            }
            Mutation::Replace(i, b) if !bytes.is_empty() => {
                let pos = i.index(bytes.len());
                bytes[pos] = *b;
            }
            Mutation::Replace(..) => {}
            Mutation::DuplicateLine(i) | Mutation::SwapLines(i, _) | Mutation::Truncate(i)
                if bytes.is_empty() =>
            {
                let _ = i;
            }
            Mutation::DuplicateLine(i) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let line = lines[i.index(lines.len())].clone();
                lines.insert(i.index(lines.len()), line);
                bytes = lines.join(&b'\n');
            }
            Mutation::SwapLines(a, b) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
                bytes = lines.join(&b'\n');
            }
            Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
        }
    }
    bytes
}

/// A parser under test: it reads the file at the path and returns its error as text.
type Parse = fn(&Path) -> Result<(), String>;

/// Words that say where in a file an error is.
fn names_a_position(message: &str) -> bool {
    let bytes = message.as_bytes();
    let after_colon_digit = bytes
        .windows(2)
        .any(|w| w[0] == b':' && w[1].is_ascii_digit());
    // A key path: `step_scaling.steps[1].lower`, `target_tracking.target_value`.
    let key_path = bytes.windows(3).any(|w| {
        (w[0].is_ascii_lowercase() || w[0] == b']')
            && w[1] == b'.'
            && (w[2].is_ascii_lowercase() || w[2] == b'_')
    });
    after_colon_digit
        || key_path
        || [
            "line ",
            "row ",
            "column ",
            "document ",
            "item ",
            "field ",
            "header",
            "key ",
            "sources.",
            "metadata.",
            "spec.",
            "checks.",
            "scopes",
            "version",
        ]
        .iter()
        .any(|w| message.contains(w))
}

/// Whole-file conditions, which have no position to name.
fn whole_file(message: &str) -> bool {
    [
        "no rows",
        "no such file",
        "is empty",
        "no `",
        "needs",
        "no sources",
        "not UTF-8",
        "larger than",
        "not a dbt manifest",
        "expected an OpenSLO object",
        "min_capacity",
        "max_capacity",
    ]
    .iter()
    .any(|w| message.contains(w))
}

/// Runs `parse` on `cases` mutations of `seed` (and on arbitrary bytes), checking each error.
fn fuzz(name: &str, file_name: &str, seed: &[u8], parse: Parse, cases: u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    std::fs::write(&path, seed).unwrap();
    if let Err(e) = parse(&path) {
        panic!("{name}: the seed itself fails: {e}");
    }
    let check = |bytes: &[u8]| -> Result<(), TestCaseError> {
        std::fs::write(&path, bytes).unwrap();
        let Err(message) = parse(&path) else {
            return Ok(());
        };
        let shown = String::from_utf8_lossy(bytes);
        prop_assert!(
            message.contains(file_name),
            "{name}: the error does not name the file: {message}\ninput: {shown:?}"
        );
        prop_assert!(
            !message.contains('\n'),
            "{name}: more than one line: {message}\ninput: {shown:?}"
        );
        prop_assert!(
            message.chars().count() <= 800,
            "{name}: {} characters: {message}",
            message.chars().count()
        );
        prop_assert!(
            names_a_position(&message) || whole_file(&message),
            "{name}: no position: {message}\ninput: {shown:?}"
        );
        Ok(())
    };
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let mutated = prop::collection::vec(mutation(), 1..6).prop_map(|m| apply(seed, &m));
    runner
        .run(&mutated, |bytes| check(&bytes))
        .unwrap_or_else(|e| panic!("{name} (mutations): {e}"));
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..600), |bytes| {
            check(&bytes)
        })
        .unwrap_or_else(|e| panic!("{name} (arbitrary bytes): {e}"));
}

fn seed(path: &str, lines: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(crate::support::repo().join(path)).unwrap();
    text.lines()
        .take(lines)
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes()
}

/// Cases per parser and strategy: 300, or `VITALS_FUZZ_CASES` for a longer hunt.
static CASES: std::sync::LazyLock<u32> = std::sync::LazyLock::new(|| {
    std::env::var("VITALS_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
});

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

#[test]
fn config_files() {
    fuzz(
        "config",
        "vitals.toml",
        &seed("examples/vitals.toml", 10_000),
        |p| {
            vitals::config::Config::load(Some(p))
                .map(|_| ())
                .map_err(text)
        },
        *CASES,
    );
}

#[test]
fn openslo_files() {
    fuzz(
        "OpenSLO",
        "slo.yaml",
        &seed("examples/slo/checkout-validations.yaml", 10_000),
        |p| {
            // Its DataSource lives in another file, as in the examples.
            let sources = crate::support::repo().join("examples/slo/datasources.yaml");
            vitals::sources::openslo::load(&[p.to_path_buf(), sources])
                .map(|_| ())
                .map_err(text)
        },
        *CASES,
    );
}

#[test]
fn slo_metric_csv_files() {
    fuzz(
        "SLO CSV",
        "metrics.csv",
        &seed("examples/slo/data/api.csv", 30),
        |p| {
            vitals::sources::csv_metrics::read(p)
                .map(|_| ())
                .map_err(text)
        },
        *CASES,
    );
}

#[test]
fn dbt_sources_files() {
    let base = crate::support::repo().join("examples/freshness");
    fuzz(
        "dbt sources.yml",
        "sources.yml",
        &seed("examples/freshness/sources.yml", 10_000),
        |p| {
            let inputs = vitals::sources::dbt::Inputs {
                manifest: None,
                sources: vec![p.to_path_buf()],
                project: None,
                cli_vars: Vec::new(),
                fallback_database: Some("p".into()),
            };
            vitals::sources::dbt::checks(&inputs)
                .map(|_| ())
                .map_err(text)
        },
        *CASES,
    );
    let _ = base;
}

const MANIFEST: &str = r#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "dbt_version": "1.11.0"},
 "nodes": {},
 "sources": {"source.shop.raw.orders": {"unique_id": "source.shop.raw.orders", "database": "p", "schema": "raw",
   "identifier": "orders", "name": "orders", "source_name": "raw", "loaded_at_field": "_loaded_at",
   "freshness": {"warn_after": {"count": 2, "period": "hour"}, "error_after": {"count": 1, "period": "day"}, "filter": null},
   "config": {"enabled": true}, "original_file_path": "models/sources.yml"}}}
"#;

#[test]
fn dbt_manifests() {
    fuzz(
        "dbt manifest",
        "manifest.json",
        MANIFEST.as_bytes(),
        |p| {
            let inputs = vitals::sources::dbt::Inputs {
                manifest: Some(p.to_path_buf()),
                sources: Vec::new(),
                project: None,
                cli_vars: Vec::new(),
                fallback_database: None,
            };
            vitals::sources::dbt::checks(&inputs)
                .map(|_| ())
                .map_err(text)
        },
        *CASES,
    );
}

const STATE: &str = r#"{
  "version": 2,
  "scopes": {
    "config /srv/vitals.toml": {
      "checks": {
        "source.exports.daily": {"status": "warn", "since": "2026-11-22T00:00:00Z", "notified_at": "2026-11-22T00:00:00Z"},
        "source.crm.accounts": {"status": "pass", "since": "2026-11-21T00:00:00Z", "notified_at": null}
      }
    }
  }
}
"#;

#[test]
fn freshness_state_files() {
    fuzz(
        "freshness state",
        "state.json",
        STATE.as_bytes(),
        |p| {
            // The reader starts afresh on a bad file (saying so); the parser must say why.
            let text = vitals::fs::read_input(p, vitals::fs::MAX_STATE_BYTES)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            vitals::sources::alert_state::parse(&text, "config /srv/vitals.toml")
                .map(|_| ())
                .map_err(|e| format!("{}: {e}", p.display()))
        },
        *CASES,
    );
}

#[test]
fn autoscale_policies() {
    fuzz(
        "autoscale policy",
        "policy.toml",
        &seed("examples/autoscale/with-step.toml", 10_000),
        |p| {
            vitals::sources::autoscale_files::read_policy(p)
                .map(|_| ())
                .map_err(text)
        },
        *CASES,
    );
}

#[test]
fn autoscale_traces() {
    fuzz(
        "autoscale trace",
        "trace.csv",
        &seed("examples/autoscale/api-cpu.csv", 30),
        |p| {
            vitals::sources::autoscale_files::read_trace(p)
                .map(|_| ())
                .map_err(text)
        },
        *CASES,
    );
}

#[test]
fn deployments_and_incidents_csv() {
    let deployments = b"id,deployed_at,commit\nd1,2026-11-01T10:00:00Z,abc123\nd2,2026-11-02T10:00:00+09:00,v1.2\n";
    fuzz(
        "deployments CSV",
        "deployments.csv",
        deployments,
        |p| {
            vitals::sources::git::deploy_records(p)
                .map(|_| ())
                .map_err(text)
        },
        *CASES,
    );
    fuzz(
        "incidents CSV",
        "incidents.csv",
        &seed("examples/four-keys/incidents.csv", 10_000),
        |p| vitals::sources::git::incidents(p).map(|_| ()).map_err(text),
        *CASES,
    );
}

/// The seeds stay representative: each parses (checked inside `fuzz`), and a file named
/// here exists.
#[test]
fn the_seed_files_exist() {
    for path in [
        "examples/vitals.toml",
        "examples/slo/checkout-validations.yaml",
        "examples/slo/data/api.csv",
        "examples/freshness/sources.yml",
        "examples/autoscale/with-step.toml",
        "examples/autoscale/api-cpu.csv",
        "examples/four-keys/incidents.csv",
    ] {
        assert!(
            PathBuf::from(crate::support::repo()).join(path).exists(),
            "{path}"
        );
    }
}
