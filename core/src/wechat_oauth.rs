//! WeChat web OAuth (`snsapi_base`), which JSAPI needs for the payer's `openid`: the
//! authorize link the buyer's WeChat opens, the code exchange, and how a page's return
//! carries the payer token. Requests are data; the worker sends them.
//!
//! WeChat matches the authorize link strictly: `appid`, `redirect_uri`, `response_type`,
//! `scope`, `state` in this order, then `#wechat_redirect`. A code is single-use and lives
//! 5 minutes; WeChat sometimes calls the callback twice, and the second exchange of the
//! same code answers 40029 or 40163: the worker keeps what the first one learnt.

use serde::Deserialize;

use crate::form::{encode_pairs, urlencode};
use crate::http::{HttpRequest, join_url};

/// `WECHAT_OAUTH_BASE`'s default.
pub const OAUTH_BASE: &str = "https://open.weixin.qq.com";
/// `WECHAT_SNS_BASE`'s default.
pub const SNS_BASE: &str = "https://api.weixin.qq.com";
/// The worker's callback path (the `redirect_uri`).
pub const CALLBACK_PATH: &str = "/oauth/wechat/callback";
/// Where a page starts the round trip.
pub const START_PATH: &str = "/oauth/wechat";
/// The query parameter the page's return gets: the payer token.
pub const TOKEN_PARAM: &str = "paybridge_wx";
/// How long a round trip may take (its `state`).
pub const STATE_SECS: i64 = 600;
/// How long a payer token lives.
pub const TOKEN_SECS: i64 = 2 * 3600;

/// Why the code exchange gave no openid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OauthError {
    /// WeChat's error (`errcode`, `errmsg`).
    #[error("WeChat OAuth {code}: {message}")]
    Refused {
        /// `errcode`.
        code: i64,
        /// `errmsg`.
        message: String,
    },
    /// Not a reply WeChat gives.
    #[error("the OAuth reply is malformed: {0}")]
    Malformed(String),
}

impl OauthError {
    /// The code was used already (40163) or is not (or no longer) valid (40029): what a
    /// replayed callback gets.
    pub fn is_code_spent(&self) -> bool {
        matches!(self, Self::Refused { code: 40029 | 40163, .. })
    }
}

/// Whether an order still takes a payment, so a sign-in round trip is worth starting (a
/// paid or closed one sends the buyer straight back).
pub fn round_trip_needed(order: &crate::order::Order) -> bool {
    !order.state.is_final()
}

/// The token a repeated callback of an exchanged round trip gets: the one its exchange
/// gave, and only for the same `code` (WeChat or the browser repeating the callback).
/// Another code with this round trip's `state` is someone else's sign-in: refused, so
/// whoever learned the state can neither take the buyer's token nor hand the buyer theirs.
pub fn repeated_callback<'a>(exchanged_code: &str, token: &'a str, code: &str) -> Option<&'a str> {
    crate::sign::secret_eq(exchanged_code.as_bytes(), code.as_bytes()).then_some(token)
}

/// The authorize link: `<base>/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…#wechat_redirect`.
pub fn authorize_url(oauth_base: &str, appid: &str, redirect_uri: &str, state: &str) -> String {
    let query = encode_pairs([
        ("appid", appid),
        ("redirect_uri", redirect_uri),
        ("response_type", "code"),
        ("scope", "snsapi_base"),
        ("state", state),
    ]);
    format!("{}?{query}#wechat_redirect", join_url(oauth_base, "/connect/oauth2/authorize"))
}

/// The code exchange: `GET <sns>/sns/oauth2/access_token?appid&secret&code&grant_type`.
pub fn access_token_request(sns_base: &str, appid: &str, secret: &str, code: &str) -> HttpRequest {
    let query =
        encode_pairs([("appid", appid), ("secret", secret), ("code", code), ("grant_type", "authorization_code")]);
    HttpRequest::get(format!("{}?{query}", join_url(sns_base, "/sns/oauth2/access_token")))
}

#[derive(Deserialize)]
struct TokenReply {
    #[serde(default)]
    openid: Option<String>,
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
}

/// The openid of an exchange's reply (whatever its content type: WeChat has sent JSON as
/// `text/plain`).
pub fn openid_of(status: u16, body: &[u8]) -> Result<String, OauthError> {
    if status != 200 {
        return Err(OauthError::Malformed(format!("HTTP {status}")));
    }
    let reply: TokenReply = serde_json::from_slice(body).map_err(|e| OauthError::Malformed(e.to_string()))?;
    match (reply.errcode, reply.openid) {
        (Some(code), _) if code != 0 => {
            Err(OauthError::Refused { code, message: reply.errmsg.unwrap_or_default().chars().take(120).collect() })
        }
        (_, Some(openid)) if valid_openid(&openid) => Ok(openid),
        _ => Err(OauthError::Malformed("no usable openid".into())),
    }
}

/// An openid as WeChat makes them: 28 characters of `[A-Za-z0-9_-]` (checked loosely:
/// up to 64).
fn valid_openid(openid: &str) -> bool {
    (1..=64).contains(&openid.len()) && openid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The page's return with the payer token added to its query (before any fragment; its
/// own query kept).
pub fn return_with_token(return_url: &str, token: &str) -> String {
    let (base, fragment) = match return_url.split_once('#') {
        Some((base, fragment)) => (base, format!("#{fragment}")),
        None => (return_url, String::new()),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{TOKEN_PARAM}={}{fragment}", urlencode(token))
}

#[cfg(test)]
#[path = "wechat_oauth_tests.rs"]
mod tests;
