//! The skeleton every provider API implements ([`ProviderApi`]), so that the order's logic
//! loops over providers and never branches on them, and the worker runs one driver for
//! all of them.
//!
//! A call is data from start to end (sans-IO, like async-stripe): the API builds the
//! request ([`ProviderApi::prepare`]); where its scheme signs with the merchant's RSA key
//! (WeChat Pay v3, Alipay OpenAPI) the edge signs [`Prepared::to_sign`] with WebCrypto and
//! hands the signature back to [`Prepared::finish`]; the edge sends the request and hands
//! back status, headers and exact body; [`ProviderApi::reply_check`] says what must be
//! verified with the provider's RSA key before one byte is believed; and
//! [`ProviderApi::outcome`] reads the reply into a typed [`Outcome`] or a [`CallError`].
//! Notifies go the same way: [`ProviderApi::notify_check`] → what the edge must verify,
//! decrypt or confirm → [`ProviderApi::notice`] → the [`Notice`] the order's object applies.

use crate::OrderNo;
use crate::api::{ApiError, ResultCode};
use crate::facts::{Notice, RefundFacts, TradeFacts};
use crate::http::{HttpRequest, HttpResponse};
use crate::order::{Channel, Order, Provider};

/// What to ask a provider about an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// Start a session: a QR code, or the cashier URL (no request: only signed).
    Create {
        /// How the buyer will pay.
        channel: Channel,
        /// The trade's `out_trade_no`.
        trade_no: String,
        /// What the session's request needs to know of the buyer.
        buyer: Buyer,
    },
    /// The trade's state.
    Query {
        /// `out_trade_no`.
        trade_no: String,
    },
    /// Close the trade.
    Close {
        /// `out_trade_no`.
        trade_no: String,
    },
    /// Send the stored refund attempt of `refund_no` (again, under the same number).
    Refund {
        /// The merchant's refund number.
        refund_no: String,
    },
    /// Ask about the refund `refund_no`.
    RefundQuery {
        /// The merchant's refund number.
        refund_no: String,
    },
    /// Sign WeChat JSAPI's page parameters for a prepay (no request: only signed).
    JsapiParams {
        /// The `prepay_id`.
        prepay_id: String,
    },
    /// Ask for the trade bill of a day (not about an order: the order given is ignored).
    Bill {
        /// The bill day.
        date: crate::bills::BillDate,
    },
    /// Download a bill file from the URL a [`Call::Bill`] answered.
    BillFile {
        /// The download URL.
        url: String,
    },
}

/// How a bill file is packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// Plain text (UTF-8: WeChat's CSV).
    Plain,
    /// gzip (WeChat's `tar_type=GZIP`).
    Gzip,
    /// A ZIP of GBK-encoded CSVs (Alipay).
    Zip,
}

/// What a bill request answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillAnswer {
    /// The file itself, as it came (WeChat v2).
    File {
        /// Its bytes.
        bytes: Vec<u8>,
        /// How they are packed.
        packing: Packing,
    },
    /// Where to download it ([`Call::BillFile`]) and the hash to check: SHA-1 hex of the
    /// unpacked file (WeChat v3).
    Download {
        /// The URL.
        url: String,
        /// How the file is packed.
        packing: Packing,
        /// `hash_value` when `hash_type` is SHA1.
        sha1: Option<String>,
    },
    /// Not generated yet (WeChat `Bill Creating`, `STATEMENT_CREATING`): ask again later.
    NotReady(String),
    /// No bill: the provider had no trades that day.
    NoBill,
}

/// The stored refund attempt `refund_no` and the payment it refunds: what a refund or
/// refund-query call of any API is about.
pub(crate) fn refund_of<'a>(
    order: &'a Order,
    refund_no: &str,
) -> Result<(&'a crate::order::Refund, &'a crate::order::Payment), CallError> {
    let r = order.refund(refund_no).ok_or_else(|| CallError::NotConfigured(format!("no refund {refund_no}")))?;
    let p = order
        .find_payment(&r.transaction_id)
        .ok_or_else(|| CallError::NotConfigured("refund of an unknown payment".into()))?;
    Ok((r, p))
}

