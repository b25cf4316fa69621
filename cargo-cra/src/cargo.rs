//! Running cargo: the workspace pre-flight (`cargo metadata --no-deps`) and the build itself
//! with cargo's JSON messages on stdout. No full `cargo metadata` is run: what is linked comes
//! from the compiler's inputs ([`crate::units`]), so nothing races the build for cargo's locks.
//!
//! cargo's human output is held back until cargo shows that resolution is over (its first
//! `Compiling`/`Fresh`/… line or artefact message): if cargo stops before that because the
//! lock file is stale, the user sees one clear line instead of cargo's. Once released, cargo's
//! output streams through as it comes, with colours and progress bar when stderr is a
//! terminal.

use crate::error::BuildError;
use crate::request::BuildRequest;
use crate::toolchain::first_error_line;
use crate::ui::Ui;
use cargo_metadata::{Artifact, Message, Metadata, MetadataCommand};
use std::ffi::OsString;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The cargo program: `CARGO` (set by cargo for its subcommands), else `cargo`.
pub fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into())
}

/// The workspace without its dependencies (`cargo metadata --no-deps`): root, target
/// directory, members and their targets. Fast, and no lock file or network is involved.
pub fn workspace(args: &BuildRequest) -> Result<Metadata, BuildError> {
    if let Some(p) = &args.manifest.manifest_path
        && !p.is_file()
    {
        return Err(BuildError::NotACargoProject(format!(
            "{}: no such manifest",
            p.display()
        )));
    }
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(cargo_program());
    if let Some(p) = &args.manifest.manifest_path {
        cmd.manifest_path(p);
    }
    cmd.no_deps();
    cmd.exec().map_err(|e| match e {
        cargo_metadata::Error::CargoMetadata { stderr } if stderr.contains("could not find") => {
            BuildError::NotACargoProject(first_error_line(stderr.as_bytes()))
        }
        cargo_metadata::Error::CargoMetadata { stderr } => BuildError::Tool {
            what: "cargo metadata".into(),
            message: first_error_line(stderr.as_bytes()),
        },
        other => BuildError::Tool {
            what: "cargo metadata".into(),
            message: other.to_string(),
        },
    })
}

/// Creates the workspace's missing `Cargo.lock` as `cargo build` would on a first build
/// (`cargo generate-lockfile`, offline when asked).
pub fn generate_lockfile(args: &BuildRequest) -> Result<(), BuildError> {
    let mut cmd = std::process::Command::new(cargo_program());
    cmd.arg("generate-lockfile");
    if let Some(p) = &args.manifest.manifest_path {
        cmd.arg("--manifest-path").arg(p);
    }
    if args.manifest.offline {
        cmd.arg("--offline");
    }
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| BuildError::Tool {
            what: "cargo generate-lockfile".into(),
            message: e.to_string(),
        })?;
    match out.status.success() {
        true => Ok(()),
        false => Err(BuildError::Tool {
            what: "cargo generate-lockfile".into(),
            message: first_error_line(&out.stderr),
        }),
    }
}

/// Whether cargo's stderr `text` says that `--locked` stopped it from updating the lock file
/// (cargo ≥ 1.84: "cannot update the lock file"; older: "needs to be updated but").
fn says_lock_is_stale(text: &str) -> bool {
    text.contains("cannot update the lock file") || text.contains("needs to be updated but")
}

/// How long cargo's output is held back at most.
const HOLD_AT_MOST: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether a line of cargo's stderr shows that resolution is over and work has started (or
/// that cargo waits for a lock, which the user must see), so its output can be let through.
fn shows_progress(line: &str) -> bool {
    [
        "Blocking",
        "Compiling",
        "Fresh",
        "Checking",
        "Downloading",
        "Downloaded",
        "Building",
        "Finished",
        "warning",
    ]
    .iter()
    .any(|w| line.contains(w))
}

/// Where cargo's stderr goes: held in memory, or passed through.
enum GateState {
    Holding(Vec<u8>),
    Open,
}

/// A running `cargo build` whose human output is held back until cargo shows progress.
pub struct RunningBuild {
    child: Child,
    stdout: ChildStdout,
    gate: Arc<Mutex<GateState>>,
    stderr_pump: JoinHandle<()>,
    /// Where cargo's output is passed on.
    out: Output,
}

/// The sink cargo's output is passed on to, shared by the pump and the reader.
type Output = Arc<Mutex<Box<dyn Write + Send>>>;

