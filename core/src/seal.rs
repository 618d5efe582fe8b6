//! Values the worker hands to a browser and must recognise again without trusting the
//! browser: where a cashier sends the buyer back, the state of a WeChat OAuth round trip,
//! the token that stands for a WeChat payer, and the values appended to a return.
//!
//! Each is bound by HMAC-SHA256 to its purpose and to the order it is for, under a key
//! derived from the merchant token (the one secret every deployment has), so a value made
//! for one order, purpose or time cannot be replayed for another, and nothing secret (an
//! openid) ever travels in it: tokens only name rows the order's object stores. Values that
//! WeChat carries (`state`) keep to its alphabet, `[a-zA-Z0-9]`, and length, 128 bytes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::OrderNo;

type HmacSha256 = Hmac<Sha256>;

/// Why a sealed value was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Not in the value's shape.
    #[error("malformed")]
    Malformed,
    /// The MAC does not match: forged, altered, or made for another order or purpose.
    #[error("not made by this worker for this order")]
    Forged,
    /// Made by this worker, but its time is over.
    #[error("expired")]
    Expired,
}

/// Seals and opens values with a key derived from the merchant token.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// What a seal is for: a MAC made for one purpose never opens another.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    Return,
    OauthState,
    Payer,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Return => b"return",
            Self::OauthState => b"oauth-state",
            Self::Payer => b"payer",
        }
    }
}

const STATE_NONCE_HEX: usize = 12;
const PAYER_ID_HEX: usize = 16;
const TIME_HEX: usize = 10;
const MAC_HEX: usize = 24;

impl Sealer {
    /// The sealer of a worker whose merchant token is `merchant_token`.
    pub fn new(merchant_token: &str) -> Self {
        let mut mac = HmacSha256::new_from_slice(merchant_token.as_bytes()).expect("HMAC takes keys of any length");
        mac.update(b"paybridge seal v1");
        Self { key: mac.finalize().into_bytes().into() }
    }

    /// HMAC over the purpose and each part, every part length-prefixed (no two different
    /// part lists give the same message).
    fn mac(&self, purpose: Purpose, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("32-byte key");
        for part in std::iter::once(purpose.label()).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u32).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The path segment that carries a cashier's return destination:
    /// `<base64url(url)>.<base64url(mac)>`, bound to the order.
    pub fn return_token(&self, order_no: &OrderNo, url: &str) -> String {
        let mac = self.mac(Purpose::Return, &[order_no.as_str().as_bytes(), url.as_bytes()]);
        format!("{}.{}", URL_SAFE_NO_PAD.encode(url), URL_SAFE_NO_PAD.encode(&mac[..16]))
    }

