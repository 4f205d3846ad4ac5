//! Bad input: one line naming file, line and field; exit 2; nothing posted.

use crate::support::*;

/// Runs crash-free on `content` and returns (exit code, stderr).
fn bad(content: &str) -> (i32, String) {
    let scratch = Scratch::new();
    let file = scratch.write("events.ndjson", content);
    let out = vitals()
        .args(["crash-free", "--events"])
        .arg(&file)
        .args(HAND_CHECKED_ARGS)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&file.display().to_string(), "FILE");
    assert!(out.stdout.is_empty(), "nothing on stdout for bad input");
    (out.status.code().unwrap(), stderr)
}

fn good_line() -> String {
    row("20261121", "IOS", Some("u1"), "1.0", "screen_view", None).to_string()
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let (code, err) = bad(&format!(
        "{}\n{}\n{{\"event_date\": \"20261121\",}}\n",
        good_line(),
        good_line()
    ));
    assert_eq!(code, 2);
    assert!(err.starts_with("error: FILE:3:27: invalid JSON"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn wrong_types_missing_fields_and_unknown_platforms_name_the_field() {
    let cases = [
        (
            r#"{"event_date": 20261121, "platform": "IOS"}"#,
            "error: FILE:2: field `event_date`: expected a string, found a number",
        ),
        (
            r#"{"platform": "IOS", "user_pseudo_id": "u"}"#,
            "error: FILE:2: field `event_date`: missing",
        ),
        (
            r#"{"event_date": "20261131", "platform": "IOS"}"#,
            "error: FILE:2: field `event_date`: \"20261131\" is not a date",
        ),
        (
            r#"{"event_date": "20261121", "platform": "WINDOWS", "user_pseudo_id": "u"}"#,
            "error: FILE:2: field `platform`: unknown value \"WINDOWS\"",
        ),
        (
            r#"{"event_date": "20261121", "platform": "IOS", "user_pseudo_id": 7}"#,
            "error: FILE:2: field `user_pseudo_id`: expected a string",
        ),
    ];
    for (line, expected) in cases {
        let (code, err) = bad(&format!("{}\n{line}\n", good_line()));
        assert_eq!(code, 2, "{line}");
        assert!(err.starts_with(expected), "{line}\n{err}");
    }
}

#[test]
fn a_bad_row_deep_in_a_large_gzip_file_has_its_exact_line_number() {
    let scratch = Scratch::new();
    let mut text = String::new();
    let good = good_line();
    for _ in 0..30_000 {
        text.push_str(&good);
        text.push('\n');
    }
    text.push_str("{\"event_date\": \"20261121\", \"platform\": \"PLAN9\"}\n");
    let file = scratch.write_gz("big.ndjson.gz", &text);
    let out = vitals()
        .args(["crash-free", "--events"])
        .arg(&file)
        .args(HAND_CHECKED_ARGS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:30001: field `platform`", file.display())),
        "{err}"
    );
}

#[test]
fn corrupt_gzip_and_parquet_files_are_bad_input() {
    let scratch = Scratch::new();
    let mut gz = std::fs::read(scratch.write_gz("x.ndjson.gz", &good_line().repeat(100))).unwrap();
    gz.truncate(gz.len() / 2);
    let truncated = scratch.write("truncated.ndjson.gz", gz);
    let fake_parquet = scratch.write("fake.parquet", b"PAR1 this is not parquet");
    for file in [truncated, fake_parquet] {
        let out = vitals()
            .args(["crash-free", "--events"])
            .arg(&file)
            .args(HAND_CHECKED_ARGS)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("corrupt or truncated gzip")
                || err.contains("not a readable Parquet file"),
            "{err}"
        );
    }
}

#[test]
fn empty_input_and_input_outside_the_range_are_bad_input() {
    let (code, err) = bad("");
    assert_eq!(code, 2);
    assert!(
        err.contains("no mobile rows between 2026-10-23 and 2026-11-21"),
        "{err}"
    );
    let (code, _) = bad(&format!(
        "{}\n",
        row("20250101", "IOS", Some("u"), "1", "x", None)
    ));
    assert_eq!(code, 2);
}

#[test]
fn bad_options_exit_2_with_one_line() {
    let cases: [(&[&str], &str); 6] = [
        (&["--days", "0"], "--days 0: must be between 1 and"),
        (
            &["--tz", "Mars/Olympus"],
            "--tz: unknown time zone \"Mars/Olympus\"",
        ),
        (
            &["--now", "yesterday"],
            "--now: \"yesterday\" is not an RFC 3339 time",
        ),
        (
            &["--bigquery", "nodot"],
            "--bigquery: \"nodot\" is not PROJECT.DATASET",
        ),
        (
            &[
                "--dry-run",
                "--events",
                "examples/data/ga4/events_20261121.ndjson.gz",
            ],
            "--dry-run needs a BigQuery source",
        ),
        (&[], "crash-free needs --events"),
    ];
    for (args, expected) in cases {
        let out = vitals().arg("crash-free").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[test]
fn config_typos_and_bad_values_name_file_line_and_key() {
    let scratch = Scratch::new();
    let cases = [
        (
            "[crash_free]\nevents = [\"x\"]\ndayz = 3\n",
            "vitals.toml:3:1: unknown field `dayz`",
        ),
        (
            "[crash_free]\nevents = [\"x\"]\ndays = 0\n",
            "vitals.toml:3:8: crash_free.days: must be between 1 and",
        ),
        (
            "[crash_free]\nevents = [\"x\"]\nslo = { IOS = 99.95 }\n",
            "vitals.toml:3:15: crash_free.slo.IOS: 99.95 is not a ratio in (0, 1]",
        ),
        (
            "[crash_free]\nevents = [\"x\"]\nslo = { WEB = 0.9 }\n",
            "crash_free.slo.WEB: unknown platform",
        ),
        (
            "timezone = \"Nowhere/Land\"\n",
            "vitals.toml:1:12: timezone: unknown time zone",
        ),
        (
            "[crash_free]\nevents = [\"missing/*.ndjson\"]\n",
            "no file matches this pattern",
        ),
    ];
    for (text, expected) in cases {
        let config = scratch.write("vitals.toml", text);
        let out = vitals()
            .args(["crash-free", "--now", "2026-11-22T00:00:00Z", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(expected), "{text}\n{err}");
    }
}

#[test]
fn help_teaches_with_examples() {
    let out = vitals().args(["crash-free", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Examples:") && help.contains("--crash") && help.contains("--slack-dry-run")
    );
}
