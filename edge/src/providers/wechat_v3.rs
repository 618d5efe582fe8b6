//! WeChat Pay API v3: its settings and keys. The merchant's RSA key signs what
//! `paycore::wechat_v3` builds. WeChat's messages are verified with its public key
//! (public-key mode: `WECHAT_PAY_PUBLIC_KEY` under `WECHAT_PAY_PUBLIC_KEY_ID`) or, when
//! that is not set, with platform certificates downloaded from `/v3/certificates`: each
//! AES-GCM decrypted with the APIv3 key, kept only when its own serial is the listed one
//! and the download verifies with one of them, cached per isolate, and fetched again for
//! an unknown serial at most once a minute (forged serials cannot make the worker fetch
//! per request).

use std::cell::RefCell;

use paycore::keys::{Certificate, PrivateKey, PublicKey};
use paycore::provider::CallError;
use paycore::wechat_v3::certificates;
use paycore::wechat_v3::request::V3Config;
use paycore::wechat_v3::sign::{Authorization, SignedHeaders, check};
use worker::console_log;

use crate::platform::config::Config;
use crate::platform::{outbound, webcrypto};

/// How WeChat's signatures are verified.
pub enum WechatKeys {
    /// Public-key mode: the key and its `PUB_KEY_ID_…`.
    PublicKey(String, PublicKey),
    /// Platform certificates from `/v3/certificates`, kept per isolate.
    Certificates,
}

/// A v3 merchant's settings.
pub struct Settings {
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

impl Settings {
    /// `WECHAT_API_BASE`, `WECHAT_APPID`, `WECHAT_MCH_ID`, `WECHAT_CERT_SERIAL`,
    /// `WECHAT_PRIVATE_KEY`, `WECHAT_APIV3_KEY` (32 bytes), and `WECHAT_PAY_PUBLIC_KEY` with
    /// `WECHAT_PAY_PUBLIC_KEY_ID` in public-key mode.
    pub fn read(config: &Config) -> Result<Self, CallError> {
        let apiv3_key = config.required("WECHAT_APIV3_KEY")?.into_bytes();
        if apiv3_key.len() != 32 {
            return Err(CallError::NotConfigured("WECHAT_APIV3_KEY must be 32 bytes".into()));
        }
        let wechat_keys = match config.get("WECHAT_PAY_PUBLIC_KEY") {
            Some(_) => WechatKeys::PublicKey(
                config.required("WECHAT_PAY_PUBLIC_KEY_ID")?,
                config.key("WECHAT_PAY_PUBLIC_KEY", PublicKey::parse)?,
            ),
            None => WechatKeys::Certificates,
        };
        Ok(Self {
            cfg: V3Config {
                api_base: config.gateway("WECHAT_API_BASE", None)?,
                appid: config.required("WECHAT_APPID")?,
                mchid: config.required("WECHAT_MCH_ID")?,
                serial_no: config.required("WECHAT_CERT_SERIAL")?,
            },
            key: config.key("WECHAT_PRIVATE_KEY", PrivateKey::parse)?,
            apiv3_key,
            wechat_keys,
        })
    }

    /// WeChat's key of `serial`; in certificate mode an unknown serial fetches the
    /// certificates again (at most once a minute per isolate).
    pub async fn key_for(&self, config: &Config, serial: &str, now: i64) -> Option<PublicKey> {
        match &self.wechat_keys {
            WechatKeys::PublicKey(id, key) => (id == serial).then(|| key.clone()),
            WechatKeys::Certificates => match platform_key(serial) {
                Some(key) => Some(key),
                None => {
                    self.refresh_certificates(config, now).await;
                    platform_key(serial)
                }
            },
        }
    }

    async fn refresh_certificates(&self, config: &Config, now: i64) {
        let due = PLATFORM.with(|p| p.borrow().1.is_none_or(|at| now - at >= certificates::REFRESH_INTERVAL_SECS));
        if !due {
            return;
        }
        PLATFORM.with(|p| p.borrow_mut().1 = Some(now));
        match self.download_certificates(config, now).await {
            Ok(certs) => {
                let serials: Vec<&str> = certs.iter().map(|c| c.serial.as_str()).collect();
                console_log!("{}", serde_json::json!({"log": "wechat_certificates", "serials": serials}));
                PLATFORM.with(|p| p.borrow_mut().0 = certs);
            }
            Err(e) => console_log!("{}", serde_json::json!({"log": "wechat_certificates_failed", "error": e})),
        }
    }

    async fn download_certificates(&self, config: &Config, now: i64) -> Result<Vec<Certificate>, String> {
        let nonce = outbound::nonce();
        let call = certificates::download();
        let signature = webcrypto::rsa_sha256_sign(&self.key, call.message(now, &nonce).as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let auth =
            Authorization::from_signature(&self.cfg.mchid, &self.cfg.serial_no, &nonce, now, &signature).header();
        let resp =
            outbound::exchange(config, &call.into_request(&self.cfg, auth)).await.map_err(|e| format!("{e:?}"))?;
        if resp.status != 200 {
            return Err(format!("HTTP {}", resp.status));
        }
        let mut certs = Vec::new();
        for listed in certificates::parse(&resp.body).map_err(|e| e.to_string())? {
            let r = &listed.encrypt_certificate;
            let sealed = r.sealed().map_err(|e| e.to_string())?;
            let pem =
                webcrypto::aes_gcm_decrypt(&self.apiv3_key, r.nonce.as_bytes(), r.associated_data.as_bytes(), &sealed)
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
}
