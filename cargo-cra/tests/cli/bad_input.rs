//! Bad input to `cargo cra build`: one clear line saying what and where, a non-zero exit, and
//! nothing half-written.

use crate::common;

use common::*;
use std::path::Path;
use std::process::Output;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

fn build(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["cra", "build"];
    args.extend_from_slice(extra);
    run_cra(dir, &args, &[("SOURCE_DATE_EPOCH", "0")])
}

/// A one-package project with no dependencies, its lock file generated.
fn tiny_project(main_rs: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tiny");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), main_rs).unwrap();
    let st = std::process::Command::new("cargo")
        .arg("generate-lockfile")
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    (tmp, dir)
}

#[test]
fn not_a_cargo_project() {
    let tmp = tempfile::tempdir().unwrap();
    let out = build(tmp.path(), &[]);
    assert_one_line_error(&out, &["not a cargo project", "Cargo.toml"]);
    let out = build(tmp.path(), &["--manifest-path", "nowhere/Cargo.toml"]);
    assert_one_line_error(&out, &["not a cargo project", "nowhere/Cargo.toml"]);
}

#[test]
fn missing_lock_file_under_locked_says_what_to_run() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    std::fs::remove_file(dir.join("Cargo.lock")).unwrap();
    for flag in ["--locked", "--frozen", "--deny-warnings"] {
        let out = build(&dir, &[flag]);
        assert_one_line_error(&out, &["Cargo.lock", "missing", "cargo generate-lockfile"]);
    }
    assert!(
        !dir.join("Cargo.lock").exists(),
        "a locked build must not create the lock file"
    );
    assert!(!dir.join("target").exists(), "nothing was built");
}

#[test]
fn stale_lock_file_says_what_to_run() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let manifest = dir.join("util/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("itoa = \"1.0.11\"", "itoa = \"1.0.11\"\nryu = \"1\""),
    )
    .unwrap();
    let lock_before = std::fs::read(dir.join("Cargo.lock")).unwrap();
    let out = build(&dir, &[]);
    assert_one_line_error(&out, &["Cargo.lock", "out of date", "cargo update"]);
    assert_eq!(
        std::fs::read(dir.join("Cargo.lock")).unwrap(),
        lock_before,
        "lock file untouched"
    );
}

#[test]
fn unknown_package_and_binary() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let out = build(&dir, &["-p", "nope"]);
    assert_one_line_error(&out, &["package `nope`"]);
    let out = build(&dir, &["--bin", "nope"]);
    assert_one_line_error(&out, &["`nope`", "available: gateway, gateway-ctl, probe"]);
    let out = build(&dir, &["-p", "probe", "--bin", "gateway"]);
    assert_one_line_error(&out, &["`gateway`", "available: probe"]);
    assert!(!dir.join("target").exists(), "nothing was built");
}

#[test]
fn malformed_cra_metadata_names_file_line_and_key() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let manifest = dir.join("gateway/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "product-id = \"FX-GW-3\"",
            "product-id = \"FX-GW-3\"\ncolour = \"red\"",
        ),
    )
    .unwrap();
    let line = std::fs::read_to_string(&manifest)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("colour"))
        .unwrap()
        + 1;
    let out = build(&dir, &[]);
    let location = format!("{}:{line}:1:", manifest.display());
    assert_one_line_error(&out, &[&location, "unknown field `colour`"]);

    // A wrong value in the workspace table is located too.
    std::fs::write(&manifest, text).unwrap();
    let ws = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&ws).unwrap();
    std::fs::write(&ws, text.replace("\"2030-06-30\"", "\"June 2030\"")).unwrap();
    let out = build(&dir, &[]);
    assert_one_line_error(
        &out,
        &[
            &format!("{}:", ws.display()),
            "support-period-end",
            "YYYY-MM-DD",
        ],
    );
}

