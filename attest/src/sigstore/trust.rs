//! Sigstore trusted roots (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`): the
//! transparency logs, certificate authorities, CT logs and timestamp authorities a verifier
//! trusts, each with the time window it is trusted for.

use crate::sigstore::algorithm::{Scheme, VerifyingKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A trusted root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustedRoot {
    /// Media type and version of the document.
    pub media_type: String,
    /// Transparency logs (Rekor).
    #[serde(default)]
    pub tlogs: Vec<LogInstance>,
    /// Certificate authorities (Fulcio).
    #[serde(default)]
    pub(crate) certificate_authorities: Vec<CertificateAuthority>,
    /// Certificate-transparency logs.
    #[serde(default)]
    pub(crate) ctlogs: Vec<LogInstance>,
    /// RFC 3161 timestamp authorities.
    #[serde(default)]
    pub timestamp_authorities: Vec<CertificateAuthority>,
}

/// A log (transparency log or CT log) and its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogInstance {
    /// Where the log is served.
    pub(crate) base_url: String,
    /// Hash of the Merkle tree, `SHA2_256`.
    pub(crate) hash_algorithm: String,
    /// The log's key and when it is valid.
    pub(crate) public_key: TrustedKey,
    /// SHA-256 of the key's DER, which entries name the log by.
    pub(crate) log_id: KeyId,
    /// Key id used for checkpoints, when it differs from `logId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) checkpoint_key_id: Option<KeyId>,
    /// Who runs the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) operator: Option<String>,
}

/// A key id, base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct KeyId {
    /// The id, base64.
    pub(crate) key_id: String,
}

/// A public key with its algorithm and validity window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TrustedKey {
    /// DER SPKI, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_bytes: Option<String>,
    /// Algorithm, such as `PKIX_ECDSA_P256_SHA_256` or `PKIX_ED25519`.
    pub(crate) key_details: String,
    /// When the key is trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) valid_for: Option<TimeRange>,
}

/// A certificate authority or timestamp authority and its chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateAuthority {
    /// The authority's distinguished name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<DistinguishedName>,
    /// Where the authority is served.
    #[serde(default)]
    pub uri: String,
    /// Its certificates, leaf-most first.
    pub(crate) cert_chain: CertChain,
    /// When it is trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) valid_for: Option<TimeRange>,
    /// Who runs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) operator: Option<String>,
}

/// An organisation and common name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DistinguishedName {
    /// O=
    #[serde(default)]
    pub(crate) organization: String,
    /// CN=
    #[serde(default)]
    pub(crate) common_name: String,
}

/// Certificates, DER base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertChain {
    /// The certificates.
    pub(crate) certificates: Vec<crate::sigstore::bundle::X509Certificate>,
}

/// A validity window. `start` is required for trust; `end`, when present, is inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimeRange {
    /// RFC 3339 start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) start: Option<String>,
    /// RFC 3339 end (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) end: Option<String>,
}

/// Why a trusted root or one of its keys cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The document is not a trusted root.
    #[error("not a Sigstore trusted root: {0}")]
    Malformed(String),
    /// A key in it cannot be used.
    #[error("trusted root key {0}")]
    BadKey(String),
}

fn parse_time(s: &str) -> Result<OffsetDateTime, TrustError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| TrustError::Malformed(format!("time {s:?}: {e}")))
}

impl TimeRange {
    /// Whether `t` (Unix seconds) falls in the window. A window without a start never does:
    /// a trust root must say from when it trusts a key.
    pub(crate) fn contains(&self, t: i64) -> Result<bool, TrustError> {
        let Some(start) = &self.start else {
            return Ok(false);
        };
        let t = OffsetDateTime::from_unix_timestamp(t)
            .map_err(|e| TrustError::Malformed(e.to_string()))?;
        if t < parse_time(start)? {
            return Ok(false);
        }
        match &self.end {
            Some(end) => Ok(t <= parse_time(end)?),
            None => Ok(true),
        }
    }
}

/// Sigstore's public-good trusted root, embedded (see `attest/data/README.md`).
pub(crate) const PUBLIC_GOOD_JSON: &[u8] =
    include_bytes!("../../data/public-good-trusted-root.json");

