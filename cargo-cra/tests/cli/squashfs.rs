//! Squashfs images with dm-verity, checked by tools nobody here wrote: unsquashfs and
//! mksquashfs (squashfs-tools), sqfsdiff (squashfs-tools-ng), veritysetup (cryptsetup), the
//! kernel (loop mount, where the environment allows it) and @sigstore/verify.

use crate::common;

use common::image::*;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const EPOCH: &str = "1700000000";

/// The rich recipe with only a squashfs output (`section` is the `[output.squashfs]` body).
fn squashfs_project(dir: &Path, section: &str) -> PathBuf {
    let recipe = rich_project(dir, "gzip");
    let text = std::fs::read_to_string(&recipe).unwrap();
    let text = text.split("[output.oci]").next().unwrap().to_string();
    std::fs::write(&recipe, format!("{text}[output.squashfs]\n{section}\n")).unwrap();
    recipe
}

fn compose_squashfs(dir: &Path, recipe: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![recipe.to_str().unwrap(), "--out", "images", "--json"];
    args.extend_from_slice(extra);
    report(&compose(
        dir,
        &args,
        &[("SOURCE_DATE_EPOCH", EPOCH), ("CRA_PASSWORD", "pw")],
    ))
}

/// The expected tree with the mtime every entry must carry.
fn unsquash(image: &Path, into: &Path) -> Tree {
    run(Command::new(tool("unsquashfs"))
        .args(["-no-progress", "-d"])
        .arg(into)
        .arg(image));
    for (path, _) in tree_of(into) {
        let m = std::fs::symlink_metadata(into.join(&path)).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(m.mtime().to_string(), EPOCH, "{path}: mtime");
    }
    tree_of(into)
}

#[test]
fn every_compressor_gives_an_image_unsquashfs_recreates_exactly() {
    for (section, name, block, recorded) in [
        (
            "compression = \"zstd\"\nlevel = 3",
            "zstd",
            "131072",
            "zstd-3",
        ),
        (
            "compression = \"xz\"\nblock_size = 65536",
            "xz",
            "65536",
            "xz-6",
        ),
        (
            "compression = \"gzip\"\nblock_size = 4096",
            "gzip",
            "4096",
            "gzip-9",
        ),
        (
            "compression = \"lz4\"\nblock_size = 1048576",
            "lz4",
            "1048576",
            "lz4",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let recipe = squashfs_project(&tmp.path().join("p"), section);
        let r = compose_squashfs(tmp.path(), &recipe, &[]);
        let image = PathBuf::from(r["squashfs"].as_str().unwrap());
        let stat = run(Command::new(tool("unsquashfs")).arg("-s").arg(&image));
        let stat = String::from_utf8_lossy(&stat.stdout);
        assert!(stat.contains(&format!("Compression {name}\n")), "{stat}");
        assert!(stat.contains(&format!("Block size {block}\n")), "{stat}");
        let tree = unsquash(&image, &tmp.path().join("out"));
        assert_eq!(tree, rich_expected(), "{name}");
        assert!(
            r.get("manifest_digest").is_none(),
            "no OCI output was asked for"
        );
        // The provenance names the squashfs compressor as such, and no layer compression.
        let dir = image.parent().unwrap();
        let provenance: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("{}.provenance.json", r["name"].as_str().unwrap())))
                .unwrap(),
        )
        .unwrap();
        let internal = &provenance["predicate"]["buildDefinition"]["internalParameters"];
        assert_eq!(internal["squashfsCompression"], recorded, "{internal:#}");
        assert!(internal.get("layerCompression").is_none(), "{internal:#}");
    }
}

