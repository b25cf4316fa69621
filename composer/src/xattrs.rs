//! Extended attributes a recipe sets on an entry: file capabilities (`security.capability`)
//! and named text attributes. Images carry no extended attribute the recipe does not set.
//!
//! Capabilities are how a device app binds a low port or drives a network interface without
//! running as root: `capabilities = ["net_bind_service"]` gives the file what
//! `setcap cap_net_bind_service=ep` would (a version 2 `vfs_cap_data`: the capabilities
//! permitted and effective on exec, none inheritable, no root-uid field).

use std::collections::BTreeMap;
use std::str::FromStr;

/// Attribute name (`security.capability`, `user.origin`) → value, sorted by name.
pub(crate) type Xattrs = BTreeMap<String, Vec<u8>>;

/// The attribute file capabilities live in.
pub(crate) const CAPABILITY: &str = "security.capability";

/// Name spaces an image can carry (the ones squashfs can encode).
const PREFIXES: [&str; 3] = ["user.", "trusted.", "security."];

/// `VFS_CAP_REVISION_2`: 64-bit capability sets, no root uid.
const VFS_CAP_REVISION_2: u32 = 0x0200_0000;
/// `VFS_CAP_FLAGS_EFFECTIVE`: permitted capabilities are effective on exec.
const VFS_CAP_FLAGS_EFFECTIVE: u32 = 0x1;

/// Linux's limit on an attribute value.
const MAX_VALUE: usize = 65536;

/// The `security.capability` value granting `names` (`net_bind_service` or
/// `CAP_NET_BIND_SERVICE`, any case) permitted and effective.
pub(crate) fn capability_value(names: &[String]) -> Result<Vec<u8>, String> {
    if names.is_empty() {
        return Err("capabilities is empty; remove it or name a capability".into());
    }
    let mut permitted = 0u64;
    for name in names {
        let cap = caps::Capability::from_str(&caps::to_canonical(name))
            .map_err(|_| format!("{name:?} is not a Linux capability (see capabilities(7))"))?;
        permitted |= cap.bitmask();
    }
    let mut v = Vec::with_capacity(20);
    v.extend_from_slice(&(VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE).to_le_bytes());
    for word in [permitted as u32, (permitted >> 32) as u32] {
        v.extend_from_slice(&word.to_le_bytes()); // permitted
        v.extend_from_slice(&0u32.to_le_bytes()); // inheritable
    }
    Ok(v)
}

/// Checks an attribute name and value from a recipe's `xattrs` table.
pub fn check(name: &str, value: &str) -> Result<(), String> {
    if name == CAPABILITY {
        return Err(format!(
            "{CAPABILITY} is set with `capabilities = [...]`, not as text"
        ));
    }
    if name.starts_with("trusted.overlay.") {
        return Err(format!(
            "attribute {name:?}: trusted.overlay.* belongs to overlayfs (whiteouts, opaque directories)"
        ));
    }
    let Some(prefix) = PREFIXES.iter().find(|p| name.starts_with(**p)) else {
        return Err(format!(
            "attribute {name:?}: names start with user., trusted. or security."
        ));
    };
    if name.len() == prefix.len() || name.len() > 255 || name.contains('\0') {
        return Err(format!(
            "attribute {name:?}: a name needs 1 to {} characters after {prefix} and no NUL",
            255 - prefix.len()
        ));
    }
    if value.len() > MAX_VALUE {
        return Err(format!(
            "attribute {name:?}: values are at most {MAX_VALUE} bytes"
        ));
    }
    Ok(())
}

/// An entry's text attributes from a recipe's `xattrs` table (checked).
pub(crate) fn from_text(text: &BTreeMap<String, String>) -> Result<Xattrs, String> {
    let mut out = Xattrs::new();
    for (name, value) in text {
        check(name, value)?;
        out.insert(name.clone(), value.as_bytes().to_vec());
    }
    Ok(out)
}

/// How an SBOM shows attributes: `capabilities` as names (`cap_net_bind_service`), text
/// attributes as `xattr:NAME` with their value.
pub(crate) fn describe(xattrs: &Xattrs) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in xattrs {
        if name == CAPABILITY && value.len() == 20 {
            let word =
                |at: usize| u32::from_le_bytes(value[at..at + 4].try_into().unwrap_or_default());
            let permitted = u64::from(word(4)) | (u64::from(word(12)) << 32);
            let mut names: Vec<String> = caps::all()
                .into_iter()
                .filter(|c| permitted & c.bitmask() != 0)
                .map(|c| c.to_string().to_lowercase())
                .collect();
            names.sort();
            out.push(("capabilities".into(), names.join(",")));
        } else {
            out.push((
                format!("xattr:{name}"),
                String::from_utf8_lossy(value).into_owned(),
            ));
        }
    }
    out
}

/// Squashfs's encoding of a name: its prefix id (0 user, 1 trusted, 2 security) and the rest.
pub(crate) fn squashfs_prefix(name: &str) -> (u16, &str) {
    for (id, prefix) in PREFIXES.iter().enumerate() {
        if let Some(rest) = name.strip_prefix(prefix) {
            return (id as u16, rest);
        }
    }
    unreachable!("attribute names are checked when the recipe is read")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_are_what_setcap_writes() {
        // `setcap cap_net_bind_service=ep FILE; getfattr -n security.capability -e hex FILE`
        // prints 0x0100000200040000000000000000000000000000 (bit 10 permitted, effective).
        let v = capability_value(&["net_bind_service".into()]).unwrap();
        assert_eq!(
            v,
            [1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        // Capabilities above 31 go in the second word.
        let v = capability_value(&["CAP_BPF".into(), "cap_chown".into()]).unwrap();
        assert_eq!(&v[4..8], &[1, 0, 0, 0]);
        assert_eq!(&v[12..16], &[0x80, 0, 0, 0]);
        assert!(
            capability_value(&["net_bind".into()])
                .unwrap_err()
                .contains("not a Linux capability")
        );
        assert!(capability_value(&[]).is_err());
        let mut x = Xattrs::new();
        x.insert(CAPABILITY.into(), v);
        x.insert("user.a".into(), b"b".to_vec());
        assert_eq!(
            describe(&x),
            [
                ("capabilities".to_string(), "cap_bpf,cap_chown".to_string()),
                ("xattr:user.a".to_string(), "b".to_string())
            ]
        );
    }

    #[test]
    fn only_names_squashfs_and_tar_can_carry_are_taken() {
        assert!(check("user.origin", "factory").is_ok());
        assert!(check("trusted.app.label", "y").is_ok());
        assert!(check("trusted.overlay.opaque", "y").is_err());
        assert!(check("system.posix_acl_access", "x").is_err());
        assert!(check("user.", "x").is_err());
        assert!(check(CAPABILITY, "x").unwrap_err().contains("capabilities"));
        assert!(check("user.big", &"x".repeat(MAX_VALUE + 1)).is_err());
        assert_eq!(squashfs_prefix("security.selinux"), (2, "selinux"));
        assert_eq!(squashfs_prefix("user.a"), (0, "a"));
    }
}
