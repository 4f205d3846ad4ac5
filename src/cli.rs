//! Command-line definitions and help text. Parsing only: no I/O, no defaults from config
//! (flags left unset are `None`, so config values can fill them in).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Reliability numbers from where the data already is: crash-free users, SLOs, \
freshness, autoscaling and DORA metrics, reported to a terminal, JSON, Markdown or Slack.";

/// The top-level examples: the path from nothing to a scheduled digest. Every example block
/// is printed as written (each line fits 80 columns; `\` continues a command), so it can be
/// copied into a shell.
const EXAMPLES: &str = "\
Getting started:
  vitals init            # write a commented vitals.toml
  vitals config check    # what each section would read, with which credentials
  vitals digest          # every configured check in one report

Examples:
  # The bundled example data, offline
  vitals digest --config examples/vitals.toml

  # One check, as JSON
  vitals crash-free --events 'exports/*.ndjson.gz' --days 30 --format json

  # Post the digest: verdicts in the channel, details and charts in the thread
  vitals digest --slack --slack-thread --slack-charts

Exit codes: 0 all objectives met, 1 an objective is violated, 2 bad usage,
config or input (nothing was posted), 3 an upstream service failed.";

/// `0.1.0 (1a2b3c4d5e6f 2026-12-03)`: the commit and build date, from build.rs.
const VERSION: &str = env!("VITALS_LONG_VERSION");

