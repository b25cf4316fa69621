//! A fresh clone passes the README's test command with nothing beside it: no test, script,
//! CI file or document the tests read names a directory outside the repository, and the
//! third-party data the tests use is in the repository with its licence and source.

use crate::common;

use common::*;

/// Every file git tracks, but the third-party data itself.
fn tracked() -> Vec<std::path::PathBuf> {
    let out = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    out.stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| std::path::PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .filter(|p| !p.starts_with("tests/fixtures/third-party") && !p.starts_with("fuzz/corpus"))
        .collect()
}

#[test]
fn nothing_reads_a_directory_beside_the_repository() {
    let beside = format!("..{}shared", '/');
    let files = tracked();
    assert!(
        files.len() > 100,
        "git ls-files found only {} files",
        files.len()
    );
    let naming: Vec<String> = files
        .iter()
        .filter(|p| {
            std::fs::read(repo_root().join(p))
                .is_ok_and(|b| String::from_utf8_lossy(&b).contains(&beside))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(naming.is_empty(), "files naming {beside}: {naming:?}");
}

#[test]
fn the_third_party_data_is_in_the_repository_with_licence_and_source() {
    for (dir, licence) in [
        ("advisory-db", "LICENSE.txt"),
        ("openvex", "LICENSE"),
        ("cosign-keys", "LICENSE"),
        ("sigstore-bundles", "LICENSE"),
        ("spdx-3.0.1", "LICENSE"),
        ("osv-scalibr-apk", "LICENSE"),
    ] {
        let readme = std::fs::read_to_string(third_party(&format!("{dir}/README.md"))).unwrap();
        assert!(
            readme.contains("commit") || readme.contains("0.15.0"),
            "{dir}: the README names no upstream version: {readme}"
        );
        assert!(third_party(&format!("{dir}/{licence}")).is_file());
    }
    assert!(
        third_party("advisory-db/crates")
            .read_dir()
            .unwrap()
            .count()
            > 100
    );
    assert!(
        third_party("sigstore-bundles/cases")
            .read_dir()
            .unwrap()
            .count()
            >= 50
    );
}

/// The property itself, on a fresh clone of the committed tree with nothing beside it: the
/// library tests that read the third-party data (Sigstore conformance bundles, cosign keys)
/// pass there.
#[test]
fn a_fresh_clone_with_nothing_beside_it_passes_the_tests_that_read_third_party_data() {
    let tmp = tempfile::tempdir().unwrap();
    let clone = tmp.path().join("clone");
    let out = std::process::Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(repo_root())
        .arg(&clone)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!tmp.path().join("shared").exists());
    let out = std::process::Command::new("cargo")
        .args(["test", "--locked", "-q", "-p", "cra-attest", "--lib"])
        .current_dir(&clone)
        .env("CARGO_TARGET_DIR", repo_root().join("target/fresh-clone"))
        // Installed tools are not data: the local Sigstore's node packages come from this
        // checkout (`tests/run` installs them), the third-party data only from the clone.
        .env("CRA_TEST_NODE_TOOLS", repo_root().join("tests/tools/node"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("test result: ok"), "{text}");
}
