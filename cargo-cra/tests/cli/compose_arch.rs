//! Images for the device architectures the recipe offers, and image bytes that depend only on
//! declared inputs.
//!
//! - The example composed for arm64, arm (v7) and riscv64: the binary taken out of the squashfs
//!   by `unsquashfs` runs under qemu-user-static and prints its line. A target that rustup
//!   cannot install on this machine is skipped with the reason printed, and composing for it
//!   fails with one line naming the command that installs it.
//! - The same commit cloned with an https, an ssh and a local-path `origin` composes to the
//!   same OCI blobs, archive, squashfs and SBOM, and no output names a directory of the machine.

use crate::common;

use common::image::*;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The example app and its recipe, copied to `dir` as they sit in the repository, with the
/// recipe's architecture replaced. Returns the recipe.
fn example_project(dir: &Path, architecture: &str) -> PathBuf {
    copy_tree(
        &repo_root().join("examples/hello-device"),
        &dir.join("examples/hello-device"),
    );
    let _ = std::fs::remove_dir_all(dir.join("examples/hello-device/target"));
    std::fs::create_dir_all(dir.join("recipes")).unwrap();
    // The manufacturer's texts the recipe's [product] names.
    copy_tree(
        &repo_root().join("recipes/hello-device"),
        &dir.join("recipes/hello-device"),
    );
    as_work_tree(dir);
    let text = std::fs::read_to_string(repo_root().join("recipes/hello-device.toml")).unwrap();
    let recipe = dir.join("recipes/hello-device.toml");
    std::fs::write(
        &recipe,
        text.replace(
            "architecture = \"amd64\"",
            &format!("architecture = \"{architecture}\""),
        ),
    )
    .unwrap();
    recipe
}

fn compose_for(architecture: &str, target: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let recipe = example_project(tmp.path(), architecture);
    let out = compose(
        tmp.path(),
        &[recipe.to_str().unwrap(), "--out", "images", "--json"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    if !rust_target_installed(target) {
        assert_one_line_error(&out, &[&format!("rustup target add {target}")]);
        eprintln!(
            "skipped: running the {architecture} image: rustup cannot install {target} on this machine (compose says so in one line, checked)"
        );
        return;
    }
    let r = report(&out);
    let squashfs = Path::new(r["dir"].as_str().unwrap()).join("hello-device.squashfs");
    let root = tmp.path().join("root");
    run(Command::new(tool("unsquashfs"))
        .arg("-d")
        .arg(&root)
        .arg(&squashfs));
    let exe = root.join("usr/bin/hello-device");
    let file = run(Command::new("file").arg(&exe));
    let file = String::from_utf8_lossy(&file.stdout).to_string();
    assert!(file.contains("statically linked"), "{file}");
    let run = run_foreign(target, &exe, &[]);
    assert!(run.status.success(), "{}", describe(&run));
    // The binary in the image carries its dependency list: rust-audit-info reads it.
    let list = audit_info_list(&exe);
    let names: Vec<&str> = list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"hello-device") && names.contains(&"serde_json"),
        "{list}"
    );
    let line = String::from_utf8_lossy(&run.stdout);
    assert!(
        line.starts_with("{\"device\":\"hello-device\""),
        "{architecture}: {line}"
    );
    let config: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(r["dir"].as_str().unwrap())
                .join("oci/blobs/sha256")
                .join(config_digest(Path::new(r["dir"].as_str().unwrap()))),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(config["architecture"], architecture);
}

/// The config blob's hex digest, read from the layout's index and manifest.
fn config_digest(image_dir: &Path) -> String {
    let blobs = image_dir.join("oci/blobs/sha256");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(image_dir.join("oci/index.json")).unwrap()).unwrap();
    let manifest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(blobs.join(manifest.trim_start_matches("sha256:"))).unwrap(),
    )
    .unwrap();
    manifest["config"]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string()
}

#[test]
fn the_example_composed_for_arm64_runs_under_qemu() {
    compose_for("arm64", "aarch64-unknown-linux-musl");
}

#[test]
fn the_example_composed_for_armv7_runs_under_qemu() {
    compose_for("arm", "armv7-unknown-linux-musleabihf");
}

#[test]
fn the_example_composed_for_riscv64_runs_under_qemu() {
    compose_for("riscv64", "riscv64gc-unknown-linux-musl");
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2024-05-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-05-01T12:00:00Z")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", describe(&out));
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn clones_with_https_ssh_and_local_origins_compose_identical_images() {
    let tmp = tempfile::tempdir().unwrap();
    let upstream = tmp.path().join("upstream");
    example_project(&upstream, "amd64");
    git(&upstream, &["init", "-q", "-b", "main"]);
    git(&upstream, &["add", "-A"]);
    git(&upstream, &["commit", "-qm", "example"]);
    let origins = [
        "https://github.com/cargo-cra/example.git",
        "git@github.com:cargo-cra/example.git",
        upstream.to_str().unwrap(),
    ];
    let mut outputs = Vec::new();
    for (i, origin) in origins.iter().enumerate() {
        let clone = tmp.path().join(format!("clone-{i}"));
        git(
            tmp.path(),
            &[
                "clone",
                "-q",
                upstream.to_str().unwrap(),
                clone.to_str().unwrap(),
            ],
        );
        git(&clone, &["remote", "set-url", "origin", origin]);
        let out = compose(
            &clone,
            &["recipes/hello-device.toml", "--out", "images", "--json"],
            &[],
        );
        let r = report(&out);
        let dir = PathBuf::from(r["dir"].as_str().unwrap());
        let all = files(&dir);
        for (name, bytes) in &all {
            let text = String::from_utf8_lossy(bytes);
            for machine_path in [clone.to_str().unwrap(), upstream.to_str().unwrap()] {
                assert!(
                    !text.contains(machine_path),
                    "{name} of clone {i} names {machine_path}"
                );
            }
        }
        let provenance = String::from_utf8_lossy(&all["hello-device.provenance.json"]).to_string();
        if i < 2 {
            assert!(
                provenance.contains("https://github.com/cargo-cra/example"),
                "the remote is recorded in one canonical form"
            );
            assert!(!provenance.contains("git@github.com"), "{provenance}");
        }
        outputs.push(all);
    }
    let compared: Vec<&String> = outputs[0]
        .keys()
        .filter(|k| !k.ends_with(".provenance.json"))
        .collect();
    assert!(compared.iter().any(|k| k.ends_with(".squashfs")));
    assert!(compared.iter().any(|k| k.ends_with(".oci.tar")));
    assert!(compared.iter().any(|k| k.ends_with(".cdx.json")));
    assert!(compared.iter().any(|k| k.starts_with("oci/blobs")));
    for other in &outputs[1..] {
        assert_eq!(
            outputs[0].keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>()
        );
        for k in &compared {
            assert!(outputs[0][*k] == other[*k], "{k} differs between clones");
        }
    }
}
