//! `payworker`: the Cloudflare Worker. Routes parse, authenticate and forward; each order
//! lives in its own Durable Object ([`object::OrderObject`]), the only code that changes
//! it. Every protocol rule and order decision lives in `paycore`.
//!
//! | route | what |
//! |---|---|
//! | `POST /api` | the command API (`Pay`, `WechatPay`, `WechatPayState`; merchant: `CreateOrder`, `CloseOrder`, `Refund`, `QueryOrder`, `ListOrders`) |
//! | `OPTIONS /api` | CORS preflight for `ALLOWED_ORIGINS` |
//! | `POST /notify/wechat` | WeChat Pay v2 payment notify |
//! | `POST /notify/wechat/v3` | WeChat Pay v3 payment and refund notifies |
//! | `POST /notify/alipay` | Alipay trade notifies |
//! | `POST /notify/alipay/openapi` | Alipay OpenAPI trade notifies |
//! | `POST /notify/alipay/refund/<order_no>` | Alipay `batch_refund_notify` of that order's refunds |
//! | `GET /live/<order_no>` | a WebSocket of the order's state, for checkout pages (see [`live`]) |
//! | `GET /return/alipay` | Alipay's buyer return, verified, then on to the merchant's page |
//! | `GET /demo/config`, `POST /demo/order`, `POST /demo/webhook`, `GET /demo/told` | the demo shop's backend (`DEMO_SHOP=on` only) |
//! | `POST /test/age` | moves an order's clock back (`TEST_HOOKS=on` only, the test harness) |
//! | `POST /test/crypto` | runs the RSA / AES-GCM path on the harness's vectors inside workerd (`TEST_HOOKS=on` only) |

mod checks;
mod commands;
mod config;
mod demo;
mod errors;
mod event_log;
mod fast;
mod forward;
mod live;
mod merchant;
mod notify;
mod notify_openapi;
mod notify_wechat_v3;
// The `#[durable_object]` macro generates undocumented glue.
#[allow(missing_docs)]
mod object;
mod order_store;
mod outbound;
mod projection;
mod providers;
mod reply;
mod test_crypto;
mod webcrypto;
mod webhooks;

pub use object::OrderObject;

use futures_util::StreamExt;
use paycore::api::{ApiError, MAX_BODY_BYTES, ResultCode, Route};
use paycore::form::RawForm;
use worker::{Context, Env, Method, Request, Response, Result, event};

use crate::config::Config;

/// Reads at most `cap` bytes of body; `None` when it is larger.
async fn read_body(req: &mut Request, cap: usize) -> Result<Option<Vec<u8>>> {
    let declared = req.headers().get("content-length")?.and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > cap => return Ok(None),
        // A declared length within the cap: one arrayBuffer() call (the runtime enforces
        // the declared length), instead of chunk-by-chunk reads across the JS boundary.
        Some(_) => {
            let body = req.bytes().await?;
            return Ok((body.len() <= cap).then_some(body));
        }
        None => {}
    }
    let mut body = Vec::new();
    let mut stream = req.stream()?;
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk?);
        if body.len() > cap {
            return Ok(None);
        }
    }
    Ok(Some(body))
}

/// `POST /api`. Order commands are answered by the order's object, CORS included; the
/// rest (errors found here, `ListOrders`) get CORS from the caller.
async fn api(
    mut req: Request,
    config: &Config,
    allowed_origin: Option<&str>,
) -> std::result::Result<(Response, bool), ApiError> {
    let body = read_body(&mut req, MAX_BODY_BYTES)
        .await
        .map_err(|e| ApiError::new(ResultCode::MalformedJson, format!("could not read body: {e}")))?
        .ok_or_else(|| ApiError::new(ResultCode::BodyTooLarge, format!("body exceeds {MAX_BODY_BYTES} bytes")))?;
    let auth = req.headers().get("authorization").ok().flatten();
    let token = config.merchant_token();
    match paycore::api::route(&body, token.as_ref().map(|t| t.expose()), auth.as_deref())? {
        Route::Listing(r) => reply::ok(&projection::list(config, &r).await?)
            .map(|resp| (resp, false))
            .map_err(|e| ApiError::new(ResultCode::Internal, e.to_string())),
        Route::Order(order_no) => Ok((forward::command(config, &order_no, &body, allowed_origin).await?, true)),
    }
}

/// `POST /test/age {"order_no", "seconds"}`: the harness ages one order (`TEST_HOOKS=on`).
async fn test_age(mut req: Request, config: &Config) -> std::result::Result<Response, ApiError> {
    if !config.test_hooks() {
        return Err(ApiError::new(ResultCode::NotFound, "no such path"));
    }
    let body = req.bytes().await.map_err(|e| ApiError::new(ResultCode::MalformedJson, e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::new(ResultCode::MalformedJson, e.to_string()))?;
    let order_no = paycore::OrderNo::parse(value["order_no"].as_str().unwrap_or_default())
        .map_err(|e| ApiError::new(ResultCode::InvalidField, e.to_string()))?;
    let (status, text) = forward::to_order(config, &order_no, "/test/age", &body).await?;
    reply::json_text(status, text).map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))
}

