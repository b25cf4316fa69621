//! cargo-cra as cargo's rustc wrapper: every compilation runs with the build's path remaps
//! ([`crate::repro`]) and, when it succeeds, leaves a unit record ([`crate::units`]) of what the
//! compiler was given — the source of the exact SBOM.

use crate::repro::Remap;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable that carries the [`WrapperState`] to the rustc wrapper.
pub const WRAPPER_ENV: &str = "CARGO_CRA_RUSTC_WRAPPER";

/// What the rustc wrapper needs, passed to it as JSON in [`WRAPPER_ENV`].
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

    /// Environment for `cargo build`: run `self_exe` as the rustc wrapper.
    pub fn env(&self, self_exe: &Path) -> Vec<(String, OsString)> {
        vec![
            ("RUSTC_WRAPPER".into(), self_exe.as_os_str().to_owned()),
            (
                "CARGO_BUILD_RUSTC_WRAPPER".into(),
                self_exe.as_os_str().to_owned(),
            ),
            (
                WRAPPER_ENV.into(),
                serde_json::to_string(self).expect("serialisable").into(),
            ),
        ]
    }
}

/// If this process was started by cargo as the rustc wrapper, runs rustc and returns its exit
/// code; otherwise `None`.
///
/// cargo runs the wrapper as `WRAPPER RUSTC ARGS...`; cargo-cra as a cargo subcommand is run as
/// `cargo-cra cra ...`, so the two cannot be confused.
pub fn run_as_rustc_wrapper(args: &[OsString]) -> Option<i32> {
    let state = std::env::var(WRAPPER_ENV).ok()?;
    if args.len() < 2 || args[1] == "cra" {
        return None;
    }
    let state: WrapperState = match serde_json::from_str(&state) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cargo-cra rustc wrapper: unreadable {WRAPPER_ENV}: {e}");
            return Some(1);
        }
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
        Err(e) => {
            eprintln!(
                "error: cargo-cra rustc wrapper: cannot run {}: {e}",
                rustc.to_string_lossy()
            );
            return Some(101);
        }
    };
    if code == 0
        && compiling
        && let Err(e) = crate::units::record_compilation(&expanded, &state.remaps)
    {
        eprintln!("error: cargo-cra rustc wrapper: writing the unit record: {e}");
        return Some(101);
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

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
