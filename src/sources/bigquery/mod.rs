//! BigQuery through gcp-bigquery-client: credentials, parameterised queries with polling and
//! paging, dry runs. Domain adapters (`crash_free`, …) build on [`BigQuery::query`].
//!
//! Credentials, first found wins:
//! 1. `GOOGLE_OAUTH_ACCESS_TOKEN`: a ready OAuth token (e.g. `gcloud auth print-access-token`);
//! 2. `GOOGLE_APPLICATION_CREDENTIALS`: a service-account key, an `authorized_user` file, or an
//!    `external_account` file (workload identity federation, as google-github-actions/auth
//!    writes for GitHub Actions OIDC);
//! 3. application default credentials: gcloud's user credentials, or the metadata server.
//!
//! `VITALS_BIGQUERY_API_URL` overrides the REST base URL (`…/bigquery/v2`), for proxies and
//! tests.

pub mod crash_free;
pub mod freshness;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use gcp_bigquery_client::auth::Authenticator;
use gcp_bigquery_client::client_builder::ClientBuilder;
use gcp_bigquery_client::error::BQError;
use gcp_bigquery_client::model::data_format_options::DataFormatOptions;
use gcp_bigquery_client::model::get_query_results_parameters::GetQueryResultsParameters;
use gcp_bigquery_client::model::query_parameter::QueryParameter;
use gcp_bigquery_client::model::query_parameter_type::QueryParameterType;
use gcp_bigquery_client::model::query_parameter_value::QueryParameterValue;
use gcp_bigquery_client::model::query_request::QueryRequest;
use gcp_bigquery_client::model::table_row::TableRow;
use gcp_bigquery_client::model::table_schema::TableSchema;
use gcp_bigquery_client::yup_oauth2;

use super::SourceError;
use crate::redact;
use crate::retry::{self, Attempt, RetryPolicy};

const SCOPE: &str = "https://www.googleapis.com/auth/bigquery";
/// Rows asked for per page: what a result streams through memory at a time.
pub const PAGE_ROWS: i32 = 10_000;
const MAX_ATTEMPTS: u32 = 4;

/// `project.dataset`, validated: identifiers are spliced into SQL, so only BigQuery's own
/// identifier characters are accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetId {
    pub project: String,
    pub dataset: String,
}

impl DatasetId {
    pub fn parse(text: &str) -> Result<DatasetId, String> {
        let (project, dataset) = text
            .rsplit_once('.')
            .ok_or_else(|| format!("{text:?} is not PROJECT.DATASET"))?;
        // Project ids: letters, digits, hyphens; legacy domain-scoped ids add `example.com:`.
        let project_ok = !project.is_empty()
            && project
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
        let dataset_ok = !dataset.is_empty()
            && dataset.len() <= 1024
            && dataset
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !project_ok || !dataset_ok {
            return Err(format!(
                "{text:?} is not PROJECT.DATASET (letters, digits, `-` and `_` only)"
            ));
        }
        Ok(DatasetId {
            project: project.to_string(),
            dataset: dataset.to_string(),
        })
    }

    /// The date-sharded export tables, as a wildcard.
    pub fn events_wildcard(&self) -> String {
        format!("{}.{}.events_*", self.project, self.dataset)
    }
}

impl std::fmt::Display for DatasetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.project, self.dataset)
    }
}

/// A ready OAuth token from the environment.
#[derive(Clone)]
struct StaticToken(String);

#[async_trait]
impl Authenticator for StaticToken {
    async fn access_token(&self) -> Result<String, BQError> {
        Ok(self.0.clone())
    }
}

/// Workload identity federation, which gcp-bigquery-client's own ADC path does not read.
#[derive(Clone)]
struct ExternalAccount(Arc<yup_oauth2::authenticator::DefaultAuthenticator>);

#[async_trait]
impl Authenticator for ExternalAccount {
    async fn access_token(&self) -> Result<String, BQError> {
        let token = self.0.token(&[SCOPE]).await?;
        token.token().map(str::to_string).ok_or(BQError::NoToken)
    }
}

