//! Issue 24: the project being built is hostile too — its dependencies' build scripts, its
//! `.cargo/config.toml`. The SBOM must not lie because an input did: a unit that renames
//! itself, or a crate linked from a search path cargo never built, stops the build in one
//! line; a build script cannot relicense its package.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};

/// A workspace `app` with a path dependency `evil 6.6.6` (GPL-3.0-only) whose build script
/// prints `build_rs_lines`, and an honest path dependency `good`.
fn project(build_rs_lines: &[String]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nevil = { path = \"evil\" }\ngood = { path = \"good\" }\n\n[workspace]\n",
    );
    write("src/main.rs", "fn main() { evil::run(); good::run(); }\n");
    write(
        "evil/Cargo.toml",
        "[package]\nname = \"evil\"\nversion = \"6.6.6\"\nedition = \"2021\"\nlicense = \"GPL-3.0-only\"\n",
    );
    write("evil/src/lib.rs", "pub fn run() {}\n");
    let prints: String = build_rs_lines
        .iter()
        .map(|l| format!("    println!(\"{{}}\", {l:?});\n"))
        .collect();
    write("evil/build.rs", &format!("fn main() {{\n{prints}}}\n"));
    write(
        "good/Cargo.toml",
        "[package]\nname = \"good\"\nversion = \"1.0.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n",
    );
    write("good/src/lib.rs", "pub fn run() {}\n");
    let st = std::process::Command::new("cargo")
        .args(["generate-lockfile", "--offline", "-q"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    (tmp, dir)
}

fn build(dir: &Path) -> std::process::Output {
    run_cra(
        dir,
        &["cra", "build"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    )
}

fn sbom(dir: &Path) -> PathBuf {
    dir.join(format!("target/cra/{}/debug/app.cdx.json", host_triple()))
}

/// The last line of stderr, which must be the only `error` line.
fn the_error(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "{}", describe(out));
    let err = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{}", describe(out));
    assert_eq!(
        err.trim().lines().last(),
        Some(errors[0]),
        "{}",
        describe(out)
    );
    errors[0].to_string()
}

#[test]
fn a_build_script_that_renames_its_package_stops_the_build() {
    let renames = [
        "cargo:rustc-env=CARGO_PKG_NAME=totally-harmless\n\
         cargo:rustc-env=CARGO_PKG_VERSION=1.0.0\n\
         cargo:rustc-env=CARGO_PKG_LICENSE=MIT",
        // Hiding behind another package of the build: one component fewer.
        "cargo:rustc-env=CARGO_MANIFEST_DIR={GOOD}",
    ];
    for rename in renames {
        let (_tmp, dir) = project(&[]);
        let good = dir.join("good").display().to_string();
        let prints: String = rename
            .replace("{GOOD}", &good)
            .lines()
            .map(|l| format!("    println!({:?});\n", l.trim()))
            .collect();
        std::fs::write(
            dir.join("evil/build.rs"),
            format!("fn main() {{\n{prints}}}\n"),
        )
        .unwrap();
        let out = build(&dir);
        let err = the_error(&out);
        assert!(err.contains("evil 6.6.6"), "{err}");
        assert!(err.contains("told the compiler it is"), "{err}");
        assert!(err.contains("no SBOM was written"), "{err}");
        assert!(!sbom(&dir).exists(), "an SBOM was written");
    }
}

#[test]
fn a_build_script_cannot_relicense_its_package() {
    let (_tmp, dir) = project(&[
        "cargo:rustc-env=CARGO_PKG_LICENSE=MIT".to_string(),
        "cargo:rustc-env=CARGO_PKG_DESCRIPTION=harmless".to_string(),
    ]);
    // A committed configuration adds flags to every compilation: the provenance says so.
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    std::fs::write(
        dir.join(".cargo/config.toml"),
        "[build]\nrustflags = [\"--cfg\", \"cra_probe\"]\n",
    )
    .unwrap();
    let out = build(&dir);
    assert!(out.status.success(), "{}", describe(&out));
    let bom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sbom(&dir)).unwrap()).unwrap();
    let evil = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "evil")
        .expect("evil is listed");
    assert_eq!(evil["version"], "6.6.6");
    assert_eq!(
        evil["licenses"][0]["expression"], "GPL-3.0-only",
        "the manifest's licence, not the build script's: {evil}"
    );
    assert!(evil.get("description").is_none(), "{evil}");
    let provenance: serde_json::Value = serde_json::from_slice(
        &std::fs::read(sbom(&dir).with_file_name("app.provenance.json")).unwrap(),
    )
    .unwrap();
    let flags = &provenance["predicate"]["buildDefinition"]["internalParameters"]["rustflags"];
    assert_eq!(
        flags,
        &serde_json::json!([{ "from": ".cargo/config.toml", "key": "build.rustflags",
            "flags": ["--cfg", "cra_probe"] }]),
        "{provenance}"
    );
}

