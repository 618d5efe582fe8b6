//! `payworker`: the Cloudflare Worker. It routes, reads bodies within limits, calls
//! `paycore` and KV, and replies; every protocol rule lives in `paycore`.
//!
//! | route | what |
//! |---|---|
//! | `POST /api` | the command API (`Pay`, `WechatPay`, `WechatPayState`; merchant: `CreateOrder`, `CloseOrder`, `Refund`, `QueryOrder`) |
//! | `OPTIONS /api` | CORS preflight for `ALLOWED_ORIGINS` |
//! | `POST /notify/wechat` | WeChat Pay v2 payment notify |
//! | `POST /notify/alipay` | Alipay trade and refund notifies |
//! | `GET /return/alipay` | Alipay's buyer return, verified, then on to the merchant's page |
//! | `GET /demo/config`, `POST /demo/order` | the demo shop's backend (`DEMO_SHOP=on` only) |

mod commands;
mod config;
mod demo;
mod errors;
mod merchant;
mod notify;
mod provider;
mod reply;
mod store;
mod sync;

use futures_util::StreamExt;
use paycore::api::{ApiError, Command, MAX_BODY_BYTES, ResultCode, parse_command};
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

fn now() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}

async fn api(mut req: Request, config: &Config) -> std::result::Result<Response, ApiError> {
    let body = read_body(&mut req, MAX_BODY_BYTES)
        .await
        .map_err(|e| ApiError::new(ResultCode::MalformedJson, format!("could not read body: {e}")))?
        .ok_or_else(|| ApiError::new(ResultCode::BodyTooLarge, format!("body exceeds {MAX_BODY_BYTES} bytes")))?;
    let command = parse_command(&body)?;
    if command.is_merchant_only() {
        let auth = req.headers().get("authorization").ok().flatten();
        merchant::authorize(config, auth.as_deref())?;
    }
    let kv = store::kv(config)?;
    let now = now();
    let resp = match command {
        Command::Pay(r) => reply::ok(&commands::pay(config, &kv, r, now).await?),
        Command::WechatPay(r) => reply::ok(&commands::wechat_pay(config, &kv, r, now).await?),
        Command::WechatPayState(r) => reply::ok(&commands::state(config, &kv, &r.order_no, now).await?),
        Command::CreateOrder(r) => reply::ok(&merchant::create_order(&kv, r, now).await?),
        Command::CloseOrder(r) => reply::ok(&merchant::close_order(config, &kv, &r.order_no, now).await?),
        Command::Refund(r) => reply::ok(&merchant::refund(config, &kv, &r.order_no, now).await?),
        Command::QueryOrder(r) => reply::ok(&merchant::query_order(&kv, &r.order_no).await?),
    };
    resp.map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))
}

async fn route(mut req: Request, config: &Config) -> Result<Response> {
    let path = req.path();
    let origin = req.headers().get("origin")?;
    let method = req.method();
    match (method, path.as_str()) {
        (Method::Options, "/api") => reply::preflight(origin.as_deref(), config),
        (Method::Post, "/api") => {
            let resp = match api(req, config).await {
                Ok(resp) => resp,
                Err(e) => reply::error(&e)?,
            };
            reply::with_cors(resp, origin.as_deref(), config)
        }
        (_, "/api") => reply::error(&ApiError::new(ResultCode::MethodNotAllowed, "use POST /api")),
        (Method::Post, "/notify/wechat") => {
            let kv = store::kv(config).map_err(|e| worker::Error::RustError(e.msg))?;
            match read_body(&mut req, paycore::xml::MAX_BYTES).await? {
                Some(body) => notify::wechat(config, &kv, &body, now()).await,
                None => reply::xml(413, paycore::wechat::notify::reply_fail("body too large")),
            }
        }
        (Method::Post, "/notify/alipay") => {
            let kv = store::kv(config).map_err(|e| worker::Error::RustError(e.msg))?;
            match read_body(&mut req, RawForm::MAX_BYTES).await? {
                Some(body) => notify::alipay(config, &kv, &body, now()).await,
                None => reply::text(413, paycore::alipay::notify::REPLY_FAIL),
            }
        }
        (Method::Get, "/return/alipay") => {
            let kv = store::kv(config).map_err(|e| worker::Error::RustError(e.msg))?;
            // The raw query string, decoded once by the form parser (worker's Url parsing
            // would pull the url crate and its IDNA tables into the bundle).
            let url = req.inner().url();
            let query = url.split_once('?').map_or("", |(_, q)| q);
            let query = query.split_once('#').map_or(query, |(q, _)| q);
            notify::alipay_return(config, &kv, query, now()).await
        }
        (Method::Get, "/demo/config") => match demo::config(config) {
            Ok(c) => reply::ok(&c),
            Err(e) => reply::error(&e),
        },
        (Method::Post, "/demo/order") => {
            let result = async {
                let kv = store::kv(config)?;
                demo::create_order(config, &kv, now(), &provider::nonce()).await
            }
            .await;
            match result {
                Ok(order) => reply::ok(&order),
                Err(e) => reply::error(&e),
            }
        }
        _ => reply::error(&ApiError::new(ResultCode::NotFound, "no such path")),
    }
}

/// The worker's fetch handler.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let config = Config::new(env);
    route(req, &config).await
}