/// Writes `bytes` to `out` and flushes (a sink gone away is not our error).
fn pass_on(out: &Output, bytes: &[u8]) {
    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

impl RunningBuild {
    /// Starts `cargo` with `args` and `env`, its output passed on to `ui`. When that is a
    /// terminal, cargo is told to colour its output and draw its progress bar as it would on
    /// the terminal itself.
    pub fn spawn(
        args: &[String],
        env: &[(String, OsString)],
        ui: &dyn Ui,
    ) -> Result<Self, BuildError> {
        let mut cmd = Command::new(cargo_program());
        cmd.args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = ui.cargo_output();
        let out: Output = Arc::new(Mutex::new(output.sink));
        if output.terminal {
            if std::env::var_os("CARGO_TERM_COLOR").is_none() {
                cmd.env("CARGO_TERM_COLOR", "always");
            }
            if std::env::var_os("CARGO_TERM_PROGRESS_WHEN").is_none()
                && let Some(w) = output.width
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
        let (pump_out, timer_out) = (Arc::clone(&out), Arc::clone(&out));
        // Whatever holds cargo up (a slow index update, say), it is shown after a while.
        let timer_gate = Arc::clone(&gate);
        std::thread::spawn(move || {
            std::thread::sleep(HOLD_AT_MOST);
            release_gate(&timer_gate, &timer_out);
        });
        let stderr_pump = std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                let n = match err.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let mut state = pump_gate.lock().unwrap_or_else(|e| e.into_inner());
                match &mut *state {
                    GateState::Holding(buf) => {
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(buf);
                        let complete = text.rsplit_once('\n').map(|(c, _)| c).unwrap_or("");
                        if complete.lines().any(shows_progress) {
                            pass_on(&pump_out, buf);
                            *state = GateState::Open;
                        }
                    }
                    GateState::Open => pass_on(&pump_out, &chunk[..n]),
                }
            }
        });
        Ok(RunningBuild {
            child,
            stdout,
            gate,
            stderr_pump,
            out,
        })
    }
}

/// Lets cargo's output through, starting with what was held back.
fn release_gate(gate: &Mutex<GateState>, out: &Output) {
    {
        let mut state = gate.lock().unwrap_or_else(|e| e.into_inner());
        if let GateState::Holding(buf) = &*state {
            pass_on(out, buf);
        }
        *state = GateState::Open;
    }
}

impl RunningBuild {
    /// Waits for the build; returns the compiler artefacts cargo reported (including fresh
    /// ones), or cargo's exit code as an error ([`BuildError::StaleLockFile`] naming
    /// `lock_file` when `--locked` stopped it).
    pub fn finish(mut self, lock_file: &Path) -> Result<Vec<Artifact>, BuildError> {
        let mut artifacts = Vec::new();
        let mut parse_error = None;
        let mut released = false;
        for message in Message::parse_stream(BufReader::new(self.stdout)) {
            if !released {
                release_gate(&self.gate, &self.out);
                released = true;
            }
            match message {
                Ok(Message::CompilerArtifact(a)) => artifacts.push(a),
                Ok(Message::TextLine(line)) => pass_on(&self.out, format!("{line}\n").as_bytes()),
                Ok(_) => {}
                Err(e) => {
                    // Keep reading: cargo blocks on a full pipe otherwise.
                    parse_error.get_or_insert(e);
                }
            }
        }
        let status = self.child.wait().map_err(|e| BuildError::Tool {
            what: "cargo build".into(),
            message: e.to_string(),
        })?;
        let _ = self.stderr_pump.join();
        let held = {
            let mut state = self.gate.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *state, GateState::Open)
        };
        if let GateState::Holding(buf) = held {
            if !status.success() && says_lock_is_stale(&String::from_utf8_lossy(&buf)) {
                return Err(BuildError::StaleLockFile(lock_file.to_path_buf()));
            }
            pass_on(&self.out, &buf);
        }
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

/// The crates of the workspace whose lock file is `lock` that only dev-dependencies reach
/// (tests, examples, benchmarks), from cargo's own resolve (`cargo metadata --locked`; it
/// fetches the manifests of packages no build needed, unless `offline`); empty when cargo
/// cannot say.
pub(crate) fn dev_only_packages(lock: &Path, offline: bool) -> Vec<(String, String)> {
    let Some(manifest) = lock.parent().map(|d| d.join("Cargo.toml")) else {
        return Vec::new();
    };
    let metadata = cargo_metadata::MetadataCommand::new()
        .cargo_path(cargo_program())
        .manifest_path(manifest)
        .other_options(match offline {
            true => vec!["--locked".into(), "--offline".into()],
            false => vec!["--locked".into()],
        })
        .exec();
    let Ok(metadata) = metadata else {
        return Vec::new();
    };
    let Some(resolve) = &metadata.resolve else {
        return Vec::new();
    };
    let nodes: std::collections::HashMap<_, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let reach = |with_dev: bool| {
        let mut seen: std::collections::BTreeSet<&cargo_metadata::PackageId> = Default::default();
        let mut stack: Vec<&cargo_metadata::PackageId> =
            metadata.workspace_members.iter().collect();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some(node) = nodes.get(id) else { continue };
            for dep in &node.deps {
                let kept = with_dev
                    || dep
                        .dep_kinds
                        .iter()
                        .any(|k| k.kind != cargo_metadata::DependencyKind::Development);
                if kept {
                    stack.push(&dep.pkg);
                }
            }
        }
        seen
    };
    let (all, built) = (reach(true), reach(false));
    metadata
        .packages
        .iter()
        .filter(|p| all.contains(&p.id) && !built.contains(&p.id))
        .map(|p| (p.name.to_string(), p.version.to_string()))
        .collect()
}
