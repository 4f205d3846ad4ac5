//! Policies as files: `terraform.tfvars.json` for the module in `terraform/`, and the policy
//! TOML that `simulate --policy` reads.

use serde_json::json;

use crate::domain::autoscale::Policy;
use crate::report::OutputError;

/// `terraform.tfvars.json` for terraform/modules/ecs-autoscaling (cluster and service are the
/// root module's to set).
pub fn tfvars(p: &Policy) -> Result<Vec<u8>, OutputError> {
    let vars = json!({
        "min_capacity": p.min_capacity,
        "max_capacity": p.max_capacity,
        "task_startup_seconds": p.task_startup_seconds,
        "target_tracking": p.target_tracking.as_ref().map(|tt| json!({
            "target_value": tt.target_value, "scale_in_cooldown": tt.scale_in_cooldown, "scale_out_cooldown": tt.scale_out_cooldown})),
        "step_scaling": p.step_scaling.as_ref().map(|s| json!({
            "threshold": s.threshold, "cooldown": s.cooldown, "aggregation": s.aggregation.as_str(),
            "steps": s.steps.iter().map(|st| json!({"lower": st.lower, "upper": st.upper, "adjustment": st.adjustment})).collect::<Vec<_>>()})),
    });
    super::json::pretty(&vars)
}

/// The policy as the contract's TOML, after `comment` (whole `#` lines).
pub fn policy_file(comment: &str, policy: &Policy) -> Result<Vec<u8>, OutputError> {
    let toml = toml::to_string(policy)
        .map_err(|e| OutputError::Write(format!("cannot encode the policy as TOML: {e}")))?;
    Ok(format!("{comment}{}\n", toml.trim_end()).into_bytes())
}
