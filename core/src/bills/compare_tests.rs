//! The comparison: each finding, what is not a finding, determinism, the wire names, and
//! the sandbox's WeChat bill against records that differ from it on purpose.

use super::*;
use crate::bills::{WechatBillParser, parse_bill_date};
use proptest::prelude::*;

const SANDBOX: &[u8] = include_bytes!("../../tests/data/bills/wechat_all.csv");

fn day() -> BillDate {
    parse_bill_date("2026-12-04").unwrap()
}

fn fen(f: u64) -> AmountFen {
    AmountFen::new(f).unwrap()
}

fn payment(trade_no: &str, txid: &str, amount: u64) -> BillLine {
    BillLine {
        trade_no: trade_no.into(),
        transaction_id: txid.into(),
        time: day().start() + 60,
        kind: LineKind::Payment,
        amount: fen(amount),
        currency: Some("CNY".into()),
        attach: None,
        subject: "s".into(),
    }
}

fn refund(trade_no: &str, txid: &str, refund_no: &str, amount: u64) -> BillLine {
    let kind = LineKind::Refund { refund_no: refund_no.into(), refund_id: None, status: "SUCCESS".into() };
    BillLine { kind, ..payment(trade_no, txid, amount) }
}

fn order(order_no: &str, trade_nos: &[&str], payments: &[(&str, &str, u64, i64)], refunds: &[(&str, u64)]) -> Recorded {
    Recorded {
        order_no: order_no.into(),
        trade_nos: trade_nos.iter().map(|t| (*t).into()).collect(),
        payments: payments
            .iter()
            .map(|(txid, trade_no, amount, paid_at)| RecordedPayment {
                transaction_id: (*txid).into(),
                trade_no: (*trade_no).into(),
                amount: fen(*amount),
                paid_at: *paid_at,
            })
            .collect(),
        refunds: refunds
            .iter()
            .map(|(no, amount)| RecordedRefund {
                provider_refund_no: (*no).into(),
                amount: fen(*amount),
                succeeded: true,
            })
            .collect(),
    }
}

fn noon() -> i64 {
    day().start() + 43_200
}

#[test]
fn a_matching_day_has_no_findings() {
    let lines = [payment("o1_w1", "tx1", 100), refund("o1_w1", "tx1", "R1", 40)];
    let recorded = [order("o1", &["o1_w1"], &[("tx1", "o1_w1", 100, noon())], &[("R1", 40)])];
    let result = compare(day(), &lines, &recorded);
    assert_eq!(result.discrepancies, vec![]);
    let totals = BillTotals { payments: 1, payment_fen: 100, refunds: 1, refund_fen: 40 };
    assert_eq!((result.bill, result.recorded), (totals, totals));
}

#[test]
fn each_finding() {
    let lines = [
        payment("stranger_1", "tx9", 500),      // no order at all
        payment("o1_w2", "tx1b", 100),          // o1's second trade paid, not recorded
        payment("o2_w1", "tx2", 250),           // recorded as 200
        refund("o2_w1", "tx2", "R2", 30),       // recorded as 20
        refund("o2_w1", "tx2", "R-unknown", 5), // no such refund
    ];
    let recorded = [
        order("o1", &["o1_w1", "o1_w2"], &[], &[]),
        order("o2", &["o2_w1"], &[("tx2", "o2_w1", 200, noon())], &[("R2", 20)]),
        order("o3", &["o3_w1"], &[("tx3", "", 300, noon())], &[]),
        order("o4", &["o4_w1"], &[("tx4", "o4_w1", 400, day().end())], &[]),
    ];
    let result = compare(day(), &lines, &recorded);
    let d = |kind,
             trade_no: &str,
             txid: &str,
             refund_no: Option<&str>,
             order_no: Option<&str>,
             bill: Option<u64>,
             mine: Option<u64>| Discrepancy {
        kind,
        trade_no: trade_no.into(),
        transaction_id: Some(txid.into()),
        refund_no: refund_no.map(Into::into),
        order_no: order_no.map(Into::into),
        bill_amount: bill.map(fen),
        recorded_amount: mine.map(fen),
    };
    use DiscrepancyKind::*;
    assert_eq!(
        result.discrepancies,
        vec![
            d(MissingPayment, "o1_w2", "tx1b", None, Some("o1"), Some(100), None),
            d(MissingPayment, "stranger_1", "tx9", None, None, Some(500), None),
            d(AmountDiffers, "o2_w1", "tx2", None, Some("o2"), Some(250), Some(200)),
            d(AmountDiffers, "o2_w1", "tx2", Some("R2"), Some("o2"), Some(30), Some(20)),
            d(UnknownRefund, "o2_w1", "tx2", Some("R-unknown"), Some("o2"), Some(5), None),
            // o3's payment has no trade_no of its own: the order's first is reported. o4
            // was paid at 24:00, which is the next day.
            d(MissingInBill, "o3_w1", "tx3", None, Some("o3"), None, Some(300)),
        ]
    );
    assert_eq!(result.recorded, BillTotals { payments: 2, payment_fen: 500, refunds: 1, refund_fen: 20 });
    assert_eq!(result.bill, BillTotals { payments: 3, payment_fen: 850, refunds: 2, refund_fen: 35 });
}

