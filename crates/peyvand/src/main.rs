//! The `peyvand` binary: parse the command line, set up logging, run.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use peyvand::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server logs its progress; one-off commands only warnings, so their output stays
    // readable. RUST_LOG overrides either.
    let default_filter = match cli.command {
        Command::Serve(_) => "info",
        // sqlx reports every statement over a second; bulk loads (demo) make many on purpose.
        _ => "warn,sqlx::query=error",
    };
    peyvand::init_tracing(default_filter);
    match peyvand::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => peyvand::report(&e),
    }
}
