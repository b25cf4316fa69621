//! The wrapper's side: a [`UnitRecord`] from one rustc command line and cargo's environment.

use super::{Extern, PackageFacts, RECORD_VERSION, UnitRecord, record_path};
use crate::repro::{Remap, portable};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The record of the compilation `args` (rustc's arguments, without the program, argument
/// files expanded) run with `env`, and where it belongs; `None` when the invocation is not a
/// cargo compilation with an output directory (`rustc -vV`, `--print`, …).
pub fn record_from_invocation(
    args: &[String],
    env: impl Fn(&str) -> Option<String>,
) -> Option<(PathBuf, UnitRecord)> {
    let mut crate_name = None;
    let mut crate_types = Vec::new();
    let mut target = None;
    let mut features = Vec::new();
    let mut externs = Vec::new();
    let mut out_dir = None;
    let mut extra_filename = String::new();
    let mut search = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let (flag, value, used) = split_flag(args, i);
        i += used;
        let Some(value) = value else { continue };
        match flag.as_str() {
            "--crate-name" => crate_name = Some(value),
            "--crate-type" => crate_types.extend(value.split(',').map(str::to_string)),
            "--target" => target = Some(value),
            "--out-dir" => out_dir = Some(PathBuf::from(value)),
            "--cfg" => features.extend(feature_of_cfg(&value)),
            "--extern" => externs.push(parse_extern(&value)),
            "-L" => search.extend(crate_search_path(&value)),
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
            foreign_crates: foreign_crates(&search),
        },
    ))
}

/// The directory of `-L [KIND=]PATH` when rustc looks for crates there by name (kinds `all`,
/// the default, and `crate`; `dependency` serves only crates an `--extern` crate names, and
/// `native` and `framework` only native libraries).
fn crate_search_path(value: &str) -> Option<PathBuf> {
    match value.split_once('=') {
        Some(("all" | "crate", path)) => Some(PathBuf::from(path)),
        Some(("dependency" | "native" | "framework", _)) => None,
        _ => Some(PathBuf::from(value)),
    }
}

/// Rust libraries (`lib*.rlib`, `lib*.rmeta`) in the directories rustc may load a crate from
/// without an `--extern`: an `extern crate` there links code cargo never built, sorted.
fn foreign_crates(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|entries| entries.flatten())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("lib") && (name.ends_with(".rlib") || name.ends_with(".rmeta"))
        })
        .collect();
    found.sort();
    found
}

/// Writes the record of the compilation `args` that just succeeded, if it is one of cargo's
/// units: those compile into a `deps/` directory. Build scripts' probes (autocfg and the like
/// run the wrapper with `--out-dir $OUT_DIR`) and build scripts themselves are not recorded.
///
/// Paths in the record are written through the build's `remaps` (`./util`,
/// `target/…/deps/libutil-….rlib`, `/cargo/registry/…`), so it stays true when the checkout
/// or `CARGO_HOME` moves and cargo finds the unit fresh there.
pub fn record_compilation(args: &[String], remaps: &[Remap]) -> std::io::Result<()> {
    let Some((path, mut record)) = record_from_invocation(args, |k| std::env::var(k).ok()) else {
        return Ok(());
    };
    record.package.manifest_dir = portable(&record.package.manifest_dir, remaps);
    for e in &mut record.externs {
        if let Some(p) = &mut e.path {
            *p = portable(p, remaps);
        }
    }
    let in_deps = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "deps");
    if !in_deps {
        return Ok(());
    }
    super::write_record(&path, &record)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// Arguments with every `@file` replaced by the file's lines, as rustc reads them (cargo passes
