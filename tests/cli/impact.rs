//! `vitals four-keys --impact`: hand-computed burn rates around deployments from git tags, a
//! deployments CSV and GitHub; `--failures-from`; crash-free by release; bad usage; the
//! example's Saturday-night deploy.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use wiremock::MockServer;

use crate::bigquery_emulator::{self, seed, start, test_rows, DATASET, PROJECT};
use crate::four_keys::{commit, git};
use crate::four_keys_github::{four_keys as github_four_keys, stand_in};
use crate::gate::{minutes_csv, SPEC};
use crate::support::*;

const NOW: &str = "2026-11-22T00:00:00Z";

/// Data from 11-19 00:00 to an hour past NOW (rows after NOW exist, as in a backfill with
/// `--now`), clean except three bursts: 11-20 06:00-06:09 at 30 bad a minute, 11-21
/// 10:00-10:19 at 200, and 11-21 23:40-23:59 at 80. The current window holds 4,320 minutes
/// of 1,000 requests: 43,200 bad allowed.
fn bursts_csv() -> String {
    minutes_csv("2026-11-19T00:00:00Z", 3 * 1_440 + 60, |_, t| {
        if ("2026-11-20T06:00"..="2026-11-20T06:09:59").contains(&t) {
            30
        } else if ("2026-11-21T10:00"..="2026-11-21T10:19:59").contains(&t) {
            200
        } else if ("2026-11-21T23:40"..="2026-11-21T23:59:59").contains(&t) {
            80
        } else {
            0
        }
    })
}

/// The deployments around the bursts, each tag on its own commit.
const DEPLOYS: [(&str, &str); 5] = [
    ("deploy/dark", "2026-11-18T12:00:00Z"),
    ("deploy/quiet", "2026-11-20T06:00:00Z"),
    ("deploy/burst", "2026-11-21T10:00:00Z"),
    ("deploy/burst-fix", "2026-11-21T10:10:00Z"),
    ("deploy/late", "2026-11-21T23:40:00Z"),
];

fn repository(scratch: &Scratch, deploys: &[(&str, &str)]) -> PathBuf {
    let dir = scratch.path("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"], "2026-11-01T00:00:00Z");
    for (i, (tag, at)) in deploys.iter().enumerate() {
        commit(&dir, &format!("src/{i}.rs"), &format!("change {i}"), at);
        git(&dir, &["tag", tag], at);
    }
    dir
}

/// The spec and its data, and an incident caused by deploy/quiet.
fn inputs(scratch: &Scratch) -> (PathBuf, PathBuf) {
    scratch.write("data.csv", bursts_csv());
    let spec = scratch.write("api.yaml", SPEC);
    let incidents = scratch.write(
        "incidents.csv",
        "id,opened_at,resolved_at,caused_by\nINC-1,2026-11-20T07:00:00Z,2026-11-20T08:00:00Z,deploy/quiet\n",
    );
    (spec, incidents)
}

/// `vitals four-keys` at [`NOW`] over the last `since`.
fn four_keys_since(since: &str) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.args(["four-keys", "--now", NOW, "--since", since]);
    cmd
}

fn four_keys(source: &[&str], spec: &Path, incidents: &Path, extra: &[&str]) -> Value {
    let (code, doc, stderr) = run_json(
        four_keys_since("7d")
            .args(["--format", "json"])
            .args(source)
            .arg("--incidents")
            .arg(incidents)
            .arg("--impact")
            .arg("--spec")
            .arg(spec)
            .args(extra),
    );
    assert_eq!(code, 0, "{stderr}");
    doc
}

fn deployment<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no deployment {name} in {doc}"))
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|v| (v - want).abs() < 1e-9)
}