/// One row of a small result, by column name (BigQuery returns every scalar as a string).
pub type Row = std::collections::HashMap<String, Option<String>>;

/// A named query parameter.
pub struct Param {
    pub name: &'static str,
    pub kind: &'static str,
    pub value: String,
}

impl Param {
    pub fn string(name: &'static str, value: impl Into<String>) -> Param {
        Param {
            name,
            kind: "STRING",
            value: value.into(),
        }
    }
}

pub struct BigQuery {
    client: gcp_bigquery_client::Client,
    /// API requests made, for `-v` and the benchmarks.
    calls: std::sync::atomic::AtomicU64,
}

/// Which credentials the client used, named (never their contents) for a failure that may
/// be theirs: an unreachable endpoint or a refused token.
fn credentials_hint() -> String {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let which = if set("GOOGLE_OAUTH_ACCESS_TOKEN") {
        "GOOGLE_OAUTH_ACCESS_TOKEN".to_string()
    } else if let Ok(path) = std::env::var("GOOGLE_APPLICATION_CREDENTIALS") {
        format!("GOOGLE_APPLICATION_CREDENTIALS ({path})")
    } else {
        "application default credentials (`gcloud auth application-default login`, or the \
         metadata server)"
            .to_string()
    };
    format!("; credentials used: {which} (`vitals config check` lists them per section)")
}

fn upstream(e: BQError) -> SourceError {
    let auth_or_network = match &e {
        BQError::ResponseError { error } => matches!(error.error.code, 401 | 403),
        BQError::RequestError(e) => e.is_connect() || e.is_timeout(),
        _ => false,
    };
    let hint = if auth_or_network {
        credentials_hint()
    } else {
        String::new()
    };
    let text = match e {
        BQError::ResponseError { error } => {
            let reason = error
                .error
                .errors
                .first()
                .and_then(|m| m.get("reason"))
                .cloned()
                .unwrap_or_default();
            format!(
                "BigQuery: HTTP {} {} ({reason})",
                error.error.code, error.error.message
            )
        }
        BQError::RequestError(e) => format!("BigQuery: {}", crate::http::describe(e)),
        other => format!("BigQuery: {other}"),
    };
    SourceError::Upstream(format!("{}{hint}", redact::excerpt(&text, ERROR_CHARS)))
}

/// Characters of a BigQuery error shown (its message may quote the query, or a server's page).
const ERROR_CHARS: usize = 400;

fn retriable(e: &BQError) -> bool {
    match e {
        BQError::ResponseError { error } => matches!(error.error.code, 429 | 500 | 502 | 503 | 504),
        // Every call here is idempotent: a reset, a stall or a reply cut off is tried again.
        BQError::RequestError(e) => crate::http::interrupted(e) || e.is_timeout() || e.is_body(),
        _ => false,
    }
}

