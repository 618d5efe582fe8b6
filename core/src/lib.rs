//! `paycore` holds every protocol rule of the payment bridge and does no I/O.
//!
//! * [`sign`]: the one canonical sign-string builder per provider (Alipay MAPI MD5,
//!   WeChat Pay v2 MD5 / HMAC-SHA256) and constant-time verification.
//! * [`xml`] and [`form`]: the WeChat v2 XML and Alipay urlencoded wire formats.
//! * [`money`], [`order_no`], [`time`]: newtypes that parse on construction.
//! * [`wechat`] and [`alipay`]: provider requests built as data ([`http::HttpRequest`]),
//!   replies and notifies parsed from raw bytes and verified over the field map.
//! * [`order`]: the forward-only order state machine and its evidence.
//! * [`reconcile`]: what a verified notify or query reply means for an order.
//! * [`policy`]: what the order's one writer decides: payability, close, refunds,
//!   `return_url`, and when the providers are asked next.
//! * [`poll`]: what the SDK's `pollState` does next (live socket, polling, expiry).
//! * [`keys`], [`crypto`]: RSA keys in every form merchants get them, and the RSA/AES-GCM
//!   primitives behind one small trait (pure Rust natively, WebCrypto in the worker).
//! * [`wechat_v3`] and [`alipay_openapi`]: WeChat Pay API v3's and Alipay OpenAPI's sign
//!   messages, response and notify checks, and v3 notify resources.
//! * [`api`]: the command API's wire types, shared by the worker and the SDK.
//! * [`webhook`]: events for the merchant's backend, their signature and retry schedule.
//!
//! Clock and nonce are always passed in, so every function is deterministic.

#[macro_use]
mod wire_enum;

pub mod alipay_mapi;
pub mod alipay_openapi;
pub mod api;
pub mod bills;
pub mod checkout;
pub mod crypto;
pub mod facts;
pub mod fields;
pub mod form;
pub mod http;
pub mod keys;
pub mod money;
pub mod ops;
pub mod order;
pub mod order_no;
pub mod policy;
pub mod poll;
pub mod provider;
pub mod recon;
pub mod reconcile;
pub mod schedule;
pub mod seal;
pub mod sign;
pub mod time;
pub mod webhook;
pub mod wechat_oauth;
pub mod wechat_v2;
pub mod wechat_v3;
pub mod xml;

pub use fields::Fields;
pub use money::AmountFen;
pub use order_no::OrderNo;
