//! `cargo cra compose` end to end, checked by tools nobody here wrote: skopeo reads the layout
//! and archive, umoci unpacks the root filesystem (compared entry by entry with what the recipe
//! declares), runc runs the example image, cyclonedx-python-lib validates the SBOM, and
//! @sigstore/verify checks the signatures.

use crate::common;

use common::image::*;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn umoci_unpack(image: &str, bundle: &Path) -> Tree {
    run(Command::new(tool("umoci"))
        .args(["unpack", "--image", image])
        .arg(bundle));
    tree_of(&bundle.join("rootfs"))
}

#[test]
fn a_gzip_image_is_read_by_skopeo_and_unpacked_by_umoci_exactly_as_declared() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = rich_project(&tmp.path().join("p"), "gzip");
    let out = compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images", "--json"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    let r = report(&out);
    let dir = tmp.path().join("images/rich-2.0");
    assert_eq!(Path::new(r["dir"].as_str().unwrap()), dir);
    let layout = format!("oci:{}:2.0", dir.join("oci").display());

    let inspect = run(Command::new(tool("skopeo")).args(["inspect", &layout]));
    let inspect: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(inspect["Digest"], r["manifest_digest"]);
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Os"], "linux");
    assert_eq!(inspect["Created"], "2023-11-14T22:13:20Z");
    let config = run(Command::new(tool("skopeo")).args(["inspect", "--config", &layout]));
    let config: serde_json::Value = serde_json::from_slice(&config.stdout).unwrap();
    assert_eq!(config["config"]["User"], "1000:1000");
    assert_eq!(config["config"]["WorkingDir"], "/var/lib/app");
    assert_eq!(config["config"]["StopSignal"], "SIGTERM");
    assert_eq!(
        config["config"]["ExposedPorts"],
        serde_json::json!({"8080/tcp": {}})
    );
    assert_eq!(
        config["config"]["Entrypoint"],
        serde_json::json!(["/opt/tree/bin/run.sh"])
    );
    assert!(
        config["config"]["Env"]
            .as_array()
            .unwrap()
            .contains(&"LANG=C.UTF-8".into())
    );

    let docker = tmp.path().join("docker.tar");
    run(Command::new(tool("skopeo")).args([
        "copy",
        &layout,
        &format!("docker-archive:{}:rich:2.0", docker.display()),
    ]));
    assert!(docker.metadata().unwrap().len() > 0);
    // The archive is a whole layout too.
    let from_archive = tmp.path().join("from-archive");
    run(Command::new(tool("skopeo")).args([
        "copy",
        &format!("oci-archive:{}", dir.join("rich.oci.tar").display()),
        &format!("oci:{}:2.0", from_archive.display()),
    ]));

    let unpacked = umoci_unpack(
        &format!("{}:2.0", dir.join("oci").display()),
        &tmp.path().join("bundle"),
    );
    assert_eq!(unpacked, rich_expected());
    let unpacked = umoci_unpack(
        &format!("{}:2.0", from_archive.display()),
        &tmp.path().join("bundle2"),
    );
    assert_eq!(unpacked, rich_expected());

    // A hard-linked file is one SBOM component, named by its first path, listing its others.
    let sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(r["sbom"].as_str().unwrap()).unwrap()).unwrap();
    let components = sbom["components"].as_array().unwrap();
    let named = |n: &str| components.iter().filter(|c| c["name"] == n).count();
    assert_eq!(named("/opt/tree/bin/run.sh"), 0);
    assert_eq!(named("/opt/tree/data/b.txt"), 0);
    for (file, link) in [
        ("/opt/tree/bin/run", "/opt/tree/bin/run.sh"),
        ("/opt/tree/data/a.txt", "/opt/tree/data/b.txt"),
    ] {
        let c = components.iter().find(|c| c["name"] == file).unwrap();
        let links: Vec<_> = c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == "cargo-cra:image:hard-link")
            .map(|p| p["value"].as_str().unwrap())
            .collect();
        assert_eq!(links, [link], "{c}");
    }
    // What an auditor looks for: which files get capabilities.
    let daemon = components
        .iter()
        .find(|c| c["name"] == "/usr/sbin/daemon")
        .unwrap();
    let property = |name: &str| {
        daemon["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap().to_string())
    };
    assert_eq!(
        property("cargo-cra:image:capabilities").as_deref(),
        Some("cap_net_bind_service")
    );
    assert_eq!(
        property("cargo-cra:image:xattr:user.origin").as_deref(),
        Some("rich")
    );
}

