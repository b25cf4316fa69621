#![no_main]
//! Fuzz target `sbom`: see `cra_attest::fuzzing::sbom`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cra_attest::fuzzing::sbom(data));
