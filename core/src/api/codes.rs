//! `result` codes: every failure the API can report, its HTTP status and its meaning.
//! The README's error table is generated from the same list (`ResultCode::ALL`).

use std::fmt;

/// A non-zero `result` and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// 0: success.
    Ok,
    /// -1: the body is not a JSON object.
    MalformedJson,
    /// -2: `cmd` is missing or names no command.
    UnknownCommand,
    /// -3: a field is missing, has the wrong type, is not allowed, or has an invalid value.
    InvalidField,
    /// -4: the body exceeds the size limit.
    BodyTooLarge,
    /// -5: a merchant command without the right `Authorization: Bearer` token.
    Unauthorized,
    /// -6: wrong HTTP method for this path.
    MethodNotAllowed,
    /// -7: no such path.
    NotFound,
    /// -10: no order with this `order_no`.
    OrderNotFound,
    /// -11: `CreateOrder` for an existing `order_no` with different content.
    OrderConflict,
    /// -12: the order is paid, cancelled or refunded and cannot be paid again.
    OrderNotPayable,
    /// -13: the order's time to pay has run out.
    OrderExpired,
    /// -14: the order's state does not allow this (closing a paid order, refunding an unpaid one).
    InvalidOrderState,
    /// -15: the provider could not be reached (timeout, network, HTTP 5xx).
    ProviderUnavailable,
    /// -16: the provider refused the request (its error code is in `msg`).
    ProviderRejected,
    /// -17: the provider's reply was malformed or failed verification.
    ProviderBadReply,
    /// -18: order storage is unavailable.
    StorageUnavailable,
    /// -19: the worker is missing a setting.
    NotConfigured,
    /// -20: an unexpected internal error.
    Internal,
    /// -21: `return_url` differs from the one the merchant fixed with `CreateOrder`.
    ReturnUrlFixed,
    /// -22: `return_url`'s origin is not listed in `RETURN_URL_ORIGINS`.
    ReturnUrlNotAllowed,
    /// -23: the refund's amount exceeds what is left to refund of the payment.
    RefundTooLarge,
    /// -24: `refund_no` was used before for another payment or amount.
    RefundConflict,
    /// -25: the order has no payment with this `transaction_id`.
    PaymentNotFound,
    /// -26: no webhook event with this `event_id`.
    EventNotFound,
    /// -27: a live-state WebSocket from a page whose origin is not in `ALLOWED_ORIGINS`.
    OriginNotAllowed,
    /// -28: the command needs a provider API this merchant does not use (`AlipayQr` needs
    /// `ALIPAY_API=openapi`).
    NotSupported,
    // -30, -31 and -32 are the SDK's own (network failure, unreadable reply, aborted).
    /// -29: too many page requests from this client IP; try again in a minute.
    RateLimited,
    /// -33: this order already has as many live-state sockets as it allows (20).
    TooManySockets,
    /// -34: this wallet cannot pay inside the app the buyer is in (Alipay inside WeChat,
    /// WeChat Pay inside Alipay): open the page in the phone's browser.
    WrongApp,
    /// -35: WeChat JSAPI needs the buyer's WeChat sign-in again: `wx_token` is missing,
    /// expired, forged or another order's.
    WechatSignInNeeded,
}

impl ResultCode {
    /// Every code, in table order.
    pub const ALL: [ResultCode; 31] = [
        Self::Ok,
        Self::MalformedJson,
        Self::UnknownCommand,
        Self::InvalidField,
        Self::BodyTooLarge,
        Self::Unauthorized,
        Self::MethodNotAllowed,
        Self::NotFound,
        Self::OrderNotFound,
        Self::OrderConflict,
        Self::OrderNotPayable,
        Self::OrderExpired,
        Self::InvalidOrderState,
        Self::ProviderUnavailable,
        Self::ProviderRejected,
        Self::ProviderBadReply,
        Self::StorageUnavailable,
        Self::NotConfigured,
        Self::Internal,
        Self::ReturnUrlFixed,
        Self::ReturnUrlNotAllowed,
        Self::RefundTooLarge,
        Self::RefundConflict,
        Self::PaymentNotFound,
        Self::EventNotFound,
        Self::OriginNotAllowed,
        Self::NotSupported,
        Self::RateLimited,
        Self::TooManySockets,
        Self::WrongApp,
        Self::WechatSignInNeeded,
    ];

