//! Parallel gzip whose output does not depend on the number of threads.
//!
//! The input is cut into fixed 1 MiB chunks; each chunk is deflated on its own (primed with the
//! 32 KiB of input before it, so the ratio matches one long stream) and ends with a sync flush,
//! the last one with the final block. Concatenated in order they form one deflate stream inside
//! one gzip member (RFC 1952) with the CRC-32 and length of the whole input — what pigz does.
//! Since the chunk boundaries and dictionaries depend only on the input, the bytes are the same
//! on one core or sixty-four.
//!
//! Written here, on flate2's raw deflate, because no maintained crate offers thread-count
//! independent output over the pure-Rust zlib-rs backend.

use crate::ordered::OrderedPool;
use std::io::{self, Write};
use std::sync::Arc;

/// Uncompressed bytes per independently deflated chunk.
pub(crate) const CHUNK: usize = 1 << 20;
/// Deflate's window: the dictionary each chunk is primed with.
const WINDOW: usize = 32 * 1024;

/// A gzip writer compressing on worker threads.
pub(crate) struct ParallelGzip<W: Write> {
    inner: W,
    level: u32,
    buf: Vec<u8>,
    dict: Option<Arc<Vec<u8>>>,
    crc: crc32fast::Hasher,
    total: u64,
    pool: OrderedPool<io::Result<Vec<u8>>>,
    header_written: bool,
}

/// Deflates `data` as one piece of a longer raw deflate stream.
fn deflate_chunk(level: u32, dict: Option<&[u8]>, data: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let mut c = flate2::Compress::new(flate2::Compression::new(level), false);
    if let Some(d) = dict {
        c.set_dictionary(d).map_err(io::Error::other)?;
    }
    let flush = if last {
        flate2::FlushCompress::Finish
    } else {
        flate2::FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(data.len() + data.len() / 16 + 1024);
    loop {
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(&data[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let done_input = c.total_in() as usize == data.len();
        let room_left = out.len() < out.capacity();
        match status {
            flate2::Status::StreamEnd => return Ok(out),
            _ if done_input && room_left && !last => return Ok(out),
            _ => out.reserve(out.capacity().max(64 * 1024)),
        }
    }
}

impl<W: Write> ParallelGzip<W> {
    /// A writer at compression `level` (0–9) on `threads` workers (at least one).
    pub fn new(inner: W, level: u32, threads: usize) -> Self {
        ParallelGzip {
            inner,
            level,
            buf: Vec::with_capacity(CHUNK),
            dict: None,
            crc: crc32fast::Hasher::new(),
            total: 0,
            pool: OrderedPool::new(threads, threads.max(1) * 2),
            header_written: false,
        }
    }

    fn header(&mut self) -> io::Result<()> {
        // ID1 ID2, CM = deflate, FLG = 0, MTIME = 0, XFL, OS = 255 (unknown).
        let xfl = match self.level {
            9 => 2,
            0 | 1 => 4,
            _ => 0,
        };
        self.inner
            .write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255])
    }

    fn dispatch(&mut self, last: bool) -> io::Result<()> {
        if !self.header_written {
            self.header()?;
            self.header_written = true;
        }
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let next_dict =
            (data.len() >= WINDOW).then(|| Arc::new(data[data.len() - WINDOW..].to_vec()));
        let dict = std::mem::replace(&mut self.dict, next_dict);
        let level = self.level;
        let job = move || deflate_chunk(level, dict.as_deref().map(|d| d.as_slice()), &data, last);
        if let Some(done) = self.pool.submit(job) {
            self.inner.write_all(&done?)?;
        }
        Ok(())
    }

    /// Writes the rest, the gzip trailer, and returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.dispatch(true)?;
        while let Some(done) = self.pool.next_result() {
            self.inner.write_all(&done?)?;
        }
        let crc = self.crc.clone().finalize();
        self.inner.write_all(&crc.to_le_bytes())?;
        // ISIZE: the input length modulo 2^32 (RFC 1952).
        self.inner.write_all(&(self.total as u32).to_le_bytes())?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ParallelGzip<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        self.crc.update(&data[..n]);
        self.total += n as u64;
        if self.buf.len() == CHUNK {
            self.dispatch(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample(len: usize) -> Vec<u8> {
        let mut state = 7u64;
        (0..len)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if i % 5 == 0 {
                    (state >> 56) as u8
                } else {
                    b"lorem ipsum "[i % 12]
                }
            })
            .collect()
    }

    fn gzip(data: &[u8], threads: usize, piece: usize) -> Vec<u8> {
        let mut w = ParallelGzip::new(Vec::new(), 6, threads);
        for part in data.chunks(piece.max(1)) {
            w.write_all(part).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn output_is_valid_gzip_and_the_same_for_any_thread_count_and_write_pattern() {
        for len in [0, 1, 1000, CHUNK, CHUNK + 1, 3 * CHUNK + 12345] {
            let data = sample(len);
            let one = gzip(&data, 1, 4096);
            assert_eq!(one, gzip(&data, 2, 1 << 20), "len {len}");
            assert_eq!(one, gzip(&data, 7, 333), "len {len}");
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(one.as_slice())
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "len {len}");
        }
    }

    #[test]
    fn ratio_matches_a_single_stream() {
        let data = sample(4 * CHUNK);
        let parallel = gzip(&data, 2, 1 << 16).len();
        let mut single = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        single.write_all(&data).unwrap();
        let single = single.finish().unwrap().len();
        assert!(
            (parallel as f64) < single as f64 * 1.01,
            "parallel {parallel} vs single {single}"
        );
    }
}
