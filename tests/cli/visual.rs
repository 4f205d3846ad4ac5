//! What people see, checked as they see it: every chart's text as laid out with the embedded
//! font (and the PNG's ink where that text is), Slack payloads and Markdown as snapshots
//! (`tests/cli/snapshots/`, reviewed like code: `INSTA_UPDATE=always cargo test` rewrites
//! them, CI only compares), and `--help` at 80 columns.

use std::path::Path;

use clap::CommandFactory;
use resvg::tiny_skia::Pixmap;
use resvg::usvg;
use serde_json::Value;

use crate::support::*;

/// Every text of an SVG as usvg lays it out with the fonts the PNG uses, with its box.
fn svg_texts(svg: &str) -> Vec<(String, usvg::Rect)> {
    fn walk(group: &usvg::Group, out: &mut Vec<(String, usvg::Rect)>) {
        for node in group.children() {
            match node {
                usvg::Node::Group(g) => walk(g, out),
                usvg::Node::Text(t) => out.push((
                    t.chunks().iter().map(|c| c.text()).collect(),
                    t.abs_bounding_box(),
                )),
                _ => {}
            }
        }
    }
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(vitals::report::chart::font::REGULAR.to_vec());
    db.load_font_data(vitals::report::chart::font::BOLD.to_vec());
    let options = usvg::Options {
        fontdb: std::sync::Arc::new(db),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).unwrap();
    let mut out = Vec::new();
    walk(tree.root(), &mut out);
    out
}

