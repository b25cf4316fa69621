//! The Sigstore services keyless signing talks to: HTTP with bounded answers, Rekor (v1 and
//! v2), and OIDC identity tokens.

pub mod http;
pub mod oidc;
pub mod rekor;

#[cfg(test)]
mod against_mock;
