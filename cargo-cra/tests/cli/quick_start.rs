//! Issue 25: the README's quick start installs zig with the machine's own Python — here
//! Debian's, whose pip refuses plain installs ("externally-managed-environment") — into a fresh
//! home, and cargo-cra's zig lookup (`python3`'s `ziglang` package) then finds a zig that runs.
//! The command is taken from the README itself, so the README stays true.

use crate::common;

use common::*;
use std::process::Command;

/// The zig step of the README's quick start command.
fn readme_zig_step() -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("rustup target add") && l.contains("ziglang"))
        .expect("the quick start command installs zig");
    line.split(" && ")
        .find(|step| step.contains("ziglang"))
        .unwrap()
        .to_string()
}

#[test]
fn the_quick_start_installs_zig_with_an_externally_managed_system_python() {
    let system = std::path::Path::new("/usr/bin/python3");
    let has_pip = system.is_file()
        && Command::new(system)
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !has_pip {
        eprintln!(
            "skipped: no system Python with pip at /usr/bin/python3 (tests/run installs python3-pip)"
        );
        return;
    }
    let home = tempfile::tempdir().unwrap();
    // The system Python first on PATH; pip's download cache shared, to spare the network.
    let path = format!("/usr/bin:{}", std::env::var("PATH").unwrap_or_default());
    let cache = std::env::var("PIP_CACHE_DIR")
        .unwrap_or_else(|_| format!("{}/.cache/pip", std::env::var("HOME").unwrap_or_default()));
    let run = |script: &str| {
        Command::new("sh")
            .args(["-c", script])
            .env("HOME", home.path())
            .env("PATH", &path)
            .env("PIP_CACHE_DIR", &cache)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env_remove("PYTHONPATH")
            .env_remove("VIRTUAL_ENV")
            .output()
            .unwrap()
    };
    let step = readme_zig_step();
    let out = run(&step);
    assert!(out.status.success(), "{step}: {}", describe(&out));
    // What cargo-cra does to find zig: `python3`'s ziglang package, then `zig version`.
    let out = run(
        "zig=$(python3 -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), \"zig\"))') && \"$zig\" version",
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0.13.0");
    // Only the fresh home got it: nothing went into the system's packages.
    assert!(home.path().join(".local/lib").is_dir());
}
