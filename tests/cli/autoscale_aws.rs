//! `vitals autoscale show | apply` and the CloudWatch trace fetch against a real moto server
//! (ECS, Application Auto Scaling, CloudWatch). The services are set up with boto3 from the
//! test virtualenv, independently of vitals, so vitals reads what another client wrote.
//! moto never evaluates alarms, so these tests check configuration, not scaling activity.

use std::process::Command as StdCommand;

use serde_json::Value;

use crate::bigquery_emulator::python;
use crate::cloudwatch::{start_moto, Moto};
use crate::support::*;

/// Creates cluster `prod` with services `api` (the issue's production setup: target tracking
/// 60 %, step scaling ≥ 70 with its alarm) and `web` (no scaling), and two hours of `api`
/// metrics ending 2026-11-22T00:00Z: CPU 40 % with a 95 % spike at minutes 60–64, six running
/// tasks, one minute without a task count.
const SEED: &str = r#"
import boto3, datetime, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="test", aws_secret_access_key="test")
ec2, ecs = boto3.client("ec2", **kw), boto3.client("ecs", **kw)
aas, cw = boto3.client("application-autoscaling", **kw), boto3.client("cloudwatch", **kw)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
sg = ec2.create_security_group(GroupName="svc", Description="svc", VpcId=vpc)["GroupId"]
ecs.create_cluster(clusterName="prod")
ecs.register_task_definition(family="app", networkMode="awsvpc",
    requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    containerDefinitions=[{"name": "app", "image": "app:1", "memory": 512}])
for name, count in (("api", 7), ("web", 3)):
    ecs.create_service(cluster="prod", serviceName=name, taskDefinition="app",
        desiredCount=count, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}})
rid, dim = "service/prod/api", "ecs:service:DesiredCount"
aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid, ScalableDimension=dim,
    MinCapacity=5, MaxCapacity=50)
aas.put_scaling_policy(PolicyName="api-cpu-target-tracking", ServiceNamespace="ecs",
    ResourceId=rid, ScalableDimension=dim, PolicyType="TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration={"TargetValue": 60, "ScaleInCooldown": 60,
        "ScaleOutCooldown": 30,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
step = aas.put_scaling_policy(PolicyName="api-cpu-step-scaling", ServiceNamespace="ecs",
    ResourceId=rid, ScalableDimension=dim, PolicyType="StepScaling",
    StepScalingPolicyConfiguration={"AdjustmentType": "ChangeInCapacity", "Cooldown": 30,
        "MetricAggregationType": "Average", "StepAdjustments": [
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 3},
            {"MetricIntervalLowerBound": 10, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 5},
            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 10}]})
dims = [{"Name": "ClusterName", "Value": "prod"}, {"Name": "ServiceName", "Value": "api"}]
cw.put_metric_alarm(AlarmName="api-cpu-high-step-scaling", Namespace="AWS/ECS",
    MetricName="CPUUtilization", Statistic="Average", Dimensions=dims, Period=60,
    EvaluationPeriods=1, DatapointsToAlarm=1, Threshold=70,
    ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[step["PolicyARN"]])
end = datetime.datetime(2026, 11, 22, tzinfo=datetime.timezone.utc)
for m in range(120):
    t = end - datetime.timedelta(minutes=120 - m)
    cpu = 95.0 if 60 <= m < 65 else 40.0
    cw.put_metric_data(Namespace="AWS/ECS", MetricData=[{"MetricName": "CPUUtilization",
        "Dimensions": dims, "Timestamp": t, "Value": cpu, "Unit": "Percent"}])
    if m != 30:
        cw.put_metric_data(Namespace="ECS/ContainerInsights", MetricData=[{
            "MetricName": "RunningTaskCount", "Dimensions": dims, "Timestamp": t,
            "Value": 6.0, "Unit": "Count"}])
"#;

async fn seeded_moto() -> Option<Moto> {
    let moto = start_moto().await?;
    let python = python()?;
    let url = moto.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        StdCommand::new(python)
            .args(["-c", SEED, &url])
            .output()
            .expect("run the seed script")
    })
    .await
    .expect("seed task");
    assert!(
        output.status.success(),
        "seeding moto failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(moto)
}

/// `vitals autoscale …` pointed at moto with test credentials and no other AWS config.
fn aws_vitals(url: &str, scratch: &Scratch, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.arg("autoscale")
        .args(args)
        .env("AWS_ENDPOINT_URL", url)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", scratch.dir.path());
    cmd
}

