//! `cargo cra`: the command line. Parsing and printing only; the work is in the library.
#![forbid(unsafe_code)]

use cargo_cra::args::{BuildArgs, MessageFormat};
use cargo_cra::build::{self, BinaryReport};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Ship Rust devices under the EU Cyber Resilience Act.
///
/// cargo-cra builds device software bit-for-bit reproducibly and writes, beside every binary, a
/// CycloneDX 1.6 SBOM of exactly what was compiled into it.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-cra",
    bin_name = "cargo cra",
    version,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build reproducibly and write a CycloneDX SBOM beside each binary.
    ///
    /// Runs `cargo build` (its output is shown as usual) with: an explicit `--target` (default
    /// the host), `--locked`, machine paths remapped out of the binaries, and
    /// `SOURCE_DATE_EPOCH` (else the last commit's time). Then, for each binary built, copies it
    /// to `<target-dir>/cra/<target>/<profile>/` and writes `<bin>.cdx.json` beside it: the
    /// crates linked into that binary for that target and feature set, no more.
    ///
    /// Product information comes from `[package.metadata.cra]` (defaults from
    /// `[workspace.metadata.cra]`): manufacturer, security-contact, product-id,
    /// support-period-end.
    Build(BuildArgs),
}

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if let Some(code) = cargo_cra::repro::run_as_rustc_wrapper(&args) {
        return ExitCode::from(u8::try_from(code).unwrap_or(101));
    }
    // `cargo cra build` runs `cargo-cra cra build`; `cargo-cra build` works as well.
    if args.get(1).is_some_and(|a| a == "cra") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Build(b) => match build::run(&b) {
            Ok(reports) => {
                print_reports(&reports, b.message_format);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
            }
        },
    }
}

fn print_reports(reports: &[BinaryReport], format: MessageFormat) {
    let mut out = std::io::stdout().lock();
    let cwd = std::env::current_dir().unwrap_or_default();
    let show = |p: &Path| p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
    for r in reports {
        let _ = match format {
            MessageFormat::Json => {
                writeln!(out, "{}", serde_json::to_string(r).expect("serialisable"))
            }
            MessageFormat::Human => writeln!(
                out,
                "{name}\n  binary  {path}\n  sha256  {sha}\n  sbom    {sbom} ({n} components)",
                name = r.name,
                path = show(&r.path),
                sha = r.sha256,
                sbom = show(&r.sbom),
                n = r.components,
            ),
        };
    }
}
