//! WeChat Pay API v3 (Native): create, query, close, refund and refund query. Each call is
//! built by `paycore::wechat_v3::request`, signed here with WebCrypto (the merchant key),
//! sent through [`crate::outbound::exchange`], and its reply verified (WeChat's signature,
//! serial, timestamp, probes) before one byte of it is read.

use paycore::api::{ApiError, ResultCode};
use paycore::http::HttpResponse;
use std::cell::RefCell;

use paycore::keys::{Certificate, PrivateKey, PublicKey};
use paycore::order::{Event, Order, Refund};
use paycore::reconcile;
use paycore::wechat_v3::reply::{self, Outcome, RefundReply};
use paycore::wechat_v3::request::{self as v3, Call, V3Config};
use paycore::wechat_v3::sign::{Authorization, SignedHeaders, check};
use paycore::wechat_v3::{V3Error, certificates, evidence, notify::Transaction};
use worker::console_log;

use super::Code;
use crate::config::Config;
use crate::outbound::{exchange, nonce};
use crate::{errors, webcrypto};

/// How WeChat's signatures are verified.
pub enum WechatKeys {
    /// Public-key mode: `WECHAT_PAY_PUBLIC_KEY` under its `WECHAT_PAY_PUBLIC_KEY_ID`.
    PublicKey(String, PublicKey),
    /// Platform certificates from `/v3/certificates`, kept per isolate.
    Certificates,
}

/// A v3 merchant's settings (from `WECHAT_*`; see [`Config::wechat_v3`]).
pub struct V3Settings {
    /// What requests carry.
    pub cfg: V3Config,
    /// `WECHAT_PRIVATE_KEY` (`apiclient_key.pem`): signs requests.
    pub key: PrivateKey,
    /// `WECHAT_APIV3_KEY`: opens notify resources and certificates.
    pub apiv3_key: Vec<u8>,
    /// WeChat's keys.
    pub wechat_keys: WechatKeys,
}

thread_local! {
    /// Downloaded platform certificates and when they were last fetched.
    static PLATFORM: RefCell<(Vec<Certificate>, Option<i64>)> = const { RefCell::new((Vec::new(), None)) };
}

fn platform_key(serial: &str) -> Option<PublicKey> {
    PLATFORM.with(|p| p.borrow().0.iter().find(|c| c.serial.eq_ignore_ascii_case(serial)).map(|c| c.public_key.clone()))
}

impl V3Settings {
    fn key_for(&self, serial: &str) -> Option<PublicKey> {
        match &self.wechat_keys {
            WechatKeys::PublicKey(id, key) => (id == serial).then(|| key.clone()),
            WechatKeys::Certificates => platform_key(serial),
        }
    }

    /// Verifies a WeChat-signed message (a reply, or a notify with its headers) at `now`.
    /// In certificate mode an unknown serial fetches the certificates again (at most once a
    /// minute per isolate).
    pub async fn verify(&self, config: &Config, headers: &SignedHeaders, body: &[u8], now: i64) -> Result<(), V3Error> {
        let todo = check(headers, body, now)?;
        let key = match self.key_for(&todo.serial) {
            Some(key) => key,
            None if matches!(self.wechat_keys, WechatKeys::Certificates) => {
                refresh_certificates(config, self, now).await;
                self.key_for(&todo.serial).ok_or_else(|| V3Error::UnknownSerial(todo.serial.clone()))?
            }
            None => return Err(V3Error::UnknownSerial(todo.serial.clone())),
        };
        if webcrypto::rsa_sha256_verify(&key, &todo.message, &todo.signature).await {
            Ok(())
        } else {
            Err(V3Error::BadSignature)
        }
    }
}

