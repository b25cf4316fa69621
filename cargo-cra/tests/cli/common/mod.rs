//! Helpers shared by the end-to-end tests: fixture copies, running the real `cargo-cra`
//! binary, independent validators.
#![allow(dead_code)]

pub mod image;
pub mod oracle;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
/// Third-party test data kept in the repository (`tests/fixtures/third-party/<name>`, each with
/// its licence and source in a README); fails when it is missing.
pub fn third_party(rel: &str) -> PathBuf {
    let p = repo_root().join("tests/fixtures/third-party").join(rel);
    assert!(
        p.exists(),
        "the third-party fixture {} is missing",
        p.display()
    );
    p
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The `cargo-cra` binary under test.
pub fn cargo_cra() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cargo-cra"))
}

/// Copies the directory `src` to `dest` (created), leaving out `target/` directories.
/// Makes `dir` a git work tree (no commit: nothing about the outputs changes), as a checkout
/// of the repository is: a recipe's sources may then lie anywhere inside it.
pub fn as_work_tree(dir: &Path) {
    let st = std::process::Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .arg(dir)
        .status()
        .expect("git is needed");
    assert!(st.success(), "git init {}", dir.display());
}

pub fn copy_tree(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let from = entry.path();
        let to = dest.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&from, &to);
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
}

/// A fresh copy of `tests/fixtures/<name>` (or `examples/<name>`) in a new temporary directory.
pub fn fixture_copy(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join(Path::new(rel).file_name().unwrap());
    copy_tree(&repo_root().join(rel), &dest);
    (tmp, dest)
}