/// What a session's request needs to know of the buyer besides the order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buyer {
    /// Where the provider sends the buyer back: the worker's own sealed return URL (Alipay
    /// cashiers; `None`: the worker's plain return route).
    pub return_url: Option<String>,
    /// The merchant's page the buyer came from and returns to (Alipay wap `show_url` /
    /// `quit_url`; WeChat H5 `redirect_url`).
    pub page_url: Option<String>,
    /// The buyer's IP as Cloudflare saw it (WeChat H5 binds its link to it).
    pub client_ip: Option<String>,
    /// The payer's openid (WeChat JSAPI).
    pub openid: Option<String>,
    /// The order's row that holds that openid (stored with the session, never the openid).
    pub payer: Option<String>,
}

/// What a call needs besides the order: the clock, a nonce, and the worker's public URL
/// (notifies and the buyer's return come back to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    /// Unix seconds.
    pub now: i64,
    /// A fresh random nonce.
    pub nonce: String,
    /// `PUBLIC_BASE_URL`.
    pub public_base: String,
}

impl CallContext {
    /// An absolute URL on this worker.
    pub fn url(&self, path: &str) -> String {
        crate::http::join_url(&self.public_base, path)
    }

    /// The notify URL of an API for one of `order`'s trades: the API's path, with the
    /// order's number after `/order/` when the trade has a number of its own (phone
    /// sessions), so the notify finds its order whatever it says.
    pub fn notify_url(&self, path: &str, order: &Order, trade_no: &str) -> String {
        if trade_no == order.order_no.as_str() {
            self.url(path)
        } else {
            self.url(&format!("{path}{ORDER_SEGMENT}{}", crate::http::order_segment(&order.order_no)))
        }
    }
}

/// What follows an API's notify path when the notify names its order: `<path>/order/<order_no>`.
pub const ORDER_SEGMENT: &str = "/order/";

/// A code or link a provider made for a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The QR code's text or the URL to send the buyer to.
    pub text: String,
    /// WeChat's `prepay_id`.
    pub prepay_id: Option<String>,
}

/// What a verified reply means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Create: the session's code or URL.
    Code(Code),
    /// Create: the provider says the trade is paid already (ask for its facts).
    AlreadyPaid,
    /// Query: the trade.
    Trade(TradeFacts),
    /// Query: the provider has no such trade (the buyer never opened or scanned it).
    NoTrade,
    /// Close: closed (or it never existed, or was closed already).
    Closed,
    /// Close: refused because the trade is paid (ask for its facts).
    PaidNotClosed,
    /// Refund: accepted (a repeat of the same number too).
    RefundAccepted {
        /// The provider's refund id.
        refund_id: Option<String>,
    },
    /// Refund query: what the provider reports of the trade's or the refund's refunds.
    Refunds(Vec<RefundFacts>),
    /// Refund query: the provider has no such refund.
    NoRefund,
    /// JSAPI: the page's parameters, signed.
    JsapiParams(crate::api::JsapiParams),
    /// A bill request's answer.
    Bill(BillAnswer),
    /// A downloaded bill file's bytes.
    BillFile(Vec<u8>),
}

