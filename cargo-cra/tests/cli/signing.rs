//! `cargo cra keygen`, `public-key`, `sign-blob` and `attest` with keys, checked by a verifier
//! nobody here wrote: @sigstore/verify (sigstore-js), installed by `tests/run`.

use crate::common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// cosign-written keys (see tests/fixtures/third-party/cosign-keys/README.md).
fn cosign_fixture(name: &str) -> PathBuf {
    third_party(&format!("cosign-keys/{name}"))
}

fn cra(dir: &Path, args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = Command::new(cargo_cra());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CRA_PASSWORD")
        .env_remove("COSIGN_PASSWORD")
        .stdin(std::process::Stdio::null());
    if let Some(p) = password {
        cmd.env("CRA_PASSWORD", p);
    }
    cmd.output().unwrap()
}

fn assert_one_line_failure(out: &Output, needle: &str) {
    assert!(!out.status.success(), "{}", describe(out));
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(err.lines().count(), 1, "{}", describe(out));
    assert!(
        err.starts_with("error: ") && err.contains(needle),
        "{err:?} should mention {needle:?}"
    );
}

struct Work {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

fn work() -> Work {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::write(
        dir.join("firmware.bin"),
        b"\x7fELF pretend firmware image\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tampered.bin"),
        b"\x7fELF pretend firmware imagE\n",
    )
    .unwrap();
    std::fs::write(dir.join("predicate.json"), br#"{"note": "a predicate"}"#).unwrap();
    Work { _tmp: tmp, dir }
}

#[test]
fn keygen_writes_a_cosign_key_pair_and_refuses_to_overwrite() {
    use std::os::unix::fs::PermissionsExt;
    let w = work();
    let out = cra(
        &w.dir,
        &["keygen", "--output-key-prefix", "release"],
        Some("pw"),
    );
    assert!(out.status.success(), "{}", describe(&out));
    let key = std::fs::read_to_string(w.dir.join("release.key")).unwrap();
    assert!(
        key.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"),
        "{key}"
    );
    let public = std::fs::read_to_string(w.dir.join("release.pub")).unwrap();
    assert!(
        public.starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{public}"
    );
    let mode = std::fs::metadata(w.dir.join("release.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    // The password is not in the key file, in any form we can spot.
    assert!(!key.contains("pw\""));

    let again = cra(
        &w.dir,
        &["keygen", "--output-key-prefix", "release"],
        Some("pw"),
    );
    assert_one_line_failure(&again, "already exists; pass --force");
    assert_eq!(
        std::fs::read_to_string(w.dir.join("release.key")).unwrap(),
        key,
        "old key kept"
    );
    // A dangling link in the public key's place counts as taken: no new private key appears.
    std::os::unix::fs::symlink("/nonexistent", w.dir.join("linked.pub")).unwrap();
    let taken = cra(
        &w.dir,
        &["keygen", "--output-key-prefix", "linked"],
        Some("pw"),
    );
    assert_one_line_failure(&taken, "already exists; pass --force");
    assert!(!w.dir.join("linked.key").exists());
    let forced = cra(
        &w.dir,
        &["keygen", "--output-key-prefix", "release", "--force"],
        Some("pw"),
    );
    assert!(forced.status.success(), "{}", describe(&forced));
    assert_ne!(
        std::fs::read_to_string(w.dir.join("release.key")).unwrap(),
        key
    );
}

#[test]
fn blob_and_attestation_bundles_verify_with_sigstore_js() {
    let w = work();
    assert!(cra(&w.dir, &["keygen"], Some("pw")).status.success());
    let out = cra(
        &w.dir,
        &[
            "sign-blob",
            "firmware.bin",
            "--key",
            "cosign.key",
            "--bundle",
            "firmware.sigstore.json",
        ],
        Some("pw"),
    );
    assert!(out.status.success(), "{}", describe(&out));
    let bundle: Value =
        serde_json::from_slice(&std::fs::read(w.dir.join("firmware.sigstore.json")).unwrap())
            .unwrap();
    assert_eq!(
        bundle["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert!(bundle["verificationMaterial"]["publicKey"]["hint"].is_string());

    let (public, blob) = (
        w.dir.join("cosign.pub"),
        w.dir.join("firmware.sigstore.json"),
    );
    assert!(sigstore_js_accepts(
        &public,
        &blob,
        &w.dir.join("firmware.bin")
    ));
    assert!(
        !sigstore_js_accepts(&public, &blob, &w.dir.join("tampered.bin")),
        "tampered artefact"
    );

    let out = cra(
        &w.dir,
        &[
            "attest",
            "firmware.bin",
            "--predicate",
            "predicate.json",
            "--predicate-type",
            "https://example.com/predicate/v1",
            "--key",
            "cosign.key",
            "--bundle",
            "firmware.att.json",
        ],
        Some("pw"),
    );
    assert!(out.status.success(), "{}", describe(&out));
    let att = w.dir.join("firmware.att.json");
    assert!(sigstore_js_accepts(
        &public,
        &att,
        &w.dir.join("firmware.bin")
    ));
    assert!(
        !sigstore_js_accepts(&public, &att, &w.dir.join("tampered.bin")),
        "subject mismatch"
    );

    // The statement names the file with both digests.
    let bundle: Value = serde_json::from_slice(&std::fs::read(&att).unwrap()).unwrap();
    assert_eq!(
        bundle["dsseEnvelope"]["payloadType"],
        "application/vnd.in-toto+json"
    );
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let statement: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["predicateType"],
        "https://example.com/predicate/v1"
    );
    assert_eq!(statement["predicate"]["note"], "a predicate");
    assert_eq!(statement["subject"][0]["name"], "firmware.bin");
    assert_eq!(
        statement["subject"][0]["digest"]["sha512"]
            .as_str()
            .unwrap()
            .len(),
        128
    );

    // A tampered payload (the statement changed after signing) is rejected.
    let mut forged = bundle.clone();
    let changed = String::from_utf8(payload)
        .unwrap()
        .replace("a predicate", "b predicate");
    forged["dsseEnvelope"]["payload"] =
        Value::from(base64::engine::general_purpose::STANDARD.encode(changed));
    let forged_path = w.dir.join("forged.json");
    std::fs::write(&forged_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    assert!(
        !sigstore_js_accepts(&public, &forged_path, &w.dir.join("firmware.bin")),
        "tampered payload"
    );

    // Another key does not verify it.
    assert!(
        cra(
            &w.dir,
            &["keygen", "--output-key-prefix", "other"],
            Some("pw")
        )
        .status
        .success()
    );
    assert!(
        !sigstore_js_accepts(&w.dir.join("other.pub"), &blob, &w.dir.join("firmware.bin")),
        "wrong key"
    );
}

/// OpenSSL's verdict on a raw Ed25519 signature over `artifact` (sigstore-js cannot verify
/// Ed25519 message signatures: it always passes a digest name to Node's crypto.verify, which
/// Ed25519 keys refuse).
fn openssl_ed25519_accepts(public_key: &Path, bundle: &Path, artifact: &Path) -> bool {
    use base64::Engine as _;
    let b: Value = serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    let sig = base64::engine::general_purpose::STANDARD
        .decode(b["messageSignature"]["signature"].as_str().unwrap())
        .unwrap();
    let sig_file = bundle.with_extension("sig");
    std::fs::write(&sig_file, sig).unwrap();
    let out = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-rawin", "-inkey"])
        .arg(public_key)
        .arg("-in")
        .arg(artifact)
        .arg("-sigfile")
        .arg(&sig_file)
        .output()
        .expect("openssl is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    match (
        out.status.success(),
        text.contains("Signature Verified Successfully"),
    ) {
        (true, true) => true,
        (false, false) => false,
        _ => panic!("unexpected openssl output:\n{}", describe(&out)),
    }
}

#[test]
fn cosign_written_keys_sign_and_verify() {
    let w = work();
    for (file, password, ed25519) in [
        ("cosign-empty-password.key", "", false),
        ("cosign-password-123.key", "123", false),
        ("ed25519-password-123.key", "123", true),
    ] {
        let key = cosign_fixture(file);
        let key = key.to_str().unwrap();
        let public = w.dir.join(format!("{file}.pub"));
        let out = cra(
            &w.dir,
            &[
                "public-key",
                "--key",
                key,
                "--output-file",
                public.to_str().unwrap(),
            ],
            Some(password),
        );
        assert!(out.status.success(), "{file}: {}", describe(&out));
        let blob = w.dir.join(format!("{file}.sigstore.json"));
        let out = cra(
            &w.dir,
            &[
                "sign-blob",
                "firmware.bin",
                "--key",
                key,
                "--bundle",
                blob.to_str().unwrap(),
            ],
            Some(password),
        );
        assert!(out.status.success(), "{file}: {}", describe(&out));
        let (good, bad) = (w.dir.join("firmware.bin"), w.dir.join("tampered.bin"));
        if ed25519 {
            assert!(openssl_ed25519_accepts(&public, &blob, &good), "{file}");
            assert!(!openssl_ed25519_accepts(&public, &blob, &bad), "{file}");
        } else {
            assert!(sigstore_js_accepts(&public, &blob, &good), "{file}");
            assert!(!sigstore_js_accepts(&public, &blob, &bad), "{file}");
        }
        let att = w.dir.join(format!("{file}.att.json"));
        let out = cra(
            &w.dir,
            &[
                "attest",
                "firmware.bin",
                "--predicate",
                "predicate.json",
                "--predicate-type",
                "https://example.com/p",
                "--key",
                key,
                "--bundle",
                att.to_str().unwrap(),
            ],
            Some(password),
        );
        assert!(out.status.success(), "{file}: {}", describe(&out));
        assert!(sigstore_js_accepts(&public, &att, &good), "{file}");
        assert!(!sigstore_js_accepts(&public, &att, &bad), "{file}");
    }
}

#[test]
fn bad_input_gets_one_line_and_writes_nothing() {
    let w = work();
    let key = cosign_fixture("cosign-password-123.key");
    let key = key.to_str().unwrap();
    let sign = |password: Option<&str>, file: &str, key: &str| {
        cra(
            &w.dir,
            &["sign-blob", file, "--key", key, "--bundle", "out.json"],
            password,
        )
    };
    assert_one_line_failure(&sign(Some("124"), "firmware.bin", key), "wrong password");
    assert_one_line_failure(
        &sign(None, "firmware.bin", key),
        "set CRA_PASSWORD or COSIGN_PASSWORD",
    );
    assert_one_line_failure(&sign(Some("123"), "missing.bin", key), "missing.bin");
    assert_one_line_failure(
        &sign(Some("123"), "firmware.bin", "predicate.json"),
        "not a cosign key",
    );
    assert_one_line_failure(&sign(Some("123"), "firmware.bin", "nokey.key"), "nokey.key");
    let out = cra(
        &w.dir,
        &["sign-blob", "firmware.bin", "--bundle", "out.json"],
        Some("123"),
    );
    assert_one_line_failure(&out, "--key KEY or --keyless");
    std::fs::write(w.dir.join("bad.json"), b"{not json").unwrap();
    let out = cra(
        &w.dir,
        &[
            "attest",
            "firmware.bin",
            "--predicate",
            "bad.json",
            "--predicate-type",
            "x",
            "--key",
            key,
            "--bundle",
            "out.json",
        ],
        Some("123"),
    );
    assert_one_line_failure(&out, "bad.json: the predicate is not JSON");
    assert!(!w.dir.join("out.json").exists(), "no bundle was written");
    let leftovers: Vec<_> = std::fs::read_dir(&w.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cra-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn keygen_force_writes_both_files_or_neither() {
    let w = work();
    assert!(cra(&w.dir, &["keygen"], Some("pw")).status.success());
    let old_key = std::fs::read(w.dir.join("cosign.key")).unwrap();
    // The public key's name is taken by a directory: the pair cannot be written.
    std::fs::remove_file(w.dir.join("cosign.pub")).unwrap();
    std::fs::create_dir(w.dir.join("cosign.pub")).unwrap();
    std::fs::write(w.dir.join("cosign.pub/keep"), b"").unwrap();
    let out = cra(&w.dir, &["keygen", "--force"], Some("pw"));
    assert_one_line_failure(&out, "cosign.pub");
    assert_eq!(
        std::fs::read(w.dir.join("cosign.key")).unwrap(),
        old_key,
        "the old private key is kept, not replaced by one without its public key"
    );
    let stray: Vec<String> = std::fs::read_dir(&w.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".cra-"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn a_key_file_asking_for_terabytes_of_scrypt_memory_is_one_line() {
    let w = work();
    let pem = std::fs::read_to_string(cosign_fixture("cosign-password-123.key")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut json: serde_json::Value = serde_json::from_slice(&b64.decode(&body).unwrap()).unwrap();
    json["kdf"]["params"]["r"] = serde_json::json!(1 << 20);
    let encoded = b64.encode(serde_json::to_vec(&json).unwrap());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let hostile = format!(
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n{}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
        lines.join("\n")
    );
    std::fs::write(w.dir.join("hostile.key"), hostile).unwrap();
    let out = cra(&w.dir, &["public-key", "--key", "hostile.key"], Some("123"));
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_one_line_failure(&out, "scrypt cost");
}

#[test]
fn the_bundle_option_is_listed_as_output_not_as_keyless_signing() {
    for command in ["sign-blob", "attest"] {
        let out = run_cra(Path::new("."), &["cra", command, "--help"], &[]);
        assert!(out.status.success(), "{}", describe(&out));
        let help = String::from_utf8_lossy(&out.stdout);
        let heading_of_bundle = help
            .lines()
            .take_while(|l| !l.trim_start().starts_with("--bundle"))
            .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
            .last()
            .unwrap_or_default()
            .to_string();
        assert_eq!(heading_of_bundle, "Output:", "{command}: {help}");
    }
}
