//! `[output.rauc]`: RAUC bundles checked by Debian's `rauc` 1.8 (keys and certificates made
//! with openssl): `rauc info` accepts the bundle with the right CA and refuses it with another,
//! `rauc extract` gives back exactly the squashfs image (which `unsquashfs` reads) and refuses
//! a bundle with a flipped byte; the same inputs give the same bundle bytes.

mod common;

use common::image::{compose, report, tool};
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (tests/run installs it)");
    assert!(out.status.success(), "openssl {args:?}: {}", describe(&out));
}

/// EC P-256 keys, for `openssl req -newkey`.
const P256: &[&str] = &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
/// RSA 2048 keys.
const RSA: &[&str] = &["-newkey", "rsa:2048"];

/// A CA and a signing certificate issued by it (keys of kind `newkey`, extensions `ext`).
fn keys(dir: &Path, newkey: &[&str], ext: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let req = |extra: &[&str]| {
        let mut args = vec!["req"];
        args.extend_from_slice(newkey);
        args.push("-nodes");
        args.extend_from_slice(extra);
        openssl(dir, &args);
    };
    req(&[
        "-x509",
        "-keyout",
        "ca.key",
        "-subj",
        "/CN=Update CA",
        "-days",
        "30",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    req(&[
        "-keyout",
        "signer.key",
        "-subj",
        "/CN=Update Signer",
        "-out",
        "signer.csr",
    ]);
    std::fs::write(dir.join("ext"), ext).unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "signer.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "20",
            "-extfile",
            "ext",
            "-out",
            "signer.pem",
        ],
    );
}

/// The example project and recipe in `tmp` (a git work tree), with `[output.rauc]` appended.
fn project(tmp: &Path, architecture: &str) -> PathBuf {
    copy_tree(
        &repo_root().join("examples/hello-device"),
        &tmp.join("examples/hello-device"),
    );
    copy_tree(&repo_root().join("recipes"), &tmp.join("recipes"));
    as_work_tree(tmp);
    let recipe = tmp.join("recipes/hello-device.toml");
    let text = std::fs::read_to_string(&recipe).unwrap().replace(
        "architecture = \"amd64\"",
        &format!("architecture = \"{architecture}\""),
    );
    std::fs::write(
        &recipe,
        format!(
            "{text}\n[output.rauc]\ncompatible = \"example-gateway\"\ncert = \"keys/signer.pem\"\nkey = \"keys/signer.key\"\n"
        ),
    )
    .unwrap();
    recipe
}

