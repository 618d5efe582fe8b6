//! What a verified provider message proves, in one vocabulary for every provider API: a
//! trade ([`TradeFacts`]) or a refund ([`RefundFacts`]). Each API's module reads its own
//! replies and notifies into these, after checking its merchant and app; [`crate::reconcile`]
//! then decides once, for all of them, what the facts mean for an order.

use serde::{Deserialize, Serialize};

use crate::AmountFen;
use crate::order::{Provider, RefundResult, Source, TradeFact};

/// A trade as a verified query reply or notify reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeFacts {
    /// The wallet.
    pub provider: Provider,
    /// The trade's `out_trade_no`.
    pub trade_no: String,
    /// The provider's transaction id (absent before payment).
    pub transaction_id: Option<String>,
    /// Open, paid or closed.
    pub state: TradeFact,
    /// The trade's total, in fen.
    pub amount: Option<AmountFen>,
    /// What the buyer paid, in fen, when stated.
    #[serde(default)]
    pub payer_total: Option<AmountFen>,
    /// The currency the provider states, when it states one.
    #[serde(default)]
    pub currency: Option<String>,
    /// The provider's payment time, as sent.
    pub paid_at: Option<String>,
    /// What reported it.
    pub source: Source,
}

/// A refund as a verified query reply or notify reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundFacts {
    /// The wallet.
    pub provider: Provider,
    /// The number the provider knows the refund by (`out_refund_no`, `batch_no`, `out_request_no`).
    pub provider_refund_no: String,
    /// The provider's refund id.
    pub refund_id: Option<String>,
    /// How it stands.
    pub result: RefundResult,
    /// The refunded transaction, when the message names it (Alipay's batch details).
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// The refunded amount, when the message states it.
    #[serde(default)]
    pub amount: Option<AmountFen>,
    /// What reported it.
    pub source: Source,
}

/// A verified notify, as its order's object receives it from the route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Notice {
    /// A trade notify (a payment, or a trade's new state).
    Trade(TradeFacts),
    /// A refund notify: each refund it settles.
    Refunds {
        /// The refunds.
        refunds: Vec<RefundFacts>,
    },
}

impl Notice {
    /// The number of the trade a trade notice is about.
    pub fn trade_no(&self) -> Option<&str> {
        match self {
            Self::Trade(t) => Some(&t.trade_no),
            Self::Refunds { .. } => None,
        }
    }
}