/// Downloads, decrypts and checks the platform certificates, and keeps them when the
/// download verifies with one of them. Failures are logged; the old set stays.
async fn refresh_certificates(config: &Config, s: &V3Settings, now: i64) {
    let due = PLATFORM.with(|p| p.borrow().1.is_none_or(|at| now - at >= certificates::REFRESH_INTERVAL_SECS));
    if !due {
        return;
    }
    PLATFORM.with(|p| p.borrow_mut().1 = Some(now));
    match download_certificates(config, s, now).await {
        Ok(certs) => {
            let serials: Vec<&str> = certs.iter().map(|c| c.serial.as_str()).collect();
            console_log!("{}", serde_json::json!({"event": "wechat_certificates", "serials": serials}));
            PLATFORM.with(|p| p.borrow_mut().0 = certs);
        }
        Err(e) => console_log!("{}", serde_json::json!({"event": "wechat_certificates_failed", "error": e})),
    }
}

async fn download_certificates(config: &Config, s: &V3Settings, now: i64) -> Result<Vec<Certificate>, String> {
    let resp = signed_exchange(config, s, certificates::download(), now).await.map_err(|e| e.msg)?;
    if resp.status != 200 {
        return Err(format!("HTTP {}", resp.status));
    }
    let mut certs = Vec::new();
    for listed in certificates::parse(&resp.body).map_err(|e| e.to_string())? {
        let r = &listed.encrypt_certificate;
        let sealed = r.sealed().map_err(|e| e.to_string())?;
        let pem = webcrypto::aes_gcm_decrypt(&s.apiv3_key, r.nonce.as_bytes(), r.associated_data.as_bytes(), &sealed)
            .await
            .map_err(|e| e.to_string())?;
        certs.push(certificates::read(&listed, &pem).map_err(|e| e.to_string())?);
    }
    // The download itself is signed by one of the certificates it carries.
    let headers = SignedHeaders::from_pairs(resp.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let todo = check(&headers, &resp.body, now).map_err(|e| e.to_string())?;
    let signer =
        certs.iter().find(|c| c.serial.eq_ignore_ascii_case(&todo.serial)).ok_or("signed by an unlisted serial")?;
    if !webcrypto::rsa_sha256_verify(&signer.public_key, &todo.message, &todo.signature).await {
        return Err("the download's signature does not verify".into());
    }
    Ok(certs)
}

fn bad_reply(e: &V3Error) -> ApiError {
    ApiError::new(ResultCode::ProviderBadReply, format!("WeChat Pay v3 reply rejected: {e}"))
}

/// Signs and sends `call`; the reply as it came, not yet verified.
async fn signed_exchange(config: &Config, s: &V3Settings, call: Call, now: i64) -> Result<HttpResponse, ApiError> {
    let nonce = nonce();
    let message = call.message(now, &nonce);
    let signature = webcrypto::rsa_sha256_sign(&s.key, message.as_bytes())
        .await
        .map_err(|e| ApiError::new(ResultCode::NotConfigured, format!("WECHAT_PRIVATE_KEY: {e}")))?;
    let authorization = Authorization::from_signature(&s.cfg.mchid, &s.cfg.serial_no, &nonce, now, &signature).header();
    let req = call.into_request(&s.cfg, authorization);
    exchange(config, &req).await.map_err(|t| errors::transport("WeChat Pay", &t))
}

/// Signs and sends `call`, and verifies the reply. `Ok` is 200/204 or WeChat's refusal.
async fn send(
    config: &Config,
    s: &V3Settings,
    call: Call,
    now: i64,
) -> Result<Result<Vec<u8>, reply::ErrorBody>, ApiError> {
    let resp = signed_exchange(config, s, call, now).await?;
    if resp.status >= 500 {
        return Err(errors::transport("WeChat Pay", &errors::Transport::Status(resp.status)));
    }
    let headers = SignedHeaders::from_pairs(resp.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    s.verify(config, &headers, &resp.body, now).await.map_err(|e| bad_reply(&e))?;
    match reply::outcome(&resp) {
        Outcome::Ok => Ok(Ok(resp.body)),
        Outcome::Refused(body) => Ok(Err(body)),
        Outcome::Unavailable(status) => Err(errors::transport("WeChat Pay", &errors::Transport::Status(status))),
    }
}

fn refused(body: &reply::ErrorBody) -> ApiError {
    ApiError::new(ResultCode::ProviderRejected, format!("WeChat Pay {}: {}", body.code, body.message))
}

/// `POST /v3/pay/transactions/native`.
pub async fn create(config: &Config, s: &V3Settings, order: &Order, now: i64) -> Result<Code, ApiError> {
    let notify_url = config.public_url("/notify/wechat/v3")?;
    let native = v3::NativeOrder {
        order_no: &order.order_no,
        description: &order.subject,
        total: order.total_fee,
        notify_url: &notify_url,
        expires_at: order.expires_at,
    };
    match send(config, s, v3::create_native(&s.cfg, &native), now).await? {
        Ok(body) => {
            Ok(Code::New { text: reply::code_url(&body).map_err(|e| bad_reply(&e))?, prepay_id: String::new() })
        }
        Err(e) if e.is_order_paid() => Ok(Code::AlreadyPaid),
        Err(e) => Err(refused(&e)),
    }
}

/// `GET …/out-trade-no/{no}`: the events the verified transaction proves.
pub async fn query(config: &Config, s: &V3Settings, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    match send(config, s, v3::query(&s.cfg, &order.order_no), now).await? {
        Ok(body) => {
            let t = Transaction::parse(&body).map_err(|e| bad_reply(&e))?;
            let r = evidence::transaction(&s.cfg, &order.order_no, &t).map_err(|e| bad_reply(&e))?;
            Ok(reconcile::wechat_query_events(&r, now))
        }
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(refused(&e)),
    }
}

/// `POST …/close` (204); when WeChat answers ORDERPAID, what the query proves instead.
pub async fn close(config: &Config, s: &V3Settings, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    match send(config, s, v3::close(&s.cfg, &order.order_no), now).await? {
        Ok(_) => Ok(Vec::new()),
        Err(e) if e.is_not_found() || e.is_order_closed() => Ok(Vec::new()),
        Err(e) if e.is_order_paid() => query(config, s, order, now).await,
        Err(e) => Err(refused(&e)),
    }
}

/// `POST /v3/refund/domestic/refunds` of (part of) the order's WeChat payment.
pub async fn refund(
    config: &Config,
    s: &V3Settings,
    order: &Order,
    refund: &Refund,
    now: i64,
) -> Result<Option<String>, ApiError> {
    let payment =
        order.find_payment(&refund.transaction_id).ok_or_else(|| errors::internal("refund of an unknown payment"))?;
    let notify_url = config.public_url("/notify/wechat/v3")?;
    let req = v3::Refund {
        order_no: &order.order_no,
        out_refund_no: &refund.provider_refund_no,
        total: payment.amount,
        refund: refund.amount,
        reason: &refund.reason,
        notify_url: &notify_url,
    };
    let body = send(config, s, v3::refund(&req), now).await?.map_err(|e| refused(&e))?;
    let reply = RefundReply::parse(&body).map_err(|e| bad_reply(&e))?;
    evidence::refund(&order.order_no, &reply).map_err(|e| bad_reply(&e))?;
    Ok(Some(reply.refund_id))
}

/// `GET /v3/refund/domestic/refunds/{no}` for each of the order's pending WeChat refunds.
pub async fn refund_check(config: &Config, s: &V3Settings, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let mut records = Vec::new();
    for r in order.pending_refunds(paycore::order::Provider::Wechat) {
        match send(config, s, v3::refund_query(&r.provider_refund_no), now).await? {
            Ok(body) => {
                let reply = RefundReply::parse(&body).map_err(|e| bad_reply(&e))?;
                records.push(evidence::refund(&order.order_no, &reply).map_err(|e| bad_reply(&e))?);
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(refused(&e)),
        }
    }
    Ok(reconcile::wechat_refund_events(records, order))
}