impl BigQuery {
    /// Connects with the first credentials found (see the module docs).
    pub async fn connect() -> Result<BigQuery, SourceError> {
        let mut builder = ClientBuilder::new();
        if let Ok(url) = std::env::var("VITALS_BIGQUERY_API_URL") {
            builder.with_v2_base_url(url.trim_end_matches('/').to_string());
        }
        let auth_error = |e: BQError| {
            SourceError::Upstream(redact::clean(&format!("BigQuery credentials: {e}")))
        };
        let client = if let Some(token) = std::env::var("GOOGLE_OAUTH_ACCESS_TOKEN")
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
        {
            redact::register(&token);
            tracing::info!("BigQuery credentials: GOOGLE_OAUTH_ACCESS_TOKEN");
            builder
                .build_from_authenticator(Arc::new(StaticToken(token)))
                .await
                .map_err(auth_error)?
        } else if let Some(path) = std::env::var("GOOGLE_APPLICATION_CREDENTIALS")
            .ok()
            .filter(|p| !p.is_empty())
        {
            // A missing or unreadable key file is local configuration: bad input, not upstream.
            let text =
                crate::fs::read_input(std::path::Path::new(&path), crate::fs::MAX_SMALL_BYTES)
                    .map_err(|e| {
                        SourceError::Input(format!("GOOGLE_APPLICATION_CREDENTIALS {path}: {e}"))
                    })?;
            let kind = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_string))
                .unwrap_or_default();
            tracing::info!("BigQuery credentials: GOOGLE_APPLICATION_CREDENTIALS ({kind})");
            match kind.as_str() {
                "service_account" => builder
                    .build_from_service_account_key_file(&path)
                    .await
                    .map_err(auth_error)?,
                "authorized_user" => builder
                    .build_from_authorized_user_authenticator(&path)
                    .await
                    .map_err(auth_error)?,
                "external_account" => {
                    let secret = yup_oauth2::read_external_account_secret(&path)
                        .await
                        .map_err(|e| {
                            SourceError::Upstream(format!(
                                "GOOGLE_APPLICATION_CREDENTIALS {path}: {e}"
                            ))
                        })?;
                    let auth = yup_oauth2::ExternalAccountAuthenticator::builder(secret)
                        .build()
                        .await
                        .map_err(|e| {
                            SourceError::Upstream(format!(
                                "GOOGLE_APPLICATION_CREDENTIALS {path}: {e}"
                            ))
                        })?;
                    builder
                        .build_from_authenticator(Arc::new(ExternalAccount(Arc::new(auth))))
                        .await
                        .map_err(auth_error)?
                }
                other => {
                    return Err(SourceError::Input(format!(
                    "GOOGLE_APPLICATION_CREDENTIALS {path}: unsupported credentials type {other:?}"
                )))
                }
            }
        } else {
            tracing::info!("BigQuery credentials: application default credentials");
            builder
                .build_from_application_default_credentials()
                .await
                .map_err(auth_error)?
        };
        Ok(BigQuery {
            client,
            calls: Default::default(),
        })
    }

    fn request(sql: &str, params: &[Param]) -> QueryRequest {
        let mut request = QueryRequest::new(sql);
        request.use_legacy_sql = false;
        request.parameter_mode = Some("NAMED".into());
        request.query_parameters = Some(
            params
                .iter()
                .map(|p| QueryParameter {
                    name: Some(p.name.to_string()),
                    parameter_type: Some(QueryParameterType {
                        r#type: p.kind.to_string(),
                        array_type: None,
                        struct_types: None,
                    }),
                    parameter_value: Some(QueryParameterValue {
                        value: Some(p.value.clone()),
                        array_values: None,
                        struct_values: None,
                    }),
                })
                .collect(),
        );
        request.timeout_ms = Some(20_000);
        request.max_results = Some(PAGE_ROWS);
        // TIMESTAMPs as int64 microseconds, not float seconds: exact, and what emulators send.
        request.format_options = Some(DataFormatOptions {
            use_int64_timestamp: Some(true),
        });
        request
    }

    /// API requests made so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// `tables.get`: the table's metadata (no bytes scanned).
    pub async fn table(
        &self,
        project: &str,
        dataset: &str,
        table: &str,
    ) -> Result<gcp_bigquery_client::model::table::Table, SourceError> {
        self.retry("tables.get", || {
            self.client.table().get(project, dataset, table, None)
        })
        .await
    }

    /// One client call under the retry policy: 429, 5xx, refused connections and timeouts
    /// are tried again (every call here is idempotent: reads, dry runs, and queries with a
    /// request id).
    async fn retry<T, F, Fut>(&self, what: &str, call: F) -> Result<T, SourceError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, BQError>>,
    {
        let policy = RetryPolicy {
            max_attempts: MAX_ATTEMPTS,
            base_delay: Duration::from_millis(500),
            ..RetryPolicy::default()
        };
        let call = &call;
        retry::run(
            &policy,
            &format!("BigQuery {what}"),
            |attempt| async move {
                self.calls
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let started = std::time::Instant::now();
                let result = call().await;
                // The client makes the HTTP call itself: this is where -v sees it.
                let outcome = match &result {
                    Ok(_) => "ok".to_string(),
                    Err(BQError::ResponseError { error }) => format!("HTTP {}", error.error.code),
                    Err(_) => "failed".to_string(),
                };
                tracing::info!(
                    "BigQuery {what} -> {outcome} (attempt {attempt}, {} ms)",
                    started.elapsed().as_millis()
                );
                match result {
                    Ok(v) => Attempt::Done(v),
                    Err(e) if retriable(&e) => Attempt::Retry {
                        error: upstream(e),
                        after: None,
                    },
                    Err(e) => Attempt::Fail(upstream(e)),
                }
            },
            |why| Attempt::Retry {
                error: SourceError::Upstream(format!("BigQuery {what}: {why}")),
                after: None,
            },
        )
        .await
    }

    /// Bytes the query would process, from a dry run (nothing is billed or run).
    pub async fn dry_run(
        &self,
        project: &str,
        sql: &str,
        params: &[Param],
    ) -> Result<u64, SourceError> {
        let mut request = Self::request(sql, params);
        request.dry_run = Some(true);
        let response = self
            .retry("jobs.query (dry run)", || {
                self.client.job().query(project, request.clone())
            })
            .await?;
        check_errors(response.errors.as_deref())?;
        Ok(response
            .total_bytes_processed
            .and_then(|b| b.parse().ok())
            .unwrap_or(0))
    }

    /// Runs the query to completion (polling while BigQuery says the job is not complete) and
    /// hands each page of rows to `page` as it arrives, so memory holds one page (at most
    /// [`PAGE_ROWS`] rows), never the result. Polling ends with the run's network budget.
    pub async fn query_pages(
        &self,
        project: &str,
        sql: &str,
        params: &[Param],
        mut page: impl FnMut(&Columns, Vec<TableRow>) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        let mut request = Self::request(sql, params);
        // One request id for all attempts makes a retried jobs.query idempotent.
        request.request_id = Some(request_id());
        let response = self
            .retry("jobs.query", || {
                self.client.job().query(project, request.clone())
            })
            .await?;
        check_errors(response.errors.as_deref())?;
        let job = response.job_reference.unwrap_or_default();
        let mut complete = response.job_complete.unwrap_or(false);
        let mut columns = Columns::new(response.schema.as_ref());
        if complete {
            page(&columns, response.rows.unwrap_or_default())?;
        }
        let mut page_token = response.page_token;
        let deadline = retry::phase_deadline();
        while !complete || page_token.is_some() {
            if !complete && std::time::Instant::now() >= deadline {
                return Err(SourceError::Upstream(format!(
                    "BigQuery: the query did not finish within the run's network time \
                     (--timeout {} s)",
                    retry::deadlines().overall.as_secs()
                )));
            }
            let job_id = job.job_id.clone().ok_or_else(|| {
                SourceError::Upstream("BigQuery: the query returned no job id".into())
            })?;
            let params = GetQueryResultsParameters {
                page_token: if complete { page_token.clone() } else { None },
                max_results: Some(PAGE_ROWS),
                location: job.location.clone(),
                timeout_ms: Some(20_000),
                // No format_options here: the client sends these parameters as a flat query
                // string, which cannot carry the nested option; later pages may therefore
                // hold float-second TIMESTAMPs (the readers accept both).
                ..Default::default()
            };
            let reply = self
                .retry("jobs.getQueryResults", || {
                    self.client
                        .job()
                        .get_query_results(project, &job_id, params.clone())
                })
                .await?;
            check_errors(reply.errors.as_deref())?;
            if !reply.job_complete.unwrap_or(false) {
                let pause = Duration::from_millis(500).min(retry::remaining());
                tokio::time::sleep(pause).await;
                continue;
            }
            // The first complete answer starts the rows (an unfinished job sent none).
            complete = true;
            if let Some(schema) = reply.schema.as_ref() {
                columns = Columns::new(Some(schema));
            }
            page(&columns, reply.rows.unwrap_or_default())?;
            page_token = reply.page_token;
        }
        Ok(())
    }

    /// Every row of a small result (table metadata, one row per check), by column name.
    pub async fn query(
        &self,
        project: &str,
        sql: &str,
        params: &[Param],
    ) -> Result<Vec<Row>, SourceError> {
        let mut rows = Vec::new();
        self.query_pages(project, sql, params, |columns, page| {
            for row in page {
                rows.push(columns.cells(row)?.by_name(columns));
            }
            Ok(())
        })
        .await?;
        Ok(rows)
    }
}

