//! The build's notion of "now": `SOURCE_DATE_EPOCH`, else the last git commit's time, else 0
//! (<https://reproducible-builds.org/specs/source-date-epoch/>).

use crate::error::BuildError;
use std::path::Path;

/// Where the timestamp came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The `SOURCE_DATE_EPOCH` environment variable.
    Environment,
    /// The committer time of `HEAD` in the workspace's git repository.
    GitCommit,
    /// Neither was available: the Unix epoch.
    Fallback,
}

/// Seconds since 1970 to stamp the build with, and where the value came from.
pub fn source_date_epoch(workspace_root: &Path) -> Result<(i64, Origin), BuildError> {
    if let Some(secs) = from_env()? {
        return Ok((secs, Origin::Environment));
    }
    Ok(match last_commit_time(workspace_root) {
        Some(t) => (t, Origin::GitCommit),
        None => (0, Origin::Fallback),
    })
}

impl Origin {
    /// The warning when the date fell back to 1970 (`dir`: where a commit was looked for).
    pub fn warning(self, dir: &Path) -> Option<String> {
        (self == Origin::Fallback).then(|| {
            format!(
                "outputs are dated 1970-01-01: SOURCE_DATE_EPOCH is not set and {} is not in a git repository with a commit; set SOURCE_DATE_EPOCH (e.g. to the release's commit time) or commit the sources",
                // A recipe's directory may be given relative (`recipes`, `.`): say which.
                std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()).display()
            )
        })
    }
}

/// `SOURCE_DATE_EPOCH`, when set: a whole, non-negative number of seconds.
pub fn from_env() -> Result<Option<i64>, BuildError> {
    let Some(v) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let s = v.to_string_lossy().into_owned();
    match s.trim().parse::<i64>() {
        Ok(secs) if secs >= 0 => Ok(Some(secs)),
        _ => Err(BuildError::BadSourceDateEpoch(s)),
    }
}

fn last_commit_time(dir: &Path) -> Option<i64> {
    cra_attest::evidence::source::Git::find(dir)?
        .run(&["log", "-1", "--format=%ct"])?
        .parse()
        .ok()
}

pub use cra_attest::evidence::slsa::rfc3339;

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn git_commit_time_is_read_from_head() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let st = Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_COMMITTER_DATE", "@1234567890 +0000")
                .env("GIT_AUTHOR_DATE", "@1234567890 +0000")
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com")
                .status()
                .unwrap();
            assert!(st.success());
        };
        git(&["init", "-q"]);
        std::fs::write(dir.path().join("f"), "x").unwrap();
        git(&["add", "f"]);
        git(&["commit", "-q", "-m", "c"]);
        assert_eq!(last_commit_time(dir.path()), Some(1_234_567_890));
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(last_commit_time(empty.path()), None);
    }
}
