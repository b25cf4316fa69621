//! `cargo cra build`'s options (clap), and their conversion into a [`BuildRequest`].
use super::options::{
    BuildSigning, Compilation, Features, GateArgs, Manifest, MessageFormat, Selection, WarningArgs,
};
use cargo_cra::request::BuildRequest;
use clap::Args;

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
        }
    }
}
