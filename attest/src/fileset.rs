//! The evidence files cargo-cra writes beside what it builds, and the predicate types of its
//! attestations — named here once, for the writers (`cargo cra build`, `cargo cra compose`) and
//! the verifier (`cargo cra verify`), so that they cannot drift apart.
//!
//! A binary `hello-device` gets `hello-device.cdx.json`, `hello-device.provenance.json` and,
//! signed, `hello-device.sigstore.json`, `hello-device.cdx.sigstore.json` and
//! `hello-device.provenance.sigstore.json`. An image `gateway` keeps its documents under its
//! name (`gateway.cdx.json`, …) beside its artefacts (`gateway.squashfs`, `gateway.oci.tar`),
//! each artefact with its own `<file>.sigstore.json`.

/// `predicateType` of SBOM attestations.
pub const CYCLONEDX_PREDICATE_TYPE: &str = "https://cyclonedx.org/bom";

/// `predicateType` of provenance attestations (SLSA Provenance v1).
pub const PROVENANCE_PREDICATE_TYPE: &str = crate::evidence::slsa::PREDICATE_TYPE;

/// `predicateType` of the statement binding a squashfs image to its dm-verity root hash.
pub const VERITY_PREDICATE_TYPE: &str =
    "https://github.com/cargo-cra/cargo-cra/blob/main/docs/verity-v1.md";

/// `predicateType` of OpenVEX attestations (the OpenVEX context).
pub const OPENVEX_PREDICATE_TYPE: &str = "https://openvex.dev/ns/v0.2.0";

/// `predicateType` of CSAF attestations (the CSAF 2.0 JSON schema).
pub const CSAF_PREDICATE_TYPE: &str =
    "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json";

/// `predicateType` of the technical file's attestation (its subjects: the technical file and
/// every file it lists).
pub const TECHNICAL_FILE_PREDICATE_TYPE: &str =
    "https://github.com/cargo-cra/cargo-cra/blob/main/docs/technical-file-v1.md";

/// Prefix of the SBOM subject's properties that record the product table's declarations
/// (`cargo-cra:product:<key>`, keys as in the table).
pub const PRODUCT_PROPERTY_PREFIX: &str = "cargo-cra:product:";

/// The signature bundle of the file named `file_name`: `<file_name>.sigstore.json`.
pub fn signature_bundle(file_name: &str) -> String {
    format!("{file_name}.sigstore.json")
}

/// The documents of one subject (a binary, or an image), named after its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documents {
    stem: String,
}

impl Documents {
    /// The documents of the binary or image named `stem`.
    pub fn of(stem: impl Into<String>) -> Documents {
        Documents { stem: stem.into() }
    }

    fn named(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.stem)
    }

    /// The CycloneDX SBOM: `<stem>.cdx.json`.
    pub fn sbom(&self) -> String {
        self.named(".cdx.json")
    }

    /// The SLSA provenance statement: `<stem>.provenance.json`.
    pub fn provenance(&self) -> String {
        self.named(".provenance.json")
    }

    /// The audit report of an image's vulnerability gate (`compose --audit`):
    /// `<stem>.audit.json`, as `cargo cra audit --json` writes it.
    pub fn audit_report(&self) -> String {
        self.named(".audit.json")
    }

    /// The SBOM attestation: `<stem>.cdx.sigstore.json`.
    pub fn sbom_bundle(&self) -> String {
        signature_bundle(&self.named(".cdx"))
    }

    /// The provenance attestation: `<stem>.provenance.sigstore.json`.
    pub fn provenance_bundle(&self) -> String {
        signature_bundle(&self.named(".provenance"))
    }

    /// The verity attestation of an image: `<stem>.verity.sigstore.json`.
    pub fn verity_bundle(&self) -> String {
        signature_bundle(&self.named(".verity"))
    }

    /// The signature of an image's OCI manifest: `<stem>.manifest.sigstore.json`.
    pub fn manifest_bundle(&self) -> String {
        signature_bundle(&self.named(".manifest"))
    }

    /// An image's dm-verity root hash, hex: `<stem>.roothash`.
    pub fn roothash(&self) -> String {
        self.named(".roothash")
    }

    /// An image's squashfs file: `<stem>.squashfs`.
    pub fn squashfs(&self) -> String {
        self.named(SQUASHFS_SUFFIX)
    }

    /// An image's OCI archive: `<stem>.oci.tar`.
    pub fn oci_archive(&self) -> String {
        self.named(OCI_ARCHIVE_SUFFIX)
    }

    /// An image's RAUC bundle: `<stem>.raucb`.
    pub fn rauc_bundle(&self) -> String {
        self.named(RAUC_BUNDLE_SUFFIX)
    }
}

const SQUASHFS_SUFFIX: &str = ".squashfs";
const OCI_ARCHIVE_SUFFIX: &str = ".oci.tar";
const RAUC_BUNDLE_SUFFIX: &str = ".raucb";

/// What kind of image artefact a file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageArtifact {
    /// `<stem>.squashfs`.
    Squashfs,
    /// `<stem>.oci.tar`.
    OciArchive,
    /// `<stem>.raucb`: a RAUC update bundle of the squashfs image.
    RaucBundle,
}

/// The image stem and kind of an image artefact's file name (`gateway.squashfs` → `gateway`);
/// `None` for any other file.
pub fn image_artifact(file_name: &str) -> Option<(&str, ImageArtifact)> {
    if let Some(stem) = file_name.strip_suffix(SQUASHFS_SUFFIX) {
        return Some((stem, ImageArtifact::Squashfs));
    }
    if let Some(stem) = file_name.strip_suffix(RAUC_BUNDLE_SUFFIX) {
        return Some((stem, ImageArtifact::RaucBundle));
    }
    file_name
        .strip_suffix(OCI_ARCHIVE_SUFFIX)
        .map(|stem| (stem, ImageArtifact::OciArchive))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_the_stem_and_its_suffix() {
        let d = Documents::of("gw");
        assert_eq!(
            [
                d.sbom(),
                d.provenance(),
                d.sbom_bundle(),
                d.provenance_bundle(),
                d.verity_bundle(),
                d.manifest_bundle(),
                d.roothash(),
                d.squashfs(),
                d.oci_archive(),
            ],
            [
                "gw.cdx.json",
                "gw.provenance.json",
                "gw.cdx.sigstore.json",
                "gw.provenance.sigstore.json",
                "gw.verity.sigstore.json",
                "gw.manifest.sigstore.json",
                "gw.roothash",
                "gw.squashfs",
                "gw.oci.tar",
            ]
        );
        assert_eq!(signature_bundle("gw.squashfs"), "gw.squashfs.sigstore.json");
        assert_eq!(
            image_artifact(&d.oci_archive()),
            Some(("gw", ImageArtifact::OciArchive))
        );
        assert_eq!(image_artifact("gw"), None);
    }
}
