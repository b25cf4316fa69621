//! Issue 28, part 2: SPDX 2.3 and SPDX 3.0.1 beside CycloneDX (`--sbom-format spdx2.3`,
//! `spdx3`), for a binary and for an image, checked by spdx-tools' validator (pyspdxtools) and
//! spdx3-validate (JSON schema and SHACL), both pinned, signed and verified like the CycloneDX
//! SBOM. Real published apps get the same checks in `sbom_corpus.rs`.

use crate::common;

use common::image::{compose, report};
use common::*;
use std::collections::BTreeSet;
use std::path::Path;

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `purl` of every SPDX package, and of every CycloneDX component plus the subject.
fn purls(
    spdx: &serde_json::Value,
    cdx: &serde_json::Value,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let from_spdx = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["externalRefs"][0]["referenceLocator"].as_str())
        .map(String::from)
        .collect();
    (from_spdx, cdx_purls(cdx))
}

/// `purl` of every CycloneDX component plus the subject.
fn cdx_purls(cdx: &serde_json::Value) -> BTreeSet<String> {
    let mut from_cdx: BTreeSet<String> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .map(String::from)
        .collect();
    if let Some(p) = cdx["metadata"]["component"]["purl"].as_str() {
        from_cdx.insert(p.to_string());
    }
    from_cdx
}

#[test]
fn a_signed_build_writes_a_valid_spdx_sbom_of_the_same_packages_and_verify_checks_it() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let pw = ("CRA_PASSWORD", "pw");
    let keygen = run_cra(&dir, &["cra", "keygen"], &[pw]);
    assert!(keygen.status.success(), "{}", describe(&keygen));
    let args = [
        "cra",
        "build",
        "-p",
        "probe",
        "--sbom-format",
        "spdx2.3",
        "--sign",
        "--key",
        "cosign.key",
    ];
    let built = run_cra(&dir, &args, &[pw]);
    assert!(built.status.success(), "{}", describe(&built));
    let out = dir.join("target/cra").join(host_triple()).join("debug");
    pyspdxtools_check(&out.join("probe.spdx23.json")).unwrap();
    let spdx = json(&out.join("probe.spdx23.json"));
    let cdx = json(&out.join("probe.cdx.json"));
    let (a, b) = purls(&spdx, &cdx);
    assert_eq!(a, b, "the same packages");
    // The subject's checksum is the binary's.
    let digest = cra_attest::digest::Digests::of_file(&out.join("probe")).unwrap();
    assert_eq!(
        spdx["packages"][0]["checksums"][0]["checksumValue"],
        digest.sha256_hex().as_str()
    );
    let verify = |key: &str| {
        run_cra(
            &dir,
            &[
                "cra",
                "verify",
                out.join("probe").to_str().unwrap(),
                "--key",
                key,
            ],
            &[],
        )
    };
    let ok = verify("cosign.pub");
    assert!(ok.status.success(), "{}", describe(&ok));
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("ok   SPDX attestation"),
        "{}",
        describe(&ok)
    );
    // Changed after signing: the SPDX attestation fails, naming the document.
    let mut changed = spdx.clone();
    changed["packages"][1]["versionInfo"] = "9.9.9".into();
    std::fs::write(
        out.join("probe.spdx23.json"),
        serde_json::to_vec_pretty(&changed).unwrap(),
    )
    .unwrap();
    let tampered = verify("cosign.pub");
    assert!(!tampered.status.success());
    let text = String::from_utf8_lossy(&tampered.stdout);
    assert!(
        text.contains("FAIL SPDX attestation") && text.contains("probe.spdx23.json"),
        "{text}"
    );
    // Built and signed again without it: no SPDX document or attestation is left to
    // disagree, and the output verifies.
    let args = [
        "cra",
        "build",
        "-p",
        "probe",
        "--sign",
        "--key",
        "cosign.key",
    ];
    let again = run_cra(&dir, &args, &[pw]);
    assert!(again.status.success(), "{}", describe(&again));
    assert!(!out.join("probe.spdx23.json").exists());
    assert!(!out.join("probe.spdx23.sigstore.json").exists());
    let ok = verify("cosign.pub");
    assert!(ok.status.success(), "{}", describe(&ok));
    // Unsigned, the same.
    let again = run_cra(&dir, &["cra", "build", "-p", "probe"], &[]);
    assert!(again.status.success(), "{}", describe(&again));
    assert!(!out.join("probe.spdx23.sigstore.json").exists());
    // A lone SPDX bundle beside an unsigned output makes it half-signed, not unsigned:
    // --allow-unsigned does not excuse the missing signatures.
    let stray = out.join("probe.spdx23.sigstore.json");
    let binary = out.join("probe");
    let signed = run_cra(
        &dir,
        &[
            "cra",
            "sign-blob",
            binary.to_str().unwrap(),
            "--key",
            "cosign.key",
            "--bundle",
            stray.to_str().unwrap(),
        ],
        &[pw],
    );
    assert!(signed.status.success(), "{}", describe(&signed));
    let half = run_cra(
        &dir,
        &[
            "cra",
            "verify",
            binary.to_str().unwrap(),
            "--allow-unsigned",
            "--key",
            "cosign.pub",
        ],
        &[],
    );
    assert!(!half.status.success(), "{}", describe(&half));
    assert!(
        String::from_utf8_lossy(&half.stdout).contains("FAIL signature"),
        "{}",
        describe(&half)
    );
}

