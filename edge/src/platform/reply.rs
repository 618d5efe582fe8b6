//! Turning results into HTTP responses: JSON for the API (with CORS and `no-store`),
//! XML or text for providers.

use paycore::api::{ApiError, ErrorReply};
use serde::Serialize;
use worker::{Headers, Response, Result};

use super::config::Config;

fn json_response(status: u16, body: &impl Serialize) -> Result<Response> {
    let json = serde_json::to_string(body).map_err(|e| worker::Error::RustError(e.to_string()))?;
    json_text(status, json)
}

/// A JSON reply from its text (an order object's answer, passed on).
pub fn json_text(status: u16, json: String) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    // A state endpoint must never be cached (a CDN cache left paid pages stuck).
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(json)?.with_status(status).with_headers(headers))
}

/// A successful command reply.
pub fn ok(body: &impl Serialize) -> Result<Response> {
    json_response(200, body)
}

/// A failed command: `{"result": code, "msg": …}` with the code's HTTP status.
pub fn error(e: &ApiError) -> Result<Response> {
    json_response(e.code.http_status(), &ErrorReply::from(e))
}

/// Adds CORS headers for an origin already checked against `ALLOWED_ORIGINS`.
pub fn allow_origin(mut resp: Response, allowed: Option<&str>) -> Result<Response> {
    if let Some(origin) = allowed {
        let h = resp.headers_mut();
        h.set("access-control-allow-origin", origin)?;
        h.set("vary", "Origin")?;
    }
    Ok(resp)
}

/// The header a route sets on a command it forwards to an order's object: the request's
/// `Origin`, when `ALLOWED_ORIGINS` allows it, so the object's reply carries CORS itself
/// and the route can pass it on untouched.
pub const ALLOWED_ORIGIN_HEADER: &str = "x-paybridge-allowed-origin";

/// The buyer's IP (`CF-Connecting-IP`), passed by the route to the order's object with a
/// page command (an internal header: only the worker's own routes reach the objects).
pub const CLIENT_IP_HEADER: &str = "x-paybridge-client-ip";

/// The path of a request URL (`https://host/path?query` → `/path`), without parsing the
/// whole URL (worker's `Request::path` pulls in the url crate's parser on every request).
pub fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or("/")
}

/// The answer to a CORS preflight of `/api`.
pub fn preflight(origin: Option<&str>, config: &Config) -> Result<Response> {
    match origin.filter(|o| config.origin_allowed(o)) {
        Some(origin) => {
            let h = Headers::new();
            h.set("access-control-allow-origin", origin)?;
            h.set("access-control-allow-methods", "POST, OPTIONS")?;
            h.set("access-control-allow-headers", "content-type")?;
            h.set("access-control-max-age", "600")?;
            h.set("vary", "Origin")?;
            Ok(Response::empty()?.with_status(204).with_headers(h))
        }
        None => Ok(Response::empty()?.with_status(403)),
    }
}

/// A reply of `content_type` with exactly `body` (a provider's notify answer); no body
/// for 204.
pub fn with_type(status: u16, content_type: &str, body: String) -> Result<Response> {
    if status == 204 {
        return Ok(Response::empty()?.with_status(204));
    }
    let headers = Headers::new();
    headers.set("content-type", content_type)?;
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}

/// A plain-text reply (Alipay's `success`/`fail`, exactly those bytes).
pub fn text(status: u16, body: &str) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/plain; charset=utf-8")?;
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}

/// A 302 to `location`.
pub fn redirect(location: &str) -> Result<Response> {
    let headers = Headers::new();
    headers.set("location", location)?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::empty()?.with_status(302).with_headers(headers))
}

/// A small HTML page for a buyer (a return that cannot be verified, a sign-in that
/// failed); both texts are escaped.
pub fn html(status: u16, title: &str, message: &str) -> Result<Response> {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    };
    let (title, message) = (escape(title), escape(message));
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\"><h1>{title}</h1><p>{message}</p>"
    );
    Ok(Response::from_html(page)?.with_status(status))
}
