//! `cargo cra build` is bit-for-bit reproducible: two builds that differ in checkout directory,
//! target directory, HOME and CARGO_HOME, the path of cargo-cra itself, umask, TZ, LANG and job
//! count give identical binaries and identical SBOM bytes — with debug info off and on, for the
//! example app on the host and for a workspace that compiles C cross-compiled for arm64 (rust-lld
//! and zig).

use crate::common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    project: PathBuf,
    cra: PathBuf,
    env: Vec<(&'static str, String)>,
    umask: &'static str,
    /// Where the outputs land (depends on the target dir).
    out_dir: PathBuf,
    target: String,
}

fn rustup_home() -> String {
    std::env::var("RUSTUP_HOME")
        .unwrap_or_else(|_| format!("{}/.rustup", std::env::var("HOME").unwrap()))
}

/// A copy of `source` (a directory of the repository) under `<tmp>/<nesting>/src/`, built for
/// `target` (`None`: the host).
struct Project<'a> {
    source: &'a str,
    target: Option<&'a str>,
}

const EXAMPLE: Project<'static> = Project {
    source: "examples/hello-device",
    target: None,
};

fn setup(
    project_of: &Project<'_>,
    nesting: &str,
    own_target_dir: bool,
    tz: &str,
    lang: &str,
    jobs: &str,
    umask: &'static str,
) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(nesting);
    let project = root
        .join("src")
        .join(Path::new(project_of.source).file_name().unwrap());
    copy_tree(&repo_root().join(project_of.source), &project);
    let _ = std::fs::remove_dir_all(project.join("target"));
    let cra = root.join("tools/bin/cargo-cra");
    std::fs::create_dir_all(cra.parent().unwrap()).unwrap();
    std::fs::copy(cargo_cra(), &cra).unwrap();
    let home = root.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut env = vec![
        ("HOME", home.display().to_string()),
        ("CARGO_HOME", root.join("cargo-home").display().to_string()),
        ("RUSTUP_HOME", rustup_home()),
        ("TZ", tz.to_string()),
        ("LANG", lang.to_string()),
        ("LC_ALL", lang.to_string()),
        ("CARGO_BUILD_JOBS", jobs.to_string()),
    ];
    let target_dir = if own_target_dir {
        let t = root.join("elsewhere/target-dir");
        env.push(("CARGO_TARGET_DIR", t.display().to_string()));
        t
    } else {
        project.join("target")
    };
    let target = project_of
        .target
        .map(str::to_string)
        .unwrap_or_else(host_triple);
    let out_dir = target_dir.join("cra").join(&target).join("release");
    Setup {
        _tmp: tmp,
        root,
        project,
        cra,
        env,
        umask,
        out_dir,
        target,
    }
}

fn build(s: &Setup, debug_info: bool) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "umask {}; exec \"$0\" cra build --release --target {}",
            s.umask, s.target
        ))
        .arg(&s.cra)
        .current_dir(&s.project);
    for var in [
        "SOURCE_DATE_EPOCH",
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_CRA_RUSTC_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in &s.env {
        cmd.env(k, v);
    }
    cmd.env(
        "CARGO_PROFILE_RELEASE_DEBUG",
        if debug_info { "2" } else { "0" },
    );
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));
}

fn assert_same_bytes(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(
        x == y,
        "{} and {} differ ({} vs {} bytes)",
        a.display(),
        b.display(),
        x.len(),
        y.len()
    );
}

/// No setup's root directory appears in `bytes` (a binary built with or without debug info).
fn assert_no_checkout_path(bytes: &[u8], setups: &[&Setup], debug_info: bool) {
    for s in setups {
        let root = s.root.display().to_string();
        assert!(
            !contains(bytes, &root),
            "binary (debug info {debug_info}) contains {root}"
        );
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn example_app_builds_bit_for_bit_identically_in_different_environments() {
    let a = setup(&EXAMPLE, "a", false, "UTC", "C.UTF-8", "2", "022");
    let b = setup(
        &EXAMPLE,
        "b/a/much/longer/checkout/path",
        true,
        "Asia/Kolkata",
        "de_DE.UTF-8",
        "1",
        "077",
    );
    for debug_info in [false, true] {
        build(&a, debug_info);
        build(&b, debug_info);
        let (bin_a, bin_b) = (
            a.out_dir.join("hello-device"),
            b.out_dir.join("hello-device"),
        );
        assert_same_bytes(&bin_a, &bin_b);
        assert_same_bytes(
            &a.out_dir.join("hello-device.cdx.json"),
            &b.out_dir.join("hello-device.cdx.json"),
        );
        let bytes = std::fs::read(&bin_b).unwrap();
        assert_no_checkout_path(&bytes, &[&a, &b], debug_info);
        let run = Command::new(&bin_b)
            .env(
                "HELLO_DEVICE_CONFIG",
                b.project.join("config/hello-device.json"),
            )
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&run.stdout).trim(),
            r#"{"device":"hello-device","site":"factory-floor-1","status":"ok","version":"0.1.0"}"#
        );
        use std::os::unix::fs::PermissionsExt;
        // Issue 25: the bytes never depend on the umask, the file's mode does, as with cp: an
        // output written under umask 077 is private to its owner.
        assert_eq!(
            std::fs::metadata(&bin_b).unwrap().permissions().mode() & 0o777,
            0o700,
            "built under umask 077"
        );
        assert_eq!(
            std::fs::metadata(&bin_a).unwrap().permissions().mode() & 0o777,
            0o755,
            "built under umask 022"
        );
    }
}

#[test]
fn a_workspace_with_c_cross_compiled_for_arm64_builds_bit_for_bit_identically() {
    let project = Project {
        source: "tests/fixtures/sbom-workspace",
        target: Some("aarch64-unknown-linux-musl"),
    };
    let a = setup(&project, "a", false, "UTC", "C.UTF-8", "2", "022");
    let b = setup(
        &project,
        "b/another/checkout",
        true,
        "America/New_York",
        "de_DE.UTF-8",
        "1",
        "077",
    );
    for debug_info in [false, true] {
        build(&a, debug_info);
        build(&b, debug_info);
        for file in ["gateway", "gateway.cdx.json", "probe", "probe.cdx.json"] {
            assert_same_bytes(&a.out_dir.join(file), &b.out_dir.join(file));
        }
        let bin = b.out_dir.join("gateway");
        let bytes = std::fs::read(&bin).unwrap();
        assert_no_checkout_path(&bytes, &[&a, &b], debug_info);
        let zig = std::env::var("CARGO_CRA_ZIG").expect("tests/run sets CARGO_CRA_ZIG");
        let zig_dir = Path::new(&zig).parent().unwrap().display().to_string();
        assert!(!contains(&bytes, &zig_dir), "binary contains {zig_dir}");
        // The C function compiled by zig runs: CRC-32 of "123456789" is cbf43926.
        let run = run_foreign(&b.target, &bin, &[]);
        assert!(run.status.success(), "{}", describe(&run));
        assert!(
            String::from_utf8_lossy(&run.stdout).contains("crc=cbf43926"),
            "{}",
            describe(&run)
        );
        let bom: serde_json::Value =
            serde_json::from_slice(&std::fs::read(b.out_dir.join("gateway.cdx.json")).unwrap())
                .unwrap();
        let tools: Vec<&str> = bom["metadata"]["tools"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(tools, ["cargo-cra", "rustc", "zig"]);
    }
}
