//! The alerting kinds (AlertPolicy, AlertCondition, AlertNotificationTarget), checked for
//! shape so a typo is caught, then ignored: vitals computes its own multiwindow alerts.
//! Each may stand alone, sit inline in another object, or be named by a `…Ref`.

use serde_json::Value;

use super::schema::{AlertConditionSpec, AlertNotificationTargetSpec, AlertPolicySpec, Object};
use super::{input, typed, SourceError};
use crate::domain::slo::{Op, SloDuration};

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// Items that are `{<ref_key>: name}` or an inline object of `kind`, checked by `inline`.
fn refs_or_inline(
    origin: &str,
    path: &str,
    items: &[Value],
    ref_key: &str,
    kind: &str,
    inline: impl Fn(&str, &str, &Value) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        match item.get(ref_key) {
            Some(name) => {
                let only_ref = item.as_object().is_some_and(|o| o.len() == 1);
                if !name.is_string() || !only_ref {
                    return Err(input(
                        origin,
                        &at,
                        format!("either {{{ref_key}: NAME}} or an inline {kind}, not both"),
                    ));
                }
            }
            None => {
                if item.get("kind").and_then(Value::as_str) != Some(kind) {
                    return Err(input(
                        origin,
                        &format!("{at}.kind"),
                        format!("expected {kind} (or {ref_key}: NAME)"),
                    ));
                }
                inline(origin, &at, item)?;
            }
        }
    }
    Ok(())
}

/// An AlertPolicy object at `prefix` (empty for a whole document).
pub fn alert_policy(origin: &str, prefix: &str, value: &Value) -> Result<(), SourceError> {
    let doc: Object<AlertPolicySpec> = typed(origin, prefix, value)?;
    let spec = join(prefix, "spec");
    refs_or_inline(
        origin,
        &join(&spec, "conditions"),
        &doc.spec.conditions,
        "conditionRef",
        "AlertCondition",
        alert_condition,
    )?;
    refs_or_inline(
        origin,
        &join(&spec, "notificationTargets"),
        &doc.spec.notification_targets,
        "targetRef",
        "AlertNotificationTarget",
        |origin, at, v| typed::<Object<AlertNotificationTargetSpec>>(origin, at, v).map(|_| ()),
    )
}

/// An AlertCondition object at `prefix`: a `burnrate` condition with a known `op` and
/// duration-shorthand windows.
pub fn alert_condition(origin: &str, prefix: &str, value: &Value) -> Result<(), SourceError> {
    let doc: Object<AlertConditionSpec> = typed(origin, prefix, value)?;
    let condition = doc.spec.condition;
    let at = |field: &str| join(prefix, &format!("spec.condition.{field}"));
    if let Some(kind) = &condition.kind {
        if kind != "burnrate" {
            return Err(input(
                origin,
                &at("kind"),
                format!("{kind:?} is not a condition kind OpenSLO v1 defines (burnrate)"),
            ));
        }
    }
    if let Some(op) = &condition.op {
        Op::parse(op).map_err(|e| input(origin, &at("op"), e))?;
    }
    for (field, text) in [
        ("lookbackWindow", &condition.lookback_window),
        ("alertAfter", &condition.alert_after),
    ] {
        // `alertAfter` "defaults to `0m`", a count shorthand itself does not allow.
        let zero = text
            .as_deref()
            .and_then(|t| t.trim().strip_prefix('0'))
            .is_some_and(|unit| unit.len() == 1 && "mhdwMQY".contains(unit));
        if let Some(text) = text.as_deref().filter(|_| !zero) {
            SloDuration::parse(text).map_err(|e| input(origin, &at(field), e))?;
        }
    }
    Ok(())
}

/// An SLO's `alertPolicies`: references or inline AlertPolicy objects.
pub fn slo_alert_policies(origin: &str, items: &[Value]) -> Result<(), SourceError> {
    refs_or_inline(
        origin,
        "spec.alertPolicies",
        items,
        "alertPolicyRef",
        "AlertPolicy",
        alert_policy,
    )
}