/// The hand-computed figures of every deployment in [`DEPLOYS`].
fn assert_hand_computed(doc: &Value) {
    let impact = |name: &str| deployment(doc, name)["impact"][0].clone();
    // A burst right after the deploy: 4,000 bad of 60,000 in the hour (burn 6.67 ≥ 6), none
    // the day before; 4,000 of 43,200 allowed.
    let burst = impact("deploy/burst");
    assert_eq!(
        (&burst["slo"], &burst["objective"]),
        (&json!("api"), &json!("99 % succeed"))
    );
    assert_eq!(
        (&burst["bad"], &burst["total"]),
        (&json!(4000.0), &json!(60000.0))
    );
    assert!(
        close(&burst["burn_rate_after"], 4000.0 / 60000.0 / 0.01),
        "{burst}"
    );
    assert!(close(&burst["burn_rate_before"], 0.0));
    assert!(close(&burst["budget_consumed"], 4000.0 / 43200.0));
    assert_eq!(deployment(doc, "deploy/burst")["suspect"], true);
    // A small burst: 300 of 60,000 (burn 0.5): not suspect.
    let quiet = impact("deploy/quiet");
    assert!(close(&quiet["burn_rate_after"], 0.5), "{quiet}");
    assert!(close(&quiet["burn_rate_before"], 0.0));
    assert_eq!(deployment(doc, "deploy/quiet")["suspect"], false);
    // Ten minutes later, overlapping: its own hour holds the burst's last 10 minutes (2,000
    // bad, burn 3.33) and its day before the first 10 (2,000 of 1,440,000, burn 0.139).
    let fix = impact("deploy/burst-fix");
    assert_eq!(fix["bad"], json!(2000.0));
    assert!(
        close(&fix["burn_rate_after"], 2000.0 / 60000.0 / 0.01),
        "{fix}"
    );
    assert!(close(&fix["burn_rate_before"], 2000.0 / 1_440_000.0 / 0.01));
    assert_eq!(deployment(doc, "deploy/burst-fix")["suspect"], false);
    // Twenty minutes before now: the window is capped there, 1,600 of 20,000 (burn 8; the
    // clean rows after now would have diluted it to 2.67); the day before holds 11-21's burst.
    let late = impact("deploy/late");
    assert_eq!(
        (&late["bad"], &late["total"]),
        (&json!(1600.0), &json!(20000.0))
    );
    assert!(close(&late["burn_rate_after"], 8.0), "{late}");
    assert!(close(
        &late["burn_rate_before"],
        4000.0 / 1_440_000.0 / 0.01
    ));
    assert!(close(&late["budget_consumed"], 1600.0 / 43200.0));
    assert_eq!(deployment(doc, "deploy/late")["suspect"], true);
    // No data around it: zeros and nulls.
    assert_eq!(
        impact("deploy/dark"),
        json!({"slo": "api", "objective": "99 % succeed", "bad": 0.0, "total": 0.0,
               "burn_rate_after": null, "burn_rate_before": null, "budget_consumed": null})
    );
    assert_eq!(deployment(doc, "deploy/dark")["suspect"], false);
}

#[test]
fn impact_from_git_tags_matches_the_hand_computation() {
    let scratch = Scratch::new();
    let repo = repository(&scratch, &DEPLOYS);
    let (spec, incidents) = inputs(&scratch);
    let doc = four_keys(&["--git", repo.to_str().unwrap()], &spec, &incidents, &[]);
    assert_hand_computed(&doc);
    let entry = deployment(&doc, "deploy/burst");
    let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["name", "time", "commit", "changes", "impact", "suspect", "failed"]
    );
    assert_eq!(entry["time"], "2026-11-21T10:00:00Z");
    assert_eq!(entry["changes"], 1);
    assert_eq!(entry["commit"].as_str().unwrap().len(), 40);
}

