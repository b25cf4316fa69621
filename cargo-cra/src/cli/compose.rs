//! `cargo cra compose`'s options (clap), and their conversion into a [`ComposeRequest`].

use super::options::{BuildSigning, GateArgs};
use cargo_cra::ops::compose::ComposeRequest;
use clap::Args;
use std::path::PathBuf;

/// `cargo cra compose` options.
#[derive(Debug, Clone, Args)]
pub struct ComposeArgs {
    /// The recipe (TOML; see the README for every key).
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
        }
    }
}
