//! Squashfs compressors: ids, default levels, the compressor options block, and one-shot
//! compression of a block (a data block, fragment block or 8 KiB metadata block).

pub use crate::codec::Compressor;
use std::io::{self, Write};

thread_local! {
    static ZSTD: std::cell::RefCell<Vec<(i32, zstd::bulk::Compressor<'static>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl Compressor {
    /// The superblock's compression id.
    pub(crate) fn id(self) -> u16 {
        match self {
            Compressor::Gzip(_) => 1,
            Compressor::Xz(_) => 4,
            Compressor::Lz4 => 5,
            Compressor::Zstd(_) => 6,
        }
    }

    /// The compressor options block, when the image needs one: a non-default level (so
    /// `unsquashfs -s` reports it), and always for lz4 (the kernel requires it).
    pub(crate) fn options(self, block_size: u32) -> Option<Vec<u8>> {
        match self {
            Compressor::Zstd(15) | Compressor::Gzip(9) => None,
            Compressor::Zstd(level) => Some((level as u32).to_le_bytes().to_vec()),
            Compressor::Gzip(level) => {
                let mut v = level.to_le_bytes().to_vec();
                v.extend_from_slice(&15u16.to_le_bytes()); // window size
                v.extend_from_slice(&0u16.to_le_bytes()); // strategies: default
                Some(v)
            }
            Compressor::Xz(_) => {
                // Dictionary size = block size, no extra filters.
                let mut v = block_size.to_le_bytes().to_vec();
                v.extend_from_slice(&0u32.to_le_bytes());
                Some(v)
            }
            Compressor::Lz4 => {
                let mut v = 1u32.to_le_bytes().to_vec(); // LZ4_LEGACY
                v.extend_from_slice(&0u32.to_le_bytes()); // flags: not HC
                Some(v)
            }
        }
    }

    /// Compresses `data` (a whole block) in one shot.
    pub(crate) fn compress(self, data: &[u8], block_size: u32) -> io::Result<Vec<u8>> {
        match self {
            Compressor::Zstd(level) => ZSTD.with(|cell| {
                // One compression context per thread and level: creating one per block costs
                // an allocation and a large memset each time.
                let mut contexts = cell.borrow_mut();
                let i = match contexts.iter().position(|(l, _)| *l == level) {
                    Some(i) => i,
                    None => {
                        contexts.push((level, zstd::bulk::Compressor::new(level)?));
                        contexts.len() - 1
                    }
                };
                contexts[i].1.compress(data)
            }),
            Compressor::Gzip(level) => {
                let mut e = flate2::write::ZlibEncoder::new(
                    Vec::with_capacity(data.len() / 2),
                    flate2::Compression::new(level),
                );
                e.write_all(data)?;
                e.finish()
            }
            Compressor::Lz4 => Ok(lz4_flex::block::compress(data)),
            Compressor::Xz(preset) => {
                let mut opts =
                    xz2::stream::LzmaOptions::new_preset(preset).map_err(io::Error::other)?;
                opts.dict_size(block_size.max(8192));
                let mut filters = xz2::stream::Filters::new();
                filters.lzma2(&opts);
                let stream =
                    xz2::stream::Stream::new_stream_encoder(&filters, xz2::stream::Check::Crc32)
                        .map_err(io::Error::other)?;
                let mut e =
                    xz2::write::XzEncoder::new_stream(Vec::with_capacity(data.len() / 2), stream);
                e.write_all(data)?;
                e.finish()
            }
        }
    }
}
