//! Which crates are linked into a binary.
//!
//! `cargo metadata --all-features --filter-platform T` gives a resolve graph that is a superset
//! of any build for target `T`. The build itself tells which units it compiled for the target
//! and with which features (cargo's `compiler-artifact` messages). A crate is linked into a
//! binary when it is reachable from the binary's package through *normal* dependency edges whose
//! platform matches the target and which are active: the dependency is not optional, or the
//! dependent's compiled features turn it on. Build-dependencies, dev-dependencies and
//! proc-macros (host units, never compiled for the target) are therefore never listed, nor is
//! anything only they pull in.

use crate::error::BuildError;
use cargo_metadata::cargo_platform::Cfg;
use cargo_metadata::{DependencyKind, Metadata, Node, Package, PackageId};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// The crates linked into one binary, with the edges between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedGraph {
    /// The package the binary belongs to.
    pub root: PackageId,
    /// Every linked package (including the root) → its linked direct dependencies.
    pub edges: BTreeMap<PackageId, BTreeSet<PackageId>>,
    /// Every linked package → the features it was compiled with.
    pub features: BTreeMap<PackageId, Vec<String>>,
}

impl LinkedGraph {
    /// The linked packages other than the root, sorted by id.
    pub fn dependencies(&self) -> impl Iterator<Item = &PackageId> {
        self.edges.keys().filter(move |id| **id != self.root)
    }
}

/// The metadata plus the target facts needed to decide which edges are live.
pub struct Resolver<'a> {
    packages: HashMap<&'a PackageId, &'a Package>,
    nodes: HashMap<&'a PackageId, &'a Node>,
    target: &'a str,
    cfgs: &'a [Cfg],
}

impl<'a> Resolver<'a> {
    /// A resolver over `metadata` for `target` with its `cfgs`.
    pub fn new(
        metadata: &'a Metadata,
        target: &'a str,
        cfgs: &'a [Cfg],
    ) -> Result<Self, BuildError> {
        let resolve = metadata.resolve.as_ref().ok_or_else(|| {
            BuildError::Inconsistent("cargo metadata returned no resolve graph".into())
        })?;
        Ok(Resolver {
            packages: metadata.packages.iter().map(|p| (&p.id, p)).collect(),
            nodes: resolve.nodes.iter().map(|n| (&n.id, n)).collect(),
            target,
            cfgs,
        })
    }

    /// The package with `id`.
    pub fn package(&self, id: &PackageId) -> Option<&'a Package> {
        self.packages.get(id).copied()
    }

    /// The crates linked into a binary of package `root` built with `root_features`, given the
    /// features each library was compiled with for the target (`compiled`).
    pub fn linked(
        &self,
        root: &PackageId,
        root_features: &[String],
        compiled: &HashMap<PackageId, Vec<String>>,
    ) -> Result<LinkedGraph, BuildError> {
        let mut edges: BTreeMap<PackageId, BTreeSet<PackageId>> = BTreeMap::new();
        let mut linked_features: BTreeMap<PackageId, Vec<String>> = BTreeMap::new();
        let mut queue = VecDeque::from([root.clone()]);
        while let Some(id) = queue.pop_front() {
            if edges.contains_key(&id) {
                continue;
            }
            let features = if id == *root {
                Some(root_features)
            } else {
                compiled.get(&id).map(Vec::as_slice)
            };
            let features = features.ok_or_else(|| {
                BuildError::Inconsistent(format!(
                    "cargo reported no unit for {id} compiled for {}",
                    self.target
                ))
            })?;
            let deps: BTreeSet<PackageId> = self
                .active_normal_deps(&id, features)?
                .into_iter()
                // Proc-macros and anything else not compiled for the target are host-only.
                .filter(|d| compiled.contains_key(d))
                .collect();
            queue.extend(deps.iter().cloned());
            linked_features.insert(id.clone(), features.to_vec());
            edges.insert(id, deps);
        }
        Ok(LinkedGraph {
            root: root.clone(),
            edges,
            features: linked_features,
        })
    }

    /// Direct normal dependencies of `id` that are live for the target with `features` on.
    fn active_normal_deps(
        &self,
        id: &PackageId,
        features: &[String],
    ) -> Result<Vec<PackageId>, BuildError> {
        let pkg = self
            .package(id)
            .ok_or_else(|| BuildError::Inconsistent(format!("unknown package {id}")))?;
        let node = self
            .nodes
            .get(id)
            .ok_or_else(|| BuildError::Inconsistent(format!("{id} is not in the resolve graph")))?;
        let mut out = Vec::new();
        for dep in &node.deps {
            let normal_here = dep.dep_kinds.iter().any(|k| {
                k.kind == DependencyKind::Normal
                    && k.target
                        .as_ref()
                        .is_none_or(|p| p.matches(self.target, self.cfgs))
            });
            if !normal_here {
                continue;
            }
            let Some(dep_pkg) = self.package(&dep.pkg) else {
                continue;
            };
            // The declarations in the dependent's manifest that this resolved edge comes from.
            let mut declared = pkg.dependencies.iter().filter(|d| {
                d.kind == DependencyKind::Normal
                    && d.name == dep_pkg.name.as_str()
                    && d.rename.as_deref().unwrap_or(&d.name).replace('-', "_") == dep.name
                    && d.target
                        .as_ref()
                        .is_none_or(|p| p.matches(self.target, self.cfgs))
            });
            let live = declared.any(|d| {
                !d.optional
                    || optional_enabled(pkg, d.rename.as_deref().unwrap_or(&d.name), features)
            });
            if live {
                out.push(dep.pkg.clone());
            }
        }
        Ok(out)
    }
}

/// Whether optional dependency `key` (its name in the manifest, or its rename) of `pkg` is
/// switched on by the enabled `features`: some enabled feature lists `dep:key` or `key/feat`
/// (a weak `key?/feat` does not count), which includes the implicit feature `key = ["dep:key"]`.
fn optional_enabled(pkg: &Package, key: &str, features: &[String]) -> bool {
    let dep_value = format!("dep:{key}");
    let strong_prefix = format!("{key}/");
    features.iter().any(|f| {
        pkg.features.get(f).is_some_and(|values| {
            values
                .iter()
                .any(|v| *v == dep_value || v.starts_with(&strong_prefix))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg_with_features(features: &[(&str, &[&str])]) -> Package {
        let json = serde_json::json!({
            "name": "p", "version": "1.0.0", "id": "p 1.0.0", "authors": [], "dependencies": [],
            "targets": [], "manifest_path": "/x/Cargo.toml", "edition": "2021",
            "features": features.iter().map(|(k, v)| (k.to_string(), v.to_vec())).collect::<BTreeMap<_, _>>(),
        });
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn optional_dependency_activation_rules() {
        let p = pkg_with_features(&[
            ("smallvec", &["dep:smallvec"]),
            ("fast", &["dep:hashbrown"]),
            ("serde", &["dep:serde", "itoa/std"]),
            ("weak", &["log?/std"]),
        ]);
        let on = |key: &str, feats: &[&str]| {
            optional_enabled(
                &p,
                key,
                &feats.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert!(on("smallvec", &["smallvec"]), "implicit feature");
        assert!(!on("smallvec", &["fast"]));
        assert!(on("hashbrown", &["fast"]), "dep: syntax");
        assert!(
            on("itoa", &["serde"]),
            "strong dep/feature enables the dependency"
        );
        assert!(!on("log", &["weak"]), "weak dep?/feature does not");
        assert!(!on("hashbrown", &[]));
    }
}
