//! The module graph of every crate stays acyclic.
//!
//! The graph comes from `cargo-modules` (pinned, installed by the test command; its "uses"
//! edges, resolved by rust-analyzer, cover `use` declarations). A path written inline
//! (`crate::build::run(…)`, `super::c::one()`) is no `use`, and cargo-modules 0.27 draws no
//! edge for it, so those are added from the source text. A module may use the modules it owns
//! (a parent re-exporting or calling its children); every other cycle fails, naming its
//! modules. `module_cycle_fixture_is_caught` shows the check finds both kinds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

/// The `cargo-modules` binary: `CRA_TEST_CARGO_MODULES`, else the one on `PATH`.
fn cargo_modules() -> PathBuf {
    let tool = std::env::var_os("CRA_TEST_CARGO_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo-modules"));
    let runs = Command::new(&tool).arg("--version").output();
    assert!(
        runs.is_ok_and(|o| o.status.success()),
        "cargo-modules is needed (`bash tests/run` installs 0.27.0 into .tools/cargo-modules); set CRA_TEST_CARGO_MODULES"
    );
    tool
}

/// One crate target's modules and the edges between them.
struct Graph {
    modules: BTreeSet<String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

/// The module graph of one target (`--lib`, or `--bin NAME`) of the package at `manifest`.
fn graph(manifest: &Path, target: &[&str]) -> Graph {
    let out = Command::new(cargo_modules())
        .arg("dependencies")
        .args(target)
        .arg("--manifest-path")
        .arg(manifest)
        .args([
            "--no-externs",
            "--no-sysroot",
            "--no-fns",
            "--no-traits",
            "--no-types",
        ])
        .output()
        .expect("cargo-modules runs");
    assert!(
        out.status.success(),
        "cargo-modules on {}: {}",
        manifest.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let dot = String::from_utf8(out.stdout).expect("UTF-8 graph");
    let mut g = Graph {
        modules: BTreeSet::new(),
        edges: BTreeMap::new(),
    };
    for line in dot.lines().map(str::trim) {
        let quoted: Vec<&str> = line.split('"').collect();
        if line.contains("\"crate\" node") || line.contains("\"mod\" node") {
            g.modules.insert(quoted[1].to_string());
        } else if line.contains("[label=\"uses\"") {
            let (from, to) = (quoted[1].to_string(), quoted[3].to_string());
            g.edges.entry(from).or_default().insert(to);
        }
    }
    g
}

/// The module a source file is: `src/a/b.rs` and `src/a/b/mod.rs` are `<root>::a::b`.
fn module_of(root: &str, src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    std::iter::once(root.to_string())
        .chain(parts)
        .collect::<Vec<_>>()
        .join("::")
}

/// The longest module named by `base` followed by the `::`-separated words of `rest`.
fn longest_module(g: &Graph, base: &str, rest: &str) -> Option<String> {
    let mut best = g.modules.contains(base).then(|| base.to_string());
    let mut path = base.to_string();
    for word in rest.split("::") {
        let word: String = word
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() {
            break;
        }
        path = format!("{path}::{word}");
        if g.modules.contains(&path) {
            best = Some(path.clone());
        }
    }
    best
}

/// Adds the edges of paths written inline (`crate::…`, `super::…`) in the files under `src`
/// whose module is in the graph; test modules (from `#[cfg(test)]` on) are left out, as
/// cargo-modules leaves them out.
fn add_inline_paths(g: &mut Graph, root: &str, src: &Path) {
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    for file in files {
        let module = module_of(root, src, &file);
        if !g.modules.contains(&module) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let before = line[..i].chars().last();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                if let Some(to) = longest_module(g, root, &line[i + "crate::".len()..]) {
                    g.edges.entry(module.clone()).or_default().insert(to);
                }
            }
            for (i, _) in line.match_indices("super::") {
                let before = line[..i].chars().last();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let mut rest = &line[i..];
                let mut base = module.clone();
                while let Some(r) = rest.strip_prefix("super::") {
                    base = base
                        .rsplit_once("::")
                        .map(|(p, _)| p.to_string())
                        .unwrap_or(base);
                    rest = r;
                }
                if let Some(to) = longest_module(g, &base, rest) {
                    g.edges.entry(module.clone()).or_default().insert(to);
                }
            }
        }
    }
}

/// The cycles of `g` (strongly connected components of more than one module), not counting a
/// module's edges to the modules it owns.
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    let edges: BTreeMap<&str, Vec<&str>> = g
        .edges
        .iter()
        .map(|(from, tos)| {
            let owned = format!("{from}::");
            let kept = tos
                .iter()
                .filter(|to| *to != from && !to.starts_with(&owned))
                .map(String::as_str)
                .collect();
            (from.as_str(), kept)
        })
        .collect();
    // Kosaraju: finishing order on the graph, then components on the reversed graph.
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|(f, t)| std::iter::once(*f).chain(t.iter().copied()))
        .collect();
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for &n in &nodes {
        let mut stack = vec![(n, false)];
        while let Some((v, done)) = stack.pop() {
            if done {
                order.push(v);
                continue;
            }
            if !seen.insert(v) {
                continue;
            }
            stack.push((v, true));
            for &w in edges.get(v).into_iter().flatten() {
                if !seen.contains(w) {
                    stack.push((w, false));
                }
            }
        }
    }
    let mut reversed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (&from, tos) in &edges {
        for &to in tos {
            reversed.entry(to).or_default().push(from);
        }
    }
    let mut assigned = BTreeSet::new();
    let mut out = Vec::new();
    for &n in order.iter().rev() {
        if assigned.contains(n) {
            continue;
        }
        let mut component = Vec::new();
        let mut stack = vec![n];
        assigned.insert(n);
        while let Some(v) = stack.pop() {
            component.push(v.to_string());
            for &w in reversed.get(v).into_iter().flatten() {
                if assigned.insert(w) {
                    stack.push(w);
                }
            }
        }
        if component.len() > 1 {
            component.sort();
            out.push(component);
        }
    }
    out
}

