//! Unit records: what the compiler was given for one compilation unit.
//!
//! cargo runs cargo-cra as its `RUSTC_WRAPPER` for every rustc invocation of a build. For each
//! compilation that succeeds, the wrapper writes a record beside the unit's outputs, named after
//! them (`<out-dir>/<crate-name><extra-filename>.cra-unit.json`): the package (from the
//! `CARGO_PKG_*` environment cargo gives rustc), the crate types, the features passed
//! (`--cfg feature="…"`) and every `--extern name=path`. Units that cargo does not recompile keep
//! their record from the build that compiled them: cargo recompiles whenever the compiler's
//! inputs change, so the externs and features of a fresh unit are still exact. The linked set of
//! a binary is then the transitive `--extern` closure of its own unit (see [`crate::linked`]):
//! no resolver or feature logic is re-implemented. Package facts cargo does not recompile for
//! (a changed licence) are re-read for workspace members at every build; registry and git
//! packages cannot change under a version.

mod capture;

pub use capture::{expand_argfiles, record_compilation};

use crate::repro::{Remap, resolve};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Suffix of a unit record's file name.
pub const RECORD_SUFFIX: &str = cra_model::fileset::UNIT_RECORD_SUFFIX;

/// Format version of [`UnitRecord`]; records of another version are not read.
pub const RECORD_VERSION: u32 = 2;

/// One compilation unit as rustc saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnitRecord {
    /// [`RECORD_VERSION`].
    pub version: u32,
    /// `--crate-name`.
    pub crate_name: String,
    /// `--crate-type` values (`lib`, `rlib`, `bin`, `proc-macro`, …); empty means rustc's
    /// default, taken from the source (`lib` unless the crate says otherwise).
    pub crate_types: Vec<String>,
    /// `--target`, when given.
    pub target: Option<String>,
    /// `feature` values of `--cfg feature="…"`, in the order passed.
    pub features: Vec<String>,
    /// Every `--extern`.
    pub externs: Vec<Extern>,
    /// The package the unit belongs to.
    pub package: PackageFacts,
    /// Rust libraries in the `-L` directories rustc may load crates from by name (from
    /// rustflags or a build script's `cargo:rustc-link-search`): code that would be linked
    /// without cargo building it, so the SBOM could not account for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_crates: Vec<PathBuf>,
}

/// One `--extern [opts:]name[=path]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extern {
    /// The name the crate is known by in the dependent (a rename, if any).
    pub name: String,
    /// The library file, or `None` for sysroot crates such as `proc_macro`.
    pub path: Option<PathBuf>,
}

/// What cargo tells rustc about the package (its `CARGO_PKG_*` and `CARGO_MANIFEST_DIR`
/// environment), plus the manifest's `documentation` link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PackageFacts {
    /// `CARGO_PKG_NAME`.
    pub name: String,
    /// `CARGO_PKG_VERSION`.
    pub version: String,
    /// `CARGO_MANIFEST_DIR`.
    pub manifest_dir: PathBuf,
    /// `CARGO_PKG_DESCRIPTION`.
    pub description: Option<String>,
    /// `CARGO_PKG_AUTHORS`, split at `:`.
    pub authors: Vec<String>,
    /// `CARGO_PKG_LICENSE`.
    pub license: Option<String>,
    /// `CARGO_PKG_LICENSE_FILE`.
    pub license_file: Option<String>,
    /// `CARGO_PKG_REPOSITORY`.
    pub repository: Option<String>,
    /// `CARGO_PKG_HOMEPAGE`.
    pub homepage: Option<String>,
    /// `package.documentation` of the manifest, when it is a plain string.
    pub documentation: Option<String>,
}

impl UnitRecord {
    /// Whether the unit is a procedural macro (a host library, never linked into the target).
    pub fn is_proc_macro(&self) -> bool {
        self.crate_types.iter().any(|t| t == "proc-macro")
    }
}

