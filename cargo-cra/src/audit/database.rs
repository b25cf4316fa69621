//! The RustSec advisory database: opened with the `rustsec` crate (the library cargo-audit is
//! built on, so both read advisories, version ranges and platforms the same way), and
//! identified for every report — by its git commit and date, or, for a plain directory such
//! as a snapshot, by a digest of its advisories and the date of the newest one.

use super::sbom::Crate;
use super::{AuditError, Finding, Kind};
use rustsec::advisory::Informational;
use rustsec::database::Query;
use rustsec::platforms::Platform;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A database older than this many days is reported.
const STALE_DAYS: i64 = 7;

/// Which database a report was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// Its git commit, when it is a git checkout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Otherwise the SHA-256 of its advisories (relative paths and contents, in path order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The commit's date, or the newest advisory's (`YYYY-MM-DD`).
    pub date: String,
    /// How many advisories it holds.
    pub advisories: usize,
}

pub(super) struct Database {
    db: rustsec::Database,
    pub(super) identity: Identity,
}

/// cargo-audit's default location: `$CARGO_HOME/advisory-db`.
pub(super) fn default_location() -> Result<PathBuf, AuditError> {
    home::cargo_home()
        .map(|h| h.join("advisory-db"))
        .map_err(|e| AuditError::Database {
            path: PathBuf::from("$CARGO_HOME/advisory-db"),
            message: e.to_string(),
        })
}

/// Where the RustSec database is published.
const UPSTREAM: &str = "https://github.com/rustsec/advisory-db.git";

/// A fetched database is updated after this many hours.
const REFRESH_HOURS: u64 = 24;

