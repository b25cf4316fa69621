//! `cargo cra docs` and `compose --docs`, checked by tools nobody here wrote: headless
//! Chromium renders the report (networking disabled, console logged) and screenshots it, HTML
//! Tidy validates it, sectxt (the DigitalTrustCenter's RFC 9116 validator) parses
//! `security.txt`, pulldown-cmark renders the Markdown, and `cargo cra verify` re-hashes the
//! technical file's listing.

use crate::common;

use common::image::{compose, report, tool};
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A time close to now, so that `security.txt`'s `Expires` (within a year of it) lies ahead.
fn recent_epoch() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (now - now % 86_400).to_string()
}

/// Composes the example image signed with a fresh key, with `--docs`, once for this test
/// binary (its tests run in parallel; the example app's target directory is shared); returns
/// the directory holding `cosign.key`, `cosign.pub` and `images/`.
fn composed_once() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        // One fixed place under target/, emptied first: a kept temporary directory would be
        // left behind by every run (the static is never dropped).
        let tmp = repo_root().join("target/cra-test-docs-composed");
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        let pw = ("CRA_PASSWORD", "pw");
        let out = run_cra(&tmp, &["cra", "keygen"], &[pw]);
        assert!(out.status.success(), "{}", describe(&out));
        let recipe = repo_root().join("recipes/hello-device.toml");
        let epoch = recent_epoch();
        let key = tmp.join("cosign.key");
        let out = compose(
            &tmp,
            &[
                recipe.to_str().unwrap(),
                "--out",
                "images",
                "--json",
                "--sign",
                "--key",
                key.to_str().unwrap(),
                "--docs",
            ],
            &[pw, ("SOURCE_DATE_EPOCH", &epoch)],
        );
        let r = report(&out);
        assert!(r["docs"].is_string(), "the report names the documents: {r}");
        tmp
    })
}

/// A copy of the composed example in `tmp` (keys in `tmp`); returns its image directory.
fn example_with_docs(tmp: &Path) -> PathBuf {
    let shared = composed_once();
    for key in ["cosign.key", "cosign.pub"] {
        std::fs::copy(shared.join(key), tmp.join(key)).unwrap();
    }
    let image = tmp.join("images/hello-device-0.1.0");
    copy_tree(&shared.join("images/hello-device-0.1.0"), &image);
    image
}

fn chromium() -> PathBuf {
    tool("chromium")
}

/// Chromium, headless, with every network path closed: no proxy reachable, no name resolves.
fn headless(args: &[&str]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("chromium (tests/run installs Debian's chromium)")
}

/// Lines of Chromium's log that report a load the page's policy blocked.
fn blocked_loads(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("Content Security Policy") || l.contains("Refused to"))
        .map(String::from)
        .collect()
}

/// The share of pixels of a PNG that differ from its first pixel (0 for a blank page).
fn non_blank_share(png: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let data = &buf[..info.buffer_size()];
    let first = &data[..px];
    let differing = data.chunks(px).filter(|p| p != &first).count();
    differing as f64 / (data.len() / px) as f64
}

#[test]
fn the_report_renders_in_headless_chromium_with_no_network_request_and_is_valid_html() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let index = image.join("cra/index.html");
    let url = format!("file://{}", index.display());
    let dom = headless(&["--dump-dom", &url]);
    let text = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.status.success(), "{}", describe(&dom));
    assert!(
        text.contains("CRA technical file: Hello Device 0.1.0"),
        "{text}"
    );
    // The signatures were re-verified against the signing key: every check ok.
    assert!(text.contains("checks ok"), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
    assert!(text.contains("dm-verity root hash"), "{text}");
    // Rendering made no request the policy had to refuse.
    let log = String::from_utf8_lossy(&dom.stderr);
    assert_eq!(blocked_loads(&log), Vec::<String>::new(), "{log}");
    // The same check does see a remote load: a copy with an injected image is refused.
    let html = std::fs::read_to_string(&index).unwrap();
    let hostile = tmp.path().join("hostile.html");
    std::fs::write(
        &hostile,
        html.replacen(
            "<main>",
            "<main><img src=\"https://example.com/pixel.png\">",
            1,
        ),
    )
    .unwrap();
    let refused = headless(&["--dump-dom", &format!("file://{}", hostile.display())]);
    let log = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !blocked_loads(&log).is_empty(),
        "Chromium's log shows no refused load for an injected remote image: {log}"
    );
    // A screenshot that is not blank.
    let shot = tmp.path().join("index.png");
    let out = headless(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1280,2000",
        &url,
    ]);
    assert!(shot.exists(), "{}", describe(&out));
    let share = non_blank_share(&shot);
    assert!(share > 0.02, "the screenshot is blank ({share})");
    // HTML Tidy finds no error in either page.
    for page in ["index.html", "user-information.html"] {
        let out = Command::new(tool("tidy"))
            .args(["-errors", "-quiet"])
            .arg(image.join("cra").join(page))
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{page}: {}",
            describe(&out)
        );
    }
}

