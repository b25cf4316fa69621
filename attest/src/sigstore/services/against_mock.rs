//! Tests: the Rekor client against a Rekor nobody here wrote (@sigstore/mock, served on 127.0.0.1 by
//! tests/tools/node/mock-sigstore.mjs): entries it returns convert to bundle entries whose SET,
//! inclusion proof and checkpoint verify against the instance's trusted root — and a tampered
//! entry does not. (The mock accepts any proposed entry, so refusals are tested in the http
//! module against a scripted server instead.)

use crate::digest::Digests;
use crate::sigstore::bundle::{
    Bundle, HashOutput, MEDIA_TYPE_V03, MessageSignature, VerificationMaterial,
};
use crate::sigstore::bundle::{Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE, pae};
use crate::sigstore::keys::SigningKey;
use crate::sigstore::services::rekor::{self, Rekor};
use crate::sigstore::trust::TrustedRoot;
use crate::sigstore::verify::entry_body::{self, Signed};
use crate::sigstore::verify::{TlogError, verify_entry};
use cra_mock_sigstore::MockSigstore;

/// The instance and its trusted root, read.
fn mock() -> (MockSigstore, TrustedRoot) {
    let m = MockSigstore::start();
    let root = TrustedRoot::from_json(&std::fs::read(&m.trusted_root).unwrap()).unwrap();
    (m, root)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn hashedrekord_and_dsse_entries_from_a_real_rekor_implementation_verify() {
    let (m, root) = mock();
    let rekor = Rekor::new(&m.url);
    let key = SigningKey::generate_p256();
    let public_pem = key.public_key().to_pem();

    let artifact = b"firmware image";
    let digests = Digests::of_bytes(artifact);
    let signature = key.sign(artifact);
    let proposed = rekor::hashedrekord(&digests.sha256, &signature, &public_pem);
    let entry = rekor.create_entry(&proposed).unwrap();
    assert_eq!(entry.kind_version.kind, "hashedrekord");
    let verified = verify_entry(&entry, &root, true, now()).unwrap();
    let message = MessageSignature {
        message_digest: Some(HashOutput {
            algorithm: "SHA2_256".into(),
            digest: base64_encode(&digests.sha256),
        }),
        signature: base64_encode(&signature),
    };
    let records = |body: &[u8], message: Option<MessageSignature>, envelope: Option<Envelope>| {
        let bundle = Bundle {
            media_type: MEDIA_TYPE_V03.into(),
            verification_material: VerificationMaterial::default(),
            message_signature: message,
            dsse_envelope: envelope,
        };
        let signed = Signed {
            bundle: &bundle,
            artifact_sha256: digests.sha256,
            verifier_der: key.public_key().to_der(),
        };
        let kind = &entry_kind(body);
        entry_body::check(&kind.0, &kind.1, body, &signed).is_ok()
    };
    assert!(
        records(&verified.body, Some(message.clone()), None),
        "the log recorded what was sent"
    );
    let body: serde_json::Value = serde_json::from_slice(&verified.body).unwrap();
    assert_eq!(body["spec"]["data"]["hash"]["value"], digests.sha256_hex());

    // Any change to what the log signed breaks verification.
    let mut forged = entry.clone();
    forged.integrated_time -= 1;
    assert_eq!(
        verify_entry(&forged, &root, true, now()),
        Err(TlogError::BadSet)
    );
    let mut forged = entry.clone();
    forged.log_index += 1;
    assert_eq!(
        verify_entry(&forged, &root, true, now()),
        Err(TlogError::BadSet)
    );

    let statement = serde_json::json!({ "_type": crate::evidence::intoto::STATEMENT_V1 });
    let payload = &serde_json::to_vec(&statement).unwrap()[..];
    let envelope = Envelope {
        payload: base64_encode(payload),
        payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
        signatures: vec![EnvelopeSignature {
            sig: base64_encode(&key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, payload))),
            keyid: String::new(),
        }],
    };
    let proposed = rekor::dsse(&envelope, &public_pem);
    let entry = rekor.create_entry(&proposed).unwrap();
    assert_eq!(entry.kind_version.kind, "dsse");
    let verified = verify_entry(&entry, &root, true, now()).unwrap();
    assert!(records(&verified.body, None, Some(envelope.clone())));
    // The entry does not record another bundle's content.
    assert!(!records(&verified.body, Some(message), None));
    let mut other = envelope;
    other.signatures[0].sig = base64_encode(b"another signature");
    assert!(!records(&verified.body, None, Some(other)));
}

/// An entry body's kind and API version.
fn entry_kind(body: &[u8]) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    (
        v["kind"].as_str().unwrap().to_string(),
        v["apiVersion"].as_str().unwrap().to_string(),
    )
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
