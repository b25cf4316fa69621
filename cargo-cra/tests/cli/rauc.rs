//! `[output.rauc]`: RAUC bundles checked by Debian's `rauc` 1.8 (keys and certificates made
//! with openssl): `rauc info` accepts the bundle with the right CA and refuses it with another,
//! `rauc extract` gives back exactly the squashfs image (which `unsquashfs` reads) and refuses
//! a bundle with a flipped byte; the same inputs give the same bundle bytes.

use crate::common;

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

/// Composes `recipe` into `out`, signed with a cosign key made once in `tmp`; the bundle.
fn compose_rauc(tmp: &Path, recipe: &Path, out: &str) -> PathBuf {
    let pw = ("CRA_PASSWORD", "pw");
    if !tmp.join("cosign.key").exists() {
        let made = run_cra(tmp, &["cra", "keygen"], &[pw]);
        assert!(made.status.success(), "{}", describe(&made));
    }
    let out = compose(
        tmp,
        &[
            recipe.to_str().unwrap(),
            "--out",
            out,
            "--json",
            "--sign",
            "--key",
            "cosign.key",
        ],
        &[pw, ("SOURCE_DATE_EPOCH", "1700000000")],
    );
    PathBuf::from(
        report(&out)["rauc"]
            .as_str()
            .expect("the report names the bundle"),
    )
}

/// `cargo cra verify BUNDLE --key cosign.pub --keyring CA`.
fn verify_bundle(tmp: &Path, bundle: &Path, keyring: &Path) -> Output {
    run_cra(
        tmp,
        &[
            "cra",
            "verify",
            bundle.to_str().unwrap(),
            "--key",
            "cosign.pub",
            "--keyring",
            keyring.to_str().unwrap(),
        ],
        &[],
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
    let keys_dir = tmp.path().join("recipes/keys");
    keys(&keys_dir, P256, "keyUsage=critical,digitalSignature\n");
    let other = tmp.path().join("other");
    keys(&other, P256, "keyUsage=critical,digitalSignature\n");
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
    let verify = |keyring: Option<&Path>| {
        let mut args = vec![
            "cra",
            "verify",
            bundle.to_str().unwrap(),
            "--key",
            "cosign.pub",
        ];
        if let Some(k) = keyring {
            args.extend(["--keyring", k.to_str().unwrap()]);
        }
        run_cra(tmp.path(), &args, &[])
    };
    let ca = keys_dir.join("ca.pem");
    let out = verify(Some(&ca));
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "the RAUC bundle is a subject of the SBOM attestation",
        "hello-device.raucb.sigstore.json verifies over the artefact",
        "ok   RAUC signature: verity bundle signed by CN=Update Signer",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // Fail closed: without the keyring, or with another CA, the bundle's own signature fails.
    let out = verify(None);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("give --keyring"));
    let out = verify(Some(&other.join("ca.pem")));
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("does not chain to a certificate of the keyring")
    );
    // A changed byte in the payload: both the Sigstore and the RAUC signature fail.
    let mut bytes = std::fs::read(&bundle).unwrap();
    bytes[4096] ^= 1;
    std::fs::write(&bundle, &bytes).unwrap();
    let out = verify(Some(&ca));
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("the bundle was changed"),
        "{}",
        describe(&out)
    );
}

/// A private system bus for RAUC's service, and the service itself; both stopped on drop.
struct Device {
    dir: PathBuf,
    bus: std::process::Child,
    service: Option<std::process::Child>,
}

