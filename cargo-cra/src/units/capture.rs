//! The wrapper's side: a [`UnitRecord`] from one rustc command line and cargo's environment.

use super::{Extern, PackageFacts, RECORD_VERSION, UnitRecord, record_path};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The record of the compilation `args` (rustc's arguments, without the program) run with
/// `env`, and where it belongs; `None` when the invocation is not a cargo compilation with an
/// output directory (`rustc -vV`, `--print`, …).
pub fn record_from_invocation(
    args: &[OsString],
    env: impl Fn(&str) -> Option<String>,
) -> Option<(PathBuf, UnitRecord)> {
    let args = expand_argfiles(args);
    let mut crate_name = None;
    let mut crate_types = Vec::new();
    let mut target = None;
    let mut features = Vec::new();
    let mut externs = Vec::new();
    let mut out_dir = None;
    let mut extra_filename = String::new();
    let mut i = 0;
    while i < args.len() {
        let (flag, value, used) = split_flag(&args, i);
        i += used;
        let Some(value) = value else { continue };
        match flag.as_str() {
            "--crate-name" => crate_name = Some(value),
            "--crate-type" => crate_types.extend(value.split(',').map(str::to_string)),
            "--target" => target = Some(value),
            "--out-dir" => out_dir = Some(PathBuf::from(value)),
            "--cfg" => features.extend(feature_of_cfg(&value)),
            "--extern" => externs.push(parse_extern(&value)),
            "-C" | "--codegen" => {
                if let Some(extra) = value.strip_prefix("extra-filename=") {
                    extra_filename = extra.to_string();
                }
            }
            _ => {}
        }
    }
    let crate_name = crate_name?;
    let out_dir = out_dir?;
    let package = package_facts(&env)?;
    let path = record_path(&out_dir, &crate_name, &extra_filename);
    Some((
        path,
        UnitRecord {
            version: RECORD_VERSION,
            crate_name,
            crate_types,
            target,
            features,
            externs,
            package,
        },
    ))
}

/// Arguments with every `@file` replaced by the file's lines, as rustc reads them (cargo passes
/// an argument file when the command line would be too long).
fn expand_argfiles(args: &[OsString]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        let a = a.to_string_lossy();
        if let Some(file) = a.strip_prefix('@')
            && let Ok(text) = std::fs::read_to_string(file)
        {
            out.extend(text.lines().map(str::to_string));
        } else {
            out.push(a.into_owned());
        }
    }
    out
}

/// The flag at `args[i]`, its value (from `--flag=value`, `-Cvalue` or the next argument) and
/// how many arguments it took.
fn split_flag(args: &[String], i: usize) -> (String, Option<String>, usize) {
    let a = &args[i];
    const TAKES_VALUE: [&str; 7] = [
        "--crate-name",
        "--crate-type",
        "--target",
        "--out-dir",
        "--cfg",
        "--extern",
        "--codegen",
    ];
    if let Some((flag, value)) = a.split_once('=')
        && TAKES_VALUE.contains(&flag)
    {
        return (flag.to_string(), Some(value.to_string()), 1);
    }
    if TAKES_VALUE.contains(&a.as_str()) || a == "-C" {
        return (a.clone(), args.get(i + 1).cloned(), 2);
    }
    if let Some(value) = a.strip_prefix("-C") {
        return ("-C".into(), Some(value.to_string()), 1);
    }
    (a.clone(), None, 1)
}

