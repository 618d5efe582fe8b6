//! The command API's wire types, defined once and shared by the worker and the SDK.
//!
//! Requests are `POST /api` JSON objects with a `cmd` (the spec's `Pay`, `WechatPay`,
//! `WechatPayState`, the extension `AlipayQr`, plus the merchant-only `CreateOrder`,
//! `CloseOrder`, `Refund`, `QueryOrder`, `ListOrders`, `ListEvents`, `ResendEvent`,
//! `Reconcile` and `ListReconciliations`). Every reply carries `result` (0 = ok, else a
//! [`ResultCode`]) and `msg`.

mod codes;
mod command;
mod reply;

pub use codes::{ApiError, ResultCode};
pub use command::{
    Command, CreateOrderRequest, DEFAULT_EXPIRE_SECONDS, Device, LIST_LIMIT, ListOrdersRequest, MAX_BODY_BYTES,
    MAX_EXPIRE_SECONDS, MIN_EXPIRE_SECONDS, OrderRef, PayRequest, PayType, RefundRequest, ResendEventRequest, Route,
    StateRequest, WechatPayRequest, authorize, parse_command, route,
};
pub use reply::{
    AlipayQrReply, ErrorReply, EventReply, EventsReply, JsapiParams, ListOrdersReply, OrderRecord, OrderReply,
    OrderSummary, OrderView, PayInfo, PayReply, RefundReply, StateReply, WechatPayReply,
};

#[cfg(test)]
mod tests;