fn rauc(args: &[&str]) -> Output {
    Command::new(tool("rauc"))
        .args(args)
        .output()
        .expect("rauc (tests/run installs Debian's rauc)")
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn compose_rauc(tmp: &Path, recipe: &Path, out: &str) -> PathBuf {
    let out = compose(
        tmp,
        &[recipe.to_str().unwrap(), "--out", out, "--json"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    PathBuf::from(
        report(&out)["rauc"]
            .as_str()
            .expect("the report names the bundle"),
    )
}

#[test]
fn rauc_accepts_the_bundle_extracts_the_image_and_refuses_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = project(tmp.path(), "amd64");
    keys(
        &tmp.path().join("recipes/keys"),
        P256,
        "keyUsage=critical,digitalSignature\n",
    );
    let bundle = compose_rauc(tmp.path(), &recipe, "images");
    let ca = tmp.path().join("recipes/keys/ca.pem");
    let info = rauc(&[
        "info",
        "--keyring",
        ca.to_str().unwrap(),
        bundle.to_str().unwrap(),
    ]);
    assert!(info.status.success(), "{}", describe(&info));
    let text = String::from_utf8_lossy(&info.stdout);
    let image = bundle.with_file_name("hello-device.squashfs");
    for needle in [
        "Compatible: \t'example-gateway'".to_string(),
        "Version:    \t'0.1.0'".to_string(),
        "Bundle Format: \tverity".to_string(),
        format!("Checksum:  {}", sha256_hex(&image)),
        "Filename:  hello-device.squashfs".to_string(),
    ] {
        assert!(text.contains(&needle), "{needle:?} not in: {text}");
    }
    // Another CA: refused.
    let other = tmp.path().join("other");
    keys(&other, RSA, "keyUsage=critical,digitalSignature\n");
    let refused = rauc(&[
        "info",
        "--keyring",
        other.join("ca.pem").to_str().unwrap(),
        bundle.to_str().unwrap(),
    ]);
    assert!(
        !refused.status.success(),
        "another CA accepted it: {}",
        describe(&refused)
    );
    // Extracted: exactly the image, which unsquashfs reads.
    let dest = tmp.path().join("extracted");
    let out = rauc(&[
        "extract",
        "--keyring",
        ca.to_str().unwrap(),
        bundle.to_str().unwrap(),
        dest.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        sha256_hex(&dest.join("hello-device.squashfs")),
        sha256_hex(&image)
    );
    let unpacked = tmp.path().join("root");
    let out = Command::new(tool("unsquashfs"))
        .arg("-d")
        .arg(&unpacked)
        .arg(dest.join("hello-device.squashfs"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    assert!(unpacked.join("usr/bin/hello-device").is_file());
    // One flipped byte anywhere (squashfs, hash tree, signature, trailer): refused.
    let bytes = std::fs::read(&bundle).unwrap();
    let len = bytes.len();
    let sig_len = u64::from_be_bytes(bytes[len - 8..].try_into().unwrap()) as usize;
    for at in [100, len / 2, len - 8 - sig_len + 40, len - 1] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 1;
        let bad = tmp.path().join(format!("flipped-{at}.raucb"));
        std::fs::write(&bad, &flipped).unwrap();
        let dest = tmp.path().join(format!("x-{at}"));
        let out = rauc(&[
            "extract",
            "--keyring",
            ca.to_str().unwrap(),
            bad.to_str().unwrap(),
            dest.to_str().unwrap(),
        ]);
        assert!(
            !out.status.success(),
            "byte {at} of {len} flipped, still extracted: {}",
            describe(&out)
        );
    }
    // Reproducible: composing again gives the same bundle bytes.
    let again = compose_rauc(tmp.path(), &recipe, "again");
    assert_eq!(
        std::fs::read(&again).unwrap(),
        bytes,
        "the bundle differs between two runs"
    );
}

#[test]
fn an_rsa_signed_arm64_bundle_carries_the_arm64_image() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = project(tmp.path(), "arm64");
    keys(
        &tmp.path().join("recipes/keys"),
        RSA,
        "keyUsage=critical,digitalSignature\n",
    );
    let bundle = compose_rauc(tmp.path(), &recipe, "images");
    let ca = tmp.path().join("recipes/keys/ca.pem");
    let dest = tmp.path().join("extracted");
    let out = rauc(&[
        "extract",
        "--keyring",
        ca.to_str().unwrap(),
        bundle.to_str().unwrap(),
        dest.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    let info = rauc(&[
        "info",
        "--keyring",
        ca.to_str().unwrap(),
        bundle.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&info.stdout).contains("'example-gateway'"),
        "{}",
        describe(&info)
    );
    let root = tmp.path().join("root");
    let out = Command::new(tool("unsquashfs"))
        .arg("-d")
        .arg(&root)
        .arg(dest.join("hello-device.squashfs"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let file = Command::new(tool("file"))
        .arg(root.join("usr/bin/hello-device"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&file.stdout).contains("aarch64"),
        "{}",
        describe(&file)
    );
}

#[test]
fn an_unusable_certificate_is_one_line_at_its_recipe_key_before_anything_is_built() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = project(tmp.path(), "amd64");
    let keys_dir = tmp.path().join("recipes/keys");
    // A certificate whose key usage allows no signatures.
    keys(&keys_dir, P256, "keyUsage=critical,keyEncipherment\n");
    let out = compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images"],
        &[],
    );
    let text = std::fs::read_to_string(&recipe).unwrap();
    let line = text.lines().position(|l| l.starts_with("cert = ")).unwrap() + 1;
    assert_one_line_error(
        &out,
        &[
            &format!("hello-device.toml:{line}:8"),
            "key usage allows no signatures",
        ],
    );
    assert!(!tmp.path().join("images").exists());
    // The key of another certificate.
    keys(&keys_dir, P256, "keyUsage=critical,digitalSignature\n");
    std::fs::copy(keys_dir.join("ca.key"), keys_dir.join("signer.key")).unwrap();
    let out = compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images"],
        &[],
    );
    assert_one_line_error(&out, &["not the certificate's key"]);
    // A missing certificate file.
    std::fs::remove_file(keys_dir.join("signer.pem")).unwrap();
    let out = compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images"],
        &[],
    );
    assert_one_line_error(&out, &["[output.rauc] certificate", "signer.pem"]);
    assert!(!tmp.path().join("images").exists());
}

#[test]
fn a_signed_bundle_verifies_with_cargo_cra_verify_and_a_changed_one_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = project(tmp.path(), "amd64");
    keys(
        &tmp.path().join("recipes/keys"),
        P256,
        "keyUsage=critical,digitalSignature\n",
    );
    let pw = ("CRA_PASSWORD", "pw");
    let out = run_cra(tmp.path(), &["cra", "keygen"], &[pw]);
    assert!(out.status.success(), "{}", describe(&out));
    let out = compose(
        tmp.path(),
        &[
            recipe.to_str().unwrap(),
            "--out",
            "images",
            "--json",
            "--sign",
            "--key",
            "cosign.key",
        ],
        &[pw, ("SOURCE_DATE_EPOCH", "1700000000")],
    );
    let bundle = PathBuf::from(report(&out)["rauc"].as_str().unwrap());
    let verify = || {
        run_cra(
            tmp.path(),
            &[
                "cra",
                "verify",
                bundle.to_str().unwrap(),
                "--key",
                "cosign.pub",
            ],
            &[],
        )
    };
    let out = verify();
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the RAUC bundle is a subject of the SBOM attestation"),
        "{text}"
    );
    assert!(
        text.contains("hello-device.raucb.sigstore.json verifies over the artefact"),
        "{text}"
    );
    let mut bytes = std::fs::read(&bundle).unwrap();
    bytes[4096] ^= 1;
    std::fs::write(&bundle, &bytes).unwrap();
    let out = verify();
    assert!(!out.status.success(), "{}", describe(&out));
}
