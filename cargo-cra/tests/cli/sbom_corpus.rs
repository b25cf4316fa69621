//! Real published apps nobody here wrote, fetched from crates.io by the test (pinned version
//! and archive checksum, built with their own published `Cargo.lock`): for x86_64 and arm64
//! (static musl), each binary's SBOM lists exactly what `cargo tree -e normal,no-proc-macro`
//! says is linked, and the binary runs (`--version`, under qemu-user-static for arm64).
//!
//! The corpus covers C code compiled by zig (hickory-dns: SQLite and ring; ripgrep: jemalloc),
//! a 179-crate graph (hickory-dns with its ring TLS, QUIC and Prometheus features), and a binary whose
//! package's library has another name (bore-cli → `bore_cli`). It builds in the `dev` profile
//! without debug info (the linked set does not depend on optimisation) in one shared target
//! directory under `target/cra-corpus/`.

use crate::common;

use common::oracle;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A published binary crate.
struct App {
    name: &'static str,
    version: &'static str,
    /// SHA-256 of the `.crate` archive (as crates.io's index records it).
    sha256: &'static str,
    features: &'static [&'static str],
}

const CORPUS: &[App] = &[
    App {
        name: "ripgrep",
        version: "14.1.1",
        sha256: "f77b8032dc584527975f34aa5a897d0ef5a785573fda778771a614ff9da501d9",
        features: &[],
    },
    App {
        name: "hexyl",
        version: "0.17.0",
        sha256: "e0df0c7b9afa020673c0942ae257a938b257d79e6395d8f1b8b45898f3391c5e",
        features: &[],
    },
    App {
        name: "sd",
        version: "1.0.0",
        sha256: "70613c41881ca1e5b69e6bb110f2ac499739c03a151b00e41e16090974b826a8",
        features: &[],
    },
    App {
        name: "bore-cli",
        version: "0.6.0",
        sha256: "4af1367da96d5aa80e51e18aa9dd463df927fb5b89c46ec0ca7f12002132a0f0",
        features: &[],
    },
    App {
        name: "hickory-dns",
        version: "0.26.3",
        sha256: "2c00f9de6ccb1de862fa8fac2cb03ad826cb7637aeb4406f9ea54b44d6c1e2e1",
        features: &[
            "https-ring",
            "dnssec-ring",
            "quic-ring",
            "prometheus-metrics",
        ],
    },
];

fn corpus_dir() -> PathBuf {
    repo_root().join("target/cra-corpus")
}

