//! Running cargo: finding the workspace, reading its metadata, and building with cargo's JSON
//! messages on stdout (its human output stays on stderr, streamed as it comes).

use crate::args::BuildArgs;
use crate::error::BuildError;
use crate::toolchain::first_error_line;
use cargo_metadata::{Artifact, Message, Metadata, MetadataCommand};
use std::ffi::OsString;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cargo program: `CARGO` (set by cargo for its subcommands), else `cargo`.
pub fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into())
}

/// The workspace's root manifest, as `cargo locate-project --workspace` finds it.
pub fn locate_workspace(args: &BuildArgs) -> Result<PathBuf, BuildError> {
    let mut cmd = Command::new(cargo_program());
    cmd.args(["locate-project", "--workspace", "--message-format", "plain"]);
    if let Some(p) = &args.manifest.manifest_path {
        if !p.is_file() {
            return Err(BuildError::NotACargoProject(format!(
                "{}: no such manifest",
                p.display()
            )));
        }
        cmd.arg("--manifest-path").arg(p);
    }
    let out = cmd.output().map_err(|e| BuildError::Tool {
        what: "cargo locate-project".into(),
        message: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(BuildError::NotACargoProject(first_error_line(&out.stderr)));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// `cargo metadata` for `target`, with every feature of the workspace on, so that the resolve
/// graph is a superset of what any build can link; the build's own per-unit features then
/// decide what is really linked.
pub fn metadata(args: &BuildArgs, target: &str, lock_file: &Path) -> Result<Metadata, BuildError> {
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(cargo_program());
    if let Some(p) = &args.manifest.manifest_path {
        cmd.manifest_path(p);
    }
    let mut other = args.lock_args();
    other.extend([
        "--filter-platform".to_string(),
        target.to_string(),
        "--all-features".to_string(),
    ]);
    cmd.other_options(other);
    cmd.exec().map_err(|e| match e {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            // cargo ≥ 1.84 says "cannot update the lock file"; older ones "needs to be updated but".
            if stderr.contains("cannot update the lock file")
                || stderr.contains("needs to be updated but")
            {
                BuildError::StaleLockFile(lock_file.to_path_buf())
            } else {
                BuildError::Tool {
                    what: "cargo metadata".into(),
                    message: first_error_line(stderr.as_bytes()),
                }
            }
        }
        other => BuildError::Tool {
            what: "cargo metadata".into(),
            message: other.to_string(),
        },
    })
}

/// Runs `cargo build` with `args` and `env`, streaming cargo's human output to stderr, and
/// returns the compiler artefacts cargo reported (including ones that were already fresh).
pub fn build(args: &[String], env: &[(String, OsString)]) -> Result<Vec<Artifact>, BuildError> {
    let mut cmd = Command::new(cargo_program());
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(|e| BuildError::Tool {
        what: "cargo build".into(),
        message: e.to_string(),
    })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut artifacts = Vec::new();
    for message in Message::parse_stream(BufReader::new(stdout)) {
        match message {
            Ok(Message::CompilerArtifact(a)) => artifacts.push(a),
            Ok(Message::TextLine(line)) => eprintln!("{line}"),
            Ok(_) => {}
            Err(e) => {
                return Err(BuildError::Tool {
                    what: "cargo build".into(),
                    message: format!("reading its output: {e}"),
                });
            }
        }
    }
    let status = child.wait().map_err(|e| BuildError::Tool {
        what: "cargo build".into(),
        message: e.to_string(),
    })?;
    if !status.success() {
        return Err(BuildError::CargoBuildFailed {
            code: status.code().unwrap_or(101),
        });
    }
    Ok(artifacts)
}
