//! `cargo cra`: the command line. Parsing and printing only; the work is in the library.
#![forbid(unsafe_code)]

mod cli;

use anyhow::Result;
use cargo_cra::error::BuildError;
use cargo_cra::ops::build::{self, BinaryReport};
use cargo_cra::request::{BuildRequest, MessageFormat};
use cargo_cra::signing::{self, SignerOptions};
use clap::Parser;
use cli::{Cli, Command};
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// `println!` to standard output; a reader that went away (`cargo cra verify --json | head`)
/// ends the command quietly with 141, as SIGPIPE would, never a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            stdout_failed(e)
        }
    }};
}

/// `print!` to standard output, as [`out!`].
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        if let Err(e) = write!(std::io::stdout().lock(), $($arg)*) {
            stdout_failed(e)
        }
    }};
}

/// Exit status of a command whose standard output was closed under it (128 + SIGPIPE).
const CLOSED_PIPE: u8 = 141;

/// Ends the process after standard output failed: quietly when its reader went away.
fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        eprintln!("error: standard output: {e}");
    }
    std::process::exit(i32::from(CLOSED_PIPE))
}

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // The compiler links first: build scripts inherit the rustc wrapper's environment.
    if let Some(code) = cargo_cra::cross::zig::run_as_c_tool(&args)
        .or_else(|| cargo_cra::wrapper::run_as_rustc_wrapper(&args))
    {
        return ExitCode::from(u8::try_from(code).unwrap_or(101));
    }
    // `cargo cra build` runs `cargo-cra cra build`; `cargo-cra build` works as well.
    if args.get(1).is_some_and(|a| a == "cra") {
        args.remove(1);
    }
    match run(Cli::parse_from(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if closed_pipe(&e) => ExitCode::from(CLOSED_PIPE),
        Err(e) => {
            report_error(&e);
            let code = e
                .downcast_ref::<BuildError>()
                .map(BuildError::exit_code)
                .or_else(|| {
                    e.downcast_ref::<cargo_cra::audit::AuditError>()
                        .map(|a| a.exit_code())
                })
                .or_else(|| {
                    e.downcast_ref::<cargo_cra::ops::audit::AuditCommandError>()
                        .map(|a| a.exit_code())
                })
                .unwrap_or(1);
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

/// Prints `e`: one line that already includes its cause (`{:#}`: the whole chain, where a
/// context was added on the way); `docs --strict` names each missing item on a line of its own.
fn report_error(e: &anyhow::Error) {
    let printable = cra_model::input::printable;
    if let Some(cargo_cra::docs::DocsError::Strict(items)) = e.downcast_ref() {
        eprintln!(
            "error: {} item(s) of Annex II or V are missing:",
            items.len()
        );
        for item in items {
            eprintln!("  - {}", printable(item));
        }
        return;
    }
    eprintln!("error: {}", printable(&format!("{e:#}")));
}

/// Whether `e` is standard output's reader having gone away.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Init(a) => {
            let report = cargo_cra::init::run(&a.into_request()?)?;
            eprintln!("Added [{}] to {}", report.table, report.manifest.display());
            for r in &report.recipes {
                eprintln!("Wrote {}", r.display());
            }
            for m in &report.missing {
                eprintln!("note: {m} is commented out: fill it in (builds warn until then)");
            }
            if report.no_lock_file {
                eprintln!("note: no Cargo.lock yet: `cargo cra build` creates it; commit it");
            }
        }
        Command::Build(b) => {
            let b = BuildRequest::from(b);
            // Ask for the key's password before building, not after.
            let signer = b.signing.signer()?;
            let reports = build::run(&b, signer.as_ref())?.binaries;
            print_reports(&reports, b.message_format);
        }
        Command::Compose(c) => {
            let c = cargo_cra::ops::compose::ComposeRequest::from(c);
            let signer = c.signing.signer()?;
            let progress = cargo_cra::progress::Terminal::new();
            let report = cargo_cra::ops::compose::run(&c, signer.as_ref(), &progress)?;
            for w in &report.warnings {
                eprintln!("warning: {}", cra_model::input::printable(w));
            }
            print_image(&report, c.json);
        }
        Command::Keygen {
            output_key_prefix,
            force,
        } => {
            let (key, public) = signing::keygen(&output_key_prefix, force)?;
            eprintln!("Private key written to {}", key.display());
            eprintln!("Public key written to {}", public.display());
        }
        Command::VerifyBundle(a) => {
            for line in cargo_cra::verifying::verify_bundle_cmd(&a.into())? {
                out!("ok: {line}");
            }
        }
        Command::Verify(a) => {
            let a = cargo_cra::verifying::VerifyRequest::from(a);
            let lines = cargo_cra::verifying::verify_artifact(&a)?;
            if a.json {
                out!(
                    "{}",
                    serde_json::to_string_pretty(&lines).expect("serialisable")
                );
            } else {
                for l in &lines {
                    use cargo_cra::verifying::Status;
                    let detail = cra_model::input::printable(&l.detail);
                    match l.status {
                        Status::Ok => out!("ok   {}: {detail}", l.check),
                        Status::Fail => out!("FAIL {}: {detail}", l.check),
                        Status::Skipped => out!("skipped {}: {detail}", l.check),
                    }
                }
            }
            let failed = cargo_cra::verifying::Status::Fail;
            if let Some(failed) = lines.iter().find(|l| l.status == failed) {
                anyhow::bail!("{}: {}", failed.check, failed.detail);
            }
        }
        Command::PublicKey { key, output_file } => {
            let signer = SignerOptions {
                key: Some(key),
                ..Default::default()
            }
            .required_key()?;
            let pem = signer.public_key().to_pem();
            match output_file {
                Some(path) => signing::write_public_key(&pem, &path)?,
                None => out_raw!("{pem}"),
            }
        }
        Command::Docs(a) => {
            let dir = match &a.dir {
                Some(d) => d.clone(),
                None => cargo_cra::docs::default_dir(Path::new("target/cra"))?,
            };
            let signer = match a.sign {
                true => Some(SignerOptions::from(a.signer.clone()).required_signer()?),
                false => None,
            };
            let json = a.json;
            let report = cargo_cra::docs::run(&a.request(dir), signer.as_ref())?;
            print_docs(&report, json);
        }
        Command::Audit(a) => {
            let (json, sign, signer_args) = (a.json, a.sign, a.signer.clone());
            let cmd = cargo_cra::ops::audit::AuditCommand::from(a);
            // Ask for the key's password before auditing, not after.
            cargo_cra::ops::audit::check_signing(&cmd, sign)?;
            let signer = match sign {
                true => Some(SignerOptions::from(signer_args).required_signer()?),
                false => None,
            };
            let outcome = cargo_cra::ops::audit::run(&cmd, signer.as_ref())?;
            for out in &outcome.not_written {
                eprintln!(
                    "note: {} not written: the audit found no vulnerability, and a VEX document must state one; `--json` records the clean result",
                    out.display()
                );
            }
            for (doc, bundle) in &outcome.attested {
                eprintln!("Attested {}: {}", doc.display(), bundle.display());
            }
            cli::audit::print(&outcome.report, json);
            for w in &outcome.report.warnings {
                eprintln!("warning: {}", cra_model::input::printable(w));
            }
            if let Some(failed) = outcome.failed {
                return Err(failed.into());
            }
        }
        Command::Help { topic } => cli::help::help(topic.as_deref())?,
        Command::Completions { shell } => cli::help::completions(shell, &mut std::io::stdout())?,
        Command::Man { out } => {
            for page in cli::help::man_pages(&out)? {
                out!("{}", page.display());
            }
        }
        Command::Schema { format } => match format {
            cli::SchemaFormat::Recipe => out_raw!("{}", cra_composer::recipe::json_schema()),
        },
        Command::SignBlob {
            file,
            signer,
            bundle,
        } => {
            let key = SignerOptions::from(signer).required_signer()?;
            let sha256 = signing::sign_blob(&file, &key, &bundle)?;
            eprintln!(
                "Signed {} (sha256 {}): {}",
                file.display(),
                cra_attest::digest::to_hex(&sha256),
                bundle.display()
            );
        }
        Command::Attest {
            file,
            predicate,
            predicate_type,
            signer,
            bundle,
        } => {
            let key = SignerOptions::from(signer).required_signer()?;
            signing::attest(&file, &predicate, &predicate_type, &key, &bundle)?;
            eprintln!(
                "Attested {} ({predicate_type}): {}",
                file.display(),
                bundle.display()
            );
        }
    }
    Ok(())
}

