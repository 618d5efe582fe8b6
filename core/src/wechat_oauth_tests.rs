use super::*;

#[test]
fn the_authorize_link_keeps_wechats_order_exactly() {
    let url = authorize_url(
        "https://open.weixin.qq.com",
        "wx2421b1c4370ec43b",
        "https://pay.example.com/oauth/wechat/callback",
        "abc123",
    );
    assert_eq!(
        url,
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx2421b1c4370ec43b&redirect_uri=https%3A%2F%2Fpay.example.com%2Foauth%2Fwechat%2Fcallback&response_type=code&scope=snsapi_base&state=abc123#wechat_redirect"
    );
}

#[test]
fn the_exchange_is_a_get_with_the_four_parameters() {
    let req = access_token_request("https://api.weixin.qq.com", "wx1", "s3cret", "CODE");
    assert_eq!(
        req.url,
        "https://api.weixin.qq.com/sns/oauth2/access_token?appid=wx1&secret=s3cret&code=CODE&grant_type=authorization_code"
    );
    assert!(req.body.is_empty());
}

#[test]
fn the_reply_gives_the_openid_or_wechats_error() {
    let ok = br#"{"access_token":"ACCESS","expires_in":7200,"refresh_token":"R","openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","scope":"snsapi_base"}"#;
    assert_eq!(openid_of(200, ok), Ok("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()));
    let used = br#"{"errcode":40163,"errmsg":"code been used, rid: 6412-abc"}"#;
    let e = openid_of(200, used).unwrap_err();
    assert!(e.is_code_spent());
    assert_eq!(e, OauthError::Refused { code: 40163, message: "code been used, rid: 6412-abc".into() });
    assert!(openid_of(200, br#"{"errcode":40029,"errmsg":"invalid code"}"#).unwrap_err().is_code_spent());
    assert!(!openid_of(200, br#"{"errcode":40125,"errmsg":"invalid appsecret"}"#).unwrap_err().is_code_spent());
    for bad in [&b"<html>"[..], br#"{"openid":""}"#, br#"{"openid":"a b"}"#, br#"{}"#] {
        assert!(matches!(openid_of(200, bad), Err(OauthError::Malformed(_))), "{}", String::from_utf8_lossy(bad));
    }
    assert!(matches!(openid_of(502, ok), Err(OauthError::Malformed(_))));
}

#[test]
fn the_return_keeps_its_query_and_fragment() {
    assert_eq!(return_with_token("https://s.example/pay", "t1"), "https://s.example/pay?paybridge_wx=t1");
    assert_eq!(
        return_with_token("https://s.example/pay?o=1#top", "t1"),
        "https://s.example/pay?o=1&paybridge_wx=t1#top"
    );
}

#[test]
fn a_repeated_callback_gets_the_token_for_the_same_code_only() {
    assert_eq!(repeated_callback("061abcCODE", "tok", "061abcCODE"), Some("tok"));
    assert_eq!(repeated_callback("061abcCODE", "tok", "061abcCODF"), None);
    assert_eq!(repeated_callback("061abcCODE", "tok", "061abc"), None);
    assert_eq!(repeated_callback("061abcCODE", "tok", ""), None);
}
