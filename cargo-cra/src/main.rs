//! `cargo cra`: the command line. Parses, dispatches to `cli`, and turns an error into one
//! line and an exit status; the work is in the library.
#![forbid(unsafe_code)]

mod cli;

use cargo_cra::error::BuildError;
use clap::Parser;
use cli::Cli;
use cli::output::CLOSED_PIPE;
use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // The compiler links first: build scripts inherit the rustc wrapper's environment.
    if let Some(code) = as_compiler(&args) {
        return ExitCode::from(u8::try_from(code).unwrap_or(101));
    }
    // `cargo cra build` runs `cargo-cra cra build`; `cargo-cra build` works as well.
    if args.get(1).is_some_and(|a| a == "cra") {
        args.remove(1);
    }
    match cli::run(Cli::parse_from(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if closed_pipe(&e) => ExitCode::from(CLOSED_PIPE),
        Err(e) => {
            cli::output::report_error(&e);
            ExitCode::from(u8::try_from(exit_code(&e)).unwrap_or(1))
        }
    }
}

/// Runs as the C compiler link or the rustc wrapper when started as one: its exit code.
fn as_compiler(args: &[OsString]) -> Option<i32> {
    let fail = |message: String, code: i32| {
        eprintln!("error: {message}");
        code
    };
    if let Some(r) = cargo_cra::cross::zig::run_as_c_tool(args) {
        return Some(r.unwrap_or_else(|e| fail(e.to_string(), 1)));
    }
    let r = cargo_cra::wrapper::run_as_rustc_wrapper(args)?;
    Some(r.unwrap_or_else(|e| fail(e.to_string(), e.exit_code())))
}

/// The exit status of a failed command: the build's or the audit's own, else 1.
fn exit_code(e: &anyhow::Error) -> i32 {
    use cargo_cra::audit::AuditError;
    use cargo_cra::ops::audit::AuditCommandError;
    use cargo_cra::ops::compose::ComposeCommandError;
    e.downcast_ref::<BuildError>()
        .map(BuildError::exit_code)
        .or_else(|| e.downcast_ref::<AuditError>().map(AuditError::exit_code))
        .or_else(|| {
            e.downcast_ref::<AuditCommandError>()
                .map(AuditCommandError::exit_code)
        })
        .or_else(|| {
            e.downcast_ref::<ComposeCommandError>()
                .map(ComposeCommandError::exit_code)
        })
        .unwrap_or(1)
}

/// Whether `e` is standard output's reader having gone away.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