/// Clones the database to `dir` when it is absent, or pulls it when its last fetch is older
/// than a day. A failed update of an existing copy is a warning (the copy is still used); a
/// failed clone is an error.
pub(super) fn fetch(dir: &Path) -> Result<Vec<String>, AuditError> {
    let git = |args: &[&str], cwd: &Path| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(cwd)
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
    };
    if !dir.exists() {
        let parent = dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| AuditError::Database {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let out = git(
            &[
                "clone",
                "--quiet",
                "--depth",
                "1",
                UPSTREAM,
                &dir.to_string_lossy(),
            ],
            parent,
        );
        return match out {
            Ok(o) if o.status.success() => Ok(Vec::new()),
            Ok(o) => Err(AuditError::Database {
                path: dir.to_path_buf(),
                message: format!(
                    "cloning {UPSTREAM} failed ({}); give --db DIR, or --no-fetch",
                    cra_model::input::printable(String::from_utf8_lossy(&o.stderr).trim())
                ),
            }),
            Err(e) => Err(AuditError::Database {
                path: dir.to_path_buf(),
                message: format!("cannot run git to fetch it ({e}); give --db DIR"),
            }),
        };
    }
    let stamp = dir.join(".git/FETCH_HEAD");
    let stamp = if stamp.exists() {
        stamp
    } else {
        dir.join(".git/HEAD")
    };
    let age = std::fs::metadata(&stamp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map(|d| d.as_secs() / 3600);
    if !dir.join(".git").exists() || age.is_some_and(|h| h < REFRESH_HOURS) {
        return Ok(Vec::new());
    }
    match git(&["pull", "--quiet", "--ff-only"], dir) {
        Ok(o) if o.status.success() => Ok(Vec::new()),
        _ => Ok(vec![format!(
            "could not update the advisory database at {}; auditing with the copy there",
            dir.display()
        )]),
    }
}

impl Database {
    pub(super) fn open(path: &Path) -> Result<Database, AuditError> {
        let fail = |message: String| AuditError::Database {
            path: path.to_path_buf(),
            message,
        };
        if !path.join("crates").is_dir() {
            return Err(fail(
                "not found (no crates/ directory): clone https://github.com/rustsec/advisory-db \
                 there, or give --db DIR"
                    .into(),
            ));
        }
        let db = rustsec::Database::open(path)
            .map_err(|e| fail(cra_model::input::printable(&e.to_string())))?;
        let advisories = db.iter().count();
        if advisories == 0 {
            return Err(fail("holds no advisories".into()));
        }
        let newest = db
            .iter()
            .map(|a| a.date().as_str().to_string())
            .max()
            .unwrap_or_default();
        let identity = match git_head(path) {
            Some((commit, date)) => Identity {
                commit: Some(commit),
                digest: None,
                date,
                advisories,
            },
            None => Identity {
                commit: None,
                digest: Some(contents_digest(path).map_err(|e| fail(e.to_string()))?),
                date: newest,
                advisories,
            },
        };
        Ok(Database { db, identity })
    }

    /// The advisories that apply to `c` on any of `targets` (all platforms when none is
    /// known), withdrawn ones left out.
    pub(super) fn matching(&self, c: &Crate, targets: &[String]) -> Vec<Finding> {
        let (Ok(name), Ok(version)) = (
            c.name.parse::<rustsec::package::Name>(),
            rustsec::Version::parse(&c.version),
        ) else {
            return Vec::new();
        };
        // A target the platform list does not know rules nothing out: every platform's
        // advisories apply.
        let platforms: Vec<&Platform> = targets
            .iter()
            .map(|t| Platform::find(t))
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        // Informational advisories (unmaintained, unsound, notices) are findings too; the
        // gate decides which fail.
        let query = Query::new()
            .collection(rustsec::Collection::Crates)
            .package_name(name)
            .package_version(version)
            .withdrawn(false)
            .target_os(platforms.iter().map(|p| p.target_os).collect())
            .target_arch(platforms.iter().map(|p| p.target_arch).collect());
        self.db
            .query(&query)
            .into_iter()
            .map(|a| {
                let kind = match &a.metadata.informational {
                    None => Kind::Vulnerability,
                    Some(Informational::Unmaintained) => Kind::Unmaintained,
                    Some(Informational::Unsound) => Kind::Unsound,
                    Some(_) => Kind::Notice,
                };
                let id = a.id().to_string();
                Finding {
                    aliases: a.metadata.aliases.iter().map(|i| i.to_string()).collect(),
                    patched: a.versions.patched().iter().map(|r| r.to_string()).collect(),
                    functions: a
                        .affected
                        .as_ref()
                        .map(|af| af.functions.keys().map(|f| f.to_string()).collect())
                        .unwrap_or_default(),
                    ..Finding::new(id, &c.name, &c.version, kind, a.title().to_string())
                }
            })
            .collect()
    }

    /// One line for a database older than a week.
    pub(super) fn warnings(&self) -> Vec<String> {
        let Ok(date) = time::Date::parse(
            &self.identity.date,
            time::macros::format_description!("[year]-[month]-[day]"),
        ) else {
            return Vec::new();
        };
        let age = (time::OffsetDateTime::now_utc().date() - date).whole_days();
        match age > STALE_DAYS {
            true => vec![format!(
                "the advisory database is {age} days old ({}): update it before relying on \"no findings\"",
                self.identity.date
            )],
            false => Vec::new(),
        }
    }
}

/// `HEAD`'s commit and date, when `dir` is the top of a git checkout.
fn git_head(dir: &Path) -> Option<(String, String)> {
    if !dir.join(".git").exists() {
        return None;
    }
    let out = std::process::Command::new("git")
        .args(["log", "-1", "--format=%H %cs"])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let (commit, date) = text.trim().split_once(' ')?;
    out.status
        .success()
        .then(|| (commit.to_string(), date.to_string()))
}

/// SHA-256 over every advisory file (`crates/`, `rust/`) in path order: relative path, NUL,
/// length, NUL, contents.
fn contents_digest(dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    for top in ["crates", "rust"] {
        collect(&dir.join(top), &mut files)?;
    }
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        let bytes = std::fs::read(&f)?;
        let rel = f
            .strip_prefix(dir)
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        h.update(rel.as_bytes());
        h.update([0]);
        h.update(bytes.len().to_string().as_bytes());
        h.update([0]);
        h.update(&bytes);
    }
    let digest: [u8; 32] = h.finalize().into();
    Ok(cra_attest::digest::to_hex(&digest))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            collect(&e.path(), out)?;
        } else if t.is_file() && e.path().extension().is_some_and(|x| x == "md") {
            out.push(e.path());
        }
    }
    Ok(())
}
