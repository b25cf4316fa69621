//! `cargo cra push`: options and the report.

use super::options::RegistryArgs;
use cargo_cra::ops::push::{PushReport, PushRequest};
use clap::Args;
use std::path::PathBuf;

/// `cargo cra push IMAGE_DIR REF`.
#[derive(Debug, Clone, Args)]
pub struct PushArgs {
    /// The image directory `cargo cra compose` wrote (`<out>/<name>-<version>/`, holding `oci/`).
    #[arg(value_name = "IMAGE_DIR")]
    pub image: PathBuf,
    /// Where: `HOST[:PORT]/REPOSITORY[:TAG]` (the tag defaults to the image's version).
    #[arg(value_name = "REF")]
    pub reference: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub registry: RegistryArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Pushes the image and prints where it went.
pub fn run(a: PushArgs) -> anyhow::Result<()> {
    let request = PushRequest {
        image: a.image,
        target: a.registry.options()?.target(&a.reference)?,
    };
    let report = cargo_cra::ops::push::run(&request, &super::terminal::Terminal::new())?;
    print(&report, a.json);
    Ok(())
}

/// Where the image went: JSON, or lines for people.
pub fn print(r: &PushReport, json: bool) {
    if json {
        out!("{}", serde_json::to_string(r).expect("serialisable"));
        return;
    }
    lines(r);
}

/// The push's lines for people.
pub fn lines(r: &PushReport) {
    for tag in &r.tags {
        out!("{}:{tag}", r.repository);
    }
    out!("  digest      {}", r.digest);
    out!(
        "  blobs       {} uploaded, {} already there",
        r.uploaded,
        r.skipped
    );
    out!("  referrers   {} Sigstore bundle(s) attached", r.referrers);
    if r.files > 0 {
        out!(
            "  files       {} squashfs image(s) or RAUC bundle(s) attached",
            r.files
        );
    }
    if r.resumed > 0 {
        out!("  resumed     {} cut-off chunk(s) resumed", r.resumed);
    }
}