#[test]
fn security_txt_is_valid_rfc_9116_for_sectxt() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let txt = image.join("cra/security.txt");
    let script = "import sys, json, sectxt\n\
        p = sectxt.Parser(open(sys.argv[1], 'rb').read(), urls=sys.argv[2])\n\
        print(json.dumps({'valid': p.is_valid(), 'errors': p.errors,\n\
            'recommendations': p.recommendations}))";
    let out = Command::new(test_python("sectxt"))
        .args(["-c", script])
        .arg(&txt)
        .arg("https://devices.example.com/.well-known/security.txt")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");
    let unknown: Vec<_> = verdict["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["code"] == "unknown_field")
        .collect();
    assert!(unknown.is_empty(), "{verdict}");
    let text = std::fs::read_to_string(&txt).unwrap();
    for field in [
        "Contact: mailto:",
        "Expires: ",
        "Policy: https://",
        "Preferred-Languages: en, de",
        "Canonical: https://",
        "CSAF: https://",
    ] {
        assert!(text.contains(field), "{field}: {text}");
    }
}

/// Every file below `dir`, relative, with its SHA-256.
fn digests_below(dir: &Path, skip: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p == skip {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().to_string();
                let bytes = std::fs::read(&p).unwrap();
                out.insert(rel, hex(&sha2_256(&bytes)));
            }
        }
    }
    out
}

