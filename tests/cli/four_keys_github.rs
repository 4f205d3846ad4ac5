//! `vitals four-keys --github` against a local server serving GitHub-shaped JSON: paged
//! deployments and compares (`Link`), statuses, incident issues, a secondary limit, an
//! exhausted quota, ETag revalidation, squash-merge lead times, and auth failures.

use serde_json::{json, Value};
use wiremock::matchers::{header_exists, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::*;

const TOKEN: &str = "ghp_standInSECRETtoken0123456789";
const REPO: &str = "/repos/acme/shop";

fn sha(pair: &str) -> String {
    pair.repeat(20)
}

fn ok(body: Value) -> ResponseTemplate {
    let etag = format!("\"{:x}\"", body.to_string().len());
    ResponseTemplate::new(200)
        .insert_header("ETag", etag.as_str())
        .set_body_json(body)
}

fn paged(body: Value, next: &str) -> ResponseTemplate {
    ok(body).insert_header("Link", format!("<{next}>; rel=\"next\"").as_str())
}

fn commit(sha: &str, date: &str) -> Value {
    json!({"sha": sha, "commit": {"author": {"date": date}, "committer": {"date": date}, "message": "m"}})
}

fn deployment(id: u64, sha: &str, reference: &str, created: &str) -> Value {
    json!({"id": id, "sha": sha, "ref": reference, "environment": "production", "description": "", "created_at": created})
}

async fn get(server: &MockServer, route: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(format!("{REPO}{route}")))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Deployments 101 (09-01, before both windows: it only bounds), 102 `v2` (11-03, since made
/// inactive by 104), 103 (11-05, latest status failure: not a deployment), 104 `v4-hotfix`
/// (11-10), over two pages.
/// Changes: c2 (11-01), c3 = 102's commit (11-02), c5 (11-04), c4 = 104's commit (11-10, the
/// squash merge of PR 7 whose commits date from 11-08). Issues: #1 caused by the tag v2 (2 h),
/// #2 by c4's SHA prefix (1 h), #3 open with no cause, #4 a pull request.
pub(crate) async fn stand_in(server: &MockServer) {
    let uri = server.uri();
    // A secondary rate limit on the very first call.
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/deployments")))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/deployments")))
        .and(query_param("environment", "production"))
        .and(query_param_is_missing("page"))
        .respond_with(paged(
            json!([
                deployment(104, &sha("c4"), "v4-hotfix", "2026-11-10T00:00:00Z"),
                deployment(103, &sha("c5"), "v3", "2026-11-05T00:00:00Z"),
            ]),
            &format!("{uri}{REPO}/deployments?environment=production&per_page=100&page=2"),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/deployments")))
        .and(query_param("page", "2"))
        .respond_with(ok(json!([
            deployment(102, &sha("c3"), "v2", "2026-11-03T00:00:00Z"),
            deployment(101, &sha("a1"), "v1", "2026-09-01T00:00:00Z"),
        ])))
        .mount(server)
        .await;
    // Newest first. GitHub marks earlier deployments inactive once a newer one succeeds.
    for (id, statuses) in [
        (
            104,
            json!([{"state": "success", "created_at": "2026-11-10T00:00:00Z"}]),
        ),
        (
            103,
            json!([{"state": "failure", "created_at": "2026-11-05T00:10:00Z"}]),
        ),
        (
            102,
            json!([{"state": "inactive", "created_at": "2026-11-10T00:00:00Z"},
                   {"state": "success", "created_at": "2026-11-03T00:00:00Z"},
                   {"state": "in_progress", "created_at": "2026-11-02T23:50:00Z"}]),
        ),
        (
            101,
            json!([{"state": "inactive", "created_at": "2026-11-03T00:00:00Z"},
                     {"state": "success", "created_at": "2026-09-01T00:00:00Z"}]),
        ),
    ] {
        get(server, &format!("/deployments/{id}/statuses"), ok(statuses)).await;
    }
    let first = format!("/compare/{}...{}", sha("a1"), sha("c3"));
    Mock::given(method("GET"))
        .and(path(format!("{REPO}{first}")))
        .and(query_param_is_missing("page"))
        .respond_with(paged(
            json!({"status": "ahead", "commits": [commit(&sha("c2"), "2026-11-01T00:00:00Z")]}),
            &format!("{uri}{REPO}{first}?per_page=100&page=2"),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}{first}")))
        .and(query_param("page", "2"))
        .respond_with(ok(
            json!({"status": "ahead", "commits": [commit(&sha("c3"), "2026-11-02T00:00:00Z")]}),
        ))
        .mount(server)
        .await;
    get(
        server,
        &format!("/compare/{}...{}", sha("c3"), sha("c4")),
        ok(json!({"status": "ahead", "commits": [
            commit(&sha("c5"), "2026-11-04T00:00:00Z"),
            commit(&sha("c4"), "2026-11-10T00:00:00Z"),
        ]})),
    )
    .await;
    // The quota is spent on the first issues call; it resets a second later.
    let reset = (chrono::Utc::now().timestamp() + 1).to_string();
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/issues")))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Reset", reset.as_str())
                .set_body_json(json!({"message": "API rate limit exceeded"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/issues")))
        .and(query_param("labels", "incident"))
        .and(query_param("state", "all"))
        .respond_with(ok(json!([
            {"number": 1, "created_at": "2026-11-03T06:00:00Z", "closed_at": "2026-11-03T08:00:00Z", "body": "Checkout down.\r\nCaused by: v2"},
            {"number": 2, "created_at": "2026-11-10T01:00:00Z", "closed_at": "2026-11-10T02:00:00Z", "body": "caused BY: `c4c4c4c`"},
            {"number": 3, "created_at": "2026-11-11T00:00:00Z", "closed_at": null, "body": "slow search"},
            {"number": 4, "created_at": "2026-11-01T00:00:00Z", "closed_at": "2026-11-20T00:00:00Z", "body": "Caused by: v2", "pull_request": {"url": "x"}},
        ])))
        .mount(server)
        .await;
}

pub(crate) fn four_keys(server: &MockServer, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.env("GITHUB_TOKEN", TOKEN)
        .args([
            "four-keys",
            "--github",
            "acme/shop",
            "--github-api-url",
            &server.uri(),
            "--now",
            "2026-11-22T00:00:00Z",
            "--since",
            "28d",
            "--format",
            "json",
        ])
        .args(extra);
    cmd
}

fn figures(doc: &Value) -> Value {
    json!({
        "deployments": doc["deployment_frequency"]["deployments"],
        "per_week": doc["deployment_frequency"]["per_week"],
        "changes": doc["lead_time_for_changes"]["changes"],
        "lead_median": doc["lead_time_for_changes"]["median_seconds"],
        "lead_p90": doc["lead_time_for_changes"]["p90_seconds"],
        "failed": doc["change_failure_rate"]["failed_deployments"],
        "ratio": doc["change_failure_rate"]["ratio"],
        "restored": doc["time_to_restore"]["incidents"],
        "restore_median": doc["time_to_restore"]["median_seconds"],
        "hotfixes": doc["deployment_rework_rate"]["hotfixes"],
    })
}

fn assert_no_token(texts: &[&str]) {
    for text in texts {
        assert!(!text.contains(TOKEN), "the token leaked:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_waits_out_limits_and_revalidates_from_the_cache() {
    let server = MockServer::start().await;
    stand_in(&server).await;
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap().to_string();
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = run_async(four_keys(&server, &["--cache-dir", &cache_dir])).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "waited for Retry-After and the reset"
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    // Lead times: c2 2 d, c3 1 d, c5 6 d, c4 0 → median 1.5 d, p90 (4th of 4) 6 d.
    // Failed: 102 (#1 via its tag) and 104 (#2 via SHA, #3 the last before it opened).
    assert_eq!(
        figures(&doc),
        json!({"deployments": 2, "per_week": 0.5, "changes": 4, "lead_median": 129600.0,
               "lead_p90": 518400.0, "failed": 2, "ratio": 1.0, "restored": 2,
               "restore_median": 5400.0, "hotfixes": 1})
    );
    let first_run = server.received_requests().await.unwrap();
    // 10 URLs, two of them retried once (the secondary limit, the spent quota).
    assert_eq!(first_run.len(), 12);
    assert!(first_run.iter().all(
        |r| r.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}"))
    ));
    assert!(first_run
        .iter()
        .all(|r| !r.headers.contains_key("if-none-match")));
    assert_no_token(&[&stdout, &stderr]);
    assert!(
        std::fs::read_dir(cache.path())
            .unwrap()
            .flatten()
            .all(|f| !std::fs::read_to_string(f.path()).unwrap().contains(TOKEN)),
        "the cache holds no token"
    );

    // The next run revalidates every URL; GitHub answers 304 (free of rate limit).
    server.reset().await;
    Mock::given(method("GET"))
        .and(header_exists("if-none-match"))
        .respond_with(ResponseTemplate::new(304))
        .expect(10)
        .mount(&server)
        .await;
    let (code, stdout, stderr) = run_async(four_keys(&server, &["--cache-dir", &cache_dir])).await;
    assert_eq!(code, 0, "{stderr}");
    let again: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(figures(&again), figures(&doc));
    let second_run: Vec<Request> = server.received_requests().await.unwrap();
    assert_eq!(second_run.len(), 10);
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_squash_merge_lead_time_starts_at_its_first_commit() {
    let server = MockServer::start().await;
    stand_in(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/commits/{}/pulls", sha("c4"))))
        .respond_with(ok(json!([{"number": 7, "created_at": "2026-11-07T00:00:00Z", "merge_commit_sha": sha("c4")}])))
        .with_priority(1)
        .expect(2) // once per run
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/repos/acme/shop/commits/[0-9a-f]+/pulls$",
        ))
        .respond_with(ok(json!([])))
        .mount(&server)
        .await;
    get(
        &server,
        "/pulls/7/commits",
        ok(json!([
            commit(&sha("e1"), "2026-11-09T00:00:00Z"),
            commit(&sha("e2"), "2026-11-08T00:00:00Z"),
        ])),
    )
    .await;
    let (code, stdout, stderr) =
        run_async(four_keys(&server, &["--lead-time-start", "first-commit"])).await;
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    // c4 now starts 11-08: 1 d, 2 d, 2 d, 6 d → median 2 d.
    assert_eq!(doc["lead_time_for_changes"]["median_seconds"], 172800.0);
    let (code, stdout, stderr) =
        run_async(four_keys(&server, &["--lead-time-start", "pr-opened"])).await;
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    // c4 from the PR's opening (11-07): 1 d, 2 d, 3 d, 6 d → median 2.5 d.
    assert_eq!(doc["lead_time_for_changes"]["median_seconds"], 216000.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_or_unseen_repository_is_an_upstream_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"message": format!("Bad credentials {TOKEN}")})),
        )
        .mount(&server)
        .await;
    let (code, stdout, stderr) = run_async(four_keys(&server, &[])).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("GitHub rejected the token (GITHUB_TOKEN)"),
        "{stderr}"
    );
    assert_no_token(&[&stdout, &stderr]);

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let (code, stdout, stderr) = run_async(four_keys(&server, &[])).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("acme/shop not found or the token cannot see it"),
        "{stderr}"
    );
    assert_no_token(&[&stdout, &stderr]);
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_runs_from_the_config_with_a_path_filter() {
    let server = MockServer::start().await;
    stand_in(&server).await;
    get(
        &server,
        "/actions/workflows/deploy.yml/runs",
        ok(json!({"total_count": 3, "workflow_runs": [
            {"run_number": 12, "head_sha": sha("c4"), "updated_at": "2026-11-10T00:00:00Z", "display_title": "hotfix: login", "head_branch": "main"},
            {"run_number": 11, "head_sha": sha("c3"), "updated_at": "2026-11-03T00:00:00Z", "display_title": "release", "head_branch": "main"},
            {"run_number": 10, "head_sha": sha("a1"), "updated_at": "2026-09-01T00:00:00Z", "display_title": "release", "head_branch": "main"},
        ]})),
    )
    .await;
    for (pair, file) in [
        ("c2", "services/api/a.rs"),
        ("c3", "web/b.ts"),
        ("c5", "services/api/c.rs"),
        ("c4", "docs/README.md"),
    ] {
        get(
            &server,
            &format!("/commits/{}", sha(pair)),
            ok(json!({"sha": sha(pair), "files": [{"filename": file}]})),
        )
        .await;
    }
    let scratch = Scratch::new();
    let config = scratch.write(
        "vitals.toml",
        format!(
            "[four_keys]\ngithub = \"acme/shop\"\ngithub_api_url = \"{}\"\ndeploy_workflow = \"deploy.yml\"\n",
            server.uri()
        ),
    );
    let mut cmd = vitals();
    cmd.env("GITHUB_TOKEN", TOKEN)
        .args(["four-keys", "--config"])
        .arg(&config)
        .args([
            "--now",
            "2026-11-22T00:00:00Z",
            "--since",
            "28d",
            "--format",
            "json",
            "--path",
            "services/api",
        ]);
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    // Runs 11 and 12; only c2 (2 d) and c5 (6 d) touch services/api.
    assert_eq!(doc["deployment_frequency"]["deployments"], 2);
    assert_eq!(doc["lead_time_for_changes"]["changes"], 2);
    assert_eq!(doc["lead_time_for_changes"]["median_seconds"], 345600.0);
    assert_eq!(doc["deployment_rework_rate"]["hotfixes"], 1);
    let deployments_api = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/deployments"))
        .count();
    assert_eq!(
        deployments_api, 0,
        "workflow runs replace the Deployments API"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quota_resetting_later_than_vitals_waits_fails_saying_when() {
    let server = MockServer::start().await;
    let reset = chrono::Utc::now().timestamp() + 3600;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Reset", reset.to_string().as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (code, _, stderr) = run_async(four_keys(&server, &[])).await;
    assert_eq!(code, 3, "{stderr}");
    let when = chrono::DateTime::from_timestamp(reset, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(
        stderr.contains(&format!("rate limit exhausted; it resets at {when}")),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
