//! Issue 28, part 1: the dependency list inside every binary (cargo-auditable's `.dep-v0`),
//! read by tools nobody here wrote: rust-audit-info and `cargo audit bin` (both pinned,
//! installed by `tests/run`), on a project with a vulnerable linked crate, a build-dependency
//! and a cfg(windows) dependency (neither linked, so neither listed).

use crate::common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// `name@version` of every package rust-audit-info reads from `binary`, and the root's name.
fn embedded(binary: &Path) -> (BTreeSet<String>, String) {
    let list = audit_info_list(binary);
    let packages = list["packages"].as_array().unwrap();
    let root = packages.iter().find(|p| p["root"] == true).unwrap();
    (
        package_versions(&list),
        root["name"].as_str().unwrap().to_string(),
    )
}

/// `name@version` of the SBOM's components and its `metadata.component`.
fn listed(sbom: &serde_json::Value) -> BTreeSet<String> {
    let component = |c: &serde_json::Value| {
        format!(
            "{}@{}",
            c["name"].as_str().unwrap(),
            c["version"].as_str().unwrap()
        )
    };
    let mut out: BTreeSet<String> = sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(component)
        .collect();
    out.insert(component(&sbom["metadata"]["component"]));
    out
}

fn property<'a>(sbom: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    sbom["metadata"]["component"]["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
}

#[test]
fn the_list_in_the_binary_is_the_sboms_and_cargo_audit_bin_flags_what_it_links() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/audit-project");
    let built = run_cra(&dir, &["cra", "build"], &[]);
    assert!(built.status.success(), "{}", describe(&built));
    let out_dir = dir.join("target/cra").join(host_triple()).join("debug");
    let binary = out_dir.join("audit-project");
    let sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("audit-project.cdx.json")).unwrap())
            .unwrap();

    // Exactly what the SBOM lists: the linked crates, not the build-dependency (time) nor the
    // cfg(windows) one (atty), which cargo metadata would list.
    let (packages, root) = embedded(&binary);
    assert_eq!(packages, listed(&sbom));
    assert_eq!(root, "audit-project");
    assert!(packages.iter().any(|p| p.starts_with("smallvec@1.6.0")));
    assert!(
        !packages
            .iter()
            .any(|p| p.starts_with("time@") || p.starts_with("atty@"))
    );
    assert_eq!(
        property(&sbom, "cargo-cra:dependency-list"),
        Some(".dep-v0 (cargo-auditable format 1)")
    );
    // The SBOM's hashes are of the binary as shipped, list included.
    let digest = cra_attest::digest::Digests::of_file(&binary).unwrap();
    let hashes = sbom["metadata"]["component"]["hashes"].as_array().unwrap();
    assert!(
        hashes
            .iter()
            .any(|h| h["content"] == digest.sha256_hex().as_str())
    );
    // It still runs.
    let ran = Command::new(&binary).output().unwrap();
    assert!(ran.status.success(), "{}", describe(&ran));

    // cargo audit bin, with the binary alone: the linked crate's advisory, not the
    // build-dependency's.
    let audit = Command::new(cargo_audit())
        .args(["audit", "--no-fetch", "--db"])
        .arg(third_party("advisory-db"))
        .arg("bin")
        .arg(&binary)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&audit.stdout).to_string()
        + &String::from_utf8_lossy(&audit.stderr);
    assert!(!audit.status.success(), "{text}");
    assert!(text.contains("RUSTSEC-2021-0003"), "{text}");
    assert!(!text.contains("RUSTSEC-2020-0071"), "{text}");

    // Opted out: no list, and the SBOM does not claim one.
    let without = run_cra(&dir, &["cra", "build", "--no-embed-deps"], &[]);
    assert!(without.status.success(), "{}", describe(&without));
    let out = Command::new(rust_audit_info())
        .arg(&binary)
        .output()
        .unwrap();
    assert!(!out.status.success(), "no list: {}", describe(&out));
    let sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("audit-project.cdx.json")).unwrap())
            .unwrap();
    assert_eq!(property(&sbom, "cargo-cra:dependency-list"), None);
}