fn print_reports(reports: &[BinaryReport], format: MessageFormat) {
    let mut out = std::io::stdout().lock();
    let cwd = std::env::current_dir().unwrap_or_default();
    let show = |p: &Path| p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
    for r in reports {
        let written = match format {
            MessageFormat::Json => {
                writeln!(out, "{}", serde_json::to_string(r).expect("serialisable"))
            }
            MessageFormat::Human => writeln!(
                out,
                "{name}\n  binary      {path}\n  sha256      {sha}\n  sbom        {sbom} ({n} components)\n  provenance  {prov}{signed}",
                name = r.name,
                path = show(&r.path),
                sha = r.sha256,
                sbom = show(&r.sbom),
                n = r.components,
                prov = show(&r.provenance),
                signed = r
                    .bundles
                    .iter()
                    .map(|b| format!("\n  signed      {}", show(b)))
                    .collect::<String>(),
            ),
        };
        if let Err(e) = written {
            stdout_failed(e);
        }
    }
}

fn print_image(r: &cra_composer::compose::ComposeReport, json: bool) {
    if json {
        out!("{}", serde_json::to_string(r).expect("serialisable"));
        return;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let show = |p: &Path| p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
    out!("{}:{}", r.name, r.version);
    out!("  entries     {}", r.entries);
    if let Some(m) = &r.manifest_digest {
        out!("  manifest    {m}");
    }
    if let (Some(l), Some(u)) = (r.layer_size, r.uncompressed_size) {
        out!("  layer       {l} bytes ({u} uncompressed)");
    }
    if let (Some(s), Some(n)) = (&r.squashfs, r.squashfs_size) {
        // The file holds the hash tree too when it is appended.
        let file = std::fs::metadata(s).map(|m| m.len()).unwrap_or(n);
        match file.checked_sub(n).filter(|tree| *tree > 0) {
            Some(tree) => out!(
                "  squashfs    {} ({file} bytes: {n} filesystem, {tree} dm-verity hash tree)",
                show(s)
            ),
            None => out!("  squashfs    {} ({n} bytes)", show(s)),
        }
    }
    if let Some(v) = &r.verity {
        out!("  verity      {}", show(v));
    }
    if let Some(h) = &r.root_hash {
        out!("  root hash   {h}");
    }
    if let Some(l) = &r.layout {
        out!("  layout      {}", show(l));
    }
    if let Some(a) = &r.archive {
        out!("  archive     {}", show(a));
    }
    out!("  sbom        {}", show(&r.sbom));
    if let Some(d) = &r.docs {
        out!("  documents   {}", show(d));
    }
    out!("  provenance  {}", show(&r.provenance));
    for b in &r.bundles {
        out!("  signed      {}", show(b));
    }
}

/// What `cargo cra docs` wrote: JSON, or one line per file, then the missing items.
fn print_docs(report: &cargo_cra::docs::DocsReport, json: bool) {
    for w in &report.warnings {
        eprintln!("warning: {}", cra_model::input::printable(w));
    }
    if json {
        out!("{}", serde_json::to_string(report).expect("serialisable"));
        return;
    }
    out!("CRA documents in {}", report.out.display());
    for f in &report.files {
        out!("  {}", f.display());
    }
    for m in &report.missing {
        out!("missing: {m}");
    }
}