/// Why a call gave no usable outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// A setting the API needs is missing or unusable.
    #[error("{0}")]
    NotConfigured(String),
    /// No usable answer: timeout, network, HTTP 5xx.
    #[error("{0}")]
    Unavailable(String),
    /// The provider answered "try again with the same parameters" (WeChat `SYSTEMERROR`,
    /// Alipay `20000`): it may have done it.
    #[error("{provider} {code}: {message}")]
    Retry {
        /// Whose answer.
        provider: &'static str,
        /// The provider's code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The provider definitely refused.
    #[error("{provider} {code}: {message}")]
    Refused {
        /// Whose answer.
        provider: &'static str,
        /// The provider's code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The reply was malformed or failed verification.
    #[error("{0}")]
    BadReply(String),
    /// This API cannot do that (`AlipayQr` under MAPI).
    #[error("{0}")]
    Unsupported(String),
}

impl CallError {
    /// A refusal with the provider's code and message (cut to a readable length).
    pub fn refused(provider: Provider, code: &str, message: &str) -> Self {
        Self::Refused { provider: provider.display_name(), code: cut(code, 64), message: cut(message, 128) }
    }

    /// A "try again" answer.
    pub fn retry(provider: Provider, code: &str, message: &str) -> Self {
        Self::Retry { provider: provider.display_name(), code: cut(code, 64), message: cut(message, 128) }
    }

    /// A reply that failed parsing or verification.
    pub fn bad_reply(provider: Provider, why: impl std::fmt::Display) -> Self {
        Self::BadReply(format!("{} reply rejected: {why}", provider.display_name()))
    }

    /// HTTP `status` where the API wants another.
    pub fn status(provider: Provider, status: u16) -> Self {
        Self::Unavailable(format!("{} answered HTTP {status}", provider.display_name()))
    }

    /// The provider's code, for refusals.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Retry { code, .. } | Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The command API's error for it.
    pub fn api_error(&self) -> ApiError {
        let code = match self {
            Self::NotConfigured(_) => ResultCode::NotConfigured,
            Self::Unavailable(_) => ResultCode::ProviderUnavailable,
            Self::Retry { .. } | Self::Refused { .. } => ResultCode::ProviderRejected,
            Self::BadReply(_) => ResultCode::ProviderBadReply,
            Self::Unsupported(_) => ResultCode::NotSupported,
        };
        ApiError::new(code, self.to_string())
    }
}

fn cut(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// An RSA signature the edge must check with the provider's public key before a message
/// is believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaCheck {
    /// Which of the provider's keys (WeChat's `Wechatpay-Serial`); `None`: its only key.
    pub serial: Option<String>,
    /// The exact signed bytes.
    pub message: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// Turns the merchant's signature (or none) into what to do.
pub type Finish = Box<dyn FnOnce(Option<&[u8]>) -> Ready>;

/// A call built, waiting for the merchant's signature where its scheme needs one.
pub struct Prepared {
    /// What the merchant's RSA key must sign (WeChat Pay v3, Alipay OpenAPI); `None` when
    /// the request is signed already (MD5/HMAC) or needs no signature.
    pub to_sign: Option<Vec<u8>>,
    finish: Finish,
}

impl Prepared {
    /// A request ready to send as it is.
    pub fn request(req: HttpRequest) -> Self {
        Self { to_sign: None, finish: Box::new(move |_| Ready::Send(req)) }
    }

    /// An outcome known without asking (a cashier URL signed in full).
    pub fn done(outcome: Outcome) -> Self {
        Self { to_sign: None, finish: Box::new(move |_| Ready::Done(outcome)) }
    }

    /// A call that needs the merchant's RSA signature of `message`.
    pub fn signed(message: Vec<u8>, finish: impl FnOnce(&[u8]) -> Ready + 'static) -> Self {
        Self {
            to_sign: Some(message),
            finish: Box::new(move |signature| match signature {
                Some(signature) => finish(signature),
                None => Ready::Failed(CallError::NotConfigured("the merchant's signing key is missing".into())),
            }),
        }
    }

    /// What to do once signed.
    pub fn finish(self, signature: Option<&[u8]>) -> Ready {
        (self.finish)(signature)
    }
}

/// What a prepared call comes to.
pub enum Ready {
    /// Send this request.
    Send(HttpRequest),
    /// Nothing to send: the outcome is known (a signed cashier URL).
    Done(Outcome),
    /// It cannot be made.
    Failed(CallError),
}

/// A provider's notify (or the buyer's return) as the route received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotifyInput {
    /// Request headers, names as received.
    pub headers: Vec<(String, String)>,
    /// The exact body (a return's query string).
    pub body: Vec<u8>,
    /// The order the route's path names (`/notify/alipay/refund/<order_no>`).
    pub order: Option<OrderNo>,
}

/// AES-GCM ciphertext the edge must open with the API's key (WeChat Pay v3 resources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The nonce's bytes.
    pub nonce: Vec<u8>,
    /// The associated data.
    pub aad: Vec<u8>,
    /// Ciphertext ‖ tag.
    pub data: Vec<u8>,
}

