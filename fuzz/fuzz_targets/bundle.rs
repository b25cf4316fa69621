#![no_main]
//! Fuzz target `bundle`: see `cra_attest::fuzzing::bundle`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cra_attest::fuzzing::bundle(data));