#[test]
fn bad_source_date_epoch() {
    let (_tmp, dir) = tiny_project("fn main() {}\n");
    let out = run_cra(
        &dir,
        &["cra", "build"],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_one_line_error(&out, &["SOURCE_DATE_EPOCH", "yesterday"]);
}

#[test]
fn compile_error_keeps_cargo_exit_code_shows_diagnostics_and_keeps_old_outputs() {
    let (_tmp, dir) = tiny_project("fn main() { println!(\"v1\"); }\n");
    let ok = build(&dir, &[]);
    assert!(ok.status.success(), "{}", describe(&ok));
    let out_dir = dir.join("target/cra").join(host_triple()).join("debug");
    let sbom_before = std::fs::read(out_dir.join("tiny.cdx.json")).unwrap();
    let bin_before = std::fs::read(out_dir.join("tiny")).unwrap();

    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { let x: u8 = \"not a number\"; }\n",
    )
    .unwrap();
    let out = build(&dir, &[]);
    assert_eq!(
        out.status.code(),
        Some(101),
        "cargo's exit code is kept:\n{}",
        describe(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("error[E0308]: mismatched types"),
        "cargo's diagnostics are shown:\n{err}"
    );
    assert!(
        err.lines().last().unwrap().contains("no SBOM was written"),
        "{err}"
    );
    // The previous build's outputs are intact, and no temporary file was left beside them.
    assert_eq!(
        std::fs::read(out_dir.join("tiny.cdx.json")).unwrap(),
        sbom_before
    );
    assert_eq!(std::fs::read(out_dir.join("tiny")).unwrap(), bin_before);
    let mut names: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["tiny", "tiny.cdx.json", "tiny.provenance.json"]);
}

#[test]
fn compile_error_on_first_build_writes_no_sbom() {
    let (_tmp, dir) = tiny_project("fn main() { oops }\n");
    let out = build(&dir, &[]);
    assert_eq!(out.status.code(), Some(101), "{}", describe(&out));
    let outputs = dir.join("target/cra").join(host_triple());
    assert!(
        !outputs.exists(),
        "no output directory for a failed build: {}",
        outputs.display()
    );
}

#[test]
fn a_missing_rust_target_is_one_line_with_the_rustup_command() {
    let (_tmp, dir) = tiny_project("fn main() {}\n");
    let target = "sparc64-unknown-linux-gnu";
    assert!(!rust_target_installed(target), "{target} is installed here");
    let out = build(&dir, &["--target", target]);
    assert_one_line_error(&out, &[target, &format!("rustup target add {target}")]);
    assert!(!dir.join("target/cra").join(target).exists());
}

/// A directory with a `python3` that has no ziglang package, for a PATH without zig.
fn path_without_zig(tmp: &Path) -> String {
    let bin = tmp.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let py = bin.join("python3");
    std::fs::write(&py, "#!/bin/sh\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&py, std::fs::Permissions::from_mode(0o755)).unwrap();
    let rest: Vec<_> = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .filter(|d| !d.join("zig").exists())
        .collect();
    std::env::join_paths(std::iter::once(bin).chain(rest))
        .unwrap()
        .into_string()
        .unwrap()
}

#[test]
fn a_cross_build_that_compiles_c_without_zig_is_one_line_with_the_install_command() {
    let (tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let path = path_without_zig(tmp.path());
    let mut cmd = std::process::Command::new(cargo_cra());
    cmd.args(["cra", "build", "--target", "aarch64-unknown-linux-musl"])
        .current_dir(&dir)
        .env_remove("CARGO_CRA_ZIG")
        .env_remove("CARGO_CRA_RUSTC_WRAPPER")
        .env("PATH", &path);
    let out = cmd.output().unwrap();
    assert_one_line_error(
        &out,
        &[
            "C cross compiler for aarch64-unknown-linux-musl",
            "`cc` crate is in Cargo.lock",
            "pip install --user ziglang==",
        ],
    );
    assert!(!dir.join("target/cra/aarch64-unknown-linux-musl").exists());

    let out = run_cra(
        &dir,
        &["cra", "build", "--target", "aarch64-unknown-linux-musl"],
        &[("CARGO_CRA_ZIG", "/nonexistent/zig")],
    );
    assert_one_line_error(&out, &["CARGO_CRA_ZIG=/nonexistent/zig", "no such file"]);
}

/// The unit records of the tiny project's dependency-free build, after a first build.
fn records(dir: &Path) -> Vec<std::path::PathBuf> {
    let deps = dir.join(format!(
        "target/cra/cargo-target/{}/debug/deps",
        host_triple()
    ));
    std::fs::read_dir(&deps)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".cra-unit.json"))
        .collect()
}

#[test]
fn a_lost_or_forged_unit_record_stops_the_build_instead_of_shortening_the_sbom() {
    let (_tmp, dir) = fixture_copy("tests/fixtures/sbom-workspace");
    let out = build(&dir, &["-p", "probe"]);
    assert!(out.status.success(), "{}", describe(&out));
    let sbom = dir.join(format!("target/cra/{}/debug/probe.cdx.json", host_triple()));
    let before = std::fs::read(&sbom).unwrap();
    let itoa = records(&dir)
        .into_iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("itoa-")
        })
        .expect("itoa's record");

    std::fs::write(&itoa, b"{\"version\": 1, \"crate-name\": 7}").unwrap();
    let out = build(&dir, &["-p", "probe"]);
    assert_one_error_line_after_cargo(
        &out,
        &[
            "cannot account for every crate",
            "unreadable unit record",
            "no SBOM was written",
        ],
    );
    assert_eq!(std::fs::read(&sbom).unwrap(), before, "previous SBOM kept");

    std::fs::remove_file(&itoa).unwrap();
    let out = build(&dir, &["-p", "probe"]);
    assert_one_error_line_after_cargo(
        &out,
        &[
            "cannot account for every crate",
            "--extern itoa=",
            "missing",
        ],
    );
    assert_eq!(std::fs::read(&sbom).unwrap(), before, "previous SBOM kept");
}

/// cargo's own lines (its `Finished` line: cargo succeeded), then exactly one error line of
/// ours, last, naming every needle.
fn assert_one_error_line_after_cargo(out: &Output, needles: &[&str]) {
    assert!(!out.status.success(), "{}", describe(out));
    let err = stderr(out);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{}", describe(out));
    assert_eq!(err.lines().last(), Some(errors[0]), "{}", describe(out));
    for n in needles {
        assert!(
            errors[0].contains(n),
            "{:?} should mention {n:?}",
            errors[0]
        );
    }
    assert_eq!(errors[0].matches("no SBOM was written").count(), 1, "{err}");
}

#[test]
fn a_linker_set_in_a_cargo_config_file_is_not_overridden() {
    let (_tmp, dir) = tiny_project("fn main() {}\n");
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    std::fs::write(
        dir.join(".cargo/config.toml"),
        "[target.aarch64-unknown-linux-musl]\nlinker = \"/nonexistent/board-vendor-ld\"\n",
    )
    .unwrap();
    let out = build(&dir, &["--target", "aarch64-unknown-linux-musl"]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("/nonexistent/board-vendor-ld"),
        "cargo ran the user's linker, not rust-lld: {}",
        describe(&out)
    );
}