fn sha2_256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_technical_file_lists_exactly_the_files_and_verify_rejects_any_change() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let cra = image.join("cra");
    let tf: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cra.join("technical-file.json")).unwrap()).unwrap();
    assert_eq!(tf["evidenceRoot"], "..");
    let listed: std::collections::BTreeMap<String, String> = tf["artefacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["path"].as_str().unwrap().into(),
                a["sha256"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        digests_below(&image, &cra),
        "every evidence file, each digest right"
    );
    let documents: std::collections::BTreeMap<String, String> = tf["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["path"].as_str().unwrap().into(),
                a["sha256"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut on_disk = digests_below(&cra, Path::new("/nonexistent"));
    for own in [
        "technical-file.json",
        "technical-file.json.sigstore.json",
        "index.html",
    ] {
        assert!(on_disk.remove(own).is_some(), "{own}");
    }
    assert_eq!(
        documents, on_disk,
        "every generated document, each digest right"
    );
    assert_eq!(tf["verityRootHash"].as_str().unwrap().len(), 64);
    // The attestation proves the set; any listed file changed, and it does not.
    let tf_path = cra.join("technical-file.json");
    let verify = || {
        run_cra(
            tmp.path(),
            &[
                "cra",
                "verify",
                tf_path.to_str().unwrap(),
                "--key",
                "cosign.pub",
            ],
            &[],
        )
    };
    let out = verify();
    assert!(out.status.success(), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("listed files"));
    for victim in [
        image.join("hello-device.roothash"),
        cra.join("user-information.md"),
    ] {
        let original = std::fs::read(&victim).unwrap();
        let mut changed = original.clone();
        changed[0] ^= 1;
        std::fs::write(&victim, &changed).unwrap();
        let out = verify();
        assert!(
            !out.status.success(),
            "{}: {}",
            victim.display(),
            describe(&out)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("FAIL") && stdout.contains("changed"),
            "{stdout}"
        );
        // Issue 25: the file is named as a reader finds it, never `cra/../…`.
        assert!(!stdout.contains("/../"), "{stdout}");
        assert!(
            stdout.contains(&victim.file_name().unwrap().to_string_lossy().to_string()),
            "{stdout}"
        );
        std::fs::write(&victim, &original).unwrap();
    }
    // Unsigned (its attestation gone): it fails, unless --allow-unsigned, which still re-hashes
    // every listed file; an unsigned listing cannot lead verify out of the output directory.
    let bundle = cra.join("technical-file.json.sigstore.json");
    let saved = std::fs::read(&bundle).unwrap();
    std::fs::remove_file(&bundle).unwrap();
    let out = verify();
    assert!(!out.status.success(), "{}", describe(&out));
    let unsigned = |tf: &Path| {
        run_cra(
            tmp.path(),
            &["cra", "verify", tf.to_str().unwrap(), "--allow-unsigned"],
            &[],
        )
    };
    let out = unsigned(&tf_path);
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("skipped technical file attestation")
            && stdout.contains("ok   listed files")
            && stdout.contains("not signed"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&tf_path).unwrap();
    let mut hostile: serde_json::Value = serde_json::from_str(&text).unwrap();
    hostile["evidenceRoot"] = "../../..".into();
    std::fs::write(&tf_path, hostile.to_string()).unwrap();
    let out = unsigned(&tf_path);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("leads out of the output directory"),
        "{}",
        describe(&out)
    );
    std::fs::write(&tf_path, &text).unwrap();
    std::fs::write(&bundle, saved).unwrap();
    // A technical file edited after signing is not the attested one.
    let text = std::fs::read_to_string(&tf_path).unwrap();
    std::fs::write(&tf_path, text.replace("Hello Device", "Hello Devise")).unwrap();
    let out = verify();
    assert!(!out.status.success(), "{}", describe(&out));
}

#[test]
fn the_markdown_documents_render_and_name_every_annex_ii_and_v_item() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let read = |name: &str| std::fs::read_to_string(image.join("cra").join(name)).unwrap();
    let render = |md: &str| {
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(md));
        html
    };
    let user = render(&read("user-information.md"));
    for item in [
        "Example Devices GmbH",
        "Beispielstraße 1, 10115 Berlin, Germany",
        "info@devices.example.com",
        "https://devices.example.com",
        "mailto:security@devices.example.com",
        "disclosure-policy",
        "Hello Device",
        "EXD-HELLO-1",
        "Reports the device's status",
        "report the device status",
        "dm-verity",
        "unprivileged user device",
        "no file is setuid or setgid",
        // Issue 28: the apps' exploitation mitigations, from the image SBOM.
        "Exploitation mitigations (Annex I (2)(k))",
        "hello-device: position independence static-pie, RELRO full, non-executable stack yes",
        "https://devices.example.com/conformity/hello-device",
        "security updates and fixes",
        "2031-12-31",
        "inactive A/B slot",
        "<code>hello-device.cdx.json</code>",
        // Issue 25: Annex II point 5 and every instruction of point 8.
        "Circumstances that may lead to significant cybersecurity risks",
        "Exposing the status port beyond the local network",
        "(a) Secure use",
        "a changed image does not boot",
        "Reset to factory state from the gateway",
        "auto-update = false",
    ] {
        assert!(
            user.contains(item),
            "user information lacks {item:?}: {user}"
        );
    }
    assert!(!user.contains("missing"), "{user}");
    let doc = render(&read("declaration-of-conformity.md"));
    for item in [
        "Hello Device",
        "Example Devices GmbH",
        "sole responsibility of the manufacturer",
        "Regulation (EU) 2024/2847",
        "EN 18031-1:2024",
        "internal control (module A",
        "no notified body",
        "Signature: ",
    ] {
        assert!(doc.contains(item), "the declaration lacks {item:?}: {doc}");
    }
    let squashfs = hex(&sha2_256(
        &std::fs::read(image.join("hello-device.squashfs")).unwrap(),
    ));
    assert!(
        doc.contains(&squashfs),
        "the object of the declaration by digest: {doc}"
    );
    // The manufacturer's texts, verbatim.
    assert_eq!(
        read("risk-assessment.md"),
        std::fs::read_to_string(repo_root().join("recipes/hello-device/risk-assessment.md"))
            .unwrap()
    );
}