impl TrustedRoot {
    /// Sigstore's public-good trusted root, as embedded in cargo-cra.
    pub fn public_good() -> Self {
        Self::from_json(PUBLIC_GOOD_JSON).expect("the embedded trusted root parses")
    }

    /// Parses a trusted root from JSON.
    pub fn from_json(text: &[u8]) -> Result<Self, TrustError> {
        let root: TrustedRoot = serde_json::from_slice(text)
            .map_err(|e| TrustError::Malformed(cra_model::input::printable(&e.to_string())))?;
        if !root
            .media_type
            .starts_with(cra_model::media::SIGSTORE_TRUSTED_ROOT_PREFIX)
        {
            return Err(TrustError::Malformed(format!(
                "media type {:?}",
                root.media_type
            )));
        }
        Ok(root)
    }

    /// The transparency log whose key id (log id, or checkpoint key id) is `key_id` (raw bytes).
    pub(crate) fn tlog(&self, key_id: &[u8]) -> Option<&LogInstance> {
        self.tlogs.iter().find(|l| {
            B64.decode(&l.log_id.key_id).is_ok_and(|k| k == key_id)
                || l.checkpoint_key_id
                    .as_ref()
                    .is_some_and(|c| B64.decode(&c.key_id).is_ok_and(|k| k == key_id))
        })
    }
}

impl LogInstance {
    /// The log's public key, accepting the scheme its `keyDetails` name (if any).
    pub fn key(&self) -> Result<VerifyingKey, TrustError> {
        // A hostile root's URL may hold control characters: named escaped, on one line.
        let url = cra_model::input::printable(&self.base_url);
        let raw = self
            .public_key
            .raw_bytes
            .as_ref()
            .ok_or_else(|| TrustError::BadKey(format!("of {url} has no key bytes")))?;
        let der = B64
            .decode(raw)
            .map_err(|e| TrustError::BadKey(format!("of {url}: {e}")))?;
        let bad = |e: crate::sigstore::algorithm::AlgorithmError| {
            TrustError::BadKey(format!("of {url}: {e}"))
        };
        let scheme = Scheme::from_key_details(&self.public_key.key_details).map_err(bad)?;
        VerifyingKey::from_spki(&der)
            .and_then(|k| k.pinned(scheme))
            .map_err(bad)
    }

    /// Whether the log's key was valid at `t` (Unix seconds).
    pub(crate) fn valid_at(&self, t: i64) -> Result<bool, TrustError> {
        match &self.public_key.valid_for {
            Some(range) => range.contains(t),
            None => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::fixtures;

    #[test]
    fn reads_every_trusted_root_of_the_conformance_suite() {
        let mut n = 0;
        for entry in std::fs::read_dir(fixtures().join("cases")).unwrap() {
            let p = entry.unwrap().path().join("trusted_root.json");
            if p.exists() {
                TrustedRoot::from_json(&std::fs::read(&p).unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                n += 1;
            }
        }
        assert!(n >= 20, "{n}");
        let root = TrustedRoot::from_json(
            &std::fs::read(fixtures().join("public-good-trusted-root.json")).unwrap(),
        )
        .unwrap();
        for log in &root.tlogs {
            log.key().unwrap();
        }
    }

    #[test]
    fn embedded_public_good_root_is_usable() {
        let root = TrustedRoot::public_good();
        assert!(
            root.tlogs
                .iter()
                .any(|l| l.base_url == "https://rekor.sigstore.dev")
        );
        assert!(!root.certificate_authorities.is_empty() && !root.ctlogs.is_empty());
        for log in root.tlogs.iter().chain(&root.ctlogs) {
            log.key().unwrap();
        }
    }

    #[test]
    fn validity_windows_need_a_start_and_include_their_end() {
        let r = TimeRange {
            start: Some("2020-01-01T00:00:00Z".into()),
            end: Some("2020-01-02T00:00:00Z".into()),
        };
        assert!(r.contains(1_577_836_800).unwrap(), "start");
        assert!(r.contains(1_577_923_200).unwrap(), "end is inclusive");
        assert!(!r.contains(1_577_923_201).unwrap());
        assert!(!r.contains(1_577_836_799).unwrap());
        assert!(
            !TimeRange {
                start: None,
                end: None
            }
            .contains(1_577_836_800)
            .unwrap()
        );
    }
}
