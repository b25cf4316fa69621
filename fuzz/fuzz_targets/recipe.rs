#![no_main]
//! Fuzz target `recipe`: see `composer::fuzzing::recipe`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| composer::fuzzing::recipe(data));
