//! Issue 28, part 2: SPDX 2.3 beside CycloneDX (`--sbom-format spdx2.3`), for a binary and for
//! an image, checked by spdx-tools' validator (pyspdxtools, pinned), signed and verified like
//! the CycloneDX SBOM. Real published apps get the same check in `sbom_corpus.rs`.

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
    (from_spdx, from_cdx)
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
    with_formats("\"spdx3\"");
    let bad = compose(project, &["recipe.toml", "--out", "bad"], &[]);
    assert_one_line_error(&bad, &["recipe.toml:11:17:", "unknown variant `spdx3`"]);
    assert!(!project.join("bad").exists());
}
