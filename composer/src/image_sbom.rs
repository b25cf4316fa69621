//! The image's CycloneDX 1.7 SBOM: the image as `metadata.component` (type `container`, with
//! the manifest digest), every app with the full component graph of its own SBOM, and every
//! other file as a `file` component with its SHA-256 and SHA-512, each with the fields BSI
//! TR-03183-2 asks for.
//!
//! Apps and files are identified by their path in the image (`bom-ref` `/usr/bin/app`); crates
//! keep their package-URL `bom-ref`s, so a crate linked into two apps is one component with
//! both apps depending on it.

use crate::error::ComposeError;
use crate::recipe::Recipe;
use crate::tree::{BuiltApp, Content, Kind, Origin, RootFs, app_dest};
use cra_attest::digest::Digests;
use cra_attest::evidence::cyclonedx::{
    Bom, Component, ComponentType, Composition, Dependency, ExternalReference, Hash, Lifecycle,
    Metadata, OrganizationalEntity, Property, Tools,
};
use cra_attest::evidence::tr03183::{self, FileKind, field};
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
    /// RFC 3339 time (`SOURCE_DATE_EPOCH`): the image's files' modification time too.
    pub timestamp: String,
    /// The commit composed from, as `git+<repository>@<commit>`, when the work tree was clean
    /// and has a remote.
    pub source_uri: Option<String>,
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
                placed_in_image(&mut app, &in_image(&purl, &image_path));
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
                file.hashes = vec![Hash::sha256(digest.clone())];
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
                let Kind::File(content) = &entry.kind else {
                    unreachable!("only files get here")
                };
                let facts = FileFacts {
                    image_uri: in_image(&purl, &image_path),
                    source: file_source(input, content, entry.origin == Origin::Accounts),
                    executable: entry.mode & 0o111 != 0,
                };
                describe_file(&mut file, content, &digest, &facts, input)
                    .map_err(|e| ComposeError::Format(format!("{image_path}: {e}")))?;
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
    // The image's and every plain file's dependency lists are complete (files depend on
    // nothing); the apps' own SBOMs state theirs.
    compositions[0].dependencies.extend(
        components
            .values()
            .filter(|c| c.kind == ComponentType::File)
            .filter_map(|c| c.bom_ref.clone()),
    );
    describe_root(&mut root, input, manufacturer.as_ref());
    for c in components.values_mut() {
        if c.kind == ComponentType::File && c.manufacturer.is_none() {
            match &manufacturer {
                Some(m) => c.manufacturer = Some(m.clone()),
                None => c.properties.push(tr03183::unknown(
                    field::CREATOR,
                    "the recipe names no manufacturer",
                )),
            }
        }
    }

    let unknown_creator = tr03183::sbom_creator_unknown(manufacturer.is_none());
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
        properties: unknown_creator,
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
/// The image's TR-03183-2 fields: creator, licences (none declared for the image as a whole),
/// file kind and name, deployable form and source.
fn describe_root(
    root: &mut Component,
    input: &ImageSbomInput<'_>,
    manufacturer: Option<&OrganizationalEntity>,
) {
    root.manufacturer = manufacturer.cloned();
    if manufacturer.is_none() {
        root.properties.push(tr03183::unknown(
            field::CREATOR,
            "the recipe names no manufacturer",
        ));
    }
    let (licenses, effective) = tr03183::licences(Vec::new(), &Default::default());
    root.licenses = licenses;
    root.properties.push(effective);
    let kind = FileKind {
        executable: false,
        archive: true,
        structured: true,
    };
    let refs = &mut root.external_references;
    match &input.squashfs {
        Some(sq) => {
            root.properties.extend(kind.properties(&sq.file));
            let mut r = ExternalReference::new("distribution", &sq.file);
            r.comment = Some("the squashfs image beside this SBOM".into());
            r.hashes = vec![Hash::sha256(cra_attest::digest::to_hex(&sq.sha256))];
            refs.push(r);
            root.properties.push(tr03183::unknown(
                field::DEPLOYABLE_HASH,
                "the squashfs image is identified by its SHA-256 (and dm-verity root hash); no SHA-512 is computed",
            ));
        }
        None => {
            let mut props = kind.properties("");
            props.remove(0);
            root.properties.extend(props);
            root.properties.push(tr03183::unknown(
                field::FILENAME,
                "an OCI image is a set of blobs named by their digests, not one file",
            ));
            let mut r =
                ExternalReference::new("distribution", root.purl.clone().unwrap_or_default());
            r.hashes = root.hashes.clone();
            refs.push(r);
            root.properties.push(tr03183::unknown(
                field::DEPLOYABLE_HASH,
                "an OCI image is identified by its manifest's SHA-256",
            ));
        }
    }
    match &input.source_uri {
        Some(uri) => refs.push(ExternalReference::new("source-distribution", uri)),
        None => root.properties.push(tr03183::unknown(
            field::SOURCE_URI,
            "the recipe names no [image] source and the first app's package no repository",
        )),
    }
    let site = manufacturer.and_then(|m| m.url.first());
    if let Some(txt) = site.and_then(|s| tr03183::security_txt_url(s)) {
        refs.push(ExternalReference::new("rfc-9116", txt));
    }
}

