//! Executes the provider requests the core builds, with a timeout. The same code runs
//! against the sandbox and production; only the configured base URLs differ.

use std::time::Duration;

use futures_util::future::{Either, select};
use paycore::http::{HttpRequest, HttpResponse, Method};
use wasm_bindgen::prelude::wasm_bindgen;
use worker::{AbortController, Delay, Fetch, Headers, Request, RequestInit};

use super::config::Config;
use super::errors::Transport;

/// The largest provider reply read (WeChat and Alipay replies are a few KB).
const MAX_REPLY_BYTES: usize = 256 * 1024;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

/// A 32-character random `nonce_str` from the Web Crypto CSPRNG.
pub fn nonce() -> String {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(32);
    while out.len() < 32 {
        let mut bytes = [0u8; 48];
        get_random_values(&mut bytes);
        // 248 = 4 * 62: bytes above it are dropped so every character is equally likely.
        for &b in bytes.iter().filter(|&&b| b < 248).take(32 - out.len()) {
            out.push(char::from(ALPHABET[usize::from(b % 62)]));
        }
    }
    out
}

/// `digits` random lower-case hex digits (ids the worker hands out sealed).
pub fn random_hex(digits: usize) -> String {
    let mut bytes = vec![0u8; digits.div_ceil(2)];
    get_random_values(&mut bytes);
    let mut out: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    out.truncate(digits);
    out
}

/// Sends `req` with its headers and returns whatever came back: status, headers and the
/// exact body (WeChat Pay v3 answers 204, signs in headers, and explains 4xx in JSON).
pub async fn exchange(config: &Config, req: &HttpRequest) -> Result<HttpResponse, Transport> {
    let mut init = RequestInit::new();
    init.with_method(match req.method {
        Method::Get => worker::Method::Get,
        Method::Post => worker::Method::Post,
    });
    let headers = Headers::new();
    if let Some(ct) = req.content_type {
        headers.set("content-type", ct).map_err(|e| Transport::Network(e.to_string()))?;
    }
    for (name, value) in &req.headers {
        headers.set(name, value).map_err(|e| Transport::Network(e.to_string()))?;
    }
    init.with_headers(headers);
    if !req.body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(req.body.as_slice()).into()));
    }
    let request = Request::new_with_init(&req.url, &init).map_err(|e| Transport::Network(e.to_string()))?;

    let controller = AbortController::default();
    let signal = controller.signal();
    let timeout = Duration::from_millis(config.provider_timeout_ms());
    let call = async {
        // The WeChat client certificate is bound as an mTLS binding on Workers.
        let mut resp = match (req.needs_client_cert, config.env().service("WECHAT_CERT")) {
            (true, Ok(cert)) => cert.fetch_request(request).await,
            _ => Fetch::Request(request).send_with_signal(&signal).await,
        }
        .map_err(|e| Transport::Network(e.to_string()))?;
        let status = resp.status_code();
        let headers = resp.headers().entries().collect();
        let body = resp.bytes().await.map_err(|e| Transport::Network(e.to_string()))?;
        if body.len() > MAX_REPLY_BYTES {
            return Err(Transport::Network("reply too large".into()));
        }
        Ok(HttpResponse { status, headers, body })
    };
    match select(Box::pin(call), Delay::from(timeout)).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            controller.abort();
            Err(Transport::Timeout)
        }
    }
}

/// POSTs a webhook to the merchant's endpoint: `headers` and the exact `body`, redirects not
/// followed, at most `timeout_ms`. Returns the attempt as it went (status or error, time).
pub async fn post_webhook(
    url: &str,
    headers: &[(&str, String)],
    body: &str,
    timeout_ms: u64,
) -> paycore::webhook::Attempt {
    let started = worker::Date::now().as_millis();
    let at = (started / 1000) as i64;
    let finish = |status: Option<u16>, error: Option<String>| paycore::webhook::Attempt {
        at,
        status,
        error,
        duration_ms: worker::Date::now().as_millis().saturating_sub(started),
    };
    let request = (|| {
        let h = Headers::new();
        for (name, value) in headers {
            h.set(name, value)?;
        }
        let mut init = RequestInit::new();
        init.with_method(worker::Method::Post)
            .with_headers(h)
            .with_redirect(worker::RequestRedirect::Manual)
            .with_body(Some(body.into()));
        Request::new_with_init(url, &init)
    })();
    let request = match request {
        Ok(r) => r,
        Err(e) => return finish(None, Some(format!("bad request: {e}"))),
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let call = async {
        let mut resp = Fetch::Request(request).send_with_signal(&signal).await?;
        let status = resp.status_code();
        // Read (and drop) the answer so the connection is released.
        let _ = resp.bytes().await;
        Ok::<u16, worker::Error>(status)
    };
    match select(Box::pin(call), Delay::from(Duration::from_millis(timeout_ms))).await {
        Either::Left((Ok(status), _)) => finish(Some(status), None),
        Either::Left((Err(e), _)) => finish(None, Some(e.to_string())),
        Either::Right(_) => {
            controller.abort();
            finish(None, Some(format!("no answer within {timeout_ms} ms")))
        }
    }
}