#[derive(Debug, Parser)]
#[command(
    name = "vitals",
    version = VERSION,
    about = ABOUT,
    after_long_help = EXAMPLES,
    after_help = "Start with `vitals init`, then `vitals config check` and `vitals digest`; \
                  `vitals --help` has examples.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts, listed under their own heading in every `--help`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Config file [default: ./vitals.toml when it exists]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Output on stdout
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Pin "now" (reproducible runs, backfills, tests) [default: the system clock]
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<String>,

    /// Time zone for calendar days, e.g. Asia/Tokyo [default: config `timezone`, else UTC]
    #[arg(long, global = true, value_name = "IANA")]
    pub tz: Option<String>,

    /// Post the result to Slack (SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN with --slack-channel)
    #[arg(long, global = true)]
    pub slack: bool,

    /// Print the Slack payload (a JSON array of Block Kit messages) on stdout instead of posting
    #[arg(long, global = true)]
    pub slack_dry_run: bool,

    /// Channel for SLACK_BOT_TOKEN posts [default: config `slack.channel`]
    #[arg(long, global = true, value_name = "NAME")]
    pub slack_channel: Option<String>,

    /// Post the verdicts to the channel and the details (and charts) as replies in their
    /// thread (needs SLACK_BOT_TOKEN)
    #[arg(long, global = true)]
    pub slack_thread: bool,

    /// Warnings also make the run exit 1
    #[arg(long, global = true)]
    pub strict: bool,

    /// No progress on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log each upstream call on stderr (secrets redacted)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Network time limit, e.g. 30s, 5m. Every call that fetches data (BigQuery, CloudWatch,
    /// ECS, GitHub; each BigQuery freshness check) ends within this of the start, retries and
    /// polling included, and Slack posting within this of its first post: a run waits on
    /// networks at most twice this. Each attempt is cut at a minute (or at this, if shorter)
    /// [default: 10m; config: network.timeout]
    #[arg(long, global = true, value_name = "DURATION")]
    pub timeout: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crash-free user rate per platform and app version, from a GA4 export
    #[command(
        long_about = "Crash-free user rate per platform and app version from a GA4 export: the \
7- and 30-day windows against each platform's SLO (defaults IOS 0.9995, ANDROID 0.996), and the \
daily rate with its 7- and 30-day simple moving averages. The report ends on the last complete \
day before --now in --tz. Exits 1 when a platform's window misses its SLO.",
        after_long_help = "Examples:
  # The bundled example data
  vitals crash-free --config examples/vitals.toml

  # Local exports, iOS only, fatal crashes only
  vitals crash-free --events 'export/*.ndjson.gz' --platform ios --crash fatal

  # The chart as PNG (or .svg) and the report as Markdown
  vitals crash-free --events export.parquet --chart crash-free.png \\
      --format markdown

  # What the BigQuery query would scan, without running it
  vitals crash-free --bigquery my-project.analytics_123456 --dry-run

  # The Slack message it would post
  vitals crash-free --config vitals.toml --slack-dry-run"
    )]
    CrashFree(CrashFreeArgs),

    /// Data freshness SLOs and SLAs per source: BigQuery tables and local files, dbt-compatible
    #[command(
        long_about = "How old the newest data of each source is, against its SLO (warn_after) and SLA \
(error_after): BigQuery tables by last-modified time (0 bytes scanned) or MAX(loaded_at_field), and \
local files by newest modification time (or newest loaded_at_field value). Checks come from \
[[freshness.checks]] in the config and from a dbt project: best its compiled target/manifest.json \
(--dbt-manifest: exactly the sources `dbt source freshness` checks), or its sources.yml files \
(--dbt-sources, --dbt-project), rendered and merged as dbt does. Exits 1 on an error or runtime \
error (on a warn too with --strict).",
        after_long_help = "Examples:
  # The bundled example checks
  vitals freshness --config examples/vitals.toml

  # Exactly the sources dbt checks, and dbt's sources.json for dbt docs
  vitals freshness --dbt-manifest target/manifest.json \\
      --write-dbt-artifact target/sources.json

  # A dbt project's sources.yml files, rendered with a var
  vitals freshness --dbt-project . --dbt-var env=prod

  # Alert in Slack only when a check changes, reminding every 6 hours
  vitals freshness --config vitals.toml --slack \\
      --state .vitals/freshness-state.json --remind-every 6h

  # Many sources at once, as JSON
  vitals freshness --dbt-sources 'models/staging/*.yml' --concurrency 16 \\
      --timeout 30s --format json"
    )]
    Freshness(FreshnessArgs),

    /// SLIs, error budgets and burn rates from OpenSLO specs over CSV, CloudWatch, BigQuery or
    /// Prometheus data; `slo rules`: Prometheus alert rules from the same specs
    #[command(
        long_about = "Service level objectives from OpenSLO v1 specs (SLO, SLI, DataSource documents): \
the SLI over the window (rolling, or the current calendar period in the spec's time zone), the \
error budget left, burn rates over 1h/6h/1d/3d, the SRE-workbook multiwindow alerts and a linear \
exhaustion forecast. Budgeting methods Occurrences, Timeslices and RatioTimeslices. Exits 1 when \
an SLO is violated (at_risk and no_data too with --strict).",
        after_long_help = "Examples:
  # The bundled example SLOs
  vitals slo --config examples/vitals.toml

  # Every spec of a folder, as JSON
  vitals slo --spec 'slo/*.yaml' --format json

  # The budget burn-down as PNG, and the verdict in Slack
  vitals slo --spec slo/api.yaml --chart burn-down.png --slack

  # Prometheus recording and alerting rules from the same specs
  vitals slo rules --spec slo/api.yaml --out prometheus/slo-rules.yaml"
    )]
    Slo(SloArgs),

    /// Every configured check in one report: one Slack post, one GitHub step summary
    #[command(
        long_about = "Runs every section present in the config (crash_free, slo, freshness, autoscale, four_keys) and renders one \
report: a verdict line per section, then its details. A section that fails to run is shown as \
failed with its error; the others still run. Exit code: the worst of the sections'. Under GitHub \
Actions (GITHUB_ACTIONS=true) the Markdown report is appended to $GITHUB_STEP_SUMMARY and \
violated / at-risk sections become ::error / ::warning annotations.",
        after_long_help = "Examples:
  # The bundled example data
  vitals digest --config examples/vitals.toml

  # Verdicts in the channel; details and PNG charts in their thread
  vitals digest --config vitals.toml --slack --slack-thread --slack-charts

  # Two sections, as JSON
  vitals digest --only crash-free,slo --format json

  # Outside GitHub Actions, still write a step summary and annotations
  vitals digest --skip freshness --github-summary --annotations"
    )]
    Digest(DigestArgs),

    /// ECS Service Auto Scaling: show the live setup, replay a CPU trace under a policy, tune
    /// the policy, apply it
    #[command(
        long_about = "Replays a one-minute CPU trace (timestamp,cpu_utilization,running_tasks, from a CSV \
or fetched from CloudWatch) under an Application Auto Scaling policy (target tracking on average \
CPU, plus optional step scaling for spikes), following AWS's documented alarm, cooldown and step \
rules; `tune` searches ~15,000 policies around the current one for the cheapest that is no worse \
on overload and spike recovery; `show` reads what is live and `apply` makes it match a policy \
file (plan first, changes only with --yes).",
        after_long_help = "Examples:
  # Replay the bundled trace under a policy, with a chart
  vitals autoscale simulate --config examples/vitals.toml --chart autoscale.png

  # Find a cheaper policy and write it for the Terraform module
  vitals autoscale tune --trace api-cpu.csv --policy api.toml \\
      --emit-terraform terraform.tfvars.json

  # What is live, saved as a policy file
  vitals autoscale show --cluster prod --service api --as-policy api.toml

  # Plan, then apply
  vitals autoscale apply --cluster prod --service api --policy tuned.toml
  vitals autoscale apply --cluster prod --service api --policy tuned.toml --yes"
    )]
    Autoscale(AutoscaleArgs),

    /// DORA four keys from a git repository's deploy tags and an incidents CSV
    #[command(
        long_about = "Deployment frequency, lead time for changes, change failure rate and time to restore \
(DORA 2023 levels), plus the deployment rework rate, a weekly trend and the previous window of \
equal length. Deployments are tags matching --deploy-tag; a deployment's changes are the commits \
reachable from its tag and from no earlier deployment's tag, so a commit counts once, at the first \
deployment that shipped it, whatever --since is. --git may name any directory of a clone.",
        after_long_help = "Examples:
  # Deploy tags of this repository over 90 days
  vitals four-keys --git . --deploy-tag 'deploy/*' --since 90d

  # One service of a monorepo, with incidents, as JSON
  vitals four-keys --git ../monorepo --path services/api \\
      --incidents incidents.csv --format json

  # From GitHub's Deployments API, with the weekly trend as a chart
  vitals four-keys --github my-org/api --since 90d --chart four-keys.png

  # What the SLOs saw after each deployment of the bundled example
  vitals four-keys --config examples/vitals.toml --impact

  # Deployments failed by an incident or by burning an SLO within 2h
  vitals four-keys --git . --impact --spec 'slo/*.yaml' \\
      --failures-from both --impact-window 2h"
    )]
    FourKeys(FourKeysArgs),

    /// A deploy gate: may a deploy go ahead, given the SLOs' budgets and crash-free users?
    #[command(
        long_about = "Runs the config's slo and crash_free sections and answers whether a deploy may go \
ahead: allowed (exit 0), or blocked (exit 1) when an SLO is violated, has less error budget left than \
--min-budget, or its page alert pair fires (1h & 5m ≥ 14.4, 6h & 30m ≥ 6), or a crash-free platform's \
7-day window is below its SLO (at_risk too with --strict; no_data never blocks). A check that cannot \
run is never an \"allowed\": exit 3 (2 for bad config or input). Under GitHub Actions the verdict goes \
to $GITHUB_STEP_SUMMARY and each reason becomes an ::error annotation.",
        after_long_help = "Examples:
  # May the bundled example deploy? (blocked: exit 1)
  vitals gate --config examples/vitals.toml

  # Block below 10 % of error budget left, as JSON
  vitals gate --min-budget 0.1 --format json

  # Only SLOs, at_risk blocks too, the verdict in Slack
  vitals gate --spec 'slo/*.yaml' --strict --slack"
    )]
    Gate(GateArgs),

    /// Write a commented vitals.toml to start from (asks nothing)
    #[command(after_long_help = "Examples:
  # ./vitals.toml, then check what it would read
  vitals init
  vitals config check

  # Somewhere else, replacing what is there
  vitals init --path ops/vitals.toml --force")]
    Init {
        /// Where to write it
        #[arg(long, value_name = "PATH", default_value = "vitals.toml")]
        path: PathBuf,
        /// Replace an existing file
        #[arg(long)]
        force: bool,
    },

    /// Inspect the configuration
    #[command(after_long_help = "Examples:
  vitals config check
  vitals config check --config ops/vitals.toml")]
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },

    /// Print a shell completion script
    #[command(after_long_help = "Examples:
  # bash, for every user
  vitals completions bash > /etc/bash_completion.d/vitals

  # zsh, into a folder on $fpath
  vitals completions zsh > ~/.zfunc/_vitals

  # fish
  vitals completions fish > ~/.config/fish/completions/vitals.fish")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Default, Args)]