#[test]
fn payments_match_by_transaction_and_refunds_by_number() {
    // A legacy record whose trade_nos miss the bill's out_trade_no still matches by
    // transaction id, and a refund recorded under another order still matches by number.
    let lines = [payment("legacy_w1", "tx1", 100), refund("legacy_w1", "tx1", "R1", 100)];
    let recorded = [order("legacy", &[], &[("tx1", "", 100, noon())], &[]), order("other", &[], &[], &[("R1", 100)])];
    assert_eq!(compare(day(), &lines, &recorded).discrepancies, vec![]);
    // A refund the bill still shows PROCESSING, or one the worker has not settled: no
    // finding (statuses are not compared).
    let processing = LineKind::Refund { refund_no: "R1".into(), refund_id: None, status: "PROCESSING".into() };
    let lines = [BillLine { kind: processing, ..refund("legacy_w1", "tx1", "R1", 100) }];
    let mut unsettled = order("legacy", &["legacy_w1"], &[], &[("R1", 100)]);
    unsettled.refunds[0].succeeded = false;
    assert_eq!(compare(day(), &lines, &[unsettled]).discrepancies, vec![]);
}

#[test]
fn duplicate_records_count_once() {
    let lines = [payment("o1_w1", "tx1", 100)];
    let o1 = order("o1", &["o1_w1"], &[("tx1", "o1_w1", 100, noon())], &[]);
    let o2 = order("o2", &["o2_w1"], &[("tx2", "o2_w1", 7, noon())], &[]);
    let once = compare(day(), &lines, &[o1.clone(), o2.clone()]);
    let twice = compare(day(), &lines, &[o2.clone(), o1.clone(), o2, o1]);
    assert_eq!(once, twice);
    assert_eq!(once.recorded.payments, 2);
    assert_eq!(once.discrepancies.len(), 1);
}

#[test]
fn wire_names() {
    let json = |k: DiscrepancyKind| serde_json::to_string(&k).unwrap();
    assert_eq!(json(DiscrepancyKind::MissingPayment), "\"missing_payment\"");
    assert_eq!(json(DiscrepancyKind::AmountDiffers), "\"amount_differs\"");
    assert_eq!(json(DiscrepancyKind::UnknownRefund), "\"unknown_refund\"");
    assert_eq!(json(DiscrepancyKind::MissingInBill), "\"missing_in_bill\"");
    let found = compare(day(), &[payment("t", "tx", 1990)], &[]).discrepancies;
    assert_eq!(
        serde_json::to_string(&found[0]).unwrap(),
        r#"{"kind":"missing_payment","trade_no":"t","transaction_id":"tx","order_no":null,"bill_amount":1990,"recorded_amount":null}"#
    );
    let back: Discrepancy = serde_json::from_str(&serde_json::to_string(&found[0]).unwrap()).unwrap();
    assert_eq!(back, found[0]);
    let line = serde_json::to_value(refund("t", "tx", "R1", 5)).unwrap();
    assert_eq!(
        line["kind"],
        serde_json::json!({"type": "refund", "refund_no": "R1", "refund_id": null, "status": "SUCCESS"})
    );
}