#[test]
fn failures_come_from_incidents_slos_or_both() {
    let scratch = Scratch::new();
    let repo = repository(&scratch, &DEPLOYS);
    let (spec, incidents) = inputs(&scratch);
    let source = ["--git", repo.to_str().unwrap()];
    let cfr = |extra: &[&str]| {
        let doc = four_keys(&source, &spec, &incidents, extra);
        let failed: Vec<String> = doc["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["failed"] == true)
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        (doc["change_failure_rate"].clone(), failed)
    };
    // Five deployments in the window; deploy/quiet has the incident, burst and late burned.
    let (block, failed) = cfr(&[]);
    assert_eq!(
        (&block["ratio"], &block["failures_from"]),
        (&json!(0.2), &json!("incidents"))
    );
    assert_eq!(failed, ["deploy/quiet"]);
    let (block, failed) = cfr(&["--failures-from", "slo"]);
    assert_eq!(
        (&block["failed_deployments"], &block["ratio"]),
        (&json!(2), &json!(0.4))
    );
    assert_eq!(failed, ["deploy/burst", "deploy/late"]);
    let (block, failed) = cfr(&["--failures-from", "both"]);
    assert_eq!(block["ratio"], json!(0.6));
    assert_eq!(failed, ["deploy/quiet", "deploy/burst", "deploy/late"]);
}

#[test]
fn impact_from_a_deployments_csv_is_the_same() {
    let scratch = Scratch::new();
    let repo = repository(&scratch, &DEPLOYS);
    let (spec, incidents) = inputs(&scratch);
    let mut csv = String::from("id,deployed_at,commit\n");
    for (tag, at) in DEPLOYS {
        csv.push_str(&format!("{tag},{at},{tag}\n"));
    }
    let deployments = scratch.write("deployments.csv", csv);
    let source = [
        "--git",
        repo.to_str().unwrap(),
        "--deployments",
        deployments.to_str().unwrap(),
    ];
    let doc = four_keys(&source, &spec, &incidents, &[]);
    assert_hand_computed(&doc);
    let tags = four_keys(&["--git", repo.to_str().unwrap()], &spec, &incidents, &[]);
    assert_eq!(doc["deployments"], tags["deployments"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn impact_from_github_deployments_and_versions_from_their_refs() {
    // The GitHub stand-in's deployments: 102 (ref v2, 11-03 00:00) and 104 (ref v4-hotfix,
    // 11-10 00:00). The SLO burns 20× in the 30 minutes after 104 only.
    let server = MockServer::start().await;
    stand_in(&server).await;
    let scratch = Scratch::new();
    scratch.write(
        "data.csv",
        minutes_csv("2026-11-02T00:00:00Z", 9 * 1_440, |_, t| {
            u32::from(("2026-11-10T00:00"..="2026-11-10T00:29:59").contains(&t)) * 400
        }),
    );
    scratch.write("api.yaml", SPEC);
    // Version 4 on iOS over 11-10..11-16: 2 users, one crashed.
    scratch.write(
        "events.ndjson",
        ndjson(&[
            row("20261110", "IOS", Some("a"), "4", "screen_view", None),
            row("20261112", "IOS", Some("b"), "4", "app_exception", Some(1)),
        ]),
    );
    let config = scratch.write(
        "vitals.toml",
        "timezone = \"UTC\"\n[slo]\nspecs = [\"api.yaml\"]\n[crash_free]\nevents = [\"events.ndjson\"]\nplatform = \"ios\"\n[four_keys]\nimpact = true\nversion_from_tag = \"^v(\\\\d+)\"\n",
    );
    let mut cmd = github_four_keys(&server, &[]);
    cmd.arg("--config").arg(&config);
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let d104 = deployment(&doc, "104");
    // 12,000 bad of 60,000 in the hour after 104: burn 20.
    assert!(close(&d104["impact"][0]["burn_rate_after"], 20.0), "{d104}");
    assert_eq!(d104["suspect"], true);
    assert_eq!(
        d104["crash_free"],
        json!([{"platform": "IOS", "version": "4", "users_7d": 2, "crash_free_rate_7d": 0.5}])
    );
    let d102 = deployment(&doc, "102");
    assert!(close(&d102["impact"][0]["burn_rate_after"], 0.0));
    assert_eq!(d102["suspect"], false);
    assert_eq!(
        d102["crash_free"][0],
        json!({"platform": "IOS", "version": "2", "users_7d": 0, "crash_free_rate_7d": null})
    );
}

#[test]
fn a_release_below_its_crash_free_slo_makes_its_deploy_suspect() {
    // deploy/v1.1 on 11-14: its 7 days are 11-14..11-20. iOS: a, b, c, d used 1.1 then, d
    // crashed (75 % < 99.95 %); e crashed on 11-21, after them, and f under 1.0. Android: two
    // users, no crash. deploy/other names no version.
    let scratch = Scratch::new();
    let repo = repository(
        &scratch,
        &[
            ("deploy/v1.1", "2026-11-14T00:00:00Z"),
            ("deploy/other", "2026-11-15T00:00:00Z"),
        ],
    );
    let mut rows = vec![
        row("20261114", "IOS", Some("a"), "1.1", "screen_view", None),
        row("20261116", "IOS", Some("b"), "1.1", "screen_view", None),
        row("20261118", "IOS", Some("c"), "1.1", "screen_view", None),
        row(
            "20261120",
            "IOS",
            Some("d"),
            "1.1",
            "app_exception",
            Some(1),
        ),
        row(
            "20261121",
            "IOS",
            Some("e"),
            "1.1",
            "app_exception",
            Some(1),
        ),
        row(
            "20261115",
            "IOS",
            Some("f"),
            "1.0",
            "app_exception",
            Some(1),
        ),
    ];
    for user in ["g", "h"] {
        rows.push(row(
            "20261117",
            "ANDROID",
            Some(user),
            "1.1",
            "screen_view",
            None,
        ));
    }
    scratch.write("events.ndjson", ndjson(&rows));
    scratch.write(
        "data.csv",
        minutes_csv("2026-11-13T00:00:00Z", 9 * 1_440, |_, _| 0),
    );
    scratch.write("api.yaml", SPEC);
    let config = scratch.write(
        "vitals.toml",
        "timezone = \"UTC\"\n[slo]\nspecs = [\"api.yaml\"]\n[crash_free]\nevents = [\"events.ndjson\"]\n[four_keys]\nversion_from_tag = \"^deploy/v(.+)$\"\n",
    );
    let (code, doc, stderr) = run_json(
        four_keys_since("28d")
            .args(["--format", "json", "--impact"])
            .arg("--git")
            .arg(&repo)
            .arg("--config")
            .arg(&config),
    );
    assert_eq!(code, 0, "{stderr}");
    let release = deployment(&doc, "deploy/v1.1");
    assert_eq!(
        release["crash_free"],
        json!([
            {"platform": "ANDROID", "version": "1.1", "users_7d": 2, "crash_free_rate_7d": 1.0},
            {"platform": "IOS", "version": "1.1", "users_7d": 4, "crash_free_rate_7d": 0.75}
        ])
    );
    assert_eq!(
        release["suspect"], true,
        "the SLO is clean: the release decides"
    );
    let other = deployment(&doc, "deploy/other");
    assert!(other.get("crash_free").is_none());
    assert_eq!(other["suspect"], false);
    // The table says why.
    let out = four_keys_since("28d")
        .args(["--impact", "--git"])
        .arg(&repo)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("1 of 2 deployments burned budget: deploy/v1.1 (IOS 1.1 75.00 % crash-free)"),
        "{text}"
    );
}

#[test]
fn the_deployments_list_comes_with_json_and_impact_only_with_impact() {
    let scratch = Scratch::new();
    let repo = repository(&scratch, &DEPLOYS);
    let (code, doc, stderr) = run_json(
        four_keys_since("7d")
            .args(["--format", "json", "--git"])
            .arg(&repo),
    );
    assert_eq!(code, 0, "{stderr}");
    let list = doc["deployments"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[0]["name"], "deploy/dark");
    for d in list {
        let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "time", "commit", "changes", "failed"]);
    }
    assert!(doc["change_failure_rate"].get("failures_from").is_none());
}

#[test]
fn the_table_has_a_row_per_deployment_and_the_digest_line() {
    let scratch = Scratch::new();
    let repo = repository(&scratch, &DEPLOYS);
    let (spec, incidents) = inputs(&scratch);
    let out = four_keys_since("7d")
        .args(["--impact", "--git"])
        .arg(&repo)
        .arg("--incidents")
        .arg(&incidents)
        .arg("--spec")
        .arg(&spec)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut table = text.lines().filter(|l| l.starts_with(['╭', '│', '╞', '╰']));
    assert!(table.all(|l| l.chars().count() <= 80), "{text}");
    assert!(
        text.contains(
            "2 of 5 deployments burned budget: deploy/burst (api 6.7×), deploy/late (api 8.0×)"
        ),
        "{text}"
    );
    let row = text.lines().find(|l| l.contains(" late ")).unwrap();
    assert!(
        row.contains("8.0× (0.3×)") && row.contains("suspect"),
        "{row}"
    );
    let dark = text.lines().find(|l| l.contains(" dark ")).unwrap();
    assert!(dark.contains('—') && !dark.contains("suspect"), "{dark}");
}

#[test]
fn impact_flags_and_keys_are_checked_before_anything_runs() {
    let scratch = Scratch::new();
    let repo = repository(&scratch, &DEPLOYS[..1]);
    let (spec, _) = inputs(&scratch);
    let spec = spec.to_str().unwrap();
    let no_crash = scratch.write("plain.toml", "[slo]\nspecs = [\"api.yaml\"]\n");
    let bad_regex = scratch.write(
        "regex.toml",
        "[slo]\nspecs = [\"api.yaml\"]\n[crash_free]\nevents = [\"x\"]\n[four_keys]\nversion_from_tag = \"v(\"\n",
    );
    let cases: Vec<(Vec<&str>, Option<&Path>, &str)> = vec![
        (
            vec!["--failures-from", "slo"],
            None,
            "--failures-from: needs --impact",
        ),
        (vec!["--spec", spec], None, "--spec: needs --impact"),
        (vec!["--impact"], None, "--impact needs SLOs"),
        (
            vec!["--impact", "--spec", spec, "--impact-window", "0m"],
            None,
            "--impact-window",
        ),
        (
            vec!["--impact", "--spec", spec, "--impact-threshold", "-1"],
            None,
            "--impact-threshold -1: must be a burn rate above 0",
        ),
        (
            vec!["--impact", "--version-from-tag", "v(.*)-(.*)"],
            Some(&no_crash),
            "has 2 capture groups",
        ),
        (
            vec!["--impact", "--version-from-tag", "v(.*)"],
            Some(&no_crash),
            "--version-from-tag: needs a [crash_free] section",
        ),
        (
            vec!["--impact"],
            Some(&bad_regex),
            "regex.toml:6:20: four_keys.version_from_tag: \"v(\" is not a regex",
        ),
    ];
    for (args, config, want) in cases {
        let mut cmd = vitals();
        cmd.args(["four-keys", "--now", NOW, "--git"])
            .arg(&repo)
            .args(&args);
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{want}: {stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_example_names_the_saturday_night_deploy() {
    let (code, doc, stderr) = run_json(vitals().args([
        "four-keys",
        "--config",
        "examples/vitals.toml",
        "--impact",
        "--failures-from",
        "both",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let suspects: Vec<&str> = doc["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["suspect"] == true)
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(suspects, ["deploy/2026-11-21"]);
    let saturday = deployment(&doc, "deploy/2026-11-21");
    let api = saturday["impact"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["slo"] == "api-availability")
        .unwrap();
    // 50 minutes to now, the last 45 of them at 6 % errors against a 0.1 % allowance.
    assert!(api["burn_rate_after"].as_f64().unwrap() > 50.0, "{api}");
    // Three incidents, plus the deploy no incident names yet: 4 of 14.
    assert_eq!(doc["change_failure_rate"]["failed_deployments"], 4);
    assert_eq!(doc["deployment_frequency"]["deployments"], 14);
}

#[tokio::test(flavor = "multi_thread")]
async fn crash_free_by_release_from_bigquery_matches_the_files() {
    let Some(python) = bigquery_emulator::python() else {
        assert!(
            std::env::var("VITALS_REQUIRE_EMULATORS").is_err(),
            "bqemulator is required but not installed: run scripts/install-test-deps"
        );
        eprintln!("skipped: bqemulator not installed (scripts/install-test-deps installs it)");
        return;
    };
    let emulator = start(python).await;
    let rows = test_rows();
    seed(&emulator, &rows).await;
    // The test rows move users from 3.0 to 3.1 from 11-11 on.
    let scratch = Scratch::new();
    let repo = repository(
        &scratch,
        &[
            ("deploy/v3.0", "2026-11-01T00:00:00Z"),
            ("deploy/v3.1", "2026-11-12T00:00:00Z"),
        ],
    );
    scratch.write("events.ndjson", ndjson(&rows));
    scratch.write(
        "data.csv",
        minutes_csv("2026-11-21T00:00:00Z", 60, |_, _| 0),
    );
    scratch.write("api.yaml", SPEC);
    let common = "timezone = \"UTC\"\n[slo]\nspecs = [\"api.yaml\"]\n[four_keys]\nimpact = true\nversion_from_tag = \"^deploy/v(.+)$\"\n";
    let files = scratch.write(
        "files.toml",
        format!("{common}[crash_free]\nevents = [\"events.ndjson\"]\n"),
    );
    let bigquery = scratch.write(
        "bigquery.toml",
        format!("{common}[crash_free]\nbigquery = \"{PROJECT}.{DATASET}\"\n"),
    );
    let base = emulator.base.clone();
    let (local, remote) = tokio::task::spawn_blocking(move || {
        let run = |config: &Path| {
            let mut cmd = four_keys_since("28d");
            with_bigquery(&mut cmd, &base);
            let (code, doc, stderr) = run_json(
                cmd.args(["--format", "json"])
                    .arg("--git")
                    .arg(&repo)
                    .arg("--config")
                    .arg(config),
            );
            assert_eq!(code, 0, "{stderr}");
            doc
        };
        (run(&files), run(&bigquery))
    })
    .await
    .unwrap();
    let releases = |doc: &Value| {
        doc["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["crash_free"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(releases(&remote), releases(&local));
    let v31 = &releases(&local)[1];
    assert_eq!(v31[0]["version"], "3.1");
    assert!(v31[0]["users_7d"].as_u64().unwrap() > 5, "{v31}");
}
