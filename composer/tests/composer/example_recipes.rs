//! Every example recipe in `recipes/` parses and passes validation.

use cra_composer::recipe::Recipe;
use std::path::Path;

#[test]
fn every_example_recipe_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../recipes");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let recipe = Recipe::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !recipe.apps.is_empty(),
                "{}: an example image ships an app",
                path.display()
            );
            assert!(
                recipe.runtime.user.is_some(),
                "{}: examples run as a non-root user",
                path.display()
            );
            for app in &recipe.apps {
                let manifest = path.parent().unwrap().join(&*app.path).join("Cargo.toml");
                assert!(
                    manifest.exists(),
                    "{}: no {}",
                    path.display(),
                    manifest.display()
                );
            }
            n += 1;
        }
    }
    assert!(n >= 1, "no example recipes in {}", dir.display());
}
