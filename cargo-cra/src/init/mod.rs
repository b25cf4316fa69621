//! `cargo cra init`: a starting `[package.metadata.cra]` (or `[workspace.metadata.cra]`) table,
//! appended to the manifest with every existing byte kept, and with `--recipe` a starting
//! image recipe per binary package, with secure defaults. Never overwrites: where it would,
//! it refuses and writes nothing.

mod manifest;
mod recipe;

use crate::config::Table;
use cargo_metadata::MetadataCommand;
use std::path::{Path, PathBuf};

/// What `cargo cra init` is asked to write.
#[derive(Debug, Clone, Default)]
pub struct InitRequest {
    /// The manifest (default: `Cargo.toml` of the current directory's package or workspace).
    pub manifest_path: Option<PathBuf>,
    /// The manufacturer's registered name.
    pub manufacturer: Option<String>,
    /// Where vulnerabilities are reported: an e-mail address or a URL.
    pub security_contact: Option<String>,
    /// The last day of security support, `YYYY-MM-DD`.
    pub support_period_end: Option<String>,
    /// Also write `recipes/<package>.toml` for each package with binaries.
    pub recipe: bool,
}

/// What `cargo cra init` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitReport {
    /// The manifest the table was added to.
    pub manifest: PathBuf,
    /// The table added: `package.metadata.cra` or `workspace.metadata.cra`.
    pub table: String,
    /// The recipes written.
    pub recipes: Vec<PathBuf>,
    /// The keys left commented out, to fill in (the build warns about them).
    pub missing: Vec<String>,
    /// The workspace has no `Cargo.lock` yet (`cargo cra build` needs one).
    pub no_lock_file: bool,
}

/// Why `cargo cra init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Writing would replace something that exists.
    #[error("{0}; cargo cra init never overwrites, nothing was written")]
    Exists(String),
    /// The manifest or a value given is unusable.
    #[error("{0}; nothing was written")]
    Invalid(String),
    /// A step failed and what was written before it could not all be removed.
    #[error("{0}")]
    Partial(String),
    /// `cargo metadata` failed.
    #[error("cargo metadata: {0}")]
    Metadata(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The product facts the table and the recipes start from.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    manufacturer: Option<String>,
    security_contact: Option<String>,
    support_period_end: Option<String>,
}

impl Facts {
    /// The keys not given, as the table names them.
    fn missing(&self) -> Vec<String> {
        [
            ("manufacturer", &self.manufacturer),
            ("security-contact", &self.security_contact),
            ("support-period-end", &self.support_period_end),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k.to_string())
        .collect()
    }
}

/// Writes the table (and the recipes): everything is checked first, then written; after a
/// failure, what this run created is removed again.
pub fn run(r: &InitRequest) -> Result<InitReport, InitError> {
    let manifest_path = manifest_path(r)?;
    let metadata = MetadataCommand::new()
        .cargo_path(crate::cargo::cargo_program())
        .manifest_path(&manifest_path)
        .no_deps()
        .exec()
        .map_err(|e| InitError::Metadata(crate::config::one_line(&e.to_string())))?;
    let facts = Facts {
        manufacturer: given(&r.manufacturer),
        security_contact: given(&r.security_contact),
        support_period_end: given(&r.support_period_end),
    };
    let plan = manifest::plan(&manifest_path, &facts)?;
    let recipes = match r.recipe {
        true => recipe::plan(&metadata, &manifest_path, plan.table, &facts)?,
        false => Vec::new(),
    };
    let mut created = Created::default();
    if let Err(e) = write_all(&manifest_path, &plan, &recipes, &mut created) {
        return Err(match created.undo() {
            Ok(()) => e,
            Err(undo) => InitError::Partial(format!("{e}; undoing it failed: {undo}")),
        });
    }
    Ok(InitReport {
        manifest: manifest_path,
        table: match plan.table {
            Table::Package => "package.metadata.cra".into(),
            Table::Workspace => "workspace.metadata.cra".into(),
        },
        recipes: recipes.into_iter().map(|(p, _)| p).collect(),
        missing: facts.missing(),
        no_lock_file: !metadata.workspace_root.join("Cargo.lock").is_file(),
    })
}

/// What a run created, to remove again when a later step fails.
#[derive(Default)]
struct Created {
    files: Vec<PathBuf>,
    dir: Option<PathBuf>,
}

impl Created {
    fn undo(self) -> std::io::Result<()> {
        for f in &self.files {
            std::fs::remove_file(f)?;
        }
        match &self.dir {
            Some(d) => std::fs::remove_dir(d),
            None => Ok(()),
        }
    }
}

/// The recipes, each a new file in a real `recipes/` directory, then the manifest, replaced
/// atomically provided it still has the bytes the table was planned on.
fn write_all(
    manifest: &Path,
    plan: &manifest::Plan,
    recipes: &[(PathBuf, String)],
    created: &mut Created,
) -> Result<(), InitError> {
    let dir = recipes.first().and_then(|(p, _)| p.parent());
    if let Some(dir) = dir
        && recipe::real_dir(dir)?
    {
        std::fs::create_dir(dir).map_err(|source| io(dir, source))?;
        created.dir = Some(dir.to_path_buf());
    }
    for (path, text) in recipes {
        write_new(path, text)?;
        created.files.push(path.clone());
    }
    let mode = mode_of(manifest)?;
    let now = std::fs::read(manifest).map_err(|source| io(manifest, source))?;
    if now != plan.original.as_bytes() {
        return Err(InitError::Invalid(format!(
            "{} changed while cargo cra init ran",
            manifest.display()
        )));
    }
    cra_attest::persist::write_atomic(manifest, plan.text.as_bytes(), mode)
        .map_err(|source| io(manifest, source))
}

/// The manifest named, else `Cargo.toml` in the current directory.
fn manifest_path(r: &InitRequest) -> Result<PathBuf, InitError> {
    let path = r
        .manifest_path
        .clone()
        .unwrap_or_else(|| PathBuf::from("Cargo.toml"));
    let path = std::path::absolute(&path).map_err(|source| io(&path, source))?;
    // Replacing the file atomically would turn a link into a copy: edit what it points to.
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => Err(InitError::Invalid(format!(
            "{} is a symbolic link: run cargo cra init on the manifest it points to",
            path.display()
        ))),
        _ => Ok(path),
    }
}

/// A value given on the command line or at the prompt; empty means not given.
fn given(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The file's permission bits, kept when it is replaced.
fn mode_of(path: &Path) -> Result<u32, InitError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| io(path, source))?;
    Ok(meta.permissions().mode() & 0o7777)
}

/// Writes `text` to `path`, which must not exist (created exclusively: no race replaces a
/// file written in between, and a symbolic link there is not followed).
fn write_new(path: &Path, text: &str) -> Result<(), InitError> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => {
                InitError::Exists(format!("{} exists", path.display()))
            }
            _ => io(path, source),
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| {
            // The file is this run's own (created exclusively): a partial one goes again.
            let _ = std::fs::remove_file(path);
            io(path, source)
        })
}

fn io(path: &Path, source: std::io::Error) -> InitError {
    InitError::Io {
        path: path.to_path_buf(),
        source,
    }
}
