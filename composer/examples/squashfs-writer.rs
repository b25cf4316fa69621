//! The squashfs writer alone: lays out a recipe's root filesystem (no apps) and writes it as
//! squashfs, without SBOM, provenance or dm-verity. `bench/squashfs.sh` runs it against
//! mksquashfs on the same tree, so the comparison is writer against writer.
//!
//! Usage: squashfs-writer RECIPE OUT

use cra_composer::progress::Silent;
use cra_composer::recipe::Recipe;
use cra_composer::squashfs::{SquashfsOptions, write_squashfs};
use cra_composer::tree::RootFs;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, recipe, out] = args.as_slice() else {
        return Err("usage: squashfs-writer RECIPE OUT".into());
    };
    let recipe = Recipe::load(recipe.as_ref())?;
    let sq = recipe
        .output
        .squashfs
        .clone()
        .ok_or("the recipe has no [output.squashfs]")?;
    let compressor = sq.compressor;
    let fs = RootFs::from_recipe(&recipe, &[])?;
    let image = write_squashfs(
        &fs,
        SquashfsOptions {
            compressor,
            block_size: sq.block_size,
            mtime: 0,
            store_data: false,
        },
        out.as_ref(),
        &Silent,
    )?;
    println!("{} bytes, {} inodes", image.size, image.inodes);
    Ok(())
}
