//! The git state a build or composition starts from, as provenance records it.

use crate::evidence::slsa::ResourceDescriptor;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The git commit a build (or composition) starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSource {
    /// `origin`'s URL in one canonical form ([`canonical_remote`]): the same for https and
    /// ssh clones of a repository, never a local path.
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
        let repository = git(&["remote", "get-url", "origin"]).and_then(|u| canonical_remote(&u));
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

/// The top of the git work tree containing `dir`, if it is in one.
pub fn work_tree(dir: &Path) -> Option<std::path::PathBuf> {
    let out = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .output()
        .ok()?;
    let top = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !top.trim().is_empty()).then(|| top.trim_end_matches('\n').into())
}

/// A remote URL in one form for every way of cloning the same repository:
/// `git@host:o/r.git`, `ssh://git@host:22/o/r`, `git://host/o/r` and `https://u:tok@host/o/r/`
/// all become `https://host/o/r`. An http(s) URL keeps its scheme and port (another port is
/// another server); ssh and git ports are dropped (they name a transport, not the repository).
/// Credentials are removed wherever they stand. Local paths and `file://` URLs (which would
/// name a directory of this machine) give `None`.
pub fn canonical_remote(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, authority, path) = if let Some((scheme, rest)) = url.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(
            scheme.as_str(),
            "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git"
        ) {
            return None;
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        // Userinfo ends at the authority's last `@` (a token may hold an unencoded one).
        let host_port = authority
            .rsplit_once('@')
            .map(|(_, h)| h)
            .unwrap_or(authority);
        let keep_port = scheme.starts_with("http");
        let host_port = if keep_port {
            host_port.to_string()
        } else {
            strip_port(host_port).to_string()
        };
        let scheme = if keep_port { scheme } else { "https".into() };
        (scheme, host_port, path.to_string())
    } else if let Some((user_host, path)) = url.split_once(':')
        && !user_host.contains('/')
        && !path.starts_with("//")
        && user_host.len() > 1
    {
        // scp-like `user@host:path` (a one-letter "host" would be a Windows drive).
        let host = user_host.rsplit('@').next().unwrap_or(user_host);
        ("https".into(), host.to_string(), path.to_string())
    } else {
        return None;
    };
    let authority = authority.to_ascii_lowercase();
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    if authority.is_empty() || path.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{authority}/{path}"))
}

/// `host:22` → `host`, `[::1]:22` → `[::1]`.
fn strip_port(host_port: &str) -> &str {
    if host_port.starts_with('[') {
        return host_port
            .find(']')
            .map(|i| &host_port[..=i])
            .unwrap_or(host_port);
    }
    host_port.split(':').next().unwrap_or(host_port)
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
    fn every_clone_url_of_a_repository_is_one_url() {
        for url in [
            "https://github.com/cargo-cra/cargo-cra",
            "https://github.com/cargo-cra/cargo-cra.git",
            "https://user:token@github.com/cargo-cra/cargo-cra.git/",
            "git@github.com:cargo-cra/cargo-cra.git",
            "ssh://git@github.com/cargo-cra/cargo-cra.git",
            "ssh://git@GitHub.com:22/cargo-cra/cargo-cra",
            "git://github.com/cargo-cra/cargo-cra.git",
        ] {
            assert_eq!(
                canonical_remote(url).as_deref(),
                Some("https://github.com/cargo-cra/cargo-cra"),
                "{url}"
            );
        }
        assert_eq!(
            canonical_remote("https://git.corp:8443/o/r.git").as_deref(),
            Some("https://git.corp:8443/o/r"),
            "an https port is another server"
        );
        assert_eq!(
            canonical_remote("http://git.local/o/r").as_deref(),
            Some("http://git.local/o/r")
        );
        assert_eq!(
            canonical_remote("https://u:p@ss@host.example/o/r").as_deref(),
            Some("https://host.example/o/r"),
            "no part of a token survives"
        );
        assert_eq!(
            canonical_remote("ssh://git@[2001:db8::1]:2222/o/r.git").as_deref(),
            Some("https://[2001:db8::1]/o/r")
        );
        for local in [
            "/home/dev/src/cargo-cra",
            "../cargo-cra",
            "file:///home/dev/cargo-cra",
            "C:/src/x",
            "./x:y",
        ] {
            assert_eq!(canonical_remote(local), None, "{local}");
        }
    }

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
