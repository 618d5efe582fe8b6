//! The archive reader: the sandbox's Alipay archive, names in GBK and UTF-8, CRC-32, and
//! every refusal on archives built here and then damaged field by field.

use super::*;
use proptest::prelude::*;

const SANDBOX_ZIP: &[u8] = include_bytes!("../../tests/data/bills/alipay_trade.zip");
const SANDBOX_GBK: &[u8] = include_bytes!("../../tests/data/bills/alipay_detail.gbk.csv");

/// A valid archive of stored files, written as the ZIP note says (local headers, central
/// directory, end record), with `flags` on every entry.
fn stored(files: &[(&[u8], &[u8])], flags: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let (crc, len) = (crc32(data), data.len() as u32);
        let header = |sig: u32, central: bool| {
            let mut h = sig.to_le_bytes().to_vec();
            if central {
                h.extend(20u16.to_le_bytes()); // made by
            }
            for v in [20u16, flags, 0, 0, 0] {
                h.extend(v.to_le_bytes()); // needed, flags, method, time, date
            }
            for v in [crc, len, len] {
                h.extend(v.to_le_bytes());
            }
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend([0u8; 10]); // comment length, disk, internal and external attributes
                h.extend(offset.to_le_bytes());
            }
            h
        };
        out.extend(header(LOCAL, false));
        out.extend(*name);
        out.extend(*data);
        central.extend(header(CENTRAL, true));
        central.extend(*name);
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(END.to_le_bytes());
    for v in [0u16, 0, files.len() as u16, files.len() as u16] {
        out.extend(v.to_le_bytes());
    }
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// Overwrites a little-endian field.
trait Patch {
    fn put16(&mut self, at: usize, v: u16);
    fn put32(&mut self, at: usize, v: u32);
}

