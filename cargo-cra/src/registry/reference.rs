//! Image references: `HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`, as docker, skopeo and
//! cosign write them (the registry always named: cargo-cra never guesses Docker Hub).

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The registry: host and optional port.
    pub host: String,
    /// The repository path (lower-case components).
    pub repository: String,
    /// The tag, when given.
    pub tag: Option<String>,
    /// The manifest digest (`sha256:<64 hex>`), when given: it names the image, whatever the
    /// tag now points at.
    pub digest: Option<String>,
}

impl Reference {
    /// `HOST/REPOSITORY`.
    pub fn repository_name(&self) -> String {
        format!("{}/{}", self.host, self.repository)
    }
}

/// Why a reference is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{reference:?} is not an image reference ({why}); write HOST[:PORT]/REPOSITORY[:TAG], such as registry.example.com/acme/gateway"
)]
pub struct ReferenceError {
    /// The text given (made printable).
    pub reference: String,
    /// What is wrong.
    pub why: &'static str,
}

impl std::str::FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Reference, ReferenceError> {
        let err = |why| ReferenceError {
            reference: cra_model::input::printable(s),
            why,
        };
        let (name, digest) = match s.split_once('@') {
            Some((name, digest)) => {
                let hex = digest.strip_prefix("sha256:").unwrap_or_default();
                let ok = hex.len() == 64
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !ok {
                    return Err(err("a digest is sha256: and 64 lower-case hex digits"));
                }
                (name, Some(digest.to_string()))
            }
            None => (s, None),
        };
        let (host, path) = name
            .split_once('/')
            .ok_or_else(|| err("no registry host"))?;
        let host_ok = !host.is_empty()
            && (host.contains('.') || host.contains(':') || host == "localhost")
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !host_ok {
            return Err(err("the first component must be the registry host"));
        }
        let (repository, tag) = match path.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t)),
            _ => (path, None),
        };
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.chars().all(|ch| {
                    ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-')
                })
                && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
        };
        if !repository.split('/').all(component_ok) {
            return Err(err(
                "repository components are lower-case letters, digits, '.', '_', '-'",
            ));
        }
        if let Some(t) = tag {
            let tag_ok = !t.is_empty()
                && t.len() <= 128
                && t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !tag_ok {
                return Err(err("a tag is up to 128 letters, digits, '.', '_', '-'"));
            }
        }
        Ok(Reference {
            host: host.to_string(),
            repository: repository.to_string(),
            tag: tag.map(str::to_string),
            digest,
        })
    }
}

/// Whether `tag` is a valid tag (the distribution spec's grammar).
pub fn valid_tag(tag: &str) -> bool {
    format!("example.com/x:{tag}").parse::<Reference>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_their_registry_and_refuse_what_the_spec_refuses() {
        let r: Reference = "127.0.0.1:5000/acme/gateway:1.2.0".parse().unwrap();
        assert_eq!(r.host, "127.0.0.1:5000");
        assert_eq!(r.repository, "acme/gateway");
        assert_eq!(r.tag.as_deref(), Some("1.2.0"));
        let r: Reference = "registry.example.com/gw".parse().unwrap();
        assert_eq!((r.repository.as_str(), r.tag), ("gw", None));
        let hex = "a".repeat(64);
        let r: Reference = format!("localhost/gw:1.0@sha256:{hex}").parse().unwrap();
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.digest, Some(format!("sha256:{hex}")));
        assert_eq!(r.repository_name(), "localhost/gw");
        for bad in [
            "gateway:1.0",
            "acme/gateway",
            "registry.example.com/Acme/gw",
            "registry.example.com/gw:",
            "registry.example.com/gw@sha256:00",
            "registry.example.com/gw@sha512:00",
            format!("registry.example.com/gw@sha256:{}", "A".repeat(64)).as_str(),
            "registry.example.com/../gw",
            "reg\u{1b}.example/gw",
        ] {
            assert!(bad.parse::<Reference>().is_err(), "{bad}");
        }
        assert!(valid_tag("v1.2.0-rc.1") && !valid_tag("-x") && !valid_tag("a/b"));
    }
}