pub struct FourKeysArgs {
    /// The repository [config: four_keys.git, else .]
    #[arg(long, value_name = "PATH")]
    pub git: Option<PathBuf>,
    /// Tags that are deployments, a glob as `git tag -l` reads it: `*` also matches `/`
    /// (deploy/* takes deploy/eu/42) [config: four_keys.deploy_tag, else deploy/*]
    #[arg(long, value_name = "GLOB")]
    pub deploy_tag: Option<String>,
    /// Incidents CSV: id,opened_at,resolved_at,caused_by [config: four_keys.incidents]
    #[arg(long, value_name = "CSV")]
    pub incidents: Option<PathBuf>,
    /// The window, ending now, e.g. 90d [config: four_keys.since, else 90d]
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Only changes touching these paths (monorepos); repeatable. A path in no deployment's
    /// tree is warned about
    #[arg(long = "path", value_name = "PREFIX")]
    pub paths: Vec<String>,
    /// Deployments whose tag or message matches this glob are hotfixes [default: *hotfix*]
    #[arg(long, value_name = "GLOB")]
    pub hotfix_pattern: Option<String>,
    /// Which commit date starts a change's lead time
    #[arg(long, value_enum, default_value_t = CommitTimeArg::Committer)]
    pub commit_time: CommitTimeArg,
    /// Deployments recorded elsewhere, CSV id,deployed_at,commit (changes still from --git)
    /// [config: four_keys.deployments]
    #[arg(long, value_name = "CSV", conflicts_with_all = ["deploy_tag", "github"])]
    pub deployments: Option<PathBuf>,
    /// Read deployments, changes and incidents from GitHub (token: GITHUB_TOKEN)
    /// [config: four_keys.github]
    #[arg(long, value_name = "OWNER/REPO", conflicts_with = "git")]
    pub github: Option<String>,
    /// GitHub's REST API; GitHub Enterprise: https://HOST/api/v3
    /// [config: four_keys.github_api_url, else https://api.github.com]
    #[arg(long, value_name = "URL")]
    pub github_api_url: Option<String>,
    /// Deployments API environment [config: four_keys.environment, else production]
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// Deployments are this workflow's successful runs instead of the Deployments API
    /// [config: four_keys.deploy_workflow]
    #[arg(long, value_name = "FILE.yml")]
    pub deploy_workflow: Option<String>,
    /// Issues with this label are incidents (unless --incidents is given)
    /// [config: four_keys.incident_label, else incident]
    #[arg(long, value_name = "LABEL")]
    pub incident_label: Option<String>,
    /// Where a change's lead time starts on GitHub: the commit, a squash-merged PR's first
    /// commit, or the PR's opening [config: four_keys.lead_time_start, else commit]
    #[arg(long, value_enum)]
    pub lead_time_start: Option<LeadTimeStartArg>,
    /// Keep GitHub responses here and revalidate them with ETags (304s cost no rate limit)
    /// [config: four_keys.cache_dir]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Also draw the weekly deployments, lead time and change failure rate (.svg or .png)
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Also show what the SLOs saw after each deployment: burn rates in the impact window and
    /// the day before, budget consumed, suspect (needs [slo] or --spec) [config: four_keys.impact]
    #[arg(long)]
    pub impact: bool,
    /// OpenSLO files or globs for --impact, instead of the config's [slo] specs
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub spec: Vec<PathBuf>,
    /// How long after a deployment its impact is measured, capped at now
    /// [config: four_keys.impact_window, else 1h]
    #[arg(long, value_name = "DURATION")]
    pub impact_window: Option<String>,
    /// A deployment is suspect when an SLO burns at least this fast after it, and faster than
    /// the day before [config: four_keys.impact_threshold, else 6]
    #[arg(long, value_name = "BURN_RATE", allow_negative_numbers = true)]
    pub impact_threshold: Option<f64>,
    /// What makes a deployment failed in the change failure rate: an incident, being suspect
    /// (slo), or either [config: four_keys.failures_from, else incidents]
    #[arg(long, value_enum)]
    pub failures_from: Option<FailuresFromArg>,
    /// A regex with one capture group taking the app version out of a deployment's tag, e.g.
    /// 'v(.*)': with [crash_free], --impact shows that version's 7-day crash-free users
    /// [config: four_keys.version_from_tag]
    #[arg(long, value_name = "REGEX")]
    pub version_from_tag: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailuresFromArg {
    Incidents,
    Slo,
    Both,
}

#[derive(Debug, Default, Args)]
pub struct GateArgs {
    /// OpenSLO files or globs, instead of the config's [slo] specs
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub spec: Vec<PathBuf>,
    /// Block when an SLO has less error budget left than this ratio, e.g. 0.1 for 10 %
    /// [config: gate.min_budget, else 0]
    #[arg(long, value_name = "RATIO", allow_negative_numbers = true)]
    pub min_budget: Option<f64>,
    /// Append the Markdown verdict to $GITHUB_STEP_SUMMARY [default: when GITHUB_ACTIONS=true]
    #[arg(long)]
    pub github_summary: bool,
    /// Emit ::error / ::warning annotations on stderr [default: when GITHUB_ACTIONS=true]
    #[arg(long)]
    pub annotations: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LeadTimeStartArg {
    #[default]
    Commit,
    FirstCommit,
    PrOpened,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CommitTimeArg {
    #[default]
    Committer,
    Author,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the config and show which inputs and credentials each section would use,
    /// without calling anything
    #[command(after_long_help = "Examples:
  vitals config check
  vitals config check --config examples/vitals.toml")]
    Check,
}

#[derive(Debug, Args)]
pub struct AutoscaleArgs {
    #[command(subcommand)]
    pub command: AutoscaleCommand,
}

#[derive(Debug, Subcommand)]
pub enum AutoscaleCommand {
    /// Print an ECS service's live scalable target, scaling policies, their alarms and task
    /// counts; --as-policy writes them as a policy file for simulate
    #[command(after_long_help = "Examples:
  vitals autoscale show --cluster prod --service api

  # Save what is live as a policy file, to simulate and tune it
  vitals autoscale show --cluster prod --service api --as-policy api.toml")]
    Show(ShowArgs),
    /// Replay the trace under the policy
    #[command(after_long_help = "Examples:
  # A trace file and a policy file
  vitals autoscale simulate --trace examples/autoscale/api-cpu.csv \\
      --policy examples/autoscale/with-step.toml

  # The per-minute timeline and the chart, from the config's trace and policy
  vitals autoscale simulate --config examples/vitals.toml \\
      --timeline timeline.csv --chart autoscale.svg

  # Two weeks of a live service from CloudWatch, saved for later replays
  vitals autoscale simulate --cluster prod --service api --since 14d \\
      --save-trace api-cpu.csv --policy api.toml")]
    Simulate(SimulateArgs),
    /// Search policies: fewest task-hours, no worse on overload and spike recovery
    #[command(after_long_help = "Examples:
  vitals autoscale tune --config examples/vitals.toml

  # Allow a little overload, and write the best policy for Terraform
  vitals autoscale tune --trace api-cpu.csv --policy api.toml \\
      --max-overload-minutes 30 --emit-terraform terraform.tfvars.json")]
    Tune(TuneArgs),
    /// Make an ECS service's scaling match a policy file: prints the plan, changes nothing
    /// without --yes; a second apply finds nothing to do
    #[command(after_long_help = "Examples:
  # The plan only: nothing changes
  vitals autoscale apply --cluster prod --service api --policy tuned.toml

  # Make the changes
  vitals autoscale apply --cluster prod --service api --policy tuned.toml --yes")]
    Apply(ApplyArgs),
}

/// `autoscale simulate`.
#[derive(Debug, Default, Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub sim: SimulationArgs,
    /// Also write the per-minute timeline (demand, capacity, CPU, alarms, actions) as CSV
    #[arg(long, value_name = "FILE.csv")]
    pub timeline: Option<PathBuf>,
    /// Also draw CPU and capacity over time with the policy's thresholds (.svg or .png)
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

/// Which ECS service.
#[derive(Debug, Default, Args)]
pub struct ServiceArgs {
    /// ECS cluster name [config: autoscale.cluster]
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// ECS service name [config: autoscale.service]
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// AWS region [default: AWS_REGION / the profile's; config: autoscale.region]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub target: ServiceArgs,
    /// Also write the live setup as a policy file (the contract's TOML) for simulate and tune
    #[arg(long, value_name = "FILE.toml")]
    pub as_policy: Option<PathBuf>,
    /// task_startup_seconds for --as-policy: AWS does not store it (desired count up → task
    /// serving)
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub task_startup_seconds: u32,
}

impl Default for ShowArgs {
    fn default() -> ShowArgs {
        ShowArgs {
            target: ServiceArgs::default(),
            as_policy: None,
            task_startup_seconds: 60,
        }
    }
}

#[derive(Debug, Default, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub target: ServiceArgs,
    /// The policy to apply [config: autoscale.policy]
    #[arg(long, value_name = "FILE.toml")]
    pub policy: Option<PathBuf>,
    /// Make the changes (without it, only the plan is printed)
    #[arg(long)]
    pub yes: bool,
}

/// What every simulation needs.
#[derive(Debug, Default, Args)]
pub struct SimulationArgs {
    /// CPU trace CSV: timestamp,cpu_utilization,running_tasks, one row a minute [config: autoscale.trace]
    #[arg(long, value_name = "FILE.csv")]
    pub trace: Option<PathBuf>,
    /// Policy TOML (the Terraform module's shape) [config: autoscale.policy]
    #[arg(long, value_name = "FILE.toml")]
    pub policy: Option<PathBuf>,
    /// Fetch the trace from CloudWatch instead of --trace: this service's CPUUtilization and
    /// RunningTaskCount, one-minute averages
    #[command(flatten)]
    pub live: ServiceArgs,
    /// How much history to fetch with --cluster/--service (CloudWatch keeps one-minute data
    /// 15 days) [config: autoscale.since, else 14d]
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Save the fetched trace as the contract's CSV, to replay later with --trace
    #[arg(long, value_name = "FILE.csv")]
    pub save_trace: Option<PathBuf>,
    /// A minute is overloaded at this simulated CPU % or more [default: 80]
    #[arg(long, value_name = "PERCENT")]
    pub overload: Option<f64>,
    /// The most CPU % CloudWatch reports to the alarms (100 on Fargate) [default: 100]
    #[arg(long, value_name = "PERCENT")]
    pub cpu_ceiling: Option<f64>,
    /// Seconds before a minute's datapoint reaches the alarms [default: 60]
    #[arg(long, value_name = "SECONDS")]
    pub metric_delay: Option<u32>,
}

#[derive(Debug, Default, Args)]
pub struct TuneArgs {
    #[command(flatten)]
    pub sim: SimulationArgs,
    /// Write the best policy as terraform.tfvars.json for terraform/modules/ecs-autoscaling
    #[arg(long, value_name = "FILE")]
    pub emit_terraform: Option<PathBuf>,
    /// Overload minutes allowed [default: the current policy's]
    #[arg(long, value_name = "N")]
    pub max_overload_minutes: Option<usize>,
    /// Worst spike recovery allowed, minutes [default: the current policy's]
    #[arg(long, value_name = "N")]
    pub max_recovery_minutes: Option<usize>,
}

/// A digest section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Section {
    CrashFree,
    Slo,
    Freshness,
    Autoscale,
    FourKeys,
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// Only these sections (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SECTION,...")]
    pub only: Vec<Section>,