async fn route(mut req: Request, config: &Config) -> Result<Response> {
    let url = req.inner().url();
    let path = reply::path_of(&url);
    let origin = req.headers().get("origin")?;
    let method = req.method();
    match (method, path) {
        (Method::Options, "/api") => reply::preflight(origin.as_deref(), config),
        (Method::Post, "/api") => {
            let allowed = origin.as_deref().filter(|o| config.origin_allowed(o));
            match api(req, config, allowed).await {
                Ok((resp, true)) => Ok(resp),
                Ok((resp, false)) => reply::allow_origin(resp, allowed),
                Err(e) => reply::allow_origin(reply::error(&e)?, allowed),
            }
        }
        (_, "/api") => reply::error(&ApiError::new(ResultCode::MethodNotAllowed, "use POST /api")),
        (Method::Post, "/notify/wechat") => match read_body(&mut req, paycore::xml::MAX_BYTES).await? {
            Some(body) => notify::wechat(config, &body).await,
            None => reply::xml(413, paycore::wechat::notify::reply_fail("body too large")),
        },
        (Method::Post, "/notify/wechat/v3") => match read_body(&mut req, notify_wechat_v3::MAX_BYTES).await? {
            Some(body) => {
                let headers: Vec<(String, String)> = req.headers().entries().collect();
                notify_wechat_v3::receive(config, &headers, &body, object::now()).await
            }
            None => reply::json_text(413, r#"{"code":"FAIL","message":"body too large"}"#.into()),
        },
        (Method::Post, "/notify/alipay/openapi") => match read_body(&mut req, RawForm::MAX_BYTES).await? {
            Some(body) => notify_openapi::receive(config, &body).await,
            None => reply::text(413, paycore::alipay::notify::REPLY_FAIL),
        },
        (Method::Post, "/notify/alipay") => match read_body(&mut req, RawForm::MAX_BYTES).await? {
            Some(body) => notify::alipay(config, &body, None).await,
            None => reply::text(413, paycore::alipay::notify::REPLY_FAIL),
        },
        (Method::Post, p) if p.starts_with("/notify/alipay/refund/") => {
            let Some(order_no) = paycore::http::parse_order_segment(&p["/notify/alipay/refund/".len()..]) else {
                return reply::text(404, paycore::alipay::notify::REPLY_FAIL);
            };
            match read_body(&mut req, RawForm::MAX_BYTES).await? {
                Some(body) => notify::alipay(config, &body, Some(order_no)).await,
                None => reply::text(413, paycore::alipay::notify::REPLY_FAIL),
            }
        }
        (Method::Get, p) if p.starts_with("/live/") => {
            let segment = p["/live/".len()..].to_owned();
            match live::open(req, config, &segment).await {
                Ok(resp) => Ok(resp),
                Err(e) => reply::error(&e),
            }
        }
        (Method::Get, "/return/alipay") => {
            // The raw query string, decoded once by the form parser (worker's Url parsing
            // would pull the url crate and its IDNA tables into the bundle).
            let query = url.split_once('?').map_or("", |(_, q)| q);
            let query = query.split_once('#').map_or(query, |(q, _)| q);
            notify::alipay_return(config, query).await
        }
        (Method::Get, "/demo/config") => match demo::config(config) {
            Ok(c) => reply::ok(&c),
            Err(e) => reply::error(&e),
        },
        (Method::Post, "/demo/order") => match demo::create_order(config, object::now(), &outbound::nonce()).await {
            Ok(resp) => Ok(resp),
            Err(e) => reply::error(&e),
        },
        (Method::Post, "/demo/webhook") => {
            let signature = req.headers().get(paycore::webhook::SIGNATURE_HEADER)?;
            let Some(body) = read_body(&mut req, 256 * 1024).await? else {
                return reply::error(&ApiError::new(ResultCode::BodyTooLarge, "too large"));
            };
            match demo::receive_webhook(config, &body, signature.as_deref(), object::now()).await {
                Ok(()) => reply::ok(&serde_json::json!({"received": true})),
                Err(e) => reply::error(&e),
            }
        }
        (Method::Get, "/demo/told") => {
            let order_no = url.split_once("order_no=").map_or("", |(_, v)| v.split('&').next().unwrap_or(""));
            match demo::told(config, order_no).await {
                Ok(told) => reply::ok(&serde_json::json!({"result": 0, "msg": "", "told": told})),
                Err(e) => reply::error(&e),
            }
        }
        (Method::Post, "/test/crypto") if config.test_hooks() => {
            let Some(body) = read_body(&mut req, 64 * 1024).await? else {
                return reply::error(&ApiError::new(ResultCode::BodyTooLarge, "too large"));
            };
            match test_crypto::run(&body).await {
                Ok(v) => reply::ok(&v),
                Err(e) => reply::error(&e),
            }
        }
        (Method::Post, "/test/age") => match test_age(req, config).await {
            Ok(resp) => Ok(resp),
            Err(e) => reply::error(&e),
        },
        _ => reply::error(&ApiError::new(ResultCode::NotFound, "no such path")),
    }
}

/// The worker's fetch handler.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let config = Config::new(env);
    route(req, &config).await
}
