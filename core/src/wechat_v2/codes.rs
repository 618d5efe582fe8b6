//! WeChat Pay v2 codes: `err_code`, `trade_state` and `refund_status_$n`, each with an
//! `Unknown(String)` fallback, and how each `trade_state` maps onto the order states.

use crate::order::TradeFact;

wire_enum! {
    /// `err_code` values of `unifiedorder`, `orderquery`, `closeorder`, `refund` and
    /// `refundquery` (official error tables; see protocols.md §2.2–2.5).
    pub enum ErrorCode {
        /// The order is already paid: treat as paid.
        OrderPaid = "ORDERPAID",
        /// The order is closed: a new `out_trade_no` is needed.
        OrderClosed = "ORDERCLOSED",
        /// Provider-side fault: retry with the same parameters.
        SystemError = "SYSTEMERROR",
        /// Refund needs a retry with the same `out_refund_no`.
        BizerrNeedRetry = "BIZERR_NEED_RETRY",
        /// The merchant lacks the permission.
        NoAuth = "NOAUTH",
        /// Balance too low (buyer or, for refunds, merchant).
        NotEnough = "NOTENOUGH",
        /// The appid does not exist.
        AppidNotExist = "APPID_NOT_EXIST",
        /// The mch_id does not exist.
        MchidNotExist = "MCHID_NOT_EXIST",
        /// appid and mch_id do not belong together.
        AppidMchidNotMatch = "APPID_MCHID_NOT_MATCH",
        /// A required parameter is missing.
        LackParams = "LACK_PARAMS",
        /// The out_trade_no was used with other parameters.
        OutTradeNoUsed = "OUT_TRADE_NO_USED",
        /// The request's signature is wrong.
        SignError = "SIGNERROR",
        /// The request XML is malformed.
        XmlFormatError = "XML_FORMAT_ERROR",
        /// Not a POST.
        RequirePostMethod = "REQUIRE_POST_METHOD",
        /// Empty body.
        PostDataEmpty = "POST_DATA_EMPTY",
        /// Not UTF-8.
        NotUtf8 = "NOT_UTF8",
        /// Re-entry with parameters that differ from the first request.
        InvalidRequest = "INVALID_REQUEST",
        /// The order does not exist at WeChat.
        OrderNotExist = "ORDERNOTEXIST",
        /// The order is too old to refund.
        TradeOverdue = "TRADE_OVERDUE",
        /// Generic business error.
        Error = "ERROR",
        /// The buyer's account is frozen.
        UserAccountAbnormal = "USER_ACCOUNT_ABNORMAL",
        /// Too many refund requests.
        InvalidReqTooMuch = "INVALID_REQ_TOO_MUCH",
        /// Bad transaction_id.
        InvalidTransactionId = "INVALID_TRANSACTIONID",
        /// A parameter is invalid.
        ParamError = "PARAM_ERROR",
        /// Rate limited.
        FrequencyLimited = "FREQUENCY_LIMITED",
        /// No refund exists for the order.
        RefundNotExist = "REFUNDNOTEXIST",
    }
}

impl ErrorCode {
    /// True for codes where WeChat says to retry with the same parameters.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::SystemError | Self::BizerrNeedRetry | Self::FrequencyLimited)
    }
}

wire_enum! {
    /// `trade_state` of `orderquery`.
    pub enum TradeState {
        /// 支付成功: paid.
        Success = "SUCCESS",
        /// 转入退款: a refund was made.
        Refund = "REFUND",
        /// 未支付: not paid yet.
        NotPay = "NOTPAY",
        /// 已关闭: closed.
        Closed = "CLOSED",
        /// 已撤销 (付款码 only).
        Revoked = "REVOKED",
        /// 用户支付中 (付款码 only).
        UserPaying = "USERPAYING",
        /// 支付失败 (付款码 only).
        PayError = "PAYERROR",
        /// 已接收，等待扣款.
        Accept = "ACCEPT",
    }
}

impl TradeState {
    /// What this provider state proves about the trade.
    ///
    /// | trade_state | fact |
    /// |---|---|
    /// | NOTPAY, USERPAYING, ACCEPT, unknown | open (the order stays waiting) |
    /// | SUCCESS | paid |
    /// | REFUND | paid (some refund exists, maybe partial: refunds are settled by `refundquery`) |
    /// | CLOSED, REVOKED, PAYERROR | closed |
    pub fn fact(&self) -> TradeFact {
        match self {
            Self::Success | Self::Refund => TradeFact::Paid,
            Self::Closed | Self::Revoked | Self::PayError => TradeFact::Closed,
            Self::NotPay | Self::UserPaying | Self::Accept | Self::Unknown(_) => TradeFact::Open,
        }
    }
}

wire_enum! {
    /// `refund_status_$n` of `refundquery`.
    pub enum RefundStatus {
        /// The refund reached the buyer.
        Success = "SUCCESS",
        /// The refund was closed (failed).
        RefundClose = "REFUNDCLOSE",
        /// Still in progress.
        Processing = "PROCESSING",
        /// Abnormal: the buyer's account could not take the money; needs manual handling.
        Change = "CHANGE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_keep_unknowns() {
        assert_eq!(ErrorCode::parse("ORDERPAID"), ErrorCode::OrderPaid);
        assert_eq!(ErrorCode::parse("NEW_CODE_2027"), ErrorCode::Unknown("NEW_CODE_2027".into()));
        assert_eq!(ErrorCode::parse("NEW_CODE_2027").as_str(), "NEW_CODE_2027");
        assert!(ErrorCode::SystemError.is_retryable());
        assert!(!ErrorCode::SignError.is_retryable());
        assert_eq!(TradeState::parse("NOTPAY").fact(), TradeFact::Open);
        assert_eq!(TradeState::parse("SUCCESS").fact(), TradeFact::Paid);
        assert_eq!(TradeState::parse("REVOKED").fact(), TradeFact::Closed);
        assert_eq!(TradeState::parse("REFUND").fact(), TradeFact::Paid, "a partial refund also reads REFUND");
        assert_eq!(TradeState::parse("FUTURE").fact(), TradeFact::Open);
        assert_eq!(RefundStatus::parse("REFUNDCLOSE"), RefundStatus::RefundClose);
    }
}
