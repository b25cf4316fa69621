//! The image's CycloneDX 1.7 SBOM: the image as `metadata.component` (type `container`, with
//! the manifest digest), every app with the full component graph of its own SBOM, and every
//! other file as a `file` component with its SHA-256.
//!
//! Apps and files are identified by their path in the image (`bom-ref` `/usr/bin/app`); crates
//! keep their package-URL `bom-ref`s, so a crate linked into two apps is one component with
//! both apps depending on it.

use crate::error::ComposeError;
use crate::recipe::Recipe;
use crate::tree::{BuiltApp, Content, Kind, Origin, RootFs, app_dest};
use cra_attest::evidence::cyclonedx::{
    Bom, Component, ComponentType, Composition, Dependency, Hash, Lifecycle, Metadata, Property,
    Tools,
};
use std::collections::{BTreeMap, BTreeSet};

/// What the image SBOM is made from.
pub(crate) struct ImageSbomInput<'a> {
    /// The recipe.
    pub recipe: &'a Recipe,
    /// The root filesystem.
    pub fs: &'a RootFs,
    /// The apps, one per `[[app]]`.
    pub apps: &'a [BuiltApp],
    /// SHA-256 of each file in the image (relative path → digest), as written into the layer.
    pub file_digests: &'a BTreeMap<String, [u8; 32]>,
    /// SHA-256 of the OCI image manifest, when an OCI image was written.
    pub manifest_digest: Option<[u8; 32]>,
    /// The squashfs image, when one was written.
    pub squashfs: Option<SquashfsFacts>,
    /// RFC 3339 time (`SOURCE_DATE_EPOCH`).
    pub timestamp: String,
}

/// What the SBOM records about a squashfs image.
#[derive(Debug, Clone)]
pub(crate) struct SquashfsFacts {
    /// File name of the image.
    pub file: String,
    /// SHA-256 of the image file as written.
    pub sha256: [u8; 32],
    /// The dm-verity root hash, when a tree was written.
    pub verity_root_hash: Option<[u8; 32]>,
}

/// The package URL of an OCI image (<https://github.com/package-url/purl-spec>, type `oci`).
pub(crate) fn image_purl(name: &str, manifest_digest: &[u8; 32], arch: &str, tag: &str) -> String {
    format!(
        "pkg:oci/{name}@sha256%3A{}?arch={arch}&tag={tag}",
        cra_attest::digest::to_hex(manifest_digest)
    )
}

