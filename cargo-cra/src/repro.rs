//! Reproducibility settings for the compilers cargo runs.
//!
//! Absolute paths of the build machine end up in binaries through panic locations, `file!()`,
//! debug info and C `__FILE__`. cargo-cra rewrites them to fixed names:
//!
//! | real path | becomes |
//! | --- | --- |
//! | the workspace root | `.` |
//! | the target directory | `target` |
//! | `CARGO_HOME` | `/cargo` |
//! | the toolchain's sysroot | `/rustc/<commit-hash>/sysroot` |
//! | the sysroot's `rust-src` | `/rustc/<commit-hash>` (as in the official std builds) |
//!
//! For Rust the `--remap-path-prefix` flags are added by a rustc wrapper (cargo-cra itself, run
//! by cargo as `RUSTC_WRAPPER`). Flags added that way come on top of whatever RUSTFLAGS,
//! `CARGO_ENCODED_RUSTFLAGS` or `[build]/[target] rustflags` the user has — none of those is
//! replaced — and, unlike RUSTFLAGS, they are not part of cargo's fingerprints, so machine
//! paths cannot leak into symbol hashes. A wrapper the user already had (such as sccache) is
//! run by ours. For C and C++ compiled by build scripts (the `cc` crate), `-ffile-prefix-map`
//! is appended to the `CFLAGS`/`CXXFLAGS` variable `cc` will read for the target.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One path rewrite: `from` → `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remap {
    /// Absolute path prefix on this machine.
    pub from: PathBuf,
    /// What it is replaced with.
    pub to: String,
}

impl Remap {
    /// `path` with this rewrite applied, if it is under [`Remap::from`].
    pub fn apply(&self, path: &Path) -> Option<PathBuf> {
        let rest = path.strip_prefix(&self.from).ok()?;
        Some(if rest.as_os_str().is_empty() {
            PathBuf::from(&self.to)
        } else {
            Path::new(&self.to).join(rest)
        })
    }

    /// The inverse of [`Remap::apply`].
    pub fn undo(&self, path: &Path) -> Option<PathBuf> {
        let rest = path.strip_prefix(&self.to).ok()?;
        Some(self.from.join(rest))
    }
}

/// `path` under the most specific of `remaps` that covers it (the last, as they are sorted),
/// else as it is.
pub fn portable(path: &Path, remaps: &[Remap]) -> PathBuf {
    remaps
        .iter()
        .rev()
        .find_map(|r| r.apply(path))
        .unwrap_or_else(|| path.to_path_buf())
}

/// The inverse of [`portable`] for this build's `remaps`: the rewrite with the longest
/// replacement that covers `path` is undone.
pub fn resolve(path: &Path, remaps: &[Remap]) -> PathBuf {
    remaps
        .iter()
        .filter_map(|r| Some((Path::new(&r.to).components().count(), r.undo(path)?)))
        .max_by_key(|(depth, _)| *depth)
        .map(|(_, p)| p)
        .unwrap_or_else(|| path.to_path_buf())
}

/// The rewrites for a build, most general first (rustc and gcc apply the last match, so more
/// specific prefixes come later).
pub fn remaps(
    workspace_root: &Path,
    target_dir: &Path,
    cargo_home: Option<&Path>,
    sysroot: &Path,
    rustc_commit: &str,
) -> Vec<Remap> {
    let mut v = vec![
        Remap {
            from: sysroot.to_path_buf(),
            to: format!("/rustc/{rustc_commit}/sysroot"),
        },
        Remap {
            from: sysroot.join("lib/rustlib/src/rust"),
            to: format!("/rustc/{rustc_commit}"),
        },
    ];
    v.push(Remap {
        from: workspace_root.to_path_buf(),
        to: ".".into(),
    });
    if let Some(home) = cargo_home {
        v.push(Remap {
            from: home.to_path_buf(),
            to: "/cargo".into(),
        });
    }
    v.push(Remap {
        from: target_dir.to_path_buf(),
        to: "target".into(),
    });
    // A CARGO_HOME or target directory inside the workspace must still win over the workspace
    // mapping: sort by path depth so that longer (more specific) prefixes come last.
    v.sort_by_key(|r| r.from.components().count());
    v
}