/// A result's column names, found by name in each row: BigQuery does not promise column
/// order, and a row's cells are kept as they came (no map per row).
pub struct Columns {
    names: Vec<String>,
}

/// One result row's cells, in the order of [`Columns`].
pub struct Cells(Vec<Option<String>>);

impl Columns {
    fn new(schema: Option<&TableSchema>) -> Columns {
        Columns {
            names: schema
                .and_then(|s| s.fields.as_ref())
                .map(|f| f.iter().map(|f| f.name.clone()).collect())
                .unwrap_or_default(),
        }
    }

    /// The row's cells (every scalar as text, as BigQuery sends them), checked against the
    /// schema's width.
    pub fn cells(&self, row: TableRow) -> Result<Cells, SourceError> {
        let cells = row.columns.unwrap_or_default();
        if cells.len() != self.names.len() {
            return Err(SourceError::Upstream(format!(
                "BigQuery: a row has {} cells for {} columns",
                cells.len(),
                self.names.len()
            )));
        }
        Ok(Cells(
            cells
                .into_iter()
                .map(|c| match c.value {
                    Some(serde_json::Value::String(s)) => Some(s),
                    Some(serde_json::Value::Null) | None => None,
                    Some(other) => Some(other.to_string()),
                })
                .collect(),
        ))
    }

