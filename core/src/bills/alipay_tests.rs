//! Alipay's 业务明细 CSV: a real bill, the sandbox's bill, every split point, footers,
//! malformed and inconsistent bills, and generated bills.

use super::*;
use crate::AmountFen;
use proptest::prelude::*;

const SANDBOX: &[u8] = include_bytes!("../../tests/data/bills/alipay_detail.utf8.csv");

const HEADER: &str = "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注";

/// A real 业务明细 file of 2019-09-16 (account 20880211096256330156: six 0.01 trades, four
/// of them refunded), quoted whole in the `alipayBill()` fixture of a Java
/// `AlipayGeneralPaymentHandlerTest` (package `com.payment.alipay.junit`; seen through a
/// code index that names no repository).
const REAL_2019: &str = "#支付宝业务明细查询\n\
#账号：[20880211096256330156]\n\
#起始日期：[2019年09月16日 00:00:00]   终止日期：[2019年09月17日 00:00:00]\n\
#-----------------------------------------业务明细列表----------------------------------------\n\
支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注\n\
2019091622001458860515315453\t,service_1568601259302\t,交易\t,下单测试,2019-09-16 10:55:16,2019-09-16 10:55:23,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,0.01,0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,下单测试\n\
2019091622001458860515315453\t,service_1568601259302\t,退款\t,下单测试,2019-09-16 10:55:16,2019-09-16 10:56:48,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,-0.01,-0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,re_test_1568602607356\t,0.00,0.00,下单测试\n\
2019091622001458860513822558\t,service_1568603173853\t,交易\t,下单测试,2019-09-16 11:07:03,2019-09-16 11:07:09,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,0.01,0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,下单测试\n\
2019091622001458860513822558\t,service_1568603173853\t,退款\t,下单测试,2019-09-16 11:07:03,2019-09-16 11:26:55,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,-0.01,-0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,re_test_1568604414433\t,0.00,0.00,下单测试\n\
2019091622001458860516395930\t,service_1568613406000\t,交易\t,下单测试,2019-09-16 13:57:42,2019-09-16 13:57:52,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,0.01,0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,下单测试\n\
2019091622001458860516395930\t,service_1568613406000\t,退款\t,下单测试,2019-09-16 13:57:42,2019-09-16 14:15:12,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,-0.01,-0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,re_test_1568614511552\t,0.00,0.00,下单测试\n\
2019091622001458860516993488\t,qd_201909161455139634Sjad2vy\t,交易\t,RPC_GENERAL接口测试,2019-09-16 14:56:35,2019-09-16 14:57:19,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,0.01,0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,RPC_GENERAL接口测试\n\
2019091622001458860516993488\t,qd_201909161455139634Sjad2vy\t,退款\t,RPC_GENERAL接口测试,2019-09-16 14:56:35,2019-09-16 15:00:38,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,-0.01,-0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,re_20190916150216125q8Lmiodp\t,0.00,0.00,RPC_GENERAL接口测试\n\
2019091622001465870515233238\t,20190916165659224L3VUQRL9\t,交易\t,千丁订单INSURANCE88100011909161658423172,2019-09-16 16:58:56,2019-09-16 16:58:58,\t,\t,\t,\t,*庚辰(182****01)\t,0.01,0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,\n\
2019091622001458860517860493\t,qd_201909161844073417CB0wPzR\t,交易\t,RPC_GENERAL接口测试,2019-09-16 18:43:06,2019-09-16 18:43:34,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,0.01,0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,RPC_GENERAL接口测试\n\
#-----------------------------------------业务明细列表结束------------------------------------\n\
#交易合计：6笔，商家实收共0.06元，商家优惠共0.00元\n\
#退款合计：4笔，商家实收退款共-0.04元，商家优惠退款共0.00元\n\
#导出时间：[2019年09月17日 05:46:49]\n";

