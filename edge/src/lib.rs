//! `payworker`: the Cloudflare Worker. Its tree is its architecture:
//!
//! - [`routes`]: what faces the internet (the route table, body limits, the command API's
//!   authorization and CORS, notify verification, forwarding to an order's object).
//! - [`order`]: each order's Durable Object, the only code that changes that order
//!   (commands, provider checks, webhooks, live state, its store and KV projection).
//! - [`recon`]: daily reconciliation against the providers' bills (one Durable Object per
//!   bill day and wallet), `Reconcile`, `ListReconciliations` and the cron.
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
#[allow(missing_docs)]
pub mod recon;
pub mod routes;

pub use order::OrderObject;
pub use recon::ReconObject;

use worker::{Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent, event};

/// The worker's fetch handler.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    routes::handle(req, &platform::config::Config::new(env)).await
}

/// The cron (`[triggers] crons` in wrangler.toml): yesterday's reconciliation.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    recon::scheduled(&platform::config::Config::new(env), order::now()).await;
}
