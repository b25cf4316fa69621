//! Replays the `recipe` fuzz target's corpus and every input that ever crashed it
//! (`fuzz/seeds/recipe`, `fuzz/corpus/recipe`, `fuzz/regressions/recipe`) through the same harness, on stable.

use std::path::Path;

#[test]
fn the_recipe_corpus_and_past_crashes_replay_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for dir in ["seeds/recipe", "corpus/recipe", "regressions/recipe"] {
        for entry in std::fs::read_dir(fuzz.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".gitkeep") {
                continue;
            }
            cra_composer::fuzzing::recipe(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    assert!(n >= 3, "the corpus is missing: only {n} inputs");
}

#[test]
fn the_seed_recipes_are_valid() {
    // The seeds must reach past parsing, or the fuzzer starts from nothing.
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/recipe");
    for name in ["every-kind.toml", "rich.toml"] {
        let text = std::fs::read_to_string(fuzz.join(name)).unwrap();
        cra_composer::recipe::Recipe::parse(Path::new(name), &text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_product_corpus_and_past_crashes_replay_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for dir in ["seeds/product", "corpus/product", "regressions/product"] {
        for entry in std::fs::read_dir(fuzz.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".gitkeep") {
                continue;
            }
            cra_composer::fuzzing::product(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    assert!(n >= 2, "the corpus is missing: only {n} inputs");
}
