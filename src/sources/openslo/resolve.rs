//! An SLO object → a [`ResolvedSlo`]: references followed (SLIs, DataSources), the time
//! window and each objective turned into the domain's types, with the specification's
//! defaults. Section names in comments are those of the OpenSLO README.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::schema::{self, DataSourceSpec, InlineSli, Metric, Object, SliSpec, SloSpec};
use super::{
    check, input, typed, Named, ResolvedIndicator, ResolvedObjective, ResolvedSlo, ResolvedSource,
    SourceError,
};
use crate::domain::slo::{
    parse_start_time, BudgetingMethod, Objective, Op, SloDuration, Threshold, TimeWindow,
};

/// The SLIs and DataSources SLOs may name.
pub struct References<'a> {
    pub slis: &'a Named<SliSpec>,
    pub sources: &'a Named<DataSourceSpec>,
}

/// The SLO object `value`, read from `file`.
pub fn slo(
    origin: &str,
    file: &Path,
    value: &Value,
    refs: &References<'_>,
) -> Result<ResolvedSlo, SourceError> {
    let doc: Object<SloSpec> = typed(origin, "", value)?;
    let spec = &doc.spec;
    check::slo_alert_policies(origin, &spec.alert_policies)?;
    let window = time_window(origin, spec.time_window.as_ref())?;
    if spec.objectives.is_empty() {
        return Err(input(
            origin,
            "spec.objectives",
            "at least one objective is required",
        ));
    }
    // Composite SLOs (Go SDK: HasCompositeObjectives) put the indicator on each objective.
    let composite = spec
        .objectives
        .iter()
        .any(|o| o.indicator.is_some() || o.indicator_ref.is_some());
    let shared = match (composite, &spec.indicator, &spec.indicator_ref) {
        (false, None, None) => {
            return Err(input(
                origin,
                "spec.indicator",
                "missing (an indicator or indicatorRef on the SLO, or on each objective of a \
                 composite SLO)",
            ))
        }
        (false, inline, reference) => Some(indicator(
            origin,
            "spec",
            inline.as_ref(),
            reference.as_deref(),
            refs,
        )?),
        (true, None, None) => None,
        (true, _, _) => {
            let field = if spec.indicator.is_some() {
                "spec.indicator"
            } else {
                "spec.indicatorRef"
            };
            return Err(input(
                origin,
                field,
                "a composite SLO sets the indicator on each objective, not on the SLO",
            ));
        }
    };
    let mut objectives = Vec::with_capacity(spec.objectives.len());
    for (i, o) in spec.objectives.iter().enumerate() {
        let path = format!("spec.objectives[{i}]");
        let indicator = match &shared {
            Some(shared) => shared.clone(),
            None if o.indicator.is_none() && o.indicator_ref.is_none() => {
                return Err(input(
                    origin,
                    &format!("{path}.indicator"),
                    "missing: a composite SLO gives every objective an indicator or \
                     indicatorRef",
                ))
            }
            None => indicator(
                origin,
                &path,
                o.indicator.as_ref(),
                o.indicator_ref.as_deref(),
                refs,
            )?,
        };
        let objective = objective(origin, &doc, i, o, &indicator, window)?;
        objectives.push(ResolvedObjective {
            path,
            objective,
            indicator,
        });
    }
    Ok(ResolvedSlo {
        origin: origin.to_string(),
        file: file.to_path_buf(),
        name: doc.metadata.name.clone(),
        display_name: doc.metadata.display_name.clone(),
        service: spec.service.clone(),
        objectives,
    })
}

/// `timeWindow` (SLO section): exactly one rolling or calendar-aligned window.
fn time_window(origin: &str, value: Option<&Value>) -> Result<TimeWindow, SourceError> {
    let (path, item) = match value {
        Some(Value::Array(items)) if items.len() == 1 => ("spec.timeWindow[0]", &items[0]),
        Some(Value::Object(_)) => ("spec.timeWindow", value.unwrap_or(&Value::Null)),
        None | Some(Value::Null) => {
            return Err(input(
                origin,
                "spec.timeWindow",
                "missing (e.g. [{duration: 28d, isRolling: true}])",
            ))
        }
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(input(
                origin,
                "spec.timeWindow",
                "empty (e.g. [{duration: 28d, isRolling: true}])",
            ))
        }
        Some(_) => {
            return Err(input(
                origin,
                "spec.timeWindow",
                "exactly one time window, e.g. [{duration: 28d, isRolling: true}]",
            ))
        }
    };
    let tw: schema::TimeWindow = typed(origin, path, item)?;
    let at = |field: &str| format!("{path}.{field}");
    let duration =
        SloDuration::parse(&tw.duration).map_err(|e| input(origin, &at("duration"), e))?;
    // "isRolling: if omitted assumed `false` if `calendar:` is present".
    match (tw.is_rolling, &tw.calendar) {
        (Some(true), None) => Ok(TimeWindow::rolling(duration)),
        (Some(true), Some(_)) => Err(input(
            origin,
            &at("calendar"),
            "not allowed with isRolling: true (a rolling window has no calendar)",
        )),
        (_, None) => Err(input(
            origin,
            &at("calendar"),
            "required when isRolling is false (startTime and timeZone)",
        )),
        (_, Some(calendar)) => {
            let tz: chrono_tz::Tz = calendar.time_zone.parse().map_err(|_| {
                input(
                    origin,
                    &at("calendar.timeZone"),
                    format!("unknown time zone {:?}", calendar.time_zone),
                )
            })?;
            // "date with time in 24h format, format without time zone": local to `timeZone`.
            let anchor = parse_start_time(&calendar.start_time, tz)
                .map_err(|e| input(origin, &at("calendar.startTime"), e))?;
            TimeWindow::calendar(duration, anchor, tz).map_err(|e| input(origin, path, e))
        }
    }
}

