//! [`Create`]: starting a payment session (a QR code, a cashier URL) at one provider.
//! A provider that says the trade is paid already is asked for the payment. If the order
//! was closed while the provider made the code, the code is never handed out: the trade
//! just created is closed at the provider again.

use super::Operation;
use crate::api::{ApiError, ResultCode};
use crate::facts::TradeFacts;
use crate::order::{Change, Channel, Order, PayState, Provider, Session};
use crate::provider::{Buyer, Call, CallError, Code, Outcome};
use crate::reconcile;

/// How a session start ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Not finished yet.
    Pending,
    /// The session's code or URL (stored with the session, unless a cashier URL).
    Code(Code),
    /// The provider said the trade is paid; its facts were asked for (the order's state says
    /// whether they proved it).
    AlreadyPaid,
    /// The order was cancelled meanwhile: the new trade was closed, nothing handed out.
    Cancelled,
    /// The call failed ([`Operation::failure`]).
    Failed,
}

/// Starting one session.
pub struct Create {
    provider: Provider,
    channel: Channel,
    trade_no: String,
    started_at: i64,
    next: Option<Call>,
    created: Created,
    trades: Vec<TradeFacts>,
    failure: Option<CallError>,
}

impl Create {
    /// A session of `provider` through `channel` for the trade `trade_no`, at `now`.
    pub fn new(provider: Provider, channel: Channel, trade_no: &str, buyer: Buyer, now: i64) -> Self {
        Self {
            provider,
            channel,
            trade_no: trade_no.to_owned(),
            started_at: now,
            next: Some(Call::Create { channel, trade_no: trade_no.to_owned(), buyer }),
            created: Created::Pending,
            trades: Vec::new(),
            failure: None,
        }
    }

    /// How it ended.
    pub fn created(&self) -> &Created {
        &self.created
    }

    /// What the page gets, given the order as stored after the changes: the code (the
    /// stored session's, should a concurrent call have stored one first) or why not.
    pub fn answer(&self, order: &Order) -> Result<String, ApiError> {
        match &self.created {
            Created::Code(code) if self.channel == Channel::Cashier => Ok(code.text.clone()),
            Created::Code(code) => Ok(order
                .session(self.provider, self.channel)
                .and_then(|s| s.code.clone())
                .unwrap_or_else(|| code.text.clone())),
            Created::AlreadyPaid if order.state == PayState::Waiting => Err(ApiError::new(
                ResultCode::ProviderRejected,
                "the provider says the order is paid but its query does not confirm a payment",
            )),
            Created::AlreadyPaid | Created::Cancelled => Err(ApiError::new(
                ResultCode::OrderNotPayable,
                format!("the order is {} ({})", order.state.name(), order.state.desc()),
            )),
            Created::Failed | Created::Pending => Err(self.failure.as_ref().map_or_else(
                || ApiError::new(ResultCode::Internal, "no outcome"),
                crate::provider::CallError::api_error,
            )),
        }
    }
}

impl Operation for Create {
    fn next_call(&mut self, order: &Order) -> Option<(Provider, Call)> {
        if matches!(self.created, Created::Code(_)) && order.state != PayState::Waiting {
            // Closed while the provider made the code: close the new trade, hand out nothing.
            self.created = Created::Cancelled;
            if self.channel != Channel::Cashier {
                self.next = Some(Call::Close { trade_no: self.trade_no.clone() });
            }
        }
        self.next.take().map(|call| (self.provider, call))
    }

    fn feed(&mut self, result: Result<Outcome, CallError>) {
        match result {
            Ok(Outcome::Code(code)) => self.created = Created::Code(code),
            Ok(Outcome::AlreadyPaid) => {
                self.created = Created::AlreadyPaid;
                self.next = Some(Call::Query { trade_no: self.trade_no.clone() });
            }
            Ok(Outcome::Trade(f)) => self.trades.push(f),
            Ok(_) => {}
            Err(e) => {
                if self.created == Created::Pending {
                    self.created = Created::Failed;
                }
                self.failure.get_or_insert(e);
            }
        }
    }

    fn finish(&mut self, order: &Order, now: i64) -> Vec<Change> {
        let mut changes: Vec<Change> =
            self.trades.iter().flat_map(|f| reconcile::trade_changes(order, f, now)).collect();
        if let Created::Code(code) = &self.created {
            let mut session = Session::new(self.provider, self.channel, &self.trade_no, self.started_at);
            // A cashier URL is signed per request; QR codes are handed out again as they are.
            if self.channel != Channel::Cashier {
                session.code = Some(code.text.clone());
                session.prepay_id.clone_from(&code.prepay_id);
            }
            changes.push(Change::SessionStarted(session));
        }
        changes
    }

    fn failure(&self) -> Option<&CallError> {
        self.failure.as_ref()
    }
}
