//! cra-attest's integration tests: one test binary, a module per concern.

mod algorithms;
mod cms;
mod fuzz_corpus;
