//! Entry points for the fuzz targets under `fuzz/` and for replaying their corpora in
//! `cargo test` (on stable). Each takes arbitrary bytes and panics only on a bug: a crash, or a
//! property that must hold for every input (one-line errors).

use crate::recipe::Recipe;
use crate::tree::RootFs;
use std::path::Path;

/// A recipe, as `cargo cra compose` reads one: parse and validate; on success, everything
/// derived from the recipe without reading the host (outputs, warnings, the user it runs as,
/// and, when it has no host sources, the whole root filesystem with `/etc/passwd`).
pub fn recipe(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let recipe = match Recipe::parse(Path::new("fuzz.toml"), text) {
        Ok(r) => r,
        Err(e) => return assert_one_line(&e.to_string()),
    };
    let _ = recipe.run_as();
    for w in crate::compose::warnings(&recipe) {
        assert_one_line(&w);
    }
    assert!(recipe.output.oci.is_some() || recipe.output.squashfs.is_some());
    if recipe.files.is_empty() {
        match RootFs::check(&recipe) {
            Ok(fs) => assert!(
                fs.entries
                    .keys()
                    .all(|p| !p.starts_with('/') && !p.contains("//"))
            ),
            Err(e) => assert_one_line(&e.to_string()),
        }
    }
}

/// A product table (`[product]`, `[package.metadata.cra]`), as the recipe and manifest readers
/// check one: errors are one line; a table that passes travels through the SBOM's
/// `cargo-cra:product:*` properties and comes back the same (its files aside, which do not
/// travel). Files are named beneath a directory that does not exist, so nothing is read.
pub fn product(data: &[u8]) {
    use cra_model::product::{Product, RawProduct};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let raw: RawProduct = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => return assert_one_line(e.message()),
    };
    let product = match Product::from_raw(raw, Path::new("/nonexistent/cargo-cra-fuzz")) {
        Ok(p) => p,
        Err(e) => return assert_one_line(&e.message),
    };
    let props = product.declarations();
    let back = Product::from_declarations(props.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .expect("recorded declarations read back");
    let mut expected = product;
    expected.texts = Default::default();
    expected.vex = Vec::new();
    assert_eq!(back, expected, "declarations survive the SBOM");
}

fn assert_one_line(message: &str) {
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "an error must be one line: {message:?}"
    );
}
