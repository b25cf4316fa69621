//! The end-to-end tests of `cargo cra`: one test binary (one link), a module per concern, as
//! cargo's own `tests/testsuite` is laid out. Shared helpers are in `common`.

mod audit;
mod bad_input;
mod build_sbom;
mod build_signed;
mod ci_recipes;
mod closed_pipe;
mod common;
mod compose;
mod compose_arch;
mod compose_bad_input;
mod dependency_list;
mod docs;
mod fresh_clone;
mod fuzz_corpus;
mod hardening;
mod help;
mod hostile_project;
mod init;
mod keyless;
mod module_graph;
mod push;
mod quick_start;
mod rauc;
mod reproducible;
mod sbom_corpus;
mod sbom_exact;
mod signing;
mod spdx;
mod squashfs;
mod tr03183;
mod verify_bundle;
