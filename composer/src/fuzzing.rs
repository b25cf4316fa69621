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

fn assert_one_line(message: &str) {
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "an error must be one line: {message:?}"
    );
}