/// Runs `cargo-cra` with `args` in `dir`, without the wrapper's own variables inherited.
pub fn run_cra(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(cargo_cra());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CARGO_CRA_RUSTC_WRAPPER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Stdout and stderr of `out` as text, for failure messages.
pub fn describe(out: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A test peer `tests/run` installs under `.tools/` (or where `env` points): its path; a
/// missing one is a failure naming `what`, never a silent pass.
pub fn installed_tool(env: &str, default: &str, what: &str) -> PathBuf {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(default));
    assert!(
        path.exists(),
        "{what} is not installed ({}): run `bash tests/run`, which installs it",
        path.display()
    );
    path
}

/// The Python of `.tools/venv`, with the validators and sigstore-python, for `what`.
pub fn test_python(what: &str) -> PathBuf {
    installed_tool("CRA_TEST_PYTHON", ".tools/venv/bin/python", what)
}

/// spdx-tools' validator (`pyspdxtools -i FILE`, pinned in `.tools/venv`) on an SPDX 2.3
/// document: `Err` with what it says when it refuses it.
pub fn pyspdxtools_check(document: &Path) -> Result<(), String> {
    let python = test_python("spdx-tools");
    let mut validator = Command::new(python.with_file_name("pyspdxtools"));
    validator.arg("-i").arg(document);
    silent_success(validator, document)
}

/// A validator's verdict on `document`: it accepts it when it exits 0 and prints nothing.
fn silent_success(mut validator: Command, document: &Path) -> Result<(), String> {
    let out = validator.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    match out.status.success() && text.trim().is_empty() {
        true => Ok(()),
        false => Err(format!("{}: {text}", document.display())),
    }
}

/// spdx3-validate's verdict on an SPDX 3.0.1 document (JSON schema and SHACL shapes), run
/// offline on the model files in `tests/fixtures/third-party/spdx-3.0.1`.
pub fn spdx3_check(document: &Path) -> Result<(), String> {
    let mut validator = Command::new(test_python("spdx3-validate"));
    validator
        .arg(repo_root().join("tests/tools/spdx3-validate.py"))
        .arg(third_party("spdx-3.0.1"))
        .arg(document);
    silent_success(validator, document)
}

/// The dependency list rust-audit-info reads from the binary at `path` (it must find one).
pub fn audit_info_list(path: &Path) -> serde_json::Value {
    let out = Command::new(rust_audit_info()).arg(path).output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The `name@version` of every package of a dependency list.
pub fn package_versions(list: &serde_json::Value) -> std::collections::BTreeSet<String> {
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}@{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect()
}

/// The `name@version` of every package rust-audit-info reads from the binary at `path`.
pub fn embedded_packages(path: &Path) -> std::collections::BTreeSet<String> {
    package_versions(&audit_info_list(path))
}

/// rust-audit-info (pinned; `tests/run` installs it in `.tools/rust-audit-info`).
pub fn rust_audit_info() -> PathBuf {
    installed_tool(
        "CRA_TEST_RUST_AUDIT_INFO",
        ".tools/rust-audit-info/bin/rust-audit-info",
        "rust-audit-info",
    )
}

/// cargo-audit (pinned; `tests/run` installs it in `.tools/cargo-audit`).
pub fn cargo_audit() -> PathBuf {
    installed_tool(
        "CRA_TEST_CARGO_AUDIT",
        ".tools/cargo-audit/bin/cargo-audit",
        "cargo-audit",
    )
}

/// Validates CycloneDX files with cyclonedx-python-lib's strict JSON-schema validator
/// (installed by `tests/run` into `.tools/venv`). Panics when the validator is missing: a test
/// that needs it must not pass without it.
pub fn validate_cyclonedx(files: &[PathBuf]) {
    let python = test_python("the CycloneDX validator");
    let out = Command::new(&python)
        .arg(repo_root().join("tests/tools/validate-cdx.py"))
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "CycloneDX schema validation failed:\n{}",
        describe(&out)
    );
}

/// The host triple of the toolchain.
pub fn host_triple() -> String {
    let out = Command::new("rustc").arg("-vV").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .unwrap()
}

/// sigstore-js's verdict (@sigstore/verify, installed by `tests/run`, through
/// tests/tools/node/verify-bundle.mjs) on `bundle` for `artifact`, with the trust arguments
/// `trust` (`--key PUB`, or a trusted root and identity).
fn sigstore_js(trust: &[&std::ffi::OsStr], bundle: &Path, artifact: &Path) -> bool {
    let dir = repo_root().join("tests/tools/node");
    assert!(
        dir.join("node_modules/@sigstore/verify").exists(),
        "@sigstore/verify is not installed: run `bash tests/run`, which installs it"
    );
    let out = Command::new("node")
        .arg(dir.join("verify-bundle.mjs"))
        .args(trust)
        .arg("--bundle")
        .arg(bundle)
        .arg(artifact)
        .output()
        .expect("node is installed (tests/run installs it)");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    match (out.status.success(), text.as_str()) {
        (true, "OK") => true,
        (false, t) if t.starts_with("FAILED") => {
            eprintln!("@sigstore/verify refused {}: {t}", bundle.display());
            false
        }
        _ => panic!("unexpected verifier output:\n{}", describe(&out)),
    }
}

/// sigstore-js's verdict on a bundle signed with the key whose public half is `public_key`.
pub fn sigstore_js_accepts(public_key: &Path, bundle: &Path, artifact: &Path) -> bool {
    sigstore_js(
        &["--key".as_ref(), public_key.as_os_str()],
        bundle,
        artifact,
    )
}

pub use cra_mock_sigstore::MockSigstore;

/// The `cargo cra` options that sign keyless against a local Sigstore.
pub trait KeylessArgs {
    /// The keyless options for this instance with an identity token for `subject`.
    fn keyless_args(&self, subject: &str) -> Vec<String>;
}

impl KeylessArgs for MockSigstore {
    fn keyless_args(&self, subject: &str) -> Vec<String> {
        vec![
            "--keyless".into(),
            "--identity-token".into(),
            unsigned_jwt(subject),
            "--fulcio-url".into(),
            self.url.clone(),
            "--rekor-url".into(),
            self.url.clone(),
            "--trusted-root".into(),
            self.trusted_root.display().to_string(),
        ]
    }
}

/// The issuer the test identity tokens name.
pub const TEST_ISSUER: &str = "https://ci.example.com";

/// An unsigned JWT like a CI token: `iss` and `sub`, no `email` (the mock does not check
/// token signatures).
pub fn unsigned_jwt(subject: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = serde_json::json!({ "iss": TEST_ISSUER, "sub": subject });
    let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64.encode(serde_json::to_vec(&claims).unwrap());
    format!("{header}.{payload}.")
}

/// sigstore-js's verdict on a keyless bundle: trusted root, identity and issuer.
pub fn sigstore_js_accepts_keyless(
    root: &Path,
    identity: &str,
    bundle: &Path,
    artifact: &Path,
) -> bool {
    let trust: [&std::ffi::OsStr; 6] = [
        "--trusted-root".as_ref(),
        root.as_os_str(),
        "--certificate-identity".as_ref(),
        identity.as_ref(),
        "--certificate-oidc-issuer".as_ref(),
        TEST_ISSUER.as_ref(),
    ];
    sigstore_js(&trust, bundle, artifact)
}

/// sigstore-python's verdict (`sigstore --trust-config TC verify identity --offline`) on a
/// keyless bundle; the client trust config is made from `root` (the instance's trusted root).
pub fn sigstore_python_accepts(
    root: &Path,
    identity: &str,
    bundle: &Path,
    artifact: &Path,
) -> bool {
    let python = test_python("sigstore-python");
    let trusted_root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root).unwrap()).unwrap();
    let url = trusted_root["tlogs"][0]["baseUrl"].clone();
    let service = serde_json::json!([{ "url": url, "majorApiVersion": 1, "validFor": { "start": "2020-01-01T00:00:00Z" }, "operator": "mock" }]);
    let config = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": trusted_root,
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": service, "oidcUrls": [], "rekorTlogUrls": service, "tsaUrls": [],
            "rekorTlogConfig": { "selector": "ANY" }, "tsaConfig": { "selector": "ANY" },
        },
    });
    let config_path = bundle.with_extension("trust-config.json");
    std::fs::write(&config_path, serde_json::to_vec(&config).unwrap()).unwrap();
    let out = Command::new(&python)
        .args(["-m", "sigstore", "--trust-config"])
        .arg(&config_path)
        .args([
            "verify",
            "identity",
            "--offline",
            "--cert-identity",
            identity,
            "--cert-oidc-issuer",
            TEST_ISSUER,
        ])
        .arg("--bundle")
        .arg(bundle)
        .arg(artifact)
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    match (
        out.status.success(),
        text.contains("OK:"),
        text.contains("FAIL"),
    ) {
        (true, true, false) => true,
        (false, false, true) => {
            eprintln!("sigstore-python refused {}: {text}", bundle.display());
            false
        }
        _ => panic!("unexpected sigstore-python output:\n{}", describe(&out)),
    }
}

