//! A compact QR Code encoder (ISO/IEC 18004, model 2): byte mode, versions 1–40, error
//! correction L/M/Q/H raised when it fits at no extra size, and the mask chosen by the
//! standard's penalty rules. It produces the same symbol as the `qrcodegen` reference
//! library for byte-mode text (the tests check module-for-module), in a fraction of the
//! time and code: modules live in one byte grid, and the mask penalty is computed on
//! bit-packed lines ([`penalty`]).

use super::penalty::{Lines, inverts};
use super::reed_solomon::{rs_divisor, rs_remainder};

/// Error correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ecc {
    /// About 7 % of codewords recoverable.
    Low,
    /// About 15 %.
    Medium,
    /// About 25 %.
    Quartile,
    /// About 30 %.
    High,
}

impl Ecc {
    fn index(self) -> usize {
        self as usize
    }

    /// The two format bits of the level (L=01, M=00, Q=11, H=10).
    fn format_bits(self) -> u32 {
        [1, 0, 3, 2][self.index()]
    }
}

/// The data does not fit in a version 40 symbol at the requested level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong;

// Per level (L, M, Q, H) and version (index 0 unused): error correction codewords per
// block, and number of blocks (ISO/IEC 18004 table 9).
const ECC_PER_BLOCK: [[u8; 41]; 4] = [
    [
        0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
        0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
];
const BLOCKS: [[u8; 41]; 4] = [
    [
        0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18,
        19, 19, 20, 21, 22, 24, 25,
    ],
    [
        0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29,
        31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
        0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40,
        43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
    [
        0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45,
        48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
];

const DARK: u8 = 1;
const FUNCTION: u8 = 2;

/// Modules that carry data (not finder, timing, alignment, format or version).
fn raw_data_modules(ver: usize) -> usize {
    let mut n = (16 * ver + 128) * ver + 64;
    if ver >= 2 {
        let align = ver / 7 + 2;
        n -= (25 * align - 10) * align - 55;
        if ver >= 7 {
            n -= 36;
        }
    }
    n
}

fn data_codewords(ver: usize, ecc: Ecc) -> usize {
    raw_data_modules(ver) / 8 - usize::from(ECC_PER_BLOCK[ecc.index()][ver]) * usize::from(BLOCKS[ecc.index()][ver])
}

/// A finished symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    size: usize,
    modules: Vec<u8>,
}

impl Qr {
    /// Modules per side.
    pub fn size(&self) -> usize {
        self.size
    }

    /// True for a dark module; `x` is the column, `y` the row.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.modules[y * self.size + x] & DARK != 0
    }

    fn set_function(&mut self, x: usize, y: usize, dark: bool) {
        self.modules[y * self.size + x] = FUNCTION | u8::from(dark);
    }
}

/// Encodes `data` in byte mode at the smallest version that fits, raising the error
/// correction while that costs no size.
pub fn encode(data: &[u8], min_ecc: Ecc) -> Result<Qr, TooLong> {
    let fits = |ver: usize, ecc: Ecc| {
        let count_bits = if ver <= 9 { 8 } else { 16 };
        data.len() < (1 << count_bits) && 4 + count_bits + 8 * data.len() <= data_codewords(ver, ecc) * 8
    };
    let ver = (1..=40).find(|&v| fits(v, min_ecc)).ok_or(TooLong)?;
    let ecc =
        [Ecc::Medium, Ecc::Quartile, Ecc::High].into_iter().rfind(|&e| e > min_ecc && fits(ver, e)).unwrap_or(min_ecc);

    // The bit stream: mode, count, bytes, terminator, padding.
    let capacity = data_codewords(ver, ecc);
    let mut bits = BitWriter { bytes: Vec::with_capacity(capacity), used: 0 };
    bits.push(0b0100, 4);
    bits.push(data.len() as u32, if ver <= 9 { 8 } else { 16 });
    for &b in data {
        bits.push(u32::from(b), 8);
    }
    let room = capacity * 8 - bits.used;
    bits.push(0, room.min(4));
    bits.push(0, (8 - bits.used % 8) % 8);
    for pad in [0xEC, 0x11].into_iter().cycle().take(capacity - bits.bytes.len()) {
        bits.push(pad, 8);
    }
    let codewords = interleave(&bits.bytes, ver, ecc);

    let size = ver * 4 + 17;
    let mut qr = Qr { size, modules: vec![0; size * size] };
    draw_function_patterns(&mut qr, ver);
    draw_codewords(&mut qr, &codewords);

    // Try the eight masks on bit-packed rows and columns; keep the lowest penalty.
    let base = Lines::from_cells(&qr.modules, size, DARK);
    let function = Lines::from_cells(&qr.modules, size, FUNCTION);
    let format_cells = format_positions(size);
    let mut best = (i32::MAX, 0);
    let mut lines = base.clone();
    for mask in 0..8 {
        lines.masked(&base, &function, mask);
        let bits = format_bits(ecc, mask);
        for (i, &(x, y)) in format_cells.iter().enumerate() {
            lines.set(x, y, (bits >> (i % 15)) & 1 != 0);
        }
        lines.set(8, size - 8, true);
        let score = lines.penalty();
        if score < best.0 {
            best = (score, mask);
        }
    }
    apply_mask_cells(&mut qr.modules, size, best.1);
    draw_format(&mut qr, ecc, best.1);
    Ok(qr)
}

struct BitWriter {
    bytes: Vec<u8>,
    used: usize,
}

impl BitWriter {
    fn push(&mut self, value: u32, len: usize) {
        for i in (0..len).rev() {
            if self.used.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if (value >> i) & 1 != 0 {
                let last = self.bytes.len() - 1;
                self.bytes[last] |= 0x80 >> (self.used % 8);
            }
            self.used += 1;
        }
    }
}

/// Splits the data into blocks, appends each block's error correction, and interleaves.
fn interleave(data: &[u8], ver: usize, ecc: Ecc) -> Vec<u8> {
    let blocks = usize::from(BLOCKS[ecc.index()][ver]);
    let ecc_len = usize::from(ECC_PER_BLOCK[ecc.index()][ver]);
    let raw = raw_data_modules(ver) / 8;
    let short_blocks = blocks - raw % blocks;
    let short_len = raw / blocks; // data + ecc of a short block
    let divisor = rs_divisor(ecc_len);
    let mut ecc_bytes = Vec::with_capacity(blocks * ecc_len);
    let mut starts = Vec::with_capacity(blocks + 1);
    let mut k = 0;
    for i in 0..blocks {
        let len = short_len - ecc_len + usize::from(i >= short_blocks);
        starts.push(k);
        rs_remainder(&data[k..k + len], &divisor, &mut ecc_bytes);
        k += len;
    }
    starts.push(k);
    let mut out = Vec::with_capacity(raw);
    for i in 0..short_len - ecc_len + 1 {
        for b in 0..blocks {
            if starts[b] + i < starts[b + 1] {
                out.push(data[starts[b] + i]);
            }
        }
    }
    for i in 0..ecc_len {
        for b in 0..blocks {
            out.push(ecc_bytes[b * ecc_len + i]);
        }
    }
    out
}

fn alignment_positions(ver: usize) -> Vec<usize> {
    if ver == 1 {
        return Vec::new();
    }
    let count = ver / 7 + 2;
    let step = (ver * 8 + count * 3 + 5) / (count * 4 - 4) * 2;
    let size = ver * 4 + 17;
    let mut positions: Vec<usize> = (0..count - 1).map(|i| size - 7 - i * step).collect();
    positions.push(6);
    positions.reverse();
    positions
}

fn draw_function_patterns(qr: &mut Qr, ver: usize) {
    let size = qr.size;
    for i in 0..size {
        qr.set_function(6, i, i % 2 == 0);
        qr.set_function(i, 6, i % 2 == 0);
    }
    for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
        for dy in -4i32..=4 {
            for dx in -4i32..=4 {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                if (0..size as i32).contains(&x) && (0..size as i32).contains(&y) {
                    let dist = dx.abs().max(dy.abs());
                    qr.set_function(x as usize, y as usize, dist != 2 && dist != 4);
                }
            }
        }
    }
    let align = alignment_positions(ver);
    let last = align.len().saturating_sub(1);
    for (i, &ax) in align.iter().enumerate() {
        for (j, &ay) in align.iter().enumerate() {
            if (i, j) == (0, 0) || (i, j) == (0, last) || (i, j) == (last, 0) {
                continue;
            }
            for dy in -2i32..=2 {
                for dx in -2i32..=2 {
                    qr.set_function((ax as i32 + dx) as usize, (ay as i32 + dy) as usize, dx.abs().max(dy.abs()) != 1);
                }
            }
        }
    }
    draw_format(qr, Ecc::Low, 0); // reserves the format areas; written per mask later
    if ver >= 7 {
        let mut rem = ver as u32;
        for _ in 0..12 {
            rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
        }
        let bits = (ver as u32) << 12 | rem;
        for i in 0..18 {
            let dark = (bits >> i) & 1 != 0;
            let (a, b) = (size - 11 + i % 3, i / 3);
            qr.set_function(a, b, dark);
            qr.set_function(b, a, dark);
        }
    }
}

