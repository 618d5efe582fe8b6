use super::*;

fn order(no: &str) -> OrderNo {
    OrderNo::parse(no).unwrap()
}

#[test]
fn a_return_token_opens_only_for_its_order() {
    let s = Sealer::new("merchant-token");
    let url = "https://shop.example/done?cart=1#top";
    let token = s.return_token(&order("order_001"), url);
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "{token}");
    assert_eq!(s.open_return_token(&order("order_001"), &token), Ok(url.to_owned()));
    assert_eq!(s.open_return_token(&order("order_002"), &token), Err(SealError::Forged));
    assert_eq!(Sealer::new("other-token").open_return_token(&order("order_001"), &token), Err(SealError::Forged));
}

#[test]
fn an_altered_return_destination_is_refused() {
    let s = Sealer::new("merchant-token");
    let token = s.return_token(&order("order_001"), "https://shop.example/done");
    let (_, mac) = token.split_once('.').unwrap();
    let forged = format!("{}.{mac}", URL_SAFE_NO_PAD.encode("https://evil.example/done"));
    assert_eq!(s.open_return_token(&order("order_001"), &forged), Err(SealError::Forged));
    assert_eq!(s.open_return_token(&order("order_001"), "no-dot"), Err(SealError::Malformed));
    assert_eq!(s.open_return_token(&order("order_001"), "%%.%%"), Err(SealError::Malformed));
}

#[test]
fn an_oauth_state_keeps_to_wechats_alphabet_and_binds_order_nonce_and_time() {
    let s = Sealer::new("merchant-token");
    let longest = "a".repeat(32);
    let state = s.oauth_state(&order(&longest), "0123456789ab", 2_000_000_000);
    assert!(state.len() <= 128 && state.bytes().all(|b| b.is_ascii_alphanumeric()), "{state}");
    assert_eq!(s.open_oauth_state(&state, 1_999_999_999), Ok((order(&longest), "0123456789ab".to_owned())));
    assert_eq!(s.open_oauth_state(&state, 2_000_000_000), Err(SealError::Expired));
    // Another order's number in front of the same nonce, time and MAC.
    let other = format!("{}{}", hex(b"b_order_1"), &state[longest.len() * 2..]);
    assert_eq!(s.open_oauth_state(&other, 0), Err(SealError::Forged));
    // A later expiry written over the time field.
    let mut later = state.clone();
    later.replace_range(64 + 12..64 + 22, &format!("{:010x}", 3_000_000_000_i64));
    assert_eq!(s.open_oauth_state(&later, 0), Err(SealError::Forged));
    assert_eq!(s.open_oauth_state("xyz", 0), Err(SealError::Malformed));
    assert_eq!(s.open_oauth_state(&"0".repeat(60), 0), Err(SealError::Malformed));
}

#[test]
fn a_payer_token_binds_its_order_and_expires() {
    let s = Sealer::new("merchant-token");
    let token = s.payer_token(&order("order_001"), "00112233445566ff", 1000);
    assert_eq!(token.len(), 50);
    assert_eq!(s.open_payer_token(&order("order_001"), &token, 999), Ok("00112233445566ff".to_owned()));
    assert_eq!(s.open_payer_token(&order("order_001"), &token, 1000), Err(SealError::Expired));
    assert_eq!(s.open_payer_token(&order("order_002"), &token, 0), Err(SealError::Forged));
    let flipped: String = token.chars().rev().collect();
    assert_eq!(s.open_payer_token(&order("order_001"), &flipped, 0), Err(SealError::Forged));
    assert_eq!(s.open_payer_token(&order("order_001"), "short", 0), Err(SealError::Malformed));
}

#[test]
fn seals_of_one_purpose_never_open_another() {
    let s = Sealer::new("merchant-token");
    // The same parts under two purposes give different MACs.
    let a = s.mac(Purpose::OauthState, &[b"order_001", b"00112233445566ff", b"00000003e8"]);
    let b = s.mac(Purpose::Payer, &[b"order_001", b"00112233445566ff", b"00000003e8"]);
    assert_ne!(a, b);
    // Length prefixes: moving a byte between parts changes the MAC.
    assert_ne!(s.mac(Purpose::Return, &[b"ab", b"c"]), s.mac(Purpose::Return, &[b"a", b"bc"]));
}

#[test]
fn the_return_signature_is_hmac_sha256_over_the_documented_string() {
    // Independently: HMAC-SHA256(key="merchant-token", "order_no=order_001&pay_state=1&ts=1700000000").
    let sig = return_signature("merchant-token", "order_001", 1, 1_700_000_000);
    // Computed with Python's hmac module.
    assert_eq!(sig, "a99c1ec5346cf7899aa816ba2ce2938abdbe7ddd9edc3ee5c1a4982d031023dd");
    assert_eq!(sig.len(), 64);
    assert_ne!(sig, return_signature("merchant-token", "order_001", 2, 1_700_000_000));
}
