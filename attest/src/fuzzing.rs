//! Entry points for the fuzz targets under `fuzz/` and for replaying their corpora in
//! `cargo test` (on stable). Each takes arbitrary bytes and panics only on a bug: a crash, an
//! unbounded allocation, or a property that must hold for every input.

use crate::evidence::cyclonedx::Bom;
use crate::sigstore::keys::SigningKey;
use crate::sigstore::trust::TrustedRoot;
use crate::sigstore::verify::{Artifact, Matcher, Policy, verify_bundle};

/// The key the seed bundles were signed with (its private half was discarded).
pub const BUNDLE_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEsXVnYrWyvzMGPQF/wZw63ZPYbEvZ
8ih2qKFda1xFwnmYRJvQzVhHW/0UVY9wBehvHFERW6o0uNCR0enNkvamhg==
-----END PUBLIC KEY-----
";

/// The artefact the seed bundles sign.
pub const BUNDLE_ARTIFACT: &[u8] = b"fuzz";

/// The password of the seed keys.
pub const KEY_PASSWORD: &[u8] = b"fuzz";

/// A Sigstore bundle, verified offline against a fixed artefact, key or identity, and the
/// public-good trusted root, at a fixed time — the path `cargo cra verify` takes. A bundle
/// that verifies must name the fixed key or a certificate (nothing else can pass).
pub fn bundle(data: &[u8]) {
    let artifact = Artifact {
        sha256: crate::digest::sha256(BUNDLE_ARTIFACT),
        bytes: Some(BUNDLE_ARTIFACT.to_vec()),
    };
    let root = TrustedRoot::public_good();
    let now = 1_780_000_000;
    let key =
        crate::sigstore::algorithm::VerifyingKey::from_pem(BUNDLE_KEY).expect("the fixed key");
    let by_key = Policy::Key(key);
    if let Err(e) = verify_bundle(data, &artifact, &by_key, &root, now) {
        assert_one_line(&e.to_string());
    }
    let by_identity = Policy::Identity {
        identity: Matcher::regex(".*").expect("a regex"),
        issuer: Matcher::regex(".*").expect("a regex"),
    };
    if let Err(e) = verify_bundle(data, &artifact, &by_identity, &root, now) {
        assert_one_line(&e.to_string());
    }
}

/// A cosign encrypted private key, decrypted with the seed password: a key that decrypts
/// must sign what its public key verifies.
pub fn cosign_key(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match SigningKey::from_encrypted_pem(text, KEY_PASSWORD) {
        Ok(key) => {
            let sig = key.sign(b"m");
            assert!(key.public_key().verify(b"m", &sig).is_ok());
        }
        Err(e) => assert_one_line(&e.to_string()),
    }
}

/// A trusted root: parsed, and every key in it read.
pub fn trusted_root(data: &[u8]) {
    match TrustedRoot::from_json(data) {
        Ok(root) => {
            for log in root.tlogs.iter().chain(&root.ctlogs) {
                if let Err(e) = log.key() {
                    assert_one_line(&e.to_string());
                }
                let _ = log.valid_at(0);
            }
        }
        Err(e) => assert_one_line(&e.to_string()),
    }
}

/// A CycloneDX document, as the composer reads an app's SBOM: what parses writes back to
/// the same document.
pub fn sbom(data: &[u8]) {
    let Ok(bom) = serde_json::from_slice::<Bom>(data) else {
        return;
    };
    let again: Bom = serde_json::from_slice(&bom.to_json_pretty()).expect("our own output parses");
    assert_eq!(
        again, bom,
        "a document survives being written and read again"
    );
}

fn assert_one_line(message: &str) {
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "an error must be one line: {message:?}"
    );
}
