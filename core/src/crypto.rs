//! The three primitives the v3 / OpenAPI protocols need, behind one small interface so that
//! the protocol code stays pure: it builds the exact bytes to sign, verify or decrypt, and a
//! [`Crypto`] does the arithmetic. Natively (tests, `paysign`) that is [`native::NativeCrypto`]
//! (RustCrypto's `rsa` with PKCS#1 v1.5, constant-time since 0.10, and `aes-gcm`); in the
//! worker it is WebCrypto, whose calls are asynchronous, so the worker calls it with the same
//! bytes rather than through this trait.

use crate::keys::{PrivateKey, PublicKey};

/// A failed primitive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The key could not be loaded (not RSA, or malformed inside).
    #[error("the key cannot be used: {0}")]
    BadKey(&'static str),
    /// AES-GCM: wrong key length (16 or 32 bytes), nonce length (12), or the tag did not
    /// authenticate the ciphertext and associated data.
    #[error("decryption failed: {0}")]
    Decrypt(&'static str),
}

/// RSASSA-PKCS1-v1_5 with SHA-256 ("SHA256withRSA", Alipay's RSA2, WeChat Pay v3's
/// WECHATPAY2-SHA256-RSA2048) and AES-GCM decryption (WeChat Pay v3's resources).
pub trait Crypto {
    /// Signs `message` with `key`.
    fn rsa_sha256_sign(&self, key: &PrivateKey, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Whether `signature` is `key`'s signature of `message`.
    fn rsa_sha256_verify(&self, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool;
    /// AES-GCM with a 16- or 32-byte key and a 12-byte nonce; `sealed` is ciphertext ‖ tag.
    fn aes_gcm_decrypt(&self, key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// The pure-Rust implementation.
#[cfg(any(test, feature = "native-crypto"))]
pub mod native {
    use aes_gcm::aead::{AeadInOut, KeyInit, Nonce};
    use aes_gcm::{Aes128Gcm, Aes256Gcm};
    use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::pkcs8::spki::DecodePublicKey;
    use rsa::signature::{SignatureEncoding, Signer, Verifier};
    use rsa::{PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
    use sha2::Sha256;

    use super::{Crypto, CryptoError};
    use crate::keys::{PrivateKey, PublicKey};

    /// RustCrypto's `rsa` and `aes-gcm`.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct NativeCrypto;

    fn open<C: KeyInit + AeadInOut>(
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let cipher = C::new_from_slice(key).map_err(|_| CryptoError::Decrypt("key length"))?;
        let nonce = Nonce::<C>::try_from(nonce).map_err(|_| CryptoError::Decrypt("nonce length"))?;
        let mut buffer = sealed.to_vec();
        cipher.decrypt_in_place(&nonce, aad, &mut buffer).map_err(|_| CryptoError::Decrypt("not authentic"))?;
        Ok(buffer)
    }

    impl Crypto for NativeCrypto {
        fn rsa_sha256_sign(&self, key: &PrivateKey, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
            let key =
                RsaPrivateKey::from_pkcs8_der(key.pkcs8_der()).map_err(|_| CryptoError::BadKey("RSA private key"))?;
            let signer = SigningKey::<Sha256>::new(key);
            let signature: Signature = signer.try_sign(message).map_err(|_| CryptoError::BadKey("signing failed"))?;
            Ok(signature.to_vec())
        }

        fn rsa_sha256_verify(&self, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
            let Ok(key) = RsaPublicKey::from_public_key_der(key.spki_der()) else { return false };
            let Ok(signature) = Signature::try_from(signature) else { return false };
            VerifyingKey::<Sha256>::new(key).verify(message, &signature).is_ok()
        }

        fn aes_gcm_decrypt(&self, key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
            match key.len() {
                32 => open::<Aes256Gcm>(key, nonce, aad, sealed),
                // Some published vectors (wechatpay-go's) use 16-byte keys despite the
                // AEAD_AES_256_GCM label.
                16 => open::<Aes128Gcm>(key, nonce, aad, sealed),
                _ => Err(CryptoError::Decrypt("key length")),
            }
        }
    }
}