#[test]
fn a_zstd_image_decompresses_to_its_diff_id_and_converts_with_skopeo() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = rich_project(&tmp.path().join("p"), "zstd");
    let r = report(&compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images", "--json"],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    let layout_dir = PathBuf::from(r["layout"].as_str().unwrap());
    let manifest_hex = r["manifest_digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:");
    let blobs = layout_dir.join("blobs/sha256");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blobs.join(manifest_hex)).unwrap()).unwrap();
    let layer = &manifest["layers"][0];
    assert_eq!(
        layer["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    let config_hex = manifest["config"]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:");
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blobs.join(config_hex)).unwrap()).unwrap();
    let layer_file = blobs.join(
        layer["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:"),
    );
    let tar = run(Command::new(tool("zstd"))
        .args(["-d", "-c"])
        .arg(&layer_file));
    assert_eq!(
        config["rootfs"]["diff_ids"][0].as_str().unwrap(),
        format!("sha256:{}", sha(&tar.stdout))
    );
    // GNU tar lists it with numeric owners and no names.
    let tar_path = tmp.path().join("layer.tar");
    std::fs::write(&tar_path, &tar.stdout).unwrap();
    let listing = run(Command::new("tar")
        .args(["--numeric-owner", "-tvf"])
        .arg(&tar_path));
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains("-rw-r----- 1000/1000") && listing.contains("etc/app/app.conf"),
        "{listing}"
    );
    // umoci 0.4 cannot read zstd layers; skopeo converts them to gzip, then umoci unpacks.
    let converted = tmp.path().join("converted");
    run(Command::new(tool("skopeo")).args([
        "copy",
        "--dest-compress-format",
        "gzip",
        &format!("oci:{}:2.0", layout_dir.display()),
        &format!("oci:{}:2.0", converted.display()),
    ]));
    let unpacked = umoci_unpack(
        &format!("{}:2.0", converted.display()),
        &tmp.path().join("bundle"),
    );
    assert_eq!(unpacked, rich_expected());
}

#[test]
fn the_example_image_runs_under_runc_and_holds_only_the_app_its_config_and_accounts() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = repo_root().join("recipes/hello-device.toml");
    let out = compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images", "--json"],
        &[],
    );
    let r = report(&out);
    let bundle = tmp.path().join("bundle");
    let unpacked = umoci_unpack(&format!("{}:0.1.0", r["layout"].as_str().unwrap()), &bundle);
    let files: Vec<&str> = unpacked
        .iter()
        .filter(|(_, v)| v.0 != 'd')
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "etc/group",
            "etc/hello-device/config.json",
            "etc/passwd",
            "usr/bin/hello-device"
        ]
    );
    let (_, mode, uid, gid, _) = &unpacked["etc/hello-device/config.json"];
    assert_eq!((*mode, *uid, *gid), (0o640, 0, 1000));

    // The binary is static (musl): nothing else is needed in the image.
    let file = Command::new("file")
        .arg(bundle.join("rootfs/usr/bin/hello-device"))
        .output();
    if let Ok(file) = file {
        let text = String::from_utf8_lossy(&file.stdout);
        assert!(
            text.contains("statically linked") || text.contains("static-pie"),
            "{text}"
        );
    }

    let config_path = bundle.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
    config["process"]["terminal"] = false.into();
    assert_eq!(config["process"]["user"]["uid"], 1000, "runs unprivileged");
    std::fs::write(&config_path, serde_json::to_vec(&config).unwrap()).unwrap();
    let id = format!("cra-test-{}", std::process::id());
    let out = Command::new(tool("runc"))
        .args(["run", &id])
        .current_dir(&bundle)
        .output()
        .unwrap();
    let _ = Command::new(tool("runc"))
        .args(["delete", "--force", &id])
        .output();
    assert!(
        out.status.success(),
        "runc could not run the example image in this environment (a failure, not a skip):\n{}",
        describe(&out)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"device":"hello-device","site":"factory-floor-1","status":"ok","version":"0.1.0"}"#
    );
    eprintln!(
        "example image: layer {} bytes ({} uncompressed)",
        r["layer_size"], r["uncompressed_size"]
    );
}

