//! Provider notifies and the buyer's Alipay return. The route verifies first (the
//! provider's signature; for Alipay MAPI also `notify_verify` at the gateway; for WeChat
//! v3 the resource decrypts), so forgeries never reach an order's object; the object then
//! applies the one rule every notify passes (`paycore::reconcile::accept_notice`: this
//! order's trade or refund, its currency and amount) and stores the effect. The provider
//! is answered success only after that, in the form it expects.

use paycore::facts::Notice;
use paycore::form::RawForm;
use paycore::provider::{NotifyError, NotifyInput, NotifyReply};
use paycore::{alipay_mapi, alipay_openapi, wechat_v2, wechat_v3};
use worker::{Request, Response, Result, console_log};

use super::read_body;
use crate::order::now;
use crate::platform::config::Config;
use crate::platform::{forward, reply};
use crate::providers::{Api, Wallet};

impl Api {
    /// The answer this API's provider expects to a notify.
    fn notify_reply(self, failure: Option<&NotifyError>) -> NotifyReply {
        match self {
            Self::WechatV2 => wechat_v2::notify_reply(failure),
            Self::WechatV3 => wechat_v3::notify_reply(failure),
            Self::AlipayMapi => alipay_mapi::notify_reply(failure),
            Self::AlipayOpenApi => alipay_openapi::notify_reply(failure),
        }
    }

    /// The largest notify body this API's provider sends.
    fn notify_max_bytes(self) -> usize {
        match self {
            Self::WechatV2 => wechat_v2::NOTIFY_MAX_BYTES,
            Self::WechatV3 => wechat_v3::NOTIFY_MAX_BYTES,
            Self::AlipayMapi => alipay_mapi::NOTIFY_MAX_BYTES,
            Self::AlipayOpenApi => alipay_openapi::NOTIFY_MAX_BYTES,
        }
    }
}

fn answer(api: Api, order_no: Option<&paycore::OrderNo>, failure: Option<&NotifyError>) -> Result<Response> {
    if let Some(e) = failure {
        console_log!(
            "{}",
            serde_json::json!({"log": "notify_rejected", "api": format!("{api:?}"), "order_no": order_no.map(paycore::OrderNo::as_str), "reason": e.to_string()})
        );
    }
    let r = api.notify_reply(failure);
    reply::with_type(r.status, r.content_type, r.body)
}

/// Hands a verified notice to its order's object at `path`; `Err` unless it stored it.
async fn deliver(
    config: &Config,
    order_no: &paycore::OrderNo,
    path: &str,
    notice: &Notice,
) -> std::result::Result<String, NotifyError> {
    let body = serde_json::to_vec(notice).map_err(|e| NotifyError::Ours(e.to_string()))?;
    let (status, text) =
        forward::to_order(config, order_no, path, &body).await.map_err(|e| NotifyError::Ours(e.api().msg))?;
    let answer: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| NotifyError::Ours("the order did not answer".into()))?;
    match answer["result"].as_i64() {
        Some(0) => Ok(text),
        // Storage or internal faults are ours; any other refusal is the message's.
        _ if matches!(status, 500 | 503) => Err(NotifyError::Ours(answer["msg"].as_str().unwrap_or_default().into())),
        _ => Err(NotifyError::Rejected(answer["msg"].as_str().unwrap_or_default().into())),
    }
}

/// `POST /notify/…`: any provider API's notify, by its path.
pub async fn receive(mut req: Request, config: &Config, path: &str) -> Result<Response> {
    let Some((api, order)) = Api::of_notify_path(path) else { return reply::text(404, "fail") };
    let headers = req.headers().entries().collect();
    let Some(body) = read_body(&mut req, api.notify_max_bytes()).await? else {
        let mut r = api.notify_reply(Some(&NotifyError::Rejected("body too large".into())));
        r.status = 413;
        return reply::with_type(r.status, r.content_type, r.body);
    };
    let input = NotifyInput { headers, body, order };
    let mut verified_for = None;
    let result = async {
        let wallet = Wallet::load(config, api).map_err(|e| NotifyError::Ours(e.to_string()))?;
        let (order_no, notice) = wallet.open_notify(config, &input, now()).await?;
        let delivered = deliver(config, &order_no, "/notice", &notice).await;
        verified_for = Some(order_no);
        delivered
    }
    .await;
    answer(api, verified_for.as_ref(), result.err().as_ref())
}

/// `GET /return/alipay`: the buyer's browser back from the cashier, verified like a notify
/// (MAPI or OpenAPI, by its `sign_type`); the order's object asks Alipay about the trade and
/// names the merchant's page.
pub async fn buyer_return(config: &Config, url: &str, token: Option<&str>) -> Result<Response> {
    // The raw query string, decoded once by the form parser.
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let rsa2 = RawForm::parse(query.as_bytes()).is_ok_and(|f| paycore::alipay_openapi::is_rsa2_form(&f));
    let api = if rsa2 { Api::AlipayOpenApi } else { Api::AlipayMapi };
    let input = NotifyInput { body: query.as_bytes().to_vec(), ..NotifyInput::default() };
    let verified = match Wallet::load(config, api) {
        Ok(wallet) => wallet.open_notify(config, &input, now()).await.ok(),
        Err(_) => None,
    };
    let Some((order_no, notice)) = verified else {
        console_log!(
            "{}",
            serde_json::json!({"log": "notify_rejected", "api": "alipay_return", "reason": "verification failed"})
        );
        return reply::html(
            400,
            "Payment return not verified",
            "This link could not be verified with Alipay. Your order page shows the real payment state.",
        );
    };
    // The token is only ever base64url and one dot: anything else is nobody's.
    let path = match token {
        Some(t) if t.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) => format!("/return/{t}"),
        Some(_) => return reply::html(400, "Payment return not verified", "This link is malformed."),
        None => "/return".to_owned(),
    };
    let answered = deliver(config, &order_no, &path, &notice).await;
    let location = answered.as_ref().ok().and_then(|text| {
        serde_json::from_str::<serde_json::Value>(text).ok()?.get("location")?.as_str().map(str::to_owned)
    });
    match (location, answered) {
        (Some(location), _) => reply::redirect(&location),
        (None, Err(NotifyError::Rejected(why))) => {
            console_log!("{}", serde_json::json!({"log": "return_refused", "order_no": order_no.as_str(), "why": why}));
            reply::html(
                400,
                "Payment return not verified",
                "This return link was altered. Your order page shows the real payment state.",
            )
        }
        (None, _) => reply::html(404, "Order not found", "This order is unknown or has no return page."),
    }
}
