//! A bundle's parts made with a signing key — a managed key's, or keyless signing's ephemeral
//! one: the message signature over a file, the DSSE envelope of a statement, the v0.3 bundle.

use crate::digest::{sha256, sha256_of_file};
use crate::evidence::intoto::Statement;
use crate::sigstore::bundle::{
    Bundle, Envelope, EnvelopeSignature, HashOutput, IN_TOTO_PAYLOAD_TYPE, MEDIA_TYPE_V03,
    MessageSignature, VerificationMaterial, pae,
};
use crate::sigstore::keys::SigningKey;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use std::io;
use std::path::Path;

/// A v0.3 bundle from its parts.
pub(crate) fn bundle(
    material: VerificationMaterial,
    message: Option<MessageSignature>,
    dsse: Option<Envelope>,
) -> Bundle {
    Bundle {
        media_type: MEDIA_TYPE_V03.into(),
        verification_material: material,
        message_signature: message,
        dsse_envelope: dsse,
    }
}

/// Signs the file at `path`; returns the signature and the file's SHA-256. ECDSA keys sign the
/// SHA-256 computed while streaming the file (bounded memory, and only the digest that is
/// signed); Ed25519 signs the whole message, so the file is read into memory.
pub(crate) fn message_signature(
    path: &Path,
    key: &SigningKey,
) -> io::Result<(MessageSignature, [u8; 32])> {
    let (sha256, signature) = match key {
        SigningKey::P256(k) => {
            let sha256 = sha256_of_file(path)?;
            let sig: p256::ecdsa::Signature =
                p256::ecdsa::signature::hazmat::PrehashSigner::sign_prehash(k, &sha256)
                    .map_err(|e| io::Error::other(format!("signing failed: {e}")))?;
            (sha256, sig.to_der().as_bytes().to_vec())
        }
        SigningKey::Ed25519(_) => {
            let data = std::fs::read(path)?;
            (sha256(&data), key.sign(&data))
        }
    };
    let signature = MessageSignature {
        message_digest: Some(HashOutput {
            algorithm: "SHA2_256".into(),
            digest: B64.encode(sha256),
        }),
        signature: B64.encode(signature),
    };
    Ok((signature, sha256))
}

/// `statement` signed by `key` in a DSSE envelope.
pub(crate) fn dsse_envelope(statement: &Statement, key: &SigningKey) -> Envelope {
    let payload = serde_json::to_vec(statement).expect("a statement always serialises");
    let signature = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, &payload));
    Envelope {
        payload: B64.encode(&payload),
        payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
        signatures: vec![EnvelopeSignature {
            sig: B64.encode(signature),
            keyid: String::new(),
        }],
    }
}
