//! Alipay OpenAPI refunds and refund queries through [`ProviderApi`]: accepted (also again
//! under the same `out_request_no`), retried, refused, and what `fastpay.refund.query` reports.

use super::*;

#[test]
fn refund_is_accepted_by_its_out_request_no() {
    let ok = format!(
        r#"{{"code":"10000","msg":"Success","buyer_logon_id":"xud***@126.com","fund_change":"Y","gmt_refund_pay":"2024-11-25 10:10:00","out_trade_no":"{NO}","refund_fee":"9.90","send_back_fee":"9.90","trade_no":"{TX}"}}"#
    );
    let accepted = Ok(Outcome::RefundAccepted { refund_id: Some(RNO.into()) });
    assert_eq!(answer(&refund(), &ok), accepted);
    // fund_change N: this out_request_no was refunded before, i.e. the same refund again.
    assert_eq!(answer(&refund(), &ok.replace(r#""fund_change":"Y""#, r#""fund_change":"N""#)), accepted);
    assert_eq!(answer(&refund(), UNAVAILABLE), Err(retry()));
    assert_eq!(
        answer(&refund(), &business("ACQ.SELLER_BALANCE_NOT_ENOUGH", "卖家余额不足")),
        Err(refused("ACQ.SELLER_BALANCE_NOT_ENOUGH", "卖家余额不足"))
    );
    assert!(matches!(answer(&refund(), &ok.replace("\"order_0001\"", "\"order_0002\"")), Err(CallError::BadReply(_))));
}

#[test]
// Alipay: "系统错误, 请使用相同的参数再次调用" — the refund may have been taken.
fn a_refund_answered_system_error_is_a_retry_not_a_refusal() {
    let got = answer(&refund(), &business("ACQ.SYSTEM_ERROR", "系统错误"));
    assert!(matches!(got, Err(CallError::Retry { ref code, .. }) if code == "ACQ.SYSTEM_ERROR"), "{got:?}");
}

#[test]
fn refund_query_reports_the_refund_when_alipay_has_it_done() {
    let done = format!(
        r#"{{"code":"10000","msg":"Success","out_request_no":"{RNO}","out_trade_no":"{NO}","refund_amount":"9.90","refund_status":"REFUND_SUCCESS","total_amount":"19.90","trade_no":"{TX}"}}"#
    );
    let fact = RefundFacts {
        provider: ALI,
        provider_refund_no: RNO.into(),
        refund_id: Some(RNO.into()),
        result: RefundResult::Succeeded,
        transaction_id: None,
        amount: Some(AmountFen::new(990).unwrap()),
        source: Source::AlipayRefundQuery,
    };
    assert_eq!(answer(&refund_query(), &done), Ok(Outcome::Refunds(vec![fact.clone()])));
    // A record without refund_status is a done refund too, as Alipay documents.
    let bare = done.replace(r#""refund_status":"REFUND_SUCCESS","#, "");
    assert_eq!(answer(&refund_query(), &bare), Ok(Outcome::Refunds(vec![fact])));
    let none = format!(r#"{{"code":"10000","msg":"Success","out_trade_no":"{NO}","trade_no":"{TX}"}}"#);
    assert_eq!(answer(&refund_query(), &none), Ok(Outcome::NoRefund));
    assert_eq!(answer(&refund_query(), &done.replace("REFUND_SUCCESS", "REFUND_PROCESSING")), Ok(Outcome::NoRefund));
    assert_eq!(answer(&refund_query(), UNAVAILABLE), Err(retry()));
    let other = done.replace(RNO, "20241125ffffffffffffffff");
    assert!(matches!(answer(&refund_query(), &other), Err(CallError::BadReply(_))));
}