    /// Leave these sections out (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SECTION,...")]
    pub skip: Vec<Section>,

    /// Append the Markdown report to $GITHUB_STEP_SUMMARY [default: when GITHUB_ACTIONS=true]
    #[arg(long)]
    pub github_summary: bool,

    /// Emit ::error / ::warning annotations on stderr [default: when GITHUB_ACTIONS=true]
    #[arg(long)]
    pub annotations: bool,

    /// Upload the crash-free and SLO charts as PNG files with the Slack post (needs
    /// SLACK_BOT_TOKEN)
    #[arg(long)]
    pub slack_charts: bool,
}

#[derive(Debug, Default, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SloArgs {
    #[command(subcommand)]
    pub command: Option<SloCommand>,

    /// OpenSLO files or globs [config: slo.specs]
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub spec: Vec<PathBuf>,

    /// Also draw each SLO's error-budget burn-down over its window (.svg or .png)
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SloCommand {
    /// Prometheus recording and burn-rate alert rules from the same OpenSLO specs
    #[command(
        long_about = "Writes Prometheus rule groups, one per objective of every SLO whose SLI comes from \
Prometheus: the error ratio recorded over 5m, 30m, 1h, 2h, 6h, 1d and 3d \
(slo:sli_error:ratio_rate<W>, labelled slo and objective), and the SRE-workbook multiwindow \
alerts <Name>ErrorBudgetBurnPage (1h & 5m over 14.4× the allowed error ratio, or 6h & 30m \
over 6×) and <Name>ErrorBudgetBurnTicket (1d & 2h over 3×, or 3d & 6h over 1×): the windows \
and thresholds `vitals slo` reports. Each query needs the {{window}} placeholder (Sloth's \
{{.window}} too). Threshold metrics and SLIs from elsewhere are skipped with a warning; exits \
2 when nothing can be written.",
        after_long_help = "Examples:
  # The rules of one spec, on stdout
  vitals slo rules --spec slo/api.yaml

  # The config's SLOs into a rule file, then Prometheus's own check
  vitals slo rules --config vitals.toml --out prometheus/slo-rules.yaml
  promtool check rules prometheus/slo-rules.yaml"
    )]
    Rules(SloRulesArgs),
}

