//! Sigstore bundles (<https://github.com/sigstore/protobuf-specs>, `dev.sigstore.bundle.v1`) in
//! their protobuf-JSON form, and the DSSE envelopes inside them.
//!
//! cargo-cra writes bundle v0.3 (`application/vnd.dev.sigstore.bundle.v0.3+json`) and reads
//! v0.1–v0.3. 64-bit integers are written as JSON strings (protobuf's JSON mapping) and read
//! from strings or numbers. Empty lists that verifiers expect (`tlogEntries`) are written even
//! when empty.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Media type of the bundles cargo-cra writes.
pub(crate) const MEDIA_TYPE_V03: &str = cra_model::media::SIGSTORE_BUNDLE_V03;
/// `payloadType` of DSSE envelopes holding in-toto statements.
pub(crate) const IN_TOTO_PAYLOAD_TYPE: &str = cra_model::media::IN_TOTO_PAYLOAD_TYPE;

/// A Sigstore bundle: verification material plus one signed thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bundle {
    /// Identifies the bundle format version.
    pub media_type: String,
    /// Key hint or certificate, transparency-log entries, timestamps.
    pub verification_material: VerificationMaterial,
    /// A signature over an artefact's bytes (blob signing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<MessageSignature>,
    /// A DSSE envelope (attestations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<Envelope>,
}

/// How to verify the signature, and the evidence that it was logged or timestamped.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerificationMaterial {
    /// A managed key, named by a hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) public_key: Option<PublicKeyIdentifier>,
    /// The signing certificate (v0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<X509Certificate>,
    /// The signing certificate and its chain (v0.1/v0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) x509_certificate_chain: Option<X509CertificateChain>,
    /// Transparency-log entries for the signature.
    #[serde(default)]
    pub tlog_entries: Vec<TransparencyLogEntry>,
    /// RFC 3161 timestamps over the signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_verification_data: Option<TimestampVerificationData>,
}

/// Names the public key that verifies the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublicKeyIdentifier {
    /// Opaque hint (cargo-cra: base64 SHA-256 of the DER SPKI).
    #[serde(default)]
    pub(crate) hint: String,
}

/// One DER certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct X509Certificate {
    /// DER bytes, base64.
    pub raw_bytes: String,
}

/// A certificate chain, leaf first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct X509CertificateChain {
    /// The certificates.
    #[serde(default)]
    pub(crate) certificates: Vec<X509Certificate>,
}

/// RFC 3161 timestamps.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimestampVerificationData {
    /// Signed timestamp tokens.
    #[serde(default)]
    pub rfc3161_timestamps: Vec<Rfc3161Timestamp>,
}

/// One RFC 3161 timestamp token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rfc3161Timestamp {
    /// DER `TimeStampResp` token, base64.
    pub signed_timestamp: String,
}

/// An entry in a transparency log (Rekor).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransparencyLogEntry {
    /// Index of the entry in the log.
    #[serde(with = "int64")]
    pub log_index: i64,
    /// Which log.
    pub(crate) log_id: LogId,
    /// Entry kind and version, such as `hashedrekord` `0.0.1`.
    pub kind_version: KindVersion,
    /// When the log integrated the entry (Unix seconds); 0 when unknown.
    #[serde(default, with = "int64")]
    pub integrated_time: i64,
    /// The log's signed promise to include the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) inclusion_promise: Option<InclusionPromise>,
    /// Proof that the entry is in the log's Merkle tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) inclusion_proof: Option<InclusionProof>,
    /// The entry body as the log stores it, base64.
    #[serde(default)]
    pub(crate) canonicalized_body: String,
}

/// Identifies a log by the SHA-256 of its public key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct LogId {
    /// Key id, base64.
    pub(crate) key_id: String,
}

/// Kind and version of a log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindVersion {
    /// Entry type, such as `hashedrekord` or `dsse`.
    pub kind: String,
    /// Entry type version, such as `0.0.1`.
    pub version: String,
}

/// Signed entry timestamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct InclusionPromise {
    /// The log's signature, base64.
    pub(crate) signed_entry_timestamp: String,
}

/// RFC 6962 inclusion proof with the log's checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct InclusionProof {
    /// Index of the leaf (always written, even when 0).
    #[serde(with = "int64")]
    pub log_index: i64,
    /// Root hash of the tree, base64.
    pub(crate) root_hash: String,
    /// Size of the tree.
    #[serde(with = "int64")]
    pub(crate) tree_size: i64,
    /// Audit path, base64 hashes.
    #[serde(default)]
    pub hashes: Vec<String>,
    /// Signed checkpoint (a signed note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) checkpoint: Option<Checkpoint>,
}

/// A signed note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Checkpoint {
    /// The note text with its signature lines.
    pub(crate) envelope: String,
}

/// A signature over an artefact's digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageSignature {
    /// The digest that was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<HashOutput>,
    /// The signature, base64.
    pub signature: String,
}

/// A digest with its algorithm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashOutput {
    /// Algorithm, such as `SHA2_256`.
    pub algorithm: String,
    /// Digest, base64.
    pub digest: String,
}

/// A DSSE envelope (<https://github.com/secure-systems-lab/dsse>).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Envelope {
    /// The signed payload, base64.
    pub payload: String,
    /// Media type of the payload.
    pub payload_type: String,
    /// Signatures over the PAE of type and payload.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// Signature, base64.
    pub sig: String,
    /// Key id (cargo-cra leaves it empty).
    #[serde(default)]
    pub keyid: String,
}

/// DSSE pre-authentication encoding: what is actually signed.
///
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

impl Bundle {
    /// The bundle as pretty JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("a bundle always serialises");
        v.push(b'\n');
        v
    }
}

/// protobuf-JSON int64: written as a string, read from a string or a number.
mod int64 {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Int {
            S(String),
            N(i64),
        }
        match Int::deserialize(d)? {
            Int::N(n) => Ok(n),
            Int::S(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_specification_example() {
        // The worked example of the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn int64_fields_are_strings_and_zero_is_written() {
        let proof = InclusionProof {
            log_index: 0,
            root_hash: "AA==".into(),
            tree_size: 1,
            hashes: vec![],
            checkpoint: None,
        };
        let json = serde_json::to_value(&proof).unwrap();
        assert_eq!(json["logIndex"], "0");
        assert_eq!(json["treeSize"], "1");
        let back: InclusionProof =
            serde_json::from_str(r#"{"logIndex": 7, "rootHash": "AA==", "treeSize": "9"}"#)
                .unwrap();
        assert_eq!((back.log_index, back.tree_size), (7, 9));
    }

    #[test]
    fn reads_every_conformance_bundle_layout() {
        // Third-party bundles of v0.1, v0.2 and v0.3 parse with this strict model.
        let cases = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/third-party/sigstore-bundles/cases");
        let mut read = 0;
        for entry in
            std::fs::read_dir(&cases).unwrap_or_else(|e| panic!("{}: {e}", cases.display()))
        {
            let path = entry.unwrap().path().join("bundle.sigstore.json");
            let name = path
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if name.starts_with("bundle-unknown-version")
                || name.starts_with("bundle-malformed-json")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let b: Bundle = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                b.message_signature.is_some() != b.dsse_envelope.is_some(),
                "{name}"
            );
            read += 1;
        }
        assert!(read >= 40, "read {read} bundles");
    }
}
