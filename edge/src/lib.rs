//! `payworker`: the Cloudflare Worker. Its tree is its architecture:
//!
//! - [`routes`]: what faces the internet (the route table, body limits, the command API's
//!   authorization and CORS, notify verification, forwarding to an order's object).
//! - [`order`]: each order's Durable Object, the only code that changes that order
//!   (commands, provider checks, webhooks, live state, its store and KV projection).
//! - [`providers`]: one module per provider API (`wechat_v2`, `wechat_v3`, `alipay_mapi`,
//!   `alipay_openapi`, as in `paycore`) and the one driver that calls them.
//! - [`platform`]: settings, outbound HTTP, WebCrypto, replies, the one error type.
//!
//! Every protocol rule, order decision and timer is `paycore`'s; this crate converts and
//! calls. `edge/entry.js` is the module entry: a thin JavaScript shell that does the hot
//! path's I/O around synchronous Rust ([`routes::route_api`], the object's `answerNow`).

// The `#[durable_object]` macro generates undocumented glue.
#[allow(missing_docs)]
pub mod order;
pub mod platform;
pub mod providers;
pub mod routes;

pub use order::OrderObject;

use worker::{Context, Env, Request, Response, Result, event};

/// The worker's fetch handler.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    routes::handle(req, &platform::config::Config::new(env)).await
}
