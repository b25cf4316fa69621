//! Keyless signing: an ephemeral P-256 key, certified by Fulcio for an OIDC identity, every
//! signature logged in Rekor.
//!
//! Nothing a service returns is trusted unchecked. Before any bundle is produced:
//! - the certificate chains to a certificate authority of the trusted root, its embedded SCT
//!   verifies against a trusted CT log, and it certifies exactly our ephemeral key;
//! - each Rekor entry's inclusion proof, checkpoint and signed entry timestamp verify against a
//!   trusted log, and the entry was integrated while the certificate was valid.

use super::parts::{bundle, dsse_envelope, message_signature};
use crate::evidence::intoto::Statement;
use crate::sigstore::bundle::{
    Bundle, Envelope, Rfc3161Timestamp, TimestampVerificationData, VerificationMaterial,
    X509Certificate,
};
use crate::sigstore::keys::SigningKey;
use crate::sigstore::services::http::{HttpClient, ServiceError};
pub use crate::sigstore::services::oidc::{IdentityToken, TokenError};
use crate::sigstore::services::rekor::{self, Rekor};
use crate::sigstore::trust::TrustedRoot;
use crate::sigstore::verify::certs::{Cert, CertError, verify_chain, verify_embedded_scts};
use crate::sigstore::verify::entry_body::{self, Signed};
use crate::sigstore::verify::tlog::{TlogError, verify_entry};
use crate::sigstore::verify::tsa::{TsaError, verify_timestamp};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::json;
use std::path::Path;

/// Sigstore's public-good Fulcio.
pub const PUBLIC_GOOD_FULCIO: &str = "https://fulcio.sigstore.dev";
/// Sigstore's public-good Rekor.
pub const PUBLIC_GOOD_REKOR: &str = "https://rekor.sigstore.dev";

