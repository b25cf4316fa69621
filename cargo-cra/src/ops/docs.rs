//! `cargo cra docs`: re-verify the evidence's signatures (as `cargo cra verify` does) while
//! the evidence is read, then write the CRA documents from both.

use crate::docs::{self, DocsError, DocsReport, DocsRequest, Verification, VerifyLine};
use crate::verifying::{self, TrustOptions, VerifyRequest};
use cra_attest::sigstore::sign::Signer;
use std::path::Path;

/// Writes the documents for `request`; with `signer`, attests the technical file.
pub fn run(request: &DocsRequest, signer: Option<&Signer>) -> Result<DocsReport, DocsError> {
    let (dir, out) = docs::locations(request)?;
    // Re-verifying the signatures (hashing the artefacts again, as `cargo cra verify` does)
    // runs while the evidence is read and hashed.
    let (evidence, verification) = std::thread::scope(|s| {
        let verifying = s.spawn(|| verify(&dir, request.trust.as_ref()));
        let evidence = docs::scan(&dir, &out);
        (
            evidence,
            verifying.join().expect("verification thread panicked"),
        )
    });
    docs::write_all(request, (dir, out), evidence?, &verification, signer)
}

/// Each signed artefact in `dir` verified as `cargo cra verify` does.
fn verify(dir: &Path, trust: Option<&TrustOptions>) -> Verification {
    let artefacts = docs::signed_artefacts(dir);
    let Some(trust) = trust else {
        return Verification {
            skipped: Some(
                "no trust given (--verify-key PUB, or --certificate-identity and --certificate-oidc-issuer)"
                    .into(),
            ),
            ..Default::default()
        };
    };
    if artefacts.is_empty() {
        return Verification {
            skipped: Some(
                "no signed artefact in the evidence (build or compose with --sign)".into(),
            ),
            ..Default::default()
        };
    }
    let mut lines = Vec::new();
    for artefact in artefacts {
        let name = artefact
            .strip_prefix(dir)
            .unwrap_or(&artefact)
            .display()
            .to_string();
        let request = VerifyRequest {
            artifact: artefact.clone(),
            trust: trust.clone(),
            allow_unsigned: false,
            json: false,
        };
        match verifying::verify_artifact(&request) {
            // A RAUC bundle's CMS signature needs the devices' keyring (--verify-keyring).
            Ok(checks) => lines.extend(
                checks
                    .into_iter()
                    .filter(|c| trust.keyring.is_some() || c.check != "RAUC signature")
                    .map(|c| VerifyLine {
                        artefact: name.clone(),
                        check: c.check,
                        result: c.status,
                        detail: c.detail,
                    }),
            ),
            Err(e) => lines.push(VerifyLine {
                artefact: name,
                check: "verification".into(),
                result: verifying::Status::Fail,
                detail: e.to_string(),
            }),
        }
    }
    Verification {
        lines,
        skipped: None,
        signer: trust.describe(),
    }
}
