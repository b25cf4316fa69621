//! The command line: the clap types, one file per command group, each converting into the
//! library's plain request types, running the command and printing what it did. Only this
//! module and `main.rs` print or prompt.

#[macro_use]
pub mod output;

pub mod audit;
pub mod build;
pub mod compose;
pub mod docs;
pub mod help;
pub mod init;
pub mod options;
pub mod pull;
pub mod push;
pub mod sign;
pub mod terminal;
pub mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Ship Rust devices under the EU Cyber Resilience Act.
///
/// cargo-cra builds device software bit-for-bit reproducibly and writes, beside every binary, a
/// CycloneDX 1.7 SBOM of exactly what was compiled into it; it signs artefacts and attestations
/// as Sigstore bundles with cosign-compatible keys.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-cra",
    bin_name = "cargo cra",
    version,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    /// The subcommand.
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a product: a commented `[package.metadata.cra]` table, and a starting recipe.
    ///
    /// Appends the CRA product facts (manufacturer, security contact, end of the support
    /// period, and commented examples of the other keys) to Cargo.toml as
    /// `[package.metadata.cra]`, or `[workspace.metadata.cra]` for a virtual workspace; every
    /// existing byte of the manifest is kept. With --recipe, also writes
    /// `recipes/<package>.toml` for the package's binaries with secure defaults. Asks on a
    /// terminal for the facts not given. Never overwrites: where the table or a recipe exists,
    /// it refuses in one line and writes nothing.
    Init(init::InitArgs),
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
    Build(build::BuildArgs),
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
    Compose(compose::ComposeArgs),
    /// Push an image `compose` wrote to a registry, tagged with its version.
    ///
    /// Sends the OCI layout's config, layers and manifest over the OCI distribution API (blobs
    /// the repository has are not sent again; each is checked against its digest first), then
    /// tags the manifest with REF's tag, else the image's version, and every --tag. Credentials:
    /// --username with --password-stdin, else `REGISTRY_AUTH_FILE` (containers' auth.json), else
    /// docker's `config.json` (`$DOCKER_CONFIG` or `~/.docker`). TLS always, unless the host is
    /// given to --insecure-registry.
    Push(push::PushArgs),
    /// Pull an image and the evidence attached to it from a registry, for offline verification.
    ///
    /// Writes DIR as `cargo cra verify` reads it: `oci/` (an OCI image layout; every blob
    /// checked against its digest as it arrives) and each Sigstore bundle attached to the
    /// manifest as an OCI 1.1 referrer (found through the referrers API, else the referrers tag
    /// schema) under the name it has beside a composed image — `<name>.manifest.sigstore.json`,
    /// the SBOM and provenance attestations with the documents they attest, the technical
    /// file's attestation in `cra/` — and any other bundle in `referrers/`. Names come from
    /// what the bundles say, never from the registry. DIR must not exist or be empty; nothing
    /// is left behind on failure.
    Pull(pull::PullArgs),
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
    VerifyBundle(verify::VerifyBundleArgs),
    /// Verify an artefact and everything cargo-cra wrote beside it, offline (for auditors).
    ///
    /// Reports every check, every time, as `ok`, `FAIL` or `skipped` (with why): the signature
    /// over ARTIFACT (`<name>.sigstore.json`); the SBOM and provenance attestations
    /// (`<name>.cdx.sigstore.json`, `<name>.provenance.sigstore.json`), which must verify and
    /// equal `<name>.cdx.json` and `<name>.provenance.json`; and, signed or not, that the SBOM
    /// and the provenance name the artefact's digests. For an image from `cargo cra compose`
    /// (`<name>.squashfs`, `<name>.oci.tar`, `<name>.raucb`) the documents are found under the
    /// image's name; for squashfs the signed verity statement must name the root hash in
    /// `<name>.roothash`; a RAUC bundle's CMS signature is checked against `--keyring`. A
    /// `technical-file.json` is checked with every file it lists. A missing bundle fails,
    /// unless `--allow-unsigned` (then skipped: only the documents are checked, no key needed).
    /// An image directory (`compose` or `pull` output) is checked through its OCI manifest:
    /// every blob against its digest, the manifest's signature, the attestations naming the
    /// manifest, the technical file's attestation listing it, and every other attached bundle.
    /// A registry reference (`HOST/REPOSITORY:TAG` or `…@sha256:…`) is pulled aside, as `pull`
    /// writes it, and checked the same way. Any FAIL is a non-zero exit. `--json` for machines.
    Verify(verify::VerifyArgs),
    /// Known vulnerabilities in exactly what ships, from the RustSec advisory database.
    ///
    /// Reads each SBOM (a binary's `<bin>.cdx.json`, an image SBOM, or any CycloneDX SBOM with
    /// `pkg:cargo` purls) and matches every crate against the advisories: version ranges,
    /// withdrawn advisories skipped, and the advisory's OS and architecture against the target
    /// the SBOM records (an advisory for Windows does not apply to a Linux device). Prints one
    /// line per finding, and the database's identity (git commit, or digest and date). Exit
    /// status: 0 clean, 1 when a vulnerability (or a `--deny`ed kind) applies, 2 when the input
    /// or the database is unusable.
    Audit(audit::AuditArgs),
    /// The CRA technical file, user information, declaration of conformity and security.txt.
    ///
    /// From an output directory's evidence (SBOMs, provenance, signatures, VEX/CSAF) and the
    /// product table (`[package.metadata.cra]`, or a recipe's `[product]`), writes into
    /// `DIR/cra/`: `technical-file.json` (the Annex VII index: every file with role, SHA-256,
    /// size and Annex point; what is present and what is missing), `index.html` (the auditor's
    /// report: one self-contained page), `user-information.md`/`.html` (Annex II),
    /// `declaration-of-conformity.md` (an Annex V draft) and `security.txt` (RFC 9116). Facts
    /// the evidence proves are stated as facts; the rest is marked as the manufacturer's
    /// declaration; nothing missing is invented. Time from SOURCE_DATE_EPOCH, else the SBOM's.
    Docs(docs::DocsArgs),
    /// Print the JSON schema of a file format cargo-cra reads.
    ///
    /// `recipe`: the image recipe format of `cargo cra compose` (also in the repository as
    /// `docs/recipe.schema.json`). Editors complete and check recipes with it: taplo and Even
    /// Better TOML take a first line `#:schema ./recipe.schema.json`.
    Schema {
        /// Which format.
        #[arg(value_enum)]
        format: SchemaFormat,
    },
    /// Help on a command (`cargo cra help build`), or on a topic: `recipe`, every table and
    /// key of the image recipe format.
    Help {
        /// A command, or `recipe`.
        #[arg(value_name = "COMMAND|TOPIC")]
        topic: Option<String>,
    },
    /// Print a shell completion script for `cargo-cra` (bash, zsh, fish, elvish, powershell).
    ///
    /// bash: `cargo cra completions bash > ~/.local/share/bash-completion/completions/cargo-cra`;
    /// fish: `cargo cra completions fish > ~/.config/fish/completions/cargo-cra.fish`; zsh:
    /// write `_cargo-cra` into a directory of `$fpath`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Write man pages: `cargo-cra.1` and one `cargo-cra-<command>.1` per command.
    ///
    /// Generated from the same definitions as `--help`. Read one with `man -l DIR/cargo-cra-build.1`,
    /// or install them into a `man1` directory of `MANPATH`.
    Man {
        /// Directory to write the pages into (created if missing).
        #[arg(long, value_name = "DIR", default_value = "target/cra/man")]
        out: PathBuf,
    },
    /// Sign a file: a Sigstore bundle (v0.3) with a signature over its bytes.
    SignBlob {
        /// The file to sign.
        file: PathBuf,
        #[command(flatten)]
        signer: sign::SignerArgs,
        /// Where to write the bundle (`*.sigstore.json`).
        #[arg(long, value_name = "OUT", help_heading = "Output")]
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
        signer: sign::SignerArgs,
        /// Where to write the bundle (`*.sigstore.json`).
        #[arg(long, value_name = "OUT", help_heading = "Output")]
        bundle: PathBuf,
    },
}

