//! `POST /api`, the command API. Commands are parsed and authorized here, then answered by
//! the order's object (CORS included) or by the worker itself: `ListOrders` from the KV
//! projection, `Reconcile` and `ListReconciliations` by the days' reconciliation objects.
//! [`route_api`] is the same decision as a synchronous call for the JavaScript shell
//! (`edge/entry.js`), which reads the body and calls the object itself on the hot path.

use paycore::api::{ApiError, Command, ErrorReply, MAX_BODY_BYTES, ResultCode, Route};
use wasm_bindgen::prelude::*;
use worker::{Request, Response, Result};

use super::read_body;
use crate::order::list_orders;
use crate::platform::config::Config;
use crate::platform::{Error, forward, limits, reply};

/// `POST /api`: the reply, with CORS for an allowed origin.
pub async fn post(mut req: Request, config: &Config) -> Result<Response> {
    let origin = req.headers().get("origin")?;
    let allowed = origin.as_deref().filter(|o| config.origin_allowed(o));
    let answered = async {
        let body = read_body(&mut req, MAX_BODY_BYTES)
            .await
            .map_err(|e| ApiError::new(ResultCode::MalformedJson, format!("could not read body: {e}")))?
            .ok_or_else(|| ApiError::new(ResultCode::BodyTooLarge, format!("body exceeds {MAX_BODY_BYTES} bytes")))?;
        let auth = req.headers().get("authorization")?;
        let token = config.merchant_token();
        match paycore::api::route(&body, token.as_ref().map(|t| t.expose()), auth.as_deref())? {
            // The object's reply carries CORS already.
            Route::Page(order_no) => {
                limits::count_page_request(config, &req).await?;
                let client_ip = req.headers().get("cf-connecting-ip")?;
                Ok::<_, Error>((forward::command(config, &order_no, &body, allowed, client_ip.as_deref()).await?, true))
            }
            Route::Order(order_no) => Ok((forward::command(config, &order_no, &body, allowed, None).await?, true)),
            Route::Worker(command) => Ok((worker_command(config, command).await?, false)),
        }
    }
    .await;
    match answered {
        Ok((resp, true)) => Ok(resp),
        Ok((resp, false)) => reply::allow_origin(resp, allowed),
        Err(e) => reply::allow_origin(reply::error(&e.api())?, allowed),
    }
}

/// The merchant commands the worker answers itself.
async fn worker_command(config: &Config, command: Command) -> Result<Response, Error> {
    let now = crate::order::now();
    Ok(match command {
        Command::ListOrders(r) => reply::ok(&list_orders(config, &r).await?)?,
        Command::Reconcile(r) => reply::ok(&crate::recon::reconcile(config, &r, now).await?)?,
        Command::ListReconciliations(r) => reply::ok(&crate::recon::list(config, &r, now).await?)?,
        _ => return Err(ApiError::new(ResultCode::Internal, "an order's command").into()),
    })
}

/// Where an `/api` body goes, as one string (cheaper across the boundary than an object):
/// `F<allowed origin>\n<order_no>` to forward to that order's object (`P…` the same for a
/// page command, which the shell first counts against the client's rate limit), `D<allowed origin>`
/// for the Rust handler (the worker's own commands; an oversized body), or
/// `R<allowed origin>\n<status> <JSON reply>` to answer now (a bad or unauthorized command).
/// The allowed origin is empty when CORS does not apply.
#[wasm_bindgen(js_name = routeApi)]
pub fn route_api(
    body: &[u8],
    authorization: Option<String>,
    origin: Option<String>,
    merchant_token: Option<String>,
    allowed_origins: Option<String>,
) -> String {
    let allowed = origin
        .filter(|o| allowed_origins.as_deref().is_some_and(|list| paycore::http::origin_listed(list, o)))
        .unwrap_or_default();
    if body.len() > MAX_BODY_BYTES {
        return format!("D{allowed}");
    }
    match paycore::api::route(body, merchant_token.as_deref(), authorization.as_deref()) {
        Ok(Route::Page(order_no)) => format!("P{allowed}\n{order_no}"),
        Ok(Route::Order(order_no)) => format!("F{allowed}\n{order_no}"),
        Ok(Route::Worker(_)) => format!("D{allowed}"),
        Err(e) => {
            let reply = serde_json::to_string(&ErrorReply::from(&e)).unwrap_or_default();
            format!("R{allowed}\n{} {reply}", e.code.http_status())
        }
    }
}
