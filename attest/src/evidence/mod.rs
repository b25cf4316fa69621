//! The evidence documents cargo-cra writes: what is in an artefact, and how it was made.

pub mod cyclonedx;
pub mod intoto;
pub mod slsa;
pub mod source;
pub mod spdx23;
pub mod spdx3;
pub mod tr03183;

use cra_model::fileset::{self, Documents};

/// An SBOM format written besides CycloneDX, made from the CycloneDX document (so the two can
/// never disagree), signed as its own attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OtherSbom {
    /// SPDX 2.3 JSON (`<name>.spdx23.json`), as trivy and grype read it.
    Spdx23,
    /// SPDX 3.0.1 JSON-LD (`<name>.spdx.json`), the SPDX version BSI TR-03183-2 accepts.
    Spdx3,
}

impl OtherSbom {
    /// Every format, in the order they are written and checked.
    pub const ALL: [OtherSbom; 2] = [OtherSbom::Spdx23, OtherSbom::Spdx3];

    /// Its name in messages and verify's report.
    pub fn title(self) -> &'static str {
        match self {
            OtherSbom::Spdx23 => "SPDX 2.3",
            OtherSbom::Spdx3 => "SPDX 3.0.1",
        }
    }

    /// The document's file name.
    pub fn file(self, docs: &Documents) -> String {
        match self {
            OtherSbom::Spdx23 => docs.spdx23(),
            OtherSbom::Spdx3 => docs.spdx3(),
        }
    }

    /// The file name of its attestation's bundle.
    pub fn bundle(self, docs: &Documents) -> String {
        match self {
            OtherSbom::Spdx23 => docs.spdx23_bundle(),
            OtherSbom::Spdx3 => docs.spdx3_bundle(),
        }
    }

    /// Its attestation's in-toto predicate type.
    pub fn predicate_type(self) -> &'static str {
        match self {
            OtherSbom::Spdx23 => fileset::SPDX23_PREDICATE_TYPE,
            OtherSbom::Spdx3 => fileset::SPDX3_PREDICATE_TYPE,
        }
    }

    /// The format with this predicate type.
    pub fn of_predicate_type(predicate_type: &str) -> Option<OtherSbom> {
        OtherSbom::ALL
            .into_iter()
            .find(|f| f.predicate_type() == predicate_type)
    }

    /// The document, from the CycloneDX one, written by cargo-cra `tool_version`.
    pub fn write(self, bom: &cyclonedx::Bom, tool_version: &str) -> Vec<u8> {
        match self {
            OtherSbom::Spdx23 => spdx23::from_cyclonedx(bom, tool_version).to_json_pretty(),
            OtherSbom::Spdx3 => spdx3::from_cyclonedx(bom, tool_version).to_json_pretty(),
        }
    }
}
