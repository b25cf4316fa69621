//! The compression codecs a recipe names, parsed into types: the OCI layer's ([`Compression`])
//! and the squashfs image's ([`Compressor`]). A leaf module: the recipe model, the layer writer
//! and the squashfs writer all use it, and it uses none of them.

/// Layer compression and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip, the format every registry and runtime reads (levels 1–9).
    Gzip(u32),
    /// zstd, smaller and faster; needs a recent runtime (levels 1–19).
    Zstd(u32),
}

/// Default gzip level: 5 compresses within 0.3 % of level 6 in four fifths of the time
/// (measured by `bench/compose.sh`).
pub(crate) const GZIP_DEFAULT_LEVEL: u32 = 5;
/// Default zstd level (zstd's own default).
pub(crate) const ZSTD_DEFAULT_LEVEL: u32 = 3;

impl Compression {
    /// From the recipe's spelling and optional level; `Err` says what is wrong.
    pub fn parse(s: &str, level: Option<i64>) -> Result<Compression, String> {
        let (range, default) = match s {
            "gzip" => (1..=9, GZIP_DEFAULT_LEVEL),
            "zstd" => (1..=19, ZSTD_DEFAULT_LEVEL),
            _ => return Err(format!("compression {s:?}: gzip or zstd")),
        };
        let level = match level {
            None => default,
            Some(l) if range.contains(&l) => l as u32,
            Some(l) => {
                return Err(format!(
                    "{s} level {l} is out of range ({}–{})",
                    range.start(),
                    range.end()
                ));
            }
        };
        Ok(if s == "gzip" {
            Compression::Gzip(level)
        } else {
            Compression::Zstd(level)
        })
    }

    /// The OCI media type of a layer compressed this way.
    pub(crate) fn media_type(self) -> &'static str {
        match self {
            Compression::Gzip(_) => cra_model::media::OCI_LAYER_GZIP,
            Compression::Zstd(_) => cra_model::media::OCI_LAYER_ZSTD,
        }
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Compression::Gzip(l) => write!(f, "gzip-{l}"),
            Compression::Zstd(l) => write!(f, "zstd-{l}"),
        }
    }
}

/// A compressor and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compressor {
    /// zlib streams (squashfs calls it gzip), level 1–9.
    Gzip(u32),
    /// xz streams with CRC-32 checks and an LZMA2 dictionary of the block size, preset 0–9.
    Xz(u32),
    /// LZ4 blocks (legacy format version 1, as the kernel requires).
    Lz4,
    /// zstd frames, level 1–22.
    Zstd(i32),
}

impl std::fmt::Display for Compressor {
    /// The algorithm and level, as provenance records it: `gzip-9`, `xz-6`, `lz4`, `zstd-15`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Compressor::Gzip(l) | Compressor::Xz(l) => write!(f, "{}-{l}", self.name()),
            Compressor::Zstd(l) => write!(f, "zstd-{l}"),
            Compressor::Lz4 => f.write_str("lz4"),
        }
    }
}

impl Compressor {
    /// From the recipe's spelling and optional level; `Err` says what is wrong.
    pub fn parse(name: &str, level: Option<i64>) -> Result<Compressor, String> {
        let check = |range: std::ops::RangeInclusive<i64>, default: i64| match level {
            None => Ok(default),
            Some(l) if range.contains(&l) => Ok(l),
            Some(l) => Err(format!(
                "{name} level {l} is out of range ({}–{})",
                range.start(),
                range.end()
            )),
        };
        match name {
            "zstd" => Ok(Compressor::Zstd(check(1..=22, 15)? as i32)),
            "xz" => Ok(Compressor::Xz(check(0..=9, 6)? as u32)),
            "gzip" => Ok(Compressor::Gzip(check(1..=9, 9)? as u32)),
            "lz4" => match level {
                None => Ok(Compressor::Lz4),
                Some(_) => Err("lz4 level: lz4 has no levels; remove `level`".into()),
            },
            _ => Err(format!("compression {name:?}: zstd, xz, gzip or lz4")),
        }
    }

    /// The name `unsquashfs -s` prints.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Compressor::Gzip(_) => "gzip",
            Compressor::Xz(_) => "xz",
            Compressor::Lz4 => "lz4",
            Compressor::Zstd(_) => "zstd",
        }
    }
}
