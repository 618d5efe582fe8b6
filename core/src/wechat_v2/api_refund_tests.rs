//! WeChat Pay v2 refunds and refund queries through [`ProviderApi`]: accepted, retried,
//! refused, and every refund status `refundquery` reports.

use super::*;

#[test]
fn refund_accepted_retry_or_refused() {
    let accepted = ok(&[
        ("out_trade_no", NO),
        ("out_refund_no", RNO),
        ("refund_id", "50000408942018111907145868882"),
        ("refund_fee", "990"),
        ("total_fee", "1990"),
    ]);
    assert_eq!(
        outcome(&refund(), &accepted),
        Ok(Outcome::RefundAccepted { refund_id: Some("50000408942018111907145868882".into()) })
    );
    assert_eq!(
        outcome(&refund(), &fail("BIZERR_NEED_RETRY", "退款业务流程错误")),
        Err(retry("BIZERR_NEED_RETRY", "退款业务流程错误"))
    );
    assert_eq!(outcome(&refund(), &fail("SYSTEMERROR", "接口返回错误")), Err(retry("SYSTEMERROR", "接口返回错误")));
    assert_eq!(outcome(&refund(), &fail("FREQUENCY_LIMITED", "频率限制")), Err(retry("FREQUENCY_LIMITED", "频率限制")));
    assert_eq!(outcome(&refund(), &fail("NOTENOUGH", "余额不足")), Err(refused("NOTENOUGH", "余额不足")));
    let long = "退".repeat(200);
    match outcome(&refund(), &fail("TRADE_OVERDUE", &long)) {
        Err(CallError::Refused { code, message, .. }) => {
            assert_eq!((code.as_str(), message.chars().count()), ("TRADE_OVERDUE", 128));
        }
        other => panic!("{other:?}"),
    }
    let other_trade = ok(&[("out_trade_no", "order_0002"), ("refund_id", "5"), ("refund_fee", "990")]);
    assert!(matches!(outcome(&refund(), &other_trade), Err(CallError::BadReply(_))));
    let no_id = ok(&[("out_trade_no", NO), ("refund_fee", "990")]);
    assert!(matches!(outcome(&refund(), &no_id), Err(CallError::BadReply(_))));
}

#[test]
fn refund_query_reads_every_refund_of_the_trade() {
    let two = ok(&[
        ("out_trade_no", NO),
        ("refund_count", "4"),
        ("out_refund_no_0", RNO),
        ("refund_id_0", "5000"),
        ("refund_status_0", "SUCCESS"),
        ("out_refund_no_1", "R2"),
        ("refund_id_1", "5001"),
        ("refund_status_1", "CHANGE"),
        ("out_refund_no_2", "R3"),
        ("refund_id_2", "5002"),
        ("refund_status_2", "REFUNDCLOSE"),
        ("out_refund_no_3", "R4"),
        ("refund_id_3", "5003"),
        ("refund_status_3", "PROCESSING"),
    ]);
    let fact = |no: &str, id: &str, result| RefundFacts {
        provider: WX,
        provider_refund_no: no.into(),
        refund_id: Some(id.into()),
        result,
        transaction_id: None,
        amount: None,
        source: Source::WechatRefundQuery,
    };
    assert_eq!(
        outcome(&refund_query(), &two),
        Ok(Outcome::Refunds(vec![
            fact(RNO, "5000", RefundResult::Succeeded),
            fact("R2", "5001", RefundResult::Abnormal("CHANGE".into())),
            fact("R3", "5002", RefundResult::Failed("REFUNDCLOSE".into())),
            fact("R4", "5003", RefundResult::Processing),
        ]))
    );
    assert_eq!(outcome(&refund_query(), &fail("REFUNDNOTEXIST", "退款订单查询失败")), Ok(Outcome::NoRefund));
    assert_eq!(outcome(&refund_query(), &fail("SYSTEMERROR", "系统超时")), Err(retry("SYSTEMERROR", "系统超时")));
    let short = ok(&[
        ("out_trade_no", NO),
        ("refund_count", "2"),
        ("out_refund_no_0", RNO),
        ("refund_id_0", "5000"),
        ("refund_status_0", "SUCCESS"),
    ]);
    assert!(matches!(outcome(&refund_query(), &short), Err(CallError::BadReply(_))));
    let other = ok(&[("out_trade_no", "order_0002"), ("refund_count", "0")]);
    assert!(matches!(outcome(&refund_query(), &other), Err(CallError::BadReply(_))));
}
