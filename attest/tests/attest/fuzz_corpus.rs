//! Replays each fuzz target's corpus and every input that ever crashed it
//! (`fuzz/seeds/<target>`, `fuzz/corpus/<target>`, `fuzz/regressions/<target>`) through the same harness, on stable.

use std::path::Path;

fn replay(target: &str, harness: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for dir in [
        format!("seeds/{target}"),
        format!("corpus/{target}"),
        format!("regressions/{target}"),
    ] {
        for entry in std::fs::read_dir(fuzz.join(&dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".gitkeep") {
                continue;
            }
            harness(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    assert!(n >= 1, "the {target} corpus is missing");
}

#[test]
fn bundles() {
    replay("bundle", cra_attest::fuzzing::bundle);
}

#[test]
fn cosign_keys() {
    replay("cosign_key", cra_attest::fuzzing::cosign_key);
}

#[test]
fn trusted_roots() {
    replay("trusted_root", cra_attest::fuzzing::trusted_root);
}

#[test]
fn sboms() {
    replay("sbom", cra_attest::fuzzing::sbom);
}

#[test]
fn the_seed_bundles_verify_with_the_fuzzing_key() {
    // Seeds that verify let the fuzzer reach every check; a seed that stops early is useless.
    use cra_attest::sigstore::verify::{Artifact, Policy, verify_bundle};
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/bundle");
    let key =
        cra_attest::sigstore::algorithm::VerifyingKey::from_pem(cra_attest::fuzzing::BUNDLE_KEY)
            .unwrap();
    let artifact = Artifact {
        sha256: cra_attest::digest::sha256(cra_attest::fuzzing::BUNDLE_ARTIFACT),
        bytes: Some(cra_attest::fuzzing::BUNDLE_ARTIFACT.to_vec()),
    };
    let root = cra_attest::sigstore::trust::TrustedRoot::public_good();
    for name in ["message-signature.json", "dsse.json"] {
        let json = std::fs::read(fuzz.join(name)).unwrap();
        verify_bundle(
            &json,
            &artifact,
            &Policy::Key(key.clone()),
            &root,
            1_780_000_000,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
