//! in-toto Statement v1 (<https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md>).

use crate::digest::Digests;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `_type` of a v1 statement.
pub const STATEMENT_V1: &str = cra_model::media::IN_TOTO_STATEMENT_V1;

/// A statement: a predicate about some subjects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Statement {
    /// Always [`STATEMENT_V1`].
    #[serde(rename = "_type")]
    pub(crate) type_: String,
    /// The artefacts the predicate is about.
    pub subject: Vec<Subject>,
    /// URI saying what the predicate means.
    pub predicate_type: String,
    /// The claim itself.
    pub(crate) predicate: serde_json::Value,
}

/// An artefact, named and identified by digests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// A name for the artefact (cargo-cra: its file name).
    pub name: String,
    /// Algorithm (`sha256`, `sha512`) → lower-case hex digest.
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    /// A subject with SHA-256 and SHA-512 digests.
    pub fn new(name: impl Into<String>, digests: &Digests) -> Self {
        Subject {
            name: name.into(),
            digest: BTreeMap::from([
                ("sha256".to_string(), digests.sha256_hex()),
                ("sha512".to_string(), digests.sha512_hex()),
            ]),
        }
    }

    /// A subject with only a SHA-256 digest (for large artefacts, where a second digest would
    /// double the hashing time).
    pub fn sha256(name: impl Into<String>, sha256: &[u8; 32]) -> Self {
        Subject {
            name: name.into(),
            digest: BTreeMap::from([("sha256".to_string(), crate::digest::to_hex(sha256))]),
        }
    }
}

impl Statement {
    /// A v1 statement.
    pub fn new(
        subject: Vec<Subject>,
        predicate_type: impl Into<String>,
        predicate: serde_json::Value,
    ) -> Self {
        Statement {
            type_: STATEMENT_V1.into(),
            subject,
            predicate_type: predicate_type.into(),
            predicate,
        }
    }

    /// Writes a statement about `subject` with `predicate` (any serialisable value, so a large
    /// predicate need not be turned into a [`serde_json::Value`] first) as pretty JSON with a
    /// trailing newline: the same bytes [`Statement::to_json_pretty`] gives.
    pub fn write_pretty(
        w: &mut dyn std::io::Write,
        subject: &[Subject],
        predicate_type: &str,
        predicate: &impl Serialize,
    ) -> std::io::Result<()> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Borrowed<'a, P> {
            #[serde(rename = "_type")]
            type_: &'a str,
            subject: &'a [Subject],
            predicate_type: &'a str,
            predicate: &'a P,
        }
        serde_json::to_writer_pretty(
            &mut *w,
            &Borrowed {
                type_: STATEMENT_V1,
                subject,
                predicate_type,
                predicate,
            },
        )?;
        w.write_all(b"\n")
    }

    /// The statement as pretty JSON with a trailing newline (the unsigned file form).
    pub fn to_json_pretty(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("a statement always serialises");
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_statements_are_the_same_bytes() {
        let subject = vec![Subject::sha256("f", &[7; 32])];
        let predicate = serde_json::json!({"b": [1, 2], "a": {"x": "y"}});
        let mut streamed = Vec::new();
        Statement::write_pretty(&mut streamed, &subject, "https://t", &predicate).unwrap();
        let whole = Statement::new(subject, "https://t", predicate).to_json_pretty();
        assert_eq!(streamed, whole);
    }
}
