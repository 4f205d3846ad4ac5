//! One pass over a chunk of rows that finds every `"` (one bit per byte), and whether the chunk
//! holds any backslash or control byte at all.
//!
//! Most of an export row's bytes sit inside short strings. Finding each string's end with a
//! search call costs more than the string; with the quotes indexed up front, a string without
//! escapes ends at the next set bit. The flags let the scanner skip its slower paths for the
//! common chunk that has no escapes and no control bytes.

/// What [`QuoteIndex::index`] found in a chunk besides its quotes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkFlags {
    pub backslash: bool,
    /// A byte below 0x20 other than `\n`.
    pub control: bool,
}

/// The quotes of one chunk: bit `i % 64` of word `i / 64` is set when byte `i` is `"`.
#[derive(Default)]
pub struct QuoteIndex {
    words: Vec<u64>,
}

impl QuoteIndex {
    /// Indexes `data`, replacing what was indexed before (the buffer is reused).
    pub fn index(&mut self, data: &[u8]) -> ChunkFlags {
        self.words.clear();
        self.words.reserve(data.len() / 64 + 1);
        let mut blocks = data.chunks_exact(64);
        let mut flags = Flags::default();
        for block in blocks.by_ref() {
            let block: &[u8; 64] = block.try_into().expect("64-byte blocks");
            self.words.push(classify(block, &mut flags));
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            // The tail, padded with spaces (none of the bytes looked for).
            let mut block = [b' '; 64];
            block[..rest.len()].copy_from_slice(rest);
            self.words.push(classify(&block, &mut flags));
        }
        ChunkFlags {
            backslash: flags.backslash != 0,
            control: flags.control != 0,
        }
    }

    /// The quotes of the line that starts at byte `start` of the indexed chunk.
    pub fn line(&self, start: usize) -> Quotes<'_> {
        Quotes {
            words: &self.words,
            base: start,
        }
    }
}

/// Bytes seen so far (non-zero: seen).
#[derive(Default)]
struct Flags {
    backslash: u32,
    control: u32,
}

/// The quote mask of a 64-byte block, noting backslashes and control bytes in `flags`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn classify(block: &[u8; 64], flags: &mut Flags) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline, so every intrinsic here is available; each
    // unaligned load reads bytes 16k..16k+16 of the 64-byte array.
    unsafe {
        let (quote, backslash) = (_mm_set1_epi8(b'"' as i8), _mm_set1_epi8(b'\\' as i8));
        let (newline, below_space) = (_mm_set1_epi8(b'\n' as i8), _mm_set1_epi8(0x1f));
        let mut mask = 0u64;
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            let quotes = _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u32;
            mask |= u64::from(quotes) << (16 * k);
            flags.backslash |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) as u32;
            // Unsigned v <= 0x1f, except newlines.
            let low = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, below_space), v)) as u32;
            let newlines = _mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)) as u32;
            flags.control |= low & !newlines;
        }
        mask
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn classify(block: &[u8; 64], flags: &mut Flags) -> u64 {
    let mut mask = 0u64;
    for (j, &b) in block.iter().enumerate() {
        mask |= u64::from(b == b'"') << j;
        flags.backslash |= u32::from(b == b'\\');
        flags.control |= u32::from(b < 0x20 && b != b'\n');
    }
    mask
}

/// A view of the index from one line's first byte.
#[derive(Clone, Copy)]
pub struct Quotes<'a> {
    words: &'a [u64],
    base: usize,
}

impl Quotes<'_> {
    /// The first quote at or after line position `i`, as a line position (possibly beyond the
    /// line's end: the caller checks).
    #[inline(always)]
    pub fn next(&self, i: usize) -> Option<usize> {
        let at = self.base + i;
        let mut word = at / 64;
        let mut bits = self.words.get(word)? & (!0u64 << (at % 64));
        while bits == 0 {
            word += 1;
            bits = *self.words.get(word)?;
        }
        Some(word * 64 + bits.trailing_zeros() as usize - self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_found_across_words_and_past_the_tail() {
        let mut line = vec![b'a'; 200];
        for at in [0, 63, 64, 130, 199] {
            line[at] = b'"';
        }
        let mut index = QuoteIndex::default();
        assert_eq!(index.index(&line), ChunkFlags::default());
        let q = index.line(0);
        assert_eq!(q.next(0), Some(0));
        assert_eq!(q.next(1), Some(63));
        assert_eq!(q.next(64), Some(64));
        assert_eq!(q.next(65), Some(130));
        assert_eq!(q.next(131), Some(199));
        assert_eq!(q.next(200), None);
        assert_eq!(index.line(64).next(1), Some(66));
    }

    #[test]
    fn backslashes_and_control_bytes_but_not_newlines_are_flagged() {
        let mut index = QuoteIndex::default();
        assert_eq!(index.index(b"{}\n{}\n"), ChunkFlags::default());
        let flags = index.index(b"{\"a\":\"\\n\"}\n");
        assert!(flags.backslash && !flags.control);
        for control in [0u8, 1, b'\t', b'\r', 0x1f] {
            let mut data = vec![b'x'; 100];
            data[70] = control;
            assert!(index.index(&data).control, "{control}");
        }
        assert!(!index.index(&[b' ', 0x20, 0x7f, 0x80, 0xff]).control);
    }
}
