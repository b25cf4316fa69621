//! Transparency-log evidence: RFC 6962 Merkle inclusion proofs, signed-note checkpoints
//! (<https://github.com/C2SP/C2SP/blob/main/signed-note.md>) and Rekor signed entry timestamps.
//!
//! Each check fails closed with an error naming what did not hold.

use crate::sigstore::bundle::{InclusionProof, TransparencyLogEntry};
use crate::sigstore::trust::{LogInstance, TrustedRoot};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

/// Why a log entry is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlogError {
    /// No trusted log has the entry's log id.
    #[error("transparency log: entry names log {0}, which the trusted root does not list")]
    UnknownLog(String),
    /// A field is not what the format requires.
    #[error("transparency log: malformed entry: {0}")]
    Malformed(String),
    /// The signed entry timestamp does not verify.
    #[error("transparency log: signed entry timestamp (SET) does not verify with the log's key")]
    BadSet,
    /// The inclusion proof does not lead to the root hash.
    #[error("transparency log: inclusion proof does not verify (leaf {index} of {size})")]
    BadInclusionProof {
        /// Leaf index.
        index: i64,
        /// Tree size.
        size: i64,
    },
    /// The checkpoint is missing, malformed, unsigned by the log, or about another tree.
    #[error("transparency log: checkpoint: {0}")]
    BadCheckpoint(String),
    /// Neither a promise nor a proof of inclusion.
    #[error("transparency log: entry has no inclusion proof{0}")]
    NoInclusionEvidence(&'static str),
    /// The log's key was not valid when the entry was integrated.
    #[error("transparency log: the log's key was not valid at the entry's integration time {0}")]
    KeyNotValid(i64),
    /// The entry claims to be from the future.
    #[error("transparency log: integration time {0} is in the future")]
    FromTheFuture(i64),
}

/// RFC 6962 leaf hash: SHA-256(0x00 || leaf).
pub(crate) fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Verifies an RFC 6962 / RFC 9162 (section 2.1.3.2) inclusion proof of the leaf with hash
/// `leaf` at `index` in a tree of `size` leaves with root `root`.
pub(crate) fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: [u8; 32],
    path: &[[u8; 32]],
    root: &[u8; 32],
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = leaf;
    for p in path {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

fn decode32(what: &str, b64: &str) -> Result<[u8; 32], TlogError> {
    B64.decode(b64)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| TlogError::Malformed(format!("{what} is not a base64 SHA-256 hash")))
}

/// A parsed signed note (checkpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// The signed text: every body line with its newline.
    pub body: String,
    /// First line: the log's origin.
    pub(crate) origin: String,
    /// Second line: tree size.
    pub(crate) size: u64,
    /// Third line: root hash.
    pub(crate) root_hash: [u8; 32],
    /// Signature lines: signer name, and the 4-byte key hint with the signature.
    pub signatures: Vec<(String, Vec<u8>)>,
}