/// The cycles of one target (`target`: `--lib`, or `--bin NAME`, after `-p PACKAGE` in a
/// workspace) of the package in `dir` under the manifest `manifest`, its root module `root`.
fn package_cycles(manifest: &Path, dir: &Path, root: &str, target: &[&str]) -> Vec<Vec<String>> {
    let mut g = graph(manifest, target);
    add_inline_paths(&mut g, root, &dir.join("src"));
    cycles(&g)
}

#[test]
fn every_crate_of_the_workspace_has_an_acyclic_module_graph() {
    let repo = common::repo_root();
    let targets: [(&str, &str, &[&str]); 5] = [
        ("model", "cra_model", &["-p", "cra-model", "--lib"]),
        ("attest", "cra_attest", &["-p", "cra-attest", "--lib"]),
        ("composer", "cra_composer", &["-p", "cra-composer", "--lib"]),
        ("cargo-cra", "cargo_cra", &["-p", "cargo-cra", "--lib"]),
        (
            "cargo-cra",
            "cargo_cra",
            &["-p", "cargo-cra", "--bin", "cargo-cra"],
        ),
    ];
    let mut found = Vec::new();
    for (dir, root, target) in targets {
        let c = package_cycles(&repo.join("Cargo.toml"), &repo.join(dir), root, target);
        println!("{dir} {}: {} cycle(s)", target.join(" "), c.len());
        found.extend(c);
    }
    assert!(found.is_empty(), "module cycles: {found:#?}");
}

#[test]
fn module_cycle_fixture_is_caught() {
    let dir = common::repo_root().join("tests/fixtures/module-cycle");
    let found = package_cycles(&dir.join("Cargo.toml"), &dir, "module_cycle", &["--lib"]);
    let expected: Vec<Vec<String>> = [["a", "b"], ["c", "d"]]
        .iter()
        .map(|pair| pair.iter().map(|m| format!("module_cycle::{m}")).collect())
        .collect();
    let mut found = found;
    found.sort();
    // `use` declarations (a ↔ b) and paths written inline (c ↔ d); e and e::f are one owner
    // and its child, which is allowed.
    assert_eq!(found, expected);
}

/// The words only `cra-model` spells: a string literal holding one of these, anywhere in the
/// other crates' code (test modules aside), is a second spelling. (`"cargo-cra:` followed by a
/// letter is a property name; `"cargo-cra: ` with a space starts a message.)
const WORDS: [&str; 50] = [
    "\"bsi:",
    "\"cargo-cra:a",
    "\"cargo-cra:b",
    "\"cargo-cra:c",
    "\"cargo-cra:d",
    "\"cargo-cra:e",
    "\"cargo-cra:f",
    "\"cargo-cra:g",
    "\"cargo-cra:h",
    "\"cargo-cra:i",
    "\"cargo-cra:j",
    "\"cargo-cra:k",
    "\"cargo-cra:l",
    "\"cargo-cra:m",
    "\"cargo-cra:n",
    "\"cargo-cra:o",
    "\"cargo-cra:p",
    "\"cargo-cra:q",
    "\"cargo-cra:r",
    "\"cargo-cra:s",
    "\"cargo-cra:t",
    "\"cargo-cra:u",
    "\"cargo-cra:v",
    "\"cargo-cra:w",
    "\"cargo-cra:x",
    "\"cargo-cra:y",
    "\"cargo-cra:z",
    ".squashfs\"",
    ".oci.tar\"",
    ".raucb\"",
    ".key\"",
    ".pub\"",
    "\"https://github.com/cargo-cra/cargo-cra/builders/",
    "\"application/vnd.",
    "\"application/json",
    "\"application/octet-stream",
    "\"application/timestamp",
    ".cdx.json\"",
    ".sigstore.json\"",
    ".provenance.json\"",
    ".verity.json\"",
    ".audit.json\"",
    ".roothash\"",
    ".cra-unit.json\"",
    "\"https://slsa.dev/",
    "\"https://in-toto.io/",
    "\"https://openvex.dev/",
    "\"https://cyclonedx.org/bom",
    "\"https://docs.oasis-open.org/csaf",
    "\"https://github.com/cargo-cra/cargo-cra/blob/",
];

#[test]
fn file_names_properties_predicate_and_media_types_are_spelled_only_in_the_model() {
    let repo = common::repo_root();
    let mut found = Vec::new();
    for krate in ["attest", "composer", "cargo-cra"] {
        let mut stack = vec![repo.join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") || p.ends_with("fuzzing.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                for (n, line) in code.lines().enumerate() {
                    if line.trim_start().starts_with("//") {
                        continue;
                    }
                    if let Some(w) = WORDS.iter().find(|w| line.contains(*w)) {
                        let rel = p.strip_prefix(&repo).unwrap().display().to_string();
                        found.push(format!("{rel}:{}: {w}", n + 1));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "spelled outside cra-model: {found:#?}");
}
