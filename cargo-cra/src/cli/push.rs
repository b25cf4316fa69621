//! `cargo cra push`: options, credentials as users keep them, and the report.

use cargo_cra::ops::push::{PushReport, PushRequest};
use cargo_cra::registry::{Connection, Credentials, Reference};
use clap::Args;
use std::io::Read;
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
    /// Another tag to set (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// The registry user; the password is read from standard input (--password-stdin).
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the password (or token) from standard input, one line.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Trust the CA certificates in this PEM file (besides the bundled Mozilla roots).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Reach this registry host over plain HTTP (never implied; repeatable).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Pushes the image and prints where it went.
pub fn run(a: PushArgs) -> anyhow::Result<()> {
    let reference: Reference = a.reference.parse()?;
    for tag in &a.tags {
        anyhow::ensure!(
            cargo_cra::registry::valid_tag(tag),
            "--tag {:?}: a tag is up to 128 letters, digits, '.', '_', '-'",
            cra_model::input::printable(tag)
        );
    }
    let credentials = match a.username {
        Some(user) => Some(Credentials::new(user, password_from_stdin()?)),
        None => Credentials::stored(
            &reference.host,
            std::env::var_os("REGISTRY_AUTH_FILE")
                .map(PathBuf::from)
                .as_deref(),
            docker_config().as_deref(),
        )?,
    };
    let request = PushRequest {
        image: a.image,
        reference,
        tags: a.tags,
        connection: Connection {
            ca_file: a.ca_file,
            insecure: a.insecure,
            credentials,
        },
    };
    let report = cargo_cra::ops::push::run(&request)?;
    print(&report, a.json);
    Ok(())
}

/// One line of standard input, without its line end.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().take(64 << 10).read_to_string(&mut line)?;
    let password = line.lines().next().unwrap_or("").to_string();
    anyhow::ensure!(
        !password.is_empty(),
        "--password-stdin: standard input is empty"
    );
    Ok(password)
}

/// Docker's configuration directory: `$DOCKER_CONFIG`, else `~/.docker`.
fn docker_config() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| home::home_dir().map(|h| h.join(".docker")))
}

fn print(r: &PushReport, json: bool) {
    if json {
        out!("{}", serde_json::to_string(r).expect("serialisable"));
        return;
    }
    for tag in &r.tags {
        out!("{}:{tag}", r.repository);
    }
    out!("  digest      {}", r.digest);
    out!(
        "  blobs       {} uploaded, {} already there",
        r.uploaded,
        r.skipped
    );
}
