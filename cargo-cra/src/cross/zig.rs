//! zig as the C cross compiler: finding it, and cargo-cra acting as the `CC`/`CXX`/`AR` that
//! build scripts run.

use crate::error::BuildError;
use cra_attest::digest::Digests;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable naming the zig program to use.
pub const ZIG_ENV: &str = "CARGO_CRA_ZIG";
/// The zig release cargo-cra is tested with (PyPI `ziglang`).
pub const RECOMMENDED_VERSION: &str = "0.13.0";
/// Changes whenever [`compiler_args`] adds other flags (C is then compiled again).
pub const FLAGS_VERSION: &str = "f2";
/// Environment variable carrying [`ZigState`] to the compiler links.
const STATE_ENV: &str = "CARGO_CRA_ZIG_STATE";
/// Names of the links to cargo-cra that build scripts run as their C compiler, C++ compiler and
/// archiver.
pub const CC_NAME: &str = "cargo-cra-zig-cc";
/// See [`CC_NAME`].
pub const CXX_NAME: &str = "cargo-cra-zig-c++";
/// See [`CC_NAME`].
pub const AR_NAME: &str = "cargo-cra-zig-ar";

/// The zig found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zig {
    /// The program.
    pub path: PathBuf,
    /// `zig version`.
    pub version: String,
    /// SHA-256 (hex) of the program.
    pub sha256: String,
    /// Its library directory (libc headers), remapped out of objects.
    pub lib_dir: PathBuf,
}

