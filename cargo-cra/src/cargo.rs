//! Running cargo: the workspace pre-flight (`cargo metadata --no-deps`), the full resolve graph,
//! and the build itself with cargo's JSON messages on stdout.
//!
//! The full `cargo metadata` (about as slow as a no-op build on a large project) runs while
//! cargo builds. cargo's human output is held back until that metadata has been read: if it
//! fails (a stale lock file, say), the build is stopped and its output discarded, so the user
//! sees one clear line instead of two tools' errors. Once released, cargo's output streams
//! through as it comes, with colours and progress bar when stderr is a terminal.

use crate::args::BuildArgs;
use crate::error::BuildError;
use crate::toolchain::first_error_line;
use cargo_metadata::{Artifact, Message, Metadata, MetadataCommand};
use std::ffi::OsString;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The cargo program: `CARGO` (set by cargo for its subcommands), else `cargo`.
pub fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into())
}

fn metadata_command(args: &BuildArgs) -> MetadataCommand {
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(cargo_program());
    if let Some(p) = &args.manifest.manifest_path {
        cmd.manifest_path(p);
    }
    cmd
}

/// The workspace without its dependencies (`cargo metadata --no-deps`): root, target
/// directory, members and their targets. Fast, and no lock file or network is involved.
pub fn workspace(args: &BuildArgs) -> Result<Metadata, BuildError> {
    if let Some(p) = &args.manifest.manifest_path
        && !p.is_file()
    {
        return Err(BuildError::NotACargoProject(format!(
            "{}: no such manifest",
            p.display()
        )));
    }
    let mut cmd = metadata_command(args);
    cmd.no_deps();
    cmd.exec().map_err(|e| match e {
        cargo_metadata::Error::CargoMetadata { stderr } if stderr.contains("could not find") => {
            BuildError::NotACargoProject(first_error_line(stderr.as_bytes()))
        }
        other => metadata_error(other),
    })
}

/// `cargo metadata` for `target`, with every feature of the workspace on, so that the resolve
/// graph is a superset of what any build can link; the build's own per-unit features then
/// decide what is really linked.
pub fn metadata(args: &BuildArgs, target: &str, lock_file: &Path) -> Result<Metadata, BuildError> {
    let mut cmd = metadata_command(args);
    let mut other = args.lock_args();
    other.extend([
        "--filter-platform".to_string(),
        target.to_string(),
        "--all-features".to_string(),
    ]);
    cmd.other_options(other);
    cmd.exec().map_err(|e| match e {
        // cargo ≥ 1.84 says "cannot update the lock file"; older ones "needs to be updated but".
        cargo_metadata::Error::CargoMetadata { stderr }
            if stderr.contains("cannot update the lock file")
                || stderr.contains("needs to be updated but") =>
        {
            BuildError::StaleLockFile(lock_file.to_path_buf())
        }
        other => metadata_error(other),
    })
}

fn metadata_error(e: cargo_metadata::Error) -> BuildError {
    let message = match e {
        cargo_metadata::Error::CargoMetadata { stderr } => first_error_line(stderr.as_bytes()),
        other => other.to_string(),
    };
    BuildError::Tool {
        what: "cargo metadata".into(),
        message,
    }
}

/// Where cargo's stderr goes: held in memory, passed through, or dropped.
enum GateState {
    Holding(Vec<u8>),
    Open,
    Discarding,
}

/// A running `cargo build` whose human output is held back until [`RunningBuild::release`].
pub struct RunningBuild {
    child: Child,
    stdout: ChildStdout,
    gate: Arc<Mutex<GateState>>,
    stderr_pump: JoinHandle<()>,
}

impl RunningBuild {
    /// Starts `cargo` with `args` and `env`. When our stderr is a terminal, cargo is told to
    /// colour its output and draw its progress bar as it would on the terminal itself.
    pub fn spawn(args: &[String], env: &[(String, OsString)]) -> Result<Self, BuildError> {
        let mut cmd = Command::new(cargo_program());
        cmd.args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let stderr = std::io::stderr();
        if stderr.is_terminal() {
            if std::env::var_os("CARGO_TERM_COLOR").is_none() {
                cmd.env("CARGO_TERM_COLOR", "always");
            }
            if std::env::var_os("CARGO_TERM_PROGRESS_WHEN").is_none()
                && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(&stderr)
            {
                cmd.env("CARGO_TERM_PROGRESS_WHEN", "always");
                cmd.env("CARGO_TERM_PROGRESS_WIDTH", w.to_string());
            }
        }
        let mut child = cmd.spawn().map_err(|e| BuildError::Tool {
            what: "cargo build".into(),
            message: e.to_string(),
        })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut err = child.stderr.take().expect("stderr is piped");
        let gate = Arc::new(Mutex::new(GateState::Holding(Vec::new())));
        let pump_gate = Arc::clone(&gate);
        let stderr_pump = std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                let n = match err.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let mut state = pump_gate.lock().unwrap_or_else(|e| e.into_inner());
                match &mut *state {
                    GateState::Holding(buf) => buf.extend_from_slice(&chunk[..n]),
                    GateState::Open => {
                        let mut out = std::io::stderr().lock();
                        let _ = out.write_all(&chunk[..n]);
                        let _ = out.flush();
                    }
                    GateState::Discarding => {}
                }
            }
        });
        Ok(RunningBuild {
            child,
            stdout,
            gate,
            stderr_pump,
        })
    }

    /// Lets cargo's output through, starting with what was held back.
    pub fn release(&self) {
        let mut state = self.gate.lock().unwrap_or_else(|e| e.into_inner());
        if let GateState::Holding(buf) = &*state {
            let mut out = std::io::stderr().lock();
            let _ = out.write_all(buf);
            let _ = out.flush();
        }
        *state = GateState::Open;
    }

    /// Stops the build and drops its output.
    pub fn abort(mut self) {
        *self.gate.lock().unwrap_or_else(|e| e.into_inner()) = GateState::Discarding;
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.stderr_pump.join();
    }

    /// Waits for the build; returns the compiler artefacts cargo reported (including fresh
    /// ones), or cargo's exit code as an error.
    pub fn finish(mut self) -> Result<Vec<Artifact>, BuildError> {
        self.release();
        let mut artifacts = Vec::new();
        let mut parse_error = None;
        for message in Message::parse_stream(BufReader::new(self.stdout)) {
            match message {
                Ok(Message::CompilerArtifact(a)) => artifacts.push(a),
                Ok(Message::TextLine(line)) => eprintln!("{line}"),
                Ok(_) => {}
                Err(e) => {
                    parse_error = Some(e);
                    break;
                }
            }
        }
        let status = self.child.wait().map_err(|e| BuildError::Tool {
            what: "cargo build".into(),
            message: e.to_string(),
        })?;
        let _ = self.stderr_pump.join();
        if !status.success() {
            return Err(BuildError::CargoBuildFailed {
                code: status.code().unwrap_or(101),
            });
        }
        if let Some(e) = parse_error {
            return Err(BuildError::Tool {
                what: "cargo build".into(),
                message: format!("reading its output: {e}"),
            });
        }
        Ok(artifacts)
    }
}
