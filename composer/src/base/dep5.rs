//! The licences of a Debian package, from its machine-readable copyright file (DEP-5,
//! `usr/share/doc/<package>/copyright`), as an SPDX expression.
//!
//! Debian's short licence names are not SPDX identifiers (`GPL-2+`, `Expat`, `BSD-3-clause`,
//! `Artistic`): each is mapped by a fixed table, versions with `+` to `-or-later` and without
//! to `-only`. A name the table does not know (`public-domain`, a licence with an exception,
//! a package's own licence) is never guessed: it is returned as unmapped, and the package's
//! licence is then not asserted. A copyright file that is not DEP-5 (no `Format:` line) gives
//! nothing.

use std::collections::BTreeSet;

/// What a copyright file says about licences.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dep5Licences {
    /// Every `Files` paragraph's licence that maps, as canonical SPDX expressions.
    pub mapped: BTreeSet<String>,
    /// The short names the table does not map, as written.
    pub unmapped: BTreeSet<String>,
}

impl Dep5Licences {
    /// The package's declared licence: every paragraph's expression joined with `AND`, when
    /// every one mapped; `None` when any did not (or there was none).
    pub fn expression(&self) -> Option<String> {
        if !self.unmapped.is_empty() || self.mapped.is_empty() {
            return None;
        }
        let parts: Vec<&String> = self.mapped.iter().collect();
        Some(match parts.as_slice() {
            [one] => one.to_string(),
            many => many
                .iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" AND "),
        })
    }
}

/// The licences of the `Files` paragraphs of a DEP-5 copyright file; `None` when `text` is
/// not one (its first paragraph has no `Format:` field).
pub fn licences(text: &str) -> Option<Dep5Licences> {
    let mut paragraphs = text.split("\n\n").map(|p| p.trim_matches('\n'));
    let header = paragraphs.next()?;
    if !header.lines().any(|l| field(l, "Format").is_some()) {
        return None;
    }
    let mut out = Dep5Licences::default();
    for p in paragraphs {
        if !p.lines().any(|l| field(l, "Files").is_some()) {
            continue;
        }
        let Some(short) = p.lines().find_map(|l| field(l, "License")) else {
            continue;
        };
        match spdx_of(short) {
            Some(e) => {
                out.mapped.insert(e);
            }
            None => {
                out.unmapped.insert(short.to_string());
            }
        }
    }
    Some(out)
}

/// The value of `line` when it is the field `name` (at the start of the line).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let (n, v) = line.split_once(':')?;
    n.eq_ignore_ascii_case(name).then(|| v.trim())
}

/// A DEP-5 licence expression (`A or B`, `A and B`, `A, and B`) as a canonical SPDX
/// expression, when every name in it maps.
pub fn spdx_of(short: &str) -> Option<String> {
    let lower = short.trim().to_ascii_lowercase();
    if lower.is_empty() || lower.contains('(') {
        return None;
    }
    let mut out = Vec::new();
    for (i, alternative) in lower.split(" or ").enumerate() {
        if i > 0 {
            out.push("OR".to_string());
        }
        for (j, name) in alternative
            .split(" and ")
            .flat_map(|a| a.split(", "))
            .map(|n| n.trim().trim_end_matches(',').trim())
            .filter(|n| !n.is_empty())
            .enumerate()
        {
            if j > 0 {
                out.push("AND".to_string());
            }
            out.push(with_exception(name)?);
        }
    }
    let text = out.join(" ");
    let parsed = spdx::Expression::parse(&text).ok()?;
    Some(parsed.as_ref().to_string())
}

/// `NAME` or `NAME with EXCEPTION exception` (lower case) as SPDX: the licence, and the
/// exceptions Debian names that SPDX lists (`WITH`).
fn with_exception(name: &str) -> Option<String> {
    let Some((licence, exception)) = name.split_once(" with ") else {
        return spdx_id(name);
    };
    let id = spdx_id(licence)?;
    let exception = exception.trim().trim_end_matches(" exception").trim();
    let spdx_exception = match (exception, id.as_str()) {
        ("autoconf", i) if i.starts_with("GPL-3") => "Autoconf-exception-3.0",
        ("autoconf", i) if i.starts_with("GPL-2") => "Autoconf-exception-2.0",
        ("bison", _) => "Bison-exception-2.2",
        ("linux-syscall-note", _) => "Linux-syscall-note",
        ("libtool", _) => "Libtool-exception",
        ("font", _) => "Font-exception-2.0",
        ("classpath", _) => "Classpath-exception-2.0",
        ("gcc-3.1" | "gcc runtime library" | "gcc-runtime", _) => "GCC-exception-3.1",
        _ => return None,
    };
    Some(format!("{id} WITH {spdx_exception}"))
}

