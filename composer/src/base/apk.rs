//! The packages apk says are installed in a root filesystem: `lib/apk/db/installed`, one
//! record per package (`P:` name, `V:` version, `A:` architecture, `L:` licence, `o:` origin,
//! `m:` maintainer, `U:` URL), with the files it owns (`F:` directory, then `R:` files in it).

/// An installed Alpine package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApkPackage {
    /// Package name.
    pub name: String,
    /// Its version (`1.2.3-r4`).
    pub version: String,
    /// `x86_64`, `aarch64`, `noarch`, ...
    pub architecture: String,
    /// The origin (source) package, which Alpine's advisories name (the package's own name
    /// when absent).
    pub origin: String,
    /// The licence as the package declares it.
    pub license: Option<String>,
    /// The maintainer, as written.
    pub maintainer: Option<String>,
    /// The project's URL.
    pub url: Option<String>,
    /// The directories and files it owns, relative to the root.
    pub paths: Vec<String>,
}

/// Why the database cannot be read: the line and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ApkError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The installed packages, in the database's order.
pub fn installed(db: &str) -> Result<Vec<ApkPackage>, ApkError> {
    let mut out = Vec::new();
    let mut current: Option<(usize, Record)> = None;
    for (i, raw) in db.split('\n').enumerate() {
        let line = i + 1;
        let fail = |message: String| Err(ApkError { line, message });
        if raw.is_empty() {
            if let Some((start, r)) = current.take() {
                out.push(r.finish(start)?);
            }
            continue;
        }
        if raw.chars().any(char::is_control) {
            return fail("a control character".into());
        }
        let Some((key, value)) = raw.split_once(':').filter(|(k, _)| k.len() == 1) else {
            return fail(format!("{raw:?} is not a `K:value` line"));
        };
        let (_, r) = current.get_or_insert_with(|| (line, Record::default()));
        r.take(key, value)
            .map_err(|message| ApkError { line, message })?;
    }
    if let Some((start, r)) = current.take() {
        out.push(r.finish(start)?);
    }
    Ok(out)
}

/// One record being read.
#[derive(Default)]
struct Record {
    name: Option<String>,
    version: Option<String>,
    architecture: Option<String>,
    origin: Option<String>,
    license: Option<String>,
    maintainer: Option<String>,
    url: Option<String>,
    dir: Option<String>,
    paths: Vec<String>,
}

impl Record {
    fn take(&mut self, key: &str, value: &str) -> Result<(), String> {
        let once = |slot: &mut Option<String>, what: &str| match slot {
            Some(_) => Err(format!("{what} given twice in one package")),
            None => {
                *slot = Some(value.to_string());
                Ok(())
            }
        };
        match key {
            "P" => once(&mut self.name, "P (name)"),
            "V" => once(&mut self.version, "V (version)"),
            "A" => once(&mut self.architecture, "A (architecture)"),
            "o" => once(&mut self.origin, "o (origin)"),
            "L" => once(&mut self.license, "L (licence)"),
            "m" => once(&mut self.maintainer, "m (maintainer)"),
            "U" => once(&mut self.url, "U (URL)"),
            "F" => {
                let dir = confined(value)?;
                self.paths.push(dir.clone());
                self.dir = Some(dir);
                Ok(())
            }
            "R" => {
                if value.contains('/') {
                    return Err(format!("file {value:?} names a directory"));
                }
                let name = confined(value)?;
                self.paths.push(match &self.dir {
                    Some(d) => format!("{d}/{name}"),
                    None => name,
                });
                Ok(())
            }
            // Checksums, sizes, dates, dependencies, permissions, ...: not needed here.
            _ => Ok(()),
        }
    }

    fn finish(self, line: usize) -> Result<ApkPackage, ApkError> {
        let fail = |message: &str| ApkError {
            line,
            message: message.to_string(),
        };
        let name = self
            .name
            .ok_or_else(|| fail("a package without P (name)"))?;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-._".contains(c))
        {
            return Err(fail(&format!("{name:?} is not an apk package name")));
        }
        let version = self
            .version
            .ok_or_else(|| fail("a package without V (version)"))?;
        let architecture = self.architecture.unwrap_or_else(|| "noarch".into());
        Ok(ApkPackage {
            origin: self.origin.unwrap_or_else(|| name.clone()),
            name,
            version,
            architecture,
            license: self.license,
            maintainer: self.maintainer,
            url: self.url,
            paths: self.paths,
        })
    }
}

/// A path of the database, relative to the root: no `..`, no empty or absolute component.
fn confined(path: &str) -> Result<String, String> {
    if path.is_empty()
        || path.starts_with('/')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(format!("{path:?} is not a path inside the root"));
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_with_their_files() {
        let db = "P:musl\nV:1.2.4-r1\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:libc.musl-x86_64.so.1\n\nP:zlib\nV:1.2.13-r1\n";
        let ps = installed(db).unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].paths, ["lib", "lib/libc.musl-x86_64.so.1"]);
        assert_eq!(ps[1].origin, "zlib");
        assert_eq!(ps[1].architecture, "noarch");
    }

    #[test]
    fn hostile_databases_are_refused_naming_the_line() {
        for (db, line) in [
            ("asdf\n", 1),
            ("P:a\nV:1\nF:../etc\n", 3),
            ("P:a\nV:1\nF:etc\nR:../shadow\n", 4),
            ("P:a\nP:b\nV:1\n", 2),
            ("P:a\nV:1\nR:x/y\n", 3),
            ("P:a\nV:1\nF:/etc\n", 3),
        ] {
            let err = installed(db).unwrap_err();
            assert_eq!(err.line, line, "{db:?}: {err}");
        }
        assert!(
            installed("V:1\n")
                .unwrap_err()
                .message
                .contains("without P")
        );
    }
}
