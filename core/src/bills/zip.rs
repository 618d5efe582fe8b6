//! The ZIP archive Alipay's bill comes in, read from its central directory.
//!
//! Why here: finding an entry's bytes is exact byte work on untrusted offsets, small and
//! natively testable; inflating is the platform's (workerd's
//! `DecompressionStream("deflate-raw")`), so this module only says where each entry's
//! compressed bytes are, how they are compressed, and what the inflated bytes must be
//! (size and CRC-32, with [`Crc32`] to compute it as they stream).
//!
//! The central directory is the authority; each local header is checked against it. The
//! archive is refused when it is ZIP64 or multi-disk, has more than [`MAX_ENTRIES`]
//! entries, an encrypted entry, a method other than stored (0) or deflate (8), an offset
//! or size outside the archive, entries overlapping each other or the directory, stored
//! sizes that differ, or a declared size above [`MAX_ENTRY_SIZE`] or beyond deflate's
//! 1032:1 ratio. Names are bytes as stored (Alipay's are GBK, without the UTF-8 flag).

/// At most this many entries (Alipay sends two).
pub const MAX_ENTRIES: usize = 16;
/// The largest uncompressed entry accepted: 256 MiB (about a million bill lines).
pub const MAX_ENTRY_SIZE: u32 = 256 << 20;
/// Deflate cannot expand more than about 1032:1.
const MAX_RATIO: u64 = 1032;

const END: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;

/// How an entry's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// 0: as they are.
    Stored,
    /// 8: raw DEFLATE (`DecompressionStream("deflate-raw")`).
    Deflate,
}

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry<'a> {
    /// The name's bytes as stored.
    pub name: &'a [u8],
    /// True when the archive flags the name as UTF-8 (else it is in the writer's code page:
    /// GBK for Alipay).
    pub utf8_name: bool,
    /// How [`Self::data`] is compressed.
    pub method: Method,
    /// The compressed bytes.
    pub data: &'a [u8],
    /// CRC-32 of the uncompressed bytes.
    pub crc32: u32,
    /// Length of the uncompressed bytes.
    pub size: u32,
}

/// Why an archive or an inflated entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    /// No end-of-central-directory record at the end.
    #[error("not a ZIP archive (no end of central directory record)")]
    NotZip,
    /// ZIP64 records or sizes.
    #[error("ZIP64 archives are not accepted")]
    Zip64,
    /// Spanned or split archives.
    #[error("multi-disk archives are not accepted")]
    MultiDisk,
    /// More than [`MAX_ENTRIES`].
    #[error("{0} entries (at most {MAX_ENTRIES})")]
    TooManyEntries(u64),
    /// The central directory does not read.
    #[error("the central directory is malformed: {0}")]
    Directory(&'static str),
    /// An entry does not read (entries count from 0).
    #[error("entry {index}: {reason}")]
    Entry {
        /// Which entry.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// An encrypted entry.
    #[error("entry {0} is encrypted")]
    Encrypted(usize),
    /// Neither stored nor deflate.
    #[error("entry {index}: compression method {method} (only 0 stored and 8 deflate)")]
    Method {
        /// Which entry.
        index: usize,
        /// The method number.
        method: u16,
    },
    /// Two entries share bytes.
    #[error("entries {0} and {1} overlap")]
    Overlap(usize, usize),
    /// Above [`MAX_ENTRY_SIZE`] or deflate's ratio.
    #[error(
        "entry {index} declares {size} bytes uncompressed (at most {MAX_ENTRY_SIZE}, and 1032 per compressed byte)"
    )]
    TooLarge {
        /// Which entry.
        index: usize,
        /// The declared size.
        size: u32,
    },
    /// No 业务明细 CSV.
    #[error("no 业务明细 CSV in the archive")]
    NoDetail,
    /// More than one 业务明细 CSV.
    #[error("{0} 业务明细 CSVs in the archive")]
    ManyDetails(usize),
    /// The inflated bytes are not what the directory says.
    #[error(
        "the inflated entry has {len} bytes and CRC-32 {crc:08x}; the directory says {want_len} and {want_crc:08x}"
    )]
    Corrupt {
        /// Inflated length.
        len: u64,
        /// Inflated CRC-32.
        crc: u32,
        /// Declared length.
        want_len: u32,
        /// Declared CRC-32.
        want_crc: u32,
    },
}

