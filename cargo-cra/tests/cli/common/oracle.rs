//! The independent oracle for "exactly what is linked": `cargo tree`, and the set an SBOM lists.

use super::describe;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// `(name, version)` pairs.
pub type CrateSet = BTreeSet<(String, String)>;

/// `cargo tree -e normal,no-proc-macro --target T --prefix none -p package [--features F]` run
/// in `dir`: the crates cargo links into `package`'s binaries for `target`, without the package
/// itself.
pub fn cargo_tree(dir: &Path, package: &str, target: &str, features: &[&str]) -> CrateSet {
    let mut cmd = Command::new("cargo");
    cmd.args([
        "tree",
        "--locked",
        "-e",
        "normal,no-proc-macro",
        "--target",
        target,
        "--prefix",
        "none",
        "-p",
        package,
    ]);
    for f in features {
        cmd.args(["--features", f]);
    }
    let out = cmd.current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut t = l.split_whitespace();
            Some((
                t.next()?.to_string(),
                t.next()?.trim_start_matches('v').to_string(),
            ))
        })
        .filter(|(name, _)| name != package)
        .collect()
}

/// The `(name, version)` of every component of a CycloneDX SBOM.
pub fn sbom_components(bom: &Value) -> CrateSet {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What `a` has that `b` lacks, and the reverse, for failure messages.
pub fn difference(sbom: &CrateSet, tree: &CrateSet) -> String {
    format!(
        "only in the SBOM: {:?}; only in cargo tree: {:?}",
        sbom.difference(tree).collect::<Vec<_>>(),
        tree.difference(sbom).collect::<Vec<_>>()
    )
}
