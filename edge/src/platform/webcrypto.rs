//! WebCrypto (`crypto.subtle`) for the RSA APIs: RSASSA-PKCS1-v1_5 with SHA-256 (WeChat Pay
//! v3's WECHATPAY2-SHA256-RSA2048, Alipay's RSA2) and AES-GCM (v3 notify resources). The
//! same three primitives as `paycore::crypto::Crypto`, asynchronous because WebCrypto is;
//! `paycore` builds the bytes, `paycore::keys` turns every key form into the PKCS#8 / SPKI
//! DER that `importKey` takes (workerd accepts PKCS#1 bytes as "pkcs8", Node does not: we
//! never rely on that). Bound directly, without web-sys. Imported keys are kept per isolate.

use std::cell::RefCell;

use js_sys::{Object, Promise, Reflect, Uint8Array};
use paycore::crypto::CryptoError;
use paycore::keys::{PrivateKey, PublicKey};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = importKey, catch)]
    fn import_key(
        format: &str,
        data: &Uint8Array,
        algorithm: &Object,
        extractable: bool,
        usages: &js_sys::Array,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], catch)]
    fn sign(algorithm: &Object, key: &JsValue, data: &Uint8Array) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], catch)]
    fn verify(algorithm: &Object, key: &JsValue, signature: &Uint8Array, data: &Uint8Array)
    -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], catch)]
    fn decrypt(algorithm: &Object, key: &JsValue, data: &Uint8Array) -> Result<Promise, JsValue>;
}

fn object(pairs: &[(&str, &JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

fn rsa_algorithm() -> Object {
    object(&[("name", &"RSASSA-PKCS1-v1_5".into()), ("hash", &"SHA-256".into())])
}

async fn wait(p: Result<Promise, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(p?).await
}

thread_local! {
    /// Imported keys of this isolate, by usage and bytes: a merchant has a handful (its
    /// signing keys, the providers' public keys, the APIv3 key), and `importKey` of an RSA
    /// key costs more than the verification itself.
    static KEYS: RefCell<Vec<(&'static str, Vec<u8>, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// Most keys kept per isolate (a key rotation adds one; a long-lived isolate never grows).
const MAX_KEYS: usize = 16;

async fn key(format: &str, der: &[u8], algorithm: &Object, usage: &'static str) -> Result<JsValue, JsValue> {
    let cached =
        KEYS.with(|k| k.borrow().iter().find(|(u, d, _)| *u == usage && d == der).map(|(_, _, key)| key.clone()));
    if let Some(key) = cached {
        return Ok(key);
    }
    let usages = js_sys::Array::of1(&usage.into());
    let key = wait(import_key(format, &Uint8Array::from(der), algorithm, false, &usages)).await?;
    KEYS.with(|k| {
        let mut k = k.borrow_mut();
        if k.len() >= MAX_KEYS {
            k.remove(0);
        }
        k.push((usage, der.to_vec(), key.clone()));
    });
    Ok(key)
}

/// Signs `message` with `private_key`.
pub async fn rsa_sha256_sign(private_key: &PrivateKey, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let k = key("pkcs8", private_key.pkcs8_der(), &rsa_algorithm(), "sign")
        .await
        .map_err(|_| CryptoError::BadKey("WebCrypto refused the private key"))?;
    let signature = wait(sign(&rsa_algorithm(), &k, &Uint8Array::from(message)))
        .await
        .map_err(|_| CryptoError::BadKey("WebCrypto could not sign"))?;
    Ok(Uint8Array::new(&signature).to_vec())
}

/// Whether `signature` is `public_key`'s signature of `message`.
pub async fn rsa_sha256_verify(public_key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(k) = key("spki", public_key.spki_der(), &rsa_algorithm(), "verify").await else { return false };
    let result = wait(verify(&rsa_algorithm(), &k, &Uint8Array::from(signature), &Uint8Array::from(message))).await;
    result.ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// AES-GCM with a 16- or 32-byte key and a 12-byte nonce; `sealed` is ciphertext ‖ tag.
pub async fn aes_gcm_decrypt(aes_key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if !matches!(aes_key.len(), 16 | 32) {
        return Err(CryptoError::Decrypt("key length"));
    }
    if nonce.len() != 12 {
        return Err(CryptoError::Decrypt("nonce length"));
    }
    let algorithm = object(&[("name", &"AES-GCM".into())]);
    let k = key("raw", aes_key, &algorithm, "decrypt").await.map_err(|_| CryptoError::Decrypt("key"))?;
    let params = object(&[
        ("name", &"AES-GCM".into()),
        ("iv", &Uint8Array::from(nonce).into()),
        ("additionalData", &Uint8Array::from(aad).into()),
        ("tagLength", &JsValue::from(128)),
    ]);
    let plain = wait(decrypt(&params, &k, &Uint8Array::from(sealed)))
        .await
        .map_err(|_| CryptoError::Decrypt("not authentic"))?;
    Ok(Uint8Array::new(&plain).to_vec())
}
