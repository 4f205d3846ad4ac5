//! What ships beside the binary: `--version`, the Terraform module and its example root module
//! (with a real `terraform` when one is installed), the release archive and the GitHub Action's
//! scripts (against a local server standing in for GitHub's release downloads).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{repo, vitals, Scratch};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn both(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn version_names_the_commit_and_the_build_date() {
    let out = vitals().arg("--version").output().unwrap();
    assert!(out.status.success());
    let line = text(&out.stdout);
    let line = line.trim_end();
    // `vitals 0.1.0 (1a2b3c4d5e6f 2026-12-03)`, or without the commit outside a git checkout.
    let rest = line
        .strip_prefix(&format!("vitals {} (", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line}"));
    let date = rest.rsplit(' ').next().unwrap();
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "{line}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output();
    if let Some(head) = head.ok().filter(|h| h.status.success()) {
        let head = text(&head.stdout);
        assert_eq!(rest, format!("{} {date}", head.trim()), "{line}");
    }
    // Subcommands show the same line (clap's propagate_version).
    let sub = vitals().args(["crash-free", "--version"]).output().unwrap();
    assert!(text(&sub.stdout).contains(rest));
}

// ---------------------------------------------------------------------------------------------
// Terraform

/// `terraform` isolated from the host's configuration and checkpoint calls; `None` (with the
/// reason printed) when no binary is installed.
fn terraform(scratch: &Scratch, dir: &Path) -> Option<Command> {
    if Command::new("terraform").arg("version").output().is_err() {
        println!("skipped: no terraform binary on PATH");
        return None;
    }
    let rc = scratch.write("terraformrc", "");
    let mut cmd = Command::new("terraform");
    cmd.current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", rc)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env_remove("TF_CLI_ARGS")
        .env_remove("TF_DATA_DIR");
    Some(cmd)
}

fn run(cmd: &mut Command, args: &[&str]) -> Output {
    cmd.args(args).output().expect("run terraform")
}

#[test]
fn terraform_files_are_formatted() {
    let scratch = Scratch::new();
    let Some(mut tf) = terraform(&scratch, &repo().join("terraform")) else {
        return;
    };
    let out = run(
        &mut tf,
        &["fmt", "-check", "-recursive", "-diff", "-no-color"],
    );
    assert!(out.status.success(), "terraform fmt:\n{}", both(&out));
}

/// A root module holding only `variables_tf`: `terraform init` needs no provider for it, so
/// `plan` evaluates the variables' types and validations offline.
fn variables_only(scratch: &Scratch, name: &str, variables_tf: &str) -> PathBuf {
    let dir = scratch.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(repo().join(variables_tf), dir.join("variables.tf")).unwrap();
    let mut tf = terraform(scratch, &dir).unwrap();
    let out = run(&mut tf, &["init", "-backend=false", "-no-color"]);
    assert!(out.status.success(), "terraform init:\n{}", both(&out));
    dir
}

fn plan(scratch: &Scratch, dir: &Path, args: &[&str]) -> Output {
    let mut tf = terraform(scratch, dir).unwrap();
    tf.args(["plan", "-no-color", "-lock=false"]).args(args);
    tf.output().unwrap()
}

const MODULE_VARIABLES: &str = "terraform/modules/ecs-autoscaling/variables.tf";
const EXAMPLE_VARIABLES: &str = "terraform/examples/api/variables.tf";

/// What `tune --emit-terraform` writes for the bundled policy (a short trace keeps it quick).
fn emitted_tfvars(scratch: &Scratch) -> PathBuf {
    let full = std::fs::read_to_string(repo().join("examples/autoscale/api-cpu.csv")).unwrap();
    let trace: String = full.lines().take(181).map(|l| format!("{l}\n")).collect();
    let trace = scratch.write("trace.csv", trace);
    let tfvars = scratch.path("terraform.tfvars.json");
    let out = vitals()
        .args(["autoscale", "tune", "-q", "--format", "json"])
        .args(["--policy", "examples/autoscale/with-step.toml", "--trace"])
        .arg(&trace)
        .arg("--emit-terraform")
        .arg(&tfvars)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    tfvars
}

