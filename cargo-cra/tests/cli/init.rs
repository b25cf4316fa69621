//! `cargo cra init` as a newcomer meets it: on a fresh `cargo new` project and on a workspace,
//! the manifest's bytes kept outside the new table, refusal to overwrite, the starting recipe
//! composed as written; and the CRA warnings of `build` and `compose`, present while a fact is
//! missing, gone once it is set, errors with `--deny-warnings`.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `cargo new --vcs none NAME` in `parent`, with its lock file: the project a newcomer starts
/// from.
fn cargo_new(parent: &Path, name: &str) -> PathBuf {
    let st = Command::new("cargo")
        .args(["new", "-q", "--vcs", "none", name])
        .current_dir(parent)
        .status()
        .unwrap();
    assert!(st.success());
    let dir = parent.join(name);
    generate_lockfile(&dir);
    dir
}

fn generate_lockfile(dir: &Path) {
    let st = Command::new("cargo")
        .args(["generate-lockfile", "-q", "--offline"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success());
}

/// The `warning: ` lines of a run's stderr.
fn warnings(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .map(String::from)
        .collect()
}

/// The manifest's bytes before init are its first bytes after; what follows is the table.
fn assert_kept(before: &[u8], after: &[u8], table: &str) {
    assert!(
        after.starts_with(before),
        "the manifest's bytes changed:\n--- before\n{}\n--- after\n{}",
        String::from_utf8_lossy(before),
        String::from_utf8_lossy(after)
    );
    let added = String::from_utf8_lossy(&after[before.len()..]);
    assert!(added.contains(&format!("\n[{table}]\n")), "{added}");
    // The table is commented: each key given is explained.
    assert!(
        added.lines().filter(|l| l.starts_with("# ")).count() >= 6,
        "{added}"
    );
}

#[test]
fn init_on_a_cargo_new_project_writes_a_table_the_build_reads_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = cargo_new(tmp.path(), "thermo_probe");
    let manifest = dir.join("Cargo.toml");
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];

    // Before init: the build says what is missing, one line each, and still builds.
    let out = run_cra(&dir, &["cra", "build"], &epoch);
    assert!(out.status.success(), "{}", describe(&out));
    let w = warnings(&out);
    for gap in [
        "no manufacturer",
        "no security-contact",
        "no support-period-end",
    ] {
        assert!(w.iter().any(|l| l.contains(gap)), "{gap}: {w:?}");
    }
    assert!(!w.iter().any(|l| l.contains("1970")), "{w:?}");
    // Without SOURCE_DATE_EPOCH and outside git, the date falls back to 1970: said, with the fix.
    let out = run_cra(&dir, &["cra", "build"], &[]);
    let w = warnings(&out);
    assert!(
        w.iter().any(|l| l.contains("1970-01-01")
            && l.contains("SOURCE_DATE_EPOCH")
            && l.contains("commit")),
        "{w:?}"
    );
    // --deny-warnings: an error before anything is built.
    std::fs::remove_dir_all(dir.join("target")).unwrap();
    let out = run_cra(&dir, &["cra", "build", "--deny-warnings"], &epoch);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("denied by --deny-warnings"),
        "{}",
        describe(&out)
    );
    assert!(!dir.join("target/cra").exists(), "nothing is built");

    // init with two facts given: the third is left commented out.
    let before = std::fs::read(&manifest).unwrap();
    let out = run_cra(
        &dir,
        &[
            "cra",
            "init",
            "--manufacturer",
            "Thermo \"Probe\" Devices GmbH",
            "--security-contact",
            "security@thermo.example",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let after = std::fs::read(&manifest).unwrap();
    assert_kept(&before, &after, "package.metadata.cra");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("support-period-end is commented out"),
        "{}",
        describe(&out)
    );

    // The build reads it: the SBOM names the manufacturer; only the missing fact is warned.
    let out = run_cra(&dir, &["cra", "build"], &epoch);
    assert!(out.status.success(), "{}", describe(&out));
    let w = warnings(&out);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("no support-period-end"), "{w:?}");
    let sbom = dir
        .join("target/cra")
        .join(host_triple())
        .join("debug/thermo_probe.cdx.json");
    let sbom = std::fs::read_to_string(sbom).unwrap();
    assert!(sbom.contains("Thermo \\\"Probe\\\" Devices GmbH"), "{sbom}");

    // A second init refuses in one line, naming the table's line; the manifest is unchanged.
    let out = run_cra(
        &dir,
        &["cra", "init", "--support-period-end", "2031-12-31"],
        &[],
    );
    assert_one_line_error(
        &out,
        &[
            "Cargo.toml:",
            "[package.metadata.cra] exists",
            "never overwrites",
        ],
    );
    assert_eq!(std::fs::read(&manifest).unwrap(), after);

    // A filled-in table: no warning at all, and --deny-warnings builds.
    let text = String::from_utf8(after).unwrap().replace(
        "# support-period-end = \"2031-12-31\"",
        "support-period-end = \"2031-12-31\"",
    );
    std::fs::write(&manifest, text).unwrap();
    let out = run_cra(&dir, &["cra", "build", "--deny-warnings"], &epoch);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(warnings(&out), Vec::<String>::new());

    // A support period that has ended is warned about.
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"2031-12-31\"", "\"2020-06-30\"");
    std::fs::write(&manifest, text).unwrap();
    let out = run_cra(&dir, &["cra", "build"], &epoch);
    assert!(
        warnings(&out)
            .iter()
            .any(|l| l.contains("support-period-end 2020-06-30 has passed")),
        "{}",
        describe(&out)
    );
}

