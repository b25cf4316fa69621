//! `cargo cra compose`'s options (clap), and their conversion into a [`ComposeRequest`].

use super::options::{BuildSigning, GateArgs, RegistryArgs};
use super::output::{shown, warning};
use super::terminal::Terminal;
use cargo_cra::ops::compose::ComposeRequest;
use clap::Args;
use std::path::PathBuf;

/// `cargo cra compose` options.
#[derive(Debug, Clone, Args)]
pub struct ComposeArgs {
    /// The recipe (TOML; every key: `cargo cra help recipe`, docs/reference/recipe.md).
    #[arg(value_name = "RECIPE")]
    pub recipe: PathBuf,
    /// Parent directory of the image directory `<name>-<version>/`.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/cra/images",
        help_heading = "Output"
    )]
    pub out: PathBuf,
    /// Print one JSON object describing what was written, instead of lines for people.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Number of parallel jobs for the app builds (does not change the output bytes).
    #[arg(short = 'j', long, value_name = "N", help_heading = "App builds")]
    pub jobs: Option<String>,
    /// Build the apps without accessing the network.
    #[arg(long, help_heading = "App builds")]
    pub offline: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub signing: BuildSigning,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub gate: GateArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub warnings: super::options::WarningArgs,
    /// Also write the CRA documents into the image directory's `cra/` (as `cargo cra docs`,
    /// from the recipe's `[product]`; signed with the image when --sign).
    #[arg(long, help_heading = "CRA documents")]
    pub docs: bool,
    /// With --docs: fail when an Annex II or V item is missing (the image is kept).
    #[arg(long, requires = "docs", help_heading = "CRA documents")]
    pub strict: bool,
    /// Push the image and its Sigstore bundles (as referrers) to `HOST[:PORT]/REPOSITORY[:TAG]`
    /// once it is written, as `cargo cra push` does; without REF, to the recipe's
    /// `[output.registry]`.
    #[arg(long, value_name = "REF", num_args = 0..=1, help_heading = "Registry")]
    pub push: Option<Option<String>>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub registry: RegistryArgs,
    /// SBOM formats to write (repeatable): CycloneDX 1.7 is always written; `spdx2.3` adds
    /// `<name>.spdx23.json` and `spdx3` adds `<name>.spdx.json` (SPDX 3.0.1 JSON-LD) for the
    /// image and each app (attested too under --sign).
    #[arg(long, value_enum, value_name = "FORMAT", help_heading = "Output")]
    pub sbom_format: Vec<super::options::SbomFormat>,
}

impl From<ComposeArgs> for ComposeRequest {
    fn from(c: ComposeArgs) -> Self {
        ComposeRequest {
            recipe: c.recipe,
            out: c.out,
            json: c.json,
            jobs: c.jobs,
            offline: c.offline,
            signing: c.signing.into(),
            audit: c.gate.gate(),
            deny_warnings: c.warnings.deny_warnings,
            docs: c
                .docs
                .then_some(cargo_cra::ops::compose::Docs { strict: c.strict }),
            push: None,
            sbom_formats: super::options::extra_sbom_formats(&c.sbom_format),
        }
    }
}

/// `cargo cra compose`: asks for the key's password first, composes with progress bars,
/// prints the warnings and what was written.
pub fn run(c: ComposeArgs) -> anyhow::Result<()> {
    // The registry's password, like the key's, is asked for before any work.
    let push = match &c.push {
        Some(reference) => Some((reference.clone(), c.registry.clone().options()?)),
        None => None,
    };
    let mut c = ComposeRequest::from(c);
    c.push = push;
    let ui = Terminal::new();
    let signer = c.signing.signer(&ui)?;
    let composed = cargo_cra::ops::compose::run(&c, signer.as_ref(), &ui)?;
    for w in &composed.image.warnings {
        warning(w);
    }
    if c.json {
        out!(
            "{}",
            serde_json::to_string(&composed).expect("serialisable")
        );
        return Ok(());
    }
    print_image(&composed.image, false);
    if let Some(pushed) = &composed.pushed {
        super::push::lines(pushed);
    }
    Ok(())
}

/// The image's files and digests, or its report as JSON.
fn print_image(r: &cra_composer::compose::ComposeReport, json: bool) {
    if json {
        out!("{}", serde_json::to_string(r).expect("serialisable"));
        return;
    }
    let show = |p: &std::path::Path| shown(p);
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