fn u16_at(b: &[u8], at: u64) -> Option<u16> {
    let at = usize::try_from(at).ok()?;
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: u64) -> Option<u32> {
    let at = usize::try_from(at).ok()?;
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn slice(b: &[u8], from: u64, len: u64) -> Option<&[u8]> {
    let from = usize::try_from(from).ok()?;
    b.get(from..from.checked_add(usize::try_from(len).ok()?)?)
}

/// The entries of `archive` (the whole file), in central-directory order.
pub fn entries(archive: &[u8]) -> Result<Vec<ZipEntry<'_>>, ZipError> {
    let len = archive.len() as u64;
    let last = len.checked_sub(22).ok_or(ZipError::NotZip)?;
    let end = (last.saturating_sub(0xFFFF)..=last)
        .rev()
        .find(|&at| {
            u32_at(archive, at) == Some(END)
                && u16_at(archive, at + 20).is_some_and(|comment| at + 22 + u64::from(comment) == len)
        })
        .ok_or(ZipError::NotZip)?;
    let field16 = |off| u16_at(archive, end + off).unwrap_or(0);
    let field32 = |off| u32_at(archive, end + off).unwrap_or(0);
    let (disk, cd_disk, on_disk, total) = (field16(4), field16(6), field16(8), field16(10));
    let (cd_size, cd_offset) = (field32(12), field32(16));
    let locator = end.checked_sub(20).and_then(|at| u32_at(archive, at)) == Some(ZIP64_LOCATOR);
    if locator || total == 0xFFFF || on_disk == 0xFFFF || cd_size == u32::MAX || cd_offset == u32::MAX {
        return Err(ZipError::Zip64);
    }
    if disk != 0 || cd_disk != 0 || on_disk != total {
        return Err(ZipError::MultiDisk);
    }
    if usize::from(total) > MAX_ENTRIES {
        return Err(ZipError::TooManyEntries(u64::from(total)));
    }
    let cd_start = u64::from(cd_offset);
    if cd_start + u64::from(cd_size) != end {
        return Err(ZipError::Directory("it does not end where its end record starts"));
    }
    let mut out = Vec::with_capacity(usize::from(total));
    let mut spans = Vec::with_capacity(usize::from(total));
    let mut at = cd_start;
    for index in 0..usize::from(total) {
        let (entry, next, span) = central(archive, index, at, end, cd_start)?;
        out.push(entry);
        spans.push((span.0, span.1, index));
        at = next;
    }
    if at != end {
        return Err(ZipError::Directory("its size does not match its entries"));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        if pair[1].0 < pair[0].1 {
            return Err(ZipError::Overlap(pair[0].2.min(pair[1].2), pair[0].2.max(pair[1].2)));
        }
    }
    Ok(out)
}

/// One central-directory record at `at`: the entry, where the next record starts, and
/// the bytes (local header through data) the entry occupies.
fn central(
    archive: &[u8],
    index: usize,
    at: u64,
    end: u64,
    cd_start: u64,
) -> Result<(ZipEntry<'_>, u64, (u64, u64)), ZipError> {
    let bad = |reason| ZipError::Entry { index, reason };
    if at + 46 > end || u32_at(archive, at) != Some(CENTRAL) {
        return Err(ZipError::Directory("an entry record is missing or has a bad signature"));
    }
    let f16 = |off| u16_at(archive, at + off).unwrap_or(0);
    let f32 = |off| u32_at(archive, at + off).unwrap_or(0);
    let (flags, method, crc32, csize, size) = (f16(8), f16(10), f32(16), f32(20), f32(24));
    let (name_len, extra_len, comment_len, disk) = (f16(28), f16(30), f16(32), f16(34));
    let local = u64::from(f32(42));
    let next = at + 46 + u64::from(name_len) + u64::from(extra_len) + u64::from(comment_len);
    if next > end {
        return Err(ZipError::Directory("an entry record runs past the directory"));
    }
    let name = slice(archive, at + 46, u64::from(name_len)).ok_or(ZipError::Directory("name out of range"))?;
    if csize == u32::MAX || size == u32::MAX || local == u64::from(u32::MAX) {
        return Err(ZipError::Zip64);
    }
    if disk != 0 {
        return Err(ZipError::MultiDisk);
    }
    if flags & 0x0041 != 0 || method == 99 {
        return Err(ZipError::Encrypted(index));
    }
    let method = match method {
        0 => Method::Stored,
        8 => Method::Deflate,
        m => return Err(ZipError::Method { index, method: m }),
    };
    if size > MAX_ENTRY_SIZE || (method == Method::Deflate && u64::from(size) > u64::from(csize) * MAX_RATIO) {
        return Err(ZipError::TooLarge { index, size });
    }
    if method == Method::Stored && csize != size {
        return Err(bad("stored with two different sizes"));
    }
    // The local header, checked against the directory.
    if local + 30 > cd_start || u32_at(archive, local) != Some(LOCAL) {
        return Err(bad("its local header is missing or out of range"));
    }
    let l16 = |off| u16_at(archive, local + off).unwrap_or(0);
    let l32 = |off| u32_at(archive, local + off).unwrap_or(0);
    if l16(6) & 0x0041 != 0 {
        return Err(ZipError::Encrypted(index));
    }
    if l16(8) != f16(10) {
        return Err(bad("its local header has another method"));
    }
    let (lname_len, lextra_len) = (u64::from(l16(26)), u64::from(l16(28)));
    if slice(archive, local + 30, lname_len) != Some(name) {
        return Err(bad("its local header has another name"));
    }
    let local_says = (l32(14), l32(18), l32(22));
    let deferred = flags & 0x0008 != 0 && local_says == (0, 0, 0);
    if !deferred && local_says != (crc32, csize, size) {
        return Err(bad("its local header has other sizes or CRC"));
    }
    let data_start = local + 30 + lname_len + lextra_len;
    let data_end = data_start + u64::from(csize);
    if data_end > cd_start {
        return Err(bad("its data runs into the central directory or past the archive"));
    }
    let data = slice(archive, data_start, u64::from(csize)).ok_or(bad("data out of range"))?;
    let entry = ZipEntry { name, utf8_name: flags & 0x0800 != 0, method, data, crc32, size };
    Ok((entry, next, (local, data_end)))
}

