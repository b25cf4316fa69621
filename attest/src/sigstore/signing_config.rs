//! Sigstore signing configuration (`application/vnd.dev.sigstore.signingconfig.v0.2+json`):
//! which Fulcio, Rekor and timestamp authorities to use, each with its API version and the
//! time window it serves.

use crate::sigstore::trust::TimeRange;
use serde::{Deserialize, Serialize};

/// A signing configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningConfig {
    /// Media type and version.
    pub media_type: String,
    /// Certificate authorities (Fulcio).
    #[serde(default)]
    pub(crate) ca_urls: Vec<Service>,
    /// OIDC providers (for interactive sign-in; cargo-cra takes tokens from CI or flags).
    #[serde(default)]
    pub(crate) oidc_urls: Vec<Service>,
    /// Transparency logs (Rekor).
    #[serde(default)]
    pub(crate) rekor_tlog_urls: Vec<Service>,
    /// Timestamp authorities.
    #[serde(default)]
    pub(crate) tsa_urls: Vec<Service>,
    /// How many logs to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rekor_tlog_config: Option<Selector>,
    /// How many timestamp authorities to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tsa_config: Option<Selector>,
}

/// One service endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Service {
    /// Base URL.
    pub url: String,
    /// Major API version the endpoint speaks.
    pub(crate) major_api_version: u32,
    /// When the endpoint is to be used.
    pub(crate) valid_for: TimeRange,
    /// Who runs it.
    #[serde(default)]
    pub(crate) operator: String,
}

/// `ANY`, `ALL` or `EXACT` (with a count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// The selector.
    pub(crate) selector: String,
    /// For `EXACT`: how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) count: Option<u32>,
}

impl SigningConfig {
    /// Parses a signing configuration.
    pub fn from_json(text: &[u8]) -> Result<Self, String> {
        let c: SigningConfig = serde_json::from_slice(text)
            .map_err(|e| cra_model::input::printable(&e.to_string()))?;
        if !c
            .media_type
            .starts_with(cra_model::media::SIGSTORE_SIGNING_CONFIG_PREFIX)
        {
            return Err(format!(
                "media type {:?} is not a Sigstore signing configuration",
                c.media_type
            ));
        }
        Ok(c)
    }

    /// The first Fulcio (API v1) valid at `now`.
    pub fn fulcio(&self, now: i64) -> Option<&str> {
        pick(&self.ca_urls, 1, now)
    }

    /// The first Rekor speaking API v1 (the version cargo-cra logs to) valid at `now`.
    pub fn rekor_v1(&self, now: i64) -> Option<&str> {
        pick(&self.rekor_tlog_urls, 1, now)
    }
}

fn pick(services: &[Service], version: u32, now: i64) -> Option<&str> {
    services
        .iter()
        .find(|s| s.major_api_version == version && s.valid_for.contains(now).unwrap_or(false))
        .map(|s| s.url.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_services_valid_now_with_the_spoken_api_version() {
        let c = SigningConfig::from_json(
            br#"{"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                "caUrls": [{"url": "https://old.example", "majorApiVersion": 1, "validFor": {"start": "2020-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z"}},
                           {"url": "https://fulcio.example", "majorApiVersion": 1, "validFor": {"start": "2021-01-01T00:00:00Z"}}],
                "rekorTlogUrls": [{"url": "https://rekor2.example", "majorApiVersion": 2, "validFor": {"start": "2021-01-01T00:00:00Z"}},
                                  {"url": "https://rekor.example", "majorApiVersion": 1, "validFor": {"start": "2021-01-01T00:00:00Z"}}],
                "rekorTlogConfig": {"selector": "ANY"}}"#,
        )
        .unwrap();
        assert_eq!(c.fulcio(1_700_000_000), Some("https://fulcio.example"));
        assert_eq!(c.rekor_v1(1_700_000_000), Some("https://rekor.example"));
        assert_eq!(c.fulcio(1_500_000_000), None);
        assert!(SigningConfig::from_json(br#"{"mediaType": "x"}"#).is_err());
        assert!(SigningConfig::from_json(br#"{"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json", "bogus": 1}"#).is_err());
    }
}
