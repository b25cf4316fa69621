//! Issue 27, first part: `cargo cra push` into Debian's `docker-registry` on 127.0.0.1 with TLS
//! (a CA and server certificate made by openssl here) and htpasswd basic auth (a bcrypt entry
//! made by Apache's `htpasswd`); skopeo, with the same CA and credentials, reads the image back
//! by the digest compose reported.

use crate::common;
use common::image::{compose, report, run, tool};
use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const USER: &str = "ci";
const PASSWORD: &str = "pw-for-the-test-registry";

/// A TLS registry requiring basic auth, stopped on drop.
struct SecureRegistry {
    child: std::process::Child,
    addr: String,
    ca: PathBuf,
    dir: tempfile::TempDir,
}

impl Drop for SecureRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SecureRegistry {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let openssl = |args: &[&str]| run(Command::new(tool("openssl")).args(args).current_dir(d));
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=cargo-cra test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        let htpasswd = run(Command::new(tool("htpasswd")).args(["-Bbn", USER, PASSWORD]));
        std::fs::write(d.join("htpasswd"), &htpasswd.stdout).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        std::fs::write(
            d.join("config.yml"),
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {data}\n\
                 http:\n  addr: {addr}\n  tls:\n    certificate: {crt}\n    key: {key}\n\
                 auth:\n  htpasswd:\n    realm: cargo-cra-test\n    path: {htpasswd}\n",
                data = d.join("data").display(),
                crt = d.join("server.crt").display(),
                key = d.join("server.key").display(),
                htpasswd = d.join("htpasswd").display(),
            ),
        )
        .unwrap();
        let child = Command::new(tool("docker-registry"))
            .arg("serve")
            .arg(d.join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let registry = SecureRegistry {
            child,
            addr,
            ca: d.join("ca.crt"),
            dir,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(&registry.addr).is_ok() {
                return registry;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("docker-registry did not start on {}", registry.addr);
    }

    /// Stops the registry (as a crash would: SIGKILL).
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again, on the same address and storage.
    fn restart(&mut self) {
        self.child = Command::new(tool("docker-registry"))
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(&self.addr).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("docker-registry did not restart on {}", self.addr);
    }

    /// Whether an upload into `repository` has started receiving bytes.
    fn upload_in_progress(&self, repository: &str) -> bool {
        let uploads = self
            .dir
            .path()
            .join("data/docker/registry/v2/repositories")
            .join(repository)
            .join("_uploads");
        std::fs::read_dir(uploads).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| std::fs::metadata(e.path().join("data")).is_ok_and(|m| m.len() > 0))
        })
    }

    /// The raw manifest or index skopeo reads at `reference`.
    fn skopeo_raw(&self, reference: &str) -> serde_json::Value {
        let certs = self.dir.path().join("certs.d");
        std::fs::create_dir_all(&certs).unwrap();
        std::fs::copy(&self.ca, certs.join("ca.crt")).unwrap();
        let out = run(Command::new(tool("skopeo")).args([
            "inspect",
            "--raw",
            "--cert-dir",
            certs.to_str().unwrap(),
            "--creds",
            &format!("{USER}:{PASSWORD}"),
            &format!("docker://{reference}"),
        ]));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// A blob of `repository`, fetched with curl (the CA and credentials).
    fn blob(&self, repository: &str, digest: &str) -> Vec<u8> {
        let out = run(Command::new(tool("curl")).args([
            "-fsSL",
            "--cacert",
            self.ca.to_str().unwrap(),
            "-u",
            &format!("{USER}:{PASSWORD}"),
            &format!("https://{}/v2/{repository}/blobs/{digest}", self.addr),
        ]));
        out.stdout
    }

    /// skopeo's view of `reference` (`inspect --raw` digest), with the CA and credentials.
    fn skopeo_digest(&self, reference: &str) -> String {
        let certs = self.dir.path().join("certs.d");
        std::fs::create_dir_all(&certs).unwrap();
        std::fs::copy(&self.ca, certs.join("ca.crt")).unwrap();
        let out = run(Command::new(tool("skopeo")).args([
            "inspect",
            "--cert-dir",
            certs.to_str().unwrap(),
            "--creds",
            &format!("{USER}:{PASSWORD}"),
            &format!("docker://{reference}"),
        ]));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["Digest"].as_str().unwrap().to_string()
    }
}

/// `cargo cra push` with `args`, `stdin` on its standard input, and `env`.
fn push(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut all = vec!["cra", "push"];
    all.extend_from_slice(args);
    cra_stdin(dir, &all, stdin, env)
}

