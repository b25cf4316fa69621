//! The git state a build or composition starts from, as provenance records it.

use crate::slsa::ResourceDescriptor;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The git commit a build (or composition) starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSource {
    /// `origin`'s URL with any credentials removed, when there is an `origin`.
    pub repository: Option<String>,
    /// `HEAD`'s commit id.
    pub commit: String,
    /// Whether tracked files had uncommitted changes.
    pub dirty: bool,
}

impl GitSource {
    /// The git state of the repository containing `dir`, if it is in one.
    pub fn detect(dir: &Path) -> Option<GitSource> {
        let git = |args: &[&str]| {
            let out = Command::new("git")
                .args(args)
                .current_dir(dir)
                .env("LC_ALL", "C")
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let commit = git(&["rev-parse", "HEAD"])?;
        let repository = git(&["remote", "get-url", "origin"]).map(|u| strip_credentials(&u));
        let dirty =
            git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
        Some(GitSource {
            repository,
            commit,
            dirty,
        })
    }

    /// `externalParameters.source`: repository, commit and whether the tree was dirty.
    pub fn external_parameter(&self) -> serde_json::Value {
        json!({
            "repository": self.repository,
            "commit": self.commit,
            "dirty": self.dirty,
        })
    }

    /// The commit as a resolved dependency: `git+<remote>@<commit>`, its `gitCommit` digest,
    /// and whether the tree was dirty.
    pub fn resolved_dependency(&self) -> ResourceDescriptor {
        ResourceDescriptor {
            uri: self
                .repository
                .as_ref()
                .map(|r| format!("git+{r}@{}", self.commit)),
            digest: BTreeMap::from([("gitCommit".to_string(), self.commit.clone())]),
            name: Some("source".into()),
            annotations: Some(json!({ "dirty": self.dirty })),
        }
    }
}

/// `https://user:token@host/x` → `https://host/x`.
pub fn strip_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((userinfo, host)) if !userinfo.contains('/') => format!("{scheme}://{host}"),
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_stripped_from_remote_urls() {
        assert_eq!(
            strip_credentials("https://u:tok@github.com/a/b.git"),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            strip_credentials("https://github.com/a/b.git"),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            strip_credentials("git@github.com:a/b.git"),
            "git@github.com:a/b.git"
        );
        assert_eq!(strip_credentials("ssh://git@host/x@y"), "ssh://host/x@y");
    }
}