/// One Debian short name (lower case) as an SPDX identifier.
fn spdx_id(name: &str) -> Option<String> {
    if let Some(gnu) = gnu(name) {
        return Some(gnu);
    }
    let id = match name {
        "apache-2.0" | "apache-2" => "Apache-2.0",
        "apache-1.1" => "Apache-1.1",
        "artistic" | "artistic-1" | "artistic-1.0" => "Artistic-1.0-Perl",
        "artistic-2.0" | "artistic-2" => "Artistic-2.0",
        "bsd-1-clause" => "BSD-1-Clause",
        "bsd-2-clause" | "bsd-2" => "BSD-2-Clause",
        "bsd-3-clause" | "bsd-3" => "BSD-3-Clause",
        "bsd-4-clause" | "bsd-4" => "BSD-4-Clause",
        "bsl-1.0" | "bsl" => "BSL-1.0",
        "cc0-1.0" | "cc0" => "CC0-1.0",
        "expat" | "mit" | "mit/expat" => "MIT",
        "x11" | "mit/x11" => "X11",
        "isc" => "ISC",
        "zlib" => "Zlib",
        "curl" => "curl",
        "ftl" => "FTL",
        "libpng" => "Libpng",
        "openldap-2.8" => "OLDAP-2.8",
        "openssl" => "OpenSSL",
        "fsfap" => "FSFAP",
        "fsful" => "FSFUL",
        "fsfullr" => "FSFULLR",
        "mpl-1.1" => "MPL-1.1",
        "mpl-2.0" | "mpl-2" => "MPL-2.0",
        "python-2.0" => "Python-2.0",
        "psf-2" | "psf-2.0" => "PSF-2.0",
        "unlicense" => "Unlicense",
        "wtfpl" => "WTFPL",
        _ => return None,
    };
    Some(id.into())
}

/// The GNU licences: `[A|L]GPL[-| ][v]N[.M][+]` and `GFDL-N.M[+]`; no version means any.
fn gnu(name: &str) -> Option<String> {
    let (family, rest) = ["agpl", "lgpl", "gpl", "gfdl"]
        .iter()
        .find_map(|f| name.strip_prefix(f).map(|r| (*f, r)))?;
    let rest = rest.trim_start_matches(['-', ' ']).trim_start_matches('v');
    let (version, later) = match rest.strip_suffix('+') {
        Some(v) => (v, true),
        None => (rest, false),
    };
    let version = match (family, version) {
        ("gpl", "") => return Some("GPL-1.0-or-later".into()),
        ("lgpl", "") => return Some("LGPL-2.0-or-later".into()),
        (_, "1" | "1.0") => "1.0",
        (_, "2" | "2.0") => "2.0",
        ("lgpl", "2.1") => "2.1",
        (_, "3" | "3.0") => "3.0",
        ("gfdl", "1.1" | "1.2" | "1.3") => version,
        _ => return None,
    };
    let upper = family.to_ascii_uppercase();
    Some(format!(
        "{upper}-{version}-{}",
        if later { "or-later" } else { "only" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_names_map_to_spdx() {
        for (short, want) in [
            ("GPL-2+", Some("GPL-2.0-or-later")),
            ("GPL-2", Some("GPL-2.0-only")),
            ("GPLv3+", Some("GPL-3.0-or-later")),
            ("LGPL-2.1+", Some("LGPL-2.1-or-later")),
            (
                "GPL-1+ or Artistic",
                Some("GPL-1.0-or-later OR Artistic-1.0-Perl"),
            ),
            ("Expat", Some("MIT")),
            ("BSD-3-clause", Some("BSD-3-Clause")),
            ("BSL-1.0 and MIT", Some("BSL-1.0 AND MIT")),
            (
                "LGPL-3+ or GPL-2+",
                Some("LGPL-3.0-or-later OR GPL-2.0-or-later"),
            ),
            ("public-domain", None),
            (
                "GPL-2+ with Autoconf exception",
                Some("GPL-2.0-or-later WITH Autoconf-exception-2.0"),
            ),
            (
                "GPL-3+ with Bison exception",
                Some("GPL-3.0-or-later WITH Bison-exception-2.2"),
            ),
            ("GPL-2+ with Nonsense exception", None),
            ("BSD-3-google", None),
        ] {
            assert_eq!(spdx_of(short).as_deref(), want, "{short}");
        }
    }

    #[test]
    fn a_dep5_file_gives_its_files_licences_and_others_nothing() {
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
                    Upstream-Name: x\n\nFiles: *\nCopyright: someone\nLicense: GPL-2+\n\n\
                    Files: debian/*\nLicense: Expat\n\nLicense: GPL-2+\n full text\n";
        let l = licences(text).unwrap();
        assert_eq!(
            l.expression().as_deref(),
            Some("(GPL-2.0-or-later) AND (MIT)")
        );
        let with_unknown = text.replace("License: Expat", "License: public-domain");
        let l = licences(&with_unknown).unwrap();
        assert_eq!(l.expression(), None);
        assert!(l.unmapped.contains("public-domain"));
        assert_eq!(licences("This package was debianized by someone.\n"), None);
    }
}