async fn run_doc(cmd: assert_cmd::Command) -> (i32, Value, String) {
    let (code, stdout, stderr) = run_async(cmd).await;
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    (code, doc, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn show_reads_target_policies_alarms_and_counts_and_writes_them_as_a_policy() {
    let Some(moto) = seeded_moto().await else {
        return;
    };
    let scratch = Scratch::new();
    let as_policy = scratch.path("live.toml");
    let args = [
        "show",
        "--cluster",
        "prod",
        "--service",
        "api",
        "--format",
        "json",
        "-v",
        "--as-policy",
    ];
    let mut cmd = aws_vitals(&moto.url, &scratch, &args);
    cmd.arg(&as_policy);
    let (code, doc, stderr) = run_doc(cmd).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("AWS ECS DescribeServices -> ok"),
        "-v logs each AWS call: {stderr}"
    );
    assert_eq!(doc["kind"], "autoscale_setup");
    assert_eq!(doc["resource_id"], "service/prod/api");
    assert_eq!(doc["scalable_target"]["min_capacity"], 5);
    assert_eq!(doc["scalable_target"]["max_capacity"], 50);
    assert_eq!(doc["service"]["desired"], 7);
    let policies = doc["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 2);
    assert_eq!(policies[0]["type"], "target_tracking");
    assert_eq!(policies[0]["target_value"], 60.0);
    assert_eq!(policies[1]["type"], "step_scaling");
    assert_eq!(policies[1]["steps"][2]["adjustment"], 10);
    assert_eq!(
        policies[1]["alarm_names"][0], "api-cpu-high-step-scaling",
        "the alarm whose action is the policy belongs to it"
    );
    assert!(doc["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "api-cpu-high-step-scaling" && a["threshold"] == 70.0));

    // The written policy is the contract's file, equal to the bundled with-step example.
    let written = std::fs::read_to_string(&as_policy).unwrap();
    let live: toml::Value = toml::from_str(&written).unwrap();
    let example: toml::Value = toml::from_str(
        &std::fs::read_to_string(repo().join("examples/autoscale/with-step.toml")).unwrap(),
    )
    .unwrap();
    let number = |v: &toml::Value, path: &[&str]| {
        let mut at = v;
        for key in path {
            at = &at[*key];
        }
        at.as_float().or(at.as_integer().map(|i| i as f64)).unwrap()
    };
    for path in [
        &["min_capacity"][..],
        &["max_capacity"],
        &["target_tracking", "target_value"],
        &["target_tracking", "scale_in_cooldown"],
        &["step_scaling", "threshold"],
        &["step_scaling", "cooldown"],
    ] {
        assert_eq!(number(&live, path), number(&example, path), "{path:?}");
    }
    // …and it feeds simulate.
    let mut sim = vitals();
    sim.args(["autoscale", "simulate", "--format", "json", "--trace"])
        .arg(repo().join("examples/autoscale/api-cpu.csv"))
        .arg("--policy")
        .arg(&as_policy);
    let (code, doc, stderr) = run_json(&mut sim);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["kind"], "autoscale_simulation");
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_plans_without_yes_applies_with_it_and_then_has_nothing_to_do() {
    let Some(moto) = seeded_moto().await else {
        return;
    };
    let scratch = Scratch::new();
    let policy = repo().join("examples/autoscale/with-step.toml");
    let policy = policy.to_str().unwrap();
    let web = [
        "--cluster",
        "prod",
        "--service",
        "web",
        "--format",
        "json",
        "--policy",
        policy,
    ];
    let apply = |extra: &[&str]| {
        let mut args = vec!["apply"];
        args.extend(web);
        args.extend(extra);
        aws_vitals(&moto.url, &scratch, &args)
    };

    let (code, plan, stderr) = run_doc(apply(&[])).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(plan["kind"], "autoscale_plan");
    assert_eq!(plan["applied"], false);
    let order: Vec<(&str, &str)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap(),
                c["resource"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("create", "scalable_target"),
            ("create", "target_tracking_policy"),
            ("create", "step_scaling_policy"),
            ("create", "alarm"),
        ]
    );
    // Without --yes nothing changed: the same plan again.
    let (_, again, _) = run_doc(apply(&[])).await;
    assert_eq!(again["changes"], plan["changes"]);

    let (code, applied, stderr) = run_doc(apply(&["--yes"])).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(applied["applied"], true);

    let (code, second, stderr) = run_doc(apply(&["--yes"])).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(second["changes"], serde_json::json!([]), "idempotent");
    assert_eq!(second["applied"], false);

    // What apply wrote reads back as the policy it applied.
    let show = [
        "show",
        "--cluster",
        "prod",
        "--service",
        "web",
        "--format",
        "json",
    ];
    let (_, doc, _) = run_doc(aws_vitals(&moto.url, &scratch, &show)).await;
    assert_eq!(doc["scalable_target"]["max_capacity"], 50);
    let alarm = doc["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "web-cpu-high-step-scaling")
        .expect("the step alarm");
    assert_eq!(alarm["comparison"], "GreaterThanOrEqualToThreshold");
    assert_eq!(alarm["threshold"], 70.0);
    let step_arn = doc["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "web-cpu-step-scaling")
        .map(|p| p["arn"].clone())
        .expect("the step policy");
    assert_eq!(
        alarm["actions"][0], step_arn,
        "the alarm invokes the step policy"
    );

    // A new threshold alone re-puts the alarm, still invoking the (unchanged) step policy.
    let higher = scratch.write(
        "higher.toml",
        std::fs::read_to_string(repo().join("examples/autoscale/with-step.toml"))
            .unwrap()
            .replace("threshold = 70", "threshold = 75"),
    );
    let mut args = vec![
        "apply",
        "--cluster",
        "prod",
        "--service",
        "web",
        "--format",
        "json",
    ];
    args.extend(["--yes", "--policy", higher.to_str().unwrap()]);
    let (code, raised, stderr) = run_doc(aws_vitals(&moto.url, &scratch, &args)).await;
    assert_eq!(code, 0, "{stderr}");
    let changed: Vec<&str> = raised["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["alarm"]);
    let (_, doc, _) = run_doc(aws_vitals(&moto.url, &scratch, &show)).await;
    let alarm = doc["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "web-cpu-high-step-scaling")
        .expect("the step alarm");
    assert_eq!(alarm["threshold"], 75.0);
    assert_eq!(alarm["actions"][0], step_arn);

    // Dropping step scaling deletes the alarm before its policy; the other service is untouched.
    let tt_only = repo().join("examples/autoscale/target-tracking.toml");
    let mut args = vec![
        "apply",
        "--cluster",
        "prod",
        "--service",
        "web",
        "--format",
        "json",
    ];
    args.extend(["--yes", "--policy", tt_only.to_str().unwrap()]);
    let (code, dropped, stderr) = run_doc(aws_vitals(&moto.url, &scratch, &args)).await;
    assert_eq!(code, 0, "{stderr}");
    let order: Vec<&str> = dropped["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["alarm", "step_scaling_policy"]);
    let show_api = [
        "show",
        "--cluster",
        "prod",
        "--service",
        "api",
        "--format",
        "json",
    ];
    let (_, api, _) = run_doc(aws_vitals(&moto.url, &scratch, &show_api)).await;
    assert_eq!(api["policies"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn simulate_fetches_the_trace_from_cloudwatch_and_saves_it_as_the_contract_csv() {
    let Some(moto) = seeded_moto().await else {
        return;
    };
    let scratch = Scratch::new();
    let saved = scratch.path("fetched.csv");
    let args = [
        "simulate",
        "--cluster",
        "prod",
        "--service",
        "api",
        "--since",
        "20d",
        "--now",
        "2026-11-22T00:00:00Z",
        "--format",
        "json",
        "--save-trace",
    ];
    let mut cmd = aws_vitals(&moto.url, &scratch, &args);
    cmd.arg(&saved);
    let (code, doc, stderr) = run_doc(cmd).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("one-minute datapoints for 15 days"),
        "asked for 20 days: {stderr}"
    );
    assert_eq!(doc["minutes"], 120);
    assert_eq!(doc["spikes"][0]["start"], "2026-11-21T23:00:00Z");

    let csv = std::fs::read_to_string(&saved).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "timestamp,cpu_utilization,running_tasks");
    assert_eq!(lines.len(), 121);
    assert_eq!(lines[1], "2026-11-21T22:00:00Z,40,6");
    assert_eq!(lines[61], "2026-11-21T23:00:00Z,95,6");
    assert_eq!(
        lines[31], "2026-11-21T22:30:00Z,40,6",
        "a missing task count carries on"
    );

    // Replaying the saved CSV under the live policy gives the same figures.
    let mut replay = vitals();
    replay
        .args([
            "autoscale",
            "simulate",
            "--now",
            "2026-11-22T00:00:00Z",
            "--format",
            "json",
        ])
        .arg("--trace")
        .arg(&saved)
        .arg("--policy")
        .arg(repo().join("examples/autoscale/with-step.toml"));
    let (_, offline, _) = run_json(&mut replay);
    for key in [
        "task_hours",
        "overload_minutes",
        "spikes",
        "scale_out_actions",
    ] {
        assert_eq!(offline[key], doc[key], "{key}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_aws_api_or_missing_credentials_exit_3_and_a_missing_region_exits_2() {
    let scratch = Scratch::new();
    let args = [
        "apply",
        "--cluster",
        "prod",
        "--service",
        "web",
        "--yes",
        "--policy",
    ];
    let policy = repo().join("examples/autoscale/with-step.toml");
    // Nothing listens on port 9: the first describe call fails, nothing is applied.
    let mut cmd = aws_vitals("http://127.0.0.1:9", &scratch, &args);
    cmd.arg(&policy);
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stdout.is_empty());

    let mut cmd = aws_vitals("http://127.0.0.1:9", &scratch, &args);
    cmd.arg(&policy)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    let (code, _, stderr) = run_async(cmd).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("no AWS credentials found"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");

    let mut cmd = aws_vitals("http://127.0.0.1:9", &scratch, &args);
    cmd.arg(&policy).env_remove("AWS_REGION");
    let (code, _, stderr) = run_async(cmd).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no AWS region"), "{stderr}");
}
