//! `cargo cra build` on the fixture workspace: the SBOM of each binary lists exactly the crates
//! linked into it, checked against `cargo tree` (computed here, independently), and is valid
//! CycloneDX 1.7 according to cyclonedx-python-lib.

use crate::common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

const SDE: &str = "1700000000";

/// One copy of the fixture shared by the tests of this file, so crates compile once; builds in
/// it run one at a time and their outputs are copied out before the next build.
fn fixture() -> &'static (tempfile::TempDir, PathBuf, Mutex<()>) {
    static F: OnceLock<(tempfile::TempDir, PathBuf, Mutex<()>)> = OnceLock::new();
    F.get_or_init(|| {
        let (tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
        (tmp, dir, Mutex::new(()))
    })
}

struct Built {
    /// The JSON summary line of each binary, by binary name.
    reports: BTreeMap<String, Value>,
    /// Each binary's SBOM, by binary name.
    boms: BTreeMap<String, Value>,
    /// Copies of the SBOM files and binaries, safe from later builds.
    saved: tempfile::TempDir,
}

impl Built {
    fn components(&self, bin: &str) -> BTreeSet<(String, String)> {
        oracle::sbom_components(&self.boms[bin])
    }

    fn component<'a>(&'a self, bin: &str, name: &str) -> &'a Value {
        self.boms[bin]["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
    }

    fn sbom_files(&self) -> Vec<PathBuf> {
        self.boms
            .keys()
            .map(|b| self.saved.path().join(format!("{b}.cdx.json")))
            .collect()
    }
}

fn build(args: &[&str]) -> Built {
    let (_, dir, lock) = fixture();
    let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    let mut all = vec!["cra", "build", "--message-format", "json"];
    all.extend_from_slice(args);
    let out = run_cra(dir, &all, &[("SOURCE_DATE_EPOCH", SDE)]);
    assert!(out.status.success(), "{}", describe(&out));
    let saved = tempfile::tempdir().unwrap();
    let mut reports = BTreeMap::new();
    let mut boms = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let r: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
        assert_eq!(r["reason"], "cra-binary");
        let name = r["name"].as_str().unwrap().to_string();
        let sbom_path = Path::new(r["sbom"].as_str().unwrap());
        std::fs::copy(sbom_path, saved.path().join(format!("{name}.cdx.json"))).unwrap();
        std::fs::copy(r["path"].as_str().unwrap(), saved.path().join(&name)).unwrap();
        boms.insert(
            name.clone(),
            serde_json::from_slice(&std::fs::read(sbom_path).unwrap()).unwrap(),
        );
        reports.insert(name, r);
    }
    Built {
        reports,
        boms,
        saved,
    }
}

/// `cargo tree` for the host target in the fixture.
fn cargo_tree(package: &str, features: &[&str]) -> BTreeSet<(String, String)> {
    let (_, dir, _) = fixture();
    oracle::cargo_tree(dir, package, &host_triple(), features)
}

fn default_build() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| build(&[]))
}

