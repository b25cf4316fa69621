//! Keyless signing end to end on 127.0.0.1, against a Sigstore instance nobody here wrote
//! (@sigstore/mock: Fulcio, Rekor), checked by sigstore-js.
//!
//! What the mock does and does not cover: it does not check OIDC token signatures (the tests
//! send unsigned CI-style tokens without an `email` claim), and its Rekor does not canonicalise
//! DSSE entries the way production Rekor does, so third-party verifiers reject the log body of
//! keyless DSSE bundles from it ("signature count mismatch"). Keyless blob bundles are therefore
//! verified with sigstore-js and sigstore-python (`--offline`); keyless DSSE bundles with
//! cra-attest's own chain, SCT and transparency-log checks plus the envelope signature.

use crate::common;

use base64::Engine as _;
use common::*;
use cra_attest::sigstore::bundle::{Bundle, pae};
use cra_attest::sigstore::keys::PublicKey;
use cra_attest::sigstore::trust::TrustedRoot;
use cra_attest::sigstore::verify::{Cert, verify_chain, verify_embedded_scts, verify_entry};
use std::path::Path;

const IDENTITY: &str = "https://ci.example.com/acme/gateway/.ci/release.yml@refs/heads/main";

fn cra_in(dir: &Path, args: &[String]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_cra(dir, &args, &[])
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// cra-attest's own checks of a keyless bundle: certificate chain and SCT, log entry, and the
/// signature under the certificate's key.
fn check_keyless_dsse(bundle_path: &Path, root_path: &Path) {
    let bundle: Bundle = serde_json::from_slice(&std::fs::read(bundle_path).unwrap()).unwrap();
    let root = TrustedRoot::from_json(&std::fs::read(root_path).unwrap()).unwrap();
    let leaf = Cert::from_b64(
        &bundle
            .verification_material
            .certificate
            .as_ref()
            .unwrap()
            .raw_bytes,
    )
    .unwrap();
    let entry = &bundle.verification_material.tlog_entries[0];
    assert_eq!(entry.kind_version.kind, "dsse");
    let verified = verify_entry(entry, &root, true, now()).unwrap();
    let chain = verify_chain(&leaf, &root, verified.integrated_time.unwrap()).unwrap();
    verify_embedded_scts(&leaf, &chain[0], &root).unwrap();
    assert_eq!(leaf.subject_alt_names(), [IDENTITY]);
    assert_eq!(leaf.oidc_issuer().as_deref(), Some(TEST_ISSUER));
    let env = bundle.dsse_envelope.unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = b64.decode(&env.payload).unwrap();
    let key = PublicKey::from_der(&leaf.spki_der()).unwrap();
    key.verify(
        &pae(&env.payload_type, &payload),
        &b64.decode(&env.signatures[0].sig).unwrap(),
    )
    .unwrap();
}

#[test]
fn keyless_blob_and_attestation_bundles_verify() {
    let m = MockSigstore::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fw.bin"), b"firmware").unwrap();
    std::fs::write(dir.join("other.bin"), b"other").unwrap();
    std::fs::write(dir.join("p.json"), br#"{"k": 1}"#).unwrap();

    let mut args: Vec<String> = ["sign-blob", "fw.bin", "--bundle", "fw.sigstore.json"]
        .map(String::from)
        .into();
    args.extend(m.keyless_args(IDENTITY));
    let out = cra_in(dir, &args);
    assert!(out.status.success(), "{}", describe(&out));
    let blob = dir.join("fw.sigstore.json");
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&blob).unwrap()).unwrap();
    assert!(
        b["verificationMaterial"]["certificate"]["rawBytes"].is_string(),
        "v0.3 leaf certificate"
    );
    let entry = &b["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(entry["kindVersion"]["kind"], "hashedrekord");
    assert!(
        entry["inclusionProof"]["logIndex"].is_string(),
        "logIndex is written even when 0"
    );
    assert!(entry["inclusionPromise"]["signedEntryTimestamp"].is_string());
    assert!(sigstore_js_accepts_keyless(
        &m.trusted_root,
        IDENTITY,
        &blob,
        &dir.join("fw.bin")
    ));
    assert!(
        !sigstore_js_accepts_keyless(&m.trusted_root, IDENTITY, &blob, &dir.join("other.bin")),
        "other artefact"
    );
    assert!(
        !sigstore_js_accepts_keyless(
            &m.trusted_root,
            "https://ci.example.com/someone-else",
            &blob,
            &dir.join("fw.bin")
        ),
        "other identity"
    );

    let mut args: Vec<String> = [
        "attest",
        "fw.bin",
        "--predicate",
        "p.json",
        "--predicate-type",
        "https://example.com/p",
        "--bundle",
        "fw.att.json",
    ]
    .map(String::from)
    .into();
    args.extend(m.keyless_args(IDENTITY));
    let out = cra_in(dir, &args);
    assert!(out.status.success(), "{}", describe(&out));
    check_keyless_dsse(&dir.join("fw.att.json"), &m.trusted_root);
}

#[test]
fn keyless_build_signs_binary_sbom_and_provenance() {
    let m = MockSigstore::start();
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let mut args: Vec<String> = [
        "cra",
        "build",
        "-p",
        "probe",
        "--sign",
        "--message-format",
        "json",
    ]
    .map(String::from)
    .into();
    args.extend(m.keyless_args(IDENTITY));
    let out = cra_in(&dir, &args);
    assert!(out.status.success(), "{}", describe(&out));
    let report: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    let binary = Path::new(report["path"].as_str().unwrap());
    let bundles: Vec<&str> = report["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(bundles.len(), 3);
    assert!(sigstore_js_accepts_keyless(
        &m.trusted_root,
        IDENTITY,
        Path::new(bundles[0]),
        binary
    ));
    check_keyless_dsse(Path::new(bundles[1]), &m.trusted_root);
    check_keyless_dsse(Path::new(bundles[2]), &m.trusted_root);
}

#[test]
fn keyless_failures_are_one_line_and_write_nothing() {
    let m = MockSigstore::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fw.bin"), b"firmware").unwrap();
    std::fs::write(dir.join("p.json"), b"{not json").unwrap();
    let sign = |extra: Vec<String>, env: &[(&str, &str)]| {
        let mut args: Vec<String> = ["sign-blob", "fw.bin", "--bundle", "out.json", "--keyless"]
            .map(String::from)
            .into();
        args.extend(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = std::process::Command::new(cargo_cra());
        cmd.args(&args)
            .current_dir(dir)
            .env_remove("SIGSTORE_ID_TOKEN")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let root = m.trusted_root.display().to_string();
    let public_good = third_party("sigstore-bundles/public-good-trusted-root.json");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--trusted-root".into(),
                root.clone(),
                "--fulcio-url".into(),
                m.url.clone(),
            ],
            "no OIDC identity token",
        ),
        (
            vec![
                "--identity-token".into(),
                "not-a-jwt".into(),
                "--trusted-root".into(),
                root.clone(),
            ],
            "malformed",
        ),
        (
            vec![
                "--identity-token".into(),
                unsigned_jwt(IDENTITY),
                "--trusted-root".into(),
                root.clone(),
                "--signing-config".into(),
                "p.json".into(),
            ],
            "p.json",
        ),
        (
            vec![
                "--identity-token".into(),
                unsigned_jwt(IDENTITY),
                "--trusted-root".into(),
                root.clone(),
                "--fulcio-url".into(),
                "http://127.0.0.1:9".into(),
            ],
            "Fulcio",
        ),
        (
            vec![
                "--identity-token".into(),
                unsigned_jwt(IDENTITY),
                "--fulcio-url".into(),
                m.url.clone(),
                "--rekor-url".into(),
                m.url.clone(),
                "--trusted-root".into(),
                public_good.display().to_string(),
            ],
            "does not chain",
        ),
    ];
    for (extra, needle) in cases {
        let out = sign(extra, &[]);
        assert!(!out.status.success(), "{needle}: {}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        assert_eq!(err.lines().count(), 1, "{needle}: {}", describe(&out));
        assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        assert!(
            !dir.join("out.json").exists(),
            "{needle}: no bundle written"
        );
    }
    // A signing configuration chooses the services.
    let service = serde_json::json!([{ "url": m.url, "majorApiVersion": 1, "validFor": { "start": "2020-01-01T00:00:00Z" } }]);
    let config = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
        "caUrls": service, "rekorTlogUrls": service, "rekorTlogConfig": { "selector": "ANY" },
    });
    std::fs::write(dir.join("signing_config.json"), config.to_string()).unwrap();
    let ok = sign(
        vec![
            "--identity-token".into(),
            unsigned_jwt(IDENTITY),
            "--trusted-root".into(),
            root.clone(),
            "--signing-config".into(),
            "signing_config.json".into(),
        ],
        &[],
    );
    assert!(ok.status.success(), "{}", describe(&ok));
    std::fs::remove_file(dir.join("out.json")).unwrap();
    // SIGSTORE_ID_TOKEN is a token source too.
    let jwt = unsigned_jwt(IDENTITY);
    let ok = sign(
        vec![
            "--fulcio-url".into(),
            m.url.clone(),
            "--rekor-url".into(),
            m.url.clone(),
            "--trusted-root".into(),
            root,
        ],
        &[("SIGSTORE_ID_TOKEN", &jwt)],
    );
    assert!(ok.status.success(), "{}", describe(&ok));
}

