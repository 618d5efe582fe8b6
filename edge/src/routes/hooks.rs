//! The test harness's hooks, only with `TEST_HOOKS=on` (never set in production), and only
//! with the merchant's token:
//!
//! - `POST /test/age {"order_no", "seconds"}` moves an order's clock back (its times,
//!   sessions and refunds), so expiry and refund schedules can be tested without waiting.
//! - `POST /test/bill?wallet=wechat|alipay&packing=plain|gzip|zip` reads a bill as a
//!   reconciliation does (unpack, decode, parse; the body may be up to 64 MiB): its totals.
//! - `POST /test/crypto` runs the worker's RSA and AES-GCM path (paycore's key reading and
//!   sign strings, then WebCrypto) inside workerd on inputs the harness sends, so the
//!   providers' published vectors are checked where production runs them.
//!
//!
//! `{"op": "sign", "key", "message"}` → `{"signature"}`; `{"op": "verify", "key", "message",
//! "signature"}` → `{"valid"}`; `{"op": "decrypt", "key", "nonce", "aad", "ciphertext"}` →
//! `{"plaintext"}` or `{"error"}`; `{"op": "alipay_notify", "key", "form"}` → `{"valid"}`;
//! `{"op": "wechat_signed", "key", "headers", "body", "now"}` → `{"valid"}` or `{"error"}`;
//! `{"op": "jsapi", "appid", "prepay_id", "timestamp", "nonce", "api_key", "sign_type"}` (v2)
//! or `{…, "key"}` (v3) → JSAPI's page parameters.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use paycore::api::{ApiError, ResultCode};
use paycore::form::RawForm;
use paycore::keys::{PrivateKey, PublicKey};
use paycore::wechat_v3::sign::{SignedHeaders, check};
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use worker::{Request, Response};

use super::read_body;
use crate::platform::config::Config;
use crate::platform::{Error, forward, reply, webcrypto};

/// `POST /test/…`: the hooks, for the merchant's token only.
pub async fn handle(mut req: Request, config: &Config, path: &str) -> Result<Response, Error> {
    let token = config.merchant_token();
    let auth = req.headers().get("authorization")?;
    paycore::api::authorize(token.as_ref().map(|t| t.expose()), auth.as_deref())?;
    let cap = if path == "/test/bill" { 64 << 20 } else { 64 * 1024 };
    let body = read_body(&mut req, cap).await?.ok_or_else(|| ApiError::new(ResultCode::BodyTooLarge, "too large"))?;
    match path {
        "/test/bill" => {
            let url = req.inner().url();
            let wallet = if url.contains("wallet=alipay") {
                paycore::order::Provider::Alipay
            } else {
                paycore::order::Provider::Wechat
            };
            let packing = if url.contains("packing=gzip") {
                paycore::provider::Packing::Gzip
            } else if url.contains("packing=zip") {
                paycore::provider::Packing::Zip
            } else {
                paycore::provider::Packing::Plain
            };
            let (lines, totals) = crate::recon::read_bill(wallet, &body, packing).await.map_err(invalid)?;
            // Linear memory only grows: its size after the read is the read's peak.
            let wasm_memory_bytes = wasm_bindgen::memory()
                .unchecked_into::<js_sys::WebAssembly::Memory>()
                .buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length();
            Ok(reply::ok(
                &json!({"result": 0, "msg": "", "lines": lines, "totals": totals, "wasm_memory_bytes": wasm_memory_bytes}),
            )?)
        }
        "/test/age" => {
            let value: Value =
                serde_json::from_slice(&body).map_err(|e| ApiError::new(ResultCode::MalformedJson, e.to_string()))?;
            let order_no = paycore::OrderNo::parse(value["order_no"].as_str().unwrap_or_default())
                .map_err(|e| ApiError::new(ResultCode::InvalidField, e.to_string()))?;
            let (status, text) = forward::to_order(config, &order_no, "/test/age", &body).await?;
            Ok(reply::json_text(status, text)?)
        }
        "/test/crypto" => Ok(reply::ok(&crypto(&body).await?)?),
        _ => Err(ApiError::new(ResultCode::NotFound, "no such path").into()),
    }
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ResultCode::InvalidField, msg)
}

fn text<'a>(v: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    v[name].as_str().ok_or_else(|| invalid(format!("`{name}` must be a string")))
}