impl Patch for Vec<u8> {
    fn put16(&mut self, at: usize, v: u16) {
        self[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }

    fn put32(&mut self, at: usize, v: u32) {
        self[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
}

fn end_of(b: &[u8]) -> usize {
    b.len() - 22
}

fn cd_of(b: &[u8]) -> usize {
    u32::from_le_bytes(b[end_of(b) + 16..end_of(b) + 20].try_into().unwrap()) as usize
}

const DETAIL_UTF8: &[u8] = "20881011221362410156_20261204_业务明细.csv".as_bytes();
const SUMMARY_UTF8: &[u8] = "20881011221362410156_20261204_业务明细(汇总).csv".as_bytes();

fn pair() -> Vec<u8> {
    stored(&[(b"a.csv", b"hello"), (b"b.csv", b"world!")], 0)
}

#[test]
fn reads_the_sandbox_archive() {
    let found = entries(SANDBOX_ZIP).unwrap();
    assert_eq!(found.len(), 2);
    let gbk_detail = b"20881011221362410156_20261204_\xd2\xb5\xce\xf1\xc3\xf7\xcf\xb8.csv";
    assert_eq!(found[0].name, gbk_detail);
    assert!(!found[0].utf8_name);
    assert!(found[0].is_detail() && !found[0].is_summary());
    assert!(found[1].is_summary() && !found[1].is_detail());
    let detail = detail_entry(&found).unwrap();
    assert_eq!((detail.method, detail.size as usize), (Method::Deflate, SANDBOX_GBK.len()));
    assert_eq!(detail.crc32, crc32(SANDBOX_GBK));
    assert_eq!(detail.check(SANDBOX_GBK.len() as u64, crc32(SANDBOX_GBK)), Ok(()));
    assert!(matches!(detail.check(SANDBOX_GBK.len() as u64 - 1, crc32(SANDBOX_GBK)), Err(ZipError::Corrupt { .. })));
    assert!(matches!(detail.check(SANDBOX_GBK.len() as u64, 0), Err(ZipError::Corrupt { .. })));
    assert!(detail.data.len() < SANDBOX_GBK.len());
}

#[test]
fn crc32_known_values() {
    assert_eq!(crc32(b""), 0);
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
}

#[test]
fn reads_stored_entries_and_names() {
    let archive = stored(&[(DETAIL_UTF8, b"detail"), (SUMMARY_UTF8, b"summary")], 0x0800);
    let found = entries(&archive).unwrap();
    assert_eq!((found[0].data, found[0].method, found[0].size), (b"detail".as_slice(), Method::Stored, 6));
    assert!(found[0].utf8_name && found[0].is_detail() && !found[0].is_summary());
    assert!(found[1].is_summary() && !found[1].is_detail());
    assert_eq!(detail_entry(&found).unwrap().data, b"detail");
    for summary in ["x_汇总.csv", "x_业务明细（汇总）.csv", "x_业务明细(汇总).csv"] {
        let named = stored(&[(summary.as_bytes(), b"")], 0);
        assert!(entries(&named).unwrap()[0].is_summary(), "{summary}");
    }
    for gbk in [b"x_\xbb\xe3\xd7\xdc.csv".as_slice(), b"x(\xbb\xe3\xd7\xdc\xa3\xa9.csv"] {
        assert!(entries(&stored(&[(gbk, b"")], 0)).unwrap()[0].is_summary());
    }
    for other in ["x_汇总.txt", "汇总表.csv", "业务明细.csv.zip", "x.csv"] {
        let named = stored(&[(other.as_bytes(), b"")], 0);
        assert!(!entries(&named).unwrap()[0].is_summary(), "{other}");
    }
    assert_eq!(detail_entry(&found[1..]), Err(ZipError::NoDetail));
    let twice = stored(&[(DETAIL_UTF8, b""), (b"y_\xd2\xb5\xce\xf1\xc3\xf7\xcf\xb8.csv", b"")], 0);
    assert_eq!(detail_entry(&entries(&twice).unwrap()), Err(ZipError::ManyDetails(2)));
}

#[test]
fn the_end_record_must_end_the_archive() {
    for bad in [&b""[..], b"PK", &[0u8; 21], &[0u8; 100]] {
        assert_eq!(entries(bad), Err(ZipError::NotZip));
    }
    let mut trailing = pair();
    trailing.push(0);
    assert_eq!(entries(&trailing), Err(ZipError::NotZip));
    let mut commented = pair();
    let end = end_of(&commented);
    commented.put16(end + 20, 3);
    commented.extend(b"hi!");
    assert_eq!(entries(&commented).unwrap().len(), 2);
    let empty = stored(&[], 0);
    assert_eq!(entries(&empty).unwrap(), vec![]);
}

#[test]
fn refuses_zip64_and_multi_disk() {
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut a = pair();
        f(&mut a);
        entries(&a).unwrap_err()
    };
    assert_eq!(edit(&|a| a.put16(end_of(a) + 10, 0xFFFF)), ZipError::Zip64);
    assert_eq!(edit(&|a| a.put32(end_of(a) + 16, u32::MAX)), ZipError::Zip64);
    assert_eq!(edit(&|a| a.put32(cd_of(a) + 24, u32::MAX)), ZipError::Zip64);
    assert_eq!(edit(&|a| a.put32(cd_of(a) + 42, u32::MAX)), ZipError::Zip64);
    assert_eq!(
        edit(&|a| {
            let at = end_of(a); // 20 bytes before the end record
            a.splice(at..at, [0u8; 20]);
            a.put32(at, ZIP64_LOCATOR);
        }),
        ZipError::Zip64
    );
    assert_eq!(edit(&|a| a.put16(end_of(a) + 4, 1)), ZipError::MultiDisk);
    assert_eq!(edit(&|a| a.put16(end_of(a) + 8, 1)), ZipError::MultiDisk);
    assert_eq!(edit(&|a| a.put16(cd_of(a) + 34, 1)), ZipError::MultiDisk);
}

#[test]
fn refuses_what_it_cannot_or_must_not_read() {
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut a = pair();
        f(&mut a);
        entries(&a).unwrap_err()
    };
    let many: Vec<(Vec<u8>, &[u8])> = (0..17).map(|i| (format!("{i}.csv").into_bytes(), &b"x"[..])).collect();
    let many: Vec<(&[u8], &[u8])> = many.iter().map(|(n, d)| (n.as_slice(), *d)).collect();
    assert_eq!(entries(&stored(&many, 0)), Err(ZipError::TooManyEntries(17)));
    assert!(entries(&stored(&many[..16], 0)).is_ok());
    assert_eq!(entries(&stored(&[(b"a", b"x")], 1)), Err(ZipError::Encrypted(0)));
    assert_eq!(edit(&|a| a.put16(6, 1)), ZipError::Encrypted(0));
    assert_eq!(edit(&|a| a.put16(cd_of(a) + 10, 99)), ZipError::Encrypted(0));
    assert_eq!(edit(&|a| a.put16(cd_of(a) + 10, 12)), ZipError::Method { index: 0, method: 12 });
    let second = |a: &[u8]| cd_of(a) + 46 + 5;
    assert_eq!(edit(&|a| a.put16(second(a) + 10, 14)), ZipError::Method { index: 1, method: 14 });
    // Sizes: stored sizes that differ, more than the limit, more than deflate can give.
    assert_eq!(
        edit(&|a| a.put32(cd_of(a) + 24, 4)),
        ZipError::Entry { index: 0, reason: "stored with two different sizes" }
    );
    assert_eq!(
        edit(&|a| a.put32(cd_of(a) + 24, MAX_ENTRY_SIZE + 1)),
        ZipError::TooLarge { index: 0, size: MAX_ENTRY_SIZE + 1 }
    );
    assert_eq!(
        edit(&|a| {
            a.put16(cd_of(a) + 10, 8);
            a.put32(cd_of(a) + 24, 5 * 1032 + 1);
        }),
        ZipError::TooLarge { index: 0, size: 5 * 1032 + 1 }
    );
}

#[test]
fn refuses_bad_offsets_and_overlaps() {
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut a = pair();
        f(&mut a);
        entries(&a).unwrap_err()
    };
    let entry = |index, reason| ZipError::Entry { index, reason };
    let second = |a: &[u8]| cd_of(a) + 46 + 5;
    assert_eq!(
        edit(&|a| a.put32(end_of(a) + 16, 0)),
        ZipError::Directory("it does not end where its end record starts")
    );
    assert_eq!(
        edit(&|a| a.put32(end_of(a) + 12, 1)),
        ZipError::Directory("it does not end where its end record starts")
    );
    assert_eq!(edit(&|a| a.put16(end_of(a) + 8, 1)), ZipError::MultiDisk);
    assert_eq!(
        edit(&|a| {
            a.put16(end_of(a) + 8, 1);
            a.put16(end_of(a) + 10, 1);
        }),
        ZipError::Directory("its size does not match its entries")
    );
    assert_eq!(
        edit(&|a| a.put32(cd_of(a), 0)),
        ZipError::Directory("an entry record is missing or has a bad signature")
    );
    assert_eq!(edit(&|a| a.put16(cd_of(a) + 32, 500)), ZipError::Directory("an entry record runs past the directory"));
    assert_eq!(edit(&|a| a.put32(cd_of(a) + 42, 7)), entry(0, "its local header is missing or out of range"));
    assert_eq!(edit(&|a| a.put32(second(a) + 42, 10_000)), entry(1, "its local header is missing or out of range"));
    assert_eq!(edit(&|a| a.put32(second(a) + 42, 0)), entry(1, "its local header has another name"));
    let mut same = stored(&[(b"a.csv", b"hello"), (b"a.csv", b"hello")], 0);
    let at = second(&same) + 42;
    same.put32(at, 0);
    assert_eq!(entries(&same), Err(ZipError::Overlap(0, 1)));
    assert_eq!(edit(&|a| a[30] = b'x'), entry(0, "its local header has another name"));
    assert_eq!(edit(&|a| a.put16(8, 8)), entry(0, "its local header has another method"));
    assert_eq!(edit(&|a| a.put32(14, 1)), entry(0, "its local header has other sizes or CRC"));
    // A local extra field that runs the data into the next entry.
    assert_eq!(edit(&|a| a.put16(28, 3)), ZipError::Overlap(0, 1));
    let mut last = pair();
    let second_local = 30 + 5 + 5;
    last.put16(second_local + 28, 1);
    assert_eq!(entries(&last), Err(entry(1, "its data runs into the central directory or past the archive")));
}