#[test]
fn the_image_sbom_and_provenance_describe_exactly_the_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = repo_root().join("recipes/hello-device.toml");
    let r = report(&compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images", "--json"],
        &[],
    ));
    let sbom_path = PathBuf::from(r["sbom"].as_str().unwrap());
    validate_cyclonedx(std::slice::from_ref(&sbom_path));
    let sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sbom_path).unwrap()).unwrap();
    let manifest_hex = r["manifest_digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let root = &sbom["metadata"]["component"];
    assert_eq!(root["type"], "container");
    assert_eq!(root["name"], "hello-device");
    assert_eq!(root["version"], "0.1.0");
    assert_eq!(root["hashes"][0]["content"], manifest_hex.as_str());

    // The app, with the crates of its own SBOM.
    let components = sbom["components"].as_array().unwrap();
    let by_ref = |r: &str| {
        components
            .iter()
            .find(|c| c["bom-ref"] == r)
            .unwrap_or_else(|| panic!("no component {r}"))
    };
    let app = by_ref("/usr/bin/hello-device");
    assert_eq!(app["type"], "application");
    let bundle = tmp.path().join("bundle");
    let unpacked = umoci_unpack(&format!("{}:0.1.0", r["layout"].as_str().unwrap()), &bundle);
    let app_sha = &unpacked["usr/bin/hello-device"].4;
    assert!(
        app["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["alg"] == "SHA-256" && h["content"] == app_sha.as_str())
    );
    assert!(
        components.iter().any(|c| c["purl"]
            .as_str()
            .is_some_and(|p| p.starts_with("pkg:cargo/serde_json@"))),
        "the app's crates are in the image SBOM"
    );
    for path in ["etc/passwd", "etc/group", "etc/hello-device/config.json"] {
        let c = by_ref(&format!("/{path}"));
        assert_eq!(c["type"], "file");
        assert_eq!(c["hashes"][0]["content"], unpacked[path].4.as_str());
    }
    let deps = sbom["dependencies"].as_array().unwrap();
    let root_deps = deps.iter().find(|d| d["ref"] == root["bom-ref"]).unwrap();
    assert_eq!(root_deps["dependsOn"].as_array().unwrap().len(), 4);
    let app_deps = deps
        .iter()
        .find(|d| d["ref"] == "/usr/bin/hello-device")
        .unwrap();
    assert!(!app_deps["dependsOn"].as_array().unwrap().is_empty());

    let provenance: serde_json::Value =
        serde_json::from_slice(&std::fs::read(r["provenance"].as_str().unwrap()).unwrap()).unwrap();
    let subjects = provenance["subject"].as_array().unwrap();
    assert_eq!(subjects[0]["name"], "hello-device:0.1.0");
    assert_eq!(subjects[0]["digest"]["sha256"], manifest_hex.as_str());
    let archive = std::fs::read(r["archive"].as_str().unwrap()).unwrap();
    assert_eq!(subjects[1]["name"], "hello-device.oci.tar");
    assert_eq!(subjects[1]["digest"]["sha256"], sha(&archive).as_str());
    let deps = provenance["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    let recipe_bytes = std::fs::read(&recipe).unwrap();
    assert!(deps.iter().any(|d| d["name"] == "hello-device.toml"
        && d["digest"]["sha256"] == sha(&recipe_bytes).as_str()));
    let config_bytes =
        std::fs::read(repo_root().join("examples/hello-device/config/hello-device.json")).unwrap();
    assert!(
        deps.iter()
            .any(|d| d["name"] == "/etc/hello-device/config.json"
                && d["digest"]["sha256"] == sha(&config_bytes).as_str())
    );
    assert!(
        deps.iter()
            .any(|d| d["name"] == "/usr/bin/hello-device"
                && d["digest"]["sha256"] == app_sha.as_str())
    );
}

#[test]
fn composing_again_elsewhere_with_other_umask_tz_and_locale_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for (i, (umask, tz, lang)) in [("022", "UTC", "C"), ("077", "Asia/Tokyo", "de_DE.UTF-8")]
        .into_iter()
        .enumerate()
    {
        let root = tmp
            .path()
            .join(format!("checkout-{i}/nested{}", "/x".repeat(i)));
        copy_tree(
            &repo_root().join("examples/hello-device"),
            &root.join("examples/hello-device"),
        );
        copy_tree(&repo_root().join("recipes"), &root.join("recipes"));
        as_work_tree(&root);
        let out_dir = tmp.path().join(format!("out-{i}"));
        let out = compose_elsewhere(
            &root,
            Path::new("recipes/hello-device.toml"),
            &out_dir,
            (umask, tz, lang),
            None,
        )
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("CARGO_BUILD_JOBS", if i == 0 { "1" } else { "2" })
        .env_remove("CARGO_CRA_RUSTC_WRAPPER")
        .output()
        .unwrap();
        let r = report(&out);
        results.push((out_dir.join("hello-device-0.1.0"), r));
    }
    let (a, ra) = &results[0];
    let (b, rb) = &results[1];
    assert_eq!(ra["manifest_digest"], rb["manifest_digest"]);
    let files_a = tree_of(a);
    let files_b = tree_of(b);
    let names = |t: &Tree| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&files_a), names(&files_b));
    for (name, entry) in &files_a {
        if name.ends_with(".provenance.json") {
            continue; // times and invocation ids differ by design
        }
        assert_eq!(entry.4, files_b[name].4, "{name} differs");
    }
}

