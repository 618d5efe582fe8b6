use super::*;

const PKCS8: &str = include_str!("../tests/data/wechatpay_go_test_key.pem");
const PKCS1: &str = include_str!("../tests/data/wechatpay_go_test_key.pkcs1.pem");
const SPKI: &str = include_str!("../tests/data/wechatpay_go_test_key.pub.pem");
const CERT: &str = include_str!("../tests/data/alipay_cert_rsa2.crt");
const CERT_SPKI_B64: &str = include_str!("../tests/data/alipay_cert_rsa2.spki.b64");

fn bare(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

#[test]
fn private_keys_in_every_form_give_the_same_pkcs8() {
    let key = PrivateKey::parse(PKCS8).unwrap();
    assert_eq!(key.pkcs8_der(), STANDARD.decode(bare(PKCS8)).unwrap().as_slice());
    assert_eq!(PrivateKey::parse(PKCS1).unwrap(), key, "PKCS#1 is wrapped into the same PKCS#8");
    assert_eq!(PrivateKey::parse(&bare(PKCS8)).unwrap(), key, "bare base64 of PKCS#8");
    assert_eq!(PrivateKey::parse(&bare(PKCS1)).unwrap(), key, "bare base64 of PKCS#1 (Alipay's key tool)");
    assert_eq!(PrivateKey::parse(&PKCS1.replace('\n', "\\n")).unwrap(), key, "one .dev.vars line with \\n escapes");
    assert_eq!(format!("{key:?}"), "PrivateKey(…)", "Debug never shows the key");
}

#[test]
fn public_keys_from_spki_pkcs1_and_certificates() {
    let spki = PublicKey::parse(SPKI).unwrap();
    assert_eq!(PublicKey::parse(&bare(SPKI)).unwrap(), spki);
    // The PKCS#1 RSAPublicKey inside the SPKI's BIT STRING, wrapped back.
    let top = whole(spki.spki_der()).unwrap();
    let parts = children(top.content).unwrap();
    let pkcs1 = &parts[1].content[1..];
    assert_eq!(PublicKey::from_der(pkcs1).unwrap(), spki);

    let cert = Certificate::parse(CERT).unwrap();
    assert_eq!(cert.serial, "20200514E63C2FE04D538716FE21358B", "as openssl x509 -serial prints it");
    assert_eq!(cert.public_key.spki_der(), STANDARD.decode(CERT_SPKI_B64.trim()).unwrap().as_slice());
    assert_eq!(PublicKey::parse(CERT).unwrap(), cert.public_key, "a certificate where a public key goes");
}

#[test]
fn garbage_and_other_algorithms_are_refused() {
    assert_eq!(PrivateKey::parse("not a key!"), Err(KeyError::NotBase64));
    assert!(matches!(PrivateKey::parse("aGVsbG8="), Err(KeyError::NotDer(_))));
    assert!(matches!(PublicKey::parse(PKCS8), Err(KeyError::NotDer(_))), "a private key is not a public key");
    assert!(matches!(PrivateKey::parse(SPKI), Err(KeyError::NotDer(_))));
    // An EC P-256 public key (id-ecPublicKey): not RSA.
    let ec = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtCGhvpK9j+ZEPLdmsSPCJU0H7kh+qkJkbBXB5ZJzX5Ma5V7KlGLnJ0Ht6JU4eA3pUsnJ+ZXtEYjG54M/U7tT4w==";
    assert_eq!(PublicKey::parse(ec), Err(KeyError::NotRsa));
    // Truncated DER never panics.
    let der = STANDARD.decode(bare(PKCS8)).unwrap();
    for cut in [1, 2, 10, 100, der.len() - 1] {
        assert!(PrivateKey::from_der(&der[..cut]).is_err());
    }
}