/// An app's deployable form is its file in the image: the reference its own SBOM gave (the
/// file beside that SBOM) becomes the image's, and its file name the one in the image.
fn placed_in_image(app: &mut Component, uri: &str) {
    for r in &mut app.external_references {
        if r.kind == "distribution" {
            r.url = uri.to_string();
            r.comment = Some("the file in this image".into());
        }
    }
    let name = uri.rsplit('/').next().unwrap_or(uri);
    for p in &mut app.properties {
        if p.name == cra_model::properties::bsi::FILENAME {
            p.value = percent_decoded(name);
        }
    }
}

/// What a plain file's TR-03183-2 fields are made from.
struct FileFacts {
    /// The file inside the image, as a URI.
    image_uri: String,
    /// Where its source is, or why that is unknown.
    source: Result<String, &'static str>,
    /// Any execute bit is set.
    executable: bool,
}

/// A plain file's TR-03183-2 fields: version (its modification time, as the TR asks for a
/// file without one), licences (none declared), file kind, SHA-512 (read again, and checked to
/// be the bytes the image holds), deployable form (the file in the image) and source.
fn describe_file(
    file: &mut Component,
    content: &Content,
    sha256: &str,
    facts: &FileFacts,
    input: &ImageSbomInput<'_>,
) -> Result<(), String> {
    let (digests, archive) = read_again(content).map_err(|e| e.to_string())?;
    if digests.sha256_hex() != sha256 {
        return Err("changed while the image was composed".into());
    }
    file.version = Some(input.timestamp.clone());
    let (licenses, effective) = tr03183::licences(Vec::new(), &Default::default());
    file.licenses = licenses;
    let name = file
        .name
        .rsplit('/')
        .next()
        .unwrap_or(&file.name)
        .to_string();
    let kind = FileKind {
        executable: facts.executable,
        archive,
        structured: archive,
    };
    file.properties.extend(kind.properties(&name));
    file.properties.push(effective);
    file.hashes = Hash::both(&digests);
    // A file is identified by its name and content.
    file.purl = Some(format!(
        "pkg:generic/{}?checksum=sha256:{sha256}",
        percent_encoded(&name)
    ));
    let mut r = ExternalReference::new("distribution", &facts.image_uri);
    r.hashes = file.hashes.clone();
    file.external_references.push(r);
    match &facts.source {
        Ok(uri) => file
            .external_references
            .push(ExternalReference::new("source-distribution", uri)),
        Err(why) => file
            .properties
            .push(tr03183::unknown(field::SOURCE_URI, why)),
    }
    Ok(())
}

/// Where a file's source is: the commit composed from and the file's path in it.
fn file_source(
    input: &ImageSbomInput<'_>,
    content: &Content,
    generated: bool,
) -> Result<String, &'static str> {
    let Content::Host { path, .. } = content else {
        return Err(match generated {
            true => "generated by cargo-cra from the recipe's users and groups",
            false => "generated by cargo-cra",
        });
    };
    let rel = input
        .fs
        .in_repository(path)
        .ok_or("read from outside the repository")?;
    let uri = input
        .source_uri
        .as_ref()
        .ok_or("the recipe names no [image] source and the first app's package no repository")?;
    Ok(format!("{uri}#{}", percent_encoded(&rel.to_string_lossy())))
}

/// A file's digests, read once more, and whether it starts like an archive (tar, gzip, zstd,
/// xz, bzip2, zip).
fn read_again(content: &Content) -> Result<(Digests, bool), ComposeError> {
    struct Head(Vec<u8>);
    impl std::io::Write for Head {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let room = 512usize.saturating_sub(self.0.len());
            self.0.extend_from_slice(&buf[..room.min(buf.len())]);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut reader = crate::tree::open_content(content)?;
    let mut head = Head(Vec::with_capacity(512));
    let digests = cra_attest::digest::copy_hashing(&mut reader, &mut head)
        .map_err(|e| ComposeError::Format(format!("reading it again: {e}")))?;
    reader.finish()?;
    let h = head.0.as_slice();
    let archive = [
        &b"\x1f\x8b"[..],
        b"\x28\xb5\x2f\xfd",
        b"\xfd7zXZ\x00",
        b"BZh",
        b"PK\x03\x04",
    ]
    .iter()
    .any(|m| h.starts_with(m))
        || h.get(257..262) == Some(b"ustar");
    Ok((digests, archive))
}

/// The URI of `path` inside the image `purl`: the purl with the path as its subpath.
fn in_image(purl: &str, path: &str) -> String {
    format!("{purl}#{}", percent_encoded(path.trim_start_matches('/')))
}

/// Each `/`-separated segment of `path` percent-encoded (purl subpath rules): unreserved
/// characters stay, every other byte is `%XX`.
fn percent_encoded(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The inverse of [`percent_encoded`] (invalid escapes stay as written).
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

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

    #[test]
    fn paths_in_image_uris_are_percent_encoded_and_back() {
        let uri = in_image("pkg:oci/x@sha256%3Aab", "/usr/bin/a b#c");
        assert_eq!(uri, "pkg:oci/x@sha256%3Aab#usr/bin/a%20b%23c");
        assert_eq!(percent_decoded("a%20b%23c"), "a b#c");
        assert_eq!(percent_decoded("100%"), "100%");
    }

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
            source_uri: None,
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