fn parse_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<(Vec<BillLine>, BillTotals), BillError> {
    let mut parser = AlipayBillParser::new();
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
fn reads_a_real_bill() {
    let (lines, totals) = parse(REAL_2019.as_bytes()).unwrap();
    assert_eq!(totals, BillTotals { payments: 6, payment_fen: 6, refunds: 4, refund_fen: 4 });
    assert_eq!(BillTotals::of(&lines), totals);
    assert_eq!(
        lines[1],
        BillLine {
            trade_no: "service_1568601259302".into(),
            transaction_id: "2019091622001458860515315453".into(),
            time: at("2019-09-16 10:56:48"),
            kind: LineKind::Refund {
                refund_no: "re_test_1568602607356".into(),
                refund_id: None,
                status: "SUCCESS".into()
            },
            amount: fen(1),
            currency: None,
            attach: None,
            subject: "下单测试".into(),
        }
    );
    assert_eq!((lines[0].kind.clone(), lines[0].time), (LineKind::Payment, at("2019-09-16 10:55:23")));
    assert_eq!(lines[8].subject, "千丁订单INSURANCE88100011909161658423172");
}

#[test]
fn reads_the_sandbox_bill() {
    let (lines, totals) = parse(SANDBOX).unwrap();
    let day = crate::bills::parse_bill_date("2026-12-04").unwrap();
    // The order amount, not what the merchant received after its 1.00 discount.
    assert_eq!(totals, BillTotals { payments: 3, payment_fen: 1990 + 1 + 1990, refunds: 1, refund_fen: 990 });
    assert_eq!(BillTotals::of(&lines), totals);
    assert_eq!((lines[0].time, lines[3].time), (day.start(), day.end() - 1));
    assert_eq!((lines[0].subject.as_str(), lines[0].trade_no.as_str()), ("T恤 红色", "order_0001_a1"));
    assert_eq!(
        lines[2].kind,
        LineKind::Refund { refund_no: "20261204a1b2c3d4e5f60718".into(), refund_id: None, status: "SUCCESS".into() }
    );
    assert_eq!((lines[2].transaction_id.as_str(), lines[2].amount), ("2026120422001400000000000001", fen(990)));
}

#[test]
fn every_split_point_reads_the_same() {
    let whole = parse(SANDBOX).unwrap();
    for i in 0..=SANDBOX.len() {
        assert_eq!(parse_chunks([&SANDBOX[..i], &SANDBOX[i..]]).unwrap(), whole, "split at {i}");
    }
    assert_eq!(parse_chunks(SANDBOX.chunks(1)).unwrap(), whole);
}

#[test]
fn a_truncated_bill_is_never_a_short_report() {
    let whole = parse(SANDBOX).unwrap();
    for i in 0..SANDBOX.len() {
        // Either an error, or (cutting what follows the totals) the same report.
        if let Ok(read) = parse(&SANDBOX[..i]) {
            assert_eq!(read, whole, "prefix of {i} bytes");
        }
    }
    let before_export = std::str::from_utf8(SANDBOX).unwrap().find("#导出时间").unwrap();
    assert_eq!(parse(&SANDBOX[..before_export]).unwrap(), whole);
    let cut = |text: &str| parse(text.as_bytes()).unwrap_err();
    assert_eq!(cut("#支付宝业务明细查询\n"), BillError::Incomplete { line: 1, missing: "its header" });
    assert_eq!(
        cut(&format!("{HEADER}\n")),
        BillError::Incomplete { line: 1, missing: "the end of its list (业务明细列表结束)" }
    );
    let no_refunds = REAL_2019.replace("#退款合计：4笔，商家实收退款共-0.04元，商家优惠退款共0.00元\n", "");
    assert_eq!(cut(&no_refunds), BillError::Incomplete { line: 18, missing: "#退款合计" });
}

fn edited(from: &str, to: &str) -> String {
    assert!(REAL_2019.contains(from), "{from}");
    REAL_2019.replacen(from, to, 1)
}

fn reason(text: &str) -> String {
    match parse(text.as_bytes()).unwrap_err() {
        BillError::Line { reason, .. } | BillError::Summary { reason, .. } => reason,
        e => e.to_string(),
    }
}

#[test]
fn footers_in_each_wording() {
    // The wording of the issue text and of older bills (交易金额: the order amounts).
    let short = edited("商家实收共0.06元，商家优惠共0.00元", "商家实收：0.06元，…");
    assert!(parse(short.as_bytes()).is_ok());
    let old = edited("商家实收共0.06元", "交易金额共0.06元").replace("商家实收退款共-0.04元", "交易退款金额共-0.04元");
    assert!(parse(old.as_bytes()).is_ok());
    assert_eq!(
        reason(&edited("商家实收共0.06元", "实收共0.06元")),
        "unreadable total `#交易合计：6笔，实收共0.06元，商家优惠共0.00元`"
    );
    // Full-width or ASCII parentheses in the header.
    assert!(parse(edited("订单金额（元）", "订单金额(元)").as_bytes()).is_ok());
}

#[test]
fn an_inconsistent_footer_is_refused() {
    assert_eq!(reason(&edited("#交易合计：6笔", "#交易合计：5笔")), "交易合计 is 5 but the bill has 6 交易 lines");
    assert_eq!(reason(&edited("#退款合计：4笔", "#退款合计：3笔")), "退款合计 is 3 but the bill has 4 退款 lines");
    assert_eq!(
        reason(&edited("商家实收共0.06元", "商家实收共0.07元")),
        "交易合计 商家实收 is 0.07 but the lines add up to 0.06"
    );
    assert_eq!(
        reason(&edited("商家实收退款共-0.04元", "商家实收退款共0.04元")),
        "退款合计 商家实收 is 0.04 but the lines add up to -0.04"
    );
    assert_eq!(
        reason(&edited("商家实收共0.06元", "商家实收共-0.06元")),
        "交易合计 商家实收 is -0.06 but the lines add up to 0.06"
    );
    // The footer sums 商家实收, which the lines must agree with even where it is not the amount.
    let discounted = edited(
        ",0.01,0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,下单测试",
        ",0.01,0.00,0.00,0.00,0.00,0.01,0.00,,0.00\t,0.00,\t,0.00,0.00,下单测试",
    );
    assert_eq!(reason(&discounted), "交易合计 商家实收 is 0.06 but the lines add up to 0.05");
    let footer = discounted.replace("商家实收共0.06元", "商家实收共0.05元");
    assert_eq!(parse(footer.as_bytes()).unwrap().1.payment_fen, 6);
}

#[test]
fn malformed_lines_are_refused() {
    assert_eq!(
        reason(&edited("下单测试,2019-09-16 10:55:16", "下单,测试,2019-09-16 10:55:16")),
        "26 fields but the header has 25"
    );
    assert_eq!(reason(&edited("交易\t,下单测试", "冻结\t,下单测试")), "业务类型 `冻结` is neither 交易 nor 退款");
    assert_eq!(reason(&edited(",-0.01,-0.01,", ",0.01,-0.01,")), "a refund whose 订单金额 is not negative");
    assert_eq!(reason(&edited(",-0.01,-0.01,", ",-0.01,0.01,")), "a refund with a positive 商家实收");
    assert_eq!(reason(&edited(",0.01,0.01,", ",0.01,-0.01,")), "a trade with a negative 商家实收");
    assert_eq!(reason(&edited(",0.01,0.01,", ",0.010,0.01,")), "订单金额（元） `0.010`: `0.010` is not a valid amount");
    assert_eq!(
        reason(&edited("2019-09-16 10:55:23", "2019/09/16 10:55:23")),
        "完成时间 `2019/09/16 10:55:23` is not a yyyy-MM-dd HH:mm:ss time"
    );
    assert_eq!(reason(&edited("2019091622001458860515315453\t,service", "\t,service")), "支付宝交易号 is empty");
    assert_eq!(reason(&edited("商家实收（元）", "实收（元）")), "the header has no column 商家实收(元)");
    assert_eq!(
        reason(&edited(
            "\n2019091622001458860513822558\t,service_1568603173853\t,交易",
            "\n#\n2019091622001458860513822558\t,service_1568603173853\t,交易"
        )),
        "expected a detail line or the end of the list"
    );
    assert_eq!(reason(&format!("{REAL_2019}stray\n")), "text after the end of the list that is not a # line");
    assert_eq!(reason(&format!("{REAL_2019}#交易合计：6笔，商家实收共0.06元\n")), "a second total of the same kind");
}

/// A generated line: (is refund, order fen, receipt fen, subject).
type Row = (bool, u64, u64, String);

fn render(rows: &[Row]) -> String {
    let y = |f: u64| format!("{}.{:02}", f / 100, f % 100);
    let mut out = format!("#支付宝业务明细查询\r\n#账号：[20881011221362410156]\r\n{HEADER}\r\n");
    let (mut trades, mut refunds, mut tr, mut rr) = (0, 0, 0, 0);
    for (i, (refund, total, receipt, subject)) in rows.iter().enumerate() {
        let (kind, sign, no) = if *refund { ("退款", "-", format!("r{i}")) } else { ("交易", "", String::new()) };
        let receipt_text = if *refund && *receipt == 0 { "0.00".into() } else { format!("{sign}{}", y(*receipt)) };
        out += &format!(
            "2026{i}\t,T{i}\t,{kind}\t,{subject},2026-12-04 10:00:00,2026-12-04 10:00:01,\t,\t,\t,\t,x\t,{sign}{},{receipt_text},0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,{no}\t,0.00,0.00,\r\n",
            y(*total)
        );
        if *refund {
            refunds += 1;
            rr += receipt;
        } else {
            trades += 1;
            tr += receipt;
        }
    }
    let neg = |f: u64| if f == 0 { "0.00".to_owned() } else { format!("-{}", y(f)) };
    out += "#-----------------------------------------业务明细列表结束------------------------------------\r\n";
    out += &format!("#交易合计：{trades}笔，商家实收共{}元，商家优惠共0.00元\r\n", y(tr));
    out += &format!("#退款合计：{refunds}笔，商家实收退款共{}元，商家优惠退款共0.00元\r\n", neg(rr));
    out
}

proptest! {
    #[test]
    fn generated_bills_read_back(
        rows in prop::collection::vec((any::<bool>(), 1u64..=AmountFen::MAX.fen(), 0u64..=AmountFen::MAX.fen(), "[a-z 中文]{0,12}"), 0..20),
        cut in any::<prop::sample::Index>(),
    ) {
        let text = render(&rows);
        let bytes = text.as_bytes();
        let i = cut.index(bytes.len() + 1);
        let (lines, totals) = parse_chunks([&bytes[..i], &bytes[i..]]).unwrap();
        prop_assert_eq!(lines.len(), rows.len());
        for (line, (refund, total, _, subject)) in lines.iter().zip(&rows) {
            prop_assert_eq!(line.amount.fen(), *total);
            prop_assert_eq!(&line.subject, subject.trim());
            prop_assert_eq!(matches!(line.kind, LineKind::Refund { .. }), *refund);
        }
        prop_assert_eq!(BillTotals::of(&lines), totals);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), split in 0usize..600) {
        let split = split.min(bytes.len());
        let _ = parse_chunks([&bytes[..split], &bytes[split..]]);
        let mut text = REAL_2019.as_bytes().to_vec();
        let at = split.min(text.len());
        text.splice(at..at, bytes.iter().copied().take(8));
        let _ = parse(&text);
    }
}
