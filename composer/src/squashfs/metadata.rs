//! Squashfs metadata: tables written as a sequence of blocks of at most 8 KiB uncompressed, each
//! preceded by a 16-bit header (size, with bit 15 set when stored uncompressed). Positions in a
//! table are references: (start of the block within the table) << 16 | offset in the block.

use super::compressor::Compressor;
use std::io;

/// Uncompressed size of a metadata block.
pub(crate) const METADATA_BLOCK: usize = 8192;

/// Builds one metadata table in memory (compressing each block as it fills).
pub(crate) struct MetadataWriter {
    compressor: Compressor,
    block_size: u32,
    current: Vec<u8>,
    out: Vec<u8>,
}

impl MetadataWriter {
    /// An empty table.
    pub fn new(compressor: Compressor, block_size: u32) -> Self {
        MetadataWriter {
            compressor,
            block_size,
            current: Vec::with_capacity(METADATA_BLOCK),
            out: Vec::new(),
        }
    }

    /// Where the next byte goes: (block start in the table, offset in the block).
    pub(crate) fn position(&self) -> (u32, u16) {
        (self.out.len() as u32, self.current.len() as u16)
    }

    /// The reference of the next byte.
    pub fn reference(&self) -> u64 {
        let (block, offset) = self.position();
        (u64::from(block) << 16) | u64::from(offset)
    }

    /// Appends bytes, flushing full blocks.
    pub(crate) fn write(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let n = bytes.len().min(METADATA_BLOCK - self.current.len());
            self.current.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.current.len() == METADATA_BLOCK {
                self.flush_block()?;
            }
        }
        Ok(())
    }

    fn flush_block(&mut self) -> io::Result<()> {
        if self.current.is_empty() {
            return Ok(());
        }
        let compressed = self.compressor.compress(&self.current, self.block_size)?;
        if compressed.len() < self.current.len() {
            self.out
                .extend_from_slice(&(compressed.len() as u16).to_le_bytes());
            self.out.extend_from_slice(&compressed);
        } else {
            self.out
                .extend_from_slice(&(self.current.len() as u16 | 0x8000).to_le_bytes());
            self.out.extend_from_slice(&self.current);
        }
        self.current.clear();
        Ok(())
    }

    /// The table's bytes (the last, partial block flushed).
    pub(crate) fn finish(mut self) -> io::Result<Vec<u8>> {
        self.flush_block()?;
        Ok(self.out)
    }
}

/// A lookup table (ids, fragments): the entries in metadata blocks, then the index of the
/// blocks' absolute positions. Returns (bytes, offset of the index within `bytes`).
pub(crate) fn indexed_table(
    compressor: Compressor,
    block_size: u32,
    entries: &[u8],
    table_start: u64,
) -> io::Result<(Vec<u8>, u64)> {
    let mut out = Vec::new();
    let mut index = Vec::new();
    for chunk in entries.chunks(METADATA_BLOCK) {
        index.push(table_start + out.len() as u64);
        let mut w = MetadataWriter::new(compressor, block_size);
        w.write(chunk)?;
        out.extend_from_slice(&w.finish()?);
    }
    let index_offset = out.len() as u64;
    for i in index {
        out.extend_from_slice(&i.to_le_bytes());
    }
    Ok((out, index_offset))
}
