//! `cargo cra`: the command line. Parsing and printing only; the work is in the library.
#![forbid(unsafe_code)]

use anyhow::Result;
use cargo_cra::args::{BuildArgs, MessageFormat};
use cargo_cra::build::{self, BinaryReport};
use cargo_cra::error::BuildError;
use cargo_cra::signing::{self, SignerArgs};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Ship Rust devices under the EU Cyber Resilience Act.
///
/// cargo-cra builds device software bit-for-bit reproducibly and writes, beside every binary, a
/// CycloneDX 1.6 SBOM of exactly what was compiled into it; it signs artefacts and attestations
/// as Sigstore bundles with cosign-compatible keys.
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
    /// Compose a minimal, reproducible OCI and/or squashfs + dm-verity image from a recipe.
    ///
    /// Builds the recipe's apps as `cargo cra build` does (static musl binaries by default),
    /// lays out exactly the files, directories, symlinks and users the recipe declares, and
    /// writes into `<DIR>/<name>-<version>/`: the OCI image layout (`oci/`, tagged with the
    /// version) and/or archive (`<name>.oci.tar`); the squashfs image (`<name>.squashfs`) with
    /// its dm-verity tree and `<name>.roothash`; the image SBOM (`<name>.cdx.json`) and
    /// provenance (`<name>.provenance.json`); with `--sign`, Sigstore bundles for the manifest,
    /// archive and squashfs, and attestations for the SBOM, the provenance and the verity root
    /// hash. Everything is staged and renamed into place: after an error nothing half-written
    /// is left.
    Compose(cargo_cra::composing::ComposeArgs),
    /// Generate a cosign-compatible key pair (ECDSA P-256).
    ///
    /// Writes `<prefix>.key` (encrypted as cosign does: scrypt + NaCl secretbox, PEM
    /// `ENCRYPTED SIGSTORE PRIVATE KEY`, mode 0600) and `<prefix>.pub` (PEM SPKI). The password
    /// comes from CRA_PASSWORD, else COSIGN_PASSWORD, else is asked twice on the terminal.
    Keygen {
        /// Path prefix of the two files.
        #[arg(long, value_name = "NAME", default_value = "cosign")]
        output_key_prefix: PathBuf,
        /// Overwrite existing key files.
        #[arg(long)]
        force: bool,
    },
    /// Print the public key of a cosign-format private key (PEM SPKI).
    PublicKey {
        /// The private key (password from CRA_PASSWORD, else COSIGN_PASSWORD, else asked).
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Write the public key to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        output_file: Option<PathBuf>,
    },
    /// Verify a Sigstore bundle offline, failing closed (the Sigstore conformance client form).
    ///
    /// Checks the bundle's format, RFC 3161 timestamps, transparency-log entries (inclusion
    /// proof, checkpoint, signed entry timestamp, and that they record this bundle), the
    /// certificate's chain, SCT, identity and issuer at the signing time (or the given key), and
    /// the signature over the artefact. Prints one line per check passed; on failure, one line
    /// naming the failed check and a non-zero exit.
    VerifyBundle(cargo_cra::verifying::VerifyBundleArgs),
    /// Verify an artefact and everything cargo-cra wrote beside it, offline (for auditors).
    ///
    /// Finds `<name>.sigstore.json`, `<name>.cdx.sigstore.json` and
    /// `<name>.provenance.sigstore.json` beside ARTIFACT and verifies each bundle; checks that
    /// the attestations are about these bytes and equal `<name>.cdx.json` and
    /// `<name>.provenance.json`, and that the SBOM's subject hashes are the artefact's. For an
    /// image from `cargo cra compose` (`<name>.squashfs`, `<name>.oci.tar`) the documents are
    /// found under the image's name, and for squashfs the signed verity statement must name the
    /// root hash in `<name>.roothash`. Prints one line per check; any failure is a non-zero
    /// exit. `--json` for machines.
    Verify(cargo_cra::verifying::VerifyArgs),
    /// Sign a file: a Sigstore bundle (v0.3) with a signature over its bytes.
    SignBlob {
        /// The file to sign.
        file: PathBuf,
        #[command(flatten)]
        signer: SignerArgs,
        /// Where to write the bundle (`*.sigstore.json`).
        #[arg(long, value_name = "OUT")]
        bundle: PathBuf,
    },
    /// Attest to a file: an in-toto Statement v1 about it (subject: its name, SHA-256 and
    /// SHA-512), signed in a DSSE envelope inside a Sigstore bundle (v0.3).
    Attest {
        /// The file the statement is about.
        file: PathBuf,
        /// The predicate: a JSON file.
        #[arg(long, value_name = "P")]
        predicate: PathBuf,
        /// The predicate's type URI, such as https://cyclonedx.org/bom.
        #[arg(long, value_name = "URI")]
        predicate_type: String,
        #[command(flatten)]
        signer: SignerArgs,
        /// Where to write the bundle (`*.sigstore.json`).
        #[arg(long, value_name = "OUT")]
        bundle: PathBuf,
    },
}

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // The compiler links first: build scripts inherit the rustc wrapper's environment.
    if let Some(code) = cargo_cra::cross::zig::run_as_c_tool(&args)
        .or_else(|| cargo_cra::repro::run_as_rustc_wrapper(&args))
    {
        return ExitCode::from(u8::try_from(code).unwrap_or(101));
    }
    // `cargo cra build` runs `cargo-cra cra build`; `cargo-cra build` works as well.
    if args.get(1).is_some_and(|a| a == "cra") {
        args.remove(1);
    }
    match run(Cli::parse_from(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Every error of ours renders as one line that already includes its cause.
            // `{:#}`: the whole chain, where a context was added on the way.
            eprintln!("error: {}", cra_attest::input::printable(&format!("{e:#}")));
            let code = e
                .downcast_ref::<BuildError>()
                .map(BuildError::exit_code)
                .unwrap_or(1);
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Build(b) => {
            // Ask for the key's password before building, not after.
            let signer = if b.signing.sign {
                Some(b.signing.signer_args().required_signer()?)
            } else {
                None
            };
            let reports = build::run(&b, signer.as_ref())?;
            print_reports(&reports, b.message_format);
        }
        Command::Compose(c) => {
            let signer = if c.signing.sign {
                Some(c.signing.signer_args().required_signer()?)
            } else {
                None
            };
            let progress = cargo_cra::progress::Terminal::new();
            let report = cargo_cra::composing::run(&c, signer.as_ref(), &progress)?;
            for w in &report.warnings {
                eprintln!("warning: {}", cra_attest::input::printable(w));
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
            for line in cargo_cra::verifying::verify_bundle_cmd(&a)? {
                println!("ok: {line}");
            }
        }
        Command::Verify(a) => {
            let lines = cargo_cra::verifying::verify_artifact(&a)?;
            if a.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&lines).expect("serialisable")
                );
            } else {
                for l in &lines {
                    let mark = if l.ok { "ok  " } else { "FAIL" };
                    println!(
                        "{mark} {}: {}",
                        l.check,
                        cra_attest::input::printable(&l.detail)
                    );
                }
            }
            if let Some(failed) = lines.iter().find(|l| !l.ok) {
                anyhow::bail!("{}: {}", failed.check, failed.detail);
            }
        }
        Command::PublicKey { key, output_file } => {
            let signer = SignerArgs {
                key: Some(key),
                ..Default::default()
            }
            .required_key()?;
            let pem = signer.public_key().to_pem();
            match output_file {
                Some(path) => signing::write_public_key(&pem, &path)?,
                None => print!("{pem}"),
            }
        }
        Command::SignBlob {
            file,
            signer,
            bundle,
        } => {
            let key = signer.required_signer()?;
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
            let key = signer.required_signer()?;
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
        let _ = match format {
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
    }
}

fn print_image(r: &cra_composer::compose::ComposeReport, json: bool) {
    if json {
        println!("{}", serde_json::to_string(r).expect("serialisable"));
        return;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let show = |p: &Path| p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
    println!("{}:{}", r.name, r.version);
    println!("  entries     {}", r.entries);
    if let Some(m) = &r.manifest_digest {
        println!("  manifest    {m}");
    }
    if let (Some(l), Some(u)) = (r.layer_size, r.uncompressed_size) {
        println!("  layer       {l} bytes ({u} uncompressed)");
    }
    if let (Some(s), Some(n)) = (&r.squashfs, r.squashfs_size) {
        println!("  squashfs    {} ({n} bytes)", show(s));
    }
    if let Some(v) = &r.verity {
        println!("  verity      {}", show(v));
    }
    if let Some(h) = &r.root_hash {
        println!("  root hash   {h}");
    }
    if let Some(l) = &r.layout {
        println!("  layout      {}", show(l));
    }
    if let Some(a) = &r.archive {
        println!("  archive     {}", show(a));
    }
    println!("  sbom        {}", show(&r.sbom));
    println!("  provenance  {}", show(&r.provenance));
    for b in &r.bundles {
        println!("  signed      {}", show(b));
    }
}
