//! `vitals crash-free` against hand-checked data, every input format, and the example config.

use serde_json::Value;

use crate::support::*;

fn window(doc: &Value, platform_name: &str, w: &str) -> (u64, u64, Value) {
    let win = &platform(doc, platform_name)["windows"][w];
    (
        win["users"].as_u64().unwrap(),
        win["crashed_users"].as_u64().unwrap(),
        win["crash_free_rate"].clone(),
    )
}

fn hand_checked(extra: &[&str]) -> (i32, Value, String) {
    let scratch = Scratch::new();
    let file = scratch.write("events.ndjson", ndjson(&hand_checked_rows()));
    let mut cmd = vitals();
    cmd.arg("crash-free")
        .arg("--events")
        .arg(&file)
        .args(HAND_CHECKED_ARGS)
        .args(["--format", "json"])
        .args(extra);
    run_json(&mut cmd)
}

#[test]
fn windows_count_distinct_users_and_crashed_users() {
    let (code, doc, _) = hand_checked(&[]);
    assert_eq!(doc["kind"], "crash_free");
    assert_eq!(doc["generated_at"], "2026-11-22T00:00:00Z");
    assert_eq!(doc["last_day"], "2026-11-21");
    assert_eq!(doc["crash"], "any");
    // 7d = 11-15..11-21: u1, u2; u1 crashed.  30d adds u3 (11-14) and u2's crash on 11-10.
    assert_eq!(window(&doc, "IOS", "7d"), (2, 1, Value::from(0.5)));
    assert_eq!(window(&doc, "IOS", "30d"), (3, 2, Value::from(1.0 / 3.0)));
    // u1 is on both platforms and counts in each.
    assert_eq!(window(&doc, "ANDROID", "7d"), (2, 1, Value::from(0.5)));
    assert_eq!(platform(&doc, "IOS")["windows"]["7d"]["meets_slo"], false);
    assert_eq!(code, 1, "a window below its SLO exits 1");
}

#[test]
fn fatal_counts_only_fatal_exceptions() {
    let (_, doc, _) = hand_checked(&["--crash", "fatal"]);
    assert_eq!(doc["crash"], "fatal");
    assert_eq!(window(&doc, "IOS", "30d"), (3, 1, Value::from(2.0 / 3.0)));
}

#[test]
fn versions_count_users_under_every_version_and_crashes_under_their_own() {
    let (_, doc, _) = hand_checked(&[]);
    let versions = platform(&doc, "IOS")["versions"].as_array().unwrap();
    let summary: Vec<(String, u64, u64, u64, u64)> = versions
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().to_string(),
                v["7d"]["users"].as_u64().unwrap(),
                v["7d"]["crashed_users"].as_u64().unwrap(),
                v["30d"]["users"].as_u64().unwrap(),
                v["30d"]["crashed_users"].as_u64().unwrap(),
            )
        })
        .collect();
    // 1.0: u1 (11-20), u2 (11-10, crashed), u3 (11-14); 1.1: u1 (crashed), u2. Most 30d users first.
    assert_eq!(
        summary,
        [("1.0".into(), 1, 0, 3, 1), ("1.1".into(), 2, 1, 2, 1)]
    );
}

