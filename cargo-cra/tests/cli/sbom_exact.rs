//! The SBOM lists exactly what the compiler linked, on the fixture with every naming trap:
//! library names that are not the package name (`utf-8` → `utf8`, `rust-ini` → `ini`), a
//! renamed dependency, a `[lib] name` override, target-specific dependencies, a build-dependency
//! and a proc-macro sharing crates with normal dependencies, an optional feature off and on —
//! for the host and for arm64 (musl, run under qemu-user-static). The oracle is `cargo tree`.

use crate::common;

use common::oracle::{self, CrateSet};
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

const ARM64: &str = "aarch64-unknown-linux-musl";

fn fixture() -> &'static (tempfile::TempDir, PathBuf, Mutex<()>) {
    static F: OnceLock<(tempfile::TempDir, PathBuf, Mutex<()>)> = OnceLock::new();
    F.get_or_init(|| {
        let (tmp, dir) = fixture_copy("tests/fixtures/lib-names");
        (tmp, dir, Mutex::new(()))
    })
}

/// Builds the fixture for `target`; returns the binary's JSON report and its SBOM.
fn build(target: &str, extra: &[&str]) -> (Value, Value) {
    let (_, dir, lock) = fixture();
    let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    let mut args = vec![
        "cra",
        "build",
        "--message-format",
        "json",
        "--target",
        target,
    ];
    args.extend_from_slice(extra);
    let out = run_cra(dir, &args, &[("SOURCE_DATE_EPOCH", "1700000000")]);
    assert!(out.status.success(), "{}", describe(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bom =
        serde_json::from_slice(&std::fs::read(report["sbom"].as_str().unwrap()).unwrap()).unwrap();
    (report, bom)
}

fn names(set: &CrateSet) -> Vec<&str> {
    set.iter().map(|(n, _)| n.as_str()).collect()
}

fn check_exact(target: &str, features: &[&str]) -> (Value, Value) {
    let extra: Vec<&str> = features.iter().flat_map(|f| ["--features", f]).collect();
    let (report, bom) = build(target, &extra);
    let listed = oracle::sbom_components(&bom);
    let tree = oracle::cargo_tree(&fixture().1, "lib-names", target, features);
    assert_eq!(listed, tree, "{}", oracle::difference(&listed, &tree));
    let names = names(&listed);
    for present in [
        "utf-8",
        "rust-ini",
        "ordered-multimap",
        "itoa",
        "custom-lib",
        "quote",
    ] {
        assert!(names.contains(&present), "{present} missing: {names:?}");
    }
    for absent in ["macros", "ryu", "fnv", "lib-names"] {
        assert!(!names.contains(&absent), "{absent} listed: {names:?}");
    }
    assert_eq!(
        names.contains(&"smallvec"),
        !features.is_empty(),
        "optional dependency follows its feature"
    );
    (report, bom)
}

#[test]
fn host_sbom_equals_cargo_tree_with_features_off_and_on() {
    let host = host_triple();
    let (report, bom) = check_exact(&host, &[]);
    let out = std::process::Command::new(report["path"].as_str().unwrap())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "hello Some(\"gateway\") 2 42 x true 0"
    );
    // The dependency graph names the renamed and re-named libraries by their packages.
    let deps = bom["dependencies"].as_array().unwrap();
    let root = deps.iter().find(|d| d["ref"] == "bin:lib-names").unwrap();
    let direct: Vec<&str> = root["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for p in ["pkg:cargo/utf-8@0.7.6", "pkg:cargo/rust-ini@0.21.1"] {
        assert!(direct.contains(&p), "{direct:?}");
    }
    assert!(direct.iter().any(|d| d.starts_with("pkg:cargo/itoa@")));
    assert!(
        direct
            .iter()
            .any(|d| d.starts_with("pkg:cargo/custom-lib@"))
    );
    let (_, with_extra) = check_exact(&host, &["extra"]);
    let root = &with_extra["metadata"]["component"];
    let features = root["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cargo-cra:features")
        .unwrap();
    assert_eq!(features["value"], "extra");
    validate_cyclonedx(&[save(&bom, "host"), save(&with_extra, "extra")]);
}

fn save(bom: &Value, name: &str) -> PathBuf {
    let dir = fixture().0.path().join("saved");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.cdx.json"));
    std::fs::write(&p, serde_json::to_vec(bom).unwrap()).unwrap();
    p
}

#[test]
fn arm64_sbom_equals_cargo_tree_and_the_binary_runs_under_qemu() {
    let (report, bom) = check_exact(ARM64, &[]);
    let exe = Path::new(report["path"].as_str().unwrap());
    let out = run_foreign(ARM64, exe, &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "hello Some(\"gateway\") 2 42 x true 0",
        "{}",
        describe(&out)
    );
    let target = bom["metadata"]["component"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cargo-cra:target")
        .unwrap();
    assert_eq!(target["value"], ARM64);
}

#[test]
fn a_moved_checkout_and_a_licence_change_without_recompilation_keep_the_sbom_true() {
    let (tmp, dir) = fixture_copy("tests/fixtures/lib-names");
    let host = host_triple();
    let sbom = |dir: &Path| dir.join(format!("target/cra/{host}/debug/lib-names.cdx.json"));
    let build = |dir: &Path| {
        let out = run_cra(
            dir,
            &["cra", "build"],
            &[("SOURCE_DATE_EPOCH", "1700000000")],
        );
        assert!(out.status.success(), "{}", describe(&out));
        out
    };
    build(&dir);
    let before = std::fs::read(sbom(&dir)).unwrap();

    // The checkout moves, target directory and all: cargo finds every unit fresh there.
    let moved = tmp.path().join("moved/elsewhere");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&dir, &moved).unwrap();
    let out = build(&moved);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("Compiling lib-names"),
        "expected a fresh build: {}",
        describe(&out)
    );
    assert_eq!(
        std::fs::read(sbom(&moved)).unwrap(),
        before,
        "same SBOM after the move"
    );

    // A member's licence changes; cargo does not recompile it, the SBOM follows the manifest.
    let manifest = moved.join("custom-lib/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("license = \"MIT\"", "license = \"Apache-2.0\""),
    )
    .unwrap();
    build(&moved);
    let bom: Value = serde_json::from_slice(&std::fs::read(sbom(&moved)).unwrap()).unwrap();
    let custom = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "custom-lib")
        .unwrap();
    assert_eq!(
        custom["licenses"][0]["expression"], "Apache-2.0",
        "{custom:#}"
    );
}
