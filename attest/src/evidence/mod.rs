//! The evidence documents cargo-cra writes: what is in an artefact, and how it was made.

pub mod cyclonedx;
pub mod intoto;
pub mod slsa;
pub mod source;
pub mod spdx23;
pub mod tr03183;
