//! The `stance` command line: parses arguments, runs one subcommand, prints errors.

use std::process::ExitCode;

use clap::Parser;

mod cli;

/// mimalloc rather than the system allocator: classifying allocates many
/// small, short-lived buffers on the worker threads, and glibc's allocator
/// made them a quarter of the run time and the main limit on scaling.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stance: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// A closed stdout (`stance classify ... | head`) is not a failure.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
