//! SLSA v1 provenance of a `cargo cra build` binary. Every field is documented in
//! `docs/build-type-v1.md`, the page [`BUILD_TYPE`] names.
//!
//! Like the SBOM, the provenance names no absolute path of the build machine. Between two
//! builds of the same sources only `runDetails.metadata` (invocation id, start and end times)
//! and, on another platform, `runDetails.builder` differ.

use crate::cross::CrossSetup;
use crate::repro::Remap;
use crate::toolchain::Toolchain;
use cra_attest::digest::Digests;
use cra_attest::evidence::intoto::{Statement, Subject};
use cra_attest::evidence::slsa::{
    BuildPlatform, PREDICATE_TYPE, Provenance, ResourceDescriptor, RunDetails,
};
use serde_json::json;
use std::collections::BTreeMap;

/// The `buildType` of cargo-cra's provenance: the page that documents its parameters.
pub const BUILD_TYPE: &str = cra_model::media::BUILD_TYPE_BUILD;

pub use cra_attest::evidence::source::GitSource;

/// A crate that went into the build (linked or build-time).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CompiledCrate {
    /// Its package URL.
    pub purl: String,
    /// Crate name.
    pub name: String,
    /// The `.crate` checksum from Cargo.lock, for registry crates.
    pub sha256: Option<String>,
}

/// What the user asked for (`externalParameters`).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `-p` values.
    pub packages: Vec<String>,
    /// `--bin` values.
    pub bins: Vec<String>,
    /// `--features` values.
    pub features: Vec<String>,
    /// `--all-features`.
    pub all_features: bool,
    /// `--no-default-features`.
    pub no_default_features: bool,
    /// `--profile`, or `release`/`dev`.
    pub profile: String,
    /// The target triple.
    pub target: String,
    /// Whether Cargo.lock had to be up to date (`--locked`, the default).
    pub locked: bool,
}

/// Everything the provenance of one binary is made from.
pub struct ProvenanceInput<'a> {
    /// The binary, as the statement's subject.
    pub subject: Subject,
    /// The binary's package.
    pub package: &'a str,
    /// The binary target's name.
    pub bin: &'a str,
    /// Features the binary's package was compiled with.
    pub compiled_features: &'a [String],
    /// The user's request.
    pub request: &'a Request,
    /// Git state, when the workspace is in a repository.
    pub source: Option<&'a GitSource>,
    /// Digests of Cargo.lock.
    pub lock: &'a Digests,
    /// The compiler.
    pub toolchain: &'a Toolchain,
    /// The linker and C cross compiler cargo-cra set up.
    pub cross: &'a CrossSetup,
    /// `SOURCE_DATE_EPOCH` used.
    pub source_date_epoch: i64,
    /// Path rewrites (only their targets are recorded).
    pub remaps: &'a [Remap],
    /// Where the build's rustflags came from.
    pub rustflags: &'a [crate::rustflags::RustflagsSource],
    /// Every crate compiled for the build.
    pub crates: &'a [CompiledCrate],
    /// Where the build ran.
    pub platform: &'a BuildPlatform,
    /// Invocation id when not in CI.
    pub local_invocation_id: &'a str,
    /// RFC 3339 start of the build.
    pub started_on: &'a str,
    /// RFC 3339 end of the build.
    pub finished_on: &'a str,
}

/// The provenance statement of one binary.
pub fn statement(input: &ProvenanceInput<'_>) -> Statement {
    let r = input.request;
    let mut external = json!({
        "package": input.package,
        "bin": input.bin,
        "target": r.target,
        "profile": r.profile,
        "packages": r.packages,
        "bins": r.bins,
        "features": r.features,
        "allFeatures": r.all_features,
        "noDefaultFeatures": r.no_default_features,
    });
    if let Some(src) = input.source {
        external["source"] = src.external_parameter();
    }
    let mut internal = json!({
        "cargoCraVersion": env!("CARGO_PKG_VERSION"),
        "compiledFeatures": input.compiled_features,
        "locked": r.locked,
        "explicitTarget": true,
        "sourceDateEpoch": input.source_date_epoch,
        "rustcWrapper": "cargo-cra (adds --remap-path-prefix)",
        "cFlags": "-ffile-prefix-map for every remapped path",
        "remappedPathsTo": input.remaps.iter().map(|m| m.to.clone()).collect::<Vec<_>>(),
    });
    if let Some(linker) = &input.cross.linker {
        internal["linker"] = json!(linker);
    }
    if let Some(zig) = &input.cross.zig {
        internal["cCompiler"] = json!(format!("zig {} (cc, c++, ar)", zig.version));
    }
    if let Some(cc) = &input.cross.c_compiler {
        internal["cCompiler"] = json!(cc.version);
    }
    if !input.rustflags.is_empty() {
        internal["rustflags"] = json!(input.rustflags);
    }

    let mut deps = Vec::new();
    if let Some(src) = input.source {
        deps.push(src.resolved_dependency());
    }
    deps.push(ResourceDescriptor {
        name: Some("Cargo.lock".into()),
        digest: BTreeMap::from([("sha256".to_string(), input.lock.sha256_hex())]),
        ..Default::default()
    });
    deps.push(ResourceDescriptor {
        uri: Some(format!("pkg:generic/rustc@{}", input.toolchain.release)),
        name: Some("rustc".into()),
        digest: BTreeMap::from([("gitCommit".to_string(), input.toolchain.commit_hash.clone())]),
        annotations: Some(
            json!({ "version": input.toolchain.version_line, "host": input.toolchain.host }),
        ),
    });
    if let Some(zig) = &input.cross.zig {
        deps.push(ResourceDescriptor {
            uri: Some(format!("pkg:generic/zig@{}", zig.version)),
            name: Some("zig".into()),
            digest: BTreeMap::from([("sha256".to_string(), zig.sha256.clone())]),
            annotations: None,
        });
    }
    if let Some(cc) = &input.cross.c_compiler {
        deps.push(ResourceDescriptor {
            uri: Some(format!("pkg:generic/{}", cc.name)),
            name: Some("C compiler".into()),
            digest: BTreeMap::from([("sha256".to_string(), cc.sha256.clone())]),
            annotations: Some(json!({ "version": cc.version })),
        });
    }
    for c in input.crates {
        deps.push(ResourceDescriptor {
            uri: Some(c.purl.clone()),
            name: Some(c.name.clone()),
            digest: c
                .sha256
                .iter()
                .map(|s| ("sha256".to_string(), s.clone()))
                .collect(),
            annotations: None,
        });
    }

    let predicate = Provenance::new(
        BUILD_TYPE,
        external,
        internal,
        deps,
        RunDetails::new(
            input.platform,
            input.local_invocation_id,
            input.started_on,
            input.finished_on,
        ),
    );
    Statement::new(
        vec![input.subject.clone()],
        PREDICATE_TYPE,
        serde_json::to_value(predicate).expect("serialisable"),
    )
}