/// Runs one crypto operation.
async fn crypto(body: &[u8]) -> Result<Value, ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| ApiError::new(ResultCode::MalformedJson, e.to_string()))?;
    let b64 = |name: &str| -> Result<Vec<u8>, ApiError> {
        STANDARD.decode(text(&v, name)?).map_err(|_| invalid(format!("`{name}` is not base64")))
    };
    match text(&v, "op")? {
        "sign" => {
            let key = PrivateKey::parse(text(&v, "key")?).map_err(|e| invalid(e.to_string()))?;
            let sig = webcrypto::rsa_sha256_sign(&key, text(&v, "message")?.as_bytes())
                .await
                .map_err(|e| invalid(e.to_string()))?;
            Ok(json!({"signature": STANDARD.encode(sig)}))
        }
        "verify" => {
            let key = PublicKey::parse(text(&v, "key")?).map_err(|e| invalid(e.to_string()))?;
            let valid = webcrypto::rsa_sha256_verify(&key, text(&v, "message")?.as_bytes(), &b64("signature")?).await;
            Ok(json!({"valid": valid}))
        }
        "decrypt" => {
            let sealed = b64("ciphertext")?;
            let key = text(&v, "key")?.as_bytes();
            match webcrypto::aes_gcm_decrypt(key, text(&v, "nonce")?.as_bytes(), text(&v, "aad")?.as_bytes(), &sealed)
                .await
            {
                Ok(plain) => Ok(json!({"plaintext": String::from_utf8_lossy(&plain)})),
                Err(e) => Ok(json!({"error": e.to_string()})),
            }
        }
        "alipay_notify" => {
            let key = PublicKey::parse(text(&v, "key")?).map_err(|e| invalid(e.to_string()))?;
            let form = RawForm::parse(text(&v, "form")?.as_bytes()).map_err(|e| invalid(e.to_string()))?;
            let mut pairs = Vec::new();
            for (k, val) in form.pairs() {
                match (std::str::from_utf8(k), std::str::from_utf8(val)) {
                    (Ok(k), Ok(val)) => pairs.push((k, val)),
                    _ => return Ok(json!({"valid": false})),
                }
            }
            let Some(sign) = pairs.iter().find(|(k, _)| *k == "sign").and_then(|(_, s)| STANDARD.decode(s).ok()) else {
                return Ok(json!({"valid": false}));
            };
            let content = paycore::alipay_openapi::notify_content(pairs.iter().copied());
            Ok(json!({"valid": webcrypto::rsa_sha256_verify(&key, content.as_bytes(), &sign).await}))
        }
        "wechat_signed" => wechat_signed(&v).await,
        "jsapi" => jsapi(&v).await,
        other => Err(invalid(format!("unknown op `{other}`"))),
    }
}

/// A WeChat v3 reply or notify's signature headers checked over its body, as the worker does.
async fn wechat_signed(v: &Value) -> Result<Value, ApiError> {
    let key = PublicKey::parse(text(v, "key")?).map_err(|e| invalid(e.to_string()))?;
    let headers = v["headers"].as_object().ok_or_else(|| invalid("`headers` must be an object"))?;
    let headers = SignedHeaders::from_pairs(headers.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))));
    let now = v["now"].as_i64().ok_or_else(|| invalid("`now` must be a number"))?;
    match check(&headers, text(v, "body")?.as_bytes(), now) {
        Ok(todo) => Ok(json!({"valid": webcrypto::rsa_sha256_verify(&key, &todo.message, &todo.signature).await})),
        Err(e) => Ok(json!({"error": e.to_string()})),
    }
}

/// JSAPI's page parameters as a Pay makes them (v2 with `api_key` and `sign_type`, v3 with
/// the RSA `key` through WebCrypto), for a given appid, prepay, time and nonce.
async fn jsapi(v: &Value) -> Result<Value, ApiError> {
    use paycore::provider::{Call, CallContext, Outcome, ProviderApi, Ready};
    let call = Call::JsapiParams { prepay_id: text(v, "prepay_id")?.to_owned() };
    let cx = CallContext {
        now: text(v, "timestamp")?.parse().map_err(|_| invalid("`timestamp` must be digits"))?,
        nonce: text(v, "nonce")?.to_owned(),
        public_base: "https://pay.example.com".into(),
    };
    let order = paycore::order::Order::new(
        paycore::OrderNo::parse("jsapi_vector").map_err(|e| invalid(e.to_string()))?,
        paycore::AmountFen::new(1).map_err(|e| invalid(e.to_string()))?,
        String::new(),
        String::new(),
        0,
        1,
    );
    let appid = text(v, "appid")?.to_owned();
    let prepared = if let Some(key) = v["api_key"].as_str() {
        let sign_type =
            paycore::sign::WechatSignType::from_field(v["sign_type"].as_str(), paycore::sign::WechatSignType::Md5)
                .map_err(|e| invalid(e.to_string()))?;
        let cfg = paycore::wechat_v2::WechatConfig {
            appid,
            mch_id: String::new(),
            api_key: paycore::sign::SecretKey::new(key),
            api_base: String::new(),
            sign_type,
            spbill_create_ip: String::new(),
        };
        cfg.prepare(&call, &order, &cx)
    } else {
        let cfg = paycore::wechat_v3::request::V3Config {
            api_base: String::new(),
            appid,
            mchid: String::new(),
            serial_no: String::new(),
        };
        cfg.prepare(&call, &order, &cx)
    }
    .map_err(|e| invalid(e.to_string()))?;
    let signature = match &prepared.to_sign {
        Some(message) => {
            let key = PrivateKey::parse(text(v, "key")?).map_err(|e| invalid(e.to_string()))?;
            Some(webcrypto::rsa_sha256_sign(&key, message).await.map_err(|e| invalid(e.to_string()))?)
        }
        None => None,
    };
    match prepared.finish(signature.as_deref()) {
        Ready::Done(Outcome::JsapiParams(params)) => Ok(json!(params)),
        _ => Err(invalid("no JSAPI parameters")),
    }
}
