//! WeChat OAuth (`snsapi_base`) for JSAPI, inside the order's object: a round trip starts
//! here (the page to go back to is stored, WeChat gets a sealed `state` naming it), and
//! its callback exchanges the code once for the payer's openid, which stays in the
//! object; the page gets a sealed payer token instead. A replayed callback (WeChat calls
//! twice at times; a spent code answers 40029/40163) gets the token the first one made.
//! The rules are `paycore::wechat_oauth`'s and `paycore::seal`'s; this does the I/O.

use paycore::api::{ApiError, ResultCode};
use paycore::seal::{OAUTH_NONCE_LEN, PAYER_ID_LEN};
use paycore::wechat_oauth::{self as oauth, OauthError};

use super::OrderObject;
use super::payers::Payers;
use crate::platform::config::Config;
use crate::platform::{Error, outbound};

fn sign_in_needed(why: &str) -> Error {
    ApiError::new(ResultCode::WechatSignInNeeded, why).into()
}

/// Starts a round trip: where to send the buyer (WeChat's authorize page, or straight back
/// to `return_url` when the order takes no payment any more).
pub fn start(obj: &OrderObject, config: &Config, return_url: &str, now: i64) -> Result<String, Error> {
    let store = obj.store()?;
    let order = store.load_existing()?;
    paycore::policy::ensure_return_origin(return_url, &config.return_url_origins())?;
    if !oauth::round_trip_needed(&order) {
        return Ok(return_url.to_owned());
    }
    let appid = config.required("WECHAT_APPID")?;
    let oauth_base = config.gateway("WECHAT_OAUTH_BASE", Some(oauth::OAUTH_BASE))?;
    let redirect_uri = paycore::http::join_url(&config.public_base()?, oauth::CALLBACK_PATH);
    let nonce = outbound::random_hex(OAUTH_NONCE_LEN);
    let expires_at = now + oauth::STATE_SECS;
    Payers::of(&store.sql).start_trip(&nonce, return_url, expires_at, now)?;
    let state = config.sealer()?.oauth_state(&order.order_no, &nonce, expires_at);
    Ok(oauth::authorize_url(&oauth_base, &appid, &redirect_uri, &state))
}

/// The callback of the round trip `nonce` with WeChat's `code`: the page to go back to,
/// with the payer token in its query.
pub async fn callback(obj: &OrderObject, config: &Config, nonce: &str, code: &str, now: i64) -> Result<String, Error> {
    let store = obj.store()?;
    let order = store.load_existing()?;
    let payers = Payers::of(&store.sql);
    // One exchange at a time: a second callback waits and finds the first one's token.
    let _exchanging = obj.oauth.lock().await;
    let trip = payers.trip(nonce, now)?.ok_or_else(|| sign_in_needed("this sign-in has expired; start again"))?;
    if let Some((exchanged_code, token)) = &trip.exchanged {
        let token = oauth::repeated_callback(exchanged_code, token, code)
            .ok_or_else(|| sign_in_needed("this sign-in was completed with another code; start again"))?;
        return Ok(oauth::return_with_token(&trip.return_url, token));
    }
    let appid = config.required("WECHAT_APPID")?;
    let secret = config.required("WECHAT_APP_SECRET")?;
    let sns_base = config.gateway("WECHAT_SNS_BASE", Some(oauth::SNS_BASE))?;
    let reply = outbound::exchange(config, &oauth::access_token_request(&sns_base, &appid, &secret, code))
        .await
        .map_err(|e| ApiError::new(ResultCode::ProviderUnavailable, format!("WeChat OAuth: {e}")))?;
    let openid = oauth::openid_of(reply.status, &reply.body).map_err(|e| match e {
        OauthError::Refused { .. } if e.is_code_spent() => {
            sign_in_needed("WeChat's sign-in code was spent; start again")
        }
        OauthError::Refused { .. } => ApiError::new(ResultCode::ProviderRejected, e.to_string()).into(),
        OauthError::Malformed(_) => ApiError::new(ResultCode::ProviderBadReply, e.to_string()).into(),
    })?;
    let payer_id = outbound::random_hex(PAYER_ID_LEN);
    let expires_at = now + oauth::TOKEN_SECS;
    let token = config.sealer()?.payer_token(&order.order_no, &payer_id, expires_at);
    payers.record_payer(nonce, code, &token, &payer_id, &openid, expires_at)?;
    Ok(oauth::return_with_token(&trip.return_url, &token))
}

/// The payer a page's `wx_token` stands for: (row id, openid); `-35` when it is missing,
/// forged, another order's or expired.
pub fn payer(obj: &OrderObject, config: &Config, wx_token: Option<&str>, now: i64) -> Result<(String, String), Error> {
    let store = obj.store()?;
    let order = store.load_existing()?;
    let token = wx_token.ok_or_else(|| sign_in_needed("WeChat JSAPI needs the buyer's WeChat sign-in (wx_token)"))?;
    let id = config
        .sealer()?
        .open_payer_token(&order.order_no, token, now)
        .map_err(|e| sign_in_needed(&format!("wx_token is {e}")))?;
    let openid = Payers::of(&store.sql).openid(&id, now)?.ok_or_else(|| sign_in_needed("wx_token has expired"))?;
    Ok((id, openid))
}
