//! Where the build's rustflags come from, for the provenance: the environment cargo reads
//! (`CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, `CARGO_BUILD_RUSTFLAGS`,
//! `CARGO_TARGET_<TRIPLE>_RUSTFLAGS`) and every `rustflags` key of the cargo configuration files
//! cargo would read (`.cargo/config` or `.cargo/config.toml` — the former where both exist, as
//! cargo does — from the directory cargo starts in up to the root, then `$CARGO_HOME`'s). A committed `.cargo/config.toml` can add `-L` search paths,
//! `--cfg`s or `--extern`s to every compilation: the provenance says so, whichever of them
//! cargo applied. Paths are shown relative to the workspace root (or as `$CARGO_HOME/…`).

use serde::Serialize;
use std::path::{Path, PathBuf};

/// One place that sets rustflags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RustflagsSource {
    /// The environment variable, or the configuration file.
    pub from: String,
    /// The configuration key (`build.rustflags`, `target.<triple or cfg>.rustflags`); absent
    /// for the environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The flags, as cargo splits them.
    pub flags: Vec<String>,
}

/// Every place that sets rustflags for a build started in `cwd` of the workspace at
/// `workspace_root` for `target`, reading the environment through `env`.
pub fn sources(
    cwd: &Path,
    workspace_root: &Path,
    cargo_home: Option<&Path>,
    target: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Vec<RustflagsSource> {
    let mut out = Vec::new();
    let target_var = format!(
        "CARGO_TARGET_{}_RUSTFLAGS",
        target.to_ascii_uppercase().replace(['-', '.'], "_")
    );
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        &target_var,
    ] {
        let Some(value) = env(var).filter(|v| !v.is_empty()) else {
            continue;
        };
        let flags = match var {
            "CARGO_ENCODED_RUSTFLAGS" => value.split('\u{1f}').map(String::from).collect(),
            _ => value.split_whitespace().map(String::from).collect(),
        };
        out.push(RustflagsSource {
            from: var.to_string(),
            key: None,
            flags,
        });
    }
    for (file, shown) in config_files(cwd, workspace_root, cargo_home) {
        out.extend(from_file(&file, &shown));
    }
    out
}

/// The configuration files cargo reads, most specific first, each with how it is shown.
fn config_files(
    cwd: &Path,
    workspace_root: &Path,
    cargo_home: Option<&Path>,
) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    // Where both exist, cargo reads `config` (the older name) and not `config.toml`.
    for dir in cwd.ancestors() {
        for name in ["config", "config.toml"] {
            let file = dir.join(".cargo").join(name);
            if file.is_file() {
                let shown = pathdiff::diff_paths(&file, workspace_root)
                    .unwrap_or_else(|| file.clone())
                    .display()
                    .to_string();
                files.push((file, shown));
                break;
            }
        }
    }
    if let Some(home) = cargo_home {
        for name in ["config", "config.toml"] {
            let file = home.join(name);
            if file.is_file() && !files.iter().any(|(f, _)| *f == file) {
                files.push((file, format!("$CARGO_HOME/{name}")));
                break;
            }
        }
    }
    files
}

/// The `rustflags` keys of one configuration file (an unreadable file says so as one entry,
/// key `unreadable`: cargo would have refused it, or read what this cannot).
fn from_file(file: &Path, shown: &str) -> Vec<RustflagsSource> {
    let table: toml::Table = match std::fs::read_to_string(file)
        .ok()
        .and_then(|t| toml::from_str(&t).ok())
    {
        Some(t) => t,
        None => {
            return vec![RustflagsSource {
                from: shown.to_string(),
                key: Some("unreadable".into()),
                flags: Vec::new(),
            }];
        }
    };
    let flags = |v: &toml::Value| -> Vec<String> {
        match v {
            toml::Value::String(s) => s.split_whitespace().map(String::from).collect(),
            toml::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    let source = |key: String, v: &toml::Value| RustflagsSource {
        from: shown.to_string(),
        key: Some(key),
        flags: flags(v),
    };
    if let Some(v) = table.get("build").and_then(|b| b.get("rustflags")) {
        out.push(source("build.rustflags".into(), v));
    }
    if let Some(toml::Value::Table(targets)) = table.get("target") {
        for (name, t) in targets {
            if let Some(v) = t.get("rustflags") {
                out.push(source(format!("target.{name}.rustflags"), v));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_both_names_exist_the_one_cargo_reads_is_named_and_bad_files_are_said() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        std::fs::create_dir_all(ws.join(".cargo")).unwrap();
        std::fs::write(
            ws.join(".cargo/config.toml"),
            "[build]\nrustflags = \"-Charmless\"\n",
        )
        .unwrap();
        std::fs::write(
            ws.join(".cargo/config"),
            "[build]\nrustflags = [\"-L\", \"evil\"]\n",
        )
        .unwrap();
        let found = sources(&ws, &ws, None, "x86_64-unknown-linux-musl", |_| None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].from, ".cargo/config");
        assert_eq!(found[0].flags, ["-L", "evil"]);
        std::fs::write(ws.join(".cargo/config"), "[build\n").unwrap();
        let found = sources(&ws, &ws, None, "x86_64-unknown-linux-musl", |_| None);
        assert_eq!(found[0].key.as_deref(), Some("unreadable"), "{found:?}");
    }

    #[test]
    fn the_environment_and_every_config_file_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        std::fs::create_dir_all(ws.join(".cargo")).unwrap();
        std::fs::create_dir_all(tmp.path().join(".cargo")).unwrap();
        std::fs::write(
            ws.join(".cargo/config.toml"),
            "[build]\nrustflags = [\"-L\", \"blobs\"]\n[target.'cfg(unix)']\nrustflags = \"--cfg evil\"\n",
        )
        .unwrap();
        std::fs::write(
            tmp.path().join(".cargo/config"),
            "[build]\nrustflags = \"-Copt-level=1\"\n",
        )
        .unwrap();
        let env = |k: &str| {
            (k == "CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS")
                .then(|| "-Dwarnings".to_string())
        };
        let found = sources(&ws, &ws, None, "x86_64-unknown-linux-musl", env);
        let shown: Vec<(String, Option<String>, Vec<String>)> = found
            .into_iter()
            .map(|s| (s.from, s.key, s.flags))
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    "CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS".into(),
                    None,
                    vec!["-Dwarnings".into()]
                ),
                (
                    ".cargo/config.toml".into(),
                    Some("build.rustflags".into()),
                    vec!["-L".into(), "blobs".into()]
                ),
                (
                    ".cargo/config.toml".into(),
                    Some("target.cfg(unix).rustflags".into()),
                    vec!["--cfg".into(), "evil".into()]
                ),
                (
                    "../.cargo/config".into(),
                    Some("build.rustflags".into()),
                    vec!["-Copt-level=1".into()]
                ),
            ]
        );
    }
}
