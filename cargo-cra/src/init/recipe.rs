//! The starting image recipe `cargo cra init --recipe` writes for a package's binaries:
//! static binaries run as an unprivileged user, a read-only squashfs with a dm-verity tree, and
//! an OCI archive. Checked by the recipe parser before anything is written.

use super::manifest::{fact_lines, quote};
use super::{Facts, InitError};
use crate::config::Table;
use cra_composer::recipe::Recipe;
use std::path::{Path, PathBuf};

/// The recipes to write, `(path, text)`: `recipes/<package>.toml` beside the workspace root
/// for the manifest's package, or for each member with binaries of a virtual workspace.
pub(super) fn plan(
    metadata: &cargo_metadata::Metadata,
    manifest: &Path,
    table: Table,
    facts: &Facts,
) -> Result<Vec<(PathBuf, String)>, InitError> {
    let root = metadata.workspace_root.as_std_path();
    let dir = root.join("recipes");
    real_dir(&dir)?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let packages: Vec<&cargo_metadata::Package> = metadata
        .workspace_packages()
        .into_iter()
        .filter(|p| p.targets.iter().any(|t| t.is_bin()))
        .filter(|p| {
            // The manifest's own package; every member for a workspace's table.
            table == Table::Workspace || same(p.manifest_path.as_std_path(), manifest)
        })
        .collect();
    if packages.is_empty() {
        return Err(InitError::Invalid(format!(
            "{}: no package with a binary target, so no recipe to write (--recipe images binaries)",
            manifest.display()
        )));
    }
    let mut out = Vec::new();
    for p in packages {
        let path = dir.join(format!("{}.toml", p.name));
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(InitError::Exists(format!("{} exists", path.display())));
        }
        let package_dir = p
            .manifest_path
            .parent()
            .map(|d| d.as_std_path())
            .unwrap_or(root);
        let app_path = pathdiff::diff_paths(package_dir, &dir).unwrap_or_else(|| "..".into());
        let text = recipe_text(p, &app_path, facts);
        Recipe::parse(&path, &text).map_err(|e| InitError::Invalid(e.to_string()))?;
        out.push((path, text));
    }
    Ok(out)
}

/// Whether `dir` is still to be created: it must be missing or a real directory, never a
/// symbolic link (a recipe is written only inside the project).
pub(super) fn real_dir(dir: &Path) -> Result<bool, InitError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(false),
        Ok(_) => Err(InitError::Invalid(format!(
            "{} is not a directory (a symbolic link is not followed)",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(source) => Err(super::io(dir, source)),
    }
}

/// The image's architecture: the build machine's (the device's is set in the recipe).
fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        "arm" => "arm",
        "riscv64" => "riscv64",
        _ => "amd64",
    }
}

/// An image name from a package name: lower case, `_` as `-`.
fn image_name(package: &str) -> String {
    package.to_ascii_lowercase().replace('_', "-")
}

fn recipe_text(p: &cargo_metadata::Package, app_path: &Path, facts: &Facts) -> String {
    let bins: Vec<&str> = p
        .targets
        .iter()
        .filter(|t| t.is_bin())
        .map(|t| t.name.as_str())
        .collect();
    let name = image_name(&p.name);
    let mut s = format!(
        "# Image recipe for {package}, written by `cargo cra init --recipe`. Every key:\n\
         # `cargo cra help recipe`. Compose it with `cargo cra compose recipes/{package}.toml`.\n\
         \n\
         [image]\n\
         name = {name}\n\
         version = {version}\n\
         # The device's architecture: amd64, arm64, arm or riscv64.\n\
         architecture = \"{arch}\"\n\
         \n\
         # The product facts the image's SBOM and CRA documents state (`compose --docs`).\n\
         [product]\n{facts}",
        package = p.name,
        name = quote(&name),
        version = quote(&p.version.to_string()),
        arch = host_architecture(),
        facts = fact_lines(facts),
    );
    for bin in &bins {
        s += &format!(
            "\n# Built with `cargo cra build` for the architecture's static musl target.\n\
             [[app]]\n\
             path = {path}\n\
             package = {package}\n\
             bin = {bin}\n\
             dest = {dest}\n",
            path = quote(&app_path.to_string_lossy()),
            package = quote(&p.name),
            bin = quote(bin),
            dest = quote(&format!("/usr/bin/{bin}")),
        );
    }
    s += &format!(
        "\n# Secure default: the app runs as an unprivileged user, never as root.\n\
         [[user]]\n\
         name = \"app\"\n\
         uid = 1000\n\
         gid = 1000\n\
         \n\
         [[group]]\n\
         name = \"app\"\n\
         gid = 1000\n\
         \n\
         [runtime]\n\
         entrypoint = [{entry}]\n\
         user = \"app\"\n\
         \n\
         # An OCI image archive (`{name}.oci.tar`), for container runtimes and registries.\n\
         [output.oci]\n\
         archive = true\n\
         \n\
         # The read-only root filesystem devices boot: squashfs with a dm-verity tree;\n\
         # `{name}.roothash` is what the boot chain trusts.\n\
         [output.squashfs]\n\
         compression = \"zstd\"\n\
         verity = true\n",
        entry = quote(&format!("/usr/bin/{}", bins[0])),
    );
    s
}
