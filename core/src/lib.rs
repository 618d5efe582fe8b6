//! `paycore` holds every protocol rule of the payment bridge and does no I/O.
//!
//! * [`sign`]: the one canonical sign-string builder per provider (Alipay MAPI MD5,
//!   WeChat Pay v2 MD5 / HMAC-SHA256) and constant-time verification.
//! * [`xml`] and [`form`]: the WeChat v2 XML and Alipay urlencoded wire formats.
//! * [`money`], [`order_no`], [`time`]: newtypes that parse on construction.
//! * [`provider`]: the skeleton every provider API implements; [`wechat_v2`],
//!   [`wechat_v3`], [`alipay_mapi`], [`alipay_openapi`]: one home per API (requests as data,
//!   replies and notifies verified over the field map or the exact bytes, typed outcomes,
//!   bill requests); [`wechat_oauth`]: WeChat's web OAuth for JSAPI.
//! * [`order`]: the forward-only order state machine and its evidence; [`facts`]: what a
//!   verified provider message states; [`reconcile`]: what those facts mean for an order.
//! * [`ops`]: the provider work an order's object runs (create, check, close, refund), one
//!   call at a time; [`schedule`]: every timer (when the object wakes and what is due).
//! * [`policy`]: what the order's one writer decides (payability, close, refunds, returns);
//!   [`checkout`]: the way a wallet pays on a device, and the session that serves it.
//! * [`seal`]: values handed to browsers and recognised again (return destinations, OAuth
//!   state, payer tokens, the signed return).
//! * [`bills`] and [`recon`]: providers' trade bills read and compared with the worker's
//!   records; daily reports and their retries.
//! * [`poll`]: what the SDK's `pollState` does next (live socket, polling, expiry).
//! * [`keys`], [`crypto`]: RSA keys in every form merchants get them, and the RSA/AES-GCM
//!   primitives behind one small trait (pure Rust natively, WebCrypto in the worker).
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