/// The app's sources, downloaded once and checked against the pinned checksum. Tests fetching
/// at the same time take turns; the tree is unpacked aside and renamed into place whole.
fn fetch(app: &App) -> PathBuf {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let dir = corpus_dir().join("src");
    std::fs::create_dir_all(&dir).unwrap();
    let stem = format!("{}-{}", app.name, app.version);
    let tree = dir.join(&stem);
    if tree.join("Cargo.lock").is_file() {
        return tree;
    }
    let archive = dir.join(format!("{stem}.crate"));
    let url = format!("https://static.crates.io/crates/{}/{stem}.crate", app.name);
    let st = Command::new("curl")
        .args(["-sSfL", "--retry", "3", "-o"])
        .arg(&archive)
        .arg(&url)
        .status()
        .expect("curl is needed to fetch the corpus (tests/run installs it)");
    assert!(st.success(), "downloading {url}");
    let digest = hex(&Sha256::digest(std::fs::read(&archive).unwrap()));
    assert_eq!(digest, app.sha256, "{url}: not the pinned archive");
    let aside = tempfile::tempdir_in(&dir).unwrap();
    let st = Command::new("tar")
        .arg("xzf")
        .arg(&archive)
        .current_dir(aside.path())
        .status()
        .unwrap();
    assert!(st.success());
    assert!(
        aside.path().join(&stem).join("Cargo.lock").is_file(),
        "{stem} ships no Cargo.lock"
    );
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::rename(aside.path().join(&stem), &tree).unwrap();
    tree
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds `app` for `target`; returns every binary's report.
fn build(app: &App, dir: &Path, target: &str) -> Vec<Value> {
    let target_dir = corpus_dir().join("build");
    let mut args = vec![
        "cra",
        "build",
        "--message-format",
        "json",
        "--target",
        target,
        "--sbom-format",
        "spdx2.3",
        "--sbom-format",
        "spdx3",
    ];
    for f in app.features {
        args.extend(["--features", f]);
    }
    let out = run_cra(
        dir,
        &args,
        &[
            ("CARGO_TARGET_DIR", target_dir.to_str().unwrap()),
            ("CARGO_PROFILE_DEV_DEBUG", "0"),
            ("SOURCE_DATE_EPOCH", "1700000000"),
        ],
    );
    assert!(
        out.status.success(),
        "{} for {target}: {}",
        app.name,
        describe(&out)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn check_corpus(target: &str) {
    if !rust_target_installed(target) {
        panic!(
            "the Rust target {target} is not installed: run `rustup target add {target}` (tests/run does)"
        );
    }
    let mut table = Vec::new();
    let mut largest = 0;
    let mut with_ring = false;
    for app in CORPUS {
        let dir = fetch(app);
        let reports = build(app, &dir, target);
        assert!(!reports.is_empty(), "{}: no binary", app.name);
        let tree = oracle::cargo_tree(&dir, app.name, target, app.features);
        for r in &reports {
            let bom: Value =
                serde_json::from_slice(&std::fs::read(r["sbom"].as_str().unwrap()).unwrap())
                    .unwrap();
            let listed = oracle::sbom_components(&bom);
            largest = largest.max(listed.len());
            with_ring |= listed.iter().any(|(name, _)| name == "ring");
            assert_eq!(
                listed,
                tree,
                "{} ({}) for {target}: {}",
                app.name,
                r["name"],
                oracle::difference(&listed, &tree)
            );
            // Every field BSI TR-03183-2 v2.1 requires, or why it cannot be known.
            assert_eq!(
                crate::tr03183::gaps(&bom),
                Vec::<String>::new(),
                "{} ({}) for {target}: BSI TR-03183-2",
                app.name,
                r["name"]
            );
            let exe = Path::new(r["path"].as_str().unwrap());
            // The SPDX 2.3 form passes spdx-tools' validator and lists the same packages; the
            // dependency list inside the binary, read by rust-audit-info, is the same set.
            let sbom_path = Path::new(r["sbom"].as_str().unwrap());
            let spdx_path = sbom_path.with_file_name(
                sbom_path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace(".cdx.json", ".spdx23.json"),
            );
            pyspdxtools_check(&spdx_path).unwrap();
            // SPDX 3.0.1: spdx3-validate's SHACL check takes minutes for a graph of a hundred
            // crates, so one real app (the smallest) is checked, for one target.
            if app.name == "hexyl" && target.starts_with("x86_64") {
                spdx3_check(&sbom_path.with_file_name("hexyl.spdx.json")).unwrap();
            }
            let spdx: Value = serde_json::from_slice(&std::fs::read(&spdx_path).unwrap()).unwrap();
            let versioned = |name: &Value, version: &Value| {
                format!("{}@{}", name.as_str().unwrap(), version.as_str().unwrap())
            };
            let mut in_cdx: std::collections::BTreeSet<String> = bom["components"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| versioned(&c["name"], &c["version"]))
                .collect();
            let root = &bom["metadata"]["component"];
            in_cdx.insert(versioned(&root["name"], &root["version"]));
            let in_spdx: std::collections::BTreeSet<String> = spdx["packages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| versioned(&p["name"], &p["versionInfo"]))
                .collect();
            assert_eq!(in_spdx, in_cdx, "{}: SPDX and CycloneDX", app.name);
            let mut embedded = embedded_packages(exe);
            // The list names the root by package, the SBOM by binary.
            embedded.remove(&format!("{}@{}", app.name, app.version));
            in_cdx.remove(&versioned(&root["name"], &root["version"]));
            assert_eq!(embedded, in_cdx, "{}: .dep-v0 and SBOM", app.name);
            let mut out = run_foreign(target, exe, &["--version"]);
            if !out.status.success() {
                // Some apps print their version only with -V.
                out = run_foreign(target, exe, &["-V"]);
            }
            assert!(
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains(app.version),
                "{} --version for {target}: {}",
                r["name"],
                describe(&out)
            );
            table.push(format!(
                "{} {} ({}): {} components = cargo tree",
                app.name, app.version, r["name"], r["components"]
            ));
        }
    }
    eprintln!("corpus for {target}:\n  {}", table.join("\n  "));
    assert!(
        largest >= 150,
        "the corpus must hold a large graph: the largest has {largest} crates"
    );
    assert!(with_ring, "the corpus must hold an app linking ring (C)");
}

#[test]
fn real_apps_for_x86_64_list_exactly_what_cargo_tree_links_and_run() {
    check_corpus("x86_64-unknown-linux-musl");
}

#[test]
fn real_apps_for_arm64_list_exactly_what_cargo_tree_links_and_run_under_qemu() {
    check_corpus("aarch64-unknown-linux-musl");
}

#[test]
fn a_real_app_with_c_composed_for_arm64_starts_under_qemu() {
    // ripgrep links jemalloc (C, compiled by zig) on musl targets.
    let app = &CORPUS[0];
    assert_eq!(app.name, "ripgrep");
    let dir = fetch(app);
    let tmp = tempfile::tempdir().unwrap();
    let recipe = dir.parent().unwrap().join("ripgrep-arm64.toml");
    std::fs::write(
        &recipe,
        format!(
            "[image]\nname = \"rg\"\nversion = \"{}\"\narchitecture = \"arm64\"\n\n\
             [[app]]\npath = \"{}\"\npackage = \"ripgrep\"\nbin = \"rg\"\ndest = \"/usr/bin/rg\"\n\n\
             [[user]]\nname = \"rg\"\nuid = 1000\ngid = 1000\n\n\
             [[group]]\nname = \"rg\"\ngid = 1000\n\n\
             [output.squashfs]\ncompression = \"zstd\"\nlevel = 3\n",
            app.version,
            dir.file_name().unwrap().to_str().unwrap()
        ),
    )
    .unwrap();
    // Issue 25: gated on its known vulnerabilities, the one open finding of the advisory
    // snapshot settled by the manufacturer's decision; the passed gate leaves its record.
    let decided = tmp.path().join("decided.vex.json");
    std::fs::write(
        &decided,
        serde_json::json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "urn:test:rg",
            "author": "test",
            "timestamp": "2026-01-01T00:00:00Z",
            "version": 1,
            "statements": [{
                "vulnerability": { "name": "RUSTSEC-2026-0204" },
                "products": [{ "@id": "pkg:cargo/crossbeam-epoch@0.9.18" }],
                "status": "not_affected",
                "justification": "vulnerable_code_not_in_execute_path"
            }]
        })
        .to_string(),
    )
    .unwrap();
    let db = third_party("advisory-db");
    let out = run_cra(
        tmp.path(),
        &[
            "cra",
            "compose",
            recipe.to_str().unwrap(),
            "--out",
            "images",
            "--json",
            "--audit",
            "--db",
            db.to_str().unwrap(),
            "--vex",
            decided.to_str().unwrap(),
        ],
        &[
            (
                "CARGO_TARGET_DIR",
                corpus_dir().join("build").to_str().unwrap(),
            ),
            // compose builds with the release profile: keep it cheap for CI.
            ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
            ("CARGO_PROFILE_RELEASE_DEBUG", "0"),
            ("CARGO_PROFILE_RELEASE_LTO", "false"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let image = Path::new(report["dir"].as_str().unwrap());
    let record: Value =
        serde_json::from_slice(&std::fs::read(image.join("rg.audit.json")).unwrap()).unwrap();
    let settled = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "RUSTSEC-2026-0204")
        .expect("the settled finding is in the gate's record");
    assert_eq!(settled["status"], "not_affected", "{settled}");
    let root = tmp.path().join("root");
    let st = Command::new("unsquashfs")
        .arg("-d")
        .arg(&root)
        .arg(image.join("rg.squashfs"))
        .output()
        .expect("unsquashfs (tests/run installs squashfs-tools)");
    assert!(st.status.success(), "{}", describe(&st));
    let rg = root.join("usr/bin/rg");
    let version = run_foreign("aarch64-unknown-linux-musl", &rg, &["--version"]);
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with("ripgrep 14.1.1"),
        "{}",
        describe(&version)
    );
    let haystack = tmp.path().join("haystack.txt");
    std::fs::write(&haystack, "device\nneedle one\nnothing\nneedle two\n").unwrap();
    let found = run_foreign(
        "aarch64-unknown-linux-musl",
        &rg,
        &["-c", "needle", haystack.to_str().unwrap()],
    );
    assert_eq!(
        String::from_utf8_lossy(&found.stdout).trim(),
        "2",
        "{}",
        describe(&found)
    );
}

/// (advisory, crate, version) triples of a cargo-audit JSON report: vulnerabilities and the
/// informational warnings, a yanked version (no advisory) as `yanked` as cargo cra audit
/// names it.
fn cargo_audit_findings(report: &Value) -> std::collections::BTreeSet<(String, String, String)> {
    let entry = |v: &Value| {
        Some((
            v["advisory"]["id"]
                .as_str()
                .or(v["kind"].as_str())?
                .to_string(),
            v["package"]["name"].as_str()?.to_string(),
            v["package"]["version"].as_str()?.to_string(),
        ))
    };
    let mut out: std::collections::BTreeSet<_> = report["vulnerabilities"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(entry)
        .collect();
    for list in report["warnings"].as_object().unwrap().values() {
        out.extend(list.as_array().unwrap().iter().filter_map(entry));
    }
    out
}

#[test]
fn real_apps_audit_like_cargo_audit_restricted_to_what_ships() {
    let db = third_party("advisory-db");
    assert!(
        db.join("crates").is_dir(),
        "the advisory-db snapshot is missing"
    );
    let target = "x86_64-unknown-linux-musl";
    for app in CORPUS {
        let dir = fetch(app);
        let reports = build(app, &dir, target);
        let sboms: Vec<String> = reports
            .iter()
            .map(|r| r["sbom"].as_str().unwrap().to_string())
            .collect();
        let vex_out = tempfile::tempdir().unwrap();
        let vex_file = vex_out.path().join("audit.vex.json");
        let mut args = vec!["cra", "audit", "--json", "--db", db.to_str().unwrap()];
        args.extend(["--openvex", vex_file.to_str().unwrap()]);
        args.extend(sboms.iter().map(String::as_str));
        let out = run_cra(&dir, &args, &[]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: {}",
            app.name,
            describe(&out)
        );
        let ours_report: Value = serde_json::from_slice(&out.stdout).unwrap();
        // Issue 25: never a document its schema rejects: an OpenVEX document only with a
        // statement, and none (said on stderr) when the audit found no vulnerability.
        let advisories = ours_report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] != "yanked")
            .count();
        match advisories {
            0 => {
                assert!(
                    !vex_file.exists(),
                    "{}: an empty OpenVEX document",
                    app.name
                );
                assert!(
                    String::from_utf8_lossy(&out.stderr).contains("found no vulnerability"),
                    "{}: {}",
                    app.name,
                    describe(&out)
                );
            }
            n => {
                let doc: Value =
                    serde_json::from_slice(&std::fs::read(&vex_file).unwrap()).unwrap();
                assert_eq!(
                    doc["statements"].as_array().unwrap().len(),
                    n,
                    "{}",
                    app.name
                );
            }
        }
        let ours: std::collections::BTreeSet<(String, String, String)> = ours_report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap().to_string();
                (s("id"), s("package"), s("version"))
            })
            .collect();
        // What the binaries link (the SBOMs' crates).
        let mut shipped = std::collections::BTreeSet::new();
        for sbom in &sboms {
            let doc: Value = serde_json::from_slice(&std::fs::read(sbom).unwrap()).unwrap();
            for c in doc["components"].as_array().unwrap() {
                if let (Some(n), Some(v)) = (c["name"].as_str(), c["version"].as_str()) {
                    shipped.insert((n.to_string(), v.to_string()));
                }
            }
        }
        let out = std::process::Command::new(cargo_audit())
            .args(["audit", "--no-fetch", "--json", "--db"])
            .arg(&db)
            .arg("--file")
            .arg(dir.join("Cargo.lock"))
            .output()
            .unwrap();
        let theirs_report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: cargo-audit: {e}: {}", app.name, describe(&out)));
        let theirs = cargo_audit_findings(&theirs_report);
        // Everything we report, cargo-audit reports too.
        let extra: Vec<_> = ours.difference(&theirs).collect();
        assert!(extra.is_empty(), "{}: only cargo-cra: {extra:?}", app.name);
        // What cargo-audit reports on a shipped crate, we report, unless the advisory is for
        // another platform than the target.
        let mut not_shipped = 0;
        let mut other_platform = 0;
        for t in &theirs {
            if !shipped.contains(&(t.1.clone(), t.2.clone())) {
                not_shipped += 1;
                continue;
            }
            if ours.contains(t) {
                continue;
            }
            let advisory =
                std::fs::read_to_string(db.join("crates").join(&t.1).join(format!("{}.md", t.0)))
                    .unwrap();
            assert!(
                advisory.contains("\nos = [") || advisory.contains("\narch = ["),
                "{}: cargo-audit's {t:?} is on a shipped crate but cargo-cra misses it",
                app.name
            );
            other_platform += 1;
        }
        eprintln!(
            "{}: cargo-audit {} findings; cargo-cra {} (shipped); {not_shipped} not linked into the binaries, {other_platform} for another platform",
            app.name,
            theirs.len(),
            ours.len()
        );
    }
}

