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
    assert!(text.contains("ANDROID  SLO 99.600 %"));
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
    assert!(svg.contains("SLO 99.950 %") && svg.contains("SMA-30"));
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