/// `cargo-cra` with `args`, `stdin` on its standard input, `env`, and no stored credentials of
/// the machine running the tests.
fn cra_stdin(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(cargo_cra());
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    // No credentials from the machine running the tests.
    cmd.env("DOCKER_CONFIG", dir.join("no-docker-config"))
        .env_remove("REGISTRY_AUTH_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn an_image_is_pushed_over_tls_with_basic_auth_and_read_back_by_skopeo_by_its_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = repo_root().join("recipes/hello-device.toml");
    let pw = ("CRA_PASSWORD", "pw");
    let keygen = run_cra(tmp.path(), &["cra", "keygen"], &[pw]);
    assert!(keygen.status.success(), "{}", describe(&keygen));
    let key = tmp.path().join("cosign.key");
    let composed = report(&compose(
        tmp.path(),
        &[
            recipe.to_str().unwrap(),
            "--out",
            "images",
            "--json",
            "--sign",
            "--key",
            key.to_str().unwrap(),
        ],
        &[("SOURCE_DATE_EPOCH", "1700000000"), pw],
    ));
    let image = tmp.path().join("images/hello-device-0.1.0");
    let digest = composed["manifest_digest"].as_str().unwrap().to_string();
    let registry = SecureRegistry::start();
    let repo = format!("{}/acme/hello-device", registry.addr);
    let ca = registry.ca.to_str().unwrap().to_string();
    let image_arg = image.to_str().unwrap();

    // --username with --password-stdin; the tag is the image's version, plus --tag.
    let args = [
        image_arg,
        &repo,
        "--ca-file",
        &ca,
        "--username",
        USER,
        "--password-stdin",
        "--tag",
        "stable",
        "--json",
    ];
    let first = push(tmp.path(), &args, &format!("{PASSWORD}\n"), &[]);
    assert!(first.status.success(), "{}", describe(&first));
    let r: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(r["digest"], digest.as_str(), "{r}");
    assert_eq!(r["tags"], serde_json::json!(["0.1.0", "stable"]));
    assert!(
        r["uploaded"].as_u64().unwrap() >= 2,
        "config and layers: {r}"
    );
    for tag in ["0.1.0", "stable"] {
        assert_eq!(registry.skopeo_digest(&format!("{repo}:{tag}")), digest);
    }
    let text = format!(
        "{}{}",
        describe(&first),
        String::from_utf8_lossy(&first.stdout)
    );
    assert!(!text.contains(PASSWORD), "the password is never printed");

    // Every Sigstore bundle of the image is a referrer of its manifest, listed (this registry
    // has no referrers API) in the referrers tag schema's index, as cosign lays them out.
    let bundles = std::fs::read_dir(&image)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sigstore.json"))
        .count();
    assert!(
        bundles >= 4,
        "manifest, archive, SBOM, provenance bundles at least"
    );
    assert_eq!(r["referrers"].as_u64(), Some(bundles as u64), "{r}");
    let referrers_tag = format!("{repo}:{}", digest.replace(':', "-"));
    let index = registry.skopeo_raw(&referrers_tag);
    let listed = index["manifests"].as_array().unwrap();
    assert_eq!(listed.len(), bundles, "{index}");
    let manifest_bytes = std::fs::read(
        image
            .join("oci/blobs/sha256")
            .join(digest.strip_prefix("sha256:").unwrap()),
    )
    .unwrap();
    let mut verified_manifest_signature = false;
    for entry in listed {
        assert_eq!(
            entry["artifactType"],
            "application/vnd.dev.sigstore.bundle.v0.3+json"
        );
        let referrer =
            registry.skopeo_raw(&format!("{repo}@{}", entry["digest"].as_str().unwrap()));
        assert_eq!(referrer["subject"]["digest"], digest.as_str(), "{referrer}");
        assert_eq!(
            referrer["config"]["mediaType"],
            "application/vnd.oci.empty.v1+json"
        );
        let layer = &referrer["layers"][0];
        let bundle = registry.blob(&repo_path(&repo), layer["digest"].as_str().unwrap());
        let content = referrer["annotations"]["dev.sigstore.bundle.content"]
            .as_str()
            .unwrap();
        if content == "message-signature" {
            // The manifest's own signature: sigstore-js verifies it over the manifest's bytes.
            let b = tmp.path().join("pulled.sigstore.json");
            std::fs::write(&b, &bundle).unwrap();
            let m = tmp.path().join("manifest.json");
            std::fs::write(&m, &manifest_bytes).unwrap();
            if sigstore_js_accepts(&tmp.path().join("cosign.pub"), &b, &m) {
                verified_manifest_signature = true;
            }
        } else {
            assert_eq!(content, "dsse-envelope");
            assert!(referrer["annotations"]["dev.sigstore.bundle.predicateType"].is_string());
        }
    }
    assert!(
        verified_manifest_signature,
        "the manifest's signature is among the referrers"
    );

    // Verified straight from the registry, by digest; then pulled, and verified offline: the
    // same checks, the same outcome.
    let pub_key = tmp.path().join("cosign.pub");
    let access = [
        "--ca-file",
        ca.as_str(),
        "--username",
        USER,
        "--password-stdin",
    ];
    let verify_ref = |reference: &str| {
        let mut args = vec![
            "cra",
            "verify",
            reference,
            "--key",
            pub_key.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(&access);
        cra_stdin(tmp.path(), &args, &format!("{PASSWORD}\n"), &[])
    };
    let by_digest = verify_ref(&format!("{repo}@{digest}"));
    assert!(by_digest.status.success(), "{}", describe(&by_digest));
    let by_digest: Vec<serde_json::Value> = serde_json::from_slice(&by_digest.stdout).unwrap();
    let tag_line = by_digest.iter().find(|l| l["check"] == "tag").unwrap();
    assert_eq!(tag_line["status"], "skipped", "{tag_line}");
    // A tag the release was not signed under (set by --tag): the registry's word is not taken.
    let floating = verify_ref(&format!("{repo}:stable"));
    assert!(!floating.status.success());
    let floating: Vec<serde_json::Value> = serde_json::from_slice(&floating.stdout).unwrap();
    let tag_line = floating.iter().find(|l| l["check"] == "tag").unwrap();
    assert_eq!(tag_line["status"], "fail", "{tag_line}");
    assert!(
        tag_line["detail"]
            .as_str()
            .unwrap()
            .contains("hello-device:0.1.0")
    );
    let remote = verify_ref(&format!("{repo}:0.1.0"));
    assert!(remote.status.success(), "{}", describe(&remote));
    let remote: Vec<serde_json::Value> = serde_json::from_slice(&remote.stdout).unwrap();
    let checks = |lines: &[serde_json::Value]| -> Vec<(String, String)> {
        lines
            .iter()
            .map(|l| {
                (
                    l["check"].as_str().unwrap().to_string(),
                    l["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(remote[0]["check"], "registry");
    assert!(remote[0]["detail"].as_str().unwrap().contains(&digest));
    let expected: Vec<(String, String)> = [
        ("registry", "ok"),
        ("image blobs", "ok"),
        ("signature", "ok"),
        ("SBOM attestation", "ok"),
        ("SBOM subject", "ok"),
        ("provenance attestation", "ok"),
        ("provenance subject", "ok"),
        ("tag", "ok"),
        ("technical file attestation", "skipped"),
        ("attached bundles", "ok"),
    ]
    .map(|(c, s)| (c.to_string(), s.to_string()))
    .into();
    assert_eq!(checks(&remote), expected, "{remote:?}");
    let pulled = tmp.path().join("pulled");
    let tagged = format!("{repo}:0.1.0");
    let mut args = vec![
        "cra",
        "pull",
        &tagged,
        "--out",
        pulled.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(&access);
    let pull = cra_stdin(tmp.path(), &args, &format!("{PASSWORD}\n"), &[]);
    assert!(pull.status.success(), "{}", describe(&pull));
    let p: serde_json::Value = serde_json::from_slice(&pull.stdout).unwrap();
    assert_eq!(p["digest"], digest.as_str(), "{p}");
    for file in [
        "hello-device.manifest.sigstore.json",
        "hello-device.cdx.sigstore.json",
        "hello-device.provenance.sigstore.json",
    ] {
        assert_eq!(
            std::fs::read(pulled.join(file)).unwrap(),
            std::fs::read(image.join(file)).unwrap(),
            "{file} is the bundle compose wrote"
        );
    }
    let verify_pulled = |key: &Path| {
        let key = key.to_str().unwrap();
        let args = [
            "cra",
            "verify",
            pulled.to_str().unwrap(),
            "--key",
            key,
            "--json",
        ];
        run_cra(tmp.path(), &args, &[])
    };
    let offline = verify_pulled(&pub_key);
    assert!(offline.status.success(), "{}", describe(&offline));
    let offline: Vec<serde_json::Value> = serde_json::from_slice(&offline.stdout).unwrap();
    assert_eq!(
        offline[..],
        remote[1..],
        "pull, then verify offline: the same report"
    );
    // umoci unpacks the pulled layout: the app is in it.
    let bundle_dir = tmp.path().join("unpacked");
    run(Command::new(tool("umoci")).args([
        "unpack",
        "--image",
        &format!("{}:0.1.0", pulled.join("oci").display()),
        bundle_dir.to_str().unwrap(),
    ]));
    assert!(bundle_dir.join("rootfs/usr/bin/hello-device").is_file());
    // Another key: the signatures fail, the blobs still check.
    let other_key = tmp.path().join("other");
    let keygen = run_cra(
        tmp.path(),
        &[
            "cra",
            "keygen",
            "--output-key-prefix",
            other_key.to_str().unwrap(),
        ],
        &[pw],
    );
    assert!(keygen.status.success(), "{}", describe(&keygen));
    let wrong_key = verify_pulled(&other_key.with_extension("pub"));
    assert!(!wrong_key.status.success());
    let lines: Vec<serde_json::Value> = serde_json::from_slice(&wrong_key.stdout).unwrap();
    let status =
        |check: &str| lines.iter().find(|l| l["check"] == check).unwrap()["status"].clone();
    assert_eq!(
        (status("image blobs"), status("signature")),
        ("ok".into(), "fail".into()),
        "{lines:?}"
    );
    // A bundle someone else attached (another key) is reported, not relied on, and fails
    // nothing: anyone who may push must not be able to break every verification.
    std::fs::write(tmp.path().join("note.txt"), b"a third party's note").unwrap();
    let signed = run_cra(
        tmp.path(),
        &[
            "cra",
            "sign-blob",
            "note.txt",
            "--key",
            other_key.with_extension("key").to_str().unwrap(),
            "--bundle",
            pulled
                .join("referrers/sha256-0000.sigstore.json")
                .to_str()
                .unwrap(),
        ],
        &[pw],
    );
    assert!(signed.status.success(), "{}", describe(&signed));
    let with_foreign = verify_pulled(&pub_key);
    assert!(with_foreign.status.success(), "{}", describe(&with_foreign));
    let lines: Vec<serde_json::Value> = serde_json::from_slice(&with_foreign.stdout).unwrap();
    let attached = lines
        .iter()
        .find(|l| l["check"] == "attached bundles")
        .unwrap();
    assert!(
        attached["detail"]
            .as_str()
            .unwrap()
            .contains("1 not by the trusted signer, not relied on"),
        "{attached}"
    );
    std::fs::remove_file(pulled.join("referrers/sha256-0000.sigstore.json")).unwrap();

    // --with-files: the squashfs image (and its root hash) travels as an OCI artifact of the
    // image; pulled, it verifies offline with its own signature and verity statement, and
    // unsquashfs reads it.
    let with_files = format!("{}/acme/with-files", registry.addr);
    let mut args = vec![image_arg, with_files.as_str(), "--with-files", "--json"];
    args.extend_from_slice(&access);
    let pushed = push(tmp.path(), &args, &format!("{PASSWORD}\n"), &[]);
    assert!(pushed.status.success(), "{}", describe(&pushed));
    let r: serde_json::Value = serde_json::from_slice(&pushed.stdout).unwrap();
    assert_eq!(r["files"], 1, "{r}");
    let tagged_files = format!("{with_files}:0.1.0");
    let mut args = vec![
        "cra",
        "pull",
        tagged_files.as_str(),
        "--out",
        "pulled-files",
    ];
    args.extend_from_slice(&access);
    let pull = cra_stdin(tmp.path(), &args, &format!("{PASSWORD}\n"), &[]);
    assert!(pull.status.success(), "{}", describe(&pull));
    let squashfs = tmp.path().join("pulled-files/hello-device.squashfs");
    assert_eq!(
        std::fs::read(&squashfs).unwrap(),
        std::fs::read(image.join("hello-device.squashfs")).unwrap()
    );
    let offline = run_cra(
        tmp.path(),
        &[
            "cra",
            "verify",
            squashfs.to_str().unwrap(),
            "--key",
            pub_key.to_str().unwrap(),
        ],
        &[],
    );
    assert!(offline.status.success(), "{}", describe(&offline));
    let text = String::from_utf8_lossy(&offline.stdout);
    assert!(text.contains("ok   dm-verity root hash"), "{text}");
    let listing = run(Command::new(tool("unsquashfs")).arg("-l").arg(&squashfs));
    assert!(String::from_utf8_lossy(&listing.stdout).contains("usr/bin/hello-device"));

    // Again, with docker's config.json: nothing is sent twice.
    let docker = tmp.path().join("docker");
    std::fs::create_dir(&docker).unwrap();
    let auth = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    };
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, registry.addr),
    )
    .unwrap();
    let again = push(
        tmp.path(),
        &[image_arg, &repo, "--ca-file", &ca, "--json"],
        "",
        &[("DOCKER_CONFIG", docker.to_str().unwrap())],
    );
    assert!(again.status.success(), "{}", describe(&again));
    let r: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (r["uploaded"].as_u64(), r["digest"].as_str()),
        (Some(0), Some(digest.as_str()))
    );
    let index = registry.skopeo_raw(&referrers_tag);
    assert_eq!(
        index["manifests"].as_array().unwrap().len(),
        bundles,
        "pushing again adds no duplicate referrer: {index}"
    );

    // A credential helper, as docker's credHelpers names it for this host.
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let helper = bin.join("docker-credential-crafake");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread host\n[ \"$host\" = \"{}\" ] || exit 1\n\
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$host\"\n",
            registry.addr
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let helped = tmp.path().join("helped");
    std::fs::create_dir(&helped).unwrap();
    std::fs::write(
        helped.join("config.json"),
        format!(r#"{{"credHelpers":{{"{}":"crafake"}}}}"#, registry.addr),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let via_helper = push(
        tmp.path(),
        &[image_arg, &format!("{repo}:helped"), "--ca-file", &ca],
        "",
        &[("DOCKER_CONFIG", helped.to_str().unwrap()), ("PATH", &path)],
    );
    assert!(via_helper.status.success(), "{}", describe(&via_helper));
    assert_eq!(registry.skopeo_digest(&format!("{repo}:helped")), digest);

    // A wrong password: one line, no password echoed, and the new tag does not exist.
    let wrong = push(
        tmp.path(),
        &[
            image_arg,
            &format!("{repo}:never"),
            "--ca-file",
            &ca,
            "--username",
            USER,
            "--password-stdin",
        ],
        "not-the-password\n",
        &[],
    );
    assert_one_line_error(&wrong, &["authentication required or refused"]);
    assert!(!describe(&wrong).contains("not-the-password"));

    // Without the CA, TLS is not given up: the registry's certificate is refused.
    let untrusted = push(
        tmp.path(),
        &[image_arg, &repo, "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &[],
    );
    assert_one_line_error(&untrusted, &[&registry.addr]);
    // The system's bundle as Go tools read it (SSL_CERT_FILE) is trusted without --ca-file.
    let system = push(
        tmp.path(),
        &[image_arg, &repo, "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &[("SSL_CERT_FILE", ca.as_str())],
    );
    assert!(system.status.success(), "{}", describe(&system));

    // A blob changed after compose is refused before anything is sent.
    let changed = tmp.path().join("changed");
    copy_tree(&image, &changed);
    let layer = r_layer(&changed);
    std::fs::write(&layer, b"not the layer").unwrap();
    let refused = push(
        tmp.path(),
        &[
            changed.to_str().unwrap(),
            &format!("{repo}:changed"),
            "--ca-file",
            &ca,
            "--username",
            USER,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        &[],
    );
    assert_one_line_error(&refused, &["bytes its descriptor states"]);
    // The same size, another content, into a repository that lacks the blob: the registry checks
    // the upload against the digest it names, and nothing is tagged.
    let mut bytes = std::fs::read(r_layer(&image)).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&layer, &bytes).unwrap();
    let other = format!("{}/acme/other:tampered", registry.addr);
    let refused = push(
        tmp.path(),
        &[
            changed.to_str().unwrap(),
            &other,
            "--ca-file",
            &ca,
            "--username",
            USER,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        &[],
    );
    assert_one_line_error(&refused, &["refused uploading a blob"]);

    // compose --push: the same image (same inputs, same bytes) written and pushed in one go.
    let composed_and_pushed = cra_stdin(
        tmp.path(),
        &[
            "cra",
            "compose",
            recipe.to_str().unwrap(),
            "--out",
            "again",
            "--json",
            "--sign",
            "--key",
            key.to_str().unwrap(),
            "--push",
            &format!("{}/acme/composed", registry.addr),
            "--ca-file",
            &ca,
            "--username",
            USER,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        &[("SOURCE_DATE_EPOCH", "1700000000"), pw],
    );
    assert!(
        composed_and_pushed.status.success(),
        "{}",
        describe(&composed_and_pushed)
    );
    let c: serde_json::Value = serde_json::from_slice(&composed_and_pushed.stdout).unwrap();
    assert_eq!(c["manifest_digest"], digest.as_str(), "{c}");
    assert_eq!(c["pushed"]["digest"], digest.as_str(), "{c}");
    assert_eq!(
        c["pushed"]["referrers"].as_u64(),
        Some(bundles as u64),
        "{c}"
    );
    assert_eq!(
        registry.skopeo_digest(&format!("{}/acme/composed:0.1.0", registry.addr)),
        digest
    );

    // The recipe's [output.registry]: `--push` alone pushes there, with the recipe's tags too.
    let project = tmp.path().join("files-only");
    std::fs::create_dir_all(project.join("files")).unwrap();
    std::fs::write(project.join("files/app.conf"), "x = 1\n").unwrap();
    let recipe_with = |repository: &str| {
        format!(
            "[image]\nname = \"conf\"\nversion = \"1.0\"\narchitecture = \"amd64\"\n\n\
             [[file]]\nsource = \"files/app.conf\"\ndest = \"/etc/app.conf\"\n\n\
             [output.oci]\n\n[output.registry]\nrepository = \"{repository}\"\ntags = [\"edge\"]\n"
        )
    };
    std::fs::write(
        project.join("recipe.toml"),
        recipe_with(&format!("{}/acme/from-recipe", registry.addr)),
    )
    .unwrap();
    let compose_push = |extra: &[&str]| {
        let mut args = vec![
            "cra",
            "compose",
            "recipe.toml",
            "--out",
            "images",
            "--json",
            "--push",
        ];
        args.extend_from_slice(extra);
        cra_stdin(
            &project,
            &args,
            &format!("{PASSWORD}\n"),
            &[("SOURCE_DATE_EPOCH", "0")],
        )
    };
    let auth = [
        "--ca-file",
        ca.as_str(),
        "--username",
        USER,
        "--password-stdin",
    ];
    let out = compose_push(&auth);
    assert!(out.status.success(), "{}", describe(&out));
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        c["pushed"]["tags"],
        serde_json::json!(["1.0", "edge"]),
        "{c}"
    );
    for tag in ["1.0", "edge"] {
        assert_eq!(
            registry.skopeo_digest(&format!("{}/acme/from-recipe:{tag}", registry.addr)),
            c["manifest_digest"].as_str().unwrap()
        );
    }
    // A bad repository in the recipe: one line at its place, before anything is written.
    std::fs::remove_dir_all(project.join("images")).unwrap();
    std::fs::write(project.join("recipe.toml"), recipe_with("Not A Reference")).unwrap();
    let bad = compose_push(&auth);
    assert_one_line_error(&bad, &["recipe.toml:13:14:", "[output.registry]"]);
    assert!(!project.join("images").exists(), "nothing written");

    // A layer changed on the registry's disk (same size): verifying from the registry fails
    // naming the blob, and pull leaves nothing behind.
    let layer_digest = format!(
        "sha256:{}",
        r_layer(&image).file_name().unwrap().to_string_lossy()
    );
    let hex = layer_digest.strip_prefix("sha256:").unwrap();
    let stored = registry
        .dir
        .path()
        .join("data/docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let mut bytes = std::fs::read(&stored).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&stored, &bytes).unwrap();
    let tampered = verify_ref(&format!("{repo}:0.1.0"));
    assert_one_line_error(&tampered, &[&layer_digest, "not what its digest names"]);
    let mut args = vec!["cra", "pull", &tagged, "--out", "tampered-pull"];
    args.extend_from_slice(&access);
    let pull = cra_stdin(tmp.path(), &args, &format!("{PASSWORD}\n"), &[]);
    assert_one_line_error(&pull, &[&layer_digest]);
    assert!(
        !tmp.path().join("tampered-pull").exists(),
        "nothing written"
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".cra-pull"))
        .collect();
    assert!(leftovers.is_empty(), "no staging directory left behind");
}

/// The largest blob of the image's layout (its layer).
fn r_layer(image: &Path) -> PathBuf {
    let blobs = image.join("oci/blobs/sha256");
    std::fs::read_dir(&blobs)
        .unwrap()
        .flatten()
        .max_by_key(|e| e.metadata().unwrap().len())
        .unwrap()
        .path()
}

/// The repository path of `HOST/REPOSITORY`.
fn repo_path(reference: &str) -> String {
    reference.split_once('/').unwrap().1.to_string()
}

/// An image directory holding an OCI layout of one image with a `size`-byte random layer, and
/// the manifest's signature (`cargo cra sign-blob` with `key`); returns the manifest digest.
fn large_image(dir: &Path, size: usize, key: &Path) -> String {
    use std::io::Read as _;
    let blobs = dir.join("oci/blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let hex = cra_attest::digest::Digests::of_bytes(bytes).sha256_hex();
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        format!("sha256:{hex}")
    };
    let mut layer = Vec::with_capacity(size);
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .take(size as u64)
        .read_to_end(&mut layer)
        .unwrap();
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config), "size": config.len() },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": put(&layer), "size": layer.len() }],
    }))
    .unwrap();
    let digest = put(&manifest);
    std::fs::write(
        dir.join("oci/oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("oci/index.json"),
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest, "size": manifest.len(),
                "annotations": { "org.opencontainers.image.ref.name": "big" },
            }],
        }))
        .unwrap(),
    )
    .unwrap();
    let hex = digest.strip_prefix("sha256:").unwrap();
    let signed = run_cra(
        dir,
        &[
            "cra",
            "sign-blob",
            &format!("oci/blobs/sha256/{hex}"),
            "--key",
            key.to_str().unwrap(),
            "--bundle",
            "big.manifest.sigstore.json",
        ],
        &[("CRA_PASSWORD", "pw")],
    );
    assert!(signed.status.success(), "{}", describe(&signed));
    digest
}