#[test]
fn signed_images_verify_with_sigstore_js_and_cargo_cra() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = rich_project(&tmp.path().join("p"), "gzip");
    let env = [("CRA_PASSWORD", "pw"), ("SOURCE_DATE_EPOCH", "0")];
    let out = run_cra(
        tmp.path(),
        &["cra", "keygen", "--output-key-prefix", "k"],
        &env,
    );
    assert!(out.status.success(), "{}", describe(&out));
    let r = report(&compose(
        tmp.path(),
        &[
            recipe.to_str().unwrap(),
            "--out",
            "images",
            "--json",
            "--sign",
            "--key",
            "k.key",
        ],
        &env,
    ));
    let dir = PathBuf::from(r["dir"].as_str().unwrap());
    let bundles: Vec<String> = r["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect();
    assert_eq!(bundles.len(), 4, "{bundles:?}");
    let pubkey = tmp.path().join("k.pub");
    let manifest = dir.join("oci/blobs/sha256").join(
        r["manifest_digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:"),
    );
    let archive = dir.join("rich.oci.tar");
    assert!(sigstore_js_accepts(
        &pubkey,
        &dir.join("rich.manifest.sigstore.json"),
        &manifest
    ));
    assert!(sigstore_js_accepts(
        &pubkey,
        &dir.join("rich.oci.tar.sigstore.json"),
        &archive
    ));
    for att in ["rich.cdx.sigstore.json", "rich.provenance.sigstore.json"] {
        assert!(
            sigstore_js_accepts(&pubkey, &dir.join(att), &archive),
            "{att}"
        );
        let out = run_cra(
            tmp.path(),
            &[
                "cra",
                "verify-bundle",
                "--bundle",
                dir.join(att).to_str().unwrap(),
                "--key",
                "k.pub",
                manifest.to_str().unwrap(),
            ],
            &[],
        );
        assert!(out.status.success(), "{att}: {}", describe(&out));
    }
    // The auditor's command verifies the archive and the documents beside it.
    let out = run_cra(
        tmp.path(),
        &["cra", "verify", archive.to_str().unwrap(), "--key", "k.pub"],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    // A flipped byte in the archive is refused.
    let mut bytes = std::fs::read(&archive).unwrap();
    let n = bytes.len() / 2;
    bytes[n] ^= 1;
    std::fs::write(&archive, bytes).unwrap();
    assert!(!sigstore_js_accepts(
        &pubkey,
        &dir.join("rich.oci.tar.sigstore.json"),
        &archive
    ));
}

/// A `docker-registry` (the CNCF distribution registry) on 127.0.0.1, stopped on drop.
struct Registry {
    child: std::process::Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\nlog:\n  level: error\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new(tool("docker-registry"))
            .arg("serve")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Owned at once, so that it is stopped even if it never answers.
        let registry = Registry {
            child,
            addr,
            _dir: dir,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(&registry.addr).is_ok() {
                return registry;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("docker-registry did not start on {}", registry.addr);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_real_registry_takes_the_image_with_its_digest_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = rich_project(&tmp.path().join("p"), "gzip");
    let r = report(&compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images", "--json"],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    let registry = Registry::start();
    let remote = format!("docker://{}/rich:2.0", registry.addr);
    run(Command::new(tool("skopeo")).args([
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:2.0", r["layout"].as_str().unwrap()),
        &remote,
    ]));
    let inspect =
        run(Command::new(tool("skopeo")).args(["inspect", "--tls-verify=false", &remote]));
    let inspect: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(
        inspect["Digest"], r["manifest_digest"],
        "the registry keeps our manifest"
    );
    // And back: pulled from the registry, it unpacks to the declared tree.
    let pulled = tmp.path().join("pulled");
    run(Command::new(tool("skopeo")).args([
        "copy",
        "--src-tls-verify=false",
        &remote,
        &format!("oci:{}:2.0", pulled.display()),
    ]));
    let unpacked = umoci_unpack(
        &format!("{}:2.0", pulled.display()),
        &tmp.path().join("bundle"),
    );
    assert_eq!(unpacked, rich_expected());
}
