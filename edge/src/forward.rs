//! Reaching an order's object from a route: `ORDER.idFromName(order_no)` and one internal
//! request. The object answers JSON with the HTTP status of its result code.

use paycore::OrderNo;
use paycore::api::{ApiError, ResultCode};
use worker::{Method, Request, RequestInit, Response, Stub};

use crate::config::Config;
use crate::errors;

fn stub(config: &Config, order_no: &OrderNo) -> Result<Stub, ApiError> {
    let namespace = config.env().durable_object("ORDER").map_err(errors::storage)?;
    namespace.id_from_name(order_no.as_str()).and_then(|id| id.get_stub()).map_err(errors::storage)
}

async fn call(config: &Config, order_no: &OrderNo, path: &str, body: Option<&[u8]>) -> Result<Response, ApiError> {
    let mut init = RequestInit::new();
    match body {
        Some(body) => {
            init.with_method(Method::Post).with_body(Some(js_sys::Uint8Array::from(body).into()));
        }
        None => {
            init.with_method(Method::Get);
        }
    }
    let req = Request::new_with_init(&format!("https://order{path}"), &init).map_err(errors::storage)?;
    stub(config, order_no)?.fetch_with_request(req).await.map_err(errors::storage)
}

/// Sends `body` to the order's object at `path`: its status and JSON text.
pub async fn to_order(config: &Config, order_no: &OrderNo, path: &str, body: &[u8]) -> Result<(u16, String), ApiError> {
    let mut resp = call(config, order_no, path, Some(body)).await?;
    let text = resp.text().await.map_err(errors::storage)?;
    Ok((resp.status_code(), text))
}

/// A GET to the order's object (the Alipay return).
pub async fn to_order_get(config: &Config, order_no: &OrderNo, path: &str) -> Result<(u16, String), ApiError> {
    let mut resp = call(config, order_no, path, None).await?;
    let text = resp.text().await.map_err(errors::storage)?;
    Ok((resp.status_code(), text))
}

/// A command for the order's object: its reply, as the API's JSON response.
pub async fn command(config: &Config, order_no: &OrderNo, body: &[u8]) -> Result<Response, ApiError> {
    let (status, text) = to_order(config, order_no, "/api", body).await?;
    crate::reply::json_text(status, text).map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))
}
