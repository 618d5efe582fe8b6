//! What a verified v3 message proves, in the vocabulary v2 already speaks: a transaction
//! (query reply or decrypted `TRANSACTION.*` resource) becomes an [`OrderQueryReply`], a
//! refund (reply, query or decrypted `REFUND.*` resource) a [`RefundRecord`]. That way
//! [`crate::reconcile`] decides once for both API versions. Merchant, app and order are
//! checked here, before anything is believed.

use super::V3Error;
use super::notify::Transaction;
use super::reply::{RefundReply, RefundStatus};
use super::request::V3Config;
use crate::wechat::RefundStatus as V2RefundStatus;
use crate::wechat::reply::{OrderQueryReply, RefundRecord};
use crate::{AmountFen, OrderNo};

/// A v3 transaction of this merchant's app for `order_no`, as v2's `orderquery` would
/// report it. An unpaid transaction has no transaction id or amount worth believing.
pub fn transaction(cfg: &V3Config, order_no: &OrderNo, t: &Transaction) -> Result<OrderQueryReply, V3Error> {
    if t.mchid != cfg.mchid || t.appid != cfg.appid {
        return Err(V3Error::WrongMerchant);
    }
    if t.out_trade_no != order_no.as_str() {
        return Err(V3Error::WrongOrder);
    }
    let total_fee = AmountFen::new(t.amount.total).map_err(|_| V3Error::Malformed("amount.total".into()))?;
    Ok(OrderQueryReply {
        trade_state: t.state(),
        transaction_id: t.transaction_id.clone().filter(|id| !id.is_empty()),
        total_fee: Some(total_fee),
        time_end: t.success_time.clone(),
    })
}

/// A v3 refund for `order_no`, as v2's `refundquery` would list it: CLOSED is v2's
/// REFUNDCLOSE, ABNORMAL its CHANGE (both need the merchant).
pub fn refund(order_no: &OrderNo, r: &RefundReply) -> Result<RefundRecord, V3Error> {
    if !r.out_trade_no.is_empty() && r.out_trade_no != order_no.as_str() {
        return Err(V3Error::WrongOrder);
    }
    let status = match &r.status {
        RefundStatus::Success => V2RefundStatus::Success,
        RefundStatus::Closed => V2RefundStatus::RefundClose,
        RefundStatus::Abnormal => V2RefundStatus::Change,
        RefundStatus::Processing => V2RefundStatus::Processing,
        RefundStatus::Unknown(s) => V2RefundStatus::Unknown(s.clone()),
    };
    Ok(RefundRecord { out_refund_no: r.out_refund_no.clone(), refund_id: r.refund_id.clone(), status })
}

/// A decrypted refund notify resource also names the merchant.
pub fn refund_notify(cfg: &V3Config, order_no: &OrderNo, plaintext: &[u8]) -> Result<RefundRecord, V3Error> {
    #[derive(serde::Deserialize)]
    struct Mch {
        mchid: String,
    }
    let mch: Mch = serde_json::from_slice(plaintext).map_err(|e| V3Error::Malformed(e.to_string()))?;
    if mch.mchid != cfg.mchid {
        return Err(V3Error::WrongMerchant);
    }
    refund(order_no, &RefundReply::parse(plaintext)?)
}
