//! The transition function of [`Order`]: the table in the module docs, as code.

use super::{
    Closure, Event, Order, Outcome, PayState, Payment, Refund, RefundOutcome, RefundStatus, Refusal, Source, Transition,
};
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
            return_url: None,
            payment: None,
            extra_payments: Vec::new(),
            closure: None,
            refunds: Vec::new(),
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

    /// Every payment recorded: the one that paid the order, then the extra ones.
    pub fn payments(&self) -> impl Iterator<Item = &Payment> {
        self.payment.iter().chain(&self.extra_payments)
    }

    /// The payment with this transaction id.
    pub fn find_payment(&self, transaction_id: &str) -> Option<&Payment> {
        self.payments().find(|p| p.transaction_id == transaction_id)
    }

    /// The refunds sent to `provider` that it has not settled yet.
    pub fn pending_refunds(&self, provider: super::Provider) -> impl Iterator<Item = &Refund> {
        self.refunds.iter().filter(move |r| r.provider == provider && r.status == RefundStatus::Requested)
    }

    /// Fen of a transaction refunded (succeeded) so far.
    pub fn refunded_fen(&self, transaction_id: &str) -> u64 {
        self.refund_sum(transaction_id, |s| *s == RefundStatus::Succeeded)
    }

    /// Fen of a transaction refunded or being refunded.
    pub fn committed_refund_fen(&self, transaction_id: &str) -> u64 {
        self.refund_sum(transaction_id, |s| matches!(s, RefundStatus::Succeeded | RefundStatus::Requested))
    }

    fn refund_sum(&self, transaction_id: &str, counts: impl Fn(&RefundStatus) -> bool) -> u64 {
        self.refunds
            .iter()
            .filter(|r| r.transaction_id == transaction_id && counts(&r.status))
            .map(|r| r.amount.fen())
            .sum()
    }

    /// True when a payment or extra payment needs the merchant: an extra payment not yet
    /// refunded in full, or a payment that came after the order was cancelled.
    pub fn needs_attention(&self) -> bool {
        self.payment.as_ref().is_some_and(|p| p.late)
            || self.extra_payments.iter().any(|p| self.refunded_fen(&p.transaction_id) < p.amount.fen())
    }

    fn move_to(&mut self, to: PayState, source: Source, at: i64) {
        self.history.push(Transition { from: self.state, to, source, at });
        self.state = to;
    }

    /// Moves a paid order to refunded once its payment is back in full.
    fn settle_state(&mut self, source: Source, now: i64) {
        if self.state != PayState::Paid {
            return;
        }
        if let Some(p) = &self.payment
            && self.refunded_fen(&p.transaction_id) >= p.amount.fen()
        {
            self.move_to(PayState::Refunded, source, now);
        }
    }

    /// Applies an event at time `now`. Forward-only: see the table in [`super`].
    pub fn apply(&mut self, event: Event, now: i64) -> Result<Outcome, Refusal> {
        match event {
            Event::Paid(payment) => self.apply_paid(payment, now),
            Event::Closed(closure) => Ok(self.apply_closed(closure, now)),
            Event::RefundRequested(refund) => self.apply_refund_requested(refund),
            Event::RefundSettled { provider_refund_no, refund_id, outcome, source } => {
                self.ensure_paid()?;
                let Some(refund) = self.refunds.iter_mut().find(|r| r.provider_refund_no == provider_refund_no) else {
                    return Ok(Outcome::Unchanged);
                };
                if refund.status != RefundStatus::Requested {
                    return Ok(Outcome::Unchanged);
                }
                refund.status = match outcome {
                    RefundOutcome::Succeeded => RefundStatus::Succeeded,
                    RefundOutcome::Failed(reason) => RefundStatus::Failed(reason),
                };
                refund.settled_at = Some(now);
                if refund_id.is_some() {
                    refund.refund_id = refund_id;
                }
                self.settle_state(source, now);
                Ok(Outcome::Changed)
            }
            Event::PaymentRefunded { transaction_id, source } => {
                self.ensure_paid()?;
                let Some(payment) = self.find_payment(&transaction_id).cloned() else {
                    return Ok(Outcome::Unchanged);
                };
                let mut changed = false;
                for r in self.refunds.iter_mut().filter(|r| r.transaction_id == transaction_id) {
                    if r.status == RefundStatus::Requested {
                        r.status = RefundStatus::Succeeded;
                        r.settled_at = Some(now);
                        changed = true;
                    }
                }
                let left = payment.amount.fen().saturating_sub(self.refunded_fen(&transaction_id));
                if let Some(amount) = AmountFen::new(left).ok().filter(|_| left > 0) {
                    // Refunded outside this API (the provider's merchant portal): recorded so the
                    // sums add up.
                    self.refunds.push(Refund {
                        refund_no: format!("external-{}", self.refunds.len() + 1),
                        provider: payment.provider,
                        transaction_id,
                        amount,
                        reason: "reported by the provider".into(),
                        provider_refund_no: String::new(),
                        attempts: 0,
                        refund_id: None,
                        status: RefundStatus::Succeeded,
                        requested_at: now,
                        settled_at: Some(now),
                    });
                    changed = true;
                }
                let before = self.state;
                self.settle_state(source, now);
                Ok(if changed || before != self.state { Outcome::Changed } else { Outcome::Unchanged })
            }
        }
    }

    fn ensure_paid(&self) -> Result<(), Refusal> {
        match self.state {
            PayState::Paid | PayState::Refunded => Ok(()),
            PayState::Waiting | PayState::Cancelled => Err(Refusal::NotPaid),
        }
    }

    fn apply_paid(&mut self, mut payment: Payment, now: i64) -> Result<Outcome, Refusal> {
        self.check_amount(payment.amount)?;
        if self.payments().any(|p| p.provider == payment.provider && p.transaction_id == payment.transaction_id) {
            return Ok(Outcome::Unchanged);
        }
        match self.state {
            PayState::Waiting | PayState::Cancelled => {
                payment.late = self.state == PayState::Cancelled;
                self.move_to(PayState::Paid, payment.source, now);
                self.payment = Some(payment);
            }
            PayState::Paid | PayState::Refunded => self.extra_payments.push(payment),
        }
        Ok(Outcome::Changed)
    }

    fn apply_closed(&mut self, closure: Closure, now: i64) -> Outcome {
        if self.state != PayState::Waiting {
            return Outcome::Unchanged;
        }
        self.move_to(PayState::Cancelled, closure.source, now);
        self.closure = Some(closure);
        Outcome::Changed
    }

    fn apply_refund_requested(&mut self, refund: Refund) -> Result<Outcome, Refusal> {
        self.ensure_paid()?;
        let Some(payment) = self.find_payment(&refund.transaction_id) else {
            return Err(Refusal::UnknownPayment(refund.transaction_id));
        };
        let left = payment.amount.fen().saturating_sub(self.committed_refund_fen(&refund.transaction_id));
        match self.refunds.iter_mut().find(|r| r.refund_no == refund.refund_no) {
            Some(existing) if matches!(existing.status, RefundStatus::Failed(_)) => {
                if refund.amount.fen() > left {
                    return Err(Refusal::RefundTooLarge { left });
                }
                *existing = refund;
                Ok(Outcome::Changed)
            }
            Some(_) => Ok(Outcome::Unchanged),
            None => {
                if refund.amount.fen() > left {
                    return Err(Refusal::RefundTooLarge { left });
                }
                self.refunds.push(refund);
                Ok(Outcome::Changed)
            }
        }
    }

    /// Shorthand for a cancellation event.
    pub fn close_event(reason: super::CloseReason, source: Source, at: i64) -> Event {
        Event::Closed(Closure { reason, source, at })
    }
}