impl Device {
    /// Two raw `rootfs` slots (image files A and B), the example's system.conf pointed at them,
    /// the example's custom bootloader backend keeping its state in `dir/boot`.
    fn new(dir: &Path, ca: &Path) -> Device {
        std::fs::create_dir_all(dir).unwrap();
        for slot in ["A.img", "B.img"] {
            std::fs::write(dir.join(slot), vec![0u8; 1 << 20]).unwrap();
        }
        let example = repo_root().join("examples/rauc");
        let conf = std::fs::read_to_string(example.join("system.conf"))
            .unwrap()
            .replace("/etc/rauc/update-ca.pem", ca.to_str().unwrap())
            .replace(
                "/usr/lib/rauc/bootloader-custom.sh",
                example.join("bootloader-custom.sh").to_str().unwrap(),
            )
            .replace(
                "/dev/disk/by-partlabel/rootfs-a",
                dir.join("A.img").to_str().unwrap(),
            )
            .replace(
                "/dev/disk/by-partlabel/rootfs-b",
                dir.join("B.img").to_str().unwrap(),
            )
            .replace("bundle-formats=-plain", "bundle-formats=plain verity")
            .replace(
                "[system]\n",
                &format!("[system]\ndata-directory={}\n", dir.join("data").display()),
            );
        std::fs::write(dir.join("system.conf"), conf).unwrap();
        let socket = dir.join("bus");
        std::fs::write(
            dir.join("bus.conf"),
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>system</type><listen>unix:path={}</listen><auth>EXTERNAL</auth>\
                 <policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>\
                 <allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy></busconfig>\n",
                socket.display()
            ),
        )
        .unwrap();
        let bus = Command::new(tool("dbus-daemon"))
            .arg(format!("--config-file={}", dir.join("bus.conf").display()))
            .arg("--nofork")
            .spawn()
            .expect("dbus-daemon (installed with rauc's dependencies)");
        for _ in 0..100 {
            if socket.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(socket.exists(), "the private bus did not start");
        Device {
            dir: dir.to_path_buf(),
            bus,
            service: None,
        }
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            format!("unix:path={}", self.dir.join("bus").display()),
        )
        .env("BOOT_STATE", self.dir.join("boot"));
    }

    /// (Re)starts RAUC's service as if the device had booted `slot`; waits until it answers.
    fn boot(&mut self, slot: &str) {
        self.stop_service();
        let mut cmd = Command::new(tool("rauc"));
        cmd.arg(format!("--conf={}", self.dir.join("system.conf").display()))
            .arg(format!("--override-boot-slot={slot}"))
            .arg("service")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        self.env(&mut cmd);
        self.service = Some(cmd.spawn().unwrap());
        for _ in 0..100 {
            if self.rauc(&["status"]).status.success() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("rauc service did not come up on the private bus");
    }

    fn rauc(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(tool("rauc"));
        cmd.args(args);
        self.env(&mut cmd);
        cmd.output().unwrap()
    }

    fn primary(&self) -> String {
        let mut cmd = Command::new(repo_root().join("examples/rauc/bootloader-custom.sh"));
        cmd.arg("get-primary");
        self.env(&mut cmd);
        String::from_utf8(cmd.output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string()
    }

    fn stop_service(&mut self) {
        if let Some(mut s) = self.service.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.stop_service();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

#[test]
fn installing_on_ab_slots_writes_the_inactive_slot_and_mark_bad_rolls_back() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = project(tmp.path(), "amd64");
    // dm-verity (device-mapper) is needed to install a verity bundle; this kernel may lack it,
    // so the install runs with the plain format (same manifest, slot image and signature
    // checks; RAUC mounts it through a loop device). The verity bundle is installed too where
    // device-mapper exists.
    let text = std::fs::read_to_string(&recipe).unwrap();
    std::fs::write(&recipe, format!("{text}format = \"plain\"\n")).unwrap();
    keys(
        &tmp.path().join("recipes/keys"),
        P256,
        "keyUsage=critical,digitalSignature\n",
    );
    let bundle = compose_rauc(tmp.path(), &recipe, "images");
    let image = std::fs::read(bundle.with_file_name("hello-device.squashfs")).unwrap();
    let ca = tmp.path().join("recipes/keys/ca.pem");
    // cargo-cra checks the plain bundle's detached signature as the device does.
    let out = verify_bundle(tmp.path(), &bundle, &ca);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("RAUC signature: plain bundle signed by")
    );
    let mut device = Device::new(&tmp.path().join("device"), &ca);
    device.boot("A");
    let out = device.rauc(&["install", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));
    // Version 2 went to the inactive slot B, which is now primary; A is untouched.
    let b = std::fs::read(device.dir.join("B.img")).unwrap();
    assert_eq!(&b[..image.len()], &image[..], "slot B holds the image");
    assert!(
        std::fs::read(device.dir.join("A.img"))
            .unwrap()
            .iter()
            .all(|&x| x == 0)
    );
    assert_eq!(device.primary(), "B");
    // The device boots B; it fails (the boot chain marks it bad): A is primary again.
    device.boot("B");
    let out = device.rauc(&["status", "mark-bad"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(device.primary(), "A", "rollback to the previous slot");
    let status = device.rauc(&["status"]);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("Activated: rootfs.0 (A)"),
        "{}",
        describe(&status)
    );
    // A bundle signed by another CA is refused by the device.
    let other = tmp.path().join("other");
    keys(&other, P256, "keyUsage=critical,digitalSignature\n");
    std::fs::copy(
        other.join("signer.pem"),
        tmp.path().join("recipes/keys/signer.pem"),
    )
    .unwrap();
    std::fs::copy(
        other.join("signer.key"),
        tmp.path().join("recipes/keys/signer.key"),
    )
    .unwrap();
    let foreign = compose_rauc(tmp.path(), &recipe, "foreign");
    let out = device.rauc(&["install", foreign.to_str().unwrap()]);
    assert!(
        !out.status.success(),
        "a bundle from another CA was installed: {}",
        describe(&out)
    );
    // The verity bundle, where the kernel has device-mapper's verity target.
    let dm = Command::new("dmsetup").arg("targets").output();
    let verity = dm
        .as_ref()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("verity"));
    if !verity {
        eprintln!(
            "note: installing the verity bundle skipped: this kernel has no device-mapper \
             dm-verity target (`dmsetup targets`: {}); the plain bundle was installed instead",
            dm.map(|o| String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .to_string())
                .unwrap_or_else(|e| e.to_string())
        );
        return;
    }
    std::fs::write(&recipe, &text).unwrap();
    let keys_dir = tmp.path().join("recipes/keys");
    keys(&keys_dir, P256, "keyUsage=critical,digitalSignature\n");
    let mut device = Device::new(&tmp.path().join("device-verity"), &keys_dir.join("ca.pem"));
    device.boot("A");
    let verity_bundle = compose_rauc(tmp.path(), &recipe, "verity");
    let out = device.rauc(&["install", verity_bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(device.primary(), "B");
}