/// Builds the image SBOM, with its content-derived serial number set.
pub(crate) fn image_sbom(input: &ImageSbomInput<'_>) -> Result<Bom, ComposeError> {
    let recipe = input.recipe;
    let name = &*recipe.image.name;
    let arch = &recipe.image.architecture;
    let hex = cra_attest::digest::to_hex;
    let (purl, mut root) = match (&input.manifest_digest, &input.squashfs) {
        (Some(m), _) => {
            let purl = image_purl(name, m, arch, &recipe.image.version);
            let mut root = Component::new(ComponentType::Container, name.clone());
            root.purl = Some(purl.clone());
            root.hashes = vec![Hash::sha256(hex(m))];
            root.properties = vec![Property::new(
                cra_model::properties::IMAGE_MANIFEST_DIGEST,
                format!("sha256:{}", hex(m)),
            )];
            (purl, root)
        }
        (None, Some(sq)) => {
            let purl = format!(
                "pkg:generic/{name}@{}?checksum=sha256:{}",
                &recipe.image.version,
                hex(&sq.sha256)
            );
            let mut root = Component::new(ComponentType::Firmware, name.clone());
            root.purl = Some(purl.clone());
            root.hashes = vec![Hash::sha256(hex(&sq.sha256))];
            (purl, root)
        }
        (None, None) => {
            return Err(ComposeError::Format(
                "an image SBOM needs an OCI or squashfs output".into(),
            ));
        }
    };
    root.bom_ref = Some(purl.clone());
    root.version = Some(recipe.image.version.clone());
    root.properties.push(Property::new(
        cra_model::properties::IMAGE_ARCHITECTURE,
        arch,
    ));
    // Who the image runs as, and the accounts it has: facts the CRA documents state.
    let runtime_user = recipe.runtime.user.clone().unwrap_or_else(|| "0".into());
    root.properties.push(Property::new(
        cra_model::properties::IMAGE_RUNTIME_USER,
        runtime_user,
    ));
    for u in &recipe.users {
        root.properties.push(Property::new(
            cra_model::properties::IMAGE_USER,
            format!("{}:{}:{}", *u.name, u.uid, u.gid),
        ));
    }
    if let Some(sq) = &input.squashfs {
        root.properties.push(Property::new(
            cra_model::properties::SQUASHFS_FILE,
            sq.file.clone(),
        ));
        root.properties.push(Property::new(
            cra_model::properties::SQUASHFS_SHA256,
            hex(&sq.sha256),
        ));
        if let Some(r) = &sq.verity_root_hash {
            root.properties.push(Property::new(
                cra_model::properties::VERITY_ROOT_HASH,
                hex(r),
            ));
        }
    }

    // The recipe's product declarations travel in the signed SBOM (an auditor gets the image,
    // not the recipe).
    for (name, value) in recipe.product.declarations() {
        root.properties.push(Property::new(name, value));
    }

    let mut components: BTreeMap<String, Component> = BTreeMap::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut tools: BTreeMap<(String, Option<String>), Component> = BTreeMap::new();
    let cargo_cra = Component::cargo_cra_tool();
    tools.insert(("cargo-cra".into(), cargo_cra.version.clone()), cargo_cra);
    let mut manufacturer = recipe
        .product
        .manufacturer
        .as_ref()
        .map(cra_attest::evidence::cyclonedx::OrganizationalEntity::from);
    let mut compositions = vec![Composition {
        aggregate: "complete".into(),
        assemblies: vec![purl.clone()],
        dependencies: vec![purl.clone()],
    }];
    let mut top: BTreeSet<String> = BTreeSet::new();

    // A hard-linked file is one component; its other names are listed on it.
    let mut links: BTreeMap<&str, Vec<Property>> = input
        .fs
        .hardlinks()
        .into_iter()
        .map(|(file, names)| {
            let properties = names
                .iter()
                .map(|n| Property::new(cra_model::properties::IMAGE_HARD_LINK, format!("/{n}")))
                .collect();
            (file, properties)
        })
        .collect();
    for (path, entry) in &input.fs.entries {
        let Kind::File(_) = &entry.kind else { continue };
        let mut link_properties = links.remove(path.as_str()).unwrap_or_default();
        let mut image_path = format!("/{path}");
        if let Origin::App(i) = entry.origin {
            // An app keeps its recipe name; the name holding its data is then one of its others.
            let dest = app_dest(recipe, i);
            if dest != image_path {
                link_properties.retain(|p| p.value != dest);
                link_properties.insert(
                    0,
                    Property::new(cra_model::properties::IMAGE_HARD_LINK, &image_path),
                );
                image_path = dest;
            }
        }
        let digest = input
            .file_digests
            .get(path)
            .map(|d| cra_attest::digest::to_hex(d))
            .ok_or_else(|| ComposeError::Format(format!("{image_path}: no digest recorded")))?;
        top.insert(image_path.clone());
        match entry.origin {
            Origin::App(i) => {
                let built = &input.apps[i];
                let app_sbom = read_bom(&built.sbom)?;
                let Some(mut app) = app_sbom.metadata.component.clone() else {
                    return Err(ComposeError::AppSbom {
                        path: built.sbom.clone(),
                        message: "no metadata.component".into(),
                    });
                };
                if !app
                    .hashes
                    .iter()
                    .any(|h| h.alg == "SHA-256" && h.content == digest)
                {
                    return Err(ComposeError::AppSbom {
                        path: built.sbom.clone(),
                        message: format!("it does not describe the binary placed at {image_path}"),
                    });
                }
                if manufacturer.is_none() {
                    manufacturer = app_sbom.metadata.manufacturer.clone();
                }
                for t in app_sbom.metadata.tools.iter().flat_map(|t| &t.components) {
                    tools
                        .entry((t.name.clone(), t.version.clone()))
                        .or_insert_with(|| t.clone());
                }
                let old_ref = app.bom_ref.clone().unwrap_or_default();
                let rename = |r: &String| {
                    if *r == old_ref {
                        image_path.clone()
                    } else {
                        r.clone()
                    }
                };
                app.bom_ref = Some(image_path.clone());
                app.properties.push(Property::new(
                    cra_model::properties::IMAGE_PATH,
                    &image_path,
                ));
                app.properties.push(Property::new(
                    cra_model::properties::IMAGE_MODE,
                    format!("{:04o}", entry.mode),
                ));
                app.properties.extend(link_properties);
                app.properties.extend(xattr_properties(&entry.xattrs));
                components.insert(image_path.clone(), app);
                for c in app_sbom.components {
                    let r = c.bom_ref.clone().unwrap_or_else(|| c.name.clone());
                    components.entry(r).or_insert(c);
                }
                for d in &app_sbom.dependencies {
                    graph
                        .entry(rename(&d.reference))
                        .or_default()
                        .extend(d.depends_on.iter().map(rename));
                }
                for c in &app_sbom.compositions {
                    compositions.push(Composition {
                        aggregate: c.aggregate.clone(),
                        assemblies: c.assemblies.iter().map(rename).collect(),
                        dependencies: c.dependencies.iter().map(rename).collect(),
                    });
                }
            }
            _ => {
                let mut file = Component::new(ComponentType::File, image_path.clone());
                file.bom_ref = Some(image_path.clone());
                file.hashes = vec![Hash::sha256(digest)];
                file.properties = vec![
                    Property::new(
                        cra_model::properties::IMAGE_MODE,
                        format!("{:04o}", entry.mode),
                    ),
                    Property::new(
                        cra_model::properties::IMAGE_OWNER,
                        format!("{}:{}", entry.uid, entry.gid),
                    ),
                ];
                file.properties.extend(link_properties);
                file.properties.extend(xattr_properties(&entry.xattrs));
                if let Kind::File(Content::Host { path: host, .. }) = &entry.kind {
                    file.properties.extend(elf_mitigations(host));
                }
                if let Kind::File(Content::Host { path: host, .. }) = &entry.kind
                    && matches!(entry.origin, Origin::File(_))
                    && input.fs.in_repository(host).is_none()
                {
                    file.properties.push(Property::new(
                        cra_model::properties::IMAGE_SOURCE_OUTSIDE_REPOSITORY,
                        host.display().to_string(),
                    ));
                }
                if entry.origin == Origin::Accounts {
                    file.description = Some("generated from the recipe's users and groups".into());
                }
                graph.entry(image_path.clone()).or_default();
                components.insert(image_path, file);
            }
        }
    }
    graph.insert(purl.clone(), top);

    let mut bom = Bom::new(Metadata {
        timestamp: Some(input.timestamp.clone()),
        lifecycles: vec![Lifecycle {
            phase: "build".into(),
        }],
        tools: Some(Tools {
            components: tools.into_values().collect(),
        }),
        component: Some(root),
        manufacturer,
        supplier: None,
        properties: Vec::new(),
    });
    bom.components = components.into_values().collect();
    bom.dependencies = graph
        .into_iter()
        .map(|(reference, deps)| Dependency {
            reference,
            depends_on: deps.into_iter().collect(),
        })
        .collect();
    bom.compositions = compositions;
    bom.set_content_serial_number();
    Ok(bom)
}

