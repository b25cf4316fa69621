//! Media types, payload types, statement types and build types of what cargo-cra writes and
//! reads, spelled once.

/// The Sigstore bundle v0.3 media type, as cargo-cra writes it.
pub const SIGSTORE_BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The Sigstore bundle v0.1 media type (read only).
pub const SIGSTORE_BUNDLE_V01_LEGACY: &str = "application/vnd.dev.sigstore.bundle+json;version=0.1";
/// The Sigstore bundle v0.2 media type (read only).
pub const SIGSTORE_BUNDLE_V02_LEGACY: &str = "application/vnd.dev.sigstore.bundle+json;version=0.2";
/// The older spelling of the Sigstore bundle v0.3 media type (read only).
pub const SIGSTORE_BUNDLE_V03_LEGACY: &str = "application/vnd.dev.sigstore.bundle+json;version=0.3";
/// The prefix of every Sigstore trusted-root media type.
pub const SIGSTORE_TRUSTED_ROOT_PREFIX: &str = "application/vnd.dev.sigstore.trustedroot";
/// The prefix of every Sigstore signing-configuration media type.
pub const SIGSTORE_SIGNING_CONFIG_PREFIX: &str = "application/vnd.dev.sigstore.signingconfig";

/// The DSSE payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The `_type` of an in-toto statement v1.
pub const IN_TOTO_STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";

/// An OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The annotation naming a manifest's tag in an OCI layout's `index.json`.
pub const OCI_REF_NAME: &str = "org.opencontainers.image.ref.name";

/// The OCI empty descriptor's media type (an artifact's config that carries nothing).
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The annotation of an artifact's creation time (RFC 3339).
pub const OCI_CREATED: &str = "org.opencontainers.image.created";
/// The annotation of a layer's suggested file name.
pub const OCI_TITLE: &str = "org.opencontainers.image.title";
/// The annotation of what a Sigstore bundle holds (`message-signature` or `dsse-envelope`), as
/// cosign's bundle specification (`specs/BUNDLE_SPEC.md`) names it.
pub const SIGSTORE_BUNDLE_CONTENT: &str = "dev.sigstore.bundle.content";
/// The annotation of a DSSE bundle's in-toto predicate type (cosign's bundle specification).
pub const SIGSTORE_BUNDLE_PREDICATE_TYPE: &str = "dev.sigstore.bundle.predicateType";

/// The `artifactType`, and the layer's media type, of a squashfs image pushed to a registry
/// (no media type for squashfs is registered; documented in `docs/reference/push.md`).
pub const CRA_SQUASHFS: &str = "application/vnd.cargo-cra.squashfs.v1";
/// The `artifactType`, and the layer's media type, of a RAUC bundle pushed to a registry (no
/// media type for RAUC bundles is registered; documented in `docs/reference/push.md`).
pub const CRA_RAUC_BUNDLE: &str = "application/vnd.cargo-cra.rauc-bundle.v1";
/// Plain text (RFC 2046): a dm-verity root hash file beside its squashfs image.
pub const TEXT_PLAIN: &str = "text/plain";

/// An OCI image layer, a gzip-compressed tar.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// An OCI image layer, a zstd-compressed tar.
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// Bytes of no particular type (an uploaded blob, HTTP).
pub const OCTET_STREAM: &str = "application/octet-stream";
/// A JSON request or response body (HTTP).
pub const JSON: &str = "application/json";
/// An RFC 3161 timestamp response (HTTP).
pub const TIMESTAMP_REPLY: &str = "application/timestamp-reply";

/// The prefix of every OpenVEX `@context`.
pub const OPENVEX_CONTEXT_PREFIX: &str = "https://openvex.dev/ns";
/// The OpenVEX `@context` cargo-cra writes (also the predicate type of its attestations).
pub const OPENVEX_CONTEXT: &str = crate::fileset::OPENVEX_PREDICATE_TYPE;

/// `buildType` of `cargo cra build` provenance.
pub const BUILD_TYPE_BUILD: &str =
    "https://github.com/cargo-cra/cargo-cra/blob/main/docs/build-type-v1.md";
/// `buildType` of `cargo cra compose` provenance.
pub const BUILD_TYPE_COMPOSE: &str =
    "https://github.com/cargo-cra/cargo-cra/blob/main/docs/compose-type-v1.md";
/// `builder.id` of builds on the local machine.
pub const LOCAL_BUILDER_ID: &str = "https://github.com/cargo-cra/cargo-cra/builders/local@v1";
