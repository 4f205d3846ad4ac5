//! `vitals init`, `vitals config check` and `vitals completions`.

use crate::support::*;

#[test]
fn init_writes_a_config_that_checks_clean_and_never_overwrites() {
    let scratch = Scratch::new();
    let path = scratch.path("vitals.toml");
    vitals()
        .args(["init", "--path"])
        .arg(&path)
        .assert()
        .success();
    let check = vitals()
        .args(["config", "check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("time zone: UTC"));
    let again = vitals()
        .args(["init", "--path"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "an existing file is kept");
    vitals()
        .args(["init", "--force", "--path"])
        .arg(&path)
        .assert()
        .success();
}

#[test]
fn config_check_reports_every_section_and_credentials_without_calling_anything() {
    let out = vitals()
        .args(["config", "check", "--config", "examples/vitals.toml"])
        .env(
            "SLACK_WEBHOOK_URL",
            "https://hooks.example.test/services/T/B/very-secret-value",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for section in [
        "crash_free: ok",
        "slo: ok",
        "freshness: ok",
        "autoscale: ok",
        "slack: incoming webhook (SLACK_WEBHOOK_URL)",
    ] {
        assert!(text.contains(section), "{section}\n{text}");
    }
    assert!(!text.contains("very-secret-value"));
    let scratch = Scratch::new();
    let bad = scratch.write("vitals.toml", "[slo]\nspecs = [\"nowhere/*.yaml\"]\n");
    let out = vitals()
        .args(["config", "check", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no file matches"));
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = vitals().args(["completions", shell]).output().unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("crash-free"),
            "{shell}"
        );
    }
}