/// The record that belongs to the library file `lib` (`…/libfoo-1a2b.rlib`, `.rmeta`, `.so`):
/// same directory, `foo-1a2b` + [`RECORD_SUFFIX`].
pub fn record_path_for_library(lib: &Path) -> Option<PathBuf> {
    let name = lib.file_name()?.to_str()?;
    let stem = name.strip_prefix("lib").unwrap_or(name);
    let stem = stem.rsplit_once('.').map(|(s, _)| s).unwrap_or(stem);
    Some(lib.with_file_name(format!("{stem}{RECORD_SUFFIX}")))
}

/// The record of the unit whose outputs are `<out_dir>/<crate_name><extra_filename>…`.
pub fn record_path(out_dir: &Path, crate_name: &str, extra_filename: &str) -> PathBuf {
    out_dir.join(format!("{crate_name}{extra_filename}{RECORD_SUFFIX}"))
}

/// Writes `record` to `path` through a temporary file in the same directory, so a reader never
/// sees half a record. (Not synced: like cargo's own outputs, a record lost in a crash goes
/// with the unit it describes, which cargo then rebuilds.)
pub fn write_record(path: &Path, record: &UnitRecord) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec(record).expect("serialisable"))?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Why a record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// No record: the unit was compiled without cargo-cra's wrapper.
    #[error("{0}: missing")]
    Missing(PathBuf),
    /// Reading failed.
    #[error("{path}: {source}")]
    Io {
        /// The record.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not a record of this version.
    #[error("{path}: unreadable unit record: {message}")]
    Malformed {
        /// The record.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Reads the record at `path`, its paths resolved for this build's `remaps`.
pub fn read_record(path: &Path, remaps: &[Remap]) -> Result<UnitRecord, RecordError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(RecordError::Missing(path.to_path_buf()));
        }
        Err(source) => {
            return Err(RecordError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let record: UnitRecord =
        serde_json::from_slice(&bytes).map_err(|e| RecordError::Malformed {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    if record.version != RECORD_VERSION {
        return Err(RecordError::Malformed {
            path: path.to_path_buf(),
            message: format!("version {} (expected {RECORD_VERSION})", record.version),
        });
    }
    let mut record = record;
    record.package.manifest_dir = resolve(&record.package.manifest_dir, remaps);
    for e in &mut record.externs {
        if let Some(p) = &mut e.path {
            *p = resolve(p, remaps);
        }
    }
    Ok(record)
}

/// The crates the build's unit records (`*.cra-unit.json`, written by the rustc wrapper) say
/// were compiled, for `target` or for the build machine, under the target directory `dir`.
pub(crate) fn compiled_crates(dir: &Path, target: &str) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let profiles = |base: PathBuf| -> Vec<PathBuf> {
        std::fs::read_dir(base)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("deps"))
            .filter(|p| p.is_dir())
            .collect()
    };
    for (deps, for_target) in profiles(dir.join(target))
        .into_iter()
        .map(|d| (d, true))
        .chain(profiles(dir.to_path_buf()).into_iter().map(|d| (d, false)))
    {
        for entry in std::fs::read_dir(&deps).into_iter().flatten().flatten() {
            let path = entry.path();
            if !path.to_string_lossy().ends_with(RECORD_SUFFIX) {
                continue;
            }
            let Ok(record) = read_record(&path, &[]) else {
                continue;
            };
            out.push((
                record.package.name.clone(),
                record.package.version.clone(),
                for_target,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_files_map_to_their_record() {
        for lib in [
            "/t/deps/libutf8-0123abcd.rlib",
            "/t/deps/libutf8-0123abcd.rmeta",
            "/t/deps/libutf8-0123abcd.so",
        ] {
            assert_eq!(
                record_path_for_library(Path::new(lib)).unwrap(),
                Path::new("/t/deps/utf8-0123abcd.cra-unit.json")
            );
        }
        assert_eq!(
            record_path(Path::new("/t/deps"), "utf8", "-0123abcd"),
            Path::new("/t/deps/utf8-0123abcd.cra-unit.json")
        );
    }
}
