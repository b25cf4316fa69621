//! Building for the device's architecture on this machine: the pre-flight check of the Rust
//! target, and the linker and C cross compiler for static musl targets.
//!
//! For every `*-linux-musl*` target cargo-cra links with `rust-lld`, which ships with the Rust
//! toolchain, against the toolchain's own self-contained musl (crt objects and `libc.a`): no
//! system cross linker is needed, and the same linker serves every architecture. C and C++ that
//! build scripts compile (`cc` crate: ring, zstd-sys, …) go to [zig](https://ziglang.org) as
//! the cross C compiler (`zig cc -target <arch>-linux-musl`), the approach cargo-zigbuild
//! takes: one self-contained download (`pip install ziglang`) carries clang and the musl
//! headers for every architecture, with no sysroot to assemble. cargo-cra itself is the `CC`,
//! `CXX` and `AR` cargo's build scripts see (through links named [`zig::CC_NAME`], …): it drops
//! the flags clang would get wrong and runs zig with the target and path remapping.
//!
//! What the user set for the target wins over these: `CARGO_TARGET_<TRIPLE>_LINKER`, `CC_…`,
//! `CXX_…`, `AR_…`, in the environment or in a cargo configuration file (`target.<triple>.linker`,
//! `[env]`). C++ is not cross-compiled yet: rust-lld links only the toolchain's musl, without a
//! C++ standard library, so the C++ link says so in one line (set `CXX_<triple>` to a C++ cross
//! toolchain of your own).

pub mod zig;

use crate::error::BuildError;
use crate::lockfile::LockFile;
use crate::toolchain::Toolchain;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use zig::Zig;

/// What a build for a target needs beyond cargo's defaults.
#[derive(Debug, Default)]
pub struct CrossSetup {
    /// Environment for `cargo build`.
    pub env: Vec<(String, OsString)>,
    /// The C cross compiler, when one is set up.
    pub zig: Option<Zig>,
    /// The linker cargo-cra chose, when it chose one.
    pub linker: Option<String>,
    /// The C compiler the build's C compiles with when it is not zig (a host build's system
    /// `cc`, or one the user set), when the lock file has a C-building crate.
    pub c_compiler: Option<CCompiler>,
}

/// A C compiler of the machine, as the documents record it: no path, only what identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CCompiler {
    /// The program's file name, links resolved (`x86_64-linux-gnu-gcc-12`).
    pub name: String,
    /// The first line of `--version`.
    pub version: String,
    /// SHA-256 (hex) of the program.
    pub sha256: String,
}

impl CCompiler {
    /// The C compiler the `cc` crate picks for `target` (`CC_<target>`, `CC_<target_with_
    /// underscores>`, `TARGET_CC`, `CC`, else `cc`), found on `PATH`; `None` when there is none
    /// to run (the build then fails on its own, naming it).
    fn of_target(target: &str) -> Option<CCompiler> {
        let underscored = target.replace('-', "_");
        let program = [
            format!("CC_{target}"),
            format!("CC_{underscored}"),
            "TARGET_CC".into(),
            "CC".into(),
        ]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "cc".into());
        // `CC="ccache gcc"`: the compiler is the last word.
        let program = program.split_whitespace().last()?.to_string();
        let path = match program.contains('/') {
            true => PathBuf::from(&program),
            false => std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join(&program))
                .find(|p| p.is_file())?,
        };
        let real = std::fs::canonicalize(&path).ok()?;
        let out = std::process::Command::new(&path)
            .arg("--version")
            .env("LC_ALL", "C")
            .output()
            .ok()?;
        let version = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let sha256 = cra_attest::digest::Digests::of_file(&real)
            .ok()?
            .sha256_hex();
        Some(CCompiler {
            name: real.file_name()?.to_string_lossy().into_owned(),
            version: cra_model::input::printable(&version),
            sha256,
        })
    }
}

/// Whether `target` is a static musl Linux target.
pub fn is_musl(target: &str) -> bool {
    target.contains("-linux-musl")
}

