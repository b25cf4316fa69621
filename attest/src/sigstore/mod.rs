//! Sigstore: the formats (bundles, trusted roots, signing configs), the keys and signature
//! algorithms, signing ([`sign`]: with a cosign key, or keyless) and offline verification
//! ([`verify`]). The services signing talks to are internal (`services`).

pub mod algorithm;
pub mod bundle;
pub mod keys;
pub(crate) mod services;
pub mod sign;
pub mod signing_config;
pub mod trust;
pub mod verify;
