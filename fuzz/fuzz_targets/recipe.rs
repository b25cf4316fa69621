#![no_main]
//! Fuzz target `recipe`: see `cra_composer::fuzzing::recipe`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| cra_composer::fuzzing::recipe(data));
