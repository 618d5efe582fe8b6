//! [`Create`]: starting a payment session (a QR code, a cashier or wap URL, a WeChat H5
//! link, a JSAPI prepay) at one provider. A provider that says the trade is paid already
//! is asked for the payment. If the order was closed while the provider made the code, the
//! code is never handed out: the trade just created is closed at the provider again. A
//! JSAPI prepay is handed out as the page's signed parameters, signed afresh each time.

use super::Operation;
use crate::api::{ApiError, JsapiParams, ResultCode};
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

/// What the page gets: the code or URL, and for JSAPI the bridge's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handout {
    /// The QR code's text or the URL to send the buyer to (JSAPI: the `prepay_id`).
    pub code: String,
    /// JSAPI: the signed parameters for `getBrandWCPayRequest`.
    pub jsapi: Option<JsapiParams>,
}

/// Starting one session.
pub struct Create {
    provider: Provider,
    channel: Channel,
    trade_no: String,
    started_at: i64,
    client_ip: Option<String>,
    payer: Option<String>,
    next: Option<Call>,
    created: Created,
    /// A stored JSAPI session handed out again: nothing new to store.
    again: bool,
    jsapi: Option<JsapiParams>,
    trades: Vec<TradeFacts>,
    failure: Option<CallError>,
}

/// Whether a session's code is made by a provider request and kept (a QR code, an H5
/// link, a prepay), rather than a URL signed for each request (Alipay's cashiers).
pub fn made_by_request(provider: Provider, channel: Channel) -> bool {
    !(provider == Provider::Alipay && matches!(channel, Channel::Cashier | Channel::Wap))
}

impl Create {
    /// A session of `provider` through `channel` for the trade `trade_no`, at `now`.
    pub fn new(provider: Provider, channel: Channel, trade_no: &str, buyer: Buyer, now: i64) -> Self {
        Self {
            provider,
            channel,
            trade_no: trade_no.to_owned(),
            started_at: now,
            client_ip: buyer.client_ip.clone(),
            payer: buyer.payer.clone(),
            next: Some(Call::Create { channel, trade_no: trade_no.to_owned(), buyer }),
            created: Created::Pending,
            again: false,
            jsapi: None,
            trades: Vec::new(),
            failure: None,
        }
    }

    /// A stored JSAPI session's prepay handed out again, with parameters signed now.
    pub fn jsapi_again(provider: Provider, trade_no: &str, prepay_id: &str, now: i64) -> Self {
        let code = Code { text: prepay_id.to_owned(), prepay_id: Some(prepay_id.to_owned()) };
        Self {
            again: true,
            created: Created::Code(code),
            next: Some(Call::JsapiParams { prepay_id: prepay_id.to_owned() }),
            ..Self::new(provider, Channel::Jsapi, trade_no, Buyer::default(), now)
        }
    }

    /// How it ended.
    pub fn created(&self) -> &Created {
        &self.created
    }

    /// What the page gets, given the order as stored after the changes: the code (the
    /// stored session's, should a concurrent call have stored one first) or why not.
    pub fn answer(&self, order: &Order) -> Result<Handout, ApiError> {
        match &self.created {
            Created::Code(_) if self.channel == Channel::Jsapi => {
                let jsapi = self.jsapi.clone().ok_or_else(|| {
                    self.failure.as_ref().map_or_else(
                        || ApiError::new(ResultCode::Internal, "no JSAPI parameters"),
                        crate::provider::CallError::api_error,
                    )
                })?;
                Ok(Handout { code: jsapi.package.trim_start_matches("prepay_id=").to_owned(), jsapi: Some(jsapi) })
            }
            Created::Code(code) if !made_by_request(self.provider, self.channel) => {
                Ok(Handout { code: code.text.clone(), jsapi: None })
            }
            Created::Code(code) => Ok(Handout {
                code: order
                    .session_of(self.provider, self.channel, &self.trade_no)
                    .and_then(|s| s.code.clone())
                    .unwrap_or_else(|| code.text.clone()),
                jsapi: None,
            }),
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
            self.jsapi = None;
            self.next = (made_by_request(self.provider, self.channel) && !self.again)
                .then(|| Call::Close { trade_no: self.trade_no.clone() });
        }
        self.next.take().map(|call| (self.provider, call))
    }

    fn feed(&mut self, result: Result<Outcome, CallError>) {
        match result {
            Ok(Outcome::Code(code)) => {
                if self.channel == Channel::Jsapi {
                    let prepay_id = code.prepay_id.clone().unwrap_or_else(|| code.text.clone());
                    self.next = Some(Call::JsapiParams { prepay_id });
                }
                self.created = Created::Code(code);
            }
            Ok(Outcome::JsapiParams(params)) => self.jsapi = Some(params),
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
        if let (Created::Code(code), false) = (&self.created, self.again) {
            let mut session = Session::new(self.provider, self.channel, &self.trade_no, self.started_at);
            // A cashier URL is signed per request; codes made by a request are kept.
            if made_by_request(self.provider, self.channel) {
                session.code = Some(code.text.clone());
                session.prepay_id.clone_from(&code.prepay_id);
            }
            session.client_ip.clone_from(&self.client_ip);
            session.payer.clone_from(&self.payer);
            changes.push(Change::SessionStarted(session));
        }
        changes
    }

    fn failure(&self) -> Option<&CallError> {
        self.failure.as_ref()
    }
}
