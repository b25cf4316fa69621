//! cra-composer's integration tests: one test binary, a module per concern.

mod base_dpkg;
mod example_recipes;
mod fuzz_corpus;
mod recipe_schema;
