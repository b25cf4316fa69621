//! cra-composer's integration tests: one test binary, a module per concern.

mod example_recipes;
mod fuzz_corpus;
mod recipe_schema;
