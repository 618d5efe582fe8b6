//! v3 notifies: a JSON envelope whose `resource` is AES-GCM encrypted with the merchant's
//! APIv3 key (nonce = the `nonce` text's bytes, AAD = `associated_data`, ciphertext = data ‖
//! 16-byte tag). The envelope is read only after its signature verified
//! ([`super::sign::verify`]); the resource is trusted only after it decrypted.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::V3Error;
use crate::crypto::Crypto;

/// The notify envelope.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Envelope {
    /// The notify's id.
    pub id: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`, …
    pub event_type: String,
    /// `encrypt-resource`.
    #[serde(default)]
    pub resource_type: String,
    /// The encrypted resource.
    pub resource: Resource,
}

/// The encrypted part.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Resource {
    /// `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// Base64 of ciphertext ‖ tag.
    pub ciphertext: String,
    /// The 12-character nonce.
    pub nonce: String,
    /// The AAD (may be empty).
    #[serde(default)]
    pub associated_data: String,
    /// `transaction` or `refund`.
    #[serde(default)]
    pub original_type: String,
}

/// What a notify is about, by its `event_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `TRANSACTION.*`: a payment.
    Transaction,
    /// `REFUND.*`: a refund settled (SUCCESS, ABNORMAL, CLOSED).
    Refund,
}

impl Envelope {
    /// Reads a verified notify body.
    pub fn parse(body: &[u8]) -> Result<Self, V3Error> {
        serde_json::from_slice(body).map_err(|e| V3Error::Malformed(e.to_string()))
    }

    /// The notify's kind; other event types are refused.
    pub fn kind(&self) -> Result<Kind, V3Error> {
        match self.event_type.split_once('.').map(|(k, _)| k) {
            Some("TRANSACTION") => Ok(Kind::Transaction),
            Some("REFUND") => Ok(Kind::Refund),
            _ => Err(V3Error::Malformed(format!(
                "unknown event_type {}",
                self.event_type.chars().take(40).collect::<String>()
            ))),
        }
    }
}

impl Resource {
    /// The bytes to open (ciphertext ‖ tag), once the algorithm is the one v3 uses.
    pub fn sealed(&self) -> Result<Vec<u8>, V3Error> {
        if self.algorithm != "AEAD_AES_256_GCM" {
            return Err(V3Error::Malformed(format!("algorithm {}", self.algorithm)));
        }
        STANDARD.decode(&self.ciphertext).map_err(|_| V3Error::Malformed("ciphertext is not base64".into()))
    }

    /// Decrypts with the APIv3 key: the resource's JSON text.
    pub fn decrypt(&self, crypto: &dyn Crypto, apiv3_key: &[u8]) -> Result<Vec<u8>, V3Error> {
        let sealed = self.sealed()?;
        crypto
            .aes_gcm_decrypt(apiv3_key, self.nonce.as_bytes(), self.associated_data.as_bytes(), &sealed)
            .map_err(|_| V3Error::Decrypt)
    }
}

/// The amount of a v3 transaction.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Amount {
    /// Order total, fen.
    pub total: u64,
    /// What the payer paid, fen.
    #[serde(default)]
    pub payer_total: Option<u64>,
    /// `CNY`.
    #[serde(default)]
    pub currency: Option<String>,
}

/// A transaction, as a `TRANSACTION.*` resource or a query reply carries it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Transaction {
    /// App id.
    pub appid: String,
    /// Merchant id.
    pub mchid: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// WeChat's transaction id (absent before payment).
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING, PAYERROR, …
    pub trade_state: String,
    /// RFC 3339 payment time.
    #[serde(default)]
    pub success_time: Option<String>,
    /// Amounts.
    pub amount: Amount,
}

impl Transaction {
    /// Reads a decrypted resource or a query reply.
    pub fn parse(json: &[u8]) -> Result<Self, V3Error> {
        serde_json::from_slice(json).map_err(|e| V3Error::Malformed(e.to_string()))
    }
}