/// Checks that the Rust target is installed and, for musl targets, sets up `rust-lld` and zig.
/// `tools_dir` is where the `CC`/`AR` links to `self_exe` are made.
pub fn setup(
    toolchain: &Toolchain,
    target: &str,
    lock: &LockFile,
    tools_dir: &Path,
    self_exe: &Path,
) -> Result<CrossSetup, BuildError> {
    check_rust_target(toolchain, target)?;
    let mut setup = CrossSetup::default();
    if !is_musl(target) || target.ends_with(".json") {
        setup.c_compiler = compiles_c(lock)
            .then(|| CCompiler::of_target(target))
            .flatten();
        return Ok(setup);
    }
    let user = UserSettings::read(target);
    if !user.linker {
        let lld = toolchain.rust_lld();
        if !lld.is_file() {
            return Err(BuildError::MissingTool {
                what: format!("the linker for {target} (rust-lld, part of the Rust toolchain)"),
                fix: format!(
                    "`{}` does not exist; reinstall the toolchain with `rustup toolchain install {}`",
                    lld.display(),
                    toolchain.release
                ),
            });
        }
        setup.env.push((linker_variable(target), "rust-lld".into()));
        setup.linker = Some("rust-lld".into());
    }
    let underscored = target.replace('-', "_");
    if user.cc && user.cxx && user.ar {
        setup.c_compiler = compiles_c(lock)
            .then(|| CCompiler::of_target(target))
            .flatten();
        return Ok(setup);
    }
    match Zig::find()? {
        Some(zig) => {
            let zig_target = zig::zig_target(target).ok_or_else(|| BuildError::MissingTool {
                what: format!("a C cross compiler for {target}"),
                fix: format!("cargo-cra knows no zig target for it; set CC_{underscored}"),
            })?;
            // The links' directory names zig and the flags cargo-cra adds, so that the `cc`
            // crate's `rerun-if-env-changed=CC_<target>` rebuilds C when either changes.
            let links_dir = tools_dir.join(format!(
                "zig-{}-{}-{}",
                zig.version,
                &zig.sha256[..12],
                zig::FLAGS_VERSION
            ));
            let links = zig::make_tool_links(&links_dir, self_exe)?;
            for (var, link, theirs) in [
                ("CC", &links.cc, user.cc),
                ("CXX", &links.cxx, user.cxx),
                ("AR", &links.ar, user.ar),
            ] {
                if !theirs {
                    setup
                        .env
                        .push((format!("{var}_{underscored}"), link.clone().into()));
                }
            }
            let state = zig::ZigState {
                zig: zig.path.clone(),
                target: zig_target.target.into(),
                cpu: zig_target.cpu.map(str::to_string),
                lib_dir: zig.lib_dir.clone(),
            };
            setup.env.extend(state.env());
            setup.zig = Some(zig);
        }
        None if compiles_c(lock) && !user.cc => {
            return Err(BuildError::MissingTool {
                what: format!(
                    "a C cross compiler for {target} (the build compiles C: the `cc` crate is in Cargo.lock)"
                ),
                fix: format!(
                    "cargo-cra uses zig: run `python3 -m pip install --user ziglang=={}` (add --break-system-packages where the system Python is externally managed), or put `zig` on PATH, or set {}",
                    zig::RECOMMENDED_VERSION,
                    zig::ZIG_ENV
                ),
            });
        }
        None => {}
    }
    Ok(setup)
}

/// `CARGO_TARGET_<TRIPLE>_LINKER`.
fn linker_variable(target: &str) -> String {
    format!(
        "CARGO_TARGET_{}_LINKER",
        target.replace(['-', '.'], "_").to_uppercase()
    )
}

/// Which of the target's linker, C compiler, C++ compiler and archiver the user set: in the
/// environment, or in a cargo configuration file cargo would read from here (`.cargo/config.toml`
/// in this directory and its parents, then `$CARGO_HOME/config.toml`; `target.<triple>.linker`
/// and `[env]` entries). cargo-cra sets only the others: its own would win over a file's.
#[derive(Debug, Default, PartialEq, Eq)]
struct UserSettings {
    linker: bool,
    cc: bool,
    cxx: bool,
    ar: bool,
}

impl UserSettings {
    fn read(target: &str) -> UserSettings {
        let underscored = target.replace('-', "_");
        let names = |tool: &str| [format!("{tool}_{target}"), format!("{tool}_{underscored}")];
        let configs = config_files();
        let in_env_or_config = |vars: &[String]| {
            vars.iter()
                .any(|v| std::env::var_os(v).is_some() || configs.iter().any(|c| c.sets_env(v)))
        };
        UserSettings {
            linker: std::env::var_os(linker_variable(target)).is_some()
                || configs.iter().any(|c| c.sets_linker(target)),
            cc: in_env_or_config(&names("CC")),
            cxx: in_env_or_config(&names("CXX")),
            ar: in_env_or_config(&names("AR")),
        }
    }
}

/// A cargo configuration file's `[target]` and `[env]` tables.
#[derive(Debug, Default, serde::Deserialize)]
struct CargoConfig {
    #[serde(default)]
    target: std::collections::BTreeMap<String, toml::Value>,
    #[serde(default)]
    env: std::collections::BTreeMap<String, toml::Value>,
}

impl CargoConfig {
    fn sets_linker(&self, target: &str) -> bool {
        self.target
            .get(target)
            .and_then(|t| t.get("linker"))
            .is_some()
    }

    fn sets_env(&self, var: &str) -> bool {
        self.env.contains_key(var)
    }
}

/// The configuration files cargo reads when run here (unreadable ones are cargo's to report).
fn config_files() -> Vec<CargoConfig> {
    let mut dirs: Vec<PathBuf> = std::env::current_dir()
        .map(|d| d.ancestors().map(|a| a.join(".cargo")).collect())
        .unwrap_or_default();
    if let Ok(home) = home::cargo_home() {
        dirs.push(home);
    }
    dirs.iter()
        .flat_map(|d| [d.join("config.toml"), d.join("config")])
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter_map(|text| toml::from_str(&text).ok())
        .collect()
}

/// Whether the build may compile C: a C-building crate is in the lock file.
fn compiles_c(lock: &LockFile) -> bool {
    ["cc", "cmake"].iter().any(|n| lock.has_package(n))
}

/// One line naming the missing target and the command that installs it.
fn check_rust_target(toolchain: &Toolchain, target: &str) -> Result<(), BuildError> {
    if target.ends_with(".json") || target == toolchain.host {
        return Ok(());
    }
    let libdir: PathBuf = toolchain.target_libdir(target)?;
    let has_std = std::fs::read_dir(&libdir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("libstd-") || n.starts_with("libcore-"))
        })
    });
    if has_std {
        Ok(())
    } else {
        Err(BuildError::MissingTool {
            what: format!("the Rust standard library for {target}"),
            fix: format!("run `rustup target add {target}`"),
        })
    }
}