#[test]
fn keyless_signatures_can_carry_a_verified_rfc3161_timestamp() {
    let m = MockSigstore::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fw.bin"), b"firmware").unwrap();
    let mut args: Vec<String> = [
        "sign-blob",
        "fw.bin",
        "--bundle",
        "fw.sigstore.json",
        "--tsa-url",
    ]
    .map(String::from)
    .into();
    args.push(format!("{}/api/v1/timestamp", m.url));
    args.extend(m.keyless_args(IDENTITY));
    let out = cra_in(dir, &args);
    assert!(out.status.success(), "{}", describe(&out));
    let blob = dir.join("fw.sigstore.json");
    let bundle: Bundle = serde_json::from_slice(&std::fs::read(&blob).unwrap()).unwrap();
    let ts = &bundle
        .verification_material
        .timestamp_verification_data
        .as_ref()
        .unwrap()
        .rfc3161_timestamps[0];
    let sig = base64::engine::general_purpose::STANDARD
        .decode(&bundle.message_signature.as_ref().unwrap().signature)
        .unwrap();
    let root = TrustedRoot::from_json(&std::fs::read(&m.trusted_root).unwrap()).unwrap();
    let time =
        cra_attest::sigstore::verify::verify_timestamp(&ts.signed_timestamp, &sig, &root).unwrap();
    assert!((time - now()).abs() < 600, "timestamp {time} is now");
    assert!(sigstore_js_accepts_keyless(
        &m.trusted_root,
        IDENTITY,
        &blob,
        &dir.join("fw.bin")
    ));
    assert!(sigstore_python_accepts(
        &m.trusted_root,
        IDENTITY,
        &blob,
        &dir.join("fw.bin")
    ));
    // The timestamp is over this signature and no other.
    assert!(
        cra_attest::sigstore::verify::verify_timestamp(
            &ts.signed_timestamp,
            b"another signature",
            &root
        )
        .is_err()
    );
}