/// Why keyless signing failed.
#[derive(Debug, thiserror::Error)]
pub enum KeylessError {
    /// Fulcio or Rekor failed or refused.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// Fulcio's certificate is not trusted.
    #[error("Fulcio's certificate: {0}")]
    Certificate(#[from] CertError),
    /// The timestamp authority's answer is not trusted.
    #[error("the timestamp authority's answer: {0}")]
    Timestamp(#[from] TsaError),
    /// Rekor's entry is not trusted.
    #[error("Rekor's entry: {0}")]
    Log(#[from] TlogError),
    /// Rekor logged something else than what we sent.
    #[error("Rekor's entry does not record the signature that was sent")]
    WrongEntry,
    /// Fulcio certified another key than ours.
    #[error("Fulcio's certificate is for another public key than the one we sent")]
    KeyMismatch,
    /// Rekor integrated the entry outside the certificate's validity.
    #[error("Rekor's integration time {0} is outside the certificate's validity")]
    OutsideValidity(i64),
    /// Reading the artefact failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The artefact.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Where the Sigstore services are, and what to trust.
pub struct KeylessConfig {
    /// Fulcio's base URL.
    pub fulcio_url: String,
    /// Rekor's base URL.
    pub rekor_url: String,
    /// Trust for the instance (CA, CT logs, transparency logs).
    pub trusted_root: TrustedRoot,
    /// The signer's identity.
    pub token: IdentityToken,
    /// An RFC 3161 timestamp authority to timestamp every signature (optional).
    pub tsa_url: Option<String>,
}

/// A certified ephemeral key, ready to sign and log.
pub struct KeylessSigner {
    key: SigningKey,
    leaf: Cert,
    leaf_pem: String,
    rekor: Rekor,
    root: TrustedRoot,
    tsa_url: Option<String>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl KeylessSigner {
    /// Generates an ephemeral key and has Fulcio certify it; checks the certificate.
    pub fn new(config: KeylessConfig) -> Result<Self, KeylessError> {
        let key = SigningKey::generate_p256();
        let public = key.public_key();
        let proof = key.sign(config.token.subject().as_bytes());
        let request = json!({
            "credentials": { "oidcIdentityToken": config.token.jwt },
            "publicKeyRequest": {
                "publicKey": { "algorithm": "ECDSA", "content": public.to_pem() },
                "proofOfPossession": B64.encode(proof),
            },
        });
        let http = HttpClient::new("Fulcio");
        let url = format!(
            "{}/api/v2/signingCert",
            config.fulcio_url.trim_end_matches('/')
        );
        let answer = http.post_json(&url, &request)?;
        let pems = answer["signedCertificateEmbeddedSct"]["chain"]["certificates"]
            .as_array()
            .or_else(|| answer["signedCertificateDetachedSct"]["chain"]["certificates"].as_array())
            .filter(|c| !c.is_empty())
            .ok_or_else(|| http.bad_response("no certificate chain"))?;
        let leaf = Cert::from_pem(
            pems[0]
                .as_str()
                .ok_or_else(|| http.bad_response("certificate is not a string"))?,
        )?;
        // Log the certificate in canonical PEM (64-column lines): verifiers rebuild the expected
        // log entry from the bundle's certificate that way, whatever layout Fulcio's answer used.
        let leaf_pem =
            pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &leaf.der)
                .expect("PEM encoding of bytes cannot fail");
        if leaf.spki_der() != public.to_der() {
            return Err(KeylessError::KeyMismatch);
        }
        let chain = verify_chain(&leaf, &config.trusted_root, now())?;
        verify_embedded_scts(&leaf, &chain[0], &config.trusted_root)?;
        Ok(KeylessSigner {
            key,
            leaf,
            leaf_pem,
            rekor: Rekor::new(&config.rekor_url),
            root: config.trusted_root,
            tsa_url: config.tsa_url,
        })
    }

    /// Timestamps `signature` at the configured TSA and checks the answer.
    fn timestamp(
        &self,
        signature: &[u8],
    ) -> Result<Option<TimestampVerificationData>, KeylessError> {
        let Some(url) = &self.tsa_url else {
            return Ok(None);
        };
        let http = HttpClient::new("the timestamp authority");
        let request = json!({
            "artifactHash": B64.encode(crate::digest::sha256(signature)),
            "hashAlgorithm": "sha256",
            "certificates": true,
        });
        let der = http.post_json_for_bytes(url, &request, cra_model::media::TIMESTAMP_REPLY)?;
        let token = B64.encode(der);
        let time = verify_timestamp(&token, signature, &self.root)?;
        if !self.leaf.valid_at(time) {
            return Err(KeylessError::OutsideValidity(time));
        }
        Ok(Some(TimestampVerificationData {
            rfc3161_timestamps: vec![Rfc3161Timestamp {
                signed_timestamp: token,
            }],
        }))
    }

    /// Logs `proposed` (the entry for `draft`, the bundle without its verification material)
    /// and checks, as a verifier will, that the entry Rekor answers with is included and
    /// records exactly this signature, certificate and digest.
    fn log(
        &self,
        proposed: &serde_json::Value,
        signature: &[u8],
        draft: &Bundle,
        artifact_sha256: [u8; 32],
    ) -> Result<VerificationMaterial, KeylessError> {
        let timestamps = self.timestamp(signature)?;
        let entry = self.rekor.create_entry(proposed)?;
        let verified = verify_entry(&entry, &self.root, true, now())?;
        let signed = Signed {
            bundle: draft,
            artifact_sha256,
            verifier_der: self.leaf.der.clone(),
        };
        let kind = &entry.kind_version;
        entry_body::check(&kind.kind, &kind.version, &verified.body, &signed)
            .map_err(|_| KeylessError::WrongEntry)?;
        if let Some(t) = verified.integrated_time
            && !self.leaf.valid_at(t)
        {
            return Err(KeylessError::OutsideValidity(t));
        }
        Ok(VerificationMaterial {
            certificate: Some(X509Certificate {
                raw_bytes: B64.encode(&self.leaf.der),
            }),
            tlog_entries: vec![entry],
            timestamp_verification_data: timestamps,
            ..Default::default()
        })
    }

    /// Signs and logs the file at `path`.
    pub(crate) fn sign_blob(&self, path: &Path) -> Result<(Bundle, [u8; 32]), KeylessError> {
        let (signature, sha256) =
            message_signature(path, &self.key).map_err(|source| KeylessError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let raw = B64.decode(&signature.signature).expect("we encoded it");
        let draft = bundle(VerificationMaterial::default(), Some(signature), None);
        let proposed = rekor::hashedrekord(&sha256, &raw, &self.leaf_pem);
        let material = self.log(&proposed, &raw, &draft, sha256)?;
        Ok((
            Bundle {
                verification_material: material,
                ..draft
            },
            sha256,
        ))
    }

    /// Signs `statement` in a DSSE envelope and logs it.
    pub(crate) fn sign_statement(&self, statement: &Statement) -> Result<Bundle, KeylessError> {
        let envelope: Envelope = dsse_envelope(statement, &self.key);
        let sig = B64
            .decode(&envelope.signatures[0].sig)
            .expect("we encoded it");
        let draft = bundle(VerificationMaterial::default(), None, Some(envelope));
        let proposed = rekor::dsse(
            draft.dsse_envelope.as_ref().expect("just set"),
            &self.leaf_pem,
        );
        let material = self.log(&proposed, &sig, &draft, [0; 32])?;
        Ok(Bundle {
            verification_material: material,
            ..draft
        })
    }
}