#[test]
fn a_push_cut_off_by_a_registry_crash_is_completed_by_running_it_again() {
    let tmp = tempfile::tempdir().unwrap();
    let keygen = run_cra(tmp.path(), &["cra", "keygen"], &[("CRA_PASSWORD", "pw")]);
    assert!(keygen.status.success(), "{}", describe(&keygen));
    let image = tmp.path().join("big");
    let digest = large_image(&image, 256 << 20, &tmp.path().join("cosign.key"));
    let mut registry = SecureRegistry::start();
    let repo = format!("{}/acme/big", registry.addr);
    let ca = registry.ca.to_str().unwrap().to_string();
    let args = [
        "cra",
        "push",
        image.to_str().unwrap(),
        repo.as_str(),
        "--ca-file",
        ca.as_str(),
        "--username",
        USER,
        "--password-stdin",
        "--json",
    ];
    let mut child = Command::new(cargo_cra())
        .args(args)
        .current_dir(tmp.path())
        .env("DOCKER_CONFIG", tmp.path().join("none"))
        .env_remove("REGISTRY_AUTH_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    // Stopped while the layer is on its way.
    let mut waited = 0;
    while !registry.upload_in_progress("acme/big") {
        assert!(waited < 6000, "the upload never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
        waited += 1;
    }
    registry.stop();
    let cut = child.wait_with_output().unwrap();
    assert_one_line_error(&cut, &[&registry.addr]);
    // Up again: the push is run again and completes; the referrer is listed once.
    registry.restart();
    let again = cra_stdin(tmp.path(), &args[1..], &format!("{PASSWORD}\n"), &[]);
    assert!(again.status.success(), "{}", describe(&again));
    let r: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(r["digest"], digest.as_str(), "{r}");
    assert_eq!(r["referrers"], 1, "{r}");
    assert_eq!(registry.skopeo_digest(&format!("{repo}:big")), digest);
    let again = cra_stdin(tmp.path(), &args[1..], &format!("{PASSWORD}\n"), &[]);
    let r: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (r["uploaded"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(2)),
        "{r}"
    );
    let index = registry.skopeo_raw(&format!("{repo}:{}", digest.replace(':', "-")));
    assert_eq!(index["manifests"].as_array().unwrap().len(), 1, "{index}");
}

#[test]
fn a_keyless_image_from_the_registry_is_verified_by_sigstore_python_and_by_cargo_cra() {
    const IDENTITY: &str = "https://ci.example.com/acme/conf/.ci/release.yml@refs/heads/main";
    let m = MockSigstore::start();
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path();
    std::fs::create_dir_all(project.join("files")).unwrap();
    std::fs::write(project.join("files/app.conf"), "x = 1\n").unwrap();
    std::fs::write(
        project.join("recipe.toml"),
        "[image]\nname = \"conf\"\nversion = \"1.0\"\narchitecture = \"amd64\"\n\n\
         [[file]]\nsource = \"files/app.conf\"\ndest = \"/etc/app.conf\"\n\n[output.oci]\n",
    )
    .unwrap();
    let mut args: Vec<String> = ["cra", "compose", "recipe.toml", "--out", "images", "--sign"]
        .map(String::from)
        .into();
    args.extend(m.keyless_args(IDENTITY));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let composed = run_cra(project, &args, &[("SOURCE_DATE_EPOCH", "0")]);
    assert!(composed.status.success(), "{}", describe(&composed));
    let registry = SecureRegistry::start();
    let repo = format!("{}/acme/conf", registry.addr);
    let ca = registry.ca.to_str().unwrap().to_string();
    let access = [
        "--ca-file",
        ca.as_str(),
        "--username",
        USER,
        "--password-stdin",
    ];
    let mut push_args = vec!["images/conf-1.0", repo.as_str()];
    push_args.extend_from_slice(&access);
    let pushed = push(project, &push_args, &format!("{PASSWORD}\n"), &[]);
    assert!(pushed.status.success(), "{}", describe(&pushed));
    let tagged = format!("{repo}:1.0");
    let mut pull_args = vec!["cra", "pull", tagged.as_str(), "--out", "pulled"];
    pull_args.extend_from_slice(&access);
    let pulled = cra_stdin(project, &pull_args, &format!("{PASSWORD}\n"), &[]);
    assert!(pulled.status.success(), "{}", describe(&pulled));
    // sigstore-python, offline with the instance's trusted root, accepts the manifest's keyless
    // signature as pulled, over the manifest as pulled.
    let layout = project.join("pulled/oci");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest = layout
        .join("blobs/sha256")
        .join(digest.strip_prefix("sha256:").unwrap());
    assert!(sigstore_python_accepts(
        &m.trusted_root,
        IDENTITY,
        &project.join("pulled/conf.manifest.sigstore.json"),
        &manifest,
    ));
    // cargo cra verify REF checks the keyless attestations too (sigstore-python cannot read
    // the mock's DSSE log entries: see keyless.rs).
    let root = m.trusted_root.to_str().unwrap();
    let verify = |identity: &str| {
        let mut args = vec![
            "cra",
            "verify",
            tagged.as_str(),
            "--certificate-identity",
            identity,
            "--certificate-oidc-issuer",
            TEST_ISSUER,
            "--trusted-root",
            root,
        ];
        args.extend_from_slice(&access);
        cra_stdin(project, &args, &format!("{PASSWORD}\n"), &[])
    };
    let ok = verify(IDENTITY);
    assert!(ok.status.success(), "{}", describe(&ok));
    let text = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(text.matches("ok   ").count(), 8, "{text}");
    let other = verify("https://ci.example.com/someone-else");
    assert!(!other.status.success());
    assert_eq!(
        String::from_utf8_lossy(&other.stdout)
            .matches("FAIL ")
            .count(),
        4,
        "{}",
        describe(&other)
    );
}

/// A TCP relay on 127.0.0.1 to `upstream` that cuts off, once, the first connection through
/// which more than `cut_after` bytes went upstream (a dropped connection mid-upload; TLS passes
/// through untouched). Returns its address.
fn cutting_relay(upstream: String, cut_after: u64) -> String {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let cut = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                continue;
            };
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let cut = cut.clone();
            std::thread::spawn(move || {
                // Upstream, counted.
                let (mut from, mut to) = (client, server);
                let mut buf = vec![0u8; 64 << 10];
                let mut sent = 0u64;
                loop {
                    let n = match std::io::Read::read(&mut from, &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    sent += n as u64;
                    if sent > cut_after && !cut.swap(true, Ordering::SeqCst) {
                        break;
                    }
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = from.shutdown(std::net::Shutdown::Both);
                let _ = to.shutdown(std::net::Shutdown::Both);
            });
            std::thread::spawn(move || {
                let (mut from, mut to) = (s2, c2);
                let _ = std::io::copy(&mut from, &mut to);
                let _ = to.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    addr
}

#[test]
fn a_large_layer_goes_in_chunks_and_a_chunk_cut_off_is_sent_again() {
    let tmp = tempfile::tempdir().unwrap();
    let keygen = run_cra(tmp.path(), &["cra", "keygen"], &[("CRA_PASSWORD", "pw")]);
    assert!(keygen.status.success(), "{}", describe(&keygen));
    let image = tmp.path().join("big");
    let digest = large_image(&image, 150 << 20, &tmp.path().join("cosign.key"));
    let registry = SecureRegistry::start();
    let relay = cutting_relay(registry.addr.clone(), 40 << 20);
    let ca = registry.ca.to_str().unwrap().to_string();
    let through_relay = format!("{relay}/acme/chunked");
    let args = [
        image.to_str().unwrap(),
        through_relay.as_str(),
        "--ca-file",
        ca.as_str(),
        "--username",
        USER,
        "--password-stdin",
        "--json",
    ];
    let pushed = push(tmp.path(), &args, &format!("{PASSWORD}\n"), &[]);
    assert!(pushed.status.success(), "{}", describe(&pushed));
    let r: serde_json::Value = serde_json::from_slice(&pushed.stdout).unwrap();
    assert_eq!(r["digest"], digest.as_str(), "{r}");
    assert!(
        r["resumed"].as_u64().unwrap() >= 1,
        "the cut was survived: {r}"
    );
    // Read back straight from the registry: the layer is whole (the registry checked its
    // digest when the upload closed), and skopeo sees the image.
    let repo = format!("{}/acme/chunked", registry.addr);
    assert_eq!(registry.skopeo_digest(&format!("{repo}:big")), digest);
    let again = push(tmp.path(), &args, &format!("{PASSWORD}\n"), &[]);
    let r: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(r["uploaded"], 0, "{r}");
}
