//! `vitals four-keys` on a real git repository built with controlled dates.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::*;

pub(crate) fn git(dir: &Path, args: &[&str], date: &str) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.test")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.test")
        .env("HOME", dir)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

pub(crate) fn commit(dir: &Path, file: &str, message: &str, date: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, message).unwrap();
    git(dir, &["add", file], date);
    git(dir, &["commit", "-q", "-m", message], date);
}

/// deploy/1 (lightweight, 10-01) · c2 11-01, c3 11-02 → deploy/2 (annotated, tagged 11-03)
/// · c4 11-10 → deploy/3-hotfix (lightweight) · incidents: one caused by deploy/2 (2 h), one
/// unresolved with no cause (falls back to deploy/3-hotfix).
fn repository(scratch: &Scratch) -> std::path::PathBuf {
    let dir = scratch.path("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"], "2026-10-01T00:00:00Z");
    commit(&dir, "a.txt", "c1", "2026-10-01T00:00:00Z");
    git(&dir, &["tag", "deploy/1"], "2026-10-01T00:00:00Z");
    commit(&dir, "services/api/b.txt", "c2", "2026-11-01T00:00:00Z");
    commit(&dir, "web/c.txt", "c3", "2026-11-02T00:00:00Z");
    git(
        &dir,
        &["tag", "-a", "deploy/2", "-m", "release 2"],
        "2026-11-03T00:00:00Z",
    );
    commit(
        &dir,
        "services/api/d.txt",
        "fix: login",
        "2026-11-10T00:00:00Z",
    );
    git(&dir, &["tag", "deploy/3-hotfix"], "2026-11-10T00:00:00Z");
    dir
}

fn run(dir: &Path, incidents: &Path, extra: &[&str]) -> Value {
    let (code, doc, stderr) = run_json(
        vitals()
            .args([
                "four-keys",
                "--now",
                "2026-11-22T00:00:00Z",
                "--since",
                "28d",
                "--format",
                "json",
                "--git",
            ])
            .arg(dir)
            .arg("--incidents")
            .arg(incidents)
            .args(extra),
    );
    assert_eq!(code, 0, "{stderr}");
    doc
}

#[test]
fn hand_checked_figures_on_a_built_repository() {
    let scratch = Scratch::new();
    let dir = repository(&scratch);
    let incidents = scratch.write("incidents.csv", "id,opened_at,resolved_at,caused_by\ni1,2026-11-03T06:00:00Z,2026-11-03T08:00:00Z,deploy/2\ni2,2026-11-11T00:00:00Z,,\n");
    let doc = run(&dir, &incidents, &[]);
    assert_eq!(doc["kind"], "four_keys");
    let df = &doc["deployment_frequency"];
    assert_eq!(
        (
            df["deployments"].as_u64(),
            df["per_week"].as_f64(),
            df["level"].as_str()
        ),
        (Some(2), Some(0.5), Some("medium"))
    );
    let lt = &doc["lead_time_for_changes"];
    // c2: 2 days, c3: 1 day, c4: 0 → median 1 day (exactly a day is "high"), p90 the 3rd: 2 days.
    assert_eq!(
        (
            lt["changes"].as_u64(),
            lt["median_seconds"].as_f64(),
            lt["p90_seconds"].as_f64(),
            lt["level"].as_str()
        ),
        (Some(3), Some(86_400.0), Some(172_800.0), Some("high"))
    );
    let cfr = &doc["change_failure_rate"];
    assert_eq!(
        (
            cfr["failed_deployments"].as_u64(),
            cfr["ratio"].as_f64(),
            cfr["level"].as_str()
        ),
        (Some(2), Some(1.0), Some("low"))
    );
    let ttr = &doc["time_to_restore"];
    assert_eq!(
        (
            ttr["incidents"].as_u64(),
            ttr["median_seconds"].as_f64(),
            ttr["level"].as_str()
        ),
        (Some(1), Some(7200.0), Some("high"))
    );
    assert_eq!(doc["deployment_rework_rate"]["hotfixes"], 1);
}

#[test]
fn a_path_filter_keeps_only_changes_under_it() {
    let scratch = Scratch::new();
    let dir = repository(&scratch);
    let incidents = scratch.write("incidents.csv", "id,opened_at,resolved_at,caused_by\n");
    let doc = run(&dir, &incidents, &["--path", "services/api"]);
    assert_eq!(
        doc["lead_time_for_changes"]["changes"], 2,
        "c2 and c4 touch services/api"
    );
    assert_eq!(doc["deployment_frequency"]["deployments"], 2);
}

