//! Parse, dispatch, map the outcome to an exit code — nothing else.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = vitals::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(vitals::error::ExitCode::Upstream as u8);
        }
    };
    match runtime.block_on(vitals::run(cli)) {
        Ok(code) => std::process::ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {}", vitals::redact::clean(&e.to_string()));
            std::process::ExitCode::from(e.exit_code() as u8)
        }
    }
}