#[derive(Debug, Default, Args)]
pub struct SloRulesArgs {
    /// OpenSLO files or globs [config: slo.specs]
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub spec: Vec<PathBuf>,

    /// Write the rules to this file (atomically) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Default, Args)]
pub struct FreshnessArgs {
    /// dbt sources.yml files to check, besides [[freshness.checks]] [config: freshness.dbt_sources]
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub dbt_sources: Vec<PathBuf>,

    /// dbt's compiled manifest (`dbt parse` writes target/manifest.json): its sources exactly as
    /// dbt checks them [config: freshness.dbt_manifest]
    #[arg(long, value_name = "FILE", conflicts_with_all = ["dbt_sources", "dbt_project"])]
    pub dbt_manifest: Option<PathBuf>,

    /// dbt project directory: dbt_project.yml's vars and sources configs, the profile's target;
    /// without --dbt-sources, every sources file of the project [config: freshness.dbt_project]
    #[arg(long, value_name = "DIR")]
    pub dbt_project: Option<PathBuf>,

    /// A dbt var for the sources' Jinja, as dbt's --vars (repeatable): KEY=VALUE
    #[arg(long = "dbt-var", value_name = "KEY=VALUE")]
    pub dbt_vars: Vec<String>,

    /// Where profiles.yml is [default: DBT_PROFILES_DIR, the project, ~/.dbt]
    #[arg(long, value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,

