//! `vitals autoscale simulate|tune` on the bundled trace and policies, and bad inputs.

use serde_json::Value;

use crate::support::*;

fn simulate(policy: &str) -> Value {
    let (code, doc, stderr) = run_json(
        vitals()
            .args([
                "autoscale",
                "simulate",
                "--trace",
                "examples/autoscale/api-cpu.csv",
                "--format",
                "json",
                "--now",
                "2026-11-22T00:00:00Z",
                "--policy",
            ])
            .arg(format!("examples/autoscale/{policy}.toml")),
    );
    assert_eq!(code, 0, "{stderr}");
    doc
}

fn worst_recovery(doc: &Value) -> u64 {
    doc["spikes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["recovery_minutes"].as_u64().unwrap())
        .max()
        .unwrap_or(0)
}

#[test]
fn the_step_policy_cuts_spike_recovery() {
    let tt = simulate("target-tracking");
    let step = simulate("with-step");
    assert_eq!(tt["kind"], "autoscale_simulation");
    assert_eq!(tt["minutes"], 14 * 1440);
    assert!(
        worst_recovery(&tt) >= 5,
        "target tracking alone lags: {}",
        worst_recovery(&tt)
    );
    assert!(
        worst_recovery(&step) <= 3,
        "step scaling absorbs spikes in a few minutes: {}",
        worst_recovery(&step)
    );
    assert!(step["overload_minutes"].as_u64() < tt["overload_minutes"].as_u64());
}

#[test]
fn timeline_and_chart_are_written() {
    let scratch = Scratch::new();
    let (timeline, chart) = (scratch.path("timeline.csv"), scratch.path("autoscale.svg"));
    vitals()
        .args([
            "autoscale",
            "simulate",
            "--config",
            "examples/vitals.toml",
            "-q",
            "--timeline",
        ])
        .arg(&timeline)
        .arg("--chart")
        .arg(&chart)
        .assert()
        .success();
    let text = std::fs::read_to_string(&timeline).unwrap();
    assert!(text.starts_with("minute,demand,desired,serving,cpu,metric_seen,tt_alarm_high,tt_alarm_low,step_alarm,action\n"));
    assert_eq!(text.lines().count(), 14 * 1440 + 1);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("Simulated CPU") && svg.contains("step alarm ≥ 70 %"));
}

#[test]
fn tune_finds_a_policy_no_worse_and_emits_terraform_variables() {
    let scratch = Scratch::new();
    let tfvars = scratch.path("terraform.tfvars.json");
    // Two days of the bundled trace keep an unoptimised test build quick; `scripts/bench-autoscale`
    // runs the full two weeks.
    let full = std::fs::read_to_string("examples/autoscale/api-cpu.csv").unwrap();
    let two_days: String = full
        .lines()
        .take(2 * 1440 + 1)
        .map(|l| format!("{l}\n"))
        .collect();
    let trace = scratch.write("trace.csv", two_days);
    let (code, doc, stderr) = run_json(
        vitals()
            .args([
                "autoscale",
                "tune",
                "--policy",
                "examples/autoscale/with-step.toml",
                "--format",
                "json",
                "-q",
                "--trace",
            ])
            .arg(&trace)
            .arg("--emit-terraform")
            .arg(&tfvars),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["kind"], "autoscale_tuning");
    assert!(doc["evaluated"].as_u64().unwrap() >= 10_000);
    let (current, best) = (&doc["current"]["figures"], &doc["best"]["figures"]);
    assert!(current["task_hours"].is_number() && best["overload_minutes"].is_number());
    assert!(best["overload_minutes"].as_u64() <= current["overload_minutes"].as_u64());
    assert!(best["task_hours"].as_f64() <= current["task_hours"].as_f64());
    let vars: Value = serde_json::from_str(&std::fs::read_to_string(&tfvars).unwrap()).unwrap();
    assert_eq!(vars["max_capacity"], 50);
    assert!(vars["target_tracking"]["target_value"].is_number());
    // Every variable written is one the module declares, nested keys included, and one the
    // example root module declares (Terraform only warns about an undeclared variable in a
    // tfvars file, and then applies the defaults). tests/cli/shipping.rs also plans the file
    // against both with a real terraform, validations included, when one is installed.
    for variables in [
        "terraform/modules/ecs-autoscaling/variables.tf",
        "terraform/examples/api/variables.tf",
    ] {
        let declared = std::fs::read_to_string(variables).unwrap();
        for (key, value) in vars.as_object().unwrap() {
            assert!(
                declared.contains(&format!("variable \"{key}\"")),
                "{variables}: {key}"
            );
            for nested in value.as_object().into_iter().flat_map(|o| o.keys()) {
                let found = declared
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{nested} ")));
                assert!(found, "{variables}: {key}.{nested}");
            }
        }
    }
}

#[test]
fn bad_traces_and_policies_exit_2_with_the_line() {
    let scratch = Scratch::new();
    let policy = std::fs::read_to_string("examples/autoscale/with-step.toml").unwrap();
    let good_trace = "timestamp,cpu_utilization,running_tasks\n2026-11-21T00:00:00Z,50,5\n2026-11-21T00:01:00Z,55,5\n";
    let cases = [
        (
            good_trace.replace("55,5", "-3,5"),
            policy.clone(),
            "trace.csv:3: column `cpu_utilization`: \"-3\" is not a non-negative number",
        ),
        (
            good_trace.replace("55,5", "fast,5"),
            policy.clone(),
            "trace.csv:3: column `cpu_utilization`",
        ),
        (
            good_trace.replace("00:01:00Z", "00:00:00Z"),
            policy.clone(),
            "trace.csv: row 2",
        ),
        (
            good_trace.to_string(),
            policy.replace("min_capacity = 5", "min_capacity = 60"),
            "policy.toml: ",
        ),
        (
            good_trace.to_string(),
            policy.replace("cooldown = 30\nsteps", "cooldwn = 30\nsteps"),
            "policy.toml:13:1: unknown field `cooldwn`",
        ),
        (
            good_trace.to_string(),
            policy.replace(
                "{ lower = 10, upper = 20, adjustment = 5 }",
                "{ lower = 12, upper = 20, adjustment = 5 }",
            ),
            "policy.toml: ",
        ),
    ];
    for (trace, policy, expected) in cases {
        let t = scratch.write("trace.csv", &trace);
        let p = scratch.write("policy.toml", &policy);
        let out = vitals()
            .args(["autoscale", "simulate", "--trace"])
            .arg(&t)
            .arg("--policy")
            .arg(&p)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr)
            .replace(&scratch.dir.path().display().to_string(), "");
        assert_eq!(out.status.code(), Some(2), "{expected}\n{err}");
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}