#[test]
fn docs_are_reproducible_and_strict_fails_listing_what_is_missing_writing_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let epoch = recent_epoch();
    let docs = |out: &str, extra: &[&str]| {
        let mut args = vec!["cra", "docs", image.to_str().unwrap(), "--out", out];
        args.extend_from_slice(extra);
        run_cra(
            tmp.path(),
            &args,
            &[("SOURCE_DATE_EPOCH", &epoch), ("TZ", "Asia/Tokyo")],
        )
    };
    let config = repo_root().join("recipes/hello-device.toml");
    let a = docs("a", &["--config", config.to_str().unwrap()]);
    assert!(a.status.success(), "{}", describe(&a));
    let b = docs("b", &["--config", config.to_str().unwrap()]);
    assert!(b.status.success(), "{}", describe(&b));
    for name in [
        "technical-file.json",
        "index.html",
        "user-information.md",
        "security.txt",
    ] {
        assert_eq!(
            std::fs::read(tmp.path().join("a").join(name)).unwrap(),
            std::fs::read(tmp.path().join("b").join(name)).unwrap(),
            "{name} differs between two runs"
        );
    }
    // Issue 24: without the recipe, the declarations travel in the signed image SBOM: the
    // same documents (the manufacturer's texts aside, which are files beside the recipe).
    let c = docs("c", &["--strict"]);
    assert!(c.status.success(), "{}", describe(&c));
    for name in [
        "user-information.md",
        "declaration-of-conformity.md",
        "security.txt",
    ] {
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("a").join(name)).unwrap(),
            std::fs::read_to_string(tmp.path().join("c").join(name)).unwrap(),
            "{name}: the recorded declarations differ from the recipe's"
        );
    }
    // An unsigned image whose SBOM records no declarations: --strict names each gap.
    let bare = tmp.path().join("bare");
    copy_tree(&image, &bare);
    for entry in std::fs::read_dir(&bare).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".sigstore.json") || name == "cra" {
            let _ = std::fs::remove_file(&path).or_else(|_| std::fs::remove_dir_all(&path));
        }
    }
    let sbom_path = bare.join("hello-device.cdx.json");
    let mut sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sbom_path).unwrap()).unwrap();
    sbom["metadata"]["component"]["properties"]
        .as_array_mut()
        .unwrap()
        .retain(|p| {
            !p["name"]
                .as_str()
                .unwrap()
                .starts_with("cargo-cra:product:")
        });
    std::fs::write(&sbom_path, serde_json::to_vec_pretty(&sbom).unwrap()).unwrap();
    let bare_docs = |out: &str, extra: &[&str]| {
        let mut args = vec!["cra", "docs", bare.to_str().unwrap(), "--out", out];
        args.extend_from_slice(extra);
        run_cra(tmp.path(), &args, &[("SOURCE_DATE_EPOCH", &epoch)])
    };
    let out = bare_docs("e", &["--strict"]);
    assert!(!out.status.success(), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "Annex II point 1: manufacturer's postal address is missing (set `manufacturer.address`",
        "Annex II point 4: intended purpose is missing",
        "Annex V point 7: conformity assessment procedure is missing",
        "Annex II point 5: circumstances that may lead to significant cybersecurity risks is missing (set `foreseeable-risks`",
        "Annex II point 8(d): secure decommissioning and removal of user data is missing (set `decommissioning`",
    ] {
        assert!(
            err.lines()
                .any(|l| l.starts_with("  - ") && l.contains(needle)),
            "{needle} on a line of its own: {err}"
        );
    }
    assert!(!err.contains("\\n"), "no escaped line breaks: {err}");
    assert!(!tmp.path().join("e").exists(), "--strict wrote documents");
    // Without --strict the same gaps are listed in the technical file, nothing invented.
    let out = bare_docs("f", &[]);
    assert!(out.status.success(), "{}", describe(&out));
    // Without a procedure, the declaration does not claim that no notified body takes part.
    let declaration =
        std::fs::read_to_string(tmp.path().join("f/declaration-of-conformity.md")).unwrap();
    assert!(
        !declaration.contains("no notified body takes part"),
        "{declaration}"
    );
    assert!(
        declaration.contains("follows from the procedure"),
        "{declaration}"
    );
    let tf: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("f/technical-file.json")).unwrap())
            .unwrap();
    assert!(
        tf["missing"].as_array().unwrap().iter().any(|m| m
            .as_str()
            .unwrap()
            .contains("manufacturer's postal address")),
        "{tf}"
    );
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let docs = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["cra", "docs", dir.to_str().unwrap(), "--out", "out"];
        args.extend_from_slice(extra);
        run_cra(tmp.path(), &args, &[])
    };
    // A directory with no evidence.
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let out = docs(&tmp.path().join("empty"), &[]);
    assert_one_line_error(&out, &["empty", "no evidence here"]);
    // A configuration file that does not exist.
    let out = docs(&image, &["--config", "missing.toml"]);
    assert_one_line_error(&out, &["missing.toml", "no such configuration file"]);
    // A recipe whose [product] is malformed: file:line:column.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[image]\nname = \"x\"\nversion = \"1\"\narchitecture = \"amd64\"\n\n[product]\nconformity-assessment = \"Z\"\n",
    )
    .unwrap();
    let out = docs(&image, &["--config", bad.to_str().unwrap()]);
    assert_one_line_error(&out, &["bad.toml:7:25", "conformity-assessment"]);
    // An artefact changed after it was attested.
    let roothash = image.join("hello-device.roothash");
    let original = std::fs::read(&roothash).unwrap();
    std::fs::write(&roothash, b"0000\n").unwrap();
    let out = docs(&image, &[]);
    assert_one_line_error(&out, &["hello-device.roothash", "changed after it was"]);
    std::fs::write(&roothash, &original).unwrap();
    let squashfs = image.join("hello-device.squashfs");
    let bytes = std::fs::read(&squashfs).unwrap();
    let mut flipped = bytes.clone();
    flipped[100] ^= 1;
    std::fs::write(&squashfs, &flipped).unwrap();
    let out = docs(&image, &[]);
    assert_one_line_error(&out, &["hello-device.squashfs", "changed after it was"]);
    std::fs::write(&squashfs, &bytes).unwrap();
    // A symbolic link in the evidence.
    std::os::unix::fs::symlink("/etc/passwd", image.join("passwd")).unwrap();
    let out = docs(&image, &[]);
    assert_one_line_error(&out, &["passwd", "not a regular file"]);
    std::fs::remove_file(image.join("passwd")).unwrap();
    assert!(
        !tmp.path().join("out").exists(),
        "a failing run wrote documents"
    );
    // And the intact directory documents fine.
    let out = docs(&image, &[]);
    assert!(out.status.success(), "{}", describe(&out));
}