/// Builds the declared tree on disk by hand (as root), for mksquashfs.
fn stage_by_hand(dir: &Path) {
    let w = |p: &str, c: &str, mode: u32| {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, c).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    w("etc/app/app.conf", "port = 8080\n", 0o640);
    w("etc/group", "app:!:1000:\n", 0o644);
    w(
        "etc/passwd",
        "app:!:1000:1000::/var/lib/app:/sbin/nologin\n",
        0o644,
    );
    w("opt/tree/bin/run.sh", "#!/bin/sh\necho hi\n", 0o755);
    w("opt/tree/data/a.txt", "data\n", 0o644);
    std::fs::hard_link(
        dir.join("opt/tree/bin/run.sh"),
        dir.join("opt/tree/bin/run"),
    )
    .unwrap();
    std::fs::hard_link(
        dir.join("opt/tree/data/a.txt"),
        dir.join("opt/tree/data/b.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink("data/a.txt", dir.join("opt/tree/link")).unwrap();
    std::fs::create_dir_all(dir.join("usr/bin")).unwrap();
    std::os::unix::fs::symlink("/opt/tree/bin/run.sh", dir.join("usr/bin/run")).unwrap();
    std::fs::create_dir_all(dir.join("var/lib/app")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("var/lib/app"),
        std::fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    for p in ["etc/app/app.conf", "var/lib/app"] {
        std::os::unix::fs::chown(dir.join(p), Some(1000), Some(1000)).unwrap();
    }
    w("usr/sbin/daemon", "#!/bin/sh\nexec sleep 1\n", 0o750);
    run(Command::new(tool("setcap"))
        .arg("cap_net_bind_service=ep")
        .arg(dir.join("usr/sbin/daemon")));
    for (name, value, path) in [
        ("user.origin", "rich", "usr/sbin/daemon"),
        ("user.state", "persistent", "var/lib/app"),
    ] {
        run(Command::new(tool("setfattr"))
            .args(["-n", name, "-v", value])
            .arg(dir.join(path)));
    }
    for d in [
        "",
        "etc",
        "etc/app",
        "opt",
        "opt/tree",
        "opt/tree/bin",
        "opt/tree/data",
        "usr",
        "usr/bin",
        "usr/sbin",
        "var",
        "var/lib",
    ] {
        std::fs::set_permissions(dir.join(d), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(
        tree_of(dir),
        rich_expected(),
        "the hand-made tree is the declared one"
    );
}

#[test]
fn sqfsdiff_finds_no_difference_from_mksquashfs_of_the_same_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = squashfs_project(
        &tmp.path().join("p"),
        "compression = \"zstd\"\nverity = false",
    );
    let r = compose_squashfs(tmp.path(), &recipe, &[]);
    let ours = PathBuf::from(r["squashfs"].as_str().unwrap());
    let staged = tmp.path().join("staged");
    std::fs::create_dir_all(&staged).unwrap();
    stage_by_hand(&staged);
    let theirs = tmp.path().join("mksquashfs.img");
    run(Command::new(tool("mksquashfs"))
        .arg(&staged)
        .arg(&theirs)
        .args([
            "-comp",
            "zstd",
            "-all-time",
            EPOCH,
            "-mkfs-time",
            EPOCH,
            "-no-progress",
            "-quiet",
        ]));
    let diff = Command::new(tool("sqfsdiff"))
        .arg("-T")
        .arg("-a")
        .arg(&theirs)
        .arg("-b")
        .arg(&ours)
        .output()
        .unwrap();
    assert!(
        diff.status.success(),
        "sqfsdiff reports differences:\n{}",
        describe(&diff)
    );
    assert!(
        r.get("root_hash").is_none(),
        "verity = false writes no tree"
    );
    assert!(!ours.with_extension("roothash").exists());
}

#[test]
fn the_verity_tree_verifies_is_what_veritysetup_writes_and_catches_a_flipped_byte() {
    for layout in ["append", "separate"] {
        let tmp = tempfile::tempdir().unwrap();
        let recipe = squashfs_project(
            &tmp.path().join("p"),
            &format!("compression = \"gzip\"\nblock_size = 4096\nverity_layout = \"{layout}\""),
        );
        // Enough data for a multi-level tree: 1.2 MB of incompressible bytes.
        let mut state = 99u64;
        let noise: Vec<u8> = (0..1_200_000)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                (state >> 56) as u8
            })
            .collect();
        std::fs::write(tmp.path().join("p/tree/data/noise.bin"), &noise).unwrap();
        let r = compose_squashfs(tmp.path(), &recipe, &[]);
        let image = PathBuf::from(r["squashfs"].as_str().unwrap());
        let root = r["root_hash"].as_str().unwrap().to_string();
        let dir = image.parent().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("rich.roothash"))
                .unwrap()
                .trim(),
            root
        );
        let facts: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("rich.verity.json")).unwrap()).unwrap();
        let v = &facts["predicate"]["dmVerity"];
        assert_eq!(v["rootHash"], root.as_str());
        let data_size = r["squashfs_size"].as_u64().unwrap();
        let (hash_file, offset) = match layout {
            "append" => (image.clone(), data_size),
            _ => (PathBuf::from(r["verity"].as_str().unwrap()), 0),
        };
        let verify = |data: &Path| {
            Command::new(tool("veritysetup"))
                .arg("verify")
                .arg(data)
                .arg(&hash_file)
                .arg(&root)
                .arg(format!("--hash-offset={offset}"))
                .output()
                .unwrap()
        };
        let ok = verify(&image);
        assert!(ok.status.success(), "{layout}: {}", describe(&ok));

        // veritysetup format with our salt and uuid writes the same hash area.
        let data = tmp.path().join("data.img");
        let bytes = std::fs::read(&image).unwrap();
        std::fs::write(&data, &bytes[..data_size as usize]).unwrap();
        let theirs = tmp.path().join("theirs.hash");
        let fmt = run(Command::new(tool("veritysetup"))
            .arg("format")
            .arg(&data)
            .arg(&theirs)
            .arg(format!("--salt={}", v["salt"].as_str().unwrap()))
            .arg(format!("--uuid={}", v["uuid"].as_str().unwrap())));
        let fmt = String::from_utf8_lossy(&fmt.stdout);
        assert!(fmt.contains(&format!("Root hash:      \t{root}")), "{fmt}");
        let ours = match layout {
            "append" => bytes[data_size as usize..].to_vec(),
            _ => std::fs::read(&hash_file).unwrap(),
        };
        assert_eq!(
            ours,
            std::fs::read(&theirs).unwrap(),
            "{layout}: hash areas differ"
        );

        // One flipped byte anywhere in the data is caught.
        for at in [0, data_size as usize / 2, data_size as usize - 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x40;
            let f = tmp.path().join("flipped.img");
            std::fs::write(&f, &flipped).unwrap();
            let out = Command::new(tool("veritysetup"))
                .arg("verify")
                .arg(&f)
                .arg(if layout == "append" { &f } else { &hash_file })
                .arg(&root)
                .arg(format!("--hash-offset={offset}"))
                .output()
                .unwrap();
            assert!(
                !out.status.success(),
                "{layout}: flipped byte {at} not caught"
            );
        }
    }
}