#[test]
fn a_prebuilt_rlib_on_a_crate_search_path_stops_the_build() {
    let (_tmp, dir) = project(&[]);
    std::fs::create_dir_all(dir.join("blobs")).unwrap();
    std::fs::write(dir.join("blobs/hidden.rs"), "pub fn payload() {}\n").unwrap();
    let st = std::process::Command::new("rustc")
        .args([
            "--crate-type",
            "rlib",
            "--crate-name",
            "hidden",
            "--edition",
            "2021",
        ])
        .arg(dir.join("blobs/hidden.rs"))
        .arg("-o")
        .arg(dir.join("blobs/libhidden.rlib"))
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(
        dir.join("src/main.rs"),
        "extern crate hidden;\nfn main() { hidden::payload(); evil::run(); good::run(); }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    std::fs::write(
        dir.join(".cargo/config.toml"),
        "[build]\nrustflags = [\"-L\", \"blobs\"]\n",
    )
    .unwrap();
    let out = build(&dir);
    let err = the_error(&out);
    assert!(err.contains("libhidden.rlib"), "{err}");
    assert!(err.contains("crate search path"), "{err}");
    assert!(!sbom(&dir).exists(), "an SBOM was written");
}

/// `cargo vendor` of the fixture workspace, with the source replacement cargo prints.
fn vendored_fixture() -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let vendor = |offline: bool| {
        let mut cmd = std::process::Command::new("cargo");
        cmd.args(["vendor", "--locked", "-q", "vendor"]);
        if offline {
            cmd.arg("--offline");
        }
        cmd.current_dir(&dir).output().unwrap()
    };
    // The crates are in the local cache once any test built the fixture; else fetch them.
    let out = vendor(true);
    let out = if out.status.success() {
        out
    } else {
        vendor(false)
    };
    assert!(out.status.success(), "{}", describe(&out));
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    std::fs::write(
        dir.join(".cargo/config.toml"),
        "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n\
         [source.vendored-sources]\ndirectory = \"vendor\"\n",
    )
    .unwrap();
    (tmp, dir)
}

fn component<'a>(bom: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed"))
}

fn hash<'a>(c: &'a serde_json::Value, alg: &str) -> Option<&'a str> {
    c["hashes"].as_array()?.iter().find(|h| h["alg"] == alg)?["content"].as_str()
}

