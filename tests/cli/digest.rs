//! `vitals digest`: every section in one report, a failing section beside working ones, and
//! the GitHub Actions step summary and annotations.

use serde_json::Value;

use crate::support::*;

#[test]
fn the_example_digest_has_every_section_and_the_worst_exit_code() {
    let (code, doc, _) = run_json(vitals().args([
        "digest",
        "--config",
        "examples/vitals.toml",
        "--format",
        "json",
    ]));
    assert_eq!(doc["kind"], "digest");
    let kinds: Vec<&str> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "crash_free",
            "slo",
            "freshness",
            "autoscale_simulation",
            "four_keys"
        ]
    );
    assert_eq!(
        doc["sections"][4]["deployment_frequency"]["deployments"],
        14
    );
    assert_eq!(code, 1, "slo and freshness have violations");
    let (_, only, _) = run_json(vitals().args([
        "digest",
        "--config",
        "examples/vitals.toml",
        "--format",
        "json",
        "--only",
        "crash-free,slo",
        "--skip",
        "slo",
    ]));
    assert_eq!(only["sections"].as_array().unwrap().len(), 1);
}

#[test]
fn markdown_and_slack_lead_with_one_verdict_per_section() {
    let md = vitals()
        .args([
            "digest",
            "--config",
            "examples/vitals.toml",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("# ❌ Reliability digest\n"), "{md}");
    // Each verdict its own list item; `##` a section, `###` below it.
    assert!(
        md.contains("\n- ✅ **Crash-free users**: ANDROID 99.930 %"),
        "{md}"
    );
    assert!(md.contains("\n- ❌ **Data freshness**: 1 error · 1 warn · 2 pass\n"));
    assert!(md.contains("\n## ✅ Crash-free users\n") && md.contains("\n## ❌ Data freshness\n"));
    assert!(md.contains("\n### ✅ IOS · SLO 99.950 %"));
    assert!(
        md.contains("Daily, last 30 days `"),
        "sparklines in backticks"
    );
    assert!(
        md.contains("| Change failure rate | 21.4 % | low |"),
        "a level, not a failure"
    );
    assert!(
        md.contains("runs out 2026-11-30 02:17 Asia/Tokyo"),
        "in the config's zone"
    );
    let out = vitals()
        .args([
            "digest",
            "--config",
            "examples/vitals.toml",
            "--slack-dry-run",
        ])
        .output()
        .unwrap();
    let messages: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        messages.as_array().unwrap().len(),
        1,
        "a summary: one message"
    );
    let first = messages[0]["blocks"].as_array().unwrap();
    assert!(first.len() <= 12, "{} blocks", first.len());
    assert_eq!(first[0]["type"], "header");
    let verdicts: Vec<&str> = first[2..7]
        .iter()
        .map(|b| b["text"]["text"].as_str().unwrap())
        .collect();
    assert!(verdicts[0].starts_with("✅ *Crash-free users*  ANDROID 99.930 %"));
    assert!(verdicts[1].starts_with("❌ *Service level objectives*  1 violated"));
    assert!(verdicts[2].starts_with("❌ *Data freshness*"));
    assert!(verdicts[4].starts_with("ℹ️ *Four keys*"));
}

#[test]
fn a_section_failing_upstream_is_shown_failed_and_the_others_still_run() {
    let scratch = Scratch::new();
    scratch.write("data.csv", "id,loaded_at\n1,2026-11-21 23:00:00\n");
    let config = scratch.write(
        "vitals.toml",
        "now = \"2026-11-22T00:00:00Z\"\n[network]\ntimeout = \"3s\"\n[crash_free]\nbigquery = \"p.analytics_1\"\n[[freshness.checks]]\nname = \"d\"\npath = \"data.csv\"\nloaded_at_field = \"loaded_at\"\nwarn_after = \"2h\"\n",
    );
    let (code, doc, _) = run_json(
        vitals()
            .args(["digest", "--format", "json", "--config"])
            .arg(&config)
            // Nothing listens there: every attempt is refused, until the budget is spent.
            .env("VITALS_BIGQUERY_API_URL", "http://127.0.0.1:9/bigquery/v2")
            .env("GOOGLE_OAUTH_ACCESS_TOKEN", "t0ken-for-the-digest"),
    );
    assert_eq!(code, 3, "an upstream failure is the worst code");
    assert_eq!(doc["sections"][0]["status"], "failed");
    assert!(doc["sections"][0]["error"]
        .as_str()
        .unwrap()
        .starts_with("BigQuery"));
    assert_eq!(doc["sections"][1]["kind"], "freshness");
    assert_eq!(doc["sections"][1]["results"][0]["status"], "pass");
}

