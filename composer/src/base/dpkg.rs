//! The packages dpkg says are installed in a root filesystem: `var/lib/dpkg/status` (or, as
//! distroless images keep it, one file per package in `var/lib/dpkg/status.d/`), each package
//! with the files `var/lib/dpkg/info/<name>[:<arch>].list` says it owns.

use super::deb822::{self, Paragraph};
use super::version::DebVersion;

/// An installed Debian package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebPackage {
    /// Binary package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// `amd64`, `arm64`, `all`, ...
    pub architecture: String,
    /// The source package and its version (the binary's own when `Source` is absent), which
    /// Debian's security advisories name.
    pub source: (String, String),
    /// The maintainer, as written.
    pub maintainer: Option<String>,
    /// The upstream home page.
    pub homepage: Option<String>,
    /// `Multi-Arch: same`: its file list is `info/<name>:<arch>.list`.
    pub multi_arch_same: bool,
}

/// Why the database cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpkgError {
    /// The status file's syntax.
    #[error(transparent)]
    Syntax(#[from] deb822::Deb822Error),
    /// A paragraph that is not an installed package's as dpkg writes them.
    #[error("line {line}: {message}")]
    Package {
        /// The paragraph's first line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The installed packages of a status file, sorted by name and architecture. Paragraphs of
/// packages not installed (`Status` other than `install ok installed`) are skipped; a
/// paragraph without `Status` counts as installed (distroless `status.d` files have none).
pub fn installed(status: &str) -> Result<Vec<DebPackage>, DpkgError> {
    let mut out = Vec::new();
    for p in deb822::paragraphs(status)? {
        if p.get("Status").is_some_and(|s| {
            s.split_whitespace().collect::<Vec<_>>() != ["install", "ok", "installed"]
        }) {
            continue;
        }
        out.push(package(&p)?);
    }
    out.sort_by(|a, b| (&a.name, &a.architecture).cmp(&(&b.name, &b.architecture)));
    if let Some(w) = out
        .windows(2)
        .find(|w| (&w[0].name, &w[0].architecture) == (&w[1].name, &w[1].architecture))
    {
        return Err(DpkgError::Package {
            line: 1,
            message: format!(
                "package {}:{} is listed twice",
                w[0].name, w[0].architecture
            ),
        });
    }
    Ok(out)
}

fn package(p: &Paragraph) -> Result<DebPackage, DpkgError> {
    let fail = |message: String| DpkgError::Package {
        line: p.line,
        message,
    };
    let field = |name: &str| {
        p.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| fail(format!("a package without {name}")))
    };
    let name = field("Package")?;
    if !package_name(name) {
        return Err(fail(format!("{name:?} is not a Debian package name")));
    }
    let version = field("Version")?;
    DebVersion::parse(version).map_err(&fail)?;
    let architecture = field("Architecture")?;
    if !architecture
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(fail(format!("{architecture:?} is not an architecture")));
    }
    // `Source: name` or `Source: name (version)`.
    let source = match p.get("Source") {
        None => (name.to_string(), version.to_string()),
        Some(s) => {
            let (src, ver) = match s.split_once('(') {
                Some((n, v)) => (n.trim(), v.trim_end_matches(')').trim()),
                None => (s.trim(), version),
            };
            if !package_name(src) {
                return Err(fail(format!("source {src:?} is not a Debian package name")));
            }
            DebVersion::parse(ver).map_err(&fail)?;
            (src.to_string(), ver.to_string())
        }
    };
    let one_line = |v: &str| v.lines().next().unwrap_or_default().trim().to_string();
    Ok(DebPackage {
        name: name.to_string(),
        version: version.to_string(),
        architecture: architecture.to_string(),
        source,
        maintainer: p.get("Maintainer").map(one_line),
        homepage: p.get("Homepage").map(one_line),
        multi_arch_same: p.get("Multi-Arch").is_some_and(|m| m.trim() == "same"),
    })
}

impl DebPackage {
    /// The file listing what it owns, relative to `var/lib/dpkg/info/`.
    pub fn list_file(&self) -> String {
        match self.multi_arch_same {
            true => format!("{}:{}.list", self.name, self.architecture),
            false => format!("{}.list", self.name),
        }
    }
}

/// The paths a `.list` file names (absolute in the file; returned relative to the root, the
/// root itself and empty lines left out). A path with `..`, a NUL or a newline injected into
/// it is an error naming its line.
pub fn owned_paths(list: &str) -> Result<Vec<String>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in list.lines().enumerate() {
        let rel = line.trim_start_matches('/');
        if rel.is_empty() || line == "/." {
            continue;
        }
        if !line.starts_with('/')
            || rel.split('/').any(|c| c == ".." || c.is_empty())
            || line.chars().any(char::is_control)
        {
            return Err((i + 1, format!("{line:?} is not a path dpkg writes")));
        }
        out.push(rel.to_string());
    }
    Ok(out)
}

/// Debian policy 5.6.1: lower-case letters, digits, `+`, `-`, `.`; at least two characters,
/// starting with a letter or digit.
fn package_name(name: &str) -> bool {
    name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "\
Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Homepage: https://www.gnu.org/software/libc/libc.html
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: removed-thing
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Source: tzdata (2024a-0+deb12u1)
";

    #[test]
    fn installed_packages_with_their_source() {
        let ps = installed(STATUS).unwrap();
        assert_eq!(ps.len(), 2, "{ps:?}");
        assert_eq!(ps[0].name, "libc6");
        assert_eq!(ps[0].source, ("glibc".into(), "2.36-9+deb12u4".into()));
        assert_eq!(ps[0].list_file(), "libc6:amd64.list");
        assert_eq!(ps[1].source.0, "tzdata");
        assert_eq!(ps[1].list_file(), "tzdata.list");
    }

    #[test]
    fn hostile_databases_are_refused() {
        for (bad, needle) in [
            (
                "Package: Evil\nVersion: 1\nArchitecture: amd64\n",
                "not a Debian package name",
            ),
            (
                "Package: ok\nVersion: x\nArchitecture: amd64\n",
                "start with a digit",
            ),
            ("Package: ok\nArchitecture: amd64\n", "without Version"),
            (
                "Package: ok\nVersion: 1\nArchitecture: am/d64\n",
                "not an architecture",
            ),
            (
                "Package: ok\nVersion: 1\nArchitecture: all\n\nPackage: ok\nVersion: 2\nArchitecture: all\n",
                "listed twice",
            ),
        ] {
            let err = installed(bad).unwrap_err().to_string();
            assert!(err.contains(needle), "{bad:?}: {err}");
        }
    }

    #[test]
    fn owned_paths_are_relative_and_confined() {
        assert_eq!(
            owned_paths("/.\n/usr\n/usr/bin/sh\n").unwrap(),
            ["usr", "usr/bin/sh"]
        );
        assert_eq!(owned_paths("/usr/../etc/shadow\n").unwrap_err().0, 1);
        assert_eq!(owned_paths("/ok\nrelative\n").unwrap_err().0, 2);
    }
}