/// The indicator at `owner` (`spec`, or `spec.objectives[i]` in a composite SLO): inline, or
/// the SLI it names.
fn indicator(
    origin: &str,
    owner: &str,
    inline: Option<&InlineSli>,
    reference: Option<&str>,
    refs: &References<'_>,
) -> Result<ResolvedIndicator, SourceError> {
    match (inline, reference) {
        (Some(_), Some(_)) => Err(input(
            origin,
            owner,
            "set either indicator or indicatorRef, not both",
        )),
        (Some(sli), None) => {
            let prefix = format!("{owner}.indicator.spec");
            let spec = sli.spec.as_ref().ok_or_else(|| {
                input(
                    origin,
                    &prefix,
                    "missing: an indicator needs a ratioMetric or a thresholdMetric",
                )
            })?;
            sli_metrics(origin, &prefix, spec, refs)
        }
        (None, Some(name)) => {
            let (sli_origin, spec) = refs.slis.get(name).ok_or_else(|| {
                input(
                    origin,
                    &format!("{owner}.indicatorRef"),
                    format!("no SLI named {name:?}"),
                )
            })?;
            sli_metrics(sli_origin, "spec", spec, refs)
        }
        (None, None) => Err(input(
            origin,
            &format!("{owner}.indicator"),
            "missing (an indicator or an indicatorRef is required)",
        )),
    }
}

/// An SLI's metrics (SLI section, "Ratio Metric").
fn sli_metrics(
    origin: &str,
    prefix: &str,
    sli: &SliSpec,
    refs: &References<'_>,
) -> Result<ResolvedIndicator, SourceError> {
    let source = |path: &str, metric: &Metric| source(origin, path, metric, refs);
    match (&sli.ratio_metric, &sli.threshold_metric) {
        (Some(ratio), None) => {
            let at = |field: &str| format!("{prefix}.ratioMetric.{field}");
            if let Some(raw) = &ratio.raw {
                if ratio.good.is_some() || ratio.bad.is_some() || ratio.total.is_some() {
                    return Err(input(
                        origin,
                        &at("raw"),
                        "a raw ratio stands alone: no good, bad or total with it",
                    ));
                }
                let failure = match ratio.raw_type.as_deref() {
                    Some("success") => false,
                    Some("failure") => true,
                    Some(other) => {
                        return Err(input(
                            origin,
                            &at("rawType"),
                            format!("{other:?} is not success or failure"),
                        ))
                    }
                    None => {
                        return Err(input(
                            origin,
                            &at("rawType"),
                            "missing: success (the ratio is good/total) or failure (bad/total)",
                        ))
                    }
                };
                return Ok(ResolvedIndicator::Raw {
                    source: source(&at("raw"), raw)?,
                    failure,
                });
            }
            let total = ratio.total.as_ref().ok_or_else(|| {
                input(
                    origin,
                    &at("total"),
                    "missing (good or bad over total, or a raw ratio)",
                )
            })?;
            if ratio.good.is_some() == ratio.bad.is_some() {
                return Err(input(
                    origin,
                    &format!("{prefix}.ratioMetric"),
                    "needs exactly one of good or bad, with total",
                ));
            }
            let side = |m: &Option<Metric>, name: &str| {
                m.as_ref().map(|m| source(&at(name), m)).transpose()
            };
            Ok(ResolvedIndicator::Ratio {
                counter: ratio.counter,
                good: side(&ratio.good, "good")?,
                bad: side(&ratio.bad, "bad")?,
                total: source(&at("total"), total)?,
            })
        }
        (None, Some(threshold)) => Ok(ResolvedIndicator::Threshold(source(
            &format!("{prefix}.thresholdMetric"),
            threshold,
        )?)),
        (Some(_), Some(_)) => Err(input(
            origin,
            prefix,
            "set a ratioMetric or a thresholdMetric, not both",
        )),
        (None, None) => Err(input(
            origin,
            prefix,
            "an indicator needs a ratioMetric or a thresholdMetric",
        )),
    }
}