#[test]
fn a_data_descriptor_defers_the_local_sizes() {
    let mut a = stored(&[(b"a.csv", b"hello")], 0x0008);
    for at in [14, 18, 22] {
        a.put32(at, 0);
    }
    assert_eq!(entries(&a).unwrap()[0].data, b"hello");
    a.put32(18, 5);
    assert!(entries(&a).is_err());
}

proptest! {
    #[test]
    fn crc_streams(data in prop::collection::vec(any::<u8>(), 0..300), split in 0usize..300) {
        let split = split.min(data.len());
        let mut crc = Crc32::new();
        crc.update(&data[..split]);
        crc.update(&data[split..]);
        prop_assert_eq!(crc.finish(), crc32(&data));
    }

    #[test]
    fn damaged_archives_never_panic(at in 0usize..2000, byte in any::<u8>(), cut in 0usize..2000) {
        let mut a = SANDBOX_ZIP.to_vec();
        let at = at % a.len();
        a[at] = byte;
        if let Ok(found) = entries(&a) {
            for e in found {
                prop_assert!(e.data.len() <= a.len() && e.size <= MAX_ENTRY_SIZE);
            }
        }
        let _ = entries(&a[..cut.min(a.len())]);
        let _ = entries(&a[cut.min(a.len())..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = entries(&bytes);
        let mut framed = pair();
        let cd = cd_of(&framed);
        framed.splice(cd..cd, bytes);
        let _ = entries(&framed);
    }
}
