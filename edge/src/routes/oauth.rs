//! WeChat OAuth for JSAPI, facing the buyer's browser inside WeChat:
//! `GET /oauth/wechat?order_no=…&return_url=…` starts a round trip at the order's object
//! (302 to WeChat's authorize page, or straight back when the order is paid or closed);
//! `GET /oauth/wechat/callback?code=…&state=…` opens the sealed `state` (which order,
//! which round trip) and has the object exchange the code (302 back to the page, with the
//! payer token). A failure is a small page with its result code, never a redirect.

use paycore::OrderNo;
use paycore::api::{ApiError, ResultCode};
use paycore::form::RawForm;
use worker::{Request, Response, Result};

use crate::order::now;
use crate::platform::config::Config;
use crate::platform::{Error, forward, limits, reply};

/// The query's parameters (decoded once).
fn query(url: &str) -> Option<RawForm> {
    let q = url.split_once('?').map_or("", |(_, q)| q);
    RawForm::parse(q.split_once('#').map_or(q, |(q, _)| q).as_bytes()).ok()
}

fn param(form: &RawForm, name: &str) -> Option<String> {
    form.text(name).ok().flatten().map(str::to_owned).filter(|v| !v.is_empty())
}

/// Asks the order's object at `path`; the `location` it answers.
async fn location_from(
    config: &Config,
    order_no: &OrderNo,
    path: &str,
    body: serde_json::Value,
) -> Result<Response, Error> {
    let (_, text) = forward::to_order(config, order_no, path, &serde_json::to_vec(&body)?).await?;
    let answer: serde_json::Value = serde_json::from_str(&text)?;
    match answer["location"].as_str() {
        Some(location) => Ok(reply::redirect(location)?),
        None => {
            let code = answer["result"].as_i64().and_then(|c| i32::try_from(c).ok()).and_then(ResultCode::from_code);
            Err(ApiError::new(code.unwrap_or(ResultCode::Internal), answer["msg"].as_str().unwrap_or_default()).into())
        }
    }
}

/// A failed sign-in, shown to the buyer with its result code.
fn failed(e: &Error) -> Result<Response> {
    let e = e.api();
    reply::html(
        e.code.http_status(),
        "WeChat sign-in failed",
        &format!("{} ({}). Go back to the shop and try again.", e.msg, e.code.code()),
    )
}

/// `GET /oauth/wechat`: a page request (each starts a round trip the order's object
/// stores), counted against the page rate limit.
pub async fn start(config: &Config, req: &Request, url: &str) -> Result<Response> {
    let answered = async {
        limits::count_page_request(config, req).await?;
        let form = query(url).ok_or_else(|| ApiError::new(ResultCode::InvalidField, "malformed query"))?;
        let order_no = param(&form, "order_no")
            .and_then(|no| OrderNo::parse(&no).ok())
            .ok_or_else(|| ApiError::new(ResultCode::InvalidField, "order_no is missing or invalid"))?;
        let return_url = param(&form, "return_url")
            .filter(|u| paycore::http::origin_of(u).is_some())
            .ok_or_else(|| ApiError::new(ResultCode::InvalidField, "return_url must be an absolute http(s) URL"))?;
        location_from(config, &order_no, "/oauth/start", serde_json::json!({"return_url": return_url})).await
    }
    .await;
    answered.or_else(|e| failed(&e))
}

/// `GET /oauth/wechat/callback`.
pub async fn callback(config: &Config, url: &str) -> Result<Response> {
    let answered = async {
        let form = query(url).ok_or_else(|| ApiError::new(ResultCode::InvalidField, "malformed query"))?;
        let sign_in = |why: &str| ApiError::new(ResultCode::WechatSignInNeeded, why.to_owned());
        let (Some(code), Some(state)) = (param(&form, "code"), param(&form, "state")) else {
            // No code: the buyer refused, or the link was opened by hand.
            return Err(sign_in("WeChat gave no sign-in code").into());
        };
        let (order_no, nonce) = config
            .sealer()?
            .open_oauth_state(&state, now())
            .map_err(|e| sign_in(&format!("the sign-in state is {e}")))?;
        location_from(config, &order_no, "/oauth/callback", serde_json::json!({"nonce": nonce, "code": code})).await
    }
    .await;
    answered.or_else(|e| failed(&e))
}
