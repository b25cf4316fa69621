//! Signing blobs and in-toto statements into Sigstore bundle v0.3, with a managed key or
//! keyless ([`crate::sigstore::sign::keyless`]).
//!
//! Key-based bundles carry the key's hint and no transparency-log entry (the air-gapped
//! factory case); the verifier is given the public key.

pub mod keyless;
mod parts;

use crate::evidence::intoto::Statement;
use crate::sigstore::bundle::{Bundle, PublicKeyIdentifier, VerificationMaterial};
use crate::sigstore::keys::SigningKey;
use crate::sigstore::sign::keyless::{KeylessError, KeylessSigner};
use parts::{bundle, dsse_envelope, message_signature};
use std::io;
use std::path::Path;

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Reading the artefact failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The artefact.
        path: std::path::PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Keyless signing failed.
    #[error(transparent)]
    Keyless(#[from] KeylessError),
}

/// Who signs: a managed key, or a keyless identity.
// One signer exists per run; boxing the key to even out the variants would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Signer {
    /// A cosign-format key.
    Key(SigningKey),
    /// An OIDC identity certified by Fulcio, logged in Rekor.
    Keyless(KeylessSigner),
}

impl Signer {
    /// Signs the file at `path`; returns the bundle and the file's SHA-256 (the digest signed).
    pub fn sign_blob(&self, path: &Path) -> Result<(Bundle, [u8; 32]), SignError> {
        match self {
            Signer::Key(key) => {
                let (signature, sha256) =
                    message_signature(path, key).map_err(|source| SignError::Io {
                        path: path.to_path_buf(),
                        source,
                    })?;
                Ok((bundle(key_material(key), Some(signature), None), sha256))
            }
            Signer::Keyless(k) => Ok(k.sign_blob(path)?),
        }
    }

    /// Signs `statement` in a DSSE envelope (`application/vnd.in-toto+json`).
    pub fn sign_statement(&self, statement: &Statement) -> Result<Bundle, SignError> {
        match self {
            Signer::Key(key) => Ok(bundle(
                key_material(key),
                None,
                Some(dsse_envelope(statement, key)),
            )),
            Signer::Keyless(k) => Ok(k.sign_statement(statement)?),
        }
    }
}

fn key_material(key: &SigningKey) -> VerificationMaterial {
    VerificationMaterial {
        public_key: Some(PublicKeyIdentifier {
            hint: key.public_key().hint(),
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digests;
    use crate::evidence::intoto::Subject;
    use crate::sigstore::bundle::{MEDIA_TYPE_V03, pae};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;

    #[test]
    fn blob_signature_verifies_over_the_file_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("artifact");
        std::fs::write(&file, b"firmware bytes").unwrap();
        for key in [
            SigningKey::generate_p256(),
            SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32])),
        ] {
            let public = key.public_key();
            let (bundle, digest) = Signer::Key(key).sign_blob(&file).unwrap();
            assert_eq!(digest, Digests::of_bytes(b"firmware bytes").sha256);
            let sig = B64
                .decode(&bundle.message_signature.as_ref().unwrap().signature)
                .unwrap();
            public.verify(b"firmware bytes", &sig).unwrap();
            assert!(public.verify(b"firmware byteS", &sig).is_err());
            assert_eq!(bundle.media_type, MEDIA_TYPE_V03);
            let json: serde_json::Value = serde_json::from_slice(&bundle.to_json_pretty()).unwrap();
            assert_eq!(
                json["verificationMaterial"]["tlogEntries"],
                serde_json::json!([])
            );
            assert_eq!(
                json["verificationMaterial"]["publicKey"]["hint"],
                public.hint()
            );
        }
    }

    #[test]
    fn dsse_signature_is_over_the_pae() {
        let key = SigningKey::generate_p256();
        let public = key.public_key();
        let st = Statement::new(
            vec![Subject::new("a", &Digests::of_bytes(b"a"))],
            "https://example.com/p",
            serde_json::json!({"k": 1}),
        );
        let bundle = Signer::Key(key).sign_statement(&st).unwrap();
        let env = bundle.dsse_envelope.unwrap();
        let payload = B64.decode(&env.payload).unwrap();
        assert_eq!(serde_json::from_slice::<Statement>(&payload).unwrap(), st);
        let sig = B64.decode(&env.signatures[0].sig).unwrap();
        public
            .verify(&pae(&env.payload_type, &payload), &sig)
            .unwrap();
        assert!(
            public.verify(&payload, &sig).is_err(),
            "not over the bare payload"
        );
    }
}