/// Writes the chart of `args` (run on the example config) as SVG and PNG.
fn charts(args: &[&str], name: &str) -> (String, Vec<u8>, Scratch) {
    let scratch = Scratch::new();
    for ext in ["svg", "png"] {
        let out = vitals()
            .args(args)
            .args([
                "--config",
                "examples/vitals.toml",
                "-q",
                "--format",
                "json",
                "--chart",
            ])
            .arg(scratch.path(&format!("{name}.{ext}")))
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let svg = std::fs::read_to_string(scratch.path(&format!("{name}.svg"))).unwrap();
    let png = std::fs::read(scratch.path(&format!("{name}.png"))).unwrap();
    (svg, png, scratch)
}

/// The chart's words are where a reader looks, inside the canvas, and drawn in the PNG.
fn check_chart(svg: &str, png: &[u8], expected: &[&str]) {
    let texts = svg_texts(svg);
    let width: f32 = 900.0;
    let pixmap = Pixmap::decode_png(png).unwrap();
    let height = pixmap.height() as f32 / 2.0;
    assert_eq!(pixmap.width(), 1800, "the PNG is the SVG at twice its size");
    for want in expected {
        assert!(
            texts.iter().any(|(t, _)| t.contains(want)),
            "{want:?} missing from {:?}",
            texts.iter().map(|t| &t.0).collect::<Vec<_>>()
        );
    }
    for (text, r) in &texts {
        assert!(
            r.left() >= 0.0 && r.top() >= 0.0 && r.right() <= width && r.bottom() <= height,
            "{text:?} leaves the canvas: {r:?}"
        );
        // Ink where the label is: the PNG has the SVG's text.
        let mut dark = 0;
        for y in (r.top() * 2.0) as u32..(r.bottom() * 2.0) as u32 {
            for x in (r.left() * 2.0) as u32..(r.right() * 2.0) as u32 {
                if let Some(p) = pixmap.pixel(x, y) {
                    if u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 500 {
                        dark += 1;
                    }
                }
            }
        }
        assert!(dark > 5, "{text:?}: no ink in the PNG at {r:?}");
    }
}

#[test]
fn crash_free_charts_name_platforms_averages_slo_dates_and_zone() {
    let (svg, png, _s) = charts(&["crash-free"], "crash-free");
    check_chart(
        &svg,
        &png,
        &[
            "ANDROID crash-free users, daily",
            "IOS crash-free users, daily",
            "7-day average",
            "SLO 99.950 %",
            "100.00 %",
            "Nov 16",
            "Sep 23 – Nov 21, 2026 (Asia/Tokyo)",
        ],
    );
    assert!(
        !svg.contains("100.0 %</text>") || !svg.contains("100.05"),
        "never above 100 %"
    );
}

#[test]
fn slo_charts_burn_down_each_objective_in_the_config_zone() {
    let (svg, png, _s) = charts(&["slo"], "slo");
    check_chart(
        &svg,
        &png,
        &[
            "checkout-validations · 98 % of submissions pass — error budget left",
            "budget exhausted",
            "−50 %",
            "Nov 1 00:00 – Nov 22 09:00, 2026 (Asia/Tokyo)",
        ],
    );
}

#[test]
fn the_autoscale_chart_is_small_starts_at_zero_and_keeps_its_spikes() {
    let (svg, png, _s) = charts(&["autoscale", "simulate"], "autoscale");
    assert!(svg.len() < 150_000, "{} bytes", svg.len());
    check_chart(
        &svg,
        &png,
        &[
            "Simulated CPU, per minute",
            "0 %",
            "150 %",
            "step alarm ≥ 70 %",
            "serving tasks",
        ],
    );
}

#[test]
fn four_keys_charts_the_weekly_trend() {
    let (svg, png, _s) = charts(&["four-keys"], "four-keys");
    check_chart(
        &svg,
        &png,
        &[
            "Deployments per week",
            "Lead time for changes, weekly median",
            "weeks from Monday",
        ],
    );
}

#[test]
fn a_chart_path_must_be_svg_or_png_before_anything_runs() {
    let out = vitals()
        .args([
            "slo",
            "--config",
            "examples/vitals.toml",
            "--chart",
            "burn.jpg",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--chart burn.jpg: a chart is written as .svg or .png"));
}

fn stdout_of(args: &[&str]) -> String {
    let out = vitals().args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn pretty(json: &str) -> String {
    let value: Value = serde_json::from_str(json).unwrap();
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn snapshot_the_digest_markdown() {
    insta::assert_snapshot!(
        "digest_markdown",
        stdout_of(&[
            "digest",
            "--config",
            "examples/vitals.toml",
            "--format",
            "markdown"
        ])
    );
}

#[test]
fn snapshot_the_digest_slack_summary_and_thread() {
    insta::assert_snapshot!(
        "digest_slack_summary",
        pretty(&stdout_of(&[
            "digest",
            "--config",
            "examples/vitals.toml",
            "--slack-dry-run"
        ]))
    );
    insta::assert_snapshot!(
        "digest_slack_thread",
        pretty(&stdout_of(&[
            "digest",
            "--config",
            "examples/vitals.toml",
            "--slack-dry-run",
            "--slack-thread",
        ]))
    );
}

#[test]
fn snapshot_a_single_command_slack_post() {
    insta::assert_snapshot!(
        "slo_slack_summary",
        pretty(&stdout_of(&[
            "slo",
            "--config",
            "examples/vitals.toml",
            "--slack-dry-run"
        ]))
    );
}

#[test]
fn section_links_and_the_actions_run_are_linked_from_slack() {
    let scratch = Scratch::new();
    let example = std::fs::read_to_string(repo().join("examples/vitals.toml")).unwrap();
    let config = example.replace(
        "[slo]\n",
        "[slo]\nlink = { url = \"https://grafana.example.com/d/slo\", label = \"SLO dashboard\" }\n",
    );
    // The example's relative paths resolve against the config's folder.
    let config = scratch.write("vitals.toml", config);
    let examples = repo().join("examples");
    for entry in ["data", "slo", "freshness", "autoscale", "four-keys"] {
        symlink(&examples.join(entry), &scratch.path(entry));
    }
    let out = vitals()
        .args(["digest", "--slack-dry-run", "--config"])
        .arg(&config)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "my-org/ops")
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_STEP_SUMMARY", scratch.path("summary.md"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("<https://grafana.example.com/d/slo|SLO dashboard>"),
        "{text}"
    );
    assert!(text.contains("<https://github.com/my-org/ops/actions/runs/4242|GitHub Actions run>"));
    let bad = scratch.write("bad.toml", "[slo]\nspecs = []\nlink = \"grafana\"\n");
    let out = vitals()
        .args(["digest", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:3:8: slo.link: \"grafana\" is not an http(s) URL"),
        "{stderr}"
    );
}

fn symlink(from: &Path, to: &Path) {
    #[cfg(unix)]
    std::os::unix::fs::symlink(from, to).unwrap();
}

#[test]
fn every_single_command_in_actions_writes_the_step_summary() {
    let scratch = Scratch::new();
    let summary = scratch.path("summary.md");
    let out = vitals()
        .args([
            "four-keys",
            "--config",
            "examples/vitals.toml",
            "--format",
            "json",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    serde_json::from_slice::<Value>(&out.stdout).expect("stdout stays the JSON document");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## ℹ️ Four keys\n"), "{md}");
    assert!(md.contains("- change failure rate 21.4 %: performance low\n"));
}

/// Every command and subcommand, as `vitals a b`.
fn all_commands() -> Vec<(Vec<String>, clap::Command)> {
    fn walk(path: Vec<String>, cmd: &clap::Command, out: &mut Vec<(Vec<String>, clap::Command)>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(p.clone(), sub, out);
            out.push((p, sub.clone()));
        }
    }
    let root = vitals::cli::Cli::command();
    let mut out = vec![(Vec::new(), root.clone())];
    walk(Vec::new(), &root, &mut out);
    out
}

#[test]
fn every_help_has_examples_that_fit_80_columns_as_written() {
    for (path, cmd) in all_commands() {
        let name = format!("vitals {}", path.join(" "));
        let examples = cmd
            .get_after_long_help()
            .unwrap_or_else(|| panic!("{name}: no examples"))
            .to_string();
        assert!(
            examples.contains("vitals"),
            "{name}: examples show a command"
        );
        let long = vitals()
            .args(&path)
            .arg("--help")
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        let long = String::from_utf8(long.stdout).unwrap();
        for line in long.lines() {
            assert!(
                line.chars().count() <= 80,
                "{name} --help: {line:?} is wider than 80"
            );
        }
        // Printed as written: no example line was wrapped.
        assert!(
            long.contains(&examples),
            "{name} --help wraps its examples:\n{long}"
        );
        assert!(
            long.contains("Global options:"),
            "{name}: global options apart"
        );
        let short = vitals()
            .args(&path)
            .arg("-h")
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        let short = String::from_utf8(short.stdout).unwrap();
        assert!(!short.contains("Examples:"), "{name} -h stays short");
    }
}

#[test]
fn the_top_level_help_shows_the_path_from_init_to_digest() {
    let help = vitals().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let (init, check, digest) = (
        help.find("  vitals init ").unwrap(),
        help.find("  vitals config check ").unwrap(),
        help.find("  vitals digest ").unwrap(),
    );
    assert!(init < check && check < digest);
}

#[test]
fn a_digest_without_a_config_points_to_vitals_init() {
    let scratch = Scratch::new();
    let out = vitals()
        .arg("digest")
        .current_dir(scratch.path(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("run `vitals init` to write one"),
        "{stderr}"
    );
}
