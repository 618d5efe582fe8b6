//! The mask penalty of ISO/IEC 18004 §7.8.3 on bit-packed rows and columns: runs of five
//! or more, 2×2 blocks, finder-like patterns and the dark/light balance, scored exactly as
//! the `qrcodegen` reference does so both choose the same mask.

/// The eight mask conditions: `true` inverts the data module at column `x`, row `y`.
pub(crate) const fn inverts(mask: usize, x: usize, y: usize) -> bool {
    match mask {
        0 => (x + y).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (x + y).is_multiple_of(3),
        4 => (x / 3 + y / 2).is_multiple_of(2),
        5 => x * y % 2 + x * y % 3 == 0,
        6 => (x * y % 2 + x * y % 3).is_multiple_of(2),
        _ => ((x + y) % 2 + x * y % 3).is_multiple_of(2),
    }
}

/// Words per line: 3 × 64 bits hold the 177 modules of version 40.
const W: usize = 3;
type Line = [u64; W];

/// Every mask condition depends on a row only through `y % 12` (and on a column through
/// `x % 12`), so each mask is 12 line patterns, built at compile time: `rows[m][r]` has bit
/// `x` set when mask `m` inverts column `x` of a row `y ≡ r`; `cols` the same for columns.
struct MaskLines {
    rows: [[Line; 12]; 8],
    cols: [[Line; 12]; 8],
}

const MASK_LINES: MaskLines = {
    let mut t = MaskLines { rows: [[[0; W]; 12]; 8], cols: [[[0; W]; 12]; 8] };
    let mut m = 0;
    while m < 8 {
        let mut r = 0;
        while r < 12 {
            let mut i = 0;
            while i < 64 * W {
                if inverts(m, i, r) {
                    t.rows[m][r][i / 64] |= 1 << (i % 64);
                }
                if inverts(m, r, i) {
                    t.cols[m][r][i / 64] |= 1 << (i % 64);
                }
                i += 1;
            }
            r += 1;
        }
        m += 1;
    }
    t
};

/// The symbol as bit-packed rows and columns (bit `x` of row `y` = bit `y` of column `x`).
#[derive(Clone)]
pub(crate) struct Lines {
    size: usize,
    rows: Vec<Line>,
    cols: Vec<Line>,
}

impl Lines {
    pub(crate) fn from_cells(cells: &[u8], size: usize, flag: u8) -> Self {
        let mut lines = Lines { size, rows: vec![[0; W]; size], cols: vec![[0; W]; size] };
        for (i, &c) in cells.iter().enumerate() {
            if c & flag != 0 {
                lines.set(i % size, i / size, true);
            }
        }
        lines
    }

    pub(crate) fn set(&mut self, x: usize, y: usize, dark: bool) {
        let (rw, rb) = (x / 64, x % 64);
        let (cw, cb) = (y / 64, y % 64);
        if dark {
            self.rows[y][rw] |= 1 << rb;
            self.cols[x][cw] |= 1 << cb;
        } else {
            self.rows[y][rw] &= !(1 << rb);
            self.cols[x][cw] &= !(1 << cb);
        }
    }

    /// `base` with `mask` applied to its data modules, written into `self`.
    pub(crate) fn masked(&mut self, base: &Lines, function: &Lines, mask: usize) {
        let valid = valid_bits(self.size);
        let patterns = &MASK_LINES;
        for (i, (row, (b, f))) in self.rows.iter_mut().zip(base.rows.iter().zip(&function.rows)).enumerate() {
            let pattern = &patterns.rows[mask][i % 12];
            *row = std::array::from_fn(|w| b[w] ^ (pattern[w] & !f[w] & valid[w]));
        }
        for (i, (col, (b, f))) in self.cols.iter_mut().zip(base.cols.iter().zip(&function.cols)).enumerate() {
            let pattern = &patterns.cols[mask][i % 12];
            *col = std::array::from_fn(|w| b[w] ^ (pattern[w] & !f[w] & valid[w]));
        }
    }

