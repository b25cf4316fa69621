//! Facts about the Rust toolchain that cargo will use: host triple, version, commit, sysroot,
//! `rust-lld` and the targets' library directories.

use crate::error::BuildError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The toolchain as `rustc -vV` and `rustc --print` describe it.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The `rustc` program (`RUSTC`, else `rustc`).
    pub rustc: PathBuf,
    /// `host:` of `rustc -vV`.
    pub host: String,
    /// `release:` of `rustc -vV`, such as `1.95.0`.
    pub release: String,
    /// `commit-hash:` of `rustc -vV` (`unknown` for some builds).
    pub commit_hash: String,
    /// First line of `rustc -vV`.
    pub version_line: String,
    /// `rustc --print sysroot`.
    pub sysroot: PathBuf,
}

impl Toolchain {
    /// Asks `rustc` (run in `dir`, so that rustup overrides apply) about itself.
    pub fn detect(dir: &Path) -> Result<Self, BuildError> {
        let rustc = std::env::var_os("RUSTC")
            .map(PathBuf::from)
            .unwrap_or_else(|| "rustc".into());
        // Two rustc runs (through rustup's proxy, ~20 ms each), side by side.
        let (vv, sysroot) = std::thread::scope(|s| {
            let sysroot = s.spawn(|| run(&rustc, dir, &["--print", "sysroot"]));
            let vv = run(&rustc, dir, &["-vV"]);
            (vv, sysroot.join().expect("rustc query thread panicked"))
        });
        let vv = vv?;
        let field = |name: &str| {
            vv.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
                .unwrap_or_else(|| "unknown".into())
        };
        let sysroot = PathBuf::from(sysroot?.trim());
        Ok(Toolchain {
            host: field("host:"),
            release: field("release:"),
            commit_hash: field("commit-hash:"),
            version_line: vv.lines().next().unwrap_or_default().to_string(),
            sysroot,
            rustc,
        })
    }

    /// The `rust-lld` linker shipped with the toolchain.
    pub fn rust_lld(&self) -> PathBuf {
        self.sysroot
            .join("lib/rustlib")
            .join(&self.host)
            .join("bin/rust-lld")
    }

    /// Where the toolchain keeps `target`'s standard library (present or not).
    pub fn target_libdir(&self, target: &str) -> Result<PathBuf, BuildError> {
        let out = run(
            &self.rustc,
            Path::new("."),
            &["--print", "target-libdir", "--target", target],
        )?;
        Ok(PathBuf::from(out.trim()))
    }
}

fn run(rustc: &Path, dir: &Path, args: &[&str]) -> Result<String, BuildError> {
    let what = format!("{} {}", rustc.display(), args.join(" "));
    let out = Command::new(rustc)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| BuildError::Tool {
            what: what.clone(),
            message: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(BuildError::Tool {
            what,
            message: first_error_line(&out.stderr),
        });
    }
    String::from_utf8(out.stdout).map_err(|e| BuildError::Tool {
        what,
        message: e.to_string(),
    })
}

/// The most telling line of a tool's stderr: the first `error:` line, else the first line.
pub fn first_error_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .find(|l| l.trim_start().starts_with("error"))
        .or_else(|| text.lines().find(|l| !l.trim().is_empty()))
        .map(|l| l.trim().trim_start_matches("error:").trim().to_string())
        .unwrap_or_else(|| "no message".into())
}

/// The directory name cargo uses under the target dir for `target` (a triple, or the file stem
/// of a custom target specification `.json`).
pub fn target_dir_name(target: &str) -> String {
    if target.ends_with(".json") {
        Path::new(target)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| target.to_string())
    } else {
        target.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_host_toolchain() {
        let tc = Toolchain::detect(Path::new(".")).unwrap();
        assert!(tc.host.contains('-'), "{tc:?}");
        assert!(tc.sysroot.is_absolute(), "{tc:?}");
    }

    #[test]
    fn custom_target_json_dir_name() {
        assert_eq!(target_dir_name("specs/my-board.json"), "my-board");
        assert_eq!(
            target_dir_name("aarch64-unknown-linux-musl"),
            "aarch64-unknown-linux-musl"
        );
    }

    #[test]
    fn first_error_line_prefers_error_lines() {
        let msg = b"warning: x\nerror: could not find `Cargo.toml`\nmore";
        assert_eq!(first_error_line(msg), "could not find `Cargo.toml`");
    }
}