#[test]
fn the_kernel_mounts_the_image_and_every_file_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = squashfs_project(&tmp.path().join("p"), "compression = \"zstd\"");
    let r = compose_squashfs(tmp.path(), &recipe, &[]);
    let image = PathBuf::from(r["squashfs"].as_str().unwrap());
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let mount = Command::new("mount")
        .args(["-t", "squashfs", "-o", "loop,ro"])
        .arg(&image)
        .arg(&mnt)
        .output()
        .unwrap();
    if !mount.status.success() {
        eprintln!(
            "SKIPPED the kernel mount check: this environment cannot loop-mount ({})",
            String::from_utf8_lossy(&mount.stderr).trim()
        );
        return;
    }
    let tree = tree_of(&mnt);
    let _ = Command::new("umount").arg(&mnt).status();
    assert_eq!(tree, rich_expected());
}

#[test]
fn composing_again_elsewhere_with_other_umask_tz_locale_and_cores_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for (i, (umask, tz, lang, cpus)) in [
        ("022", "UTC", "C", "0"),
        ("077", "Asia/Tokyo", "de_DE.UTF-8", "0,1"),
    ]
    .into_iter()
    .enumerate()
    {
        let root = tmp.path().join(format!("c{i}/deeper{}", "/x".repeat(i)));
        let recipe = squashfs_project(&root, "compression = \"zstd\"\nlevel = 3");
        let out_dir = tmp.path().join(format!("out-{i}"));
        let out = compose_elsewhere(&root, &recipe, &out_dir, (umask, tz, lang), Some(cpus))
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .unwrap();
        let r = report(&out);
        outputs.push((
            std::fs::read(r["squashfs"].as_str().unwrap()).unwrap(),
            r["root_hash"].as_str().unwrap().to_string(),
        ));
    }
    assert_eq!(outputs[0].1, outputs[1].1, "root hashes differ");
    assert!(outputs[0].0 == outputs[1].0, "squashfs bytes differ");
}