impl Zig {
    /// [`ZIG_ENV`], else `zig` on `PATH`, else the `ziglang` Python package of `python3`.
    pub fn find() -> Result<Option<Zig>, BuildError> {
        let path = match std::env::var_os(ZIG_ENV).filter(|v| !v.is_empty()) {
            Some(p) => {
                let p = PathBuf::from(p);
                if !p.is_file() {
                    return Err(BuildError::MissingTool {
                        what: format!("zig ({ZIG_ENV}={})", p.display()),
                        fix: "no such file; point it at the zig program".into(),
                    });
                }
                p
            }
            None => match on_path("zig").or_else(from_python_package) {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        Zig::at(&path).map(Some)
    }

    /// The zig at `path`.
    pub fn at(path: &Path) -> Result<Zig, BuildError> {
        let run = |arg: &str| -> Result<String, BuildError> {
            let out = Command::new(path)
                .arg(arg)
                .output()
                .map_err(|e| BuildError::Tool {
                    what: format!("{} {arg}", path.display()),
                    message: e.to_string(),
                })?;
            if !out.status.success() {
                return Err(BuildError::Tool {
                    what: format!("{} {arg}", path.display()),
                    message: crate::toolchain::first_error_line(&out.stderr),
                });
            }
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let version = run("version")?.trim().to_string();
        let lib_dir = lib_dir_of(&run("env")?).unwrap_or_else(|| {
            path.parent()
                .map(|d| d.join("lib"))
                .unwrap_or_else(|| "lib".into())
        });
        let sha256 = Digests::of_file(path)
            .map_err(|e| BuildError::io(path, e))?
            .sha256_hex();
        Ok(Zig {
            path: path.to_path_buf(),
            version,
            sha256,
            lib_dir,
        })
    }
}

/// `lib_dir` of `zig env` output (JSON in zig ≤ 0.14, ZON after).
fn lib_dir_of(env: &str) -> Option<PathBuf> {
    let line = env.lines().find(|l| l.contains("lib_dir"))?;
    let value = line.split_once(['=', ':'])?.1;
    let value = value.trim().trim_end_matches(',').trim().trim_matches('"');
    (!value.is_empty()).then(|| PathBuf::from(value))
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The `zig` binary of the `ziglang` package (`pip install ziglang`) that `python3` imports.
fn from_python_package() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import os, ziglang; print(os.path.dirname(ziglang.__file__))",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Some(dir.join("zig")).filter(|p| p.is_file())
}

/// zig's name for a Rust target, and the CPU features Rust's target assumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZigTarget {
    /// `-target` value.
    pub target: &'static str,
    /// `-mcpu` value, where zig's default CPU differs from Rust's.
    pub cpu: Option<&'static str>,
}

/// The zig target of a Rust musl target.
pub fn zig_target(rust_target: &str) -> Option<ZigTarget> {
    let (target, cpu) = match rust_target {
        "x86_64-unknown-linux-musl" => ("x86_64-linux-musl", None),
        "aarch64-unknown-linux-musl" => ("aarch64-linux-musl", None),
        "armv7-unknown-linux-musleabihf" => {
            ("arm-linux-musleabihf", Some("generic+v7a+vfp3d16+thumb2"))
        }
        "armv7-unknown-linux-musleabi" => ("arm-linux-musleabi", Some("generic+v7a+thumb2")),
        "riscv64gc-unknown-linux-musl" => ("riscv64-linux-musl", Some("baseline_rv64")),
        "i686-unknown-linux-musl" => ("x86-linux-musl", None),
        _ => return None,
    };
    Some(ZigTarget { target, cpu })
}

/// The `CC`, `CXX` and `AR` links.
#[derive(Debug, Clone)]
pub struct ToolLinks {
    /// C compiler.
    pub cc: PathBuf,
    /// C++ compiler.
    pub cxx: PathBuf,
    /// Archiver.
    pub ar: PathBuf,
}

/// Symbolic links named [`CC_NAME`], [`CXX_NAME`], [`AR_NAME`] in `dir`, to `self_exe`.
pub fn make_tool_links(dir: &Path, self_exe: &Path) -> Result<ToolLinks, BuildError> {
    std::fs::create_dir_all(dir).map_err(|e| BuildError::io(dir, e))?;
    let link = |name: &str| -> Result<PathBuf, BuildError> {
        let path = dir.join(name);
        if std::fs::read_link(&path).is_ok_and(|t| t == self_exe) {
            return Ok(path);
        }
        let tmp = dir.join(format!(".{name}.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        symlink(self_exe, &tmp).map_err(|e| BuildError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| BuildError::io(&path, e))?;
        Ok(path)
    };
    Ok(ToolLinks {
        cc: link(CC_NAME)?,
        cxx: link(CXX_NAME)?,
        ar: link(AR_NAME)?,
    })
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::fs::copy(target, link).map(|_| ())
}

/// What the compiler links need, passed in [`STATE_ENV`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZigState {
    /// The zig program.
    pub zig: PathBuf,
    /// zig's target.
    pub target: String,
    /// `-mcpu`, if any.
    pub cpu: Option<String>,
    /// zig's library directory, mapped to `/zig/lib` in objects.
    pub lib_dir: PathBuf,
}

impl ZigState {
    /// The environment for cargo: the state. zig keeps its own content-addressed cache
    /// (`~/.cache/zig`, where it builds musl once per target for the link checks of
    /// `configure` scripts): it only saves time, the objects are the same without it.
    pub fn env(&self) -> Vec<(String, OsString)> {
        vec![(
            STATE_ENV.into(),
            serde_json::to_string(self).expect("serialisable").into(),
        )]
    }
}

/// Why a compiler link could not run zig (the build step that ran it fails).
#[derive(Debug, thiserror::Error)]
pub enum CToolError {
    /// The state cargo-cra passes in the environment is missing or unreadable.
    #[error(
        "{name}: {STATE_ENV} is missing or unreadable ({message}); run through `cargo cra build`"
    )]
    State {
        /// The link's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// C++ for a cross target.
    #[error(
        "cargo-cra: C++ is not cross-compiled for {target} yet: rust-lld links only the Rust toolchain's musl, which has no C++ standard library; set CXX_<target> and CXXSTDLIB_<target> to a C++ cross toolchain"
    )]
    Cxx {
        /// The target.
        target: String,
    },
    /// zig could not be started.
    #[error("{name}: cannot run {zig}: {source}")]
    Run {
        /// The link's name.
        name: String,
        /// zig's path.
        zig: String,
        /// Why.
        source: std::io::Error,
    },
}

