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
    pub(crate) repository: Option<String>,
    /// `HEAD`'s commit id.
    pub commit: String,
    /// Whether tracked files had uncommitted changes.
    pub dirty: bool,
}

impl GitSource {
    /// The git state of the repository containing `dir`, if it is in one.
    pub fn detect(dir: &Path) -> Option<GitSource> {
        let git = Git::find(dir)?;
        let commit = git.run(&["rev-parse", "HEAD"])?;
        let repository = git
            .run(&["remote", "get-url", "origin"])
            .and_then(|u| canonical_remote(&u));
        // A status that cannot be read counts as dirty: fail closed.
        let dirty = git
            .run(&[
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--ignore-submodules=all",
            ])
            .is_none_or(|s| !s.is_empty());
        Some(GitSource {
            repository,
            commit,
            dirty,
        })
    }

    /// The commit, when the tree was clean (the commit is then exactly the source).
    pub fn clean_commit(&self) -> Option<&str> {
        (!self.dirty).then_some(self.commit.as_str())
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

/// The top of the git work tree containing `dir`, if it is in one: the directory holding the
/// `.git` found above `dir` (a repository's `core.worktree` cannot move it elsewhere).
pub fn work_tree(dir: &Path) -> Option<std::path::PathBuf> {
    Git::find(dir).map(|g| g.work_tree)
}

/// A git repository of the project being built, read with git as a hostile repository cannot
/// subvert: the `.git` is found by walking up from the directory (not by git, so
/// `core.worktree` cannot widen the work tree to `/`), both directories are pinned on every
/// command line, and the repository configuration that runs programs — `core.fsmonitor`,
/// hooks, and every filter driver it defines (`filter.<name>.clean`, `.smudge`, `.process`) —
/// is overridden for each command.
pub struct Git {
    git_dir: std::path::PathBuf,
    /// The work tree: the directory holding `.git`.
    pub(crate) work_tree: std::path::PathBuf,
    overrides: Vec<String>,
}

impl Git {
    /// The repository whose `.git` (directory or `gitdir:` file) is in `dir` or above it.
    pub fn find(dir: &Path) -> Option<Git> {
        let dir = std::fs::canonicalize(dir).ok()?;
        let top = dir.ancestors().find(|d| {
            std::fs::symlink_metadata(d.join(".git")).is_ok_and(|m| m.is_dir() || m.is_file())
        })?;
        let mut git = Git {
            git_dir: top.join(".git"),
            work_tree: top.to_path_buf(),
            overrides: Vec::new(),
        };
        git.overrides = git.program_overrides();
        Some(git)
    }

    /// `-c` settings that switch off every configured way for the repository to run a program.
    fn program_overrides(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "core.fsmonitor=false",
            "core.hooksPath=/dev/null",
            "core.untrackedCache=false",
            "protocol.allow=never",
            // `git log` verifying signatures would run gpg.program.
            "log.showSignature=false",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Reading configuration runs nothing; every filter driver it names is then emptied
        // and made optional (a required filter without its program would fail the command).
        let names = self
            .command(&[
                "config",
                "--null",
                "--name-only",
                "--get-regexp",
                r"^filter\.",
            ])
            .output()
            .ok()
            .map(|o| o.stdout)
            .unwrap_or_default();
        let mut drivers: Vec<String> = names
            .split(|b| *b == 0)
            .filter_map(|n| std::str::from_utf8(n).ok())
            .filter_map(|n| n.strip_prefix("filter."))
            .filter_map(|n| n.rsplit_once('.').map(|(driver, _)| driver.to_string()))
            .collect();
        drivers.sort();
        drivers.dedup();
        for d in drivers {
            for key in ["clean", "smudge", "process"] {
                out.push(format!("filter.{d}.{key}="));
            }
            out.push(format!("filter.{d}.required=false"));
        }
        out
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        for o in &self.overrides {
            cmd.arg("-c").arg(o);
        }
        cmd.arg("--git-dir")
            .arg(&self.git_dir)
            .arg("--work-tree")
            .arg(&self.work_tree)
            .args(args)
            .current_dir(&self.work_tree)
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// The trimmed standard output of `git ARGS`, if it succeeds.
    pub fn run(&self, args: &[&str]) -> Option<String> {
        let out = self.command(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_repository_configuration_runs_nothing_and_keeps_its_work_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join("sub")).unwrap();
        let marker = tmp.path().join("ran");
        let git = |args: &[&str]| {
            let st = Command::new("git")
                .args(args)
                .current_dir(&repo)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com")
                .status()
                .unwrap();
            assert!(st.success(), "git {args:?}");
        };
        git(&["init", "-q"]);
        std::fs::write(repo.join("f"), "x").unwrap();
        std::fs::write(repo.join(".gitattributes"), "* filter=evil\n").unwrap();
        git(&["add", "."]);
        git(&["commit", "-qm", "c"]);
        let run = format!("touch {}", marker.display());
        git(&["config", "core.worktree", "/"]);
        git(&["config", "core.fsmonitor", &format!("{run}; false")]);
        git(&["config", "filter.evil.clean", &format!("{run}; cat")]);
        git(&["config", "filter.evil.required", "true"]);
        git(&["config", "filter.a b.clean", &format!("{run}; cat")]);
        git(&["config", "log.showSignature", "true"]);
        std::fs::write(repo.join("f"), "x").unwrap();
        let real = std::fs::canonicalize(&repo).unwrap();
        assert_eq!(work_tree(&repo.join("sub")), Some(real));
        let source = GitSource::detect(&repo.join("sub")).expect("a repository");
        assert_eq!(source.commit.len(), 40);
        assert!(!source.dirty, "the unchanged tree reads as clean");
        let git_log = Git::find(&repo)
            .unwrap()
            .run(&["log", "-1", "--format=%ct"]);
        assert!(git_log.is_some_and(|t| t.parse::<i64>().is_ok()));
        assert!(
            !marker.exists(),
            "the repository's configuration ran a program"
        );
    }

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
}