    /// The destination a return token carries, when this worker made it for this order.
    pub fn open_return_token(&self, order_no: &OrderNo, token: &str) -> Result<String, SealError> {
        let (url, mac) = token.split_once('.').ok_or(SealError::Malformed)?;
        let url = URL_SAFE_NO_PAD.decode(url).map_err(|_| SealError::Malformed)?;
        let url = String::from_utf8(url).map_err(|_| SealError::Malformed)?;
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| SealError::Malformed)?;
        let expected = self.mac(Purpose::Return, &[order_no.as_str().as_bytes(), url.as_bytes()]);
        if crate::sign::secret_eq(&expected[..16], &mac) { Ok(url) } else { Err(SealError::Forged) }
    }

    /// A WeChat OAuth `state`: the order number (hex), the nonce naming the stored round
    /// trip, its expiry and a MAC, all hex digits (at most 110 characters).
    pub fn oauth_state(&self, order_no: &OrderNo, nonce: &str, expires_at: i64) -> String {
        let order_hex = hex(order_no.as_str().as_bytes());
        let time = format!("{:0TIME_HEX$x}", expires_at.max(0));
        let mac = self.mac(Purpose::OauthState, &[order_no.as_str().as_bytes(), nonce.as_bytes(), time.as_bytes()]);
        format!("{order_hex}{nonce}{time}{}", &hex(&mac)[..MAC_HEX])
    }

    /// The order and nonce of a `state` this worker made and whose time is not over.
    pub fn open_oauth_state(&self, state: &str, now: i64) -> Result<(OrderNo, String), SealError> {
        let fixed = STATE_NONCE_HEX + TIME_HEX + MAC_HEX;
        if state.len() <= fixed || !state.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SealError::Malformed);
        }
        let (order_hex, rest) = state.split_at(state.len() - fixed);
        let (nonce, rest) = rest.split_at(STATE_NONCE_HEX);
        let (time, mac) = rest.split_at(TIME_HEX);
        let order_no = unhex(order_hex)
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| OrderNo::parse(&s).ok())
            .ok_or(SealError::Malformed)?;
        let expected =
            self.mac(Purpose::OauthState, &[order_no.as_str().as_bytes(), nonce.as_bytes(), time.as_bytes()]);
        if !crate::sign::secret_eq(&hex(&expected).as_bytes()[..MAC_HEX], mac.as_bytes()) {
            return Err(SealError::Forged);
        }
        let expires_at = i64::from_str_radix(time, 16).map_err(|_| SealError::Malformed)?;
        if now >= expires_at {
            return Err(SealError::Expired);
        }
        Ok((order_no, nonce.to_owned()))
    }

    /// The token a page holds for a WeChat payer of this order: the id of the row the
    /// order's object keeps (with the openid), its expiry and a MAC (50 hex digits).
    pub fn payer_token(&self, order_no: &OrderNo, id: &str, expires_at: i64) -> String {
        let time = format!("{:0TIME_HEX$x}", expires_at.max(0));
        let mac = self.mac(Purpose::Payer, &[order_no.as_str().as_bytes(), id.as_bytes(), time.as_bytes()]);
        format!("{id}{time}{}", &hex(&mac)[..MAC_HEX])
    }

    /// The payer row's id of a token this worker made for this order, not yet expired.
    pub fn open_payer_token(&self, order_no: &OrderNo, token: &str, now: i64) -> Result<String, SealError> {
        if token.len() != PAYER_ID_HEX + TIME_HEX + MAC_HEX || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SealError::Malformed);
        }
        let (id, rest) = token.split_at(PAYER_ID_HEX);
        let (time, mac) = rest.split_at(TIME_HEX);
        let expected = self.mac(Purpose::Payer, &[order_no.as_str().as_bytes(), id.as_bytes(), time.as_bytes()]);
        if !crate::sign::secret_eq(&hex(&expected).as_bytes()[..MAC_HEX], mac.as_bytes()) {
            return Err(SealError::Forged);
        }
        let expires_at = i64::from_str_radix(time, 16).map_err(|_| SealError::Malformed)?;
        if now >= expires_at {
            return Err(SealError::Expired);
        }
        Ok(id.to_owned())
    }
}

/// Lengths of the random ids the seals carry, in hex digits.
pub const OAUTH_NONCE_LEN: usize = STATE_NONCE_HEX;
/// See [`OAUTH_NONCE_LEN`].
pub const PAYER_ID_LEN: usize = PAYER_ID_HEX;

/// The signature of the values appended to a buyer's return (`paybridge_sig`): lower-case
/// hex HMAC-SHA256 keyed with the merchant token over
/// `order_no=<order_no>&pay_state=<n>&ts=<unix seconds>`, so the merchant's backend can
/// check that the worker said it, and when.
pub fn return_signature(merchant_token: &str, order_no: &str, pay_state: u8, ts: i64) -> String {
    crate::sign::hmac_sha256_hex(
        merchant_token.as_bytes(),
        format!("order_no={order_no}&pay_state={pay_state}&ts={ts}").as_bytes(),
    )
}

fn hex(bytes: &[u8]) -> String {
    crate::sign::hex(bytes, false)
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
#[path = "seal_tests.rs"]
mod tests;