    /// Checks measured at once [default: 8]
    #[arg(long, value_name = "N")]
    pub concurrency: Option<i64>,

    /// Also write dbt's sources.json artifact here (for dbt docs and dbt-aware tools)
    #[arg(long, value_name = "PATH")]
    pub write_dbt_artifact: Option<PathBuf>,

    /// With --slack: remember each check's status here and post only when one changes
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// With --state: remind about a check still failing this often, e.g. 6h
    #[arg(long, value_name = "DURATION")]
    pub remind_every: Option<String>,
}

#[derive(Debug, Default, Args)]
pub struct CrashFreeArgs {
    /// GA4 export files or globs: NDJSON (plain or .gz) or Parquet [config: crash_free.events]
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with = "bigquery")]
    pub events: Vec<PathBuf>,

    /// Query the GA4 export dataset in BigQuery [config: crash_free.bigquery]
    #[arg(long, value_name = "PROJECT.DATASET")]
    pub bigquery: Option<String>,

    /// Calendar days in the report, ending yesterday [default: 60]
    #[arg(long, value_name = "N")]
    pub days: Option<i64>,

    /// Only this platform [default: both]
    #[arg(long, value_enum)]
    pub platform: Option<PlatformArg>,

    /// What counts as a crash: any app_exception, or only those with fatal = 1 [default: any]
    #[arg(long, value_enum)]
    pub crash: Option<CrashArg>,

    /// Also draw daily rate, SMA-7 and SMA-30 per platform with the SLO line (.svg or .png)
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,

    /// With --bigquery: print the bytes the query would scan, and run nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    Ios,
    Android,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CrashArg {
    Any,
    Fatal,
}