#[test]
fn an_image_sbom_in_spdx_is_valid_and_lists_the_image_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path();
    std::fs::create_dir_all(project.join("files")).unwrap();
    std::fs::write(project.join("files/app.conf"), "x = 1\n").unwrap();
    std::fs::write(
        project.join("recipe.toml"),
        "[image]\nname = \"conf\"\nversion = \"1.0\"\narchitecture = \"amd64\"\n\n\
         [[file]]\nsource = \"files/app.conf\"\ndest = \"/etc/app.conf\"\n\n\
         [output.oci]\n\n[output.squashfs]\n",
    )
    .unwrap();
    let composed = report(&compose(
        project,
        &[
            "recipe.toml",
            "--out",
            "images",
            "--json",
            "--sbom-format",
            "spdx2.3",
        ],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    let dir = Path::new(composed["dir"].as_str().unwrap());
    pyspdxtools_check(&dir.join("conf.spdx23.json")).unwrap();
    let spdx = json(&dir.join("conf.spdx23.json"));
    let cdx = json(&dir.join("conf.cdx.json"));
    let (a, b) = purls(&spdx, &cdx);
    assert_eq!(a, b);
    assert_eq!(spdx["packages"][0]["name"], "conf");
    // Asked for by the recipe instead: the same inputs, the same document.
    let recipe = std::fs::read_to_string(project.join("recipe.toml")).unwrap();
    let with_formats = |formats: &str| {
        let text = format!("[output]\nsbom-formats = [{formats}]\n\n[output.oci]");
        std::fs::write(
            project.join("recipe.toml"),
            recipe.replace("[output.oci]", &text),
        )
        .unwrap();
    };
    with_formats("\"spdx2.3\"");
    let again = report(&compose(
        project,
        &["recipe.toml", "--out", "again", "--json"],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    assert_eq!(
        std::fs::read(dir.join("conf.spdx23.json")).unwrap(),
        std::fs::read(Path::new(again["dir"].as_str().unwrap()).join("conf.spdx23.json")).unwrap()
    );
    // A format the recipe cannot mean: one line at its place, nothing written.
    with_formats("\"spdx4\"");
    let bad = compose(project, &["recipe.toml", "--out", "bad"], &[]);
    assert_one_line_error(&bad, &["recipe.toml:11:17:", "unknown variant `spdx4`"]);
    assert!(!project.join("bad").exists());
}

/// `software_packageUrl` of every SPDX 3 package.
fn spdx3_purls(spdx: &serde_json::Value) -> BTreeSet<String> {
    spdx["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["software_packageUrl"].as_str())
        .map(String::from)
        .collect()
}

#[test]
fn spdx3_validates_with_the_same_packages_is_attested_and_a_broken_one_is_caught() {
    // The validator itself: the specification's example passes, a changed copy does not.
    let example = third_party("spdx-3.0.1/example-package_sbom.json");
    spdx3_check(&example).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut broken = json(&example);
    broken["@graph"][4]["creationInfo"] = 5.into();
    let broken_path = tmp.path().join("broken.spdx.json");
    std::fs::write(&broken_path, serde_json::to_vec(&broken).unwrap()).unwrap();
    assert!(spdx3_check(&broken_path).is_err());

    let (_tmp, dir) = fixture_copy("examples/hello-device");
    let pw = ("CRA_PASSWORD", "pw");
    let keygen = run_cra(&dir, &["cra", "keygen"], &[pw]);
    assert!(keygen.status.success(), "{}", describe(&keygen));
    let args = [
        "cra",
        "build",
        "--sbom-format",
        "spdx3",
        "--sign",
        "--key",
        "cosign.key",
        "--message-format",
        "json",
    ];
    let built = run_cra(&dir, &args, &[pw, ("SOURCE_DATE_EPOCH", "0")]);
    assert!(built.status.success(), "{}", describe(&built));
    let stdout = String::from_utf8(built.stdout).unwrap();
    let report: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let binary = Path::new(report["path"].as_str().unwrap()).to_path_buf();
    let spdx_path = binary.with_file_name("hello-device.spdx.json");
    spdx3_check(&spdx_path).unwrap();
    let spdx = json(&spdx_path);
    let cdx = json(&binary.with_file_name("hello-device.cdx.json"));
    assert_eq!(spdx3_purls(&spdx), cdx_purls(&cdx), "the same packages");
    // The licences are relationships to expressions: declared and concluded.
    let graph = spdx["@graph"].as_array().unwrap();
    for kind in ["hasDeclaredLicense", "hasConcludedLicense", "dependsOn"] {
        assert!(
            graph.iter().any(|e| e["relationshipType"] == kind),
            "no {kind} relationship"
        );
    }
    let verify = run_cra(
        &dir,
        &[
            "cra",
            "verify",
            binary.to_str().unwrap(),
            "--key",
            "cosign.pub",
        ],
        &[],
    );
    assert!(verify.status.success(), "{}", describe(&verify));
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("ok   SPDX 3 attestation"),
        "{}",
        describe(&verify)
    );
    // Built again from the same inputs: the same document.
    let again = run_cra(&dir, &args, &[pw, ("SOURCE_DATE_EPOCH", "0")]);
    assert!(again.status.success(), "{}", describe(&again));
    assert_eq!(spdx, json(&spdx_path));
}

#[test]
fn an_image_sbom_in_spdx3_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path();
    std::fs::create_dir_all(project.join("files")).unwrap();
    std::fs::write(project.join("files/app.conf"), "x = 1\n").unwrap();
    std::fs::write(
        project.join("recipe.toml"),
        "[image]\nname = \"conf\"\nversion = \"1.0\"\narchitecture = \"amd64\"\n\n\
         [[file]]\nsource = \"files/app.conf\"\ndest = \"/etc/app.conf\"\n\n\
         [output]\nsbom-formats = [\"spdx3\"]\n\n[output.oci]\n\n[output.squashfs]\n",
    )
    .unwrap();
    let composed = report(&compose(
        project,
        &["recipe.toml", "--out", "images", "--json"],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    let dir = Path::new(composed["dir"].as_str().unwrap());
    spdx3_check(&dir.join("conf.spdx.json")).unwrap();
    let spdx = json(&dir.join("conf.spdx.json"));
    let files: Vec<&str> = spdx["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "software_File")
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(files.contains(&"/etc/app.conf"), "{files:?}");
}