/// `cargo-cra:image:capabilities` and `cargo-cra:image:xattr:NAME` properties.
fn xattr_properties(xattrs: &crate::xattrs::Xattrs) -> Vec<Property> {
    crate::xattrs::describe(xattrs)
        .into_iter()
        .map(|(k, v)| Property::new(cra_model::properties::image(&k), v))
        .collect()
}

fn read_bom(path: &std::path::Path) -> Result<Bom, ComposeError> {
    let bytes = std::fs::read(path).map_err(|e| ComposeError::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| ComposeError::AppSbom {
        path: path.to_path_buf(),
        message: cra_model::input::printable(&e.to_string()),
    })
}

/// The exploitation mitigations of the file at `path` when it is an ELF file (a binary the
/// recipe puts in the image), as SBOM properties; nothing for any other file.
fn elf_mitigations(path: &std::path::Path) -> Vec<Property> {
    use std::io::Read as _;
    let mut magic = [0u8; 4];
    let elf = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == *b"\x7fELF");
    // An ELF file larger than this gets no verdict rather than that much memory.
    const ELF_MAX: u64 = 1 << 30;
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= ELF_MAX);
    if !elf || !small {
        return Vec::new();
    }
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    match crate::hardening::Mitigations::of(&bytes) {
        Ok(m) => m
            .properties()
            .into_iter()
            .map(|(n, v)| Property::new(n, v))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An app whose data a hard link holds (its name sorts first) is still named by its recipe
    /// `dest`, with the link among its other names; its capabilities are listed.
    #[test]
    fn an_app_keeps_its_recipe_name_and_lists_its_links_and_capabilities() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("app"), b"\x7fELF app").unwrap();
        let digest = cra_attest::digest::to_hex(&cra_attest::digest::sha256(b"\x7fELF app"));
        let mut component = Component::new(ComponentType::Application, "app");
        component.hashes = vec![Hash::sha256(digest.clone())];
        let mut app_bom = Bom::new(Metadata {
            component: Some(component),
            ..Default::default()
        });
        app_bom.set_content_serial_number();
        let mut f = std::fs::File::create(dir.join("app.cdx.json")).unwrap();
        app_bom.write_pretty(&mut f).unwrap();
        let text = "[image]\nname = \"t\"\nversion = \"1\"\narchitecture = \"amd64\"\n\
            [[app]]\npath = \".\"\npackage = \"app\"\ndest = \"/usr/bin/app\"\n\
            capabilities = [\"net_bind_service\"]\n\
            [[hardlink]]\ndest = \"/bin/app\"\ntarget = \"/usr/bin/app\"\n\
            [[hardlink]]\ndest = \"/usr/bin/zz\"\ntarget = \"/usr/bin/app\"\n";
        let recipe = Recipe::parse(&dir.join("r.toml"), text).unwrap();
        let apps = [BuiltApp {
            binary: dir.join("app"),
            sbom: dir.join("app.cdx.json"),
            provenance: dir.join("app.provenance.json"),
            target: "x86_64-unknown-linux-musl".into(),
            repository: None,
        }];
        let fs = RootFs::from_recipe(&recipe, &apps).unwrap();
        assert!(matches!(fs.entries["bin/app"].kind, Kind::File(_)));
        let mut file_digests = BTreeMap::new();
        file_digests.insert(
            "bin/app".to_string(),
            cra_attest::digest::sha256(b"\x7fELF app"),
        );
        let bom = image_sbom(&ImageSbomInput {
            recipe: &recipe,
            fs: &fs,
            apps: &apps,
            file_digests: &file_digests,
            manifest_digest: Some([7; 32]),
            squashfs: None,
            timestamp: "2023-11-14T22:13:20Z".into(),
        })
        .unwrap();
        let app = bom
            .components
            .iter()
            .find(|c| c.bom_ref.as_deref() == Some("/usr/bin/app"))
            .expect("the app is named by its dest");
        let values = |name: &str| -> Vec<&str> {
            app.properties
                .iter()
                .filter(|p| p.name == name)
                .map(|p| p.value.as_str())
                .collect()
        };
        assert_eq!(
            values(cra_model::properties::IMAGE_HARD_LINK),
            ["/bin/app", "/usr/bin/zz"]
        );
        assert_eq!(values(cra_model::properties::IMAGE_PATH), ["/usr/bin/app"]);
        assert_eq!(
            values(cra_model::properties::IMAGE_CAPABILITIES),
            ["cap_net_bind_service"]
        );
        assert!(
            !bom.components
                .iter()
                .any(|c| c.bom_ref.as_deref() == Some("/bin/app"))
        );
    }
}