#[test]
fn the_sandbox_bill_against_records() {
    let mut parser = WechatBillParser::new();
    let lines = parser.feed(SANDBOX).unwrap();
    parser.finish().unwrap();
    let recorded = [
        order("order_0000", &["order_0000_w1"], &[], &[("Rfedcba98765432101", 500)]),
        order(
            "order_0001",
            &["order_0001_w1"],
            &[("4200000925202612040000000001", "order_0001_w1", 1990, day().start())],
            &[("R0123456789abcdef1", 1990)],
        ),
        order(
            "order_0002",
            &["order_0002_w1"],
            &[("4200000925202612040000000002", "order_0002_w1", 2, day().start() + 3600)],
            &[],
        ),
        order("order_0003", &["order_0003_w1", "order_0003_w2"], &[], &[]),
        order(
            "order_0004",
            &["order_0004_w1"],
            &[("4200000925202612040000000004", "order_0004_w1", 100, day().end() - 1)],
            &[],
        ),
    ];
    let kinds: Vec<_> = compare(day(), &lines, &recorded)
        .discrepancies
        .into_iter()
        .map(|d| {
            (
                d.kind,
                d.order_no.unwrap_or_default(),
                d.bill_amount.map(AmountFen::fen),
                d.recorded_amount.map(AmountFen::fen),
            )
        })
        .collect();
    use DiscrepancyKind::*;
    assert_eq!(
        kinds,
        vec![
            (MissingPayment, "order_0003".into(), Some(2_147_483_647), None),
            (AmountDiffers, "order_0002".into(), Some(1), Some(2)),
            (MissingInBill, "order_0004".into(), None, Some(100)),
        ]
    );
}

proptest! {
    #[test]
    fn order_of_input_does_not_matter(seed in any::<u64>(), n in 1usize..12) {
        let lines: Vec<BillLine> = (0..n)
            .map(|i| if i % 3 == 2 { refund(&format!("t{}", i / 2), &format!("x{}", i / 2), &format!("R{i}"), 1 + i as u64) } else { payment(&format!("t{i}"), &format!("x{i}"), 1 + i as u64) })
            .collect();
        let recorded: Vec<Recorded> = (0..n)
            .filter(|i| i.is_multiple_of(2))
            .map(|i| order(&format!("o{i}"), &[&format!("t{i}")], &[(&format!("x{i}"), "", 1 + (i as u64 % 4), noon())], &[(&format!("R{}", i + 2), 3)]))
            .collect();
        let want = compare(day(), &lines, &recorded);
        let (mut l2, mut r2) = (lines.clone(), recorded.clone());
        let k = (seed as usize) % n;
        l2.rotate_left(k);
        r2.reverse();
        prop_assert_eq!(compare(day(), &l2, &r2), want);
    }

    #[test]
    fn records_made_from_the_bill_agree(amounts in prop::collection::vec((1u64..1_000_000, any::<bool>()), 0..15)) {
        let mut lines = Vec::new();
        let mut recorded = Vec::new();
        for (i, (amount, refunded)) in amounts.iter().enumerate() {
            let (t, x, r) = (format!("t{i}"), format!("x{i}"), format!("R{i}"));
            lines.push(payment(&t, &x, *amount));
            let refunds: Vec<(&str, u64)> = if *refunded { vec![(r.as_str(), *amount)] } else { vec![] };
            if *refunded {
                lines.push(refund(&t, &x, &r, *amount));
            }
            recorded.push(order(&format!("o{i}"), &[t.as_str()], &[(x.as_str(), t.as_str(), *amount, noon())], &refunds));
        }
        let result = compare(day(), &lines, &recorded);
        prop_assert!(result.discrepancies.is_empty());
        prop_assert_eq!(result.bill, result.recorded);
    }
}

#[test]
fn a_findings_key_names_the_day_the_wallet_and_the_finding() {
    let d = Discrepancy {
        kind: DiscrepancyKind::UnknownRefund,
        trade_no: "order_0001".into(),
        transaction_id: Some("4200".into()),
        refund_no: Some("r1".into()),
        order_no: Some("order_0001".into()),
        bill_amount: Some(fen(100)),
        recorded_amount: None,
    };
    let key = d.key(crate::order::Provider::Wechat, "2026-12-04");
    assert_eq!(key, "wechat:2026-12-04:UnknownRefund:order_0001:r1");
    // The amounts are not part of it: a re-run that reads another amount tells nothing new.
    let again = Discrepancy { bill_amount: Some(fen(99)), ..d.clone() };
    assert_eq!(again.key(crate::order::Provider::Wechat, "2026-12-04"), key);
    assert_ne!(d.key(crate::order::Provider::Alipay, "2026-12-04"), key);
    assert_ne!(Discrepancy { refund_no: None, ..d }.key(crate::order::Provider::Wechat, "2026-12-04"), key);
}
