//! Page requests per client: Cloudflare's rate-limiting binding (`[[ratelimits]]`
//! `PAGE_RATE_LIMIT` in wrangler.toml: 100 requests per 60 s per client IP by default),
//! keyed by `CF-Connecting-IP`, the address Cloudflare itself saw (headers a client can set,
//! like `X-Forwarded-For`, are ignored). It counts page commands and live-socket upgrades,
//! the requests anyone can send without the merchant token. Merchant commands are not
//! counted. Without the binding (an older deploy) nothing is counted and a log line says so.
//!
//! On the hot path (`POST /api` page commands) `edge/entry.js` asks the binding itself, so
//! that the check costs no Rust await; this module serves the routes Rust answers.

use paycore::api::{ApiError, ErrorReply, ResultCode};
use wasm_bindgen::prelude::*;
use worker::{Request, console_log};

use super::Error;
use super::config::Config;

/// The binding's name.
pub const BINDING: &str = "PAGE_RATE_LIMIT";

/// The error a client over its limit gets.
pub fn limited() -> ApiError {
    ApiError::new(ResultCode::RateLimited, "too many requests from this address; try again in a minute")
}

/// The JSON reply for a client over its limit (for the JavaScript shell).
#[wasm_bindgen(js_name = rateLimitedReply)]
pub fn rate_limited_reply() -> String {
    serde_json::to_string(&ErrorReply::from(&limited())).unwrap_or_default()
}

/// Counts one page request of `req`'s client; `-29` when it is over the limit.
pub async fn count_page_request(config: &Config, req: &Request) -> Result<(), Error> {
    let Ok(limiter) = config.env().rate_limiter(BINDING) else {
        console_log!("{}", serde_json::json!({"log": "rate_limit_unbound", "binding": BINDING}));
        return Ok(());
    };
    let client = req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_default();
    match limiter.limit(client).await {
        Ok(outcome) if !outcome.success => Err(limited().into()),
        Ok(_) => Ok(()),
        // The limiter failing must not take checkouts down.
        Err(e) => {
            console_log!("{}", serde_json::json!({"log": "rate_limit_failed", "error": e.to_string()}));
            Ok(())
        }
    }
}