fn draw_format(qr: &mut Qr, ecc: Ecc, mask: usize) {
    let size = qr.size;
    let bits = format_bits(ecc, mask);
    for (i, (x, y)) in format_positions(size).into_iter().enumerate() {
        qr.set_function(x, y, (bits >> (i % 15)) & 1 != 0);
    }
    qr.set_function(8, size - 8, true);
}

/// Places the codewords in the zigzag order, skipping function modules.
fn draw_codewords(qr: &mut Qr, codewords: &[u8]) {
    let size = qr.size;
    let total = codewords.len() * 8;
    let mut i = 0;
    let mut right = size - 1;
    loop {
        if right == 6 {
            right = 5;
        }
        let upward = (right + 1) & 2 == 0;
        for vert in 0..size {
            let y = if upward { size - 1 - vert } else { vert };
            for x in [right, right - 1] {
                let cell = &mut qr.modules[y * size + x];
                if *cell & FUNCTION == 0 && i < total {
                    *cell = (codewords[i >> 3] >> (7 - (i & 7))) & 1;
                    i += 1;
                }
            }
        }
        if right < 2 {
            break;
        }
        right -= 2;
    }
}

fn apply_mask_cells(cells: &mut [u8], size: usize, mask: usize) {
    for (i, c) in cells.iter_mut().enumerate() {
        *c ^= u8::from(*c & FUNCTION == 0 && inverts(mask, i % size, i / size));
    }
}

/// The 31 module positions of the format information (both copies and the dark module),
/// in the order of [`format_bits`]' bits 0–14 for each copy.
fn format_positions(size: usize) -> [(usize, usize); 30] {
    std::array::from_fn(|i| match i {
        0..=5 => (8, i),
        6 => (8, 7),
        7 => (8, 8),
        8 => (7, 8),
        9..=14 => (14 - i, 8),
        15..=22 => (size - 1 - (i - 15), 8),
        _ => (8, size - 15 + (i - 15)),
    })
}

/// The 15 format bits: level and mask, BCH-protected, XOR-masked.
fn format_bits(ecc: Ecc, mask: usize) -> u32 {
    let data = ecc.format_bits() << 3 | mask as u32;
    let mut rem = data;
    for _ in 0..10 {
        rem = (rem << 1) ^ ((rem >> 9) * 0x537);
    }
    (data << 10 | rem) ^ 0x5412
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
