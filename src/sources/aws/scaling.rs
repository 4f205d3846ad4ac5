//! An ECS service's live scaling setup and the calls that change it.
//!
//! Reading: `DescribeScalableTargets`, `DescribeScalingPolicies` (paginated), CloudWatch
//! `DescribeAlarms` for the alarms those policies name, ECS `DescribeServices` for the counts.
//! Writing: `RegisterScalableTarget`, `PutScalingPolicy`, `PutMetricAlarm` and the matching
//! deletes, each an upsert, so re-running a plan is harmless.

use aws_sdk_applicationautoscaling as aas;
use aws_sdk_applicationautoscaling::types::{
    AdjustmentType, MetricAggregationType, MetricType, PolicyType, PredefinedMetricSpecification,
    ScalableDimension, ServiceNamespace, StepAdjustment, StepScalingPolicyConfiguration,
    TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};

use super::call;
use crate::domain::autoscale::live::{
    Bounds, LiveAlarm, LivePolicy, LivePolicyKind, LiveSetup, LiveStep, LiveStepScaling,
    LiveTargetTracking, ServiceCounts,
};
use crate::domain::autoscale::plan::{Action, Change, ManagedNames, Resource};
use crate::domain::autoscale::{Policy, StepScaling, TargetTracking};
use crate::sources::SourceError;

/// One ECS service, with a client for each API that describes its scaling.
pub struct Service {
    pub cluster: String,
    pub name: String,
    scaling: aas::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    ecs: aws_sdk_ecs::Client,
}

/// DescribeAlarms takes at most this many names per call.
const ALARM_NAMES_PER_CALL: usize = 100;

fn count(value: i32) -> u32 {
    value.max(0) as u32
}

fn seconds(value: Option<i32>) -> Option<u32> {
    value.map(count)
}

impl Service {
    pub fn new(config: &aws_config::SdkConfig, cluster: &str, name: &str) -> Service {
        Service {
            cluster: cluster.to_string(),
            name: name.to_string(),
            scaling: aas::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
            ecs: aws_sdk_ecs::Client::new(config),
        }
    }

    /// The CloudWatch client, for the service's metrics.
    pub fn cloudwatch(&self) -> &aws_sdk_cloudwatch::Client {
        &self.cloudwatch
    }

    pub fn resource_id(&self) -> String {
        format!("service/{}/{}", self.cluster, self.name)
    }

    /// Everything `show` prints and `apply` compares against.
    pub async fn read_setup(&self) -> Result<LiveSetup, SourceError> {
        let resource_id = self.resource_id();
        let service = self.counts().await?;
        let targets = call(
            "Application Auto Scaling DescribeScalableTargets",
            self.scaling
                .describe_scalable_targets()
                .service_namespace(ServiceNamespace::Ecs)
                .resource_ids(&resource_id)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .send(),
        )
        .await?;
        let scalable_target = targets.scalable_targets().first().map(|t| Bounds {
            min_capacity: count(t.min_capacity()),
            max_capacity: count(t.max_capacity()),
        });
        let policies = self.policies(&resource_id).await?;
        let names: Vec<String> = policies
            .iter()
            .flat_map(|p| p.alarm_names.iter().cloned())
            .chain([ManagedNames::for_service(&self.name).step_alarm])
            .collect();
        let alarms = self.describe_alarms(&names).await?;
        // AWS lists a step policy's alarms from the alarms' actions; emulators may not, so
        // link them here the same way.
        let mut policies = policies;
        for policy in &mut policies {
            for alarm in &alarms {
                if alarm.actions.contains(&policy.arn) && !policy.alarm_names.contains(&alarm.name)
                {
                    policy.alarm_names.push(alarm.name.clone());
                }
            }
        }
        Ok(LiveSetup {
            resource_id,
            scalable_target,
            service: Some(service),
            policies,
            alarms,
        })
    }