/// If this process was started through one of the compiler links, runs zig and returns its
/// exit code (an error exits with 1); otherwise `None`.
pub fn run_as_c_tool(args: &[OsString]) -> Option<Result<i32, CToolError>> {
    let name = Path::new(args.first()?).file_name()?.to_str()?;
    let tool = match name {
        CC_NAME => "cc",
        CXX_NAME => "c++",
        AR_NAME => "ar",
        _ => return None,
    };
    let state: ZigState = match std::env::var(STATE_ENV)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(message) => {
            return Some(Err(CToolError::State {
                name: name.into(),
                message,
            }));
        }
    };
    if tool == "c++" {
        return Some(Err(CToolError::Cxx {
            target: state.target,
        }));
    }
    let mut cmd = Command::new(&state.zig);
    cmd.arg(tool);
    if tool == "ar" {
        cmd.args(&args[1..]);
    } else {
        cmd.args(compiler_args(&state, &args[1..]));
    }
    Some(match cmd.status() {
        Ok(st) => Ok(st.code().unwrap_or(1)),
        Err(source) => Err(CToolError::Run {
            name: name.into(),
            zig: state.zig.display().to_string(),
            source,
        }),
    })
}

/// The arguments for `zig cc`: the build script's, less the target flags the `cc` crate adds
/// for clang (in Rust's spelling, which zig does not take), plus zig's target, UBSan off (as
/// in every other C compiler) and the remap of zig's own headers.
fn compiler_args(state: &ZigState, args: &[OsString]) -> Vec<OsString> {
    let mut out: Vec<OsString> = vec![
        "-target".into(),
        state.target.clone().into(),
        // zig cc, unlike gcc and clang, turns on trapping UBSan in unoptimised builds: C that
        // runs fine elsewhere (jemalloc, say) would die on SIGILL/SIGTRAP in a dev build.
        "-fno-sanitize=undefined".into(),
        format!("-ffile-prefix-map={}=/zig/lib", state.lib_dir.display()).into(),
    ];
    if let Some(cpu) = &state.cpu {
        out.push(format!("-mcpu={cpu}").into());
    }
    let mut skip_next = false;
    for a in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        let s = a.to_string_lossy();
        if s == "-target" || s == "--target" {
            skip_next = true;
            continue;
        }
        if s.starts_with("--target=") || (state.cpu.is_some() && s.starts_with("-march=")) {
            continue;
        }
        out.push(a.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_target_flags_are_replaced_by_zigs() {
        let state = ZigState {
            zig: "/z/zig".into(),
            target: "arm-linux-musleabihf".into(),
            cpu: Some("generic+v7a".into()),
            lib_dir: "/z/lib".into(),
        };
        let args: Vec<OsString> = [
            "-O3",
            "--target=armv7-unknown-linux-musleabihf",
            "-march=armv7-a",
            "-target",
            "x",
            "-c",
            "a.c",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let out: Vec<String> = compiler_args(&state, &args)
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            out,
            [
                "-target",
                "arm-linux-musleabihf",
                "-fno-sanitize=undefined",
                "-ffile-prefix-map=/z/lib=/zig/lib",
                "-mcpu=generic+v7a",
                "-O3",
                "-c",
                "a.c"
            ]
        );
    }

    #[test]
    fn lib_dir_from_json_and_zon() {
        assert_eq!(
            lib_dir_of("{\n \"zig_exe\": \"/z/zig\",\n \"lib_dir\": \"/z/lib\",\n}"),
            Some("/z/lib".into())
        );
        assert_eq!(
            lib_dir_of(".{\n    .lib_dir = \"/z/lib\",\n}"),
            Some("/z/lib".into())
        );
    }

    #[test]
    fn every_default_image_target_has_a_zig_target() {
        for t in [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "armv7-unknown-linux-musleabihf",
            "riscv64gc-unknown-linux-musl",
        ] {
            assert!(zig_target(t).is_some(), "{t}");
        }
    }
}
