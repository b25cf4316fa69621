#![no_main]
//! Fuzz target `vex`: see `cargo_cra::fuzzing::vex`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cargo_cra::fuzzing::vex(data));