    /// The service's task counts (one call; a missing service is the user's mistake).
    pub async fn counts(&self) -> Result<ServiceCounts, SourceError> {
        let reply = call(
            "ECS DescribeServices",
            self.ecs
                .describe_services()
                .cluster(&self.cluster)
                .services(&self.name)
                .send(),
        )
        .await?;
        let service = reply
            .services()
            .iter()
            .find(|s| s.status() != Some("INACTIVE"))
            .ok_or_else(|| {
                SourceError::Input(format!(
                    "ECS service {:?} not found in cluster {:?} (--cluster, --service)",
                    self.name, self.cluster
                ))
            })?;
        Ok(ServiceCounts {
            desired: count(service.desired_count()),
            running: count(service.running_count()),
            pending: count(service.pending_count()),
        })
    }

    async fn policies(&self, resource_id: &str) -> Result<Vec<LivePolicy>, SourceError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let reply = call(
                "Application Auto Scaling DescribeScalingPolicies",
                self.scaling
                    .describe_scaling_policies()
                    .service_namespace(ServiceNamespace::Ecs)
                    .resource_id(resource_id)
                    .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                    .set_next_token(token)
                    .send(),
            )
            .await?;
            out.extend(reply.scaling_policies().iter().map(live_policy));
            token = reply.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn describe_alarms(&self, names: &[String]) -> Result<Vec<LiveAlarm>, SourceError> {
        let mut out: Vec<LiveAlarm> = Vec::new();
        for batch in names.chunks(ALARM_NAMES_PER_CALL) {
            let mut token = None;
            loop {
                let reply = call(
                    "CloudWatch DescribeAlarms",
                    self.cloudwatch
                        .describe_alarms()
                        .set_alarm_names(Some(batch.to_vec()))
                        .set_next_token(token)
                        .send(),
                )
                .await?;
                for a in reply.metric_alarms() {
                    let name = a.alarm_name().unwrap_or_default().to_string();
                    if out.iter().any(|o| o.name == name) {
                        continue;
                    }
                    out.push(LiveAlarm {
                        name,
                        namespace: a.namespace().unwrap_or_default().into(),
                        metric: a.metric_name().unwrap_or_default().into(),
                        statistic: a.statistic().map(|s| s.as_str()).unwrap_or("").into(),
                        comparison: a
                            .comparison_operator()
                            .map(|c| c.as_str())
                            .unwrap_or("")
                            .into(),
                        threshold: a.threshold().unwrap_or(f64::NAN),
                        period: seconds(a.period()).unwrap_or(60),
                        evaluation_periods: seconds(a.evaluation_periods()).unwrap_or(1),
                        datapoints_to_alarm: seconds(a.datapoints_to_alarm()),
                        state: a.state_value().map(|s| s.as_str()).unwrap_or("").into(),
                        actions: a.alarm_actions().to_vec(),
                    });
                }
                token = reply.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Makes each change of the plan, in order; returns how many were made. Stops at the
    /// first failure, whose message says how many had been made before it.
    pub async fn apply(
        &self,
        changes: &[Change],
        desired: &Policy,
        names: &ManagedNames,
    ) -> Result<usize, SourceError> {
        let resource_id = self.resource_id();
        let mut step_arn: Option<String> = None;
        for (done, change) in changes.iter().enumerate() {
            let missing = || {
                SourceError::Input(format!(
                    "the plan puts {} but the policy file has no such section",
                    change.name
                ))
            };
            let result = match (change.resource, change.action) {
                (Resource::ScalableTarget, _) => self.register(&resource_id, desired).await,
                (Resource::TargetTrackingPolicy, Action::Delete)
                | (Resource::StepScalingPolicy, Action::Delete) => {
                    self.delete_policy(&resource_id, &change.name).await
                }
                (Resource::TargetTrackingPolicy, _) => match &desired.target_tracking {
                    Some(tt) => self.put_target_tracking(&resource_id, tt, names).await,
                    None => Err(missing()),
                },
                (Resource::StepScalingPolicy, _) => match &desired.step_scaling {
                    Some(step) => self
                        .put_step_scaling(&resource_id, step, names)
                        .await
                        .map(|arn| step_arn = Some(arn)),
                    None => Err(missing()),
                },
                (Resource::Alarm, Action::Delete) => self.delete_alarm(&change.name).await,
                (Resource::Alarm, _) => match (&desired.step_scaling, step_arn.clone()) {
                    (None, _) => Err(missing()),
                    (Some(step), Some(arn)) => self.put_alarm(step, names, &arn).await,
                    (Some(step), None) => {
                        match self.policy_arn(&resource_id, &names.step_scaling).await {
                            Ok(arn) => self.put_alarm(step, names, &arn).await,
                            Err(e) => Err(e),
                        }
                    }
                },
            };
            result.map_err(|e| {
                let made = format!(
                    "({done} of {} changes were made before this one)",
                    changes.len()
                );
                match e {
                    SourceError::Upstream(m) => SourceError::Upstream(format!("{m} {made}")),
                    SourceError::Input(m) => SourceError::Input(format!("{m} {made}")),
                }
            })?;
        }
        Ok(changes.len())
    }

    async fn register(&self, resource_id: &str, p: &Policy) -> Result<(), SourceError> {
        call(
            "Application Auto Scaling RegisterScalableTarget",
            self.scaling
                .register_scalable_target()
                .service_namespace(ServiceNamespace::Ecs)
                .resource_id(resource_id)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .min_capacity(aws_int(p.min_capacity.into(), "min_capacity")?)
                .max_capacity(aws_int(p.max_capacity.into(), "max_capacity")?)
                .send(),
        )
        .await?;
        Ok(())
    }

    async fn put_target_tracking(
        &self,
        resource_id: &str,
        tt: &TargetTracking,
        names: &ManagedNames,
    ) -> Result<(), SourceError> {
        let metric = PredefinedMetricSpecification::builder()
            .predefined_metric_type(MetricType::EcsServiceAverageCpuUtilization)
            .build()
            .map_err(build_error)?;
        let config = TargetTrackingScalingPolicyConfiguration::builder()
            .target_value(tt.target_value)
            .predefined_metric_specification(metric)
            .scale_in_cooldown(aws_int(tt.scale_in_cooldown.into(), "scale_in_cooldown")?)
            .scale_out_cooldown(aws_int(tt.scale_out_cooldown.into(), "scale_out_cooldown")?)
            .disable_scale_in(false)
            .build()
            .map_err(build_error)?;
        call(
            "Application Auto Scaling PutScalingPolicy",
            self.put_policy(
                resource_id,
                &names.target_tracking,
                PolicyType::TargetTrackingScaling,
            )
            .target_tracking_scaling_policy_configuration(config)
            .send(),
        )
        .await?;
        Ok(())
    }

    /// A `PutScalingPolicy` call for this service's desired count, its configuration to add.
    fn put_policy(
        &self,
        resource_id: &str,
        name: &str,
        policy_type: PolicyType,
    ) -> aas::operation::put_scaling_policy::builders::PutScalingPolicyFluentBuilder {
        self.scaling
            .put_scaling_policy()
            .policy_name(name)
            .policy_type(policy_type)
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
    }

    async fn put_step_scaling(
        &self,
        resource_id: &str,
        step: &StepScaling,
        names: &ManagedNames,
    ) -> Result<String, SourceError> {
        let mut config = StepScalingPolicyConfiguration::builder()
            .adjustment_type(AdjustmentType::ChangeInCapacity)
            .cooldown(aws_int(step.cooldown.into(), "step_scaling.cooldown")?)
            .metric_aggregation_type(MetricAggregationType::from(step.aggregation.as_str()));
        for s in &step.steps {
            config = config.step_adjustments(
                StepAdjustment::builder()
                    .metric_interval_lower_bound(s.lower)
                    .set_metric_interval_upper_bound(s.upper)
                    .scaling_adjustment(aws_int(s.adjustment, "step_scaling.steps.adjustment")?)
                    .build()
                    .map_err(build_error)?,
            );
        }
        let reply = call(
            "Application Auto Scaling PutScalingPolicy",
            self.put_policy(resource_id, &names.step_scaling, PolicyType::StepScaling)
                .step_scaling_policy_configuration(config.build())
                .send(),
        )
        .await?;
        Ok(reply.policy_arn().to_string())
    }

    async fn policy_arn(&self, resource_id: &str, name: &str) -> Result<String, SourceError> {
        self.policies(resource_id)
            .await?
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.arn)
            .ok_or_else(|| {
                SourceError::Upstream(format!(
                    "step scaling policy {name:?} vanished during apply"
                ))
            })
    }

    async fn put_alarm(
        &self,
        step: &StepScaling,
        names: &ManagedNames,
        step_arn: &str,
    ) -> Result<(), SourceError> {
        call(
            "CloudWatch PutMetricAlarm",
            self.cloudwatch
                .put_metric_alarm()
                .alarm_name(&names.step_alarm)
                .alarm_description(format!(
                    "Spike scale-out for {} (managed by vitals autoscale apply).",
                    self.resource_id()
                ))
                .namespace("AWS/ECS")
                .metric_name("CPUUtilization")
                .statistic(Statistic::Average)
                .dimensions(
                    Dimension::builder()
                        .name("ClusterName")
                        .value(&self.cluster)
                        .build(),
                )
                .dimensions(
                    Dimension::builder()
                        .name("ServiceName")
                        .value(&self.name)
                        .build(),
                )
                .period(60)
                .evaluation_periods(1)
                .datapoints_to_alarm(1)
                .threshold(step.threshold)
                .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
                .treat_missing_data("missing")
                .alarm_actions(step_arn)
                .send(),
        )
        .await?;
        Ok(())
    }

    async fn delete_policy(&self, resource_id: &str, name: &str) -> Result<(), SourceError> {
        call(
            "Application Auto Scaling DeleteScalingPolicy",
            self.scaling
                .delete_scaling_policy()
                .policy_name(name)
                .service_namespace(ServiceNamespace::Ecs)
                .resource_id(resource_id)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .send(),
        )
        .await?;
        Ok(())
    }

    async fn delete_alarm(&self, name: &str) -> Result<(), SourceError> {
        call(
            "CloudWatch DeleteAlarms",
            self.cloudwatch.delete_alarms().alarm_names(name).send(),
        )
        .await?;
        Ok(())
    }
}

/// A policy number as the API's 32-bit integer; one beyond it is the file's mistake (exit 2),
/// never a silently different value.
fn aws_int(value: i64, field: &str) -> Result<i32, SourceError> {
    i32::try_from(value).map_err(|_| {
        SourceError::Input(format!(
            "{field}: {value} is beyond what AWS accepts (2^31 - 1)"
        ))
    })
}

fn build_error(e: aws_sdk_applicationautoscaling::error::BuildError) -> SourceError {
    SourceError::Input(format!("Application Auto Scaling request: {e}"))
}

fn live_policy(p: &aas::types::ScalingPolicy) -> LivePolicy {
    let kind = match (
        p.policy_type(),
        p.target_tracking_scaling_policy_configuration(),
        p.step_scaling_policy_configuration(),
    ) {
        (PolicyType::TargetTrackingScaling, Some(tt), _) => {
            LivePolicyKind::TargetTracking(LiveTargetTracking {
                target_value: tt.target_value(),
                metric: tt
                    .predefined_metric_specification()
                    .map(|m| m.predefined_metric_type().as_str().to_string())
                    .unwrap_or_else(|| "custom".into()),
                scale_in_cooldown: seconds(tt.scale_in_cooldown()),
                scale_out_cooldown: seconds(tt.scale_out_cooldown()),
                disable_scale_in: tt.disable_scale_in().unwrap_or(false),
            })
        }
        (PolicyType::StepScaling, _, Some(step)) => LivePolicyKind::StepScaling(LiveStepScaling {
            adjustment_type: step
                .adjustment_type()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
            cooldown: seconds(step.cooldown()),
            aggregation: step
                .metric_aggregation_type()
                .map(|a| a.as_str().to_string()),
            steps: step
                .step_adjustments()
                .iter()
                .map(|s| LiveStep {
                    lower: s.metric_interval_lower_bound(),
                    upper: s.metric_interval_upper_bound(),
                    adjustment: s.scaling_adjustment() as i64,
                })
                .collect(),
        }),
        (other, _, _) => LivePolicyKind::Other {
            policy_type: other.as_str().to_string(),
        },
    };
    LivePolicy {
        name: p.policy_name().to_string(),
        arn: p.policy_arn().to_string(),
        kind,
        alarm_names: p
            .alarms()
            .iter()
            .map(|a| a.alarm_name().to_string())
            .collect(),
    }
}
