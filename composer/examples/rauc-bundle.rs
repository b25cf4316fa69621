//! The RAUC bundle writer alone: bundles an existing squashfs image as the `rootfs` slot image,
//! signed with a certificate and key. `bench/rauc.sh` runs it against `rauc bundle` on the same
//! image and key, so the comparison is bundler against bundler.
//!
//! Usage: rauc-bundle IMAGE.squashfs CERT.pem KEY.pem COMPATIBLE OUT.raucb

use cra_composer::codec::Compressor;
use cra_composer::progress::Silent;
use cra_composer::rauc::{BundleInput, write_bundle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, image, cert, key, compatible, out] = args.as_slice() else {
        return Err(
            "usage: rauc-bundle IMAGE.squashfs CERT.pem KEY.pem COMPATIBLE OUT.raucb".into(),
        );
    };
    let signer = cra_attest::cms::CmsSigner::from_pem(
        &std::fs::read_to_string(cert)?,
        &std::fs::read_to_string(key)?,
        &[],
        None,
    )?;
    let image = std::path::Path::new(image);
    let name = image
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("image name")?;
    let input = BundleInput {
        compatible,
        version: "1",
        build: "0".into(),
        slot: "rootfs",
        image,
        image_name: name,
        image_sha256: cra_attest::digest::sha256_of_file(image)?,
        image_size: std::fs::metadata(image)?.len(),
        mtime: 0,
        compressor: Compressor::Gzip(9),
        signer: &signer,
        plain: false,
    };
    let bundle = write_bundle(&input, out.as_ref(), &Silent)?;
    println!("{} bytes", bundle.size);
    Ok(())
}