#[test]
fn no_matching_tags_is_empty_metrics_and_bad_paths_are_bad_input() {
    let scratch = Scratch::new();
    let dir = repository(&scratch);
    let incidents = scratch.write("incidents.csv", "id,opened_at,resolved_at,caused_by\n");
    let doc = run(&dir, &incidents, &["--deploy-tag", "release/*"]);
    assert!(doc["deployment_frequency"]["level"].is_null());
    let out = vitals()
        .args(["four-keys", "--git"])
        .arg(scratch.path("nowhere"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git repository"));
    let bad = scratch.write(
        "bad.csv",
        "id,opened_at,resolved_at,caused_by\ni1,yesterday,,\n",
    );
    let out = vitals()
        .args(["four-keys", "--git"])
        .arg(&dir)
        .arg("--incidents")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad.csv:2: column `opened_at`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn head_sha(dir: &Path) -> String {
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn deployments_from_a_csv_take_change_sets_from_the_repository() {
    let scratch = Scratch::new();
    let dir = repository(&scratch);
    // The same deployments as the tags, recorded elsewhere: by tag name, by branch, by SHA.
    let deployments = scratch.write(
        "deployments.csv",
        format!(
            "id,deployed_at,commit\nr1,2026-10-01T00:00:00Z,deploy/1\nr2,2026-11-03T00:00:00Z,deploy/2\nr3-hotfix,2026-11-10T00:00:00Z,{}\n",
            head_sha(&dir)
        ),
    );
    let incidents = scratch.write(
        "incidents.csv",
        "id,opened_at,resolved_at,caused_by\ni1,2026-11-03T06:00:00Z,2026-11-03T08:00:00Z,r2\n",
    );
    let doc = run(
        &dir,
        &incidents,
        &["--deployments", deployments.to_str().unwrap()],
    );
    assert_eq!(doc["deployment_frequency"]["deployments"], 2);
    let lt = &doc["lead_time_for_changes"];
    assert_eq!(
        (lt["changes"].as_u64(), lt["median_seconds"].as_f64()),
        (Some(3), Some(86_400.0))
    );
    assert_eq!(doc["change_failure_rate"]["failed_deployments"], 1);
    assert_eq!(doc["time_to_restore"]["median_seconds"], 7200.0);
    assert_eq!(doc["deployment_rework_rate"]["hotfixes"], 1);
}

#[test]
fn a_bad_deployments_row_names_its_line_and_column() {
    let scratch = Scratch::new();
    let dir = repository(&scratch);
    for (content, want) in [
        (
            "id,deployed_at,commit\nr1,2026-10-01T00:00:00Z,deploy/1\nr2,soon,deploy/2\n",
            "deployments.csv:3: column `deployed_at`",
        ),
        (
            "id,deployed_at,commit\nr1,2026-10-01T00:00:00Z,deadbeefdeadbeef\n",
            "deployments.csv:2: column `commit`",
        ),
        ("id,when,commit\n", "no `deployed_at` column"),
    ] {
        let csv = scratch.write("deployments.csv", content);
        let out = vitals()
            .args(["four-keys", "--git"])
            .arg(&dir)
            .arg("--deployments")
            .arg(&csv)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn the_example_repository_is_reproducible_and_gives_the_readme_figures() {
    let scratch = Scratch::new();
    let dir = scratch.path("example-repo");
    let incidents = scratch.path("incidents.csv");
    let status = Command::new(generator())
        .arg("repo")
        .arg(&dir)
        .arg("--incidents")
        .arg(&incidents)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(&incidents).unwrap(),
        std::fs::read_to_string(repo().join("examples/four-keys/incidents.csv")).unwrap(),
        "the committed incidents CSV names the generated commits (same SHAs)"
    );
    let (code, doc, stderr) = run_json(
        vitals()
            .args([
                "four-keys",
                "--config",
                "examples/vitals.toml",
                "--since",
                "42d",
            ])
            .arg("--git")
            .arg(&dir)
            .args(["--incidents", "examples/four-keys/incidents.csv"])
            .args(["--format", "json"]),
    );
    assert_eq!(code, 0, "{stderr}");
    // Tuesdays and Thursdays 10-13 → 11-19 plus the 10-14 hotfix and the 11-21 Saturday
    // deploy; INC-1 (its tag), INC-3 (a SHA) and INC-4 (open, no cause) fail three; restores
    // 19.5 h and 1.5 h.
    assert_eq!(doc["deployment_frequency"]["deployments"], 14);
    assert_eq!(doc["previous"]["deployment_frequency"]["deployments"], 12);
    assert_eq!(doc["change_failure_rate"]["failed_deployments"], 3);
    assert_eq!(doc["time_to_restore"]["median_seconds"], 37800.0);
    assert_eq!(doc["deployment_rework_rate"]["hotfixes"], 1);
    assert_eq!(doc["lead_time_for_changes"]["changes"], 58);

    // The bare copy the example config reads (examples/four-keys/demo.git) is this repository.
    let (code, committed, stderr) = run_json(vitals().args([
        "four-keys",
        "--config",
        "examples/vitals.toml",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let strip = |mut d: Value| {
        d.as_object_mut().unwrap().remove("generated_at");
        d
    };
    assert_eq!(
        strip(committed),
        strip(doc),
        "examples/four-keys/demo.git is stale: regenerate it (README, four-keys demo)"
    );
}

fn four_keys(dir: &Path, since: &str, extra: &[&str]) -> (Value, String) {
    let (code, doc, stderr) = run_json(
        vitals()
            .args([
                "four-keys",
                "--now",
                "2026-11-22T00:00:00Z",
                "--format",
                "json",
            ])
            .args(["--since", since, "--git"])
            .arg(dir)
            .args(extra),
    );
    assert_eq!(code, 0, "{stderr}");
    (doc, stderr)
}

/// `(changes, median_seconds, p90_seconds)` of the lead time.
fn lead_time(doc: &Value) -> (Option<u64>, Option<f64>, Option<f64>) {
    let lt = &doc["lead_time_for_changes"];
    (
        lt["changes"].as_u64(),
        lt["median_seconds"].as_f64(),
        lt["p90_seconds"].as_f64(),
    )
}

const DAY: f64 = 86_400.0;

/// An empty repository `repo` in `scratch`, initialised at `date`.
fn new_repository(scratch: &Scratch, date: &str) -> std::path::PathBuf {
    let dir = scratch.path("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"], date);
    dir
}

/// An annotated tag on HEAD (or `target`), tagged at `date`: the deployment's time.
fn tag(dir: &Path, name: &str, date: &str, target: Option<&str>) {
    let mut args = vec!["tag", "-a", name, "-m", name];
    args.extend(target);
    git(dir, &args, date);
}

/// v1.0 … v2.0 released in 2025; in November 2026 the maintainer re-creates v1.1 and then
/// v1.0 as annotated tags (newest version first), then releases v3.0 with two new commits.
#[test]
fn tags_recreated_late_ship_nothing_again_and_no_figure_depends_on_since() {
    let scratch = Scratch::new();
    let dir = new_repository(&scratch, "2025-01-01T00:00:00Z");
    commit(&dir, "a.txt", "c1", "2025-01-01T00:00:00Z");
    tag(&dir, "v1.0", "2025-01-02T00:00:00Z", None);
    commit(&dir, "b.txt", "c2", "2025-02-01T00:00:00Z");
    tag(&dir, "v1.1", "2025-02-02T00:00:00Z", None);
    for (n, month) in [(3, "03"), (4, "04"), (5, "05")] {
        let date = format!("2025-{month}-01T00:00:00Z");
        commit(&dir, &format!("c{n}.txt"), &format!("c{n}"), &date);
    }
    tag(&dir, "v2.0", "2025-06-02T00:00:00Z", None);
    for (name, target, date) in [
        ("v1.1", "HEAD~3", "2026-11-01T00:00:00Z"),
        ("v1.0", "HEAD~4", "2026-11-02T00:00:00Z"),
    ] {
        git(&dir, &["tag", "-d", name], date);
        tag(&dir, name, date, Some(target));
    }
    commit(&dir, "d.txt", "c6", "2026-11-10T00:00:00Z");
    commit(&dir, "e.txt", "c7", "2026-11-12T00:00:00Z");
    tag(&dir, "v3.0", "2026-11-15T00:00:00Z", None);

    for since in ["28d", "90d", "400d"] {
        let (doc, stderr) = four_keys(&dir, since, &["--deploy-tag", "v*"]);
        assert_eq!(
            doc["deployment_frequency"]["deployments"], 3,
            "{since}: v1.1, v1.0 (re-created) and v3.0: {stderr}"
        );
        assert_eq!(
            lead_time(&doc),
            (Some(2), Some(4.0 * DAY), Some(5.0 * DAY)),
            "{since}: only c6 (5 days) and c7 (3 days) are new"
        );
    }
}

/// deploy/2 ships c2; deploy/3 rolls back to c1; deploy/4 ships c3 on top of c2.
#[test]
fn a_rollback_ships_nothing_and_the_next_deployment_only_what_is_new() {
    let scratch = Scratch::new();
    let dir = new_repository(&scratch, "2026-09-01T00:00:00Z");
    commit(&dir, "a.txt", "c1", "2026-09-01T00:00:00Z");
    tag(&dir, "deploy/1", "2026-09-02T00:00:00Z", None);
    commit(&dir, "b.txt", "c2", "2026-10-01T00:00:00Z");
    tag(&dir, "deploy/2", "2026-10-02T00:00:00Z", None);
    tag(
        &dir,
        "deploy/3",
        "2026-11-10T00:00:00Z",
        Some("deploy/1^{}"),
    );
    commit(&dir, "c.txt", "c3", "2026-11-19T00:00:00Z");
    tag(&dir, "deploy/4", "2026-11-20T00:00:00Z", None);

    for since in ["7d", "14d", "60d"] {
        let (doc, _) = four_keys(&dir, since, &[]);
        let deployments = doc["deployment_frequency"]["deployments"].as_u64();
        let changes = doc["lead_time_for_changes"]["changes"].as_u64();
        match since {
            // deploy/4 only: c3, one day.
            "7d" => assert_eq!((deployments, changes), (Some(1), Some(1))),
            // the rollback too, which ships nothing.
            "14d" => assert_eq!((deployments, changes), (Some(2), Some(1))),
            // deploy/2 (c2) as well; c2 is not counted again at deploy/4.
            _ => assert_eq!((deployments, changes), (Some(3), Some(2))),
        }
        if since != "60d" {
            assert_eq!(lead_time(&doc), (Some(1), Some(DAY), Some(DAY)), "{since}");
        }
    }
}

#[test]
fn git_finds_the_repository_from_a_subdirectory_as_git_does() {
    let scratch = Scratch::new();
    let dir = repository(&scratch);
    let incidents = scratch.write("incidents.csv", "id,opened_at,resolved_at,caused_by\n");
    let from_root = run(&dir, &incidents, &[]);
    let from_subdirectory = run(&dir.join("services/api"), &incidents, &[]);
    let strip = |mut d: Value| {
        d.as_object_mut().unwrap().remove("generated_at");
        d
    };
    assert_eq!(strip(from_subdirectory), strip(from_root));
}

#[test]
fn a_path_in_no_deployments_tree_is_a_warning_naming_it() {
    let scratch = Scratch::new();
    let dir = repository(&scratch);
    let (doc, stderr) = four_keys(&dir, "28d", &["--path", "servces/api", "--path", "web"]);
    assert_eq!(doc["lead_time_for_changes"]["changes"], 1, "c3 under web/");
    assert!(
        stderr.contains("warning: --path \"servces/api\" matches no file in any deployment's tree"),
        "{stderr}"
    );
    assert!(!stderr.contains("\"web\""), "{stderr}");
    let (_, stderr) = four_keys(&dir, "28d", &["--path", "services/api/d.txt"]);
    assert!(
        !stderr.contains("warning"),
        "a file is a path too: {stderr}"
    );
}

/// Tag globs match as `git tag -l` does: `*` also matches `/`.
#[test]
fn a_tag_globs_star_crosses_slashes_as_in_git_tag_list() {
    let scratch = Scratch::new();
    let dir = repository(&scratch);
    tag(&dir, "deploy/eu/4", "2026-11-12T00:00:00Z", None);
    tag(&dir, "deploy/us/5", "2026-11-13T00:00:00Z", None);
    let listed = Command::new("git")
        .args(["tag", "-l", "deploy/*"])
        .current_dir(&dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    let git_count = String::from_utf8(listed.stdout).unwrap().lines().count();
    assert_eq!(git_count, 5, "git's own answer");
    let (doc, _) = four_keys(&dir, "3650d", &["--deploy-tag", "deploy/*"]);
    assert_eq!(
        doc["deployment_frequency"]["deployments"].as_u64(),
        Some(git_count as u64)
    );
}
