//! A Rekor v1 client: proposes `hashedrekord` (blob signatures) and `dsse` (attestations)
//! entries and turns the log's answer into a bundle's [`TransparencyLogEntry`].
//!
//! The caller must verify the returned entry ([`crate::sigstore::verify::tlog::verify_entry`]) before trusting
//! it or writing it into a bundle.

use crate::digest::to_hex;
use crate::sigstore::bundle::{
    Checkpoint, Envelope, InclusionPromise, InclusionProof, KindVersion, LogId,
    TransparencyLogEntry,
};
use crate::sigstore::services::http::{HttpClient, ServiceError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

/// The proposed entry for a signature over a blob with SHA-256 `digest`, verified by
/// `verifier_pem` (a PEM certificate or public key).
pub(crate) fn hashedrekord(digest: &[u8; 32], signature: &[u8], verifier_pem: &str) -> Value {
    json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": { "hash": { "algorithm": "sha256", "value": to_hex(digest) } },
            "signature": {
                "content": B64.encode(signature),
                "publicKey": { "content": B64.encode(verifier_pem) },
            },
        },
    })
}

/// The proposed entry for a DSSE envelope, verified by `verifier_pem`.
pub(crate) fn dsse(envelope: &Envelope, verifier_pem: &str) -> Value {
    json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "proposedContent": {
                "envelope": serde_json::to_string(envelope).expect("serialisable"),
                "verifiers": [B64.encode(verifier_pem)],
            },
        },
    })
}

/// A Rekor instance.
pub(crate) struct Rekor {
    base_url: String,
    http: HttpClient,
}

impl Rekor {
    /// A client for the Rekor at `base_url` (such as `https://rekor.sigstore.dev`).
    pub(crate) fn new(base_url: &str) -> Self {
        Rekor {
            base_url: base_url.trim_end_matches('/').to_string(),
            http: HttpClient::new("Rekor"),
        }
    }

    /// Submits `proposed` and returns the log's entry for it (not yet verified).
    pub(crate) fn create_entry(
        &self,
        proposed: &Value,
    ) -> Result<TransparencyLogEntry, ServiceError> {
        let url = format!("{}/api/v1/log/entries", self.base_url);
        let response = self.http.post_json(&url, proposed)?;
        let kind = proposed["kind"].as_str().unwrap_or_default();
        let version = proposed["apiVersion"].as_str().unwrap_or_default();
        entry_from_response(&response, kind, version).map_err(|m| self.http.bad_response(m))
    }
}

/// Converts Rekor's `{uuid: LogEntry}` answer into a bundle entry.
pub(crate) fn entry_from_response(
    response: &Value,
    kind: &str,
    version: &str,
) -> Result<TransparencyLogEntry, String> {
    let (_, entry) = response
        .as_object()
        .and_then(|o| o.iter().next())
        .ok_or("the answer is not a {uuid: entry} object")?;
    let int = |v: &Value, what: &str| v.as_i64().ok_or(format!("{what} is not an integer"));
    let hex32 = |s: &str, what: &str| {
        hex::decode(s)
            .ok()
            .filter(|b| b.len() == 32)
            .ok_or(format!("{what} is not a hex SHA-256"))
    };
    let body = entry["body"].as_str().ok_or("no body")?;
    let log_id = hex32(entry["logID"].as_str().ok_or("no logID")?, "logID")?;
    let verification = &entry["verification"];
    let inclusion_proof = match verification.get("inclusionProof") {
        Some(p) if !p.is_null() => Some(InclusionProof {
            log_index: int(&p["logIndex"], "inclusionProof.logIndex")?,
            root_hash: B64.encode(hex32(
                p["rootHash"].as_str().ok_or("no rootHash")?,
                "rootHash",
            )?),
            tree_size: int(&p["treeSize"], "inclusionProof.treeSize")?,
            hashes: p["hashes"]
                .as_array()
                .ok_or("no proof hashes")?
                .iter()
                .map(|h| {
                    h.as_str()
                        .ok_or("hash is not a string".to_string())
                        .and_then(|h| hex32(h, "proof hash"))
                })
                .map(|h| h.map(|b| B64.encode(b)))
                .collect::<Result<_, _>>()?,
            checkpoint: p["checkpoint"].as_str().map(|c| Checkpoint {
                envelope: c.to_string(),
            }),
        }),
        _ => None,
    };
    let inclusion_promise =
        verification["signedEntryTimestamp"]
            .as_str()
            .map(|s| InclusionPromise {
                signed_entry_timestamp: s.to_string(),
            });
    Ok(TransparencyLogEntry {
        log_index: int(&entry["logIndex"], "logIndex")?,
        log_id: LogId {
            key_id: B64.encode(log_id),
        },
        kind_version: KindVersion {
            kind: kind.into(),
            version: version.into(),
        },
        integrated_time: int(&entry["integratedTime"], "integratedTime")?,
        inclusion_promise,
        inclusion_proof,
        canonicalized_body: body.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_a_rekor_answer() {
        let answer = json!({"abc": {
            "body": "eyJ9", "integratedTime": 1700000000, "logID": "00".repeat(32), "logIndex": 12,
            "verification": {
                "inclusionProof": {"logIndex": 0, "treeSize": 1, "rootHash": "11".repeat(32), "hashes": [], "checkpoint": "c\n1\nx\n\n"},
                "signedEntryTimestamp": "AAAA"
            }
        }});
        let e = entry_from_response(&answer, "hashedrekord", "0.0.1").unwrap();
        assert_eq!(e.log_index, 12);
        assert_eq!(e.integrated_time, 1_700_000_000);
        assert_eq!(e.log_id.key_id, B64.encode([0u8; 32]));
        let p = e.inclusion_proof.unwrap();
        assert_eq!((p.log_index, p.tree_size), (0, 1));
        assert_eq!(p.root_hash, B64.encode([0x11u8; 32]));
        assert_eq!(e.inclusion_promise.unwrap().signed_entry_timestamp, "AAAA");
        assert!(entry_from_response(&json!([]), "k", "v").is_err());
        assert!(
            entry_from_response(&json!({"a": {"body": "x", "logID": "zz"}}), "k", "v").is_err()
        );
    }
}