/// Shells `cargo cra completions` writes scripts for.
pub use clap_complete::Shell;

/// A format `cargo cra schema` describes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SchemaFormat {
    /// `cargo cra compose` recipes (TOML).
    Recipe,
}

/// Runs the command `cli` names.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init(a) => init::run(a),
        Command::Build(b) => build::run(b),
        Command::Compose(c) => compose::run(c),
        Command::Push(a) => push::run(a),
        Command::Pull(a) => pull::run(a),
        Command::Keygen {
            output_key_prefix,
            force,
        } => sign::keygen(&output_key_prefix, force),
        Command::VerifyBundle(a) => verify::run_bundle(a),
        Command::Verify(a) => verify::run(a),
        Command::PublicKey { key, output_file } => sign::public_key(key, output_file),
        Command::Docs(a) => docs::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Help { topic } => help::help(topic.as_deref()),
        Command::Completions { shell } => Ok(help::completions(shell, &mut std::io::stdout())?),
        Command::Man { out } => {
            for page in help::man_pages(&out)? {
                out!("{}", page.display());
            }
            Ok(())
        }
        Command::Schema { format } => {
            match format {
                SchemaFormat::Recipe => out_raw!("{}", cra_composer::recipe::json_schema()),
            }
            Ok(())
        }
        Command::SignBlob {
            file,
            signer,
            bundle,
        } => sign::sign_blob(&file, signer, &bundle),
        Command::Attest {
            file,
            predicate,
            predicate_type,
            signer,
            bundle,
        } => sign::attest(&file, &predicate, &predicate_type, signer, &bundle),
    }
}