    /// The standard's penalty: runs of 5+, 2×2 blocks, finder-like patterns, balance.
    pub(crate) fn penalty(&self) -> i32 {
        let size = self.size;
        let mut score = 0;
        for line in self.rows.iter().chain(&self.cols) {
            score += line_penalty(line, size);
        }
        let valid = valid_bits(size);
        // 2×2 blocks: bit x set when modules x and x+1 of both rows share a colour.
        let shifted =
            |l: &Line| -> Line { std::array::from_fn(|w| l[w] >> 1 | if w + 1 < W { l[w + 1] << 63 } else { 0 }) };
        for pair in self.rows.windows(2) {
            let dark: Line = std::array::from_fn(|w| pair[0][w] & pair[1][w]);
            let light: Line = std::array::from_fn(|w| !pair[0][w] & !pair[1][w] & valid[w]);
            let (ds, ls) = (shifted(&dark), shifted(&light));
            for w in 0..W {
                let blocks = (dark[w] & ds[w]) | (light[w] & ls[w]);
                // Bit size-1 has no right neighbour.
                let last = if (size - 1) / 64 == w { !(1u64 << ((size - 1) % 64)) } else { u64::MAX };
                score += 3 * (blocks & last & valid[w]).count_ones() as i32;
            }
        }
        let dark: i32 = self.rows.iter().flatten().map(|w| w.count_ones() as i32).sum();
        let total = (size * size) as i32;
        let k = ((dark * 20 - total * 10).abs() + total - 1) / total - 1;
        score + k * 10
    }
}

/// Bits `0..size` of a line.
fn valid_bits(size: usize) -> Line {
    std::array::from_fn(|w| match size.saturating_sub(w * 64) {
        0 => 0,
        n if n >= 64 => u64::MAX,
        n => (1 << n) - 1,
    })
}

/// The first index at or after `from` whose module differs from `color`, or `size`.
fn next_change(line: &Line, from: usize, dark: bool, size: usize) -> usize {
    let mut w = from / 64;
    let mut word = if dark { !line[w] } else { line[w] } >> (from % 64) << (from % 64);
    loop {
        if word != 0 {
            return (w * 64 + word.trailing_zeros() as usize).min(size);
        }
        w += 1;
        if w == W || w * 64 >= size {
            return size;
        }
        word = if dark { !line[w] } else { line[w] };
    }
}

/// Penalty of one line, walked run by run: 3 + (n − 5) for each run of n ≥ 5, and 40 for
/// each dark-light-dark-light-dark run pattern in 1:1:3:1:1 with 4 light modules on one
/// side, the symbol's light border counting as part of the first and last light runs.
fn line_penalty(line: &Line, size: usize) -> i32 {
    let mut score = 0;
    let mut history = [0usize; 7];
    let push = |history: &mut [usize; 7], mut run: usize| {
        if history[0] == 0 {
            run += size;
        }
        *history = [run, history[0], history[1], history[2], history[3], history[4], history[5]];
    };
    let finder_like = |h: &[usize; 7]| {
        let n = h[1];
        let core = n > 0 && h[2] == n && h[3] == n * 3 && h[4] == n && h[5] == n;
        i32::from(core && h[0] >= n * 4 && h[6] >= n) + i32::from(core && h[6] >= n * 4 && h[0] >= n)
    };
    let (mut pos, mut dark) = (0, false);
    loop {
        let end = next_change(line, pos, dark, size);
        let len = end - pos;
        if len >= 5 {
            score += len as i32 - 2;
        }
        if end == size {
            if dark {
                push(&mut history, len);
                push(&mut history, size);
            } else {
                push(&mut history, len + size);
            }
            return score + finder_like(&history) * 40;
        }
        push(&mut history, len);
        if !dark {
            score += finder_like(&history) * 40;
        }
        pos = end;
        dark = !dark;
    }
}