impl Checkpoint {
    /// Parses a signed note: body lines, a blank line, then `— <name> <base64>` lines.
    pub(crate) fn parse(envelope: &str) -> Result<Self, TlogError> {
        let bad = |m: &str| TlogError::BadCheckpoint(m.to_string());
        let split = envelope
            .find("\n\n")
            .ok_or_else(|| bad("no blank line before the signatures"))?;
        let body = &envelope[..=split];
        let mut lines = body.lines();
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad("no origin line"))?;
        let size = lines
            .next()
            .and_then(|l| l.parse::<u64>().ok())
            .ok_or_else(|| bad("second line is not a tree size"))?;
        let root_hash = lines
            .next()
            .ok_or_else(|| bad("no root hash line"))
            .and_then(|l| {
                decode32("checkpoint root hash", l)
                    .map_err(|_| bad("third line is not a base64 root hash"))
            })?;
        let mut signatures = Vec::new();
        for line in envelope[split + 2..].lines().filter(|l| !l.is_empty()) {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| bad("signature line does not start with an em dash"))?;
            let (name, sig) = rest
                .rsplit_once(' ')
                .ok_or_else(|| bad("signature line has no signature"))?;
            let sig = B64
                .decode(sig)
                .map_err(|_| bad("signature is not base64"))?;
            if sig.len() < 5 {
                return Err(bad("signature too short"));
            }
            signatures.push((name.to_string(), sig));
        }
        Ok(Checkpoint {
            body: body.to_string(),
            origin: origin.to_string(),
            size,
            root_hash,
            signatures,
        })
    }

    /// Checks that `log` signed this note: at least one signature line carries the log's key
    /// hint (the first 4 bytes of its key id), and every such line verifies. Lines by other
    /// signers (witnesses) are ignored.
    pub(crate) fn verify(&self, log: &LogInstance) -> Result<(), TlogError> {
        let key = log
            .key()
            .map_err(|e| TlogError::BadCheckpoint(e.to_string()))?;
        let mut hints = vec![B64.decode(&log.log_id.key_id).unwrap_or_default()];
        if let Some(c) = &log.checkpoint_key_id {
            hints.push(B64.decode(&c.key_id).unwrap_or_default());
        }
        let ours: Vec<&Vec<u8>> = self
            .signatures
            .iter()
            .map(|(_, sig)| sig)
            .filter(|sig| hints.iter().any(|h| h.len() >= 4 && sig[..4] == h[..4]))
            .collect();
        if ours.is_empty() {
            return Err(TlogError::BadCheckpoint(
                "no signature by the log's key".into(),
            ));
        }
        for sig in ours {
            if !key.verify(self.body.as_bytes(), &sig[4..]) {
                return Err(TlogError::BadCheckpoint(
                    "the log's signature does not verify".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Verifies an inclusion proof for `body` and its checkpoint signed by `log`.
pub(crate) fn verify_inclusion_proof(
    proof: &InclusionProof,
    body: &[u8],
    log: &LogInstance,
) -> Result<(), TlogError> {
    let (index, size) = (proof.log_index, proof.tree_size);
    if index < 0 || size < 0 {
        return Err(TlogError::Malformed(
            "negative log index or tree size".into(),
        ));
    }
    let root = decode32("root hash", &proof.root_hash)?;
    let path = proof
        .hashes
        .iter()
        .map(|h| decode32("inclusion proof hash", h))
        .collect::<Result<Vec<_>, _>>()?;
    if !verify_inclusion(index as u64, size as u64, leaf_hash(body), &path, &root) {
        return Err(TlogError::BadInclusionProof { index, size });
    }
    let cp = proof
        .checkpoint
        .as_ref()
        .ok_or_else(|| TlogError::BadCheckpoint("missing".into()))?;
    let cp = Checkpoint::parse(&cp.envelope)?;
    if cp.root_hash != root {
        return Err(TlogError::BadCheckpoint(
            "root hash differs from the inclusion proof's".into(),
        ));
    }
    if cp.size != size as u64 {
        return Err(TlogError::BadCheckpoint(
            "tree size differs from the inclusion proof's".into(),
        ));
    }
    cp.verify(log)
}

/// The bytes a Rekor signed entry timestamp signs: canonical JSON (RFC 8785: keys sorted, no
/// white space) of body, integration time, log id (hex) and log index.
pub(crate) fn set_payload(entry: &TransparencyLogEntry, log_id: &[u8]) -> Vec<u8> {
    let value = serde_json::json!({
        "body": entry.canonicalized_body,
        "integratedTime": entry.integrated_time,
        "logID": crate::digest::to_hex(log_id),
        "logIndex": entry.log_index,
    });
    // serde_json's map is ordered by key (no preserve_order feature), and to_vec is compact.
    serde_json::to_vec(&value).expect("serialisable")
}

/// What a verified entry establishes.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEntry {
    /// When the log integrated the entry, if the entry says so (Rekor v1).
    pub integrated_time: Option<i64>,
    /// The decoded canonicalized body.
    pub body: Vec<u8>,
    /// The trusted log the entry is in (its key's validity must cover the signing time).
    pub(crate) log: LogInstance,
}

/// Verifies a transparency-log entry against `root`: the log is trusted, and the entry carries a
/// verifying inclusion proof with a signed checkpoint and/or a verifying signed entry
/// timestamp (SET). With `require_proof` (bundle v0.2 and later) the inclusion proof is
/// mandatory. `now` bounds the integration time.
pub fn verify_entry(
    entry: &TransparencyLogEntry,
    root: &TrustedRoot,
    require_proof: bool,
    now: i64,
) -> Result<VerifiedEntry, TlogError> {
    let log_id = B64
        .decode(&entry.log_id.key_id)
        .map_err(|_| TlogError::Malformed("log id is not base64".into()))?;
    let log = root
        .tlog(&log_id)
        .ok_or_else(|| TlogError::UnknownLog(entry.log_id.key_id.clone()))?;
    let body = B64
        .decode(&entry.canonicalized_body)
        .map_err(|_| TlogError::Malformed("canonicalized body is not base64".into()))?;
    if body.is_empty() {
        return Err(TlogError::Malformed("empty canonicalized body".into()));
    }
    let integrated_time = (entry.integrated_time != 0).then_some(entry.integrated_time);
    if let Some(t) = integrated_time {
        if t > now + 60 {
            return Err(TlogError::FromTheFuture(t));
        }
        if !log
            .valid_at(t)
            .map_err(|e| TlogError::Malformed(e.to_string()))?
        {
            return Err(TlogError::KeyNotValid(t));
        }
    }
    match (&entry.inclusion_proof, require_proof) {
        (Some(proof), _) => verify_inclusion_proof(proof, &body, log)?,
        (None, true) => return Err(TlogError::NoInclusionEvidence("")),
        (None, false) if entry.inclusion_promise.is_none() => {
            return Err(TlogError::NoInclusionEvidence(" or promise"));
        }
        (None, false) => {}
    }
    if let Some(promise) = &entry.inclusion_promise {
        let sig = B64
            .decode(&promise.signed_entry_timestamp)
            .map_err(|_| TlogError::Malformed("SET is not base64".into()))?;
        let key = log.key().map_err(|e| TlogError::Malformed(e.to_string()))?;
        if !key.verify(&set_payload(entry, &log_id), &sig) {
            return Err(TlogError::BadSet);
        }
    }
    Ok(VerifiedEntry {
        integrated_time,
        body,
        log: log.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::case;

    fn check(name: &str) -> Result<VerifiedEntry, TlogError> {
        let (bundle, root) = case(name);
        let v03 = !bundle.media_type.ends_with("version=0.1");
        verify_entry(
            &bundle.verification_material.tlog_entries[0],
            &root,
            v03,
            2_000_000_000,
        )
    }

    #[test]
    fn real_log_entries_verify() {
        for name in [
            "happy-path-v0.1",
            "happy-path-v0.2",
            "happy-path-v0.3",
            "rekor2-happy-path",
            "rekor2-checkpoint-cosigned",
            "rekor2-checkpoint-two-sigs-cosigned",
            "rekor2-checkpoint-two-sigs-from-origin",
        ] {
            check(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn forged_log_evidence_is_rejected_naming_the_check() {
        for (name, expect) in [
            ("invalid-inclusion-proof_fail", "inclusion proof"),
            ("set-invalid-signature_fail", "signed entry timestamp"),
            ("invalid-checkpoint-signature_fail", "checkpoint"),
            ("checkpoint-wrong-roothash_fail", "checkpoint"),
            ("checkpoint-bad-keyhint_fail", "checkpoint"),
            ("rekor2-checkpoint-no-matching-signature_fail", "checkpoint"),
            ("rekor2-checkpoint-missing-log-signature_fail", "checkpoint"),
            ("rekor2-no-inclusion-proof_fail", "no inclusion proof"),
        ] {
            match check(name) {
                Ok(_) => panic!("{name} must fail"),
                Err(e) => assert!(e.to_string().contains(expect), "{name}: {e}"),
            }
        }
    }

    #[test]
    fn tampering_with_any_part_of_the_evidence_fails() {
        let (bundle, root) = case("happy-path-v0.3");
        let entry = &bundle.verification_material.tlog_entries[0];
        let flip = |s: &str| {
            let mut b = B64.decode(s).unwrap();
            b[0] ^= 1;
            B64.encode(b)
        };
        let mut e = entry.clone();
        e.canonicalized_body = flip(&e.canonicalized_body);
        assert!(
            verify_entry(&e, &root, true, 2_000_000_000).is_err(),
            "body"
        );
        let mut e = entry.clone();
        let p = e.inclusion_proof.as_mut().unwrap();
        p.hashes[3] = flip(&p.hashes[3]);
        assert!(matches!(
            verify_entry(&e, &root, true, 2_000_000_000),
            Err(TlogError::BadInclusionProof { .. })
        ));
        let mut e = entry.clone();
        e.integrated_time += 1;
        assert_eq!(
            verify_entry(&e, &root, true, 2_000_000_000),
            Err(TlogError::BadSet),
            "integrated time"
        );
        let mut e = entry.clone();
        let cp = e
            .inclusion_proof
            .as_mut()
            .unwrap()
            .checkpoint
            .as_mut()
            .unwrap();
        cp.envelope = cp.envelope.replacen("\n75408393\n", "\n75408394\n", 1);
        assert!(matches!(
            verify_entry(&e, &root, true, 2_000_000_000),
            Err(TlogError::BadCheckpoint(_))
        ));
        assert!(matches!(
            verify_entry(entry, &root, true, 1_600_000_000),
            Err(TlogError::FromTheFuture(_))
        ));
    }

    #[test]
    fn inclusion_proofs_for_every_leaf_of_small_trees() {
        // Build trees of 1..=9 leaves by RFC 6962's definition and prove every leaf.
        fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
            if leaves.len() == 1 {
                return leaves[0];
            }
            let k = leaves.len().next_power_of_two() / 2;
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
        fn path(leaves: &[[u8; 32]], m: usize) -> Vec<[u8; 32]> {
            if leaves.len() == 1 {
                return vec![];
            }
            let k = leaves.len().next_power_of_two() / 2;
            if m < k {
                let mut p = path(&leaves[..k], m);
                p.push(root(&leaves[k..]));
                p
            } else {
                let mut p = path(&leaves[k..], m - k);
                p.push(root(&leaves[..k]));
                p
            }
        }
        for n in 1..=9usize {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&[i as u8])).collect();
            let r = root(&leaves);
            for m in 0..n {
                let p = path(&leaves, m);
                assert!(
                    verify_inclusion(m as u64, n as u64, leaves[m], &p, &r),
                    "leaf {m} of {n}"
                );
                assert!(
                    !verify_inclusion(m as u64, n as u64, leaf_hash(b"other"), &p, &r),
                    "wrong leaf {m} of {n}"
                );
                if let Some(first) = p.first() {
                    let mut q = p.clone();
                    q[0] = node_hash(first, first);
                    assert!(
                        !verify_inclusion(m as u64, n as u64, leaves[m], &q, &r),
                        "altered path {m} of {n}"
                    );
                }
                assert!(
                    !verify_inclusion(n as u64, n as u64, leaves[m], &p, &r),
                    "index out of range"
                );
                if n > 1 {
                    assert!(
                        !verify_inclusion(((m + 1) % n) as u64, n as u64, leaves[m], &p, &r),
                        "wrong index"
                    );
                }
            }
        }
    }
}
