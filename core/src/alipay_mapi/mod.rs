//! Alipay legacy MAPI (即时到账, MD5): `create_direct_pay_by_user`, notifies and returns,
//! `notify_verify`, `single_trade_query`, `close_trade` and the no-password refund.
//!
//! * [`pay_url`]: the signed cashier URL for `Pay` type 1.
//! * [`notify`]: trade and batch-refund notifies (and the return URL), verified over the
//!   decoded form, and the `notify_verify` call that confirms them with Alipay.
//! * [`service`]: query, close and refund requests as data, and their XML replies.

mod api;
pub use api::{NOTIFY_MAX_BYTES, NOTIFY_PATH, REFUND_NOTIFY_PREFIX, RETURN_PATH, notify_reply};
pub mod notify;
pub mod pay_url;
pub mod service;

use crate::order::TradeFact;
use crate::sign::SecretKey;

/// The merchant's Alipay MAPI settings.
#[derive(Debug, Clone)]
pub struct AlipayConfig {
    /// `partner`: 2088 followed by 12 digits. Also the expected `seller_id`.
    pub partner: String,
    /// The 32-character MD5 key.
    pub key: SecretKey,
    /// `seller_email`: the merchant's Alipay account.
    pub seller_email: String,
    /// `https://mapi.alipay.com/gateway.do` in production; the sandbox's URL locally.
    pub gateway: String,
    /// Sign `it_b_pay` (minutes left) into cashier URLs (`ALIPAY_IT_B_PAY=on`, only when
    /// Alipay enabled it for the contract).
    pub it_b_pay: bool,
}

impl AlipayConfig {
    /// The gateway URL followed by `?` or `&`, ready for a query string.
    pub(crate) fn gateway_with_query(&self, query: &str) -> String {
        let sep = if self.gateway.contains('?') { '&' } else { '?' };
        format!("{}{}{}", self.gateway, sep, query)
    }
}

wire_enum! {
    /// `trade_status` of notifies, returns and `single_trade_query`.
    pub enum TradeStatus {
        /// The trade exists, unpaid (not notified by default for 即时到账).
        WaitBuyerPay = "WAIT_BUYER_PAY",
        /// Paid (高级即时到账: refundable).
        TradeSuccess = "TRADE_SUCCESS",
        /// Paid (plain 即时到账), or the refund window ended.
        TradeFinished = "TRADE_FINISHED",
        /// Unpaid and closed or timed out, or fully refunded.
        TradeClosed = "TRADE_CLOSED",
    }
}

impl TradeStatus {
    /// What this status proves about the trade.
    ///
    /// | trade_status | fact |
    /// |---|---|
    /// | WAIT_BUYER_PAY, unknown | open |
    /// | TRADE_SUCCESS, TRADE_FINISHED | paid (one payment may be notified twice) |
    /// | TRADE_CLOSED | closed: unpaid and closed, or paid and fully refunded ([`crate::reconcile`] tells which) |
    pub fn fact(&self) -> TradeFact {
        match self {
            Self::TradeSuccess | Self::TradeFinished => TradeFact::Paid,
            Self::TradeClosed => TradeFact::Closed,
            Self::WaitBuyerPay | Self::Unknown(_) => TradeFact::Open,
        }
    }
}

wire_enum! {
    /// `<error>` codes of MAPI service replies.
    pub enum ErrorCode {
        /// No such trade (e.g. the cashier was never opened).
        TradeNotExist = "TRADE_NOT_EXIST",
        /// The request's signature is wrong.
        IllegalSign = "ILLEGAL_SIGN",
        /// Unknown partner.
        IllegalPartner = "ILLEGAL_PARTNER",
        /// A parameter is invalid.
        IllegalArgument = "ILLEGAL_ARGUMENT",
        /// The partner lacks the permission for this service.
        HashNoPrivilege = "HASH_NO_PRIVILEGE",
        /// The trade's state does not allow the operation (e.g. closing a paid trade).
        TradeStatusNotAvaild = "TRADE_STATUS_NOT_AVAILD",
        /// Provider-side fault.
        SystemError = "SYSTEM_ERROR",
        /// The refund amount exceeds what is refundable.
        RefundAmountNotValid = "REFUND_AMOUNT_NOT_VALID",
        /// The batch number was used already.
        DuplicateBatchNo = "DUPLICATE_BATCH_NO",
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::AlipayConfig;
    use crate::sign::SecretKey;

    pub(crate) fn config() -> AlipayConfig {
        AlipayConfig {
            partner: "2088811198755564".into(),
            key: SecretKey::new("a5zg0nz6s5ol6yzd9y7rjme7p6x8k3ac"),
            seller_email: "souvenir@chinarun.com".into(),
            gateway: "https://mapi.alipay.com/gateway.do".into(),
            it_b_pay: false,
        }
    }
}