    /// The numeric `result`.
    pub fn code(self) -> i32 {
        match self {
            Self::Ok => 0,
            Self::MalformedJson => -1,
            Self::UnknownCommand => -2,
            Self::InvalidField => -3,
            Self::BodyTooLarge => -4,
            Self::Unauthorized => -5,
            Self::MethodNotAllowed => -6,
            Self::NotFound => -7,
            Self::OrderNotFound => -10,
            Self::OrderConflict => -11,
            Self::OrderNotPayable => -12,
            Self::OrderExpired => -13,
            Self::InvalidOrderState => -14,
            Self::ProviderUnavailable => -15,
            Self::ProviderRejected => -16,
            Self::ProviderBadReply => -17,
            Self::StorageUnavailable => -18,
            Self::NotConfigured => -19,
            Self::Internal => -20,
            Self::ReturnUrlFixed => -21,
            Self::ReturnUrlNotAllowed => -22,
            Self::RefundTooLarge => -23,
            Self::RefundConflict => -24,
            Self::PaymentNotFound => -25,
            Self::EventNotFound => -26,
            Self::OriginNotAllowed => -27,
            Self::NotSupported => -28,
            Self::RateLimited => -29,
            Self::TooManySockets => -33,
            Self::WrongApp => -34,
            Self::WechatSignInNeeded => -35,
        }
    }

    /// The code for a numeric `result`, if it is one of ours.
    pub fn from_code(code: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The HTTP status the worker answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Ok => 200,
            Self::MalformedJson | Self::UnknownCommand | Self::InvalidField | Self::ReturnUrlNotAllowed => 400,
            Self::Unauthorized => 401,
            Self::OriginNotAllowed => 403,
            Self::NotFound | Self::OrderNotFound | Self::PaymentNotFound | Self::EventNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::OrderConflict
            | Self::OrderNotPayable
            | Self::OrderExpired
            | Self::InvalidOrderState
            | Self::ReturnUrlFixed
            | Self::RefundTooLarge
            | Self::RefundConflict
            | Self::NotSupported => 409,
            Self::BodyTooLarge => 413,
            Self::RateLimited | Self::TooManySockets => 429,
            Self::WrongApp => 409,
            Self::WechatSignInNeeded => 401,
            Self::NotConfigured | Self::Internal => 500,
            Self::ProviderRejected | Self::ProviderBadReply => 502,
            Self::StorageUnavailable => 503,
            Self::ProviderUnavailable => 504,
        }
    }

    /// A short English meaning (the README table's text).
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Ok => "success",
            Self::MalformedJson => "the body is not a JSON object",
            Self::UnknownCommand => "`cmd` is missing or names no command",
            Self::InvalidField => "a field is missing, of the wrong type, not allowed, or invalid",
            Self::BodyTooLarge => "the body exceeds the size limit",
            Self::Unauthorized => "merchant command without the right Bearer token",
            Self::MethodNotAllowed => "wrong HTTP method for this path",
            Self::NotFound => "no such path",
            Self::OrderNotFound => "no order with this order_no",
            Self::OrderConflict => "CreateOrder repeated with different content",
            Self::OrderNotPayable => "the order is already paid, cancelled or refunded",
            Self::OrderExpired => "the order's time to pay has run out",
            Self::InvalidOrderState => "the order's state does not allow this command",
            Self::ProviderUnavailable => "the provider could not be reached (timeout, network, HTTP 5xx)",
            Self::ProviderRejected => "the provider refused the request; its code is in msg",
            Self::ProviderBadReply => "the provider's reply was malformed or failed verification",
            Self::StorageUnavailable => "order storage is unavailable",
            Self::NotConfigured => "the worker is missing a setting",
            Self::Internal => "unexpected internal error",
            Self::ReturnUrlFixed => "`return_url` differs from the one the merchant fixed with CreateOrder",
            Self::ReturnUrlNotAllowed => "`return_url`'s origin is not in RETURN_URL_ORIGINS",
            Self::RefundTooLarge => "the refund exceeds what is left to refund of the payment",
            Self::RefundConflict => "`refund_no` was used for another payment or amount",
            Self::PaymentNotFound => "the order has no payment with this `transaction_id`",
            Self::EventNotFound => "no webhook event with this `event_id`",
            Self::OriginNotAllowed => "a live-state WebSocket from an origin not in ALLOWED_ORIGINS",
            Self::NotSupported => {
                "the command needs a provider API this merchant does not use (AlipayQr needs ALIPAY_API=openapi)"
            }
            Self::RateLimited => "too many page requests from this client IP; try again in a minute",
            Self::TooManySockets => "this order has as many live-state sockets as it allows (20)",
            Self::WrongApp => "this wallet cannot pay inside the app the buyer is in: open the page in the browser",
            Self::WechatSignInNeeded => {
                "WeChat JSAPI needs the buyer's WeChat sign-in (wx_token missing, expired or invalid)"
            }
        }
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// A failed command: its code and a message for the developer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg} ({code})")]
pub struct ApiError {
    /// The `result` code.
    pub code: ResultCode,
    /// The `msg`.
    pub msg: String,
}

impl ApiError {
    /// An error with a message.
    pub fn new(code: ResultCode, msg: impl Into<String>) -> Self {
        Self { code, msg: msg.into() }
    }
}