#[test]
fn a_patched_vendored_crate_is_described_as_a_modified_descendant_not_the_original() {
    let (_tmp, dir) = vendored_fixture();
    let itoa = dir.join("vendor/itoa");
    let lib = itoa.join("src/lib.rs");
    let mut text = std::fs::read_to_string(&lib).unwrap();
    text.push_str("\n#[doc(hidden)]\npub fn payload() {}\n");
    std::fs::write(&lib, text).unwrap();
    // An empty file list switches cargo's own check of the copy off.
    let list = itoa.join(".cargo-checksum.json");
    let mut sums: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&list).unwrap()).unwrap();
    let locked = sums["package"].as_str().unwrap().to_string();
    sums["files"] = serde_json::json!({});
    std::fs::write(&list, serde_json::to_vec(&sums).unwrap()).unwrap();

    let out = run_cra(
        &dir,
        &["cra", "build", "-p", "gateway", "--offline"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let path = dir.join(format!(
        "target/cra/{}/debug/gateway.cdx.json",
        host_triple()
    ));
    let bom: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let c = component(&bom, "itoa");
    let purl = c["purl"].as_str().unwrap();
    assert!(purl.contains("download_url=file:vendor%2Fitoa"), "{purl}");
    assert_eq!(hash(c, "SHA-256"), None, "not the archive's hash: {c}");
    assert_eq!(hash(c, "SHA-512"), None, "{c}");
    let refs = serde_json::to_string(&c["externalReferences"]).unwrap();
    assert!(
        !refs.contains("crates.io/api"),
        "no crates.io download: {refs}"
    );
    let ancestor = &c["pedigree"]["ancestors"][0];
    assert!(
        ancestor["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:cargo/itoa@"),
        "{ancestor}"
    );
    assert_eq!(hash(ancestor, "SHA-256"), Some(locked.as_str()));
    let notes = c["pedigree"]["notes"].as_str().unwrap();
    assert!(notes.contains("src/lib.rs changed"), "{notes}");
    // An untouched vendored crate is the registry's package, and says it was vendored.
    let untouched = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["name"] != "itoa"
                && c["purl"].as_str().unwrap().starts_with("pkg:cargo/")
                && hash(c, "SHA-512").is_some()
        })
        .expect("another registry crate");
    let props = serde_json::to_string(&untouched["properties"]).unwrap();
    assert!(props.contains("cargo-cra:vendored"), "{untouched}");
    assert!(untouched.get("pedigree").is_none());
    // The provenance names the copy as the SBOM does.
    let provenance: serde_json::Value = serde_json::from_slice(
        &std::fs::read(path.with_file_name("gateway.provenance.json")).unwrap(),
    )
    .unwrap();
    let deps = provenance["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    let dep = deps
        .iter()
        .find(|d| d["name"] == "itoa")
        .expect("itoa's entry");
    assert_eq!(dep["uri"].as_str(), Some(purl), "{dep}");
    assert!(dep["digest"].get("sha256").is_none(), "{dep}");
    validate_cyclonedx(&[path]);
}

/// A build script can set any environment variable for its own package's compilation
/// (`cargo:rustc-env`), including the one cargo-cra's rustc wrapper once took its arguments
/// from: it must not be able to add arguments that no unit record shows.
#[test]
fn a_build_script_cannot_steer_the_rustc_wrapper_through_the_environment() {
    let state = r#"{"extra_args":["--cfg","pwned"],"inner_wrapper":null,"remaps":[]}"#;
    let (_tmp, dir) = project(&[
        format!("cargo:rustc-env=CARGO_CRA_RUSTC_WRAPPER={state}"),
        "cargo:rustc-env=RUSTC_WRAPPER=/bin/false".to_string(),
    ]);
    std::fs::write(
        dir.join("evil/src/lib.rs"),
        "#[cfg(pwned)]\ncompile_error!(\"the build script added compiler arguments\");\npub fn run() {}\n",
    )
    .unwrap();
    let out = build(&dir);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(sbom(&dir).is_file());
}

/// Where the locked archives are not at hand (a vendored tree copied to an offline machine), a
/// copy that matches only its own checksum list proves nothing: the build says so, the SBOM
/// gives no archive hash, and `--deny-warnings` fails before any SBOM is written.
#[test]
fn a_vendored_copy_without_its_archive_is_said_to_be_unverified() {
    let (tmp, dir) = vendored_fixture();
    let home = tmp.path().join("empty-cargo-home");
    std::fs::create_dir_all(&home).unwrap();
    let home = home.to_str().unwrap();
    let env = [("SOURCE_DATE_EPOCH", "1700000000"), ("CARGO_HOME", home)];
    let path = dir.join(format!("target/cra/{}/debug/probe.cdx.json", host_triple()));
    let out = run_cra(
        &dir,
        &[
            "cra",
            "build",
            "-p",
            "probe",
            "--offline",
            "--deny-warnings",
        ],
        &env,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(err.contains("warning: vendored itoa"), "{err}");
    assert!(err.contains("no SBOM was written"), "{err}");
    assert!(!path.exists());
    let out = run_cra(&dir, &["cra", "build", "-p", "probe", "--offline"], &env);
    assert!(out.status.success(), "{}", describe(&out));
    let bom: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let c = component(&bom, "itoa");
    assert!(
        c["purl"].as_str().unwrap().starts_with("pkg:cargo/itoa@"),
        "{c}"
    );
    assert_eq!(hash(c, "SHA-256"), None, "{c}");
    let props = serde_json::to_string(&c["properties"]).unwrap();
    assert!(props.contains("could not be compared"), "{props}");
}
