//! vitals: reliability numbers for an engineering org.
//!
//! The layout follows the data: `sources` read and fetch, `domain` computes (pure, no I/O,
//! no clock), `report` renders and delivers; `commands` wires the three per subcommand, each
//! a [`commands::Section`] (plan, then execute, then deliver).

pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod error;
pub mod fs;
pub mod http;
pub mod logging;
pub mod progress;
pub mod redact;
pub mod report;
pub mod retry;
pub mod settings;
pub mod sources;

use cli::{Cli, Command};
use commands::crash_free::CrashFree;
use commands::four_keys::FourKeys;
use commands::freshness::Freshness;
use commands::slo::Slo;
use commands::slo_rules::SloRules;
use error::{ExitCode, Result};

/// Runs one invocation and returns its exit code (errors map through [`error::Error::exit_code`]).
pub async fn run(cli: Cli) -> Result<ExitCode> {
    logging::init(cli.global.verbose);
    let ctx = commands::Context::new(&cli.global)?;
    let outputs = ctx.outputs(&cli.global)?;
    match &cli.command {
        Command::CrashFree(args) => commands::run::<CrashFree>(&ctx, outputs, args).await,
        Command::Freshness(args) => commands::run::<Freshness>(&ctx, outputs, args).await,
        Command::Slo(args) => match &args.command {
            Some(cli::SloCommand::Rules(rules)) => {
                commands::run::<SloRules>(&ctx, outputs, rules).await
            }
            None => commands::run::<Slo>(&ctx, outputs, args).await,
        },
        Command::Digest(args) => commands::digest::run(&ctx, outputs, args).await,
        Command::Autoscale(args) => commands::autoscale::run(&ctx, outputs, args).await,
        Command::FourKeys(args) => commands::run::<FourKeys>(&ctx, outputs, args).await,
        Command::Gate(args) => commands::gate::run(&ctx, outputs, args).await,
        Command::Init { path, force } => commands::onboarding::init(path, *force),
        Command::Config {
            command: cli::ConfigCommand::Check,
        } => commands::onboarding::check(&ctx),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "vitals", &mut std::io::stdout());
            Ok(ExitCode::Ok)
        }
    }
}
