//! `cargo cra build`'s options (clap), and their conversion into a [`BuildRequest`].
use super::options::{
    BuildSigning, Compilation, Features, GateArgs, Manifest, MessageFormat, Selection, WarningArgs,
};
use super::output::{shown, stdout_failed};
use super::terminal::Terminal;
use cargo_cra::ops::build::BinaryReport;
use cargo_cra::request::BuildRequest;
use clap::Args;
use std::io::Write;

/// Everything `cargo cra build` needs to know.
#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub selection: Selection,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub features: Features,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub compilation: Compilation,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub manifest: Manifest,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub signing: BuildSigning,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub gate: GateArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub warnings: WarningArgs,
    /// Output format of cargo-cra's summary (cargo's own output always goes to stderr).
    #[arg(
        long,
        value_enum,
        default_value_t,
        value_name = "FMT",
        help_heading = "Output"
    )]
    pub message_format: MessageFormat,
    /// Ship the binaries without their dependency list (cargo-auditable's `.dep-v0` section,
    /// written by default from the same linked crates as the SBOM; or `embed-deps = false` in
    /// `[package.metadata.cra]`).
    #[arg(long, help_heading = "Output")]
    pub no_embed_deps: bool,
    /// SBOM formats to write (repeatable): CycloneDX 1.7 is always written; `spdx2.3` adds
    /// `<name>.spdx23.json` and `spdx3` adds `<name>.spdx.json` (SPDX 3.0.1 JSON-LD), each with
    /// the same packages, hashes, licences, purls and graph (attested too under --sign).
    #[arg(long, value_enum, value_name = "FORMAT", help_heading = "Output")]
    pub sbom_format: Vec<super::options::SbomFormat>,
    /// Stop before any output when a binary lacks an exploitation mitigation: PIE (or
    /// static-pie), full RELRO, a non-executable stack, no writable and executable segment, no
    /// text relocations. They are recorded in the SBOM either way (`cargo-cra:hardening:*`).
    #[arg(long, help_heading = "Checks")]
    pub deny_weak_binaries: bool,
}

impl From<BuildArgs> for BuildRequest {
    fn from(b: BuildArgs) -> Self {
        BuildRequest {
            selection: b.selection.into(),
            features: b.features.into(),
            compilation: b.compilation.into(),
            manifest: b.manifest.into(),
            signing: b.signing.into(),
            message_format: b.message_format.into(),
            audit: b.gate.gate(),
            deny_warnings: b.warnings.deny_warnings,
            image_app: false,
            no_embed_deps: b.no_embed_deps,
            sbom_formats: super::options::extra_sbom_formats(&b.sbom_format),
            deny_weak_binaries: b.deny_weak_binaries,
        }
    }
}

/// `cargo cra build`: asks for the key's password first, builds, prints what was written.
pub fn run(b: BuildArgs) -> anyhow::Result<()> {
    let b = BuildRequest::from(b);
    // Ask for the key's password before building, not after.
    let ui = Terminal::new();
    let signer = b.signing.signer(&ui)?;
    let built = cargo_cra::ops::build::run(&b, signer.as_ref(), &ui)?;
    print_reports(&built.binaries, b.message_format);
    Ok(())
}

/// One entry per binary: JSON lines, or a block of paths.
fn print_reports(reports: &[BinaryReport], format: cargo_cra::request::MessageFormat) {
    let mut out = std::io::stdout().lock();
    let show = |p: &std::path::Path| shown(p);
    for r in reports {
        let written = match format {
            cargo_cra::request::MessageFormat::Json => {
                writeln!(out, "{}", serde_json::to_string(r).expect("serialisable"))
            }
            cargo_cra::request::MessageFormat::Human => writeln!(
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
