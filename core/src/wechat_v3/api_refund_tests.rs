//! WeChat Pay v3 refunds and refund queries through [`ProviderApi`]: accepted, retried,
//! refused, and every refund status (ABNORMAL included).

use super::*;

fn refund_body(status: &str) -> String {
    format!(
        r#"{{"refund_id":"50000000382019052709732678859","out_refund_no":"{RNO}","transaction_id":"{TX}","out_trade_no":"order_0001","channel":"ORIGINAL","user_received_account":"招商银行信用卡0403","create_time":"2024-11-25T10:10:00+08:00","status":"{status}","funds_account":"AVAILABLE","amount":{{"total":1990,"refund":990,"payer_total":1990,"payer_refund":990,"settlement_refund":990,"settlement_total":1990,"discount_refund":0,"currency":"CNY"}}}}"#
    )
}

#[test]
fn refund_accepted_or_refused() {
    assert_eq!(
        read(&refund(), &signed(200, &refund_body("PROCESSING"))),
        Ok(Outcome::RefundAccepted { refund_id: Some("50000000382019052709732678859".into()) })
    );
    assert_eq!(
        read(&refund(), &signed(403, r#"{"code":"NOT_ENOUGH","message":"基本账户余额不足"}"#)),
        Err(refused("NOT_ENOUGH", "基本账户余额不足"))
    );
    assert_eq!(
        read(&refund(), &signed(403, r#"{"code":"BANK_ERROR","message":"银行系统异常"}"#)),
        Err(CallError::Retry {
            provider: "WeChat Pay", code: "BANK_ERROR".into(), message: "银行系统异常".into()
        })
    );
    let other_trade = refund_body("PROCESSING").replace("\"order_0001\"", "\"order_0002\"");
    assert!(matches!(read(&refund(), &signed(200, &other_trade)), Err(CallError::BadReply(_))));
    assert!(matches!(read(&refund(), &signed(200, "{}")), Err(CallError::BadReply(_))));
}

#[test]
fn refund_query_reads_the_refund_and_its_abnormal_state() {
    let fact = |result| RefundFacts {
        provider: WX,
        provider_refund_no: RNO.into(),
        refund_id: Some("50000000382019052709732678859".into()),
        result,
        transaction_id: None,
        amount: Some(AmountFen::new(990).unwrap()),
        source: Source::WechatRefundQuery,
    };
    for (status, result) in [
        ("SUCCESS", RefundResult::Succeeded),
        ("PROCESSING", RefundResult::Processing),
        ("CLOSED", RefundResult::Failed("CLOSED".into())),
        ("ABNORMAL", RefundResult::Abnormal("ABNORMAL".into())),
    ] {
        assert_eq!(read(&refund_query(), &signed(200, &refund_body(status))), Ok(Outcome::Refunds(vec![fact(result)])));
    }
    let missing = r#"{"code":"RESOURCE_NOT_EXISTS","message":"退款单不存在"}"#;
    assert_eq!(read(&refund_query(), &signed(404, missing)), Ok(Outcome::NoRefund));
    let other_trade = refund_body("SUCCESS").replace("\"order_0001\"", "\"order_0002\"");
    assert!(matches!(read(&refund_query(), &signed(200, &other_trade)), Err(CallError::BadReply(_))));
}