/// `feature="std"` → `std`.
fn feature_of_cfg(cfg: &str) -> Option<String> {
    let value = cfg
        .strip_prefix("feature")?
        .trim_start()
        .strip_prefix('=')?;
    let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
    Some(value.replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// `[opts:]name[=path]`.
fn parse_extern(value: &str) -> Extern {
    let (name, path) = match value.split_once('=') {
        Some((n, p)) => (n, Some(PathBuf::from(p))),
        None => (value, None),
    };
    let name = name.rsplit_once(':').map(|(_, n)| n).unwrap_or(name);
    Extern {
        name: name.to_string(),
        path,
    }
}

fn package_facts(env: &impl Fn(&str) -> Option<String>) -> Option<PackageFacts> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let manifest_dir = PathBuf::from(get("CARGO_MANIFEST_DIR")?);
    Some(PackageFacts {
        name: get("CARGO_PKG_NAME")?,
        version: get("CARGO_PKG_VERSION")?,
        description: get("CARGO_PKG_DESCRIPTION"),
        authors: get("CARGO_PKG_AUTHORS")
            .map(|a| {
                a.split(':')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        license: get("CARGO_PKG_LICENSE"),
        license_file: get("CARGO_PKG_LICENSE_FILE"),
        repository: get("CARGO_PKG_REPOSITORY"),
        homepage: get("CARGO_PKG_HOMEPAGE"),
        documentation: documentation_link(&manifest_dir.join("Cargo.toml")),
        manifest_dir,
    })
}

/// `package.documentation` when the manifest spells it as a string (cargo gives rustc no
/// variable for it; an inherited `documentation.workspace = true` is left out).
fn documentation_link(manifest: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        package: Option<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        documentation: Option<toml::Value>,
    }
    let text = std::fs::read_to_string(manifest).ok()?;
    let m: Manifest = toml::from_str(&text).ok()?;
    match m.package?.documentation? {
        toml::Value::String(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn env(dir: &str) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<&str, String> = HashMap::from([
            ("CARGO_PKG_NAME", "utf-8".to_string()),
            ("CARGO_PKG_VERSION", "0.7.6".to_string()),
            ("CARGO_MANIFEST_DIR", dir.to_string()),
            ("CARGO_PKG_AUTHORS", "A <a@x>:B".to_string()),
            ("CARGO_PKG_LICENSE", "MIT OR Apache-2.0".to_string()),
            ("CARGO_PKG_DESCRIPTION", String::new()),
        ]);
        move |k| m.get(k).cloned()
    }

    #[test]
    fn cargo_lib_invocation_is_recorded() {
        let args = os(&[
            "--crate-name",
            "utf8",
            "--edition=2015",
            "src/lib.rs",
            "--crate-type",
            "lib",
            "--cfg",
            "feature=\"default\"",
            "--cfg=feature=\"std\"",
            "--cfg",
            "unix",
            "-C",
            "metadata=0123abcd",
            "-C",
            "extra-filename=-0123abcd",
            "--out-dir",
            "/t/x/debug/deps",
            "--target",
            "aarch64-unknown-linux-musl",
            "--extern",
            "noprelude:alloc=/s/liballoc.rlib",
            "--extern",
            "ini=/t/x/debug/deps/libini-99.rmeta",
            "--extern",
            "proc_macro",
        ]);
        let (path, r) = record_from_invocation(&args, env("/reg/utf-8-0.7.6")).unwrap();
        assert_eq!(
            path,
            Path::new("/t/x/debug/deps/utf8-0123abcd.cra-unit.json")
        );
        assert_eq!(r.crate_name, "utf8");
        assert_eq!(r.crate_types, ["lib"]);
        assert_eq!(r.target.as_deref(), Some("aarch64-unknown-linux-musl"));
        assert_eq!(r.features, ["default", "std"]);
        assert_eq!(
            r.externs,
            vec![
                Extern {
                    name: "alloc".into(),
                    path: Some("/s/liballoc.rlib".into())
                },
                Extern {
                    name: "ini".into(),
                    path: Some("/t/x/debug/deps/libini-99.rmeta".into())
                },
                Extern {
                    name: "proc_macro".into(),
                    path: None
                },
            ]
        );
        assert_eq!(r.package.name, "utf-8");
        assert_eq!(r.package.authors, ["A <a@x>", "B"]);
        assert_eq!(r.package.description, None, "empty values are absent");
        assert!(!r.is_proc_macro());
    }

    #[test]
    fn argfiles_are_expanded_and_joined_codegen_flags_read() {
        let dir = tempfile::tempdir().unwrap();
        let argfile = dir.path().join("args");
        std::fs::write(
            &argfile,
            "--crate-name\nmacros\n--crate-type\nproc-macro\n-Cextra-filename=-ff\n--out-dir\n/o\n",
        )
        .unwrap();
        let args = vec![OsString::from(format!("@{}", argfile.display()))];
        let (path, r) = record_from_invocation(&args, env("/p")).unwrap();
        assert_eq!(path, Path::new("/o/macros-ff.cra-unit.json"));
        assert!(r.is_proc_macro());
    }

    #[test]
    fn non_compilations_have_no_record() {
        assert!(record_from_invocation(&os(&["-vV"]), env("/p")).is_none());
        assert!(
            record_from_invocation(
                &os(&["--crate-name", "x", "-", "--print", "cfg"]),
                env("/p")
            )
            .is_none(),
            "no output directory"
        );
        let no_pkg = |_: &str| None;
        assert!(
            record_from_invocation(&os(&["--crate-name", "x", "--out-dir", "/o"]), no_pkg)
                .is_none()
        );
    }
}
