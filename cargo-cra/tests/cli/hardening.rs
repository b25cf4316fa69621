//! Issue 28, part 4: exploitation mitigations (CRA Annex I (2)(k)) read from ELF headers, as
//! checksec.py (pinned; it reads binaries with LIEF, pinned by it) reads them: on the binaries
//! `cargo cra build` ships (host glibc PIE, x86_64 static-pie, aarch64 static), and on ELF files
//! put into an image — one built deliberately weak (non-PIE, executable stack, lazy binding, no
//! RELRO) and one hardened, both by the host's gcc (zig cc refuses `-z execstack`).

use crate::common;

use common::image::{compose, report};
use common::*;
use std::path::Path;
use std::process::Command;

/// checksec.py's verdict on `files`: (pie, relro, nx) in its words, by path.
fn checksec(files: &[&Path]) -> serde_json::Value {
    let python = test_python("checksec.py");
    let out = Command::new(python.with_file_name("checksec"))
        .arg("-j")
        .args(files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Our words for checksec's.
fn agree(props: &serde_json::Value, verdict: &serde_json::Value, what: &str) {
    let prop = |name: &str| {
        props
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == format!("cargo-cra:hardening:{name}"))
            .unwrap_or_else(|| panic!("{what}: no {name} in {props}"))["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let pie = match verdict["pie"].as_str().unwrap() {
        "PIE" => vec!["pie", "static-pie"],
        "No" => vec!["no"],
        other => panic!("{what}: checksec says pie {other}"),
    };
    assert!(
        pie.contains(&prop("pie").as_str()),
        "{what}: {props} vs {verdict}"
    );
    let relro = match verdict["relro"].as_str().unwrap() {
        "Full" => "full",
        "Partial" => "partial",
        _ => "none",
    };
    assert_eq!(prop("relro"), relro, "{what}: {verdict}");
    let nx = if verdict["nx"] == true { "yes" } else { "no" };
    assert_eq!(prop("nx-stack"), nx, "{what}: {verdict}");
    let symbols = if verdict["symbols"] == true {
        "yes"
    } else {
        "no"
    };
    assert_eq!(prop("symbols"), symbols, "{what}: {verdict}");
}

fn gcc(dir: &Path, out: &str, flags: &[&str]) -> std::path::PathBuf {
    let src = dir.join("w.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void){puts(\"w\");return 0;}\n",
    )
    .unwrap();
    let path = dir.join(out);
    let built = Command::new("gcc")
        .args(flags)
        .arg("-o")
        .arg(&path)
        .arg(&src)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", describe(&built));
    path
}

#[test]
fn files_put_into_an_image_are_judged_as_checksec_judges_them() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path();
    std::fs::create_dir_all(project.join("files")).unwrap();
    let weak = gcc(
        &project.join("files"),
        "weak",
        &[
            "-no-pie",
            "-fno-PIE",
            "-z",
            "execstack",
            "-z",
            "lazy",
            "-z",
            "norelro",
        ],
    );
    let strong = gcc(
        &project.join("files"),
        "strong",
        &["-fPIE", "-pie", "-z", "relro", "-z", "now", "-s"],
    );
    std::fs::write(
        project.join("recipe.toml"),
        "[image]\nname = \"elves\"\nversion = \"1.0\"\narchitecture = \"amd64\"\n\n\
         [[file]]\nsource = \"files/weak\"\ndest = \"/usr/bin/weak\"\nmode = 0o755\n\n\
         [[file]]\nsource = \"files/strong\"\ndest = \"/usr/bin/strong\"\nmode = 0o755\n\n\
         [[file]]\nsource = \"files/w.c\"\ndest = \"/usr/share/w.c\"\n\n[output.oci]\n",
    )
    .unwrap();
    let composed = report(&compose(
        project,
        &["recipe.toml", "--out", "images", "--json"],
        &[("SOURCE_DATE_EPOCH", "0")],
    ));
    let sbom: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(composed["dir"].as_str().unwrap()).join("elves.cdx.json"))
            .unwrap(),
    )
    .unwrap();
    let component = |name: &str| {
        sbom["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["properties"]
            .clone()
    };
    let verdicts = checksec(&[&weak, &strong]);
    agree(
        &component("/usr/bin/weak"),
        &verdicts[weak.to_str().unwrap()],
        "weak",
    );
    agree(
        &component("/usr/bin/strong"),
        &verdicts[strong.to_str().unwrap()],
        "strong",
    );
    // The weak one is weak in every way checked; a file that is not ELF gets no verdict.
    let weak_props = component("/usr/bin/weak").to_string();
    assert!(
        weak_props.contains(r#""cargo-cra:hardening:nx-stack","value":"no""#),
        "{weak_props}"
    );
    assert!(
        !component("/usr/share/w.c")
            .to_string()
            .contains("hardening")
    );
    // The recipe asks for strong binaries only: the weak file stops the compose, named with
    // what it lacks, before anything is written; without it the image is composed.
    let recipe = std::fs::read_to_string(project.join("recipe.toml")).unwrap();
    let strict = recipe.replace(
        "architecture = \"amd64\"\n",
        "architecture = \"amd64\"\ndeny-weak-binaries = true\n",
    );
    std::fs::write(project.join("recipe.toml"), &strict).unwrap();
    let denied = compose(project, &["recipe.toml", "--out", "denied"], &[]);
    assert_one_line_error(
        &denied,
        &[
            "/usr/bin/weak: lacks exploitation mitigations: not position-independent (PIE)",
            "an executable stack",
            "deny-weak-binaries",
        ],
    );
    assert!(!project.join("denied").exists());
    let without_weak = strict.replace(
        "[[file]]\nsource = \"files/weak\"\ndest = \"/usr/bin/weak\"\nmode = 0o755\n\n",
        "",
    );
    assert_ne!(without_weak, strict);
    std::fs::write(project.join("recipe.toml"), &without_weak).unwrap();
    let ok = compose(project, &["recipe.toml", "--out", "ok"], &[]);
    assert!(ok.status.success(), "{}", describe(&ok));
}

#[test]
fn shipped_binaries_are_judged_as_checksec_judges_them_and_weak_ones_can_be_denied() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    for target in [host_triple(), "x86_64-unknown-linux-musl".to_string()] {
        let built = run_cra(
            &dir,
            &["cra", "build", "-p", "probe", "--target", &target],
            &[],
        );
        assert!(built.status.success(), "{}", describe(&built));
        let out = dir.join("target/cra").join(&target).join("debug");
        let sbom: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("probe.cdx.json")).unwrap()).unwrap();
        let binary = out.join("probe");
        let verdicts = checksec(&[&binary]);
        agree(
            &sbom["metadata"]["component"]["properties"],
            &verdicts[binary.to_str().unwrap()],
            &target,
        );
    }
    // The example app for arm64: a static binary that is not position-independent and has
    // partial RELRO today (what rustc makes for aarch64 musl). checksec agrees; denied, it is one line
    // naming the binary and what it lacks, and nothing is written.
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("hello-device");
    copy_tree(&repo_root().join("examples/hello-device"), &app);
    let _ = std::fs::remove_dir_all(app.join("target"));
    let target = "aarch64-unknown-linux-musl";
    let built = run_cra(
        &app,
        &["cra", "build", "--release", "--target", target],
        &[],
    );
    assert!(built.status.success(), "{}", describe(&built));
    let out = app.join("target/cra").join(target).join("release");
    let binary = out.join("hello-device");
    let sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("hello-device.cdx.json")).unwrap()).unwrap();
    let props = &sbom["metadata"]["component"]["properties"];
    agree(
        props,
        &checksec(&[&binary])[binary.to_str().unwrap()],
        target,
    );
    assert!(
        props
            .to_string()
            .contains(r#""cargo-cra:hardening:pie","value":"no""#),
        "{props}"
    );
    std::fs::remove_file(out.join("hello-device.cdx.json")).unwrap();
    let args = [
        "cra",
        "build",
        "--release",
        "--target",
        target,
        "--deny-weak-binaries",
    ];
    let denied = run_cra(&app, &args, &[]);
    // After cargo's own output (the build ran), one error line.
    assert!(
        !denied.status.success() && denied.stdout.is_empty(),
        "{}",
        describe(&denied)
    );
    let stderr = String::from_utf8_lossy(&denied.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    for needle in [
        "hello-device",
        "--deny-weak-binaries",
        "position-independent",
    ] {
        assert!(errors[0].contains(needle), "{stderr}");
    }
    assert!(
        !out.join("hello-device.cdx.json").exists(),
        "nothing written"
    );
}
