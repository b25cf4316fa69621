#![no_main]
//! Fuzz target `trusted_root`: see `cra_attest::fuzzing::trusted_root`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cra_attest::fuzzing::trusted_root(data));
