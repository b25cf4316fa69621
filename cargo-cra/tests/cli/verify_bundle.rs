//! `cargo cra verify-bundle`: the Sigstore conformance vectors through the real binary, with
//! the artefact as a file and as `sha256:<hex>`; and the bundles cargo-cra itself writes.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn vectors() -> PathBuf {
    third_party("sigstore-bundles")
}

fn verify(args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all = vec!["verify-bundle"];
    all.extend(args);
    run_cra(&repo_root(), &all, &[])
}

fn sha256_arg(file: &Path) -> String {
    format!(
        "sha256:{}",
        cra_attest::digest::Digests::of_file(file)
            .unwrap()
            .sha256_hex()
    )
}

#[test]
fn conformance_vectors_pass_or_fail_as_named_through_the_cli() {
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(vectors().join("cases")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let artifact = if dir.join("artifact").exists() {
            dir.join("artifact")
        } else {
            vectors().join("default-artifact.txt")
        };
        let text = |f: &str, d: &str| {
            std::fs::read_to_string(dir.join(f))
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| d.to_string())
        };
        let mut args = vec![
            "--bundle".to_string(),
            dir.join("bundle.sigstore.json").display().to_string(),
        ];
        if dir.join("key.pub").exists() {
            args.extend([
                "--key".to_string(),
                dir.join("key.pub").display().to_string(),
            ]);
        } else {
            args.extend([
                "--certificate-identity".to_string(),
                text("identity", DEFAULT_IDENTITY),
                "--certificate-oidc-issuer".to_string(),
                text("issuer", DEFAULT_ISSUER),
            ]);
        }
        if dir.join("trusted_root.json").exists() {
            args.extend([
                "--trusted-root".to_string(),
                dir.join("trusted_root.json").display().to_string(),
            ]);
        }
        for form in [artifact.display().to_string(), sha256_arg(&artifact)] {
            let mut a = args.clone();
            a.push(form.clone());
            let out = verify(&a);
            let expect_ok = !name.ends_with("_fail");
            if out.status.success() != expect_ok {
                wrong.push(format!(
                    "{name} ({form}): {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                if err.trim().lines().count() != 1 || !err.starts_with("error: ") {
                    wrong.push(format!("{name}: failure is not one line: {err:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn bundles_cargo_cra_writes_verify_and_tampering_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("fw.bin"), b"firmware").unwrap();
    std::fs::write(dir.join("other.bin"), b"other").unwrap();
    std::fs::write(dir.join("p.json"), b"{}").unwrap();
    let pw = [("CRA_PASSWORD", "pw")];
    assert!(run_cra(dir, &["keygen"], &pw).status.success());
    assert!(
        run_cra(dir, &["keygen", "--output-key-prefix", "other"], &pw)
            .status
            .success()
    );
    let out = run_cra(
        dir,
        &[
            "sign-blob",
            "fw.bin",
            "--key",
            "cosign.key",
            "--bundle",
            "fw.sigstore.json",
        ],
        &pw,
    );
    assert!(out.status.success(), "{}", describe(&out));
    let out = run_cra(
        dir,
        &[
            "attest",
            "fw.bin",
            "--predicate",
            "p.json",
            "--predicate-type",
            "https://example.com/p",
            "--key",
            "cosign.key",
            "--bundle",
            "fw.att.json",
        ],
        &pw,
    );
    assert!(out.status.success(), "{}", describe(&out));
    let v = |bundle: &str, key: &str, artifact: &str| {
        run_cra(
            dir,
            &["verify-bundle", "--bundle", bundle, "--key", key, artifact],
            &[],
        )
    };
    for bundle in ["fw.sigstore.json", "fw.att.json"] {
        let ok = v(bundle, "cosign.pub", "fw.bin");
        assert!(ok.status.success(), "{bundle}: {}", describe(&ok));
        assert!(
            String::from_utf8_lossy(&ok.stdout).contains("ok: signature"),
            "{}",
            describe(&ok)
        );
        assert!(
            !v(bundle, "cosign.pub", "other.bin").status.success(),
            "{bundle}: other artefact"
        );
        assert!(
            !v(bundle, "other.pub", "fw.bin").status.success(),
            "{bundle}: other key"
        );
    }
    let sha = sha256_arg(&dir.join("fw.bin"));
    assert!(
        v("fw.sigstore.json", "cosign.pub", &sha).status.success(),
        "digest form"
    );

    // Keyless, with a timestamp, from the local Sigstore instance.
    let m = MockSigstore::start();
    let identity = "https://ci.example.com/acme/fw@refs/heads/main";
    let mut args: Vec<String> = [
        "sign-blob",
        "fw.bin",
        "--bundle",
        "kl.sigstore.json",
        "--tsa-url",
    ]
    .map(String::from)
    .into();
    args.push(format!("{}/api/v1/timestamp", m.url));
    args.extend(m.keyless_args(identity));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_cra(dir, &args, &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let root = m.trusted_root.display().to_string();
    let kv = |id: &str, artifact: &str| {
        run_cra(
            dir,
            &[
                "verify-bundle",
                "--bundle",
                "kl.sigstore.json",
                "--trusted-root",
                &root,
                "--certificate-identity",
                id,
                "--certificate-oidc-issuer",
                TEST_ISSUER,
                artifact,
            ],
            &[],
        )
    };
    let ok = kv(identity, "fw.bin");
    assert!(ok.status.success(), "{}", describe(&ok));
    let wrong_id = kv("https://ci.example.com/someone-else", "fw.bin");
    assert!(!wrong_id.status.success());
    assert!(
        String::from_utf8_lossy(&wrong_id.stderr).starts_with("error: identity:"),
        "{}",
        describe(&wrong_id)
    );
    assert!(!kv(identity, "other.bin").status.success());
}

#[test]
fn unusable_input_is_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("bad.json"), b"{not json").unwrap();
    std::fs::write(dir.join("a"), b"a").unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "--bundle",
                "missing.json",
                "--certificate-identity",
                "x",
                "--certificate-oidc-issuer",
                "y",
                "a",
            ],
            "missing.json",
        ),
        (
            &[
                "--bundle",
                "bad.json",
                "--certificate-identity",
                "x",
                "--certificate-oidc-issuer",
                "y",
                "a",
            ],
            "bundle format",
        ),
        (
            &[
                "--bundle",
                "bad.json",
                "--certificate-identity",
                "x",
                "--certificate-oidc-issuer",
                "y",
                "sha256:xyz",
            ],
            "sha256:<64 hex",
        ),
        (
            &["--bundle", "bad.json", "--certificate-identity", "x", "a"],
            "certificate-oidc-issuer",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["verify-bundle"];
        all.extend_from_slice(args);
        let out = run_cra(dir, &all, &[]);
        assert!(!out.status.success(), "{needle}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{}", describe(&out));
        assert!(err.contains(needle), "{err:?} should mention {needle:?}");
    }
}

#[test]
fn control_characters_quoted_from_a_hostile_bundle_are_escaped_in_the_error() {
    // Found by the `bundle` fuzz target: serde quotes an unknown field verbatim.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("evil.json"),
        "{\"mediaType\": \"x\", \"a\\rFORGED\\nerror: \\u001b[2J\": 1}",
    )
    .unwrap();
    std::fs::write(dir.join("a"), b"a").unwrap();
    let args = [
        "verify-bundle",
        "--bundle",
        "evil.json",
        "--certificate-identity",
        "x",
        "--certificate-oidc-issuer",
        "y",
        "a",
    ];
    let out = run_cra(dir, &args, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
    assert!(!err.trim_end().contains(['\r', '\u{1b}']), "{err:?}");
    assert!(err.contains("a\\rFORGED\\nerror: \\u{1b}[2J"), "{err:?}");
}

/// `cargo-cra ARGS` in `dir` under `timeout 60`: a hang is a failure, not a stuck CI.
fn within_a_minute(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new("timeout");
    cmd.arg("60")
        .arg(cargo_cra())
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_CRA_RUSTC_WRAPPER");
    cmd.output().expect("timeout (coreutils)")
}

#[test]
fn devices_fifos_and_directories_are_one_line_never_a_hang_or_an_exhausted_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("a"), b"a").unwrap();
    let st = std::process::Command::new("mkfifo")
        .arg(dir.join("fifo"))
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::create_dir(dir.join("adir")).unwrap();
    let good = vectors().join("cases/bundle-malformed-json_fail/bundle.sigstore.json");
    let good = good.to_str().unwrap();
    let id = [
        "--certificate-identity",
        "x",
        "--certificate-oidc-issuer",
        "y",
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--bundle", "/dev/zero"],
            "/dev/zero: not a regular file (a device)",
        ),
        (
            vec!["--bundle", "fifo"],
            "fifo: not a regular file (a FIFO)",
        ),
        (
            vec!["--bundle", "adir"],
            "adir: not a regular file (a directory)",
        ),
        (
            vec!["--bundle", good, "--trusted-root", "/dev/zero"],
            "not a regular file (a device)",
        ),
        (
            vec!["--bundle", good, "--key", "fifo"],
            "fifo: not a regular file (a FIFO)",
        ),
    ];
    for (mut args, needle) in cases {
        let mut all = vec!["verify-bundle"];
        all.append(&mut args);
        if !all.contains(&"--key") {
            all.extend(id);
        }
        all.push("a");
        let out = within_a_minute(dir, &all);
        assert_ne!(out.status.code(), Some(124), "timed out: {all:?}");
        assert!(!out.status.success(), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{}", describe(&out));
        assert!(err.contains(needle), "{err:?} should mention {needle:?}");
    }
    // The artefact too: a FIFO artefact is refused, not waited on.
    let out = within_a_minute(
        dir,
        &[
            "verify-bundle",
            "--bundle",
            good,
            "--certificate-identity",
            "x",
            "--certificate-oidc-issuer",
            "y",
            "fifo",
        ],
    );
    assert_ne!(out.status.code(), Some(124), "timed out on a FIFO artefact");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a FIFO"),
        "{}",
        describe(&out)
    );
}
