//! The transition function of [`Order`]: the table in the module docs, as code.

use super::{
    Change, Closure, Order, Outcome, PayState, Payment, Refund, RefundResult, RefundStatus, Refusal, SendResult,
    Session, Source, Transition,
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
            sessions: Vec::new(),
            return_url: None,
            payment: None,
            extra_payments: Vec::new(),
            closure: None,
            refunds: Vec::new(),
            history: Vec::new(),
            legacy_wechat: None,
            legacy_alipay: None,
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

    /// The refund with this `refund_no`.
    pub fn refund(&self, refund_no: &str) -> Option<&Refund> {
        self.refunds.iter().find(|r| r.refund_no == refund_no)
    }

    /// The refunds the object still asks `provider` about.
    pub fn open_refunds(&self, provider: super::Provider) -> impl Iterator<Item = &Refund> {
        self.refunds.iter().filter(move |r| r.provider == provider && r.status.is_open())
    }

    /// Fen of a transaction refunded (succeeded) so far.
    pub fn refunded_fen(&self, transaction_id: &str) -> u64 {
        self.refund_sum(transaction_id, |s| *s == RefundStatus::Succeeded)
    }

    /// Fen of a transaction refunded or possibly being refunded (every status but failed).
    pub fn committed_refund_fen(&self, transaction_id: &str) -> u64 {
        self.refund_sum(transaction_id, RefundStatus::counts)
    }

    fn refund_sum(&self, transaction_id: &str, counts: impl Fn(&RefundStatus) -> bool) -> u64 {
        self.refunds
            .iter()
            .filter(|r| r.transaction_id == transaction_id && counts(&r.status))
            .map(|r| r.amount.fen())
            .sum()
    }

    /// True when something needs the merchant: an extra payment not yet refunded in full, a
    /// payment that came after the order was cancelled, an abnormal refund, or a refund
    /// unsettled for too long.
    pub fn needs_attention(&self) -> bool {
        self.payment.as_ref().is_some_and(|p| p.late)
            || self.extra_payments.iter().any(|p| self.refunded_fen(&p.transaction_id) < p.amount.fen())
            || self
                .refunds
                .iter()
                .any(|r| (r.overdue && r.status.is_open()) || matches!(r.status, RefundStatus::Abnormal(_)))
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

    /// Applies a change at time `now`. Forward-only: see the table in [`super`].
    pub fn apply(&mut self, change: Change, now: i64) -> Result<Outcome, Refusal> {
        match change {
            Change::Paid(payment) => self.apply_paid(payment, now),
            Change::Cancelled(closure) => Ok(self.apply_cancelled(closure, now)),
            Change::TradeClosed { provider, trade_no, source } => {
                let mut changed = false;
                for s in self.sessions.iter_mut().filter(|s| s.provider == provider && s.trade_no == trade_no) {
                    changed |= !s.closed;
                    s.closed = true;
                }
                if self.state == PayState::Waiting
                    && !self.sessions.is_empty()
                    && self.sessions.iter().all(|s| s.closed)
                {
                    let closure = Closure { reason: super::CloseReason::Provider, source, at: now };
                    return Ok(self.apply_cancelled(closure, now));
                }
                Ok(if changed { Outcome::Changed } else { Outcome::Unchanged })
            }
            Change::SessionStarted(session) => self.apply_session(session),
            Change::RefundStarted(refund) => self.apply_refund_started(refund),
            Change::RefundSent { refund_no, result } => self.apply_refund_sent(&refund_no, result, now),
            Change::RefundSettled { provider_refund_no, refund_id, result, source } => {
                self.apply_refund_settled(&provider_refund_no, refund_id, result, source, now)
            }
            Change::RefundOverdue { refund_no } => {
                let Some(r) = self.refunds.iter_mut().find(|r| r.refund_no == refund_no) else {
                    return Ok(Outcome::Unchanged);
                };
                if r.overdue || !r.status.is_open() {
                    return Ok(Outcome::Unchanged);
                }
                r.overdue = true;
                Ok(Outcome::Changed)
            }
            Change::PaymentRefunded { transaction_id, source } => {
                self.apply_payment_refunded(transaction_id, source, now)
            }
        }
    }

    fn ensure_paid(&self) -> Result<(), Refusal> {
        if self.state.is_paid() { Ok(()) } else { Err(Refusal::NotPaid) }
    }

    fn apply_paid(&mut self, mut payment: Payment, now: i64) -> Result<Outcome, Refusal> {
        self.check_amount(payment.amount)?;
        if self.payments().any(|p| p.provider == payment.provider && p.transaction_id == payment.transaction_id) {
            return Ok(Outcome::Unchanged);
        }
        if payment.trade_no.is_empty() {
            payment.trade_no = self.order_no.as_str().to_owned();
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

    fn apply_cancelled(&mut self, closure: Closure, now: i64) -> Outcome {
        if self.state != PayState::Waiting {
            return Outcome::Unchanged;
        }
        self.move_to(PayState::Cancelled, closure.source, now);
        self.closure = Some(closure);
        Outcome::Changed
    }

    fn apply_session(&mut self, session: Session) -> Result<Outcome, Refusal> {
        if self.state != PayState::Waiting {
            return Err(Refusal::NotPayable(self.state.name()));
        }
        let same = self
            .sessions
            .iter()
            .any(|s| s.provider == session.provider && s.channel == session.channel && s.trade_no == session.trade_no);
        if same {
            // A concurrent call stored it first: that one stays (the provider answers a
            // repeated create with the same code).
            return Ok(Outcome::Unchanged);
        }
        self.sessions.push(session);
        Ok(Outcome::Changed)
    }

    fn apply_refund_started(&mut self, refund: Refund) -> Result<Outcome, Refusal> {
        self.ensure_paid()?;
        let Some(payment) = self.find_payment(&refund.transaction_id) else {
            return Err(Refusal::UnknownPayment(refund.transaction_id));
        };
        let left = payment.amount.fen().saturating_sub(self.committed_refund_fen(&refund.transaction_id));
        match self.refunds.iter_mut().find(|r| r.refund_no == refund.refund_no) {
            // A failed attempt gave its amount back: a retry starts a new attempt.
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

    fn apply_refund_sent(&mut self, refund_no: &str, result: SendResult, now: i64) -> Result<Outcome, Refusal> {
        self.ensure_paid()?;
        let Some(r) = self.refunds.iter_mut().find(|r| r.refund_no == refund_no) else {
            return Ok(Outcome::Unchanged);
        };
        if !r.status.unanswered() {
            return Ok(Outcome::Unchanged);
        }
        let status = match result {
            SendResult::Accepted { refund_id } => {
                if refund_id.is_some() {
                    r.refund_id = refund_id;
                }
                RefundStatus::Requested
            }
            SendResult::Refused(code) => {
                r.settled_at = Some(now);
                RefundStatus::Failed(code)
            }
            SendResult::Unknown(why) => RefundStatus::Unknown(why),
        };
        if r.status == status {
            return Ok(Outcome::Unchanged);
        }
        r.status = status;
        Ok(Outcome::Changed)
    }

    fn apply_refund_settled(
        &mut self,
        provider_refund_no: &str,
        refund_id: Option<String>,
        result: RefundResult,
        source: Source,
        now: i64,
    ) -> Result<Outcome, Refusal> {
        self.ensure_paid()?;
        let Some(r) = self.refunds.iter_mut().find(|r| r.provider_refund_no == provider_refund_no) else {
            return Ok(Outcome::Unchanged);
        };
        let status = match (&r.status, result) {
            (_, RefundResult::Processing) => {
                // Proves the provider has it: an unanswered call is answered.
                if !r.status.unanswered() {
                    return Ok(Outcome::Unchanged);
                }
                RefundStatus::Requested
            }
            (RefundStatus::Succeeded | RefundStatus::Failed(_), _) => return Ok(Outcome::Unchanged),
            // Abnormal refunds are finished by the merchant: only a success is news.
            (RefundStatus::Abnormal(_), RefundResult::Succeeded) => RefundStatus::Succeeded,
            (RefundStatus::Abnormal(_), _) => return Ok(Outcome::Unchanged),
            (_, RefundResult::Succeeded) => RefundStatus::Succeeded,
            (_, RefundResult::Failed(code)) => RefundStatus::Failed(code),
            (_, RefundResult::Abnormal(code)) => RefundStatus::Abnormal(code),
        };
        if r.status == status {
            return Ok(Outcome::Unchanged);
        }
        if matches!(status, RefundStatus::Succeeded | RefundStatus::Failed(_)) {
            r.settled_at = Some(now);
        }
        r.status = status;
        if refund_id.is_some() {
            r.refund_id = refund_id;
        }
        self.settle_state(source, now);
        Ok(Outcome::Changed)
    }

    fn apply_payment_refunded(&mut self, transaction_id: String, source: Source, now: i64) -> Result<Outcome, Refusal> {
        self.ensure_paid()?;
        let Some(payment) = self.find_payment(&transaction_id).cloned() else {
            return Ok(Outcome::Unchanged);
        };
        let mut changed = false;
        for r in self.refunds.iter_mut().filter(|r| r.transaction_id == transaction_id) {
            if r.status.is_open() {
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
                overdue: false,
            });
            changed = true;
        }
        let before = self.state;
        self.settle_state(source, now);
        Ok(if changed || before != self.state { Outcome::Changed } else { Outcome::Unchanged })
    }

    /// Shorthand for a cancellation.
    pub fn cancellation(reason: super::CloseReason, source: Source, at: i64) -> Change {
        Change::Cancelled(Closure { reason, source, at })
    }
}
