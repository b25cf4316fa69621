//! cargo-cra as cargo's rustc wrapper: every compilation runs with the build's path remaps
//! ([`crate::repro`]) and, when it succeeds, leaves a unit record ([`crate::units`]) of what the
//! compiler was given — the source of the exact SBOM.

use crate::repro::Remap;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The name the rustc wrapper runs under: a symbolic link to cargo-cra in the build
/// directory, `<WRAPPER_NAME><digest of its state>`, with the state beside it as
/// `<link>.json`. The state is found from the name cargo started the wrapper by — never from
/// the environment, which a dependency's build script can rewrite for its own compilation
/// (`cargo:rustc-env=…`) to add arguments that no unit record would show.
pub const WRAPPER_NAME: &str = "cargo-cra-rustc-wrapper-";

/// What the rustc wrapper needs, in a file beside the link it runs under.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapperState {
    /// Arguments appended to every compilation.
    pub extra_args: Vec<String>,
    /// The wrapper the user had configured, run in turn by ours.
    pub inner_wrapper: Option<PathBuf>,
    /// The build's path rewrites, which unit records use too (so that they stay true when the
    /// checkout moves).
    #[serde(default)]
    pub remaps: Vec<Remap>,
}

impl WrapperState {
    /// The wrapper state for `remaps`, keeping the user's own wrapper from the environment.
    pub fn new(remaps: &[Remap]) -> Self {
        let inner_wrapper = ["RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER"]
            .iter()
            .filter_map(std::env::var_os)
            .find(|v| !v.is_empty())
            .map(PathBuf::from);
        WrapperState {
            extra_args: remaps
                .iter()
                .map(|r| format!("--remap-path-prefix={}={}", r.from.display(), r.to))
                .collect(),
            inner_wrapper,
            remaps: remaps.to_vec(),
        }
    }

    /// Writes the state into `dir` beside a link to `self_exe` named for it, and returns the
    /// environment for `cargo build`: that link as the rustc wrapper.
    pub fn install(&self, dir: &Path, self_exe: &Path) -> std::io::Result<Vec<(String, OsString)>> {
        let json = serde_json::to_vec(self).expect("serialisable");
        let digest = cra_attest::digest::to_hex(&cra_attest::digest::sha256(&json));
        let link = dir.join(format!("{WRAPPER_NAME}{}", &digest[..16]));
        std::fs::create_dir_all(dir)?;
        cra_attest::persist::write_atomic(&state_path(&link), &json, 0o644)?;
        if std::fs::read_link(&link).ok().as_deref() != Some(self_exe) {
            let tmp = dir.join(format!(".wrapper.{}", std::process::id()));
            let _ = std::fs::remove_file(&tmp);
            std::os::unix::fs::symlink(self_exe, &tmp)?;
            std::fs::rename(&tmp, &link)?;
        }
        Ok(vec![
            ("RUSTC_WRAPPER".into(), link.clone().into()),
            ("CARGO_BUILD_RUSTC_WRAPPER".into(), link.into()),
        ])
    }
}

/// The state file of the wrapper link `link`.
fn state_path(link: &Path) -> PathBuf {
    let mut name = link.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

/// Why the rustc wrapper stopped (the build stops with it).
#[derive(Debug, thiserror::Error)]
pub enum WrapperError {
    /// Its state beside the link is missing or unreadable.
    #[error("cargo-cra rustc wrapper: unreadable state: {0}")]
    State(String),
    /// rustc (or the inner wrapper) could not be started.
    #[error("cargo-cra rustc wrapper: cannot run {rustc}: {source}")]
    Run {
        /// What it tried to run.
        rustc: String,
        /// Why it could not.
        source: std::io::Error,
    },
    /// The compiled unit's record could not be written.
    #[error("cargo-cra rustc wrapper: writing the unit record: {0}")]
    Record(std::io::Error),
}

impl WrapperError {
    /// The exit code the wrapper ends with: 1 for its state, else 101 as rustc's own failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            WrapperError::State(_) => 1,
            _ => 101,
        }
    }
}

/// If this process was started by cargo as the rustc wrapper, runs rustc and returns its exit
/// code; otherwise `None`.
///
/// cargo runs the wrapper as `WRAPPER RUSTC ARGS...`, through the link [`WrapperState::install`]
/// made; cargo-cra as a cargo subcommand runs under its own name.
pub fn run_as_rustc_wrapper(args: &[OsString]) -> Option<Result<i32, WrapperError>> {
    let link = Path::new(args.first()?);
    let name = link.file_name()?.to_str()?;
    if !name.starts_with(WRAPPER_NAME) || args.len() < 2 {
        return None;
    }
    let state = state_path(link);
    let state: WrapperState = match cra_model::input::read_limited(&state, 1 << 20, "state")
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => return Some(Err(WrapperError::State(e))),
    };
    let rustc = &args[1];
    let rest = &args[2..];
    // Only real compilations get the extra flags; `rustc -vV` and friends stay as they are.
    // cargo passes an `@argfile` instead of the arguments when the command line is too long.
    let expanded = crate::units::expand_argfiles(rest);
    let compiling = expanded.iter().any(|a| a == "--crate-name");
    let mut cmd = match &state.inner_wrapper {
        Some(inner) => {
            let mut c = Command::new(inner);
            c.arg(rustc);
            c
        }
        None => Command::new(rustc),
    };
    cmd.args(rest);
    if compiling {
        cmd.args(&state.extra_args);
    }
    let code = match cmd.status() {
        Ok(st) => st.code().unwrap_or(101),
        Err(source) => {
            return Some(Err(WrapperError::Run {
                rustc: rustc.to_string_lossy().into_owned(),
                source,
            }));
        }
    };
    if code == 0
        && compiling
        && let Err(e) = crate::units::record_compilation(&expanded, &state.remaps)
    {
        return Some(Err(WrapperError::Record(e)));
    }
    Some(Ok(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_is_found_from_the_wrapper_name_never_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let state = WrapperState::new(&[]);
        let env = state.install(dir.path(), Path::new("/bin/true")).unwrap();
        let link = PathBuf::from(&env[0].1);
        assert!(
            link.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(WRAPPER_NAME)
        );
        assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("/bin/true"));
        let read: WrapperState =
            serde_json::from_slice(&std::fs::read(state_path(&link)).unwrap()).unwrap();
        assert_eq!(read, state);
        // Under any other name (cargo-cra itself), the process is not the wrapper.
        let args: Vec<OsString> = vec!["cargo-cra".into(), "rustc".into(), "-vV".into()];
        assert!(run_as_rustc_wrapper(&args).is_none());
        // Installing the same state again keeps the same link.
        let again = state.install(dir.path(), Path::new("/bin/true")).unwrap();
        assert_eq!(again, env);
    }

    #[test]
    fn wrapper_state_round_trips_and_makes_remap_flags() {
        let r = vec![Remap {
            from: "/w s/x".into(),
            to: ".".into(),
        }];
        let st = WrapperState {
            extra_args: WrapperState::new(&r).extra_args,
            inner_wrapper: None,
            remaps: r.clone(),
        };
        assert_eq!(
            st.extra_args,
            vec!["--remap-path-prefix=/w s/x=.".to_string()]
        );
        let json = serde_json::to_string(&st).unwrap();
        assert_eq!(serde_json::from_str::<WrapperState>(&json).unwrap(), st);
    }
}