#[test]
fn signed_squashfs_binds_its_digest_to_the_verity_root_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cra(
        tmp.path(),
        &["cra", "keygen", "--output-key-prefix", "k"],
        &[("CRA_PASSWORD", "pw")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let recipe = squashfs_project(&tmp.path().join("p"), "compression = \"zstd\"");
    let r = compose_squashfs(tmp.path(), &recipe, &["--sign", "--key", "k.key"]);
    let image = PathBuf::from(r["squashfs"].as_str().unwrap());
    let dir = image.parent().unwrap();
    let pubkey = tmp.path().join("k.pub");
    assert!(sigstore_js_accepts(
        &pubkey,
        &dir.join("rich.squashfs.sigstore.json"),
        &image
    ));
    let bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("rich.verity.sigstore.json")).unwrap())
            .unwrap();
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        statement["subject"][0]["digest"]["sha256"],
        sha(&std::fs::read(&image).unwrap()).as_str()
    );
    assert_eq!(
        statement["predicate"]["dmVerity"]["rootHash"],
        r["root_hash"]
    );
    assert!(sigstore_js_accepts(
        &pubkey,
        &dir.join("rich.verity.sigstore.json"),
        &image
    ));
    let out = run_cra(
        tmp.path(),
        &[
            "cra",
            "verify-bundle",
            "--bundle",
            dir.join("rich.verity.sigstore.json").to_str().unwrap(),
            "--key",
            "k.pub",
            image.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));

    // The auditor's command checks everything beside the image, and fails closed.
    let audit = |image: &Path| {
        run_cra(
            tmp.path(),
            &["cra", "verify", image.to_str().unwrap(), "--key", "k.pub"],
            &[],
        )
    };
    let out = audit(&image);
    assert!(out.status.success(), "{}", describe(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    for check in [
        "signature",
        "SBOM attestation",
        "SBOM subject",
        "provenance attestation",
        "provenance subject",
        "dm-verity root hash",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with(&format!("ok   {check}:"))),
            "{check}: {report}"
        );
    }
    std::fs::write(dir.join("rich.roothash"), format!("{}\n", "0".repeat(64))).unwrap();
    let out = audit(&image);
    assert!(
        !out.status.success(),
        "a forged root hash file must fail: {}",
        describe(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL dm-verity root hash"));
    // Both the root hash file and its attestation deleted: the SBOM still records a root hash.
    std::fs::remove_file(dir.join("rich.roothash")).unwrap();
    std::fs::remove_file(dir.join("rich.verity.sigstore.json")).unwrap();
    let out = audit(&image);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("FAIL dm-verity root hash: the image SBOM records"),
        "{}",
        describe(&out)
    );
}
