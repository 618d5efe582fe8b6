//! The WeChat `ALL` bill: published samples, the sandbox's bill, every split point,
//! malformed and inconsistent bills, a 100 000-line bill, and generated bills.

use super::*;
use crate::AmountFen;
use proptest::prelude::*;

const SANDBOX: &[u8] = include_bytes!("../../tests/data/bills/wechat_all.csv");
const SANDBOX_GZ: &[u8] = include_bytes!("../../tests/data/bills/wechat_all.csv.gz");

const HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const SUMMARY_HEADER: &str =
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";

/// A v3 trade bill file as downloaded: the expected content of a Go WeChat Pay v3 client's
/// `TestDownloadForClient` (merchant 1601959334, behind a `/v3/billdownload/file` URL;
/// seen through a code index that names no repository). The same format as v2 `ALL`.
const GO_V3_SAMPLE: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n\
`2021-01-28 17:07:11,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000925202101284997714292,`S20210128170702357723,`ofyak5qR_1wYsC99CsWA6R9MJazA,`NATIVE,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`for testing,`cipher code,`0.00000,`1.00%,`0.01,`0.00,`\n\
`2021-01-28 15:35:18,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000910202101282955148400,`S20210128153505214586,`ofyak5qR_1wYsC99CsWA6R9MJazA,`NATIVE,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`for testing,`cipher code,`0.00000,`1.00%,`0.01,`0.00,`\n\
`2021-01-28 16:59:46,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000926202101281412639609,`S20210128165824499930,`ofyak5qR_1wYsC99CsWA6R9MJazA,`NATIVE,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`for testing,`cipher code,`0.00000,`1.00%,`0.01,`0.00,`\n\
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n\
`3,`0.03,`0.00,`0.00,`0.00000,`0.03,`0.00\n";

