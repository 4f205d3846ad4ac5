//! The BigQuery path against a local server speaking BigQuery's REST API, for what the
//! emulator cannot reproduce: dry-run byte counts, jobs that are not complete yet, paging
//! across getQueryResults, and API errors.

use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const TOKEN: &str = "ya29.test-access-token-SECRET";
const QUERIES: &str = "/bigquery/v2/projects/test-project/queries";

fn command(server: &MockServer, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.env(
        "VITALS_BIGQUERY_API_URL",
        format!("{}/bigquery/v2", server.uri()),
    )
    .env("GOOGLE_OAUTH_ACCESS_TOKEN", TOKEN)
    .args(["crash-free", "--bigquery", "test-project.analytics_1"])
    .args(HAND_CHECKED_ARGS)
    .args(extra);
    cmd
}

fn schema() -> Value {
    let field = |name: &str, kind: &str| json!({"name": name, "type": kind, "mode": "NULLABLE"});
    json!({"fields": [field("scope", "STRING"), field("platform", "STRING"), field("version", "STRING"), field("day", "STRING"), field("users", "INTEGER"), field("crashed_users", "INTEGER")]})
}

/// The query's result for [`hand_checked_rows`], counted by hand from the table there.
fn hand_counted_result() -> Vec<Value> {
    let r = |scope: &str,
             platform: &str,
             version: Option<&str>,
             day: Option<&str>,
             users: u64,
             crashed: u64| {
        json!({"f": [{"v": scope}, {"v": platform}, {"v": version}, {"v": day}, {"v": users.to_string()}, {"v": crashed.to_string()}]})
    };
    vec![
        r("day", "IOS", None, Some("20261110"), 1, 1),
        r("day", "IOS", None, Some("20261114"), 1, 0),
        r("day", "IOS", None, Some("20261120"), 1, 0),
        r("day", "IOS", None, Some("20261121"), 2, 1),
        r("day", "ANDROID", None, Some("20261121"), 2, 1),
        r("7d", "IOS", None, None, 2, 1),
        r("7d", "ANDROID", None, None, 2, 1),
        r("30d", "IOS", None, None, 3, 2),
        r("30d", "ANDROID", None, None, 2, 1),
        r("7d", "IOS", Some("1.0"), None, 1, 0),
        r("7d", "IOS", Some("1.1"), None, 2, 1),
        r("7d", "ANDROID", Some("2.0"), None, 2, 1),
        r("30d", "IOS", Some("1.0"), None, 3, 1),
        r("30d", "IOS", Some("1.1"), None, 2, 1),
        r("30d", "ANDROID", Some("2.0"), None, 2, 1),
    ]
}

fn local_report() -> Value {
    let scratch = Scratch::new();
    let file = scratch.write("events.ndjson", ndjson(&hand_checked_rows()));
    let (_, doc, _) = run_json(
        vitals()
            .args(["crash-free", "--events"])
            .arg(&file)
            .args(HAND_CHECKED_ARGS)
            .args(["--format", "json"]),
    );
    doc
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_the_bytes_the_query_would_scan() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(QUERIES))
        .and(body_partial_json(json!({"dryRun": true, "useLegacySql": false, "parameterMode": "NAMED"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "bigquery#queryResponse", "jobComplete": true, "totalBytesProcessed": "123456789",
            "jobReference": {"projectId": "test-project"}, "schema": schema()})))
        .mount(&server)
        .await;
    let (code, stdout, stderr) = run_async(command(&server, &["--dry-run"])).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "The query over test-project.analytics_1.events_* from 2026-10-23 to 2026-11-21 would process 117.74 MiB (123456789 bytes).\n");
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert!(body["query"]
        .as_str()
        .unwrap()
        .contains("`test-project.analytics_1.events_*`"));
    let params: Vec<(String, String)> = body["queryParameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["parameterValue"]["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        params.contains(&("first_day".into(), "20261023".into()))
            && params.contains(&("last_day".into(), "20261121".into()))
    );
    assert_eq!(
        requests[0].headers.get("authorization").unwrap(),
        &format!("Bearer {TOKEN}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unfinished_job_is_polled_and_every_page_read_giving_the_local_report() {
    let server = MockServer::start().await;
    let rows = hand_counted_result();
    Mock::given(method("POST"))
        .and(path(QUERIES))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "bigquery#queryResponse", "jobComplete": false,
            "jobReference": {"projectId": "test-project", "jobId": "job_1", "location": "asia-northeast1"}})))
        .mount(&server)
        .await;
    let results = format!("{QUERIES}/job_1");
    Mock::given(method("GET"))
        .and(path(results.as_str()))
        .and(query_param("pageToken", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "bigquery#getQueryResultsResponse", "jobComplete": true, "schema": schema(), "rows": rows[8..], "totalRows": "15"})))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(results.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"kind": "bigquery#getQueryResultsResponse", "jobComplete": false}),
        ))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(results.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "bigquery#getQueryResultsResponse", "jobComplete": true, "schema": schema(),
            "rows": rows[..8], "totalRows": "15", "pageToken": "page-2"})))
        .with_priority(3)
        .mount(&server)
        .await;
    let (code, stdout, stderr) = run_async(command(&server, &["--format", "json"])).await;
    assert_eq!(code, 1, "{stderr}");
    let remote: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        remote,
        local_report(),
        "BigQuery and local engines give identical JSON"
    );
    let gets = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert_eq!(gets, 3, "one poll, then two pages");
    let first_get = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "GET")
        .unwrap();
    assert!(first_get
        .url
        .query()
        .unwrap_or_default()
        .contains("location=asia-northeast1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_exits_3_with_the_reason_and_no_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {
            "code": 403, "message": "Access Denied: Project test-project: User does not have bigquery.jobs.create permission",
            "errors": [{"message": "Access Denied", "domain": "global", "reason": "accessDenied"}], "status": "PERMISSION_DENIED"}})))
        .mount(&server)
        .await;
    let (code, stdout, stderr) = run_async(command(&server, &[])).await;
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with("error: BigQuery: HTTP 403 Access Denied"),
        "{stderr}"
    );
    assert!(stderr.contains("accessDenied"));
    assert!(
        stderr.contains("credentials used: GOOGLE_OAUTH_ACCESS_TOKEN"),
        "a refusal names the credentials, never their value: {stderr}"
    );
    assert!(!stderr.contains(TOKEN) && !stdout.contains(TOKEN));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a 403 is not retried"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_error_is_retried_with_the_same_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": {
            "code": 503, "message": "Backend error", "errors": [{"reason": "backendError"}], "status": "UNAVAILABLE"}})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "bigquery#queryResponse", "jobComplete": true, "schema": schema(), "rows": hand_counted_result(),
            "jobReference": {"projectId": "test-project", "jobId": "job_2"}})))
        .with_priority(2)
        .mount(&server)
        .await;
    let (code, stdout, stderr) = run_async(command(&server, &["--format", "json"])).await;
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        local_report()
    );
    let ids: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["requestId"].clone())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0].is_string() && ids[0] == ids[1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_result_is_bad_input() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "bigquery#queryResponse", "jobComplete": true, "schema": schema(), "totalRows": "0",
            "jobReference": {"projectId": "test-project", "jobId": "job_3"}})))
        .mount(&server)
        .await;
    let (code, _, stderr) = run_async(command(&server, &[])).await;
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "BigQuery test-project.analytics_1: no mobile rows between 2026-10-23 and 2026-11-21"
        ),
        "{stderr}"
    );
}
