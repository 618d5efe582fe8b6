//! The transition function of [`Order`]: the table in the module docs, as code.

use super::{Closure, Event, Order, Outcome, PayState, Refund, RefundStatus, Refusal, Source, Transition};
use crate::{AmountFen, OrderNo};

impl Order {
    /// A new waiting order.
    pub fn new(
        order_no: OrderNo,
        total_fee: AmountFen,
        subject: String,
        body: String,
        created_at: i64,
        expires_at: i64,
    ) -> Self {
        Self {
            order_no,
            total_fee,
            subject,
            body,
            created_at,
            expires_at,
            state: PayState::Waiting,
            wechat: None,
            alipay: None,
            last_checked_at: None,
            payment: None,
            extra_payments: Vec::new(),
            closure: None,
            refund: None,
            history: Vec::new(),
        }
    }

    /// Checks a provider-reported amount against the order's (a notify or query for another
    /// amount is refused before anything is applied).
    pub fn check_amount(&self, amount: AmountFen) -> Result<(), Refusal> {
        if amount == self.total_fee {
            Ok(())
        } else {
            Err(Refusal::AmountMismatch { expected: self.total_fee, got: amount })
        }
    }

    /// True once `now` is at or past the expiry.
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }

    fn move_to(&mut self, to: PayState, source: Source, at: i64) {
        self.history.push(Transition { from: self.state, to, source, at });
        self.state = to;
    }

    /// Applies an event at time `now`. Forward-only: see the table in [`super`].
    pub fn apply(&mut self, event: Event, now: i64) -> Result<Outcome, Refusal> {
        match event {
            Event::Paid(payment) => {
                self.check_amount(payment.amount)?;
                match self.state {
                    PayState::Waiting | PayState::Cancelled => {
                        self.move_to(PayState::Paid, payment.source, now);
                        self.payment = Some(payment);
                        Ok(Outcome::Changed)
                    }
                    PayState::Paid | PayState::Refunded => {
                        let known = self
                            .payment
                            .iter()
                            .chain(&self.extra_payments)
                            .any(|p| p.provider == payment.provider && p.transaction_id == payment.transaction_id);
                        if known {
                            Ok(Outcome::Unchanged)
                        } else {
                            self.extra_payments.push(payment);
                            Ok(Outcome::Changed)
                        }
                    }
                }
            }
            Event::Closed(closure) => match self.state {
                PayState::Waiting => {
                    self.move_to(PayState::Cancelled, closure.source, now);
                    self.closure = Some(closure);
                    Ok(Outcome::Changed)
                }
                _ => Ok(Outcome::Unchanged),
            },
            Event::RefundRequested(refund) => match self.state {
                PayState::Waiting | PayState::Cancelled => Err(Refusal::NotPaid),
                PayState::Refunded => Ok(Outcome::Unchanged),
                PayState::Paid => match &self.refund {
                    Some(Refund { status: RefundStatus::Requested, .. }) => Ok(Outcome::Unchanged),
                    _ => {
                        self.refund = Some(refund);
                        Ok(Outcome::Changed)
                    }
                },
            },
            Event::Refunded { refund_id, source } => match self.state {
                PayState::Waiting | PayState::Cancelled => Err(Refusal::NotPaid),
                PayState::Refunded => Ok(Outcome::Unchanged),
                PayState::Paid => {
                    let payment = self.payment.as_ref().ok_or(Refusal::NotPaid)?;
                    let refund = self.refund.get_or_insert_with(|| Refund {
                        provider: payment.provider,
                        refund_no: String::new(),
                        refund_id: None,
                        amount: payment.amount,
                        status: RefundStatus::Requested,
                        requested_at: now,
                        settled_at: None,
                    });
                    refund.status = RefundStatus::Succeeded;
                    refund.settled_at = Some(now);
                    if refund_id.is_some() {
                        refund.refund_id = refund_id;
                    }
                    self.move_to(PayState::Refunded, source, now);
                    Ok(Outcome::Changed)
                }
            },
            Event::RefundFailed { reason, source: _ } => match (&self.state, &mut self.refund) {
                (PayState::Paid, Some(refund)) if refund.status == RefundStatus::Requested => {
                    refund.status = RefundStatus::Failed(reason);
                    refund.settled_at = Some(now);
                    Ok(Outcome::Changed)
                }
                _ => Ok(Outcome::Unchanged),
            },
        }
    }

    /// Shorthand for a cancellation event.
    pub fn close_event(reason: super::CloseReason, source: Source, at: i64) -> Event {
        Event::Closed(Closure { reason, source, at })
    }
}
