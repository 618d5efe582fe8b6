//! What a verified v3 message proves, in the facts every API shares: a transaction (query
//! reply or decrypted `TRANSACTION.*` resource) becomes [`TradeFacts`], a refund (reply,
//! query or decrypted `REFUND.*` resource) [`RefundFacts`], so [`crate::reconcile`]
//! decides once for both API versions. Merchant, app and trade are checked here, before
//! anything is believed.

use super::V3Error;
use super::notify::Transaction;
use super::reply::{RefundReply, RefundStatus};
use super::request::V3Config;
use crate::AmountFen;
use crate::facts::{RefundFacts, TradeFacts};
use crate::order::{Provider, RefundResult, Source};

/// A v3 transaction of this merchant's app, for the trade `trade_no` when one is expected.
/// An unpaid transaction has no transaction id worth believing.
pub fn transaction(
    cfg: &V3Config,
    trade_no: Option<&str>,
    t: &Transaction,
    source: Source,
) -> Result<TradeFacts, V3Error> {
    if t.mchid != cfg.mchid || t.appid != cfg.appid {
        return Err(V3Error::WrongMerchant);
    }
    if trade_no.is_some_and(|no| no != t.out_trade_no) {
        return Err(V3Error::WrongOrder);
    }
    let amount = |fen: u64, field: &str| AmountFen::new(fen).map_err(|_| V3Error::Malformed(field.into()));
    Ok(TradeFacts {
        provider: Provider::Wechat,
        trade_no: t.out_trade_no.clone(),
        transaction_id: t.transaction_id.clone().filter(|id| !id.is_empty()),
        state: t.state().fact(),
        amount: Some(amount(t.amount.total, "amount.total")?),
        payer_total: t.amount.payer_total.filter(|&p| p > 0).map(|p| amount(p, "amount.payer_total")).transpose()?,
        currency: t.amount.currency.clone(),
        paid_at: t.success_time.clone(),
        source,
    })
}

/// What a v3 refund status means: CLOSED failed, ABNORMAL abnormal (the money left the
/// merchant's balance; the merchant finishes it).
pub fn refund_result(status: &RefundStatus) -> RefundResult {
    match status {
        RefundStatus::Success => RefundResult::Succeeded,
        RefundStatus::Closed => RefundResult::Failed("CLOSED".into()),
        RefundStatus::Abnormal => RefundResult::Abnormal("ABNORMAL".into()),
        RefundStatus::Processing | RefundStatus::Unknown(_) => RefundResult::Processing,
    }
}

/// A v3 refund, of the trade `trade_no` when one is expected.
pub fn refund(trade_no: Option<&str>, r: &RefundReply, source: Source) -> Result<RefundFacts, V3Error> {
    if !r.out_trade_no.is_empty() && trade_no.is_some_and(|no| no != r.out_trade_no) {
        return Err(V3Error::WrongOrder);
    }
    Ok(RefundFacts {
        provider: Provider::Wechat,
        provider_refund_no: r.out_refund_no.clone(),
        refund_id: Some(r.refund_id.clone()),
        result: refund_result(&r.status),
        transaction_id: None,
        amount: AmountFen::new(r.amount.refund).ok(),
        source,
    })
}

/// A decrypted refund notify resource (it also names the merchant).
pub fn refund_notify(cfg: &V3Config, plaintext: &[u8]) -> Result<(String, RefundFacts), V3Error> {
    #[derive(serde::Deserialize)]
    struct Mch {
        mchid: String,
    }
    let mch: Mch = serde_json::from_slice(plaintext).map_err(|e| V3Error::Malformed(e.to_string()))?;
    if mch.mchid != cfg.mchid {
        return Err(V3Error::WrongMerchant);
    }
    let r = RefundReply::parse(plaintext)?;
    Ok((r.out_trade_no.clone(), refund(None, &r, Source::WechatRefundNotify)?))
}