/// A progress line, as cargo-cra writes them off a terminal: a verb right-aligned in twelve
/// columns (`     Writing layer`, `     Pulling blob sha256:…`).
fn is_progress_line(line: &str) -> bool {
    let verb = line.get(..12).map(str::trim_start).unwrap_or_default();
    line.get(12..13) == Some(" ")
        && verb.starts_with(char::is_uppercase)
        && verb.ends_with("ing")
        && verb.chars().all(|c| c.is_ascii_alphabetic())
}

/// Exactly one line on stderr besides progress lines (`     Writing layer`) and CRA warnings
/// (`warning: `, given before the work starts), `error: ` first, containing every needle;
/// nothing on stdout.
pub fn assert_one_line_error(out: &Output, needles: &[&str]) {
    assert!(!out.status.success(), "{}", describe(out));
    let err = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !is_progress_line(l) && !l.starts_with("warning: "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    assert_eq!(
        err.lines().count(),
        1,
        "expected one line:\n{}",
        describe(out)
    );
    assert!(err.starts_with("error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{err:?} should mention {n:?}");
    }
    assert!(out.stdout.is_empty(), "{}", describe(out));
}

/// The qemu-user-static program that runs `target`'s binaries here, or `None` for this
/// machine's own architecture.
pub fn qemu_for(target: &str) -> Option<&'static str> {
    let arch = target.split('-').next().unwrap_or(target);
    if arch == std::env::consts::ARCH {
        return None;
    }
    Some(match arch {
        "aarch64" => "qemu-aarch64-static",
        a if a.starts_with("arm") => "qemu-arm-static",
        a if a.starts_with("riscv64") => "qemu-riscv64-static",
        "x86_64" => "qemu-x86_64-static",
        other => panic!("no qemu known for {other}"),
    })
}

/// Runs the binary `exe` built for `target` with `args`, under qemu-user-static (installed by
/// `tests/run`) when it is foreign.
pub fn run_foreign(target: &str, exe: &Path, args: &[&str]) -> Output {
    let mut cmd = match qemu_for(target) {
        Some(qemu) => {
            let mut c = Command::new(qemu);
            c.arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {} for {target}: {e}", exe.display()))
}

/// Whether the Rust standard library for `target` is installed (some targets cannot be
/// installed on every machine: `tests/run` tries them all).
pub fn rust_target_installed(target: &str) -> bool {
    let out = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", target])
        .output()
        .unwrap();
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    std::fs::read_dir(dir).is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
    })
}

/// `cargo metadata --no-deps --offline` of the project in `dir`, as JSON: what cargo itself
/// reads from its manifest.
pub fn cargo_metadata_json(dir: &Path) -> serde_json::Value {
    let out = Command::new("cargo")
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}
