//! Reaching an order's object from a route: `ORDER.idFromName(order_no)` and one internal
//! request. The object answers JSON with the HTTP status of its result code.

use paycore::OrderNo;
use worker::{Method, Request, RequestInit, Response, Stub};

use super::Error;
use super::config::Config;

fn stub(config: &Config, order_no: &OrderNo) -> Result<Stub, Error> {
    let namespace = config.env().durable_object("ORDER").map_err(Error::storage)?;
    namespace.id_from_name(order_no.as_str()).and_then(|id| id.get_stub()).map_err(Error::storage)
}

async fn call(config: &Config, order_no: &OrderNo, path: &str, body: Option<&[u8]>) -> Result<Response, Error> {
    call_with(config, order_no, path, body, &[]).await
}

async fn call_with(
    config: &Config,
    order_no: &OrderNo,
    path: &str,
    body: Option<&[u8]>,
    headers: &[(&str, Option<&str>)],
) -> Result<Response, Error> {
    let mut init = RequestInit::new();
    let set = worker::Headers::new();
    for (name, value) in headers {
        if let Some(value) = value {
            set.set(name, value).map_err(Error::storage)?;
        }
    }
    init.with_headers(set);
    match body {
        Some(body) => {
            init.with_method(Method::Post).with_body(Some(js_sys::Uint8Array::from(body).into()));
        }
        None => {
            init.with_method(Method::Get);
        }
    }
    let req = Request::new_with_init(&format!("https://order{path}"), &init).map_err(Error::storage)?;
    stub(config, order_no)?.fetch_with_request(req).await.map_err(Error::storage)
}

/// Posts `body` to a Durable Object's `path`: its status and text.
pub async fn post_stub(stub: &Stub, path: &str, body: &[u8]) -> Result<(u16, String), Error> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(js_sys::Uint8Array::from(body).into()));
    let req = Request::new_with_init(&format!("https://object{path}"), &init).map_err(Error::storage)?;
    let mut resp = stub.fetch_with_request(req).await.map_err(Error::storage)?;
    let text = resp.text().await.map_err(Error::storage)?;
    Ok((resp.status_code(), text))
}

/// Sends `body` to the order's object at `path`: its status and JSON text.
pub async fn to_order(config: &Config, order_no: &OrderNo, path: &str, body: &[u8]) -> Result<(u16, String), Error> {
    let mut resp = call(config, order_no, path, Some(body)).await?;
    let text = resp.text().await.map_err(Error::storage)?;
    Ok((resp.status_code(), text))
}

/// A command for the order's object: its reply is the API's response, passed on as it is
/// (with CORS for `allowed_origin`, added by the object); `client_ip` is the buyer's.
pub async fn command(
    config: &Config,
    order_no: &OrderNo,
    body: &[u8],
    allowed_origin: Option<&str>,
    client_ip: Option<&str>,
) -> Result<Response, Error> {
    let headers = [(super::reply::ALLOWED_ORIGIN_HEADER, allowed_origin), (super::reply::CLIENT_IP_HEADER, client_ip)];
    call_with(config, order_no, "/api", Some(body), &headers).await
}

/// A page's live-state WebSocket request, passed to the order's object as it came (the
/// object answers 101 with its end of the socket).
pub async fn socket(config: &Config, order_no: &OrderNo, req: Request) -> Result<Response, Error> {
    stub(config, order_no)?.fetch_with_request(req).await.map_err(Error::storage)
}