    /// Where column `name` is.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }
}

impl Cells {
    /// The cell of column `name` (`None` for NULL or a column the result does not have).
    pub fn get<'c>(&'c self, columns: &Columns, name: &str) -> Option<&'c str> {
        columns
            .index(name)
            .and_then(|i| self.0.get(i))
            .and_then(|c| c.as_deref())
    }

    /// The cells in column order.
    pub fn values(&self) -> &[Option<String>] {
        &self.0
    }

    fn by_name(self, columns: &Columns) -> Row {
        columns.names.iter().cloned().zip(self.0).collect()
    }
}

fn request_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("vitals-{}-{nanos}", std::process::id())
}

fn check_errors(
    errors: Option<&[gcp_bigquery_client::model::error_proto::ErrorProto]>,
) -> Result<(), SourceError> {
    match errors.and_then(|e| e.first()) {
        None => Ok(()),
        Some(e) => Err(SourceError::Upstream(redact::clean(&format!(
            "BigQuery: {} ({})",
            e.message.clone().unwrap_or_default().replace('\n', " "),
            e.reason.clone().unwrap_or_default()
        )))),
    }
}

/// The project the credentials belong to, read offline: `GOOGLE_CLOUD_PROJECT` (or
/// `GCLOUD_PROJECT`), else the key file's `project_id` / `quota_project_id`
/// (`GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's application default credentials file).
pub fn credentials_project() -> Option<String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(project) = env("GOOGLE_CLOUD_PROJECT").or_else(|| env("GCLOUD_PROJECT")) {
        return Some(project);
    }
    let file = env("GOOGLE_APPLICATION_CREDENTIALS")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            env("HOME").map(|h| {
                std::path::Path::new(&h).join(".config/gcloud/application_default_credentials.json")
            })
        })?;
    let text = crate::fs::read_input(&file, crate::fs::MAX_SMALL_BYTES).ok()?;
    let key: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["project_id", "quota_project_id"].iter().find_map(|k| {
        key[*k]
            .as_str()
            .filter(|p| !p.is_empty())
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_ids_accept_bigquery_identifiers_only() {
        let id = DatasetId::parse("my-project.analytics_123456").unwrap();
        assert_eq!(id.events_wildcard(), "my-project.analytics_123456.events_*");
        assert!(DatasetId::parse("example.com:proj.analytics_1").is_ok());
        for bad in ["analytics", "p.", ".d", "p.d`; DROP", "p.d-x", "p q.d"] {
            assert!(DatasetId::parse(bad).is_err(), "{bad}");
        }
    }
}