/// an argument file when the command line would be too long).
pub fn expand_argfiles(args: &[OsString]) -> Vec<String> {
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
    const TAKES_VALUE: [&str; 8] = [
        "-L",
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
    if let Some(value) = a.strip_prefix("-L") {
        return ("-L".into(), Some(value.to_string()), 1);
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

/// The package's facts from cargo's environment — where the manifest spells a value out, the
/// manifest's: a build script can rewrite the environment rustc gets (`cargo:rustc-env=
/// CARGO_PKG_LICENSE=MIT`), not the manifest. (Name, version and directory are checked
/// against cargo's own artefact messages when the SBOM is made, see [`crate::linked`].)
fn package_facts(env: &impl Fn(&str) -> Option<String>) -> Option<PackageFacts> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let manifest_dir = PathBuf::from(get("CARGO_MANIFEST_DIR")?);
    let m = ManifestExtras::read(&manifest_dir.join("Cargo.toml"));
    let field = |spelled: Option<String>, var: &str| spelled.or_else(|| get(var));
    Some(PackageFacts {
        name: get("CARGO_PKG_NAME")?,
        version: get("CARGO_PKG_VERSION")?,
        description: field(m.description, "CARGO_PKG_DESCRIPTION"),
        // CARGO_PKG_AUTHORS joins the list with `:`, which an author's URL may contain: the
        // manifest's own list wins where it is spelled out.
        authors: m.authors.unwrap_or_else(|| {
            get("CARGO_PKG_AUTHORS")
                .map(|a| {
                    a.split(':')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        }),
        license: field(m.license, "CARGO_PKG_LICENSE"),
        license_file: field(m.license_file, "CARGO_PKG_LICENSE_FILE"),
        repository: field(m.repository, "CARGO_PKG_REPOSITORY"),
        homepage: field(m.homepage, "CARGO_PKG_HOMEPAGE"),
        documentation: m.documentation,
        manifest_dir,
    })
}

/// What the manifest spells out (an inherited `x.workspace = true` is left to the
/// environment, or out).
#[derive(Default)]
struct ManifestExtras {
    authors: Option<Vec<String>>,
    documentation: Option<String>,
    description: Option<String>,
    license: Option<String>,
    license_file: Option<String>,
    repository: Option<String>,
    homepage: Option<String>,
}

impl ManifestExtras {
    fn read(manifest: &Path) -> ManifestExtras {
        #[derive(serde::Deserialize)]
        struct Manifest {
            package: Option<Package>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "kebab-case")]
        struct Package {
            authors: Option<toml::Value>,
            documentation: Option<toml::Value>,
            description: Option<toml::Value>,
            license: Option<toml::Value>,
            license_file: Option<toml::Value>,
            repository: Option<toml::Value>,
            homepage: Option<toml::Value>,
        }
        let Some(p) = std::fs::read_to_string(manifest)
            .ok()
            .and_then(|text| toml::from_str::<Manifest>(&text).ok())
            .and_then(|m| m.package)
        else {
            return ManifestExtras::default();
        };
        let authors = match p.authors {
            Some(toml::Value::Array(a)) => a
                .into_iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>(),
            _ => None,
        };
        let text = |v: Option<toml::Value>| match v {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s),
            _ => None,
        };
        ManifestExtras {
            authors,
            documentation: text(p.documentation),
            description: text(p.description),
            license: text(p.license),
            license_file: text(p.license_file),
            repository: text(p.repository),
            homepage: text(p.homepage),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn os(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
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
    fn authors_and_documentation_come_from_the_manifest_when_spelled_out() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"utf-8\"\nversion = \"0.7.6\"\n\
             authors = [\"Jane <https://jane.dev>\"]\ndocumentation = \"https://docs.rs/utf-8\"\n",
        )
        .unwrap();
        let args = os(&["--crate-name", "utf8", "--out-dir", "/o"]);
        let (_, r) = record_from_invocation(&args, env(dir.path().to_str().unwrap())).unwrap();
        assert_eq!(r.package.authors, ["Jane <https://jane.dev>"]);
        assert_eq!(
            r.package.documentation.as_deref(),
            Some("https://docs.rs/utf-8")
        );
    }

    #[test]
    fn a_build_script_cannot_relicense_its_package_through_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"evil\"\nversion = \"6.6.6\"\nlicense = \"GPL-3.0-only\"\n\
             description = \"a payload\"\n",
        )
        .unwrap();
        let args = os(&["--crate-name", "evil", "--out-dir", "/o"]);
        let (_, r) = record_from_invocation(&args, env(dir.path().to_str().unwrap())).unwrap();
        assert_eq!(r.package.license.as_deref(), Some("GPL-3.0-only"));
        assert_eq!(r.package.description.as_deref(), Some("a payload"));
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
        let args = expand_argfiles(&[OsString::from(format!("@{}", argfile.display()))]);
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