#[test]
fn daily_has_every_calendar_day_with_nulls_for_days_without_data() {
    let (_, doc, _) = hand_checked(&[]);
    let daily = platform(&doc, "IOS")["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[0]["date"], "2026-10-23");
    assert_eq!(daily[29]["date"], "2026-11-21");
    let day = |d: &str| daily.iter().find(|x| x["date"] == d).unwrap();
    assert_eq!(day("2026-11-21")["users"], 2);
    assert_eq!(day("2026-11-21")["crash_free_rate"], 0.5);
    assert_eq!(day("2026-11-10")["crash_free_rate"], 0.0);
    assert_eq!(day("2026-11-01")["users"], 0);
    assert!(day("2026-11-01")["crash_free_rate"].is_null());
    assert!(
        daily
            .iter()
            .all(|d| d["sma_7d"].is_null() && d["sma_30d"].is_null()),
        "no 7 consecutive days have data"
    );
    assert!(platform(&doc, "IOS")["trend"].is_null());
}

#[test]
fn last_day_follows_the_time_zone() {
    let scratch = Scratch::new();
    let file = scratch.write("e.ndjson", ndjson(&hand_checked_rows()));
    // 2026-11-21T16:00Z is already 11-22 01:00 in Tokyo: the last complete day is 11-21.
    let (_, tokyo, _) = run_json(vitals().args(["crash-free", "--events"]).arg(&file).args([
        "--now",
        "2026-11-21T16:00:00Z",
        "--tz",
        "Asia/Tokyo",
        "--format",
        "json",
    ]));
    assert_eq!(tokyo["last_day"], "2026-11-21");
    let (_, utc, _) = run_json(vitals().args(["crash-free", "--events"]).arg(&file).args([
        "--now",
        "2026-11-21T16:00:00Z",
        "--tz",
        "UTC",
        "--format",
        "json",
    ]));
    assert_eq!(utc["last_day"], "2026-11-20");
}

#[test]
fn gzip_plain_and_several_files_give_the_same_report() {
    let rows = hand_checked_rows();
    let scratch = Scratch::new();
    let plain = scratch.write("all.ndjson", ndjson(&rows));
    let (_, expected, _) = run_json(
        vitals()
            .args(["crash-free", "--events"])
            .arg(&plain)
            .args(HAND_CHECKED_ARGS)
            .args(["--format", "json"]),
    );
    scratch.write_gz("part-1.ndjson.gz", &ndjson(&rows[..4]));
    scratch.write_gz("part-2.ndjson.gz", &ndjson(&rows[4..]));
    let glob = scratch.path("part-*.ndjson.gz");
    let (_, split, _) = run_json(
        vitals()
            .args(["crash-free", "--events"])
            .arg(&glob)
            .args(HAND_CHECKED_ARGS)
            .args(["--format", "json"]),
    );
    assert_eq!(split, expected);
}

#[test]
fn parquet_and_ndjson_exports_of_the_same_rows_agree() {
    let scratch = Scratch::new();
    for format in ["ndjson.gz", "parquet"] {
        let out = scratch.path(format);
        let status = std::process::Command::new(generator())
            .args([
                "ga4",
                "--days",
                "12",
                "--single-file",
                "--format",
                format,
                "--out",
            ])
            .arg(&out)
            .status()
            .expect("run generator");
        assert!(status.success());
    }
    let report = |file: std::path::PathBuf| {
        let (_, doc, _) = run_json(vitals().args(["crash-free", "--events"]).arg(file).args([
            "--now",
            "2026-11-22T00:00:00Z",
            "--tz",
            "UTC",
            "--days",
            "10",
            "--format",
            "json",
        ]));
        doc
    };
    let json = report(scratch.path("ndjson.gz/events.ndjson.gz"));
    let parquet = report(scratch.path("parquet/events.parquet"));
    assert!(
        platform(&json, "ANDROID")["windows"]["7d"]["users"]
            .as_u64()
            .unwrap()
            > 100
    );
    assert_eq!(json, parquet);
}

#[test]
fn the_example_config_runs_offline_and_meets_its_slos() {
    let (code, doc, _) = run_json(vitals().args([
        "crash-free",
        "--config",
        "examples/vitals.toml",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0);
    assert_eq!(doc["last_day"], "2026-11-21");
    let android = platform(&doc, "ANDROID");
    assert_eq!(android["daily"].as_array().unwrap().len(), 60);
    assert!(android["daily"][59]["sma_30d"].is_number());
    let versions: Vec<&str> = android["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert!(
        versions.contains(&"5.13.0") && versions.contains(&"5.13.1"),
        "{versions:?}"
    );
}

#[test]
fn table_and_markdown_render_the_same_figures() {
    let table = vitals()
        .args(["crash-free", "--config", "examples/vitals.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.starts_with("✓ Crash-free users"), "{text}");
    assert!(text.contains("ANDROID · SLO 99.600 %"));
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(
        text.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{text}"
    );
    let md = vitals()
        .args([
            "crash-free",
            "--config",
            "examples/vitals.toml",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("## ✅ Crash-free users"), "{md}");
    assert!(md.contains("| Window | Users | Crashed | Crash-free | SLO |"));
    assert!(md.contains("| --- | ---: | ---: | ---: | --- |"));
}

#[test]
fn chart_draws_an_svg_per_platform_with_the_slo_line() {
    let scratch = Scratch::new();
    let chart = scratch.path("crash-free.svg");
    vitals()
        .args([
            "crash-free",
            "--config",
            "examples/vitals.toml",
            "-q",
            "--chart",
        ])
        .arg(&chart)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("ANDROID crash-free users") && svg.contains("IOS crash-free users"));
    assert!(svg.contains("SLO 99.950 %") && svg.contains("30-day average"));
}

#[test]
fn platform_filter_reports_one_platform() {
    let (_, doc, _) = hand_checked(&["--platform", "android"]);
    assert_eq!(doc["platforms"].as_array().unwrap().len(), 1);
    assert_eq!(doc["platforms"][0]["platform"], "ANDROID");
}

#[test]
fn slack_dry_run_prints_block_kit_messages_instead_of_the_report() {
    let out = vitals()
        .args([
            "crash-free",
            "--config",
            "examples/vitals.toml",
            "--slack-dry-run",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let messages: Value = serde_json::from_slice(&out.stdout).expect("a JSON array");
    let first = &messages[0];
    assert_eq!(first["blocks"][0]["type"], "header");
    assert!(first["blocks"].as_array().unwrap().len() <= 50);
    assert!(first["text"].as_str().unwrap().contains("Crash-free users"));
}

/// Runs crash-free over `events` (a path or glob) with the hand-checked calendar; returns
/// (exit code, stdout, stderr).
fn crash_free_on(events: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let out = vitals()
        .args(["crash-free", "--events"])
        .arg(events)
        .args(HAND_CHECKED_ARGS)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_events_glob_matching_a_directory_is_bad_input() {
    let scratch = Scratch::new();
    scratch.write("a.ndjson", ndjson(&hand_checked_rows()));
    std::fs::create_dir(scratch.path("b.ndjson")).unwrap();
    let (code, stdout, stderr) = crash_free_on(&scratch.path("*.ndjson"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("b.ndjson: is a directory, not a file"),
        "{stderr}"
    );
}

#[test]
fn a_byte_order_mark_before_the_first_row_is_accepted() {
    let scratch = Scratch::new();
    let rows = ndjson(&hand_checked_rows());
    let plain = scratch.write("plain.ndjson", &rows);
    let bom = scratch.write("bom.ndjson", format!("\u{feff}{rows}"));
    let gz = scratch.write_gz("bom.ndjson.gz", &format!("\u{feff}{rows}"));
    let (_, expected, _) = crash_free_on(&plain, &[]);
    for file in [bom, gz] {
        let (code, doc, stderr) = crash_free_on(&file, &[]);
        assert_eq!(code, 1, "{stderr}");
        assert_eq!(doc, expected);
    }
}

#[test]
fn a_line_longer_than_the_limit_fails_naming_file_and_line() {
    // 33 MiB of one line, gzip-compressed to a few dozen KB: the reader must stop at its
    // 32 MiB limit instead of buffering the whole line.
    let scratch = Scratch::new();
    let mut content = ndjson(&hand_checked_rows()[..2]);
    content.push_str("{\"event_date\":\"");
    content.push_str(&"9".repeat(33 << 20));
    content.push_str("\"}\n");
    let file = scratch.write_gz("long.ndjson.gz", &content);
    let (code, stdout, stderr) = crash_free_on(&file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(&format!("{}:3: line longer than 32 MiB", file.display())),
        "{stderr}"
    );
}

#[test]
fn invalid_json_in_a_field_the_report_skips_is_still_bad_input() {
    let good = ndjson(&hand_checked_rows());
    let bad_row = row("20261121", "IOS", Some("u9"), "1.0", "screen_view", None)
        .to_string()
        .replace("com.example.app", r"com.example\qapp");
    let scratch = Scratch::new();
    let file = scratch.write("events.ndjson", format!("{good}{bad_row}\n"));
    let (code, stdout, stderr) = crash_free_on(&file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    let line = hand_checked_rows().len() + 1;
    assert!(
        stderr.contains(&format!("{}:{line}:", file.display()))
            && stderr.contains("invalid JSON: invalid escape"),
        "{stderr}"
    );
}

/// A minimal GA4-shaped Parquet file; `params` is the `event_params` column's item type, if any.
fn write_parquet(path: &std::path::Path, params: Option<arrow_schema::Fields>) {
    use std::sync::Arc;

    use arrow_schema::{DataType, Field, Schema};

    let mut fields = vec![
        Field::new("event_date", DataType::Utf8, true),
        Field::new("event_name", DataType::Utf8, true),
        Field::new("user_pseudo_id", DataType::Utf8, true),
        Field::new("platform", DataType::Utf8, true),
    ];
    if let Some(item_fields) = params {
        let item = Arc::new(Field::new("item", DataType::Struct(item_fields), true));
        fields.push(Field::new("event_params", DataType::List(item), true));
    }
    let schema = Arc::new(Schema::new(fields));
    let rows = r#"{"event_date":"20261121","event_name":"app_exception","user_pseudo_id":"u1","platform":"IOS","event_params":[{"key":"fatal","value":{}}]}
{"event_date":"20261121","event_name":"screen_view","user_pseudo_id":"u2","platform":"IOS","event_params":[]}
"#;
    let mut decoder = arrow_json::ReaderBuilder::new(schema.clone())
        .build_decoder()
        .unwrap();
    decoder.decode(rows.as_bytes()).unwrap();
    let batch = decoder.flush().unwrap().unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn fatal_crashes_from_parquet_without_the_fatal_param_columns_are_bad_input() {
    use arrow_schema::{DataType, Field, Fields};

    let scratch = Scratch::new();
    let no_params = scratch.path("no-params.parquet");
    write_parquet(&no_params, None);
    let no_int_value = scratch.path("no-int-value.parquet");
    write_parquet(
        &no_int_value,
        Some(Fields::from(vec![
            Field::new("key", DataType::Utf8, true),
            Field::new(
                "value",
                DataType::Struct(Fields::from(vec![Field::new(
                    "string_value",
                    DataType::Utf8,
                    true,
                )])),
                true,
            ),
        ])),
    );
    for (file, column) in [
        (&no_params, "event_params"),
        (&no_int_value, "event_params.value.int_value"),
    ] {
        let (code, stdout, stderr) = crash_free_on(file, &["--crash", "fatal"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(&format!("Parquet column `{column}` is missing")),
            "{stderr}"
        );
        // Any crash needs no params: the same file is fine.
        let (code, _, stderr) = crash_free_on(file, &["--crash", "any"]);
        assert_eq!(code, 1, "{stderr}");
    }
}