/// Two lines of a real `ALL` bill (merchant 1579507281, July 2024: a refund with JSON in
/// 商户数据包, then a payment), quoted in the doc comment of xjryanse's PHP
/// `Strings::csvToArray`. Its summary covered 29 lines; here it is recomputed for these two.
const PHP_REFUND_SAMPLE: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n\
`2024-07-09 16:47:58,`wxe1696e7c7db8e7f4,`1579507281,`0,`,`4200002166202406250324636876,`5617363390111199232,`oVgfJ5d35c6iAXrRCnfhOGF9aHT8,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50302709992024070991956632208,`5622435300878286848,`50.00,`0.00,`ORIGINAL,`SUCCESS,`2024-06-28 18:30 客户付款,`{\"statement_id\":\"5617363390111199232\"},`-0.27000,`0.54%,`0.00,`50.00,`\n\
`2024-07-09 10:06:33,`wxe1696e7c7db8e7f4,`1579507281,`0,`,`4200002360202407091150650780,`5622334254839656448,`oVgfJ5TrnzDOSuaxbFc33mw-5LUY,`JSAPI,`SUCCESS,`OTHERS,`CNY,`60.00,`0.00,`0,`0,`0.00,`0.00,`,`,`2024-07-10 13:50 客户付款,`{\"statement_id\":\"5622334254839656448\"},`0.32000,`0.54%,`60.00,`0.00,`\n\
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n\
`2,`60.00,`50.00,`0.00,`0.05000,`60.00,`50.00\n";

/// binarywang/WxJava `WxPayBillResultTest.PAY_BILL_RESULT_ALL_CONTENT`: one line kept of
/// a 48-line bill, so its summary disagrees with its lines.
const WXJAVA_TRIMMED: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n\
`2019-07-25 08:35:41,`WWWW,`XXXXXXXX,`0,`,`XXXXXXXXXXXXX,`XXXXXXXXXX,`XXXXXXXXXXX,`JSAPI,`SUCCESS,`PSBC_DEBIT,`CNY,`6.00,`0.00,`0,`0,`0.00,`0.00,`,`,`XXXXXX,`XXXXXXX,`0.04000,`0.60%,`6.00,`0.00,`\n\
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n\
`48,`5.76,`1.42,`0.00,`0.01000,`5.76,`1.42\n";

fn parse_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<(Vec<BillLine>, BillTotals), BillError> {
    let mut parser = WechatBillParser::new();
    let mut lines = Vec::new();
    for chunk in chunks {
        lines.extend(parser.feed(chunk)?);
    }
    Ok((lines, parser.finish()?))
}

fn parse(bytes: &[u8]) -> Result<(Vec<BillLine>, BillTotals), BillError> {
    parse_chunks([bytes])
}

fn at(text: &str) -> i64 {
    crate::time::parse_beijing_compact(&text.replace(['-', ' ', ':'], "")).unwrap()
}

fn fen(f: u64) -> AmountFen {
    AmountFen::new(f).unwrap()
}

#[test]
fn reads_a_v3_bill_file() {
    let (lines, totals) = parse(GO_V3_SAMPLE.as_bytes()).unwrap();
    assert_eq!(totals, BillTotals { payments: 3, payment_fen: 3, refunds: 0, refund_fen: 0 });
    assert_eq!(
        lines[0],
        BillLine {
            trade_no: "S20210128170702357723".into(),
            transaction_id: "4200000925202101284997714292".into(),
            time: at("2021-01-28 17:07:11"),
            kind: LineKind::Payment,
            amount: fen(1),
            currency: Some("CNY".into()),
            attach: Some("cipher code".into()),
            subject: "for testing".into(),
        }
    );
    assert_eq!(BillTotals::of(&lines), totals);
}

#[test]
fn reads_a_refund_line() {
    let (lines, totals) = parse(PHP_REFUND_SAMPLE.as_bytes()).unwrap();
    assert_eq!(totals, BillTotals { payments: 1, payment_fen: 6000, refunds: 1, refund_fen: 5000 });
    let refund = &lines[0];
    assert_eq!(
        refund.kind,
        LineKind::Refund {
            refund_no: "5622435300878286848".into(),
            refund_id: Some("50302709992024070991956632208".into()),
            status: "SUCCESS".into(),
        }
    );
    assert_eq!((refund.amount, refund.time), (fen(5000), at("2024-07-09 16:47:58")));
    assert_eq!(refund.trade_no, "5617363390111199232");
    assert_eq!(refund.attach.as_deref(), Some("{\"statement_id\":\"5617363390111199232\"}"));
    assert_eq!(lines[1].amount, fen(6000));
}

#[test]
fn a_trimmed_bill_is_refused() {
    let err = parse(WXJAVA_TRIMMED.as_bytes()).unwrap_err();
    assert_eq!(err, BillError::Summary { line: 4, reason: "总交易单数 is 48 but the bill has 1 lines".into() });
}

#[test]
fn reads_the_sandbox_bill() {
    let (lines, totals) = parse(SANDBOX).unwrap();
    let day = crate::bills::parse_bill_date("2026-12-04").unwrap();
    assert_eq!(lines.len(), 5);
    assert_eq!(totals, BillTotals { payments: 3, payment_fen: 1990 + 1 + 2_147_483_647, refunds: 2, refund_fen: 2490 });
    assert_eq!(BillTotals::of(&lines), totals);
    assert_eq!((lines[0].time, lines[4].time), (day.start(), day.end() - 1));
    assert_eq!(lines[0].subject, "T恤, 红色 (L)");
    assert_eq!(lines[0].attach.as_deref(), Some("order_0001"));
    assert_eq!(lines[1].attach, None);
    assert_eq!((lines[4].subject.as_str(), lines[4].attach.as_deref()), ("Max `total_fee`", Some("a,b")));
    assert_eq!(lines[4].amount, AmountFen::MAX);
    assert_eq!(
        lines[3].kind,
        LineKind::Refund {
            refund_no: "Rfedcba98765432101".into(),
            refund_id: Some("50300000000000000000000000002".into()),
            status: "PROCESSING".into(),
        }
    );
    assert_eq!((lines[3].trade_no.as_str(), lines[3].amount), ("order_0000_w1", fen(500)));
}

#[test]
fn crc32_matches_zlib() {
    // A gzip trailer holds zlib's CRC-32 of the content, then its length.
    let trailer = &SANDBOX_GZ[SANDBOX_GZ.len() - 8..];
    assert_eq!(crate::bills::zip::crc32(SANDBOX), u32::from_le_bytes(trailer[..4].try_into().unwrap()));
    assert_eq!(SANDBOX.len() as u32, u32::from_le_bytes(trailer[4..].try_into().unwrap()));
}

#[test]
fn every_split_point_reads_the_same() {
    let whole = parse(SANDBOX).unwrap();
    for i in 0..=SANDBOX.len() {
        assert_eq!(parse_chunks([&SANDBOX[..i], &SANDBOX[i..]]).unwrap(), whole, "split at {i}");
    }
    assert_eq!(parse_chunks(SANDBOX.chunks(1)).unwrap(), whole);
    assert_eq!(parse_chunks(SANDBOX.chunks(7)).unwrap(), whole);
}

#[test]
fn a_truncated_bill_is_never_a_short_report() {
    let whole = parse(SANDBOX).unwrap();
    for i in 0..SANDBOX.len() {
        // Either an error, or (cutting `\r\n` or a trailing `0` of the last figure) the
        // same report.
        if let Ok(read) = parse(&SANDBOX[..i]) {
            assert_eq!(read, whole, "prefix of {i} bytes");
        }
    }
    let cut = |bytes: &[u8]| parse(bytes).unwrap_err();
    assert_eq!(cut(b""), BillError::Incomplete { line: 0, missing: "its header" });
    let header_only = format!("{HEADER}\r\n");
    assert_eq!(cut(header_only.as_bytes()), BillError::Incomplete { line: 1, missing: "its summary" });
    let no_values = format!("{HEADER}\r\n{SUMMARY_HEADER}\r\n");
    assert_eq!(cut(no_values.as_bytes()), BillError::Incomplete { line: 2, missing: "its summary values" });
}

#[test]
fn an_empty_day_reads() {
    let text = format!("{HEADER}\r\n{SUMMARY_HEADER}\r\n`0,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00\r\n");
    assert_eq!(parse(text.as_bytes()).unwrap(), (vec![], BillTotals::default()));
}

/// The sandbox bill with `from` replaced by `to` once.
fn edited(from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(SANDBOX).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

fn reason(bytes: &[u8]) -> String {
    match parse(bytes).unwrap_err() {
        BillError::Line { reason, .. } | BillError::Summary { reason, .. } => reason,
        e => e.to_string(),
    }
}

#[test]
fn malformed_lines_are_refused_with_their_line() {
    let line = |bytes: &[u8]| match parse(bytes).unwrap_err() {
        BillError::Line { line, .. } => line,
        e => panic!("{e}"),
    };
    assert_eq!(line(&edited("`CNY,`19.90", "`CNY,`19.901")), 2);
    assert_eq!(line(&edited("`0.01,`0.00,`0,`0", "`0.01,`0.00,`0,`0,`extra")), 3);
    assert_eq!(line(&edited("`2026-12-04 23:59:59", "`2026-12-04 24:00:00")), 6);
    assert_eq!(
        reason(&edited("`NATIVE,`SUCCESS,`OTHERS,`CNY,`0.01", "`NATIVE,`REVOKED,`OTHERS,`CNY,`0.01")),
        "交易状态 `REVOKED` is neither SUCCESS nor REFUND"
    );
    assert_eq!(reason(&edited("`R0123456789abcdef1", "`0")), "a refund without 商户退款单号");
    assert_eq!(reason(&edited("`ORIGINAL,`SUCCESS", "`ORIGINAL,`")), "退款状态 `` is not a status");
    assert_eq!(
        reason(&edited("`CNY,`19.90,`0.00,`0,`0,`0.00", "`CNY,`19.90,`0.00,`0,`0,`1.00")),
        "a payment with refund amounts"
    );
    assert_eq!(
        reason(&edited(
            "`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`Sticker,`,`0.00000,`0.60%,`0.01",
            "`CNY,`0.00,`0.00,`0,`0,`0.00,`0.00,`,`,`Sticker,`,`0.00000,`0.60%,`0.00"
        )),
        "订单金额 `0.00`: amount must be at least 1 fen"
    );
    assert_eq!(reason(&edited("`4200000925202612040000000002", "`")), "微信订单号 is empty");
    assert_eq!(reason(&edited("费率备注", "费率备注,订单金额")), "the header has column 订单金额 twice");
    assert_eq!(reason(&edited("申请退款金额,费率备注", "费率备注")), "the header has no column 申请退款金额");
    assert_eq!(
        reason(&edited("\r\n总交易单数", "\r\n\r\n总交易单数")),
        "neither a detail line (starting with `) nor the summary header"
    );
    assert_eq!(reason(&[SANDBOX, b"more\r\n"].concat()), "text after the summary");
    assert_eq!(reason(&edited("`5,`21474856.38", "5,`21474856.38")), "expected the summary values (starting with `)");
    assert_eq!(reason(&edited("`5,`21474856.38", "`x5,`21474856.38")), "总交易单数 `x5` is not a count");
    assert_eq!(reason(&[b"`".as_slice(), SANDBOX].concat()), "expected the header line");
    let mut bytes = SANDBOX.to_vec();
    bytes[400] = 0xff; // inside line 2
    assert_eq!(parse(&bytes), Err(BillError::Line { line: 2, reason: "not UTF-8".into() }));
}

#[test]
fn an_inconsistent_summary_is_refused() {
    let summary = |from: &str, to: &str| reason(&edited(from, to));
    assert_eq!(summary("`5,`21474856.38", "`4,`21474856.38"), "总交易单数 is 4 but the bill has 5 lines");
    assert_eq!(
        summary("`128848.99000,`21474856.38", "`128848.99000,`21474856.37"),
        "订单总金额 is 21474856.37 but the lines add up to 21474856.38"
    );
    assert_eq!(
        summary("`21474856.38,`24.90\r\n", "`21474856.38,`24.91\r\n"),
        "申请退款总金额 is 24.91 but the lines add up to 24.90"
    );
    assert_eq!(
        summary("`5,`21474856.38", "`5,`21474856.39"),
        "应结订单总金额 is 21474856.39 but the lines add up to 21474856.38"
    );
    assert_eq!(
        summary("`21474856.38,`24.90,`0.00", "`21474856.38,`0.00,`0.00"),
        "退款总金额 is 0.00 but the lines add up to 24.90"
    );
}

#[test]
fn feed_after_an_error_fails() {
    let mut parser = WechatBillParser::new();
    assert!(parser.feed(b"`bad\n").is_err());
    assert_eq!(parser.feed(HEADER.as_bytes()), Err(BillError::Failed));
    assert_eq!(parser.finish(), Err(BillError::Failed));
}

/// A generated line: (state is refund, fen, subject).
type Row = (bool, u64, String);

/// A bill in the `ALL` format, as the sandbox writes it.
fn render(rows: &[Row], eol: &str) -> String {
    let mut out = format!("{HEADER}{eol}");
    let (mut total, mut refund) = (0, 0);
    for (i, (is_refund, f, subject)) in rows.iter().enumerate() {
        let yuan = format!("{}.{:02}", f / 100, f % 100);
        let (t, r) = if *is_refund { ("0.00", yuan.as_str()) } else { (yuan.as_str(), "0.00") };
        let (state, ids) = if *is_refund { ("REFUND", format!("`5030{i},`R{i}")) } else { ("SUCCESS", "`0,`0".into()) };
        let refund_cols = if *is_refund { "`ORIGINAL,`SUCCESS" } else { "`,`" };
        out += &format!(
            "`2026-12-04 10:00:00,`wx1,`1000,`0,`,`4200{i},`T{i},`o,`NATIVE,`{state},`OTHERS,`CNY,`{t},`0.00,{ids},`{r},`0.00,{refund_cols},`{subject},`,`0.00000,`0.60%,`{t},`{r},`{eol}"
        );
        if *is_refund { refund += f } else { total += f }
    }
    let y = |f: u64| format!("{}.{:02}", f / 100, f % 100);
    out += &format!(
        "{SUMMARY_HEADER}{eol}`{},`{},`{},`0.00,`0.00000,`{},`{}{eol}",
        rows.len(),
        y(total),
        y(refund),
        y(total),
        y(refund)
    );
    out
}

#[test]
fn a_hundred_thousand_lines() {
    let rows: Vec<Row> =
        (0..100_000u64).map(|i| (i % 10 == 9, 1 + i % 100_000, format!("商品 {i}, 第{i}件"))).collect();
    let text = render(&rows, "\r\n");
    let started = std::time::Instant::now();
    let mut parser = WechatBillParser::new();
    let mut count = 0;
    for chunk in text.as_bytes().chunks(64 * 1024) {
        count += parser.feed(chunk).unwrap().len();
    }
    let totals = parser.finish().unwrap();
    let took = started.elapsed();
    assert_eq!(count, 100_000);
    assert_eq!((totals.payments, totals.refunds), (90_000, 10_000));
    assert!(took.as_secs() < 20, "{} MB took {took:?}", text.len() >> 20);
}

proptest! {
    #[test]
    fn generated_bills_read_back(
        rows in prop::collection::vec((any::<bool>(), 1u64..=AmountFen::MAX.fen(), "[a-z 中文,`]{0,12}"), 0..20),
        crlf in any::<bool>(),
        cut in any::<prop::sample::Index>(),
    ) {
        // A subject cannot hold ",`": that would be a field boundary.
        let rows: Vec<Row> = rows.into_iter().map(|(r, f, s)| (r, f, s.replace(",`", ", `"))).collect();
        let text = render(&rows, if crlf { "\r\n" } else { "\n" });
        let bytes = text.as_bytes();
        let i = cut.index(bytes.len() + 1);
        let (lines, totals) = parse_chunks([&bytes[..i], &bytes[i..]]).unwrap();
        prop_assert_eq!(lines.len(), rows.len());
        for (line, (is_refund, f, subject)) in lines.iter().zip(&rows) {
            prop_assert_eq!(line.amount.fen(), *f);
            prop_assert_eq!(&line.subject, subject);
            prop_assert_eq!(matches!(line.kind, LineKind::Refund { .. }), *is_refund);
        }
        prop_assert_eq!(BillTotals::of(&lines), totals);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), split in 0usize..600) {
        let split = split.min(bytes.len());
        let _ = parse_chunks([&bytes[..split], &bytes[split..]]);
        let mut text = SANDBOX.to_vec();
        let at = split.min(text.len());
        text.splice(at..at, bytes.iter().copied().take(8));
        let _ = parse(&text);
    }
}
