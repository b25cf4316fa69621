//! The names of the properties cargo-cra writes into CycloneDX SBOMs (`properties[].name`),
//! for the writers (`cargo cra build`, `cargo cra compose`) and every reader (audit, docs,
//! verify). All are in the `cargo-cra:` namespace.

/// The Cargo package a binary's SBOM describes.
pub const PACKAGE: &str = "cargo-cra:package";
/// The Rust target triple a binary was built for (also on an image's apps).
pub const TARGET: &str = "cargo-cra:target";
/// The Cargo profile a binary was built with.
pub const PROFILE: &str = "cargo-cra:profile";
/// A binary's exploitation mitigations (CRA Annex I (2)(k)), as its ELF headers say them:
/// position independence (`pie`, `static-pie`, `no`).
pub const HARDENING_PIE: &str = "cargo-cra:hardening:pie";
/// RELRO: `full` (with immediate binding), `partial`, `none`.
pub const HARDENING_RELRO: &str = "cargo-cra:hardening:relro";
/// A non-executable stack: `yes`, `no`.
pub const HARDENING_NX_STACK: &str = "cargo-cra:hardening:nx-stack";
/// A loaded segment both writable and executable: `yes`, `no`.
pub const HARDENING_WX_SEGMENT: &str = "cargo-cra:hardening:wx-segment";
/// Text relocations: `yes`, `no`.
pub const HARDENING_TEXT_RELOCATIONS: &str = "cargo-cra:hardening:text-relocations";
/// The symbol table is there: `yes`, `no` (stripped).
pub const HARDENING_SYMBOLS: &str = "cargo-cra:hardening:symbols";
/// DWARF debug information is there: `yes`, `no`.
pub const HARDENING_DEBUG_INFO: &str = "cargo-cra:hardening:debug-info";
/// Every `cargo-cra:hardening:*` property, in the order they are written.
pub const HARDENING: [&str; 7] = [
    HARDENING_PIE,
    HARDENING_RELRO,
    HARDENING_NX_STACK,
    HARDENING_WX_SEGMENT,
    HARDENING_TEXT_RELOCATIONS,
    HARDENING_SYMBOLS,
    HARDENING_DEBUG_INFO,
];

/// The dependency list embedded in the binary (cargo-auditable's format), when there is one:
/// the section's name and the list's format.
pub const DEPENDENCY_LIST: &str = "cargo-cra:dependency-list";
/// The cargo features a package was compiled with, comma-separated.
pub const FEATURES: &str = "cargo-cra:features";
/// The source commit of the build, when it was built from a git work tree.
pub const COMMIT_HASH: &str = "cargo-cra:commit-hash";
/// Where a crate's source was read from (registry, vendored directory, path, git).
pub const SOURCE: &str = "cargo-cra:source";
/// A vendored crate's relation to the registry archive it claims to be.
pub const VENDORED: &str = "cargo-cra:vendored";
/// Why a component carries no (or another) hash than its archive's.
pub const HASH_NOTE: &str = "cargo-cra:hash-note";

/// A field BSI TR-03183-2 asks for that cargo-cra cannot know for this component:
/// `<field>: <why>` (field names as in `docs/reference/tr-03183-2.md`). One per field.
pub const UNKNOWN_FIELD: &str = "cargo-cra:unknown-field";

/// BSI TR-03183-2's CycloneDX property names (the BSI namespace of the CycloneDX property
/// taxonomy), written by cargo-cra but not in its namespace.
pub mod bsi {
    /// The component's actual file name (not a path).
    pub const FILENAME: &str = "bsi:component:filename";
    /// `executable` or `non-executable`.
    pub const EXECUTABLE: &str = "bsi:component:executable";
    /// `archive` or `no archive`.
    pub const ARCHIVE: &str = "bsi:component:archive";
    /// `structured` or `unstructured`.
    pub const STRUCTURED: &str = "bsi:component:structured";
    /// The licence under which the SBOM's creator uses the component (an SPDX expression, or
    /// `NOASSERTION` when it has not concluded one).
    pub const EFFECTIVE_LICENSE: &str = "bsi:component:effectiveLicense";
}

/// Prefix of the SBOM subject's properties that record the product table's declarations
/// (`cargo-cra:product:<key>`, keys as in the table).
pub const PRODUCT_PREFIX: &str = "cargo-cra:product:";

/// Prefix of an image file's properties (`cargo-cra:image:<name>`).
pub const IMAGE_PREFIX: &str = "cargo-cra:image:";
/// The digest of an image's OCI manifest.
pub const IMAGE_MANIFEST_DIGEST: &str = "cargo-cra:image:manifest-digest";
/// An image's architecture (OCI spelling: `amd64`, `arm64`, …).
pub const IMAGE_ARCHITECTURE: &str = "cargo-cra:image:architecture";
/// The user an image's entry point runs as.
pub const IMAGE_RUNTIME_USER: &str = "cargo-cra:image:runtime-user";
/// A user the image defines (`name:uid:gid`).
pub const IMAGE_USER: &str = "cargo-cra:image:user";
/// A file's path inside the image.
pub const IMAGE_PATH: &str = "cargo-cra:image:path";
/// A file's mode in the image, octal.
pub const IMAGE_MODE: &str = "cargo-cra:image:mode";
/// A file's owner in the image (`uid:gid`).
pub const IMAGE_OWNER: &str = "cargo-cra:image:owner";
/// Another path of the same file (a hard link).
pub const IMAGE_HARD_LINK: &str = "cargo-cra:image:hard-link";
/// A file's Linux capabilities.
pub const IMAGE_CAPABILITIES: &str = "cargo-cra:image:capabilities";
/// A file the recipe took from outside its repository (`allow_outside`).
pub const IMAGE_SOURCE_OUTSIDE_REPOSITORY: &str = "cargo-cra:image:source-outside-repository";

/// The squashfs file of an image.
pub const SQUASHFS_FILE: &str = "cargo-cra:squashfs:file";
/// The SHA-256 of an image's squashfs file (with its hash tree, when appended).
pub const SQUASHFS_SHA256: &str = "cargo-cra:squashfs:sha256";
/// The dm-verity root hash of an image's squashfs file.
pub const VERITY_ROOT_HASH: &str = "cargo-cra:dm-verity:root-hash";

/// The name of an image file property `cargo-cra:image:<name>`.
pub fn image(name: &str) -> String {
    format!("{IMAGE_PREFIX}{name}")
}

/// The name of a product declaration's property `cargo-cra:product:<key>`.
pub fn product(key: &str) -> String {
    format!("{PRODUCT_PREFIX}{key}")
}