/// `(variable, value)` pairs that append `-ffile-prefix-map` for every remap to the C and C++
/// flags the `cc` crate will use for `target`, keeping what the user set.
///
/// `cc` reads the first that is set of `CFLAGS_<target>`, `CFLAGS_<target_with_underscores>`,
/// `TARGET_CFLAGS` and `CFLAGS` (likewise for `CXXFLAGS`); the flags go into that one.
pub fn c_flags_env(target: &str, remaps: &[Remap]) -> Vec<(String, String)> {
    let maps: Vec<String> = remaps
        .iter()
        .filter(|r| !r.from.to_string_lossy().contains(char::is_whitespace))
        .map(|r| format!("-ffile-prefix-map={}={}", r.from.display(), r.to))
        .collect();
    ["CFLAGS", "CXXFLAGS"]
        .iter()
        .map(|base| {
            let candidates = [
                format!("{base}_{target}"),
                format!("{base}_{}", target.replace('-', "_")),
                format!("TARGET_{base}"),
                base.to_string(),
            ];
            let (var, existing) = candidates
                .iter()
                .find_map(|c| std::env::var(c).ok().map(|v| (c.clone(), v)))
                .unwrap_or_else(|| (base.to_string(), String::new()));
            let mut value = existing.trim().to_string();
            for m in &maps {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(m);
            }
            (var, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_prefixes_come_last() {
        let r = remaps(
            Path::new("/home/u/ws"),
            Path::new("/home/u/ws/target"),
            Some(Path::new("/home/u/.cargo")),
            Path::new("/home/u/.rustup/toolchains/stable"),
            "abc",
        );
        let pos = |to: &str| r.iter().position(|x| x.to == to).unwrap();
        assert!(pos(".") < pos("target"), "{r:?}");
        assert!(pos("/rustc/abc/sysroot") < pos("/rustc/abc"), "{r:?}");
    }

    #[test]
    fn portable_paths_resolve_under_another_checkout() {
        let remaps = |root: &str| {
            remaps(
                Path::new(root),
                &Path::new(root).join("target"),
                Some(Path::new("/home/u/.cargo")),
                Path::new("/home/u/.rustup/toolchains/stable"),
                "abc",
            )
        };
        let old = remaps("/home/u/ws");
        let new = remaps("/srv/moved/ws");
        let dep = Path::new("/home/u/ws/target/cra/cargo-target/x/debug/deps/libutil-1.rlib");
        let p = portable(dep, &old);
        assert_eq!(
            p,
            Path::new("target/cra/cargo-target/x/debug/deps/libutil-1.rlib")
        );
        assert_eq!(
            resolve(&p, &new),
            Path::new("/srv/moved/ws/target/cra/cargo-target/x/debug/deps/libutil-1.rlib")
        );
        assert_eq!(portable(Path::new("/home/u/ws"), &old), Path::new("."));
        assert_eq!(resolve(Path::new("."), &new), Path::new("/srv/moved/ws"));
        assert_eq!(
            resolve(&portable(Path::new("/home/u/ws/util"), &old), &new),
            Path::new("/srv/moved/ws/util")
        );
        let reg = Path::new("/home/u/.cargo/registry/src/i/itoa-1.0.0");
        assert_eq!(resolve(&portable(reg, &old), &new), reg);
        let elsewhere = Path::new("/opt/other/crate");
        assert_eq!(resolve(&portable(elsewhere, &old), &new), elsewhere);
    }

    #[test]
    fn c_flags_skip_paths_with_spaces() {
        let r = vec![
            Remap {
                from: "/a b".into(),
                to: ".".into(),
            },
            Remap {
                from: "/c".into(),
                to: "target".into(),
            },
        ];
        let env = c_flags_env("x86_64-unknown-linux-gnu", &r);
        assert_eq!(env.len(), 2);
        for (_, v) in env {
            assert!(v.ends_with("-ffile-prefix-map=/c=target"), "{v}");
            assert!(!v.contains("/a b"), "{v}");
        }
    }
}