#[test]
fn auditors_verify_a_keyless_signed_build() {
    let m = MockSigstore::start();
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let mut args: Vec<String> = ["cra", "build", "-p", "probe", "--sign"]
        .map(String::from)
        .into();
    args.extend(m.keyless_args(IDENTITY));
    let out = cra_in(&dir, &args);
    assert!(out.status.success(), "{}", describe(&out));
    let binary = dir
        .join("target/cra")
        .join(host_triple())
        .join("debug/probe");
    let root = m.trusted_root.display().to_string();
    let audit = |identity: &str| {
        run_cra(
            &dir,
            &[
                "verify",
                binary.to_str().unwrap(),
                "--trusted-root",
                &root,
                "--certificate-identity",
                identity,
                "--certificate-oidc-issuer",
                TEST_ISSUER,
            ],
            &[],
        )
    };
    let ok = audit(IDENTITY);
    assert!(ok.status.success(), "{}", describe(&ok));
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).matches("ok ").count(),
        5,
        "{}",
        describe(&ok)
    );
    let other = audit("https://ci.example.com/someone-else");
    assert!(!other.status.success());
    // Another identity: the three bundles fail, the documents still describe the binary.
    let report = String::from_utf8_lossy(&other.stdout);
    assert_eq!(report.matches("FAIL ").count(), 3, "{report}");
    assert!(report.contains("ok   SBOM subject"), "{report}");
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("identity"),
        "{}",
        describe(&other)
    );
}