#[test]
fn tuned_tfvars_plan_cleanly_against_the_module_and_the_example() {
    let scratch = Scratch::new();
    if terraform(&scratch, repo()).is_none() {
        return;
    }
    let tfvars = emitted_tfvars(&scratch);
    let var_file = format!("-var-file={}", tfvars.display());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&tfvars).unwrap()).unwrap();
    assert!(!written["step_scaling"]["steps"]
        .as_array()
        .unwrap()
        .is_empty());

    // The module: every key declared, every value valid (cluster and service are the root
    // module's to set).
    let module = variables_only(&scratch, "module", MODULE_VARIABLES);
    let out = plan(
        &scratch,
        &module,
        &[&var_file, "-var=cluster_name=prod", "-var=service_name=api"],
    );
    assert!(out.status.success(), "{}", both(&out));
    // Terraform only warns about keys no variable declares, then ignores them.
    assert!(!both(&out).contains("Warning"), "{}", both(&out));

    // The example root module, as `terraform -chdir=terraform/examples/api plan` would read
    // the file written into it.
    let example = variables_only(&scratch, "example", EXAMPLE_VARIABLES);
    std::fs::copy(&tfvars, example.join("terraform.tfvars.json")).unwrap();
    let out = plan(&scratch, &example, &[]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(!both(&out).contains("Warning"), "{}", both(&out));
}

#[test]
fn module_validations_reject_what_the_aws_api_would() {
    let scratch = Scratch::new();
    if terraform(&scratch, repo()).is_none() {
        return;
    }
    let module = variables_only(&scratch, "module", MODULE_VARIABLES);
    let good = serde_json::json!({
        "cluster_name": "prod", "service_name": "api", "min_capacity": 5, "max_capacity": 50,
        "target_tracking": {"target_value": 60, "scale_in_cooldown": 60, "scale_out_cooldown": 30},
        "step_scaling": {"threshold": 70, "cooldown": 30, "aggregation": "Average", "steps": [
            {"lower": 0, "upper": 10, "adjustment": 3},
            {"lower": 10, "upper": 20, "adjustment": 5},
            {"lower": 20, "upper": null, "adjustment": 10}]}
    });
    let check = |name: &str, edit: &dyn Fn(&mut Value), expected: Option<&str>| {
        let mut vars = good.clone();
        edit(&mut vars);
        let file = scratch.write(&format!("{name}.tfvars.json"), vars.to_string());
        let out = plan(
            &scratch,
            &module,
            &[&format!("-var-file={}", file.display())],
        );
        let output = both(&out).replace('\n', " ");
        match expected {
            None => assert!(out.status.success(), "{name}: {output}"),
            Some(message) => {
                assert!(!out.status.success(), "{name} was accepted");
                assert!(output.contains(message), "{name}: {output}");
            }
        }
    };
    check("good", &|_| {}, None);
    check(
        "no target tracking",
        &|v| v["target_tracking"] = Value::Null,
        None,
    );
    check(
        "min above max",
        &|v| v["min_capacity"] = 60.into(),
        Some("max_capacity must be at least min_capacity"),
    );
    check(
        "fractional capacity",
        &|v| v["max_capacity"] = 5.5.into(),
        Some("max_capacity must be a whole number"),
    );
    check(
        "target 0",
        &|v| v["target_tracking"]["target_value"] = 0.into(),
        Some("target_value must be a CPU percent above 0 and at most 100"),
    );
    check(
        "target above 100",
        &|v| v["target_tracking"]["target_value"] = 101.into(),
        Some("at most 100"),
    );
    check(
        "negative cooldown",
        &|v| v["target_tracking"]["scale_in_cooldown"] = (-1).into(),
        Some("whole seconds, 0 or more"),
    );
    check(
        "negative step cooldown",
        &|v| v["step_scaling"]["cooldown"] = (-5).into(),
        Some("step_scaling.cooldown must be whole seconds"),
    );
    check(
        "aggregation",
        &|v| v["step_scaling"]["aggregation"] = "Sum".into(),
        Some("one of Average, Minimum, Maximum"),
    );
    check(
        "no steps",
        &|v| v["step_scaling"]["steps"] = serde_json::json!([]),
        Some("at least one step"),
    );
    check(
        "gap between steps",
        &|v| v["step_scaling"]["steps"][1]["lower"] = 12.into(),
        Some("sorted and contiguous"),
    );
    check(
        "bounded last step",
        &|v| v["step_scaling"]["steps"][2]["upper"] = 40.into(),
        Some("sorted and contiguous"),
    );
    check(
        "first step above the threshold",
        &|v| v["step_scaling"]["steps"][0]["lower"] = 5.into(),
        Some("first step's lower must be 0"),
    );
    check(
        "upper below lower",
        &|v| v["step_scaling"]["steps"][0]["upper"] = 0.into(),
        Some("upper must be greater than its lower"),
    );
    check(
        "service name too long for the alarm's",
        &|v| v["service_name"] = "s".repeat(234).into(),
        Some("service_name must be 1 to 233"),
    );
}

