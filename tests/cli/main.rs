//! CLI tests: the `vitals` binary against real files, a real BigQuery emulator, and local HTTP
//! servers standing in for Slack and BigQuery's REST API. One test binary (each extra binary
//! relinks everything); one module per area.

mod autoscale;
mod autoscale_aws;
mod bigquery_emulator;
mod bigquery_rest;
mod cloudwatch;
mod crash_free;
mod digest;
mod exit_codes;
mod four_keys;
mod four_keys_github;
mod freshness;
mod fuzz;
mod gate;
mod hostile;
mod impact;
mod onboarding;
mod prometheus;
mod shipping;
mod slack;
mod slo;
mod support;
mod visual;
