//! Signing with a managed key: message-signature bundles for blobs and DSSE bundles for
//! in-toto statements, as Sigstore bundle v0.3.
//!
//! Key-based bundles carry the key's hint and no transparency-log entry (the air-gapped
//! factory case); the verifier is given the public key.

use crate::bundle::{
    Bundle, Envelope, EnvelopeSignature, HashOutput, IN_TOTO_PAYLOAD_TYPE, MEDIA_TYPE_V03,
    MessageSignature, PublicKeyIdentifier, VerificationMaterial, pae,
};
use crate::digest::{Digests, Hasher};
use crate::intoto::Statement;
use crate::keys::SigningKey;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use std::io::{self, Read};
use std::path::Path;

fn key_material(key: &SigningKey) -> VerificationMaterial {
    VerificationMaterial {
        public_key: Some(PublicKeyIdentifier {
            hint: key.public_key().hint(),
        }),
        ..Default::default()
    }
}

/// Signs the file at `path`. ECDSA keys sign the SHA-256 digest computed while streaming the
/// file (bounded memory); Ed25519 signs the whole message, so the file is read into memory.
/// Returns the bundle and the file's digests.
pub fn sign_blob(path: &Path, key: &SigningKey) -> io::Result<(Bundle, Digests)> {
    let (digests, signature) = match key {
        SigningKey::P256(k) => {
            let digests = Digests::of_file(path)?;
            let sig: p256::ecdsa::Signature =
                p256::ecdsa::signature::hazmat::PrehashSigner::sign_prehash(k, &digests.sha256)
                    .map_err(|e| io::Error::other(format!("signing failed: {e}")))?;
            (digests, sig.to_der().as_bytes().to_vec())
        }
        SigningKey::Ed25519(_) => {
            let mut data = Vec::new();
            std::fs::File::open(path)?.read_to_end(&mut data)?;
            let mut h = Hasher::default();
            h.update(&data);
            (h.finish(), key.sign(&data))
        }
    };
    let bundle = Bundle {
        media_type: MEDIA_TYPE_V03.into(),
        verification_material: key_material(key),
        message_signature: Some(MessageSignature {
            message_digest: Some(HashOutput {
                algorithm: "SHA2_256".into(),
                digest: B64.encode(digests.sha256),
            }),
            signature: B64.encode(signature),
        }),
        dsse_envelope: None,
    };
    Ok((bundle, digests))
}

/// Signs `statement` in a DSSE envelope (`application/vnd.in-toto+json`).
pub fn sign_statement(statement: &Statement, key: &SigningKey) -> Bundle {
    let payload = serde_json::to_vec(statement).expect("a statement always serialises");
    let signature = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, &payload));
    Bundle {
        media_type: MEDIA_TYPE_V03.into(),
        verification_material: key_material(key),
        message_signature: None,
        dsse_envelope: Some(Envelope {
            payload: B64.encode(&payload),
            payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
            signatures: vec![EnvelopeSignature {
                sig: B64.encode(signature),
                keyid: String::new(),
            }],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intoto::Subject;

    #[test]
    fn blob_signature_verifies_over_the_file_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("artifact");
        std::fs::write(&file, b"firmware bytes").unwrap();
        for key in [
            SigningKey::generate_p256(),
            SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32])),
        ] {
            let (bundle, digests) = sign_blob(&file, &key).unwrap();
            assert_eq!(digests, Digests::of_bytes(b"firmware bytes"));
            let sig = B64
                .decode(&bundle.message_signature.as_ref().unwrap().signature)
                .unwrap();
            key.public_key().verify(b"firmware bytes", &sig).unwrap();
            assert!(key.public_key().verify(b"firmware byteS", &sig).is_err());
            assert_eq!(bundle.media_type, MEDIA_TYPE_V03);
            let json: serde_json::Value = serde_json::from_slice(&bundle.to_json_pretty()).unwrap();
            assert_eq!(
                json["verificationMaterial"]["tlogEntries"],
                serde_json::json!([])
            );
            assert_eq!(
                json["verificationMaterial"]["publicKey"]["hint"],
                key.public_key().hint()
            );
        }
    }

    #[test]
    fn dsse_signature_is_over_the_pae() {
        let key = SigningKey::generate_p256();
        let st = Statement::new(
            vec![Subject::new("a", &Digests::of_bytes(b"a"))],
            "https://example.com/p",
            serde_json::json!({"k": 1}),
        );
        let bundle = sign_statement(&st, &key);
        let env = bundle.dsse_envelope.unwrap();
        let payload = B64.decode(&env.payload).unwrap();
        assert_eq!(serde_json::from_slice::<Statement>(&payload).unwrap(), st);
        let sig = B64.decode(&env.signatures[0].sig).unwrap();
        key.public_key()
            .verify(&pae(&env.payload_type, &payload), &sig)
            .unwrap();
        assert!(
            key.public_key().verify(&payload, &sig).is_err(),
            "not over the bare payload"
        );
    }
}