/// `terraform validate` needs the AWS provider's schema, which `init` downloads from the
/// registry: offline it is skipped, saying so.
#[test]
fn module_and_example_validate_when_the_provider_can_be_installed() {
    let scratch = Scratch::new();
    if terraform(&scratch, repo()).is_none() {
        return;
    }
    let copy = scratch.path("terraform");
    for dir in ["modules/ecs-autoscaling", "examples/api"] {
        let (from, to) = (repo().join("terraform").join(dir), copy.join(dir));
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap().path();
            if entry.extension().is_some_and(|e| e == "tf") {
                std::fs::copy(&entry, to.join(entry.file_name().unwrap())).unwrap();
            }
        }
    }
    for dir in ["modules/ecs-autoscaling", "examples/api"] {
        let dir = copy.join(dir);
        let init = run(
            &mut terraform(&scratch, &dir).unwrap(),
            &["init", "-backend=false", "-no-color"],
        );
        if !init.status.success() {
            let reason = both(&init);
            let offline = [
                "registry.terraform.io",
                "Failed to query available provider",
            ]
            .iter()
            .any(|s| reason.contains(s));
            assert!(offline, "terraform init failed:\n{reason}");
            let why = reason
                .lines()
                .find(|l| l.contains("could not connect") || l.contains("Error"))
                .unwrap_or("offline");
            println!(
                "skipped: terraform validate: the AWS provider cannot be installed here ({})",
                why.trim()
            );
            return;
        }
        let out = run(
            &mut terraform(&scratch, &dir).unwrap(),
            &["validate", "-no-color"],
        );
        assert!(out.status.success(), "terraform validate:\n{}", both(&out));
    }
}

// ---------------------------------------------------------------------------------------------
// The release archive and the GitHub Action's scripts

const TARGET: &str = "x86_64-unknown-linux-gnu";
const VERSION: &str = "v9.8.7";

/// A stand-in for the release binary: the action only runs `vitals --version` on it.
fn fake_binary(scratch: &Scratch) -> PathBuf {
    let bin = scratch.write("fake-vitals", "#!/bin/sh\necho \"vitals 9.8.7 (fake)\"\n");
    make_executable(&bin);
    bin
}

