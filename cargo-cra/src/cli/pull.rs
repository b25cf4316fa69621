//! `cargo cra pull`: options and the report.

use super::options::RegistryAccess;
use cargo_cra::ops::pull::{PullReport, PullRequest};
use clap::Args;
use std::path::PathBuf;

/// `cargo cra pull REF --out DIR`.
#[derive(Debug, Clone, Args)]
pub struct PullArgs {
    /// What: `HOST[:PORT]/REPOSITORY:TAG` or `HOST[:PORT]/REPOSITORY@sha256:<hex>`.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// The image directory to write (must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub registry: RegistryAccess,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Pulls the image and prints what was written.
pub fn run(a: PullArgs) -> anyhow::Result<()> {
    let reference: cargo_cra::registry::Reference = a.reference.parse()?;
    let connection = a
        .registry
        .connection()?
        .with_stored_credentials(&reference.host)?;
    let request = PullRequest {
        reference,
        connection,
        out: a.out,
    };
    let report = cargo_cra::ops::pull::run(&request, &super::terminal::Terminal::new())?;
    print(&report, a.json);
    Ok(())
}

/// What was written: JSON, or lines for people.
fn print(r: &PullReport, json: bool) {
    if json {
        out!("{}", serde_json::to_string(r).expect("serialisable"));
        return;
    }
    out!("{}@{} → {}", r.repository, r.digest, r.out.display());
    out!("  blobs       {} ({} bytes)", r.blobs, r.bytes);
    for file in &r.evidence {
        out!("  evidence    {file}");
    }
}
