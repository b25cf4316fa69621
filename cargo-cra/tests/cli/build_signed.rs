//! `cargo cra build --sign --key`: provenance beside every binary, and signatures over the
//! binary, its SBOM and its provenance that sigstore-js (@sigstore/verify) accepts.

use crate::common;

use base64::Engine as _;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap()
}

fn payload(bundle: &Value) -> Value {
    let b64 = bundle["dsseEnvelope"]["payload"].as_str().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

fn sha256sum(file: &Path) -> String {
    let out = Command::new("sha256sum").arg(file).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn signed_build_writes_provenance_and_bundles_that_sigstore_js_verifies() {
    let (tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let out = run_cra(&keys, &["keygen"], &[("CRA_PASSWORD", "pw")]);
    assert!(out.status.success(), "{}", describe(&out));
    let (key, public) = (keys.join("cosign.key"), keys.join("cosign.pub"));

    let out = run_cra(
        &dir,
        &[
            "cra",
            "build",
            "-p",
            "probe",
            "--sign",
            "--key",
            key.to_str().unwrap(),
            "--message-format",
            "json",
        ],
        &[("CRA_PASSWORD", "pw"), ("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let report: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    let binary = PathBuf::from(report["path"].as_str().unwrap());
    let out_dir = binary.parent().unwrap().to_path_buf();
    let file = |name: &str| out_dir.join(name);
    let bundles: Vec<&str> = report["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(
        bundles,
        [
            file("probe.sigstore.json").to_str().unwrap(),
            file("probe.cdx.sigstore.json").to_str().unwrap(),
            file("probe.provenance.sigstore.json").to_str().unwrap()
        ]
    );

    // Every bundle verifies against the binary with the public key, and not against other bytes.
    for b in &bundles {
        assert!(sigstore_js_accepts(&public, Path::new(b), &binary), "{b}");
        assert!(
            !sigstore_js_accepts(&public, Path::new(b), &file("probe.cdx.json")),
            "{b} must not verify other bytes"
        );
    }

    // The SBOM attestation carries exactly the SBOM file's content.
    let sbom_statement = payload(&read_json(&file("probe.cdx.sigstore.json")));
    assert_eq!(sbom_statement["predicateType"], "https://cyclonedx.org/bom");
    assert_eq!(
        sbom_statement["predicate"],
        read_json(&file("probe.cdx.json"))
    );

    // The provenance attestation carries exactly the unsigned provenance.
    let provenance = read_json(&file("probe.provenance.json"));
    assert_eq!(
        payload(&read_json(&file("probe.provenance.sigstore.json"))),
        provenance
    );

    // Field by field (docs/build-type-v1.md).
    assert_eq!(provenance["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        provenance["predicateType"],
        "https://slsa.dev/provenance/v1"
    );
    assert_eq!(provenance["subject"][0]["name"], "probe");
    assert_eq!(
        provenance["subject"][0]["digest"]["sha256"],
        Value::from(sha256sum(&binary))
    );
    let def = &provenance["predicate"]["buildDefinition"];
    assert_eq!(
        def["buildType"],
        "https://github.com/cargo-cra/cargo-cra/blob/main/docs/build-type-v1.md"
    );
    let ext = &def["externalParameters"];
    assert_eq!(ext["package"], "probe");
    assert_eq!(ext["bin"], "probe");
    assert_eq!(ext["packages"], serde_json::json!(["probe"]));
    assert_eq!(ext["target"], Value::from(host_triple()));
    assert_eq!(ext["profile"], "dev");
    assert!(ext.get("source").is_none(), "the copy is not in git");
    let int = &def["internalParameters"];
    assert_eq!(int["sourceDateEpoch"], 1700000000);
    assert_eq!(int["locked"], true);
    let deps = def["resolvedDependencies"].as_array().unwrap();
    let lock = deps.iter().find(|d| d["name"] == "Cargo.lock").unwrap();
    assert_eq!(
        lock["digest"]["sha256"],
        Value::from(sha256sum(&dir.join("Cargo.lock")))
    );
    let rustc = deps.iter().find(|d| d["name"] == "rustc").unwrap();
    assert_eq!(rustc["digest"]["gitCommit"].as_str().unwrap().len(), 40);
    let itoa = deps.iter().find(|d| d["name"] == "itoa").unwrap();
    assert!(itoa["uri"].as_str().unwrap().starts_with("pkg:cargo/itoa@"));
    assert_eq!(itoa["digest"]["sha256"].as_str().unwrap().len(), 64);
    let run = &provenance["predicate"]["runDetails"];
    assert_eq!(
        run["builder"]["id"],
        "https://github.com/cargo-cra/cargo-cra/builders/local@v1"
    );
    assert!(
        run["metadata"]["invocationId"]
            .as_str()
            .unwrap()
            .starts_with("urn:uuid:")
    );
    assert!(
        run["metadata"]["startedOn"].as_str().unwrap()
            <= run["metadata"]["finishedOn"].as_str().unwrap()
    );
    let text = std::fs::read_to_string(file("probe.provenance.json")).unwrap();
    assert!(
        !text.contains(tmp.path().to_str().unwrap()),
        "no build-machine path in the provenance"
    );
}

#[test]
fn provenance_is_written_without_sign_and_records_build_time_crates() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let out = run_cra(
        &dir,
        &["cra", "build", "--bin", "gateway"],
        &[("SOURCE_DATE_EPOCH", "0")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let out_dir = dir.join("target/cra").join(host_triple()).join("debug");
    let provenance = read_json(&out_dir.join("gateway.provenance.json"));
    let names: Vec<&str> = provenance["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    // Build-time crates went into the build: they are inputs in the provenance, though the
    // SBOM (what ships) does not list them.
    for build_time in ["cc", "serde_derive", "syn"] {
        assert!(
            names.contains(&build_time),
            "{build_time} missing from {names:?}"
        );
    }
    let sbom = read_json(&out_dir.join("gateway.cdx.json"));
    assert!(
        !sbom["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "cc")
    );
    assert!(
        !out_dir.join("gateway.sigstore.json").exists(),
        "nothing is signed without --sign"
    );
}

#[test]
fn wrong_password_fails_before_building() {
    let (tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let out = run_cra(tmp.path(), &["keygen"], &[("CRA_PASSWORD", "right")]);
    assert!(out.status.success(), "{}", describe(&out));
    let key = tmp.path().join("cosign.key");
    let out = run_cra(
        &dir,
        &["cra", "build", "--sign", "--key", key.to_str().unwrap()],
        &[("CRA_PASSWORD", "wrong")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{}", describe(&out));
    assert!(err.contains("cosign.key: wrong password"), "{err}");
    assert!(!dir.join("target").exists(), "nothing was built");
    let out = run_cra(
        &dir,
        &["cra", "build", "--key", key.to_str().unwrap()],
        &[("CRA_PASSWORD", "right")],
    );
    assert!(
        !out.status.success(),
        "--key without --sign is a usage error"
    );
}

#[test]
fn auditors_verify_a_signed_build_output_directory() {
    let (tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    assert!(
        run_cra(&keys, &["keygen"], &[("CRA_PASSWORD", "pw")])
            .status
            .success()
    );
    assert!(
        run_cra(
            &keys,
            &["keygen", "--output-key-prefix", "other"],
            &[("CRA_PASSWORD", "pw")]
        )
        .status
        .success()
    );
    let key = keys.join("cosign.key");
    let binary = dir
        .join("target/cra")
        .join(host_triple())
        .join("debug/probe");
    let public = keys.join("cosign.pub");
    let verify = |args: &[&str]| {
        let mut all = vec!["verify", binary.to_str().unwrap()];
        all.extend_from_slice(args);
        run_cra(&dir, &all, &[])
    };

    // Unsigned: the documents are still checked against the binary; the signatures are
    // reported missing, a failure unless --allow-unsigned.
    let out = run_cra(&dir, &["cra", "build", "-p", "probe"], &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let out = verify(&["--key", public.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert_report(
        &out,
        &[
            ("signature", "FAIL"),
            ("SBOM attestation", "FAIL"),
            ("SBOM subject", "ok"),
            ("provenance attestation", "FAIL"),
            ("provenance subject", "ok"),
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("probe.sigstore.json is missing"));
    let out = verify(&["--allow-unsigned"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_report(
        &out,
        &[
            ("signature", "skipped"),
            ("SBOM attestation", "skipped"),
            ("SBOM subject", "ok"),
            ("provenance attestation", "skipped"),
            ("provenance subject", "ok"),
        ],
    );
    // An unsigned binary swapped for another: its documents no longer describe it.
    let original = std::fs::read(&binary).unwrap();
    let mut tampered = original.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 1;
    std::fs::write(&binary, &tampered).unwrap();
    let out = verify(&["--allow-unsigned"]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert_report(
        &out,
        &[
            ("signature", "skipped"),
            ("SBOM attestation", "skipped"),
            ("SBOM subject", "FAIL"),
            ("provenance attestation", "skipped"),
            ("provenance subject", "FAIL"),
        ],
    );
    std::fs::write(&binary, &original).unwrap();

    let out = run_cra(
        &dir,
        &[
            "cra",
            "build",
            "-p",
            "probe",
            "--sign",
            "--key",
            key.to_str().unwrap(),
        ],
        &[("CRA_PASSWORD", "pw")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let audit = |key: &Path, json: bool| {
        let mut args = vec![
            "verify",
            binary.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ];
        if json {
            args.push("--json");
        }
        run_cra(&dir, &args, &[])
    };

    let out = audit(&public, true);
    assert!(out.status.success(), "{}", describe(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "signature",
            "SBOM attestation",
            "SBOM subject",
            "provenance attestation",
            "provenance subject"
        ]
    );
    assert!(
        report
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "ok"),
        "{report}"
    );
    // Signed, --allow-unsigned changes nothing: present bundles are verified.
    let out = verify(&["--allow-unsigned", "--key", public.to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("skipped"));

    // Another key: every bundle fails.
    let out = audit(&keys.join("other.pub"), false);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: signature:"),
        "{}",
        describe(&out)
    );

    // Half-signed (an attestation removed): it fails closed; every check is still listed.
    let provenance_bundle = binary.with_file_name("probe.provenance.sigstore.json");
    let saved = std::fs::read(&provenance_bundle).unwrap();
    std::fs::remove_file(&provenance_bundle).unwrap();
    let out = audit(&public, false);
    assert!(!out.status.success());
    assert_report(
        &out,
        &[
            ("signature", "ok"),
            ("SBOM attestation", "ok"),
            ("SBOM subject", "ok"),
            ("provenance attestation", "FAIL"),
            ("provenance subject", "ok"),
        ],
    );
    // --allow-unsigned does not excuse a half-signed output: it is signed, so a missing bundle
    // fails; and its bundles need a key or identity to be checked against.
    let out = verify(&["--allow-unsigned", "--key", public.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("FAIL provenance attestation"),
        "{}",
        describe(&out)
    );
    let out = verify(&["--allow-unsigned"]);
    assert_one_line_error(&out, &["--key"]);
    std::fs::write(&provenance_bundle, saved).unwrap();

    // Issue 24: a forged `components` list prepended to the signed SBOM. serde keeps the last
    // (attested) list, readers such as gjson the first: a duplicate key fails the SBOM checks.
    let sbom = binary.with_file_name("probe.cdx.json");
    let signed = std::fs::read_to_string(&sbom).unwrap();
    let forged = signed.replacen('{', "{\"components\": [],", 1);
    std::fs::write(&sbom, &forged).unwrap();
    let out = audit(&public, false);
    assert!(!out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL SBOM attestation"), "{}", describe(&out));
    assert!(text.contains("duplicate key"), "{}", describe(&out));
    std::fs::write(&sbom, signed).unwrap();
    assert!(audit(&public, false).status.success());

    // One flipped byte of the binary: nothing verifies any more.
    let mut bytes = std::fs::read(&binary).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&binary, bytes).unwrap();
    let out = audit(&public, false);
    assert!(!out.status.success());
    assert_report(
        &out,
        &[
            ("signature", "FAIL"),
            ("SBOM attestation", "FAIL"),
            ("SBOM subject", "FAIL"),
            ("provenance attestation", "FAIL"),
            ("provenance subject", "FAIL"),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Each context is named once ("signature: …", never "signature: signature: …").
    let all = format!("{text}{}", String::from_utf8_lossy(&out.stderr));
    for check in ["signature", "SBOM attestation", "provenance attestation"] {
        assert!(!all.contains(&format!("{check}: {check}: ")), "{all}");
    }

    // Issue 25: a later unsigned build rewrites the provenance (new times): the bundles it
    // invalidates go with it, so outputs and signatures never disagree on disk.
    let out = run_cra(&dir, &["cra", "build", "-p", "probe"], &[]);
    assert!(out.status.success(), "{}", describe(&out));
    for bundle in [
        "probe.sigstore.json",
        "probe.cdx.sigstore.json",
        "probe.provenance.sigstore.json",
    ] {
        assert!(!binary.with_file_name(bundle).exists(), "{bundle} is stale");
    }
    let out = verify(&["--allow-unsigned"]);
    assert!(out.status.success(), "{}", describe(&out));
    // A signed output whose provenance was rewritten afterwards: verify says what happened.
    let out = run_cra(
        &dir,
        &[
            "cra",
            "build",
            "-p",
            "probe",
            "--sign",
            "--key",
            key.to_str().unwrap(),
        ],
        &[("CRA_PASSWORD", "pw")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let provenance = binary.with_file_name("probe.provenance.json");
    let mut doc = read_json(&provenance);
    doc["predicate"]["runDetails"]["metadata"]["finishedOn"] = "2030-01-01T00:00:00Z".into();
    std::fs::write(&provenance, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = audit(&public, false);
    assert!(!out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL provenance attestation"), "{text}");
    assert!(text.contains("an earlier build's"), "{text}");

    // Issue 25: signed by hand afterwards, one rule for every document: the SBOM (a plain
    // document) and the provenance (itself an in-toto statement) attested whole verify.
    let out = run_cra(&dir, &["cra", "build", "-p", "probe"], &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let key_arg = key.to_str().unwrap();
    let sign = |args: &[&str]| {
        let out = run_cra(&dir, args, &[("CRA_PASSWORD", "pw")]);
        assert!(out.status.success(), "{args:?}: {}", describe(&out));
    };
    let beside = |name: &str| binary.with_file_name(name).display().to_string();
    sign(&[
        "cra",
        "sign-blob",
        binary.to_str().unwrap(),
        "--key",
        key_arg,
        "--bundle",
        &beside("probe.sigstore.json"),
    ]);
    for (document, predicate_type, bundle) in [
        (
            "probe.cdx.json",
            "https://cyclonedx.org/bom",
            "probe.cdx.sigstore.json",
        ),
        (
            "probe.provenance.json",
            "https://slsa.dev/provenance/v1",
            "probe.provenance.sigstore.json",
        ),
    ] {
        sign(&[
            "cra",
            "attest",
            binary.to_str().unwrap(),
            "--predicate",
            &beside(document),
            "--predicate-type",
            predicate_type,
            "--key",
            key_arg,
            "--bundle",
            &beside(bundle),
        ]);
    }
    let out = audit(&public, false);
    assert!(out.status.success(), "{}", describe(&out));
    // A statement of another predicate type is refused in one line.
    let out = run_cra(
        &dir,
        &[
            "cra",
            "attest",
            binary.to_str().unwrap(),
            "--predicate",
            &beside("probe.provenance.json"),
            "--predicate-type",
            "https://cyclonedx.org/bom",
            "--key",
            key_arg,
            "--bundle",
            "x.json",
        ],
        &[("CRA_PASSWORD", "pw")],
    );
    assert_one_line_error(
        &out,
        &[
            "probe.provenance.json",
            "predicate type https://slsa.dev/provenance/v1",
        ],
    );
}

/// The verify report lists exactly these checks, in order, each with this mark.
fn assert_report(out: &std::process::Output, expected: &[(&str, &str)]) {
    let text = String::from_utf8_lossy(&out.stdout);
    let got: Vec<(String, String)> = text
        .lines()
        .map(|l| {
            let (mark, rest) = l.split_once(' ').unwrap_or((l, ""));
            let check = rest.trim_start().split(':').next().unwrap_or_default();
            (check.to_string(), mark.to_string())
        })
        .collect();
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(c, m)| (c.to_string(), m.to_string()))
        .collect();
    assert_eq!(got, want, "{}", describe(out));
}