/// What the edge must do with a notify before [`ProviderApi::notice`] reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotifyCheck {
    /// Verify this signature with the provider's key.
    pub rsa: Option<RsaCheck>,
    /// Then open this.
    pub sealed: Option<Sealed>,
    /// Then send this confirmation request (Alipay MAPI's `notify_verify`).
    pub confirm: Option<HttpRequest>,
}

/// What the edge got from doing a [`NotifyCheck`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Opened {
    /// The plaintext of [`NotifyCheck::sealed`].
    pub plaintext: Option<Vec<u8>>,
    /// The body the confirmation request was answered with.
    pub confirmation: Option<Vec<u8>>,
}

/// Why a notify was refused, and whose fault it is (the provider is told to resend).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// Not signed by the provider (forged, tampered, stale, a probe).
    #[error("{0}")]
    Signature(String),
    /// Signed, but not usable (malformed, another merchant, does not decrypt, unconfirmed).
    #[error("{0}")]
    Rejected(String),
    /// Ours: a missing setting, storage down.
    #[error("{0}")]
    Ours(String),
}

/// An answer to a provider's notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyReply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, when there is a body.
    pub content_type: &'static str,
    /// The body, exactly as the provider wants it.
    pub body: String,
}

/// A provider API: one per wallet generation (WeChat Pay v2 and v3, Alipay MAPI and
/// OpenAPI), each in its own module with its requests, replies and notifies. Each module
/// also has `NOTIFY_PATH`, `NOTIFY_MAX_BYTES` and `notify_reply` (the answer its provider
/// expects to a notify), which need no settings.
pub trait ProviderApi {
    /// Whose API.
    fn provider(&self) -> Provider;

    /// The call as a request (or an outcome known without asking).
    fn prepare(&self, call: &Call, order: &Order, cx: &CallContext) -> Result<Prepared, CallError>;

    /// What must be verified of a reply before it is read; an error for a reply that is no
    /// answer at all (HTTP 5xx).
    fn reply_check(&self, call: &Call, resp: &HttpResponse, now: i64) -> Result<Option<RsaCheck>, CallError>;

    /// What a (verified) reply means.
    fn outcome(&self, call: &Call, order: &Order, resp: &HttpResponse) -> Result<Outcome, CallError>;

    /// True when a refund's progress can be asked for right after it was accepted (MAPI's
    /// comes by notify only).
    fn asks_after_refund(&self) -> bool {
        true
    }

    /// Reads a notify as far as possible without I/O: what the edge must still check.
    fn notify_check(&self, input: &NotifyInput, now: i64) -> Result<NotifyCheck, NotifyError>;

    /// The notify's order and meaning, once its checks passed.
    fn notice(&self, input: &NotifyInput, opened: &Opened) -> Result<(OrderNo, Notice), NotifyError>;
}

/// The HTTP status of a refused notify: 401 for signatures, 500 for ours, 400 otherwise.
pub fn notify_status(e: &NotifyError) -> u16 {
    match e {
        NotifyError::Signature(_) => 401,
        NotifyError::Rejected(_) => 400,
        NotifyError::Ours(_) => 500,
    }
}