/// A `metricSource`, its type and connection taken from the DataSource it names ("Field
/// `type` can be omitted because the type will be inferred from the DataSource").
fn source(
    origin: &str,
    path: &str,
    metric: &Metric,
    refs: &References<'_>,
) -> Result<ResolvedSource, SourceError> {
    let source = &metric.metric_source;
    let referenced = match &source.metric_source_ref {
        Some(name) => Some(
            &refs
                .sources
                .get(name)
                .ok_or_else(|| {
                    input(
                        origin,
                        &format!("{path}.metricSource.metricSourceRef"),
                        format!("no DataSource named {name:?}"),
                    )
                })?
                .1,
        ),
        None => None,
    };
    let kind = source
        .kind
        .clone()
        .or_else(|| referenced.map(|d| d.kind.clone()))
        .ok_or_else(|| {
            input(
                origin,
                &format!("{path}.metricSource.type"),
                "missing (or a metricSourceRef to a DataSource)",
            )
        })?;
    let connection = match referenced.map(|d| &d.connection_details) {
        Some(Value::Object(map)) => map.clone().into_iter().collect(),
        _ => BTreeMap::new(),
    };
    Ok(ResolvedSource {
        kind,
        spec: source.spec.clone(),
        connection,
    })
}

/// Objective `i` (SLO section, "Objectives") as the domain's [`Objective`].
fn objective(
    origin: &str,
    doc: &Object<SloSpec>,
    i: usize,
    o: &schema::Objective,
    indicator: &ResolvedIndicator,
    window: TimeWindow,
) -> Result<Objective, SourceError> {
    let at = |field: &str| format!("spec.objectives[{i}].{field}");
    let bad = |field: &str, message: String| input(origin, &at(field), message);
    let target = match (o.target, o.target_percent) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "targetPercent",
                "set target or targetPercent, not both".into(),
            ))
        }
        (Some(t), None) if t > 0.0 && t < 1.0 => t,
        (Some(t), None) => {
            return Err(bad(
                "target",
                format!("{t} is outside (0, 1) (99.9 % is 0.999)"),
            ))
        }
        (None, Some(p)) if p > 0.0 && p < 100.0 => p / 100.0,
        (None, Some(p)) => {
            return Err(bad(
                "targetPercent",
                format!("{p} is outside (0, 100) (99.9 % is 99.9)"),
            ))
        }
        (None, None) => return Err(bad("target", "missing (or targetPercent)".into())),
    };
    let op =
        o.op.as_deref()
            .map(Op::parse)
            .transpose()
            .map_err(|e| bad("op", e))?;
    let method_name = doc.spec.budgeting_method.as_str();
    let slice = match &o.time_slice_window {
        Some(text) => Some(
            SloDuration::parse(text)
                .map_err(|e| bad("timeSliceWindow", e))?
                .rolling(),
        ),
        None if matches!(method_name, "Timeslices" | "RatioTimeslices") => {
            return Err(bad(
                "timeSliceWindow",
                format!("missing: budgetingMethod {method_name} needs it (e.g. 5m)"),
            ))
        }
        None => None,
    };
    let is_threshold = matches!(indicator, ResolvedIndicator::Threshold(_));
    // "op … value … Only needed when using a thresholdMetric". On a ratio metric `op` says
    // how a slice's ratio compares with `timeSliceTarget` (gte when absent); `value` there
    // (written by some converters) has no meaning and is left alone.
    let threshold = match (is_threshold, op, o.value) {
        (false, _, _) => None,
        (true, Some(op), Some(value)) => Some(Threshold { op, value }),
        (true, None, _) => {
            return Err(bad(
                "op",
                "missing: a threshold metric needs op and value (e.g. op: lte, value: 300)".into(),
            ))
        }
        (true, Some(_), None) => {
            return Err(bad(
                "value",
                "missing: a threshold metric needs op and value (e.g. op: lte, value: 300)".into(),
            ))
        }
    };
    let slice_target = o.time_slice_target.map(|value| Threshold {
        op: if is_threshold {
            Op::Gte
        } else {
            op.unwrap_or(Op::Gte)
        },
        value,
    });
    if method_name == "Timeslices" && !is_threshold && slice_target.is_none() {
        return Err(bad(
            "timeSliceTarget",
            "missing: Timeslices with a ratio metric needs it (the share of good events that \
             makes a slice good, e.g. 0.95)"
                .into(),
        ));
    }
    let method = BudgetingMethod::from_spec(method_name, slice, slice_target)
        .map_err(|e| input(origin, "spec.budgetingMethod", e))?;
    let objective = Objective {
        name: doc.metadata.name.clone(),
        objective: o.display_name.clone().unwrap_or_else(|| i.to_string()),
        target,
        window,
        method,
        threshold,
        composite_weight: o.composite_weight,
    };
    objective
        .validate()
        .map_err(|e| input(origin, &format!("spec.objectives[{i}]"), e))?;
    Ok(objective)
}
