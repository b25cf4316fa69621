//! `cargo cra init`'s options (clap), and the terminal prompts for what they leave out.

use cargo_cra::init::InitRequest;
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Options of `cargo cra init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The manufacturer's registered name or trade mark.
    #[arg(long, value_name = "NAME", help_heading = "Product facts")]
    pub manufacturer: Option<String>,
    /// Where vulnerabilities are reported: an e-mail address or a URL.
    #[arg(long, value_name = "ADDR", help_heading = "Product facts")]
    pub security_contact: Option<String>,
    /// The last day of security updates, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", help_heading = "Product facts")]
    pub support_period_end: Option<String>,
    /// Also write a starting image recipe, `recipes/<package>.toml`, for the package's
    /// binaries: an unprivileged user, a read-only squashfs with dm-verity, an OCI archive.
    #[arg(long, help_heading = "Output")]
    pub recipe: bool,
    /// Path to Cargo.toml (default: the current directory's).
    #[arg(long, value_name = "PATH", help_heading = "Manifest options")]
    pub manifest_path: Option<PathBuf>,
}

impl InitArgs {
    /// The request, with what is missing asked for when stdin and stderr are a terminal
    /// (an empty answer leaves the key commented out).
    pub fn into_request(self) -> std::io::Result<InitRequest> {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        let ask = |value: Option<String>, question: &str| match (value, interactive) {
            (Some(v), _) => Ok(Some(v)),
            (None, false) => Ok(None),
            (None, true) => prompt(question).map(|a| Some(a).filter(|a| !a.is_empty())),
        };
        Ok(InitRequest {
            manufacturer: ask(self.manufacturer, "Manufacturer (registered name)")?,
            security_contact: ask(
                self.security_contact,
                "Security contact (e-mail address or URL)",
            )?,
            support_period_end: ask(
                self.support_period_end,
                "End of the support period (YYYY-MM-DD)",
            )?,
            recipe: self.recipe,
            manifest_path: self.manifest_path,
        })
    }
}

/// One answer read from the terminal.
fn prompt(question: &str) -> std::io::Result<String> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question}, empty to fill in later: ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim().to_string())
}

/// `cargo cra init`: writes the table (and recipes), then says what it wrote.
pub fn run(a: InitArgs) -> anyhow::Result<()> {
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
    Ok(())
}