fn names(set: &BTreeSet<(String, String)>) -> BTreeSet<&str> {
    set.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn each_binary_lists_exactly_what_cargo_tree_links() {
    let built = default_build();
    assert_eq!(
        built.boms.keys().collect::<Vec<_>>(),
        ["gateway", "gateway-ctl", "probe"]
    );
    let gateway = cargo_tree("gateway", &[]);
    assert_eq!(built.components("gateway"), gateway);
    assert_eq!(built.components("gateway-ctl"), gateway);
    assert_eq!(built.components("probe"), cargo_tree("probe", &[]));
    assert_eq!(
        names(&built.components("probe")),
        BTreeSet::from(["itoa", "util"])
    );
}

#[test]
fn build_time_dev_and_foreign_platform_crates_are_not_listed() {
    let built = default_build();
    let listed = built.components("gateway");
    let listed = names(&listed);
    for absent in [
        "fnv",          // cfg(windows) only
        "smallvec",     // optional, feature off
        "hex",          // dev-dependency
        "cc",           // build-dependency
        "shlex",        // only through cc
        "serde_derive", // proc-macro
        "syn",          // only through the proc-macro
        "quote",
        "proc-macro2",
        "unicode-ident",
    ] {
        assert!(
            !listed.contains(absent),
            "{absent} must not be listed: {listed:?}"
        );
    }
    for present in ["serde", "util", "itoa"] {
        assert!(
            listed.contains(present),
            "{present} must be listed: {listed:?}"
        );
    }
}

#[test]
fn optional_dependency_is_listed_when_its_feature_is_on() {
    let built = build(&["-p", "gateway", "--features", "fast"]);
    assert_eq!(
        built.components("gateway"),
        cargo_tree("gateway", &["fast"])
    );
    assert!(names(&built.components("gateway")).contains("smallvec"));
    let features = built.boms["gateway"]["metadata"]["component"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cargo-cra:features")
        .map(|p| p["value"].clone());
    assert_eq!(features, Some(Value::from("fast")));
    validate_cyclonedx(&built.sbom_files());
}

#[test]
fn sboms_are_valid_cyclonedx_1_6() {
    let built = default_build();
    validate_cyclonedx(&built.sbom_files());
    for bom in built.boms.values() {
        assert_eq!(bom["bomFormat"], "CycloneDX");
        assert_eq!(bom["specVersion"], "1.7");
    }
}

fn lock_checksums() -> BTreeMap<(String, String), String> {
    let (_, dir, _) = fixture();
    let lock: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("Cargo.lock")).unwrap()).unwrap();
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            Some((
                (
                    p["name"].as_str()?.to_string(),
                    p["version"].as_str()?.to_string(),
                ),
                p.get("checksum")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

fn sha_sum(tool: &str, file: &Path) -> String {
    let out = std::process::Command::new(tool).arg(file).output().unwrap();
    assert!(out.status.success(), "{tool} {}", file.display());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn hash(component: &Value, alg: &str) -> Option<String> {
    component["hashes"]
        .as_array()?
        .iter()
        .find(|h| h["alg"] == alg)
        .map(|h| h["content"].as_str().unwrap().to_string())
}

fn property<'a>(component: &'a Value, name: &str) -> Option<&'a str> {
    component["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
}

#[test]
fn registry_components_carry_lock_checksums_archive_sha512_and_bsi_properties() {
    let built = default_build();
    let sums = lock_checksums();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    for name in ["serde", "serde_core", "itoa"] {
        let c = built.component("gateway", name);
        let version = c["version"].as_str().unwrap();
        assert_eq!(
            hash(c, "SHA-256").as_deref(),
            Some(sums[&(name.to_string(), version.to_string())].as_str()),
            "{c}"
        );
        // The archive cargo downloaded for this build, hashed by coreutils.
        let archive = std::fs::read_dir(cargo_home.join("registry/cache"))
            .unwrap()
            .map(|d| d.unwrap().path().join(format!("{name}-{version}.crate")))
            .find(|p| p.exists())
            .expect("the build downloaded the crate");
        assert_eq!(
            hash(c, "SHA-512"),
            Some(sha_sum("sha512sum", &archive)),
            "{name}"
        );
        assert_eq!(c["purl"], format!("pkg:cargo/{name}@{version}"));
        assert_eq!(c["bom-ref"], c["purl"]);
        assert_eq!(c["scope"], "required");
        assert_eq!(c["licenses"][0]["acknowledgement"], "declared");
        assert!(
            c["licenses"][0]["expression"]
                .as_str()
                .unwrap()
                .contains("MIT"),
            "{c}"
        );
        assert_eq!(
            property(c, "bsi:component:filename"),
            Some(format!("{name}-{version}.crate").as_str())
        );
        assert_eq!(
            property(c, "bsi:component:executable"),
            Some("non-executable")
        );
        assert_eq!(property(c, "bsi:component:archive"), Some("archive"));
        assert_eq!(property(c, "bsi:component:structured"), Some("structured"));
        let refs: Vec<_> = c["externalReferences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert!(
            refs.contains(&"vcs") && refs.contains(&"distribution"),
            "{refs:?}"
        );
    }
    let util = built.component("gateway", "util");
    assert_eq!(util["purl"], "pkg:cargo/util@0.1.0?download_url=file:util");
    assert_eq!(util["licenses"][0]["expression"], "MIT");
    assert!(
        util.get("hashes").is_none(),
        "a path package has no archive: {util}"
    );
    assert_eq!(util["supplier"]["name"], "Fixture Devices Ltd");
}

#[test]
fn dependency_graph_is_complete_and_rooted_at_the_binary() {
    let built = default_build();
    let bom = &built.boms["gateway"];
    let deps: BTreeMap<&str, BTreeSet<&str>> = bom["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["ref"].as_str().unwrap(),
                d["dependsOn"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    let root_deps: BTreeSet<&str> = deps["bin:gateway"]
        .iter()
        .map(|r| {
            r.trim_start_matches("pkg:cargo/")
                .split('@')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        root_deps,
        BTreeSet::from(["serde", "util"]),
        "direct dependencies of the binary"
    );
    assert!(
        deps["pkg:cargo/util@0.1.0?download_url=file:util"]
            .iter()
            .any(|r| r.starts_with("pkg:cargo/itoa@"))
    );
    // Every component is a node of the graph, and every edge points at a component.
    let refs: BTreeSet<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        deps.keys()
            .filter(|r| **r != "bin:gateway")
            .copied()
            .collect::<BTreeSet<_>>(),
        refs
    );
    assert!(deps.values().flatten().all(|r| refs.contains(r)));
    assert_eq!(bom["compositions"][0]["aggregate"], "complete");
    assert_eq!(bom["compositions"][0]["assemblies"][0], "bin:gateway");
}

#[test]
fn metadata_describes_the_binary_the_product_and_the_build() {
    let built = default_build();
    let bom = &built.boms["gateway"];
    let m = &bom["metadata"];
    assert_eq!(
        m["timestamp"], "2023-11-14T22:13:20Z",
        "from SOURCE_DATE_EPOCH={SDE}"
    );
    assert_eq!(m["lifecycles"][0]["phase"], "build");
    assert_eq!(m["tools"]["components"][0]["name"], "cargo-cra");
    // Issue 25: a host build's C (the fixture's cc crate compiles csrc/crc.c) names the system
    // C compiler that compiled it, by digest, as musl builds name zig.
    if !host_triple().contains("-musl") {
        let cc = m["tools"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| {
                t["description"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("C compiler of the build's C code: "))
            })
            .unwrap_or_else(|| panic!("no C compiler among the tools: {m}"));
        assert_eq!(hash(cc, "SHA-256").map(|h| h.len()), Some(64), "{cc}");
        assert!(!cc["name"].as_str().unwrap().contains('/'), "{cc}");
    }
    assert_eq!(m["manufacturer"]["name"], "Fixture Devices Ltd");
    let c = &m["component"];
    assert_eq!(c["type"], "application");
    assert_eq!(c["name"], "gateway");
    assert_eq!(c["version"], "0.3.0");
    let binary = built.saved.path().join("gateway");
    assert_eq!(hash(c, "SHA-256"), Some(sha_sum("sha256sum", &binary)));
    assert_eq!(hash(c, "SHA-512"), Some(sha_sum("sha512sum", &binary)));
    assert_eq!(
        built.reports["gateway"]["sha256"],
        Value::from(sha_sum("sha256sum", &binary))
    );
    assert_eq!(property(c, "bsi:component:executable"), Some("executable"));
    assert_eq!(
        property(c, "cargo-cra:product:product-id"),
        Some("FX-GW-3"),
        "package overrides workspace"
    );
    assert_eq!(
        property(c, "cargo-cra:product:support-period-end"),
        Some("2030-06-30"),
        "from the workspace"
    );
    assert_eq!(
        property(c, "cargo-cra:target"),
        Some(host_triple().as_str())
    );
    let contact = c["externalReferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "security-contact")
        .unwrap();
    assert_eq!(contact["url"], "https://fixture.example.com/security");
    let serial = bom["serialNumber"].as_str().unwrap();
    assert!(
        serial.starts_with("urn:uuid:") && serial.len() == 45,
        "{serial}"
    );
    assert_eq!(
        built.reports["gateway"]["components"],
        Value::from(bom["components"].as_array().unwrap().len())
    );
}

#[test]
fn no_absolute_build_machine_path_in_any_sbom() {
    let built = default_build();
    let (tmp, _, _) = fixture();
    let home = std::env::var("HOME").unwrap();
    for file in built.sbom_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(tmp.path().to_str().unwrap()),
            "{} names the build directory",
            file.display()
        );
        assert!(
            !text.contains(&format!("{home}/")),
            "{} names the home directory",
            file.display()
        );
        assert!(
            !text.contains("/registry/src/"),
            "{} names the cargo cache",
            file.display()
        );
    }
}

#[test]
fn no_absolute_build_machine_path_in_debug_binaries() {
    // Debug builds keep full debug info, for the Rust code and for the C code the build script
    // compiles with `cc`: neither may name the build directory.
    let built = default_build();
    let (tmp, _, _) = fixture();
    let root = tmp.path().to_str().unwrap().as_bytes();
    for bin in built.boms.keys() {
        let bytes = std::fs::read(built.saved.path().join(bin)).unwrap();
        assert!(
            !bytes.windows(root.len()).any(|w| w == root),
            "{bin} names the build directory {}",
            tmp.path().display()
        );
    }
}

#[test]
fn human_summary_names_binary_digest_and_sbom() {
    let _ = default_build();
    let (_, dir, lock) = fixture();
    let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    let out = run_cra(
        dir,
        &["cra", "build", "--bin", "probe"],
        &[("SOURCE_DATE_EPOCH", SDE)],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let host = host_triple();
    assert!(text.starts_with("probe\n"), "{text}");
    assert!(
        text.contains(&format!("binary      target/cra/{host}/debug/probe")),
        "{text}"
    );
    assert!(text.contains("sha256      "), "{text}");
    assert!(
        text.contains(&format!(
            "sbom        target/cra/{host}/debug/probe.cdx.json (2 components)"
        )),
        "{text}"
    );
}
