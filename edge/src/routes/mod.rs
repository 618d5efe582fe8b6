//! What faces the internet: the route table, body limits, the command API with its
//! authorization and CORS, provider notifies and returns (verified here, before an order
//! sees them), the live-state upgrade, the demo shop and the test hooks. Routes parse,
//! verify and forward; each order's object decides.
//!
//! | route | what |
//! |---|---|
//! | `POST /api`, `OPTIONS /api` | the command API ([`api`]) |
//! | `POST /notify/wechat`, `/notify/wechat/v3`, `/notify/alipay`, `/notify/alipay/openapi` | provider notifies ([`notify`]) |
//! | `POST /notify/<api path>/order/<order_no>` | a notify of a phone trade (its own number), naming its order |
//! | `POST /notify/alipay/refund/<order_no>` | Alipay MAPI's `batch_refund_notify` of that order's refunds |
//! | `GET /return/alipay[/<token>]` | the buyer's return from Alipay's cashier, verified, then on to the page its `Pay` named (sealed in the token) |
//! | `GET /oauth/wechat`, `GET /oauth/wechat/callback` | WeChat OAuth for JSAPI: start a round trip, take WeChat's code ([`oauth`]) |
//! | `GET /live/<order_no>` | a WebSocket of the order's state, for checkout pages |
//! | `GET /demo/config`, `POST /demo/order`, `POST /demo/webhook`, `GET /demo/told` | the demo shop's backend (`DEMO_SHOP=on` only) |
//! | `POST /test/age`, `POST /test/crypto`, `POST /test/bill` | test hooks (`TEST_HOOKS=on` and the merchant token only) |

mod api;
mod demo;
mod hooks;
mod notify;
mod oauth;

pub use api::route_api;

use futures_util::StreamExt;
use paycore::api::{ApiError, ResultCode};
use worker::{Method, Request, Response, Result};

use crate::order::open_live;
use crate::platform::config::Config;
use crate::platform::{Error, reply};

/// Reads at most `cap` bytes of body; `None` when it is larger.
pub async fn read_body(req: &mut Request, cap: usize) -> Result<Option<Vec<u8>>> {
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

fn not_found() -> Error {
    ApiError::new(ResultCode::NotFound, "no such path").into()
}

/// Answers one request from the internet.
pub async fn handle(req: Request, config: &Config) -> Result<Response> {
    let url = req.inner().url();
    let path = reply::path_of(&url).to_owned();
    let method = req.method();
    let answered: std::result::Result<Response, Error> = match (method, path.as_str()) {
        (Method::Post, "/api") => return api::post(req, config).await,
        (Method::Options, "/api") => Ok(reply::preflight(req.headers().get("origin")?.as_deref(), config)?),
        (_, "/api") => Err(ApiError::new(ResultCode::MethodNotAllowed, "use POST /api").into()),
        (Method::Post, p) if p.starts_with("/notify/") => return notify::receive(req, config, p).await,
        (Method::Get, p) if p == "/return/alipay" || p.starts_with("/return/alipay/") => {
            let token = p.strip_prefix("/return/alipay/");
            return notify::buyer_return(config, &url, token).await;
        }
        (Method::Get, paycore::wechat_oauth::START_PATH) => return oauth::start(config, &req, &url).await,
        (Method::Get, paycore::wechat_oauth::CALLBACK_PATH) => return oauth::callback(config, &url).await,
        (Method::Get, p) if p.starts_with("/live/") => open_live(req, config, &p["/live/".len()..]).await,
        (_, p) if p.starts_with("/demo/") => demo::handle(req, config, p, &url).await,
        (Method::Post, p) if p.starts_with("/test/") && config.test_hooks() => hooks::handle(req, config, p).await,
        _ => Err(not_found()),
    };
    answered.or_else(|e| reply::error(&e.api()))
}
