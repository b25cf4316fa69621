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

/// `predicateType` of SPDX 2.3 SBOM attestations (the in-toto SPDX predicate, version 2.3).
pub const SPDX23_PREDICATE_TYPE: &str = "https://spdx.dev/Document/v2.3";

/// `predicateType` of SPDX 3.0.1 SBOM attestations (the in-toto SPDX predicate, version 3.0.1).
pub const SPDX3_PREDICATE_TYPE: &str = "https://spdx.dev/Document/v3.0.1";

/// `predicateType` of provenance attestations (SLSA Provenance v1).
pub const PROVENANCE_PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";

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

/// The signature bundle of the file named `file_name`: `<file_name>.sigstore.json`.
pub fn signature_bundle(file_name: &str) -> String {
    format!("{file_name}{BUNDLE_SUFFIX}")
}

/// The file a signature bundle's name says it signs (`x.cdx.sigstore.json` → `x.cdx`, as
/// [`Documents::sbom_bundle`] names an attestation after its document without `.json`);
/// `None` for a name that is not a bundle's.
pub fn bundle_subject(file_name: &str) -> Option<&str> {
    file_name.strip_suffix(BUNDLE_SUFFIX)
}

/// The subject stem of an SBOM's file name (`gateway.cdx.json` → `gateway`); `None` for any
/// other file.
pub fn sbom_stem(file_name: &str) -> Option<&str> {
    file_name.strip_suffix(SBOM_SUFFIX)
}

/// The image stem of a manifest signature's file name (`gateway.manifest.sigstore.json` →
/// `gateway`).
pub fn manifest_bundle_stem(file_name: &str) -> Option<&str> {
    bundle_subject(file_name)?.strip_suffix(MANIFEST_SUFFIX)
}

/// The image stem of a dm-verity root hash file's name (`gateway.roothash` → `gateway`).
pub fn roothash_stem(file_name: &str) -> Option<&str> {
    file_name.strip_suffix(ROOTHASH_SUFFIX)
}

/// The dm-verity hash tree written beside an image file when it is not appended:
/// `<file_name>.verity`.
pub fn verity_hash_tree(file_name: &str) -> String {
    format!("{file_name}.verity")
}

/// The ELF section holding a binary's dependency list, as cargo-auditable names it (read by
/// `cargo audit bin`, rust-audit-info, trivy, grype, syft).
pub const DEPENDENCY_LIST_SECTION: &str = ".dep-v0";

/// The OCI image layout directory inside an image's output directory.
pub const OCI_LAYOUT_DIR: &str = "oci";

/// An OCI image layout's marker file…
pub const OCI_LAYOUT_FILE: &str = "oci-layout";

/// … and its content, as cargo-cra writes it.
pub const OCI_LAYOUT_CONTENT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// An OCI image layout's index of its images.
pub const OCI_INDEX_FILE: &str = "index.json";

/// Where an OCI image layout keeps the blob `sha256:<hex>`: `blobs/sha256/<hex>`.
pub fn oci_blob(hex: &str) -> std::path::PathBuf {
    std::path::Path::new("blobs").join("sha256").join(hex)
}

/// The directory of an image directory pulled from a registry that holds the Sigstore bundles
/// attached to the image which none of its own evidence files names (another artefact's
/// signature, a VEX statement): `referrers/sha256-<hex>.sigstore.json`.
pub const REFERRERS_DIR: &str = "referrers";

/// A cosign key pair written by `cargo cra keygen` with path prefix `prefix`: the encrypted
/// private key `<prefix>.key` and the public key `<prefix>.pub`.
pub fn key_pair(prefix: &str) -> (String, String) {
    (format!("{prefix}.key"), format!("{prefix}.pub"))
}

/// The suffix of the unit records the rustc wrapper writes beside each compiled crate in the
/// build directory (`<crate>-<hash>.cra-unit.json`).
pub const UNIT_RECORD_SUFFIX: &str = ".cra-unit.json";

/// The CRA documents `cargo cra docs` writes into its output directory.
pub mod docs {
    /// The technical file: every document and piece of evidence, with their digests.
    pub const TECHNICAL_FILE: &str = "technical-file.json";
    /// The auditor's report.
    pub const INDEX_HTML: &str = "index.html";
    /// The Annex II user information.
    pub const USER_INFORMATION: &str = "user-information.md";
    /// Its HTML rendering.
    pub const USER_INFORMATION_HTML: &str = "user-information.html";
    /// The Annex V draft.
    pub const DECLARATION: &str = "declaration-of-conformity.md";
    /// RFC 9116.
    pub const SECURITY_TXT: &str = "security.txt";
    /// The manufacturer's cybersecurity risk assessment, copied in.
    pub const RISK_ASSESSMENT: &str = "risk-assessment.md";
    /// The manufacturer's design, development and production text, copied in.
    pub const DESIGN_PROCESS: &str = "design-process.md";
    /// The manufacturer's vulnerability handling text, copied in.
    pub const VULNERABILITY_HANDLING: &str = "vulnerability-handling.md";
    /// The output directory's default name, inside the evidence directory.
    pub const DEFAULT_OUT: &str = "cra";
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
        self.named(SBOM_SUFFIX)
    }

    /// The SPDX 2.3 SBOM: `<stem>.spdx23.json`.
    pub fn spdx23(&self) -> String {
        self.named(".spdx23.json")
    }

    /// The SPDX 2.3 SBOM attestation: `<stem>.spdx23.sigstore.json`.
    pub fn spdx23_bundle(&self) -> String {
        signature_bundle(&self.named(".spdx23"))
    }

    /// The SPDX 3.0.1 SBOM (JSON-LD): `<stem>.spdx.json`.
    pub fn spdx3(&self) -> String {
        self.named(".spdx.json")
    }

    /// The SPDX 3.0.1 SBOM attestation: `<stem>.spdx.sigstore.json`.
    pub fn spdx3_bundle(&self) -> String {
        signature_bundle(&self.named(".spdx"))
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

    /// The statement binding an image's squashfs file to its dm-verity root hash:
    /// `<stem>.verity.json`.
    pub fn verity_statement(&self) -> String {
        self.named(VERITY_STATEMENT_SUFFIX)
    }

    /// The verity attestation of an image: `<stem>.verity.sigstore.json`.
    pub fn verity_bundle(&self) -> String {
        signature_bundle(&self.named(".verity"))
    }

    /// The signature of an image's OCI manifest: `<stem>.manifest.sigstore.json`.
    pub fn manifest_bundle(&self) -> String {
        signature_bundle(&self.named(MANIFEST_SUFFIX))
    }

    /// An image's dm-verity root hash, hex: `<stem>.roothash`.
    pub fn roothash(&self) -> String {
        self.named(ROOTHASH_SUFFIX)
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

const SBOM_SUFFIX: &str = ".cdx.json";
const BUNDLE_SUFFIX: &str = ".sigstore.json";
const VERITY_STATEMENT_SUFFIX: &str = ".verity.json";
const ROOTHASH_SUFFIX: &str = ".roothash";
const SQUASHFS_SUFFIX: &str = ".squashfs";
const OCI_ARCHIVE_SUFFIX: &str = ".oci.tar";
const MANIFEST_SUFFIX: &str = ".manifest";
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