const GBK_SUMMARY: &[u8] = b"\xbb\xe3\xd7\xdc"; // 汇总
const GBK_DETAIL: &[u8] = b"\xd2\xb5\xce\xf1\xc3\xf7\xcf\xb8"; // 业务明细
const GBK_CLOSE_PAREN: &[u8] = b"\xa3\xa9"; // ）

impl ZipEntry<'_> {
    /// The name without `.csv` and a closing parenthesis (ASCII, or full-width in GBK or
    /// UTF-8), or `None` if it does not end in `.csv`.
    fn stem(&self) -> Option<&[u8]> {
        let stem = self.name.strip_suffix(b".csv")?;
        let closers: [&[u8]; 3] = [b")", GBK_CLOSE_PAREN, "）".as_bytes()];
        Some(closers.iter().find_map(|c| stem.strip_suffix(*c)).unwrap_or(stem))
    }

    /// True for the summary file to skip: the name ends with `汇总.csv` or `汇总).csv`
    /// (`…_业务明细(汇总).csv`), in GBK or UTF-8.
    pub fn is_summary(&self) -> bool {
        self.stem().is_some_and(|s| s.ends_with(GBK_SUMMARY) || s.ends_with("汇总".as_bytes()))
    }

    /// True for the detail file: the name ends with `业务明细.csv`, in GBK or UTF-8.
    pub fn is_detail(&self) -> bool {
        let name = self.name.strip_suffix(b".csv").unwrap_or(b"");
        name.ends_with(GBK_DETAIL) || name.ends_with("业务明细".as_bytes())
    }

    /// Checks the inflated bytes' length and CRC-32 (from [`Crc32`] as they streamed).
    pub fn check(&self, len: u64, crc: u32) -> Result<(), ZipError> {
        if len == u64::from(self.size) && crc == self.crc32 {
            return Ok(());
        }
        Err(ZipError::Corrupt { len, crc, want_len: self.size, want_crc: self.crc32 })
    }
}

/// The one 业务明细 CSV among `entries` (the summary is skipped by name).
pub fn detail_entry<'a>(entries: &[ZipEntry<'a>]) -> Result<ZipEntry<'a>, ZipError> {
    let mut details = entries.iter().filter(|e| e.is_detail() && !e.is_summary());
    match (details.next(), details.count()) {
        (Some(entry), 0) => Ok(entry.clone()),
        (None, _) => Err(ZipError::NoDetail),
        (Some(_), more) => Err(ZipError::ManyDetails(more + 1)),
    }
}

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = crc_table();

/// CRC-32 (IEEE 802.3, the ZIP and gzip one), computed as bytes stream.
#[derive(Debug, Clone, Copy)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Self(u32::MAX)
    }
}

impl Crc32 {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads more bytes.
    pub fn update(&mut self, data: &[u8]) {
        let mut c = self.0;
        for &b in data {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    /// The CRC of everything read.
    pub fn finish(&self) -> u32 {
        !self.0
    }
}

/// CRC-32 of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(data);
    crc.finish()
}

#[cfg(test)]
#[path = "zip_tests.rs"]
mod tests;