#[test]
fn a_build_directory_is_documented_from_its_packages_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("hello-device");
    copy_tree(&repo_root().join("examples/hello-device"), &project);
    let pw = ("CRA_PASSWORD", "pw");
    let out = run_cra(&project, &["cra", "keygen"], &[pw]);
    assert!(out.status.success(), "{}", describe(&out));
    let out = run_cra(
        &project,
        &["cra", "build", "--release", "--sign", "--key", "cosign.key"],
        &[pw],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let epoch = recent_epoch();
    // Without DIR: the one build output directory under target/cra.
    let out = run_cra(
        &project,
        &["cra", "docs", "--json", "--verify-key", "cosign.pub"],
        &[("SOURCE_DATE_EPOCH", &epoch)],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = PathBuf::from(report["out"].as_str().unwrap());
    let dir = docs.parent().unwrap();
    assert!(dir.join("hello-device").is_file(), "{}", dir.display());
    let tf: serde_json::Value =
        serde_json::from_slice(&std::fs::read(docs.join("technical-file.json")).unwrap()).unwrap();
    assert_eq!(tf["kind"], "build");
    // [package.metadata.cra] of the package: its manufacturer and contact, as declarations.
    assert_eq!(
        tf["product"]["manufacturer"]["value"], "Example Devices GmbH",
        "{tf}"
    );
    assert_eq!(tf["product"]["manufacturer"]["source"], "declaration");
    assert_eq!(
        tf["product"]["name"]["source"]["evidence"],
        "hello-device.cdx.json"
    );
    let binary = std::fs::read(dir.join("hello-device")).unwrap();
    let listed = tf["artefacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["path"] == "hello-device")
        .expect("the binary is listed");
    assert_eq!(listed["role"], "binary");
    assert_eq!(listed["sha256"], hex(&sha2_256(&binary)));
    let txt = std::fs::read_to_string(docs.join("security.txt")).unwrap();
    assert!(
        txt.starts_with("Contact: mailto:security@devices.example.com\n"),
        "{txt}"
    );
    let html = std::fs::read_to_string(docs.join("index.html")).unwrap();
    assert!(
        html.contains("<span class=\"ok\">ok</span>"),
        "signatures verified"
    );
    // Issue 28: the binary's exploitation mitigations, in the report and the user information.
    let mitigations = "RELRO full, non-executable stack yes, writable and executable segment \
                       no, text relocations no";
    assert!(
        html.contains("Exploitation mitigations (Annex I (2)(k))")
            && html.contains(
                "<td>hello-device</td><td>pie</td><td>full</td><td>yes</td><td>no</td><td>no</td>"
            ),
        "{html}"
    );
    let user = std::fs::read_to_string(docs.join("user-information.md")).unwrap();
    assert!(
        user.contains("Exploitation mitigations (Annex I (2)(k))") && user.contains(mitigations),
        "{user}"
    );
    assert!(!html.contains("class=\"fail\">FAIL"), "no check failed");
}

/// Issue 24: a manufacturer's text or VEX document named through a directory symbolic link
/// committed in the repository (`t -> /proc/self`, `e -> /etc`) must not reach the documents:
/// one line naming the key at file:line:column, nothing written, no secret in the output. A
/// link that stays inside the directory is followed.
#[test]
fn manufacturer_texts_cannot_escape_through_directory_links() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("texts")).unwrap();
    std::fs::write(
        repo.join("texts/risk.md"),
        "# Risks\n\nKept inside. [click](javascript:alert(1)) ![t](https://tracker.example/p.png) \
         [ok](https://devices.example.com/risks)\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/proc/self", repo.join("t")).unwrap();
    std::os::unix::fs::symlink("/etc", repo.join("e")).unwrap();
    std::os::unix::fs::symlink("texts", repo.join("inside")).unwrap();
    std::os::unix::fs::symlink("../..", repo.join("texts/up")).unwrap();
    let secret = "CRA_PASSWORD";
    let header = "[image]\nname = \"x\"\nversion = \"1\"\narchitecture = \"amd64\"\n\n[product]\n";
    let cases = [
        ("risk-assessment = \"t/environ\"\n", "risk-assessment"),
        ("design-process = \"e/passwd\"\n", "design-process"),
        (
            "vulnerability-handling = \"texts/up/etc/passwd\"\n",
            "vulnerability-handling",
        ),
        ("vex = [\"t/cwd/x.json\"]\n", "vex"),
    ];
    for (line, key) in cases {
        let recipe = repo.join("r.toml");
        std::fs::write(&recipe, format!("{header}{line}")).unwrap();
        let out = run_cra(
            tmp.path(),
            &[
                "cra",
                "docs",
                image.to_str().unwrap(),
                "--out",
                "out",
                "--config",
                recipe.to_str().unwrap(),
            ],
            &[(secret, "hunter2-secret")],
        );
        assert_one_line_error(&out, &["r.toml:7:", key, "outside"]);
        assert!(
            !tmp.path().join("out").exists(),
            "{key}: a failing run wrote documents"
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
    }
    // The same through a manifest's [package.metadata.cra].
    let manifest = repo.join("Cargo.toml");
    std::fs::write(
        &manifest,
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[package.metadata.cra]\nrisk-assessment = \"t/environ\"\n",
    )
    .unwrap();
    let out = run_cra(
        tmp.path(),
        &[
            "cra",
            "docs",
            image.to_str().unwrap(),
            "--out",
            "out",
            "--config",
            manifest.to_str().unwrap(),
        ],
        &[(secret, "hunter2-secret")],
    );
    assert_one_line_error(&out, &["Cargo.toml:6:", "risk-assessment", "outside"]);
    // A link that stays beneath the recipe's directory is fine.
    let recipe = repo.join("r.toml");
    std::fs::write(
        &recipe,
        format!(
            "{header}risk-assessment = \"inside/risk.md\"\n\
             essential-functions = [\"# OFFICIAL: conformity assessed by notified body 0123\"]\n\
             standards = [\"1. none\"]\n"
        ),
    )
    .unwrap();
    let out = run_cra(
        tmp.path(),
        &[
            "cra",
            "docs",
            image.to_str().unwrap(),
            "--out",
            "out",
            "--config",
            recipe.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let copied = std::fs::read_to_string(tmp.path().join("out/risk-assessment.md")).unwrap();
    assert!(copied.contains("Kept inside."), "{copied}");
    // Issue 24: no javascript: link or remote image survives, in the copy or the report; a
    // configured value cannot become a heading or a list of its own.
    let html = std::fs::read_to_string(tmp.path().join("out/index.html")).unwrap();
    for text in [&copied, &html] {
        assert!(!text.contains("javascript:"), "{text}");
        assert!(!text.contains("tracker.example"), "{text}");
    }
    assert!(
        copied.contains("[ok](https://devices.example.com/risks)"),
        "{copied}"
    );
    assert!(
        html.contains("href=\"https://devices.example.com/risks\""),
        "{html}"
    );
    let user = std::fs::read_to_string(tmp.path().join("out/user-information.html")).unwrap();
    assert!(user.contains("OFFICIAL: conformity"), "{user}");
    assert_eq!(
        user.matches("<h1>").count(),
        1,
        "only the title is a heading: {user}"
    );
    assert!(!user.contains("<ol>"), "{user}");
}

/// Issue 25: RFC 9116 forbids publishing an expired security.txt. Documents dated long ago
/// (an old SOURCE_DATE_EPOCH) get none, and the warning says which date was used and why.
#[test]
fn an_expired_security_txt_is_not_written_and_the_date_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let out = run_cra(
        tmp.path(),
        &["cra", "docs", image.to_str().unwrap(), "--out", "old"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!tmp.path().join("old/security.txt").exists());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines().any(|l| l
            .starts_with("warning: security.txt not written: it would have expired on 2024-")
            && l.contains("dated 2023-11-14, from SOURCE_DATE_EPOCH")),
        "{err}"
    );
    let out = run_cra(
        tmp.path(),
        &["cra", "docs", image.to_str().unwrap(), "--out", "new"],
        &[("SOURCE_DATE_EPOCH", &recent_epoch())],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(tmp.path().join("new/security.txt").is_file());
}

/// Issue 25: the report does not contradict the technical file: an OpenVEX document in the
/// evidence that states no vulnerability (a clean audit) is a VEX document, not "no VEX
/// document".
#[test]
fn a_vex_document_without_statements_is_reported_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example_with_docs(tmp.path());
    let vex = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "urn:cargo-cra:vex:clean",
        "author": "Example Devices GmbH",
        "timestamp": "2026-01-01T00:00:00Z",
        "version": 1,
        "statements": []
    });
    std::fs::write(image.join("hello-device.vex.json"), vex.to_string()).unwrap();
    let out = run_cra(
        tmp.path(),
        &["cra", "docs", image.to_str().unwrap(), "--out", "out"],
        &[("SOURCE_DATE_EPOCH", &recent_epoch())],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let tf: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("out/technical-file.json")).unwrap())
            .unwrap();
    assert!(tf.to_string().contains("openvex"), "{tf}");
    let html = std::fs::read_to_string(tmp.path().join("out/index.html")).unwrap();
    assert!(
        !html.contains("no VEX document"),
        "the report contradicts the technical file"
    );
    assert!(html.contains("none found"), "{html}");
}
