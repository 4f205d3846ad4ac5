//! Parse, dispatch, map the outcome to an exit code — nothing else.

use std::time::Duration;

use clap::Parser;

/// Async worker threads: the runners vitals is scheduled on have 2 cores, and its async work
/// is waiting on services; CPU-heavy work runs on tokio's blocking pool and rayon instead.
const ASYNC_WORKERS: usize = 2;

/// How long a task still running when the result is out may delay the exit (a blocking walk
/// whose section was abandoned must not keep the process alive).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(250);

fn main() -> std::process::ExitCode {
    let cli = vitals::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(ASYNC_WORKERS)
        .thread_name("vitals-async")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(vitals::error::ExitCode::Upstream as u8);
        }
    };
    let outcome = runtime.block_on(vitals::run(cli));
    let code = match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", vitals::redact::clean(&e.to_string()));
            e.exit_code()
        }
    };
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    std::process::ExitCode::from(code as u8)
}