#[test]
fn a_real_apps_build_is_documented_with_its_undeclared_items_listed_as_missing() {
    let app = CORPUS.iter().find(|a| a.name == "hexyl").unwrap();
    let dir = fetch(app);
    // Its own target directory: the build output directory then holds hexyl alone.
    let target_dir = corpus_dir().join("docs-hexyl");
    let out = run_cra(
        &dir,
        &[
            "cra",
            "build",
            "--message-format",
            "json",
            "--target",
            "x86_64-unknown-linux-musl",
        ],
        &[
            ("CARGO_TARGET_DIR", target_dir.to_str().unwrap()),
            ("CARGO_PROFILE_DEV_DEBUG", "0"),
            ("SOURCE_DATE_EPOCH", "1700000000"),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let report: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap();
    let binary = PathBuf::from(report["path"].as_str().unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    let out = run_cra(
        &dir,
        &[
            "cra",
            "docs",
            binary.parent().unwrap().to_str().unwrap(),
            "--config",
            dir.join("Cargo.toml").to_str().unwrap(),
            "--out",
            docs.to_str().unwrap(),
        ],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let tf: Value =
        serde_json::from_slice(&std::fs::read(docs.join("technical-file.json")).unwrap()).unwrap();
    let listed: Vec<&str> = tf["artefacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["hexyl", "hexyl.cdx.json", "hexyl.provenance.json"]);
    assert_eq!(tf["product"]["name"]["value"], "hexyl");
    assert_eq!(tf["product"]["version"]["value"], "0.17.0");
    // hexyl declares no [package.metadata.cra]: nothing is invented.
    let missing: Vec<&str> = tf["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for item in [
        "manufacturer's name",
        "single point of contact for vulnerabilities",
        "end date of the support period",
        "signed artefacts and attestations",
    ] {
        assert!(
            missing.iter().any(|m| m.contains(item)),
            "{item}: {missing:?}"
        );
    }
    assert!(
        !docs.join("security.txt").exists(),
        "no contact, no security.txt"
    );
    // Its SBOM table lists the crates hexyl links, and the page is valid HTML.
    let html = std::fs::read_to_string(docs.join("index.html")).unwrap();
    assert!(
        html.contains("pkg:cargo/clap@"),
        "clap is linked into hexyl"
    );
    let tidy = std::process::Command::new("tidy")
        .args(["-errors", "-quiet"])
        .arg(docs.join("index.html"))
        .output()
        .expect("tidy (tests/run installs it)");
    assert!(
        tidy.status.code().is_some_and(|c| c < 2),
        "{}",
        describe(&tidy)
    );
}

#[test]
fn init_keeps_real_published_manifests_byte_for_byte() {
    // ripgrep's manifest as published (cargo's normalised form, with [package.metadata.deb])
    // and hexyl's as its authors wrote it (Cargo.toml.orig, comments and all).
    for (name, manifest) in [("ripgrep", "Cargo.toml"), ("hexyl", "Cargo.toml.orig")] {
        let app = CORPUS.iter().find(|a| a.name == name).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        copy_tree(&fetch(app), &dir);
        if manifest != "Cargo.toml" {
            std::fs::copy(dir.join(manifest), dir.join("Cargo.toml")).unwrap();
        }
        let before = std::fs::read(dir.join("Cargo.toml")).unwrap();
        let out = run_cra(
            &dir,
            &[
                "cra",
                "init",
                "--manufacturer",
                "Example Devices GmbH",
                "--recipe",
            ],
            &[],
        );
        assert!(out.status.success(), "{name}: {}", describe(&out));
        let after = std::fs::read(dir.join("Cargo.toml")).unwrap();
        assert!(
            after.starts_with(&before),
            "{name}: the manifest's bytes changed"
        );
        let meta = cargo_metadata_json(&dir);
        let package = meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap();
        assert_eq!(
            package["metadata"]["cra"]["manufacturer"]["name"],
            "Example Devices GmbH"
        );
        // The recipe images each of its binaries (ripgrep's is `rg`).
        let recipe =
            std::fs::read_to_string(dir.join("recipes").join(format!("{name}.toml"))).unwrap();
        for bin in package["targets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"][0] == "bin")
        {
            let bin = bin["name"].as_str().unwrap();
            assert!(
                recipe.contains(&format!("bin = \"{bin}\"")),
                "{name}: {recipe}"
            );
        }
    }
}

#[test]
fn a_real_apps_build_never_waits_on_cargo_itself() {
    // cargo-cra runs `cargo metadata --no-deps` strictly before `cargo build` and reads the
    // index cache without cargo's lock: cargo never blocks on cargo-cra's own cargo. A private
    // CARGO_HOME (sharing the downloaded registry) keeps the other tests' cargo runs out of
    // the package-cache lock, so any wait seen here is cargo-cra's.
    let app = CORPUS.iter().find(|a| a.name == "sd").unwrap();
    let dir = fetch(app);
    // Its crates downloaded first, under the shared home's own lock.
    let st = Command::new("cargo")
        .args(["fetch", "--locked", "-q"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("cargo-home");
    std::fs::create_dir_all(&home).unwrap();
    let shared = PathBuf::from(
        std::env::var("CARGO_HOME")
            .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap())),
    );
    std::os::unix::fs::symlink(shared.join("registry"), home.join("registry")).unwrap();
    let out = run_cra(
        &dir,
        &["cra", "build", "--offline"],
        &[
            ("CARGO_HOME", home.to_str().unwrap()),
            (
                "CARGO_TARGET_DIR",
                tmp.path().join("target").to_str().unwrap(),
            ),
            ("CARGO_PROFILE_DEV_DEBUG", "0"),
            ("SOURCE_DATE_EPOCH", "1700000000"),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Compiling"), "{stderr}");
    assert!(
        !stderr.contains("Blocking waiting for file lock"),
        "cargo waited on a lock: {stderr}"
    );
}

/// Issue 25, on a real app (hexyl, from crates.io): a signed build, then an unsigned rebuild
/// (new provenance times), never leaves signatures that disagree with the outputs beside them.
/// Its own target directory: the other tests rebuild the corpus unsigned in theirs.
#[test]
fn a_real_apps_unsigned_rebuild_leaves_no_stale_signature() {
    let app = CORPUS.iter().find(|a| a.name == "hexyl").unwrap();
    let dir = fetch(app);
    let tmp = tempfile::tempdir().unwrap();
    let pw = ("CRA_PASSWORD", "pw");
    let out = run_cra(tmp.path(), &["cra", "keygen"], &[pw]);
    assert!(out.status.success(), "{}", describe(&out));
    let key = tmp.path().join("cosign.key");
    let target_dir = tmp.path().join("target");
    let env = [
        ("CARGO_TARGET_DIR", target_dir.to_str().unwrap()),
        ("CARGO_PROFILE_DEV_DEBUG", "0"),
        pw,
    ];
    let target = "x86_64-unknown-linux-musl";
    let build = |extra: &[&str]| {
        let mut args = vec!["cra", "build", "--target", target];
        args.extend_from_slice(extra);
        let out = run_cra(&dir, &args, &env);
        assert!(out.status.success(), "{}", describe(&out));
    };
    build(&["--sign", "--key", key.to_str().unwrap()]);
    let binary = target_dir.join(format!("cra/{target}/debug/hexyl"));
    let bundles = [
        "hexyl.sigstore.json",
        "hexyl.cdx.sigstore.json",
        "hexyl.provenance.sigstore.json",
    ];
    for b in bundles {
        assert!(binary.with_file_name(b).is_file(), "{b}");
    }
    build(&[]);
    for b in bundles {
        assert!(!binary.with_file_name(b).exists(), "{b} is stale");
    }
    let out = run_cra(
        &dir,
        &[
            "cra",
            "verify",
            binary.to_str().unwrap(),
            "--allow-unsigned",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
}

/// Issue 25, on a real app: hickory-dns built for the host (glibc, not musl) compiles ring's
/// and SQLite's C with the machine's own C compiler, which its SBOM and provenance name by
/// digest, as a musl build names zig.
#[test]
fn a_real_apps_host_build_records_the_c_compiler_that_compiled_its_c() {
    let host = host_triple();
    if host.contains("-musl") {
        eprintln!("skipped: the host target {host} is musl, whose C zig compiles");
        return;
    }
    let app = CORPUS.iter().find(|a| a.name == "hickory-dns").unwrap();
    let dir = fetch(app);
    let reports = build(app, &dir, &host);
    let report = reports.first().expect("a binary");
    let bom: Value =
        serde_json::from_slice(&std::fs::read(report["sbom"].as_str().unwrap()).unwrap()).unwrap();
    let cc = bom["metadata"]["tools"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("C compiler of the build's C code: "))
        })
        .unwrap_or_else(|| panic!("no C compiler among the SBOM's tools"));
    let sha = cc["hashes"][0]["content"].as_str().unwrap();
    let provenance: Value =
        serde_json::from_slice(&std::fs::read(report["provenance"].as_str().unwrap()).unwrap())
            .unwrap();
    let dep = provenance["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "C compiler")
        .expect("the C compiler among the resolved dependencies");
    assert_eq!(dep["digest"]["sha256"], sha, "{dep}");
}
