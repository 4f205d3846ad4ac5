//! dbt's `sources.json` (schema v3), so dbt docs and dbt-aware tools read vitals' results as
//! if `dbt source freshness` had written them.

use serde_json::{json, Value};

use crate::domain::freshness::{FreshnessReport, Status, Threshold};
use crate::domain::rfc3339;
use crate::report::OutputError;

/// The artifact's bytes, as `--write-dbt-artifact` writes them.
pub fn export(report: &FreshnessReport) -> Result<Vec<u8>, OutputError> {
    super::json::pretty(&sources_json(report, std::time::Duration::ZERO))
}

fn threshold(t: Option<Threshold>) -> Value {
    match t {
        Some(t) => json!({"count": t.count, "period": t.period}),
        None => json!({"count": null, "period": null}),
    }
}

pub fn sources_json(report: &FreshnessReport, elapsed: std::time::Duration) -> Value {
    let generated_at = rfc3339::format(&report.generated_at);
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            if r.status == Status::RuntimeError {
                // dbt's shape for a source it could not measure.
                return json!({"unique_id": r.unique_id, "error": r.error, "status": "runtime error"});
            }
            json!({
                "unique_id": r.unique_id,
                "max_loaded_at": r.max_loaded_at.as_ref().map(rfc3339::format),
                "snapshotted_at": rfc3339::format(&r.snapshotted_at),
                "max_loaded_at_time_ago_in_s": r.max_loaded_at_time_ago_in_s,
                "status": r.status.as_str(),
                "criteria": {
                    "warn_after": threshold(r.criteria.warn_after),
                    "error_after": threshold(r.criteria.error_after),
                    "filter": r.criteria.filter,
                },
                "adapter_response": {},
                "timing": [],
                "thread_id": "vitals",
                "execution_time": 0.0,
            })
        })
        .collect();
    json!({
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/sources/v3.json",
            "dbt_version": "1.8.0",
            "generated_at": generated_at,
            "invocation_id": format!("vitals-{}", report.generated_at.timestamp()),
            "env": {"VITALS_VERSION": env!("CARGO_PKG_VERSION")},
        },
        "results": results,
        "elapsed_time": elapsed.as_secs_f64(),
    })
}
