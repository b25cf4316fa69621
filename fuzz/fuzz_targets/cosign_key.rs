#![no_main]
//! Fuzz target `cosign_key`: see `cra_attest::fuzzing::cosign_key`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cra_attest::fuzzing::cosign_key(data));
