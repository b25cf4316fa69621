//! The Rekor client against a Rekor nobody here wrote (@sigstore/mock, served on 127.0.0.1 by
//! tests/tools/node/mock-sigstore.mjs): entries it returns convert to bundle entries whose SET,
//! inclusion proof and checkpoint verify against the instance's trusted root — and a tampered
//! entry does not. (The mock accepts any proposed entry, so refusals are tested in the http
//! module against a scripted server instead.)

use cra_attest::digest::Digests;
use cra_attest::sigstore::bundle::{Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE, pae};
use cra_attest::sigstore::keys::SigningKey;
use cra_attest::sigstore::services::rekor::{self, Rekor};
use cra_attest::sigstore::trust::TrustedRoot;
use cra_attest::sigstore::verify::tlog::{TlogError, verify_entry};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct MockSigstore {
    child: Child,
    url: String,
    root: TrustedRoot,
    _dir: tempfile::TempDir,
}

impl Drop for MockSigstore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mock() -> MockSigstore {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tools/node");
    assert!(
        tools.join("node_modules/@sigstore/mock").exists(),
        "@sigstore/mock is not installed: run `bash tests/run`, which installs it"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new("node")
        .arg(tools.join("mock-sigstore.mjs"))
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node is installed (tests/run installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = serde_json::from_str::<serde_json::Value>(&line)
        .unwrap_or_else(|e| panic!("{line:?}: {e}"))["url"]
        .as_str()
        .unwrap()
        .to_string();
    let root =
        TrustedRoot::from_json(&std::fs::read(dir.path().join("trusted_root.json")).unwrap())
            .unwrap();
    MockSigstore {
        child,
        url,
        root,
        _dir: dir,
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn hashedrekord_and_dsse_entries_from_a_real_rekor_implementation_verify() {
    let m = mock();
    let rekor = Rekor::new(&m.url);
    let key = SigningKey::generate_p256();
    let public_pem = key.public_key().to_pem();

    let artifact = b"firmware image";
    let digests = Digests::of_bytes(artifact);
    let proposed = rekor::hashedrekord(&digests.sha256, &key.sign(artifact), &public_pem);
    let entry = rekor.create_entry(&proposed).unwrap();
    assert_eq!(entry.kind_version.kind, "hashedrekord");
    let verified = verify_entry(&entry, &m.root, true, now()).unwrap();
    assert!(
        rekor::body_matches(&verified.body, &proposed),
        "the log recorded what was sent"
    );
    let body: serde_json::Value = serde_json::from_slice(&verified.body).unwrap();
    assert_eq!(body["spec"]["data"]["hash"]["value"], digests.sha256_hex());

    // Any change to what the log signed breaks verification.
    let mut forged = entry.clone();
    forged.integrated_time -= 1;
    assert_eq!(
        verify_entry(&forged, &m.root, true, now()),
        Err(TlogError::BadSet)
    );
    let mut forged = entry.clone();
    forged.log_index += 1;
    assert_eq!(
        verify_entry(&forged, &m.root, true, now()),
        Err(TlogError::BadSet)
    );

    let payload = br#"{"_type":"https://in-toto.io/Statement/v1"}"#;
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
    let verified = verify_entry(&entry, &m.root, true, now()).unwrap();
    assert!(rekor::body_matches(&verified.body, &proposed));
    assert!(!rekor::body_matches(
        &verified.body,
        &rekor::hashedrekord(&digests.sha256, b"x", &public_pem)
    ));
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
