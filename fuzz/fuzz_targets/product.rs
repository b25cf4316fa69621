#![no_main]
//! Fuzz target `product`: see `cra_composer::fuzzing::product`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cra_composer::fuzzing::product(data));