#[test]
fn bad_input_found_while_running_stops_the_digest_with_nothing_printed() {
    let scratch = Scratch::new();
    scratch.write("broken.ndjson", "{not json\n");
    scratch.write("data.csv", "id,loaded_at\n1,2026-11-21 23:00:00\n");
    let config = scratch.write(
        "vitals.toml",
        "now = \"2026-11-22T00:00:00Z\"\n[crash_free]\nevents = [\"broken.ndjson\"]\n[[freshness.checks]]\nname = \"d\"\npath = \"data.csv\"\nloaded_at_field = \"loaded_at\"\nwarn_after = \"2h\"\n",
    );
    let out = vitals()
        .args(["digest", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "exit 2: nothing printed");
    assert!(
        stderr.contains("error: Crash-free users: ") && stderr.contains("broken.ndjson:1:"),
        "{stderr}"
    );
}

#[test]
fn config_errors_stop_the_digest_before_anything_runs() {
    let scratch = Scratch::new();
    let config = scratch.write(
        "vitals.toml",
        "[crash_free]\nevents = [\"x.ndjson\"]\ndays = 0\n[slo]\nspecs = [\"none/*.yaml\"]\n",
    );
    let out = vitals()
        .args(["digest", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("crash_free.days"));
}

#[test]
fn under_github_actions_it_writes_the_step_summary_and_annotations() {
    let scratch = Scratch::new();
    let summary = scratch.write("summary.md", "# earlier step\n");
    let out = vitals()
        .args([
            "digest",
            "--config",
            "examples/vitals.toml",
            "--format",
            "json",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("# earlier step\n# ❌ Reliability digest"),
        "appended: {text}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("::error title=vitals Service level objectives::1 violated"),
        "{stderr}"
    );
    assert!(
        stderr.contains("::error title=vitals Data freshness::"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("title=vitals Crash-free users"),
        "passing sections are not annotated"
    );
    assert!(
        serde_json::from_slice::<Value>(&out.stdout).is_ok(),
        "stdout stays one JSON document"
    );

    let unwritable = vitals()
        .args([
            "digest",
            "--config",
            "examples/vitals.toml",
            "--github-summary",
        ])
        .env(
            "GITHUB_STEP_SUMMARY",
            scratch.path("no/such/dir/summary.md"),
        )
        .output()
        .unwrap();
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(unwritable.stdout.is_empty(), "stopped before any work");
    assert!(String::from_utf8_lossy(&unwritable.stderr).contains("GITHUB_STEP_SUMMARY"));

    // A directory where the file should be: one line naming it, exit 2.
    let out = vitals()
        .args(["digest", "--config", "examples/vitals.toml"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", scratch.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "error: GITHUB_STEP_SUMMARY {}: is a directory; name a file\n",
            scratch.dir.path().display()
        )
    );
}

#[test]
fn duplicate_names_stop_the_digest_before_anything_runs() {
    let scratch = Scratch::new();
    let slo = repo().join("examples/slo");
    std::fs::create_dir_all(scratch.path("slo/data")).unwrap();
    for file in ["checkout-validations.yaml", "datasources.yaml"] {
        std::fs::copy(slo.join(file), scratch.path(&format!("slo/{file}"))).unwrap();
    }
    std::fs::copy(
        slo.join("checkout-validations.yaml"),
        scratch.path("slo/copy.yaml"),
    )
    .unwrap();
    std::fs::copy(
        slo.join("data/validations.csv"),
        scratch.path("slo/data/validations.csv"),
    )
    .unwrap();
    let cases = [
        (
            "[slo]\nspecs = [\"slo/*.yaml\"]\n",
            "duplicate SLO name (also in ",
        ),
        (
            "[slo]\nspecs = [\"slo/checkout-validations.yaml\", \"slo/datasources.yaml\"]\n[slo]\nspecs = []\n",
            "vitals.toml:3:2: duplicate key `slo`",
        ),
        (
            "[[freshness.checks]]\nname = \"a\"\npath = \"x.csv\"\nwarn_after = \"1h\"\n[[freshness.checks]]\nname = \"a\"\npath = \"y.csv\"\nwarn_after = \"1h\"\n",
            "two checks are named",
        ),
    ];
    for (text, expected) in cases {
        let config = scratch.write("vitals.toml", text);
        let out = vitals()
            .args(["digest", "--slack-dry-run", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing rendered or posted");
        assert!(
            stderr.contains(expected) && stderr.lines().count() == 1,
            "{expected}: {stderr}"
        );
    }
}

/// Progress is drawn on a terminal only: `script` gives the run a pseudo-terminal.
#[test]
fn long_fetches_show_progress_on_a_terminal_and_nothing_when_piped() {
    let Ok(script) = which("script") else {
        eprintln!("skipped: no `script` to provide a terminal");
        return;
    };
    let scratch = Scratch::new();
    let log = scratch.path("tty.log");
    let run = format!(
        "{} digest --config examples/vitals.toml --only crash-free,slo >/dev/null",
        env!("CARGO_BIN_EXE_vitals")
    );
    std::process::Command::new(script)
        .args(["-qec", &run])
        .arg(&log)
        .current_dir(repo())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    let drawn = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).to_string();
    assert!(drawn.contains("reading ["), "the GA4 files' bar: {drawn}");
    assert!(drawn.contains("SLO 1/4: api-availability"), "{drawn}");

    let piped = vitals()
        .args([
            "digest",
            "--config",
            "examples/vitals.toml",
            "--only",
            "crash-free",
        ])
        .output()
        .unwrap();
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
}

fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .find(|p| p.is_file())
        })
        .ok_or(())
}

#[test]
fn a_four_keys_mistake_exits_2_before_any_section_runs() {
    let scratch = Scratch::new();
    for (section, expected) in [
        (
            "lead_time_strat = \"commit\"",
            "unknown field `lead_time_strat`",
        ),
        (
            "lead_time_start = \"sometime\"",
            "four_keys.lead_time_start",
        ),
        // Named where it was written, not as the flag that would override it.
        ("since = \"9x\"", "vitals.toml:2:9: four_keys.since: "),
    ] {
        let config = scratch.write("vitals.toml", format!("[four_keys]\n{section}\n"));
        let out = vitals()
            .args(["digest", "--slack-dry-run", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{section}: {stderr}");
        assert!(stderr.contains(expected), "{section}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "nothing rendered or posted: {section}"
        );
    }
}