fn make_executable(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `scripts/release-archive` output: (archive bytes, checksum file text).
fn release_archive(scratch: &Scratch) -> (Vec<u8>, String) {
    let dist = scratch.path("dist");
    let out = Command::new(repo().join("scripts/release-archive"))
        .args([VERSION, TARGET])
        .arg(fake_binary(scratch))
        .arg(&dist)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", both(&out));
    let name = format!("vitals-{VERSION}-{TARGET}.tar.gz");
    let archive = std::fs::read(dist.join(&name)).unwrap();
    let sums = std::fs::read_to_string(dist.join(format!("{name}.sha256"))).unwrap();
    (archive, sums)
}

#[test]
fn release_archive_holds_the_binary_and_docs_and_its_checksum_verifies() {
    let scratch = Scratch::new();
    let (archive, sums) = release_archive(&scratch);
    let name = format!("vitals-{VERSION}-{TARGET}");
    let check = Command::new("sha256sum")
        .args(["-c", &format!("{name}.tar.gz.sha256")])
        .current_dir(scratch.path("dist"))
        .output();
    if let Ok(check) = check {
        assert!(check.status.success(), "{}", both(&check));
    }
    assert!(sums.ends_with(&format!("  {name}.tar.gz\n")), "{sums}");
    let list = Command::new("tar")
        .args(["-tzvf", &format!("{name}.tar.gz")])
        .current_dir(scratch.path("dist"))
        .output()
        .unwrap();
    let list = text(&list.stdout);
    for file in ["vitals", "README.md", "LICENSE", "CHANGELOG.md"] {
        assert!(list.contains(&format!("{name}/{file}")), "{file}:\n{list}");
    }
    assert!(list.contains("-rwxr-xr-x 0/0"), "{list}");
    // Reproducible: the same inputs give the same bytes.
    let again = Scratch::new();
    assert_eq!(release_archive(&again).1, sums);
    assert!(!archive.is_empty());
}

/// The action's installer with a runner's environment, nothing inherited from a real runner.
fn action_install(scratch: &Scratch, step: &str, env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(repo().join("scripts/action-install"));
    cmd.arg(step);
    for var in [
        "GITHUB_OUTPUT",
        "GITHUB_PATH",
        "GITHUB_ACTION_PATH",
        "ACTION_REF",
        "ACTION_REPOSITORY",
        "INPUT_VERSION",
        "INPUT_BUILD_FROM_SOURCE",
        "ImageOS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TEMP", scratch.path("runner-temp"))
        .env("RUNNER_TOOL_CACHE", scratch.path("tool-cache"))
        .env("GITHUB_OUTPUT", scratch.path(&format!("{step}.output")))
        .env("GITHUB_PATH", scratch.path("github-path"));
    std::fs::create_dir_all(scratch.path("runner-temp")).unwrap();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn step_outputs(scratch: &Scratch, step: &str) -> Vec<(String, String)> {
    let file = std::fs::read_to_string(scratch.path(&format!("{step}.output"))).unwrap_or_default();
    let _ = std::fs::remove_file(scratch.path(&format!("{step}.output")));
    file.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get<'a>(outputs: &'a [(String, String)], key: &str) -> &'a str {
    outputs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no output {key} in {outputs:?}"))
}

/// `resolve` then `install`, as action.yml chains them (install gets resolve's outputs).
fn resolve_and_install(scratch: &Scratch, base: &str) -> (Vec<(String, String)>, Output) {
    let env = [
        ("ACTION_REPOSITORY", "acme/vitals".to_string()),
        ("ACTION_REF", VERSION.to_string()),
        ("VITALS_RELEASE_BASE_URL", base.to_string()),
    ];
    let out = action_install(scratch, "resolve", &env);
    assert!(out.status.success(), "{}", both(&out));
    let outputs = step_outputs(scratch, "resolve");
    let mut install_env = env.to_vec();
    for (var, key) in [
        ("VITALS_MODE", "mode"),
        ("VITALS_VERSION", "version"),
        ("VITALS_TARGET", "target"),
        ("VITALS_DIR", "dir"),
        ("VITALS_SOURCE", "source"),
        ("VITALS_REV", "rev"),
    ] {
        install_env.push((var, get(&outputs, key).to_string()));
    }
    let installed = action_install(scratch, "install", &install_env);
    (outputs, installed)
}

/// A stand-in for GitHub's release downloads: the archive and its checksum under the tag.
async fn release_server(archive: Vec<u8>, sums: String) -> MockServer {
    let name = format!("vitals-{VERSION}-{TARGET}.tar.gz");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/{VERSION}/{name}")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(archive))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/{VERSION}/{name}.sha256")))
        .respond_with(ResponseTemplate::new(200).set_body_string(sums))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn action_installs_the_release_for_its_tag_after_checking_the_checksum() {
    let scratch = Scratch::new();
    let (archive, sums) = release_archive(&scratch);
    let server = release_server(archive, sums.clone()).await;

    let (outputs, installed) = resolve_and_install(&scratch, &server.uri());
    assert_eq!(get(&outputs, "mode"), "release");
    assert_eq!(get(&outputs, "target"), TARGET);
    // The cache key names the release and its checksum, so a re-published asset is new.
    let key = get(&outputs, "cache-key");
    assert_eq!(
        key,
        format!("vitals-release-{VERSION}-{TARGET}-{}", &sums[..16])
    );
    assert!(installed.status.success(), "{}", both(&installed));
    assert!(text(&installed.stderr).contains("SHA-256 verified"));
    let dir = PathBuf::from(get(&outputs, "dir"));
    let ran = Command::new(dir.join("vitals"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(text(&ran.stdout), "vitals 9.8.7 (fake)\n");
    // Later steps find it on PATH.
    let path = std::fs::read_to_string(scratch.path("github-path")).unwrap();
    assert_eq!(path.trim(), dir.display().to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn action_refuses_an_archive_whose_checksum_does_not_match() {
    let scratch = Scratch::new();
    let (mut archive, sums) = release_archive(&scratch);
    let last = archive.len() - 1;
    archive[last] ^= 0xff;
    let server = release_server(archive, sums).await;

    let (outputs, installed) = resolve_and_install(&scratch, &server.uri());
    assert!(!installed.status.success());
    assert!(
        text(&installed.stdout).contains("does not match the published"),
        "{}",
        both(&installed)
    );
    assert!(!Path::new(get(&outputs, "dir")).join("vitals").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn action_builds_from_its_own_source_when_no_release_matches() {
    let scratch = Scratch::new();
    let server = MockServer::start().await; // every asset: 404
    let env = [
        ("ACTION_REPOSITORY", "acme/vitals".to_string()),
        ("ACTION_REF", "v0.0.1".to_string()),
        ("GITHUB_ACTION_PATH", repo().display().to_string()),
        ("VITALS_RELEASE_BASE_URL", server.uri()),
    ];
    let out = action_install(&scratch, "resolve", &env);
    assert!(out.status.success(), "{}", both(&out));
    let outputs = step_outputs(&scratch, "resolve");
    assert_eq!(get(&outputs, "mode"), "source");
    assert_eq!(get(&outputs, "source"), repo().display().to_string());
    assert!(get(&outputs, "cache-key").starts_with("vitals-source-"));

    // Asked to, it builds from source even when a release exists.
    let mut forced = env.to_vec();
    forced.push(("INPUT_BUILD_FROM_SOURCE", "true".to_string()));
    let out = action_install(&scratch, "resolve", &forced);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(get(&step_outputs(&scratch, "resolve"), "mode"), "source");
}

/// The run step, with a stand-in binary that prints each argument it got on its own line.
fn action_run(scratch: &Scratch, command: &str, exit: i32) -> (Output, Vec<(String, String)>) {
    let bin = scratch.write(
        "echo-args",
        format!("#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\nexit {exit}\n"),
    );
    make_executable(&bin);
    let summary = scratch.write("summary.md", "");
    let out = Command::new(repo().join("scripts/action-run"))
        .env("VITALS_BIN", bin)
        .env("VITALS_COMMAND", command)
        .env("VITALS_SUMMARY_FROM_STDOUT", "true")
        .env("GITHUB_STEP_SUMMARY", summary)
        .env("GITHUB_OUTPUT", scratch.path("run.output"))
        .env("RUNNER_TEMP", scratch.dir.path())
        .output()
        .unwrap();
    (out, step_outputs(scratch, "run"))
}

#[test]
fn action_passes_the_command_as_words_and_expands_nothing() {
    let scratch = Scratch::new();
    let command =
        r#"four-keys --deploy-tag 'deploy/*' --since 90d --format=json "a b" $HOME `id` ; x"#;
    let (out, outputs) = action_run(&scratch, command, 1);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "[four-keys]\n[--deploy-tag]\n[deploy/*]\n[--since]\n[90d]\n[--format=json]\n[a b]\n\
         [$HOME]\n[`id`]\n[;]\n[x]\n"
    );
    assert_eq!(get(&outputs, "exit-code"), "1");
    let report = get(&outputs, "report");
    assert_eq!(get(&outputs, "report-json"), report);
    assert_eq!(std::fs::read_to_string(report).unwrap(), text(&out.stdout));
    let summary = std::fs::read_to_string(scratch.path("summary.md")).unwrap();
    assert_eq!(summary, text(&out.stdout));

    let (out, outputs) = action_run(&scratch, "slo --format markdown", 0);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(get(&outputs, "exit-code"), "0");
    assert!(outputs.iter().all(|(k, _)| k != "report-json"));

    let (out, _) = action_run(&scratch, "digest --config 'vitals.toml", 0);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("cannot be split into words"));
}