#[test]
fn init_keeps_an_unusual_manifest_byte_for_byte_and_refuses_what_it_cannot_add() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = cargo_new(tmp.path(), "odd");
    let manifest = dir.join("Cargo.toml");
    // Comments, odd spacing, a [package.metadata] table of another tool, no final newline.
    let odd = "# The odd one.\n[package]\nname   =   \"odd\"   # its name\nversion=\"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.docs.rs]\nall-features = true # docs\n\n[dependencies]\n# none yet";
    std::fs::write(&manifest, odd).unwrap();
    let out = run_cra(
        &dir,
        &[
            "cra",
            "init",
            "--manufacturer",
            "Odd Ltd",
            "--support-period-end",
            "2030-01-31",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let after = std::fs::read(&manifest).unwrap();
    assert_kept(odd.as_bytes(), &after, "package.metadata.cra");
    // cargo still reads both metadata tables.
    let meta = cargo_metadata_json(&dir);
    let metadata = &meta["packages"][0]["metadata"];
    assert_eq!(metadata["cra"]["manufacturer"]["name"], "Odd Ltd");
    assert_eq!(metadata["cra"]["support-period-end"], "2030-01-31");
    assert_eq!(metadata["docs"]["rs"]["all-features"], true);

    // A bad date: one line naming it; nothing written.
    let fresh = cargo_new(tmp.path(), "fresh");
    let before = std::fs::read(fresh.join("Cargo.toml")).unwrap();
    let out = run_cra(
        &fresh,
        &[
            "cra",
            "init",
            "--support-period-end",
            "2031-13-01",
            "--recipe",
        ],
        &[],
    );
    assert_one_line_error(
        &out,
        &[
            "support-period-end",
            "2031-13-01",
            "YYYY-MM-DD",
            "nothing was written",
        ],
    );
    assert_eq!(std::fs::read(fresh.join("Cargo.toml")).unwrap(), before);
    assert!(!fresh.join("recipes").exists());

    // metadata as an inline table cannot take a [package.metadata.cra]: refused, unchanged.
    let inline = "[package]\nname = \"fresh\"\nversion = \"0.1.0\"\nedition = \"2021\"\nmetadata = { docs = 1 }\n";
    std::fs::write(fresh.join("Cargo.toml"), inline).unwrap();
    let out = run_cra(&fresh, &["cra", "init"], &[]);
    assert_one_line_error(&out, &["cannot be added", "by hand"]);
    assert_eq!(
        std::fs::read_to_string(fresh.join("Cargo.toml")).unwrap(),
        inline
    );

    // An existing recipe is never replaced; the manifest is left as it was.
    std::fs::write(fresh.join("Cargo.toml"), &before).unwrap();
    std::fs::create_dir_all(fresh.join("recipes")).unwrap();
    std::fs::write(fresh.join("recipes/fresh.toml"), "# mine\n").unwrap();
    let out = run_cra(&fresh, &["cra", "init", "--recipe"], &[]);
    assert_one_line_error(&out, &["recipes/fresh.toml exists", "never overwrites"]);
    assert_eq!(std::fs::read(fresh.join("Cargo.toml")).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(fresh.join("recipes/fresh.toml")).unwrap(),
        "# mine\n"
    );
}

#[test]
fn init_on_a_workspace_writes_the_workspace_table_and_a_recipe_per_binary_member() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    for (name, kind) in [("gateway", "--bin"), ("proto", "--lib")] {
        let st = Command::new("cargo")
            .args(["new", "-q", "--vcs", "none", kind, name])
            .current_dir(&ws)
            .status()
            .unwrap();
        assert!(st.success());
    }
    let root = "# Two members.\n[workspace]\nmembers = [\"gateway\", \"proto\"]   # the app and its library\nresolver = \"2\"\n";
    std::fs::write(ws.join("Cargo.toml"), root).unwrap();
    let before = root.as_bytes();
    generate_lockfile(&ws);
    let out = run_cra(
        &ws,
        &[
            "cra",
            "init",
            "--manufacturer",
            "Gateway Works",
            "--security-contact",
            "https://gateway.example/security",
            "--support-period-end",
            "2032-03-31",
            "--recipe",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let after = std::fs::read(ws.join("Cargo.toml")).unwrap();
    assert_kept(before, &after, "workspace.metadata.cra");
    // Members take the workspace's table as their defaults: a warning-free, denied-warnings build.
    let out = run_cra(
        &ws,
        &["cra", "build", "--workspace", "--deny-warnings"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    // One recipe, for the member with a binary.
    let recipes: Vec<String> = std::fs::read_dir(ws.join("recipes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(recipes, ["gateway.toml"]);
    let recipe = std::fs::read_to_string(ws.join("recipes/gateway.toml")).unwrap();
    assert!(recipe.contains("path = \"../gateway\""), "{recipe}");
}

#[test]
fn the_starting_recipe_composes_a_non_root_verity_image_without_warnings() {
    if !rust_target_installed("x86_64-unknown-linux-musl") {
        panic!("x86_64-unknown-linux-musl is not installed (tests/run adds it)");
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = cargo_new(tmp.path(), "sensor");
    let out = run_cra(
        &dir,
        &[
            "cra",
            "init",
            "--manufacturer",
            "Sensor AG",
            "--security-contact",
            "security@sensor.example",
            "--support-period-end",
            "2031-12-31",
            "--recipe",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let recipe = dir.join("recipes/sensor.toml");
    let images = tmp.path().join("images");
    let out = run_cra(
        &dir,
        &[
            "cra",
            "compose",
            recipe.to_str().unwrap(),
            "--out",
            images.to_str().unwrap(),
            "--deny-warnings",
        ],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(warnings(&out), Vec::<String>::new());
    let image = images.join("sensor-0.1.0");
    for f in [
        "sensor.squashfs",
        "sensor.roothash",
        "sensor.oci.tar",
        "sensor.cdx.json",
    ] {
        assert!(image.join(f).is_file(), "{f} missing");
    }
    // Its SBOM records the unprivileged runtime user.
    let sbom = std::fs::read_to_string(image.join("sensor.cdx.json")).unwrap();
    assert!(sbom.contains("\"cargo-cra:image:runtime-user\""), "{sbom}");
    assert!(!sbom.contains("\"value\": \"root\""), "{sbom}");
    // Unsigned, the image's documents still describe it.
    let out = run_cra(
        &dir,
        &[
            "verify",
            image.join("sensor.squashfs").to_str().unwrap(),
            "--allow-unsigned",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ok   SBOM subject"), "{text}");
    assert!(text.contains("ok   provenance subject"), "{text}");
    assert!(text.contains("skipped signature"), "{text}");

    // Without its [[user]] the image would run as root: warned, and denied.
    let rootful = std::fs::read_to_string(&recipe)
        .unwrap()
        .replace("[[user]]\nname = \"app\"\nuid = 1000\ngid = 1000\n", "")
        .replace("user = \"app\"\n", "")
        .replace("name = \"sensor\"", "name = \"rootful\"");
    let rootful_path = dir.join("recipes/rootful.toml");
    std::fs::write(&rootful_path, rootful).unwrap();
    let out = run_cra(
        &dir,
        &[
            "cra",
            "compose",
            rootful_path.to_str().unwrap(),
            "--out",
            images.to_str().unwrap(),
            "--deny-warnings",
        ],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        warnings(&out).iter().any(|l| l.contains("runs as root")),
        "{}",
        describe(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("denied by --deny-warnings"),
        "{}",
        describe(&out)
    );
    assert!(
        !images.join("rootful-0.1.0").exists(),
        "nothing was composed"
    );
}

#[test]
fn init_writes_nothing_through_symbolic_links() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = cargo_new(tmp.path(), "linked");
    // recipes/ pointing elsewhere: refused, nothing written there or in the manifest.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("recipes")).unwrap();
    let before = std::fs::read(dir.join("Cargo.toml")).unwrap();
    let out = run_cra(&dir, &["cra", "init", "--recipe"], &[]);
    assert_one_line_error(&out, &["recipes", "not a directory", "nothing was written"]);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert_eq!(std::fs::read(dir.join("Cargo.toml")).unwrap(), before);
    // A symlinked manifest: refused (replacing it would turn the link into a copy).
    std::fs::remove_file(dir.join("recipes")).unwrap();
    let real = tmp.path().join("real-Cargo.toml");
    std::fs::rename(dir.join("Cargo.toml"), &real).unwrap();
    std::os::unix::fs::symlink(&real, dir.join("Cargo.toml")).unwrap();
    let out = run_cra(&dir, &["cra", "init"], &[]);
    assert_one_line_error(&out, &["symbolic link", "nothing was written"]);
    assert_eq!(std::fs::read(&real).unwrap(), before);
    assert!(
        std::fs::symlink_metadata(dir.join("Cargo.toml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// Issue 24, first run: `cargo new app && cargo cra init … && cargo cra build` works as
/// `cargo build` does — the lock file is created (and the build says to commit it); under
/// `--locked` it is refused instead.
#[test]
fn a_first_build_without_a_lock_file_creates_it_and_says_to_commit_it() {
    let tmp = tempfile::tempdir().unwrap();
    let st = Command::new("cargo")
        .args(["new", "-q", "--vcs", "none", "app"])
        .current_dir(tmp.path())
        .status()
        .unwrap();
    assert!(st.success());
    let dir = tmp.path().join("app");
    let out = run_cra(
        &dir,
        &[
            "cra",
            "init",
            "--manufacturer",
            "Example Devices GmbH",
            "--security-contact",
            "security@devices.example.com",
            "--support-period-end",
            "2031-12-31",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!dir.join("Cargo.lock").exists());
    let out = run_cra(&dir, &["cra", "build", "--locked"], &[]);
    assert_one_line_error(&out, &["Cargo.lock", "missing"]);
    assert!(!dir.join("Cargo.lock").exists(), "--locked created it");
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let out = run_cra(&dir, &["cra", "build", "--offline"], &epoch);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(dir.join("Cargo.lock").is_file());
    let w = warnings(&out);
    assert!(
        w.iter()
            .any(|l| l.contains("Cargo.lock: created") && l.contains("commit it")),
        "{w:?}"
    );
    let host = host_triple();
    let sbom = dir.join(format!("target/cra/{host}/debug/app.cdx.json"));
    assert!(sbom.is_file(), "{}", describe(&out));
}
