//! XML reader tests: the WeChat formats, and every hostile shape the reader must refuse.

use super::*;
use proptest::prelude::*;

#[test]
fn reads_cdata_text_and_empty_values() {
    let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n  <return_code><![CDATA[SUCCESS]]></return_code>\n  <total_fee>888</total_fee>\n  <attach><![CDATA[]]></attach>\n  <device_info/>\n  <body><![CDATA[\xE8\x85\xBE\xE8\xAE\xAF a&b]]></body>\n  <detail>x &lt; y &amp;&#x4E2D;&#20013;</detail>\n  <!-- a comment -->\n</xml>\n";
    let f = parse_wechat(body).unwrap();
    assert_eq!(f.get("return_code"), Some("SUCCESS"));
    assert_eq!(f.get("total_fee"), Some("888"));
    assert_eq!(f.get("attach"), Some(""));
    assert_eq!(f.get("device_info"), Some(""));
    assert_eq!(f.get("body"), Some("腾讯 a&b"));
    assert_eq!(f.get("detail"), Some("x < y &中中"));
    assert_eq!(f.len(), 6);
}

#[test]
fn write_then_read_round_trips_awkward_values() {
    let fields: Fields = [("a", "x]]>y"), ("b", "<&>\"'"), ("c", ""), ("d", "中文 ")].into_iter().collect();
    let xml = write_wechat(&fields);
    assert!(xml.starts_with("<xml><a><![CDATA[x]]]]><![CDATA[>y]]></a>"));
    assert_eq!(parse_wechat(xml.as_bytes()).unwrap(), fields);
}

#[test]
fn rejects_doctype_and_entities() {
    let xxe =
        b"<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><a>&xxe;</a></xml>";
    assert_eq!(parse_wechat(xxe), Err(XmlError::Doctype));
    let billion = b"<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><xml><a>&lol2;</a></xml>";
    assert_eq!(parse_wechat(billion), Err(XmlError::Doctype));
    assert!(matches!(parse_wechat(b"<xml><a>&xxe;</a></xml>"), Err(XmlError::Entity(e)) if e == "xxe"));
    assert!(matches!(parse_wechat(b"<xml><a>&#0;</a></xml>"), Err(XmlError::Entity(_))));
    assert_eq!(parse_wechat(b"<?php echo 1?><xml></xml>"), Err(XmlError::ProcessingInstruction));
}

#[test]
fn rejects_truncated_and_malformed() {
    for truncated in [&b"<xml><a>1</a>"[..], b"<xml><a>1", b"<xml><a><![CDATA[1]]></a", b"", b"   "] {
        assert!(parse_wechat(truncated).is_err(), "{:?}", String::from_utf8_lossy(truncated));
    }
    assert_eq!(parse_wechat(b"<xml><a>1</a></xml><xml/>"), Err(XmlError::TrailingContent));
    assert_eq!(parse_wechat(b"<root><a>1</a></root>"), Err(XmlError::WrongRoot { expected: "xml" }));
    assert_eq!(parse_wechat(b"<xml><a><b>1</b></a></xml>"), Err(XmlError::TooDeep));
    assert_eq!(parse_wechat(b"<xml>text<a>1</a></xml>"), Err(XmlError::StrayText));
    assert_eq!(parse_wechat(b"oops<xml></xml>"), Err(XmlError::StrayText));
    assert_eq!(parse_wechat(b"<xml><a>1</a><a>2</a></xml>"), Err(XmlError::Duplicate("a".into())));
    assert!(matches!(parse_wechat(b"<xml><a>1</b></xml>"), Err(XmlError::Syntax(_))));
    assert_eq!(parse_wechat(b"<xml><a>\xff</a></xml>"), Err(XmlError::NotUtf8));
    let big = format!("<xml><a>{}</a></xml>", "x".repeat(MAX_BYTES));
    assert_eq!(parse_wechat(big.as_bytes()), Err(XmlError::TooLarge));
    let many: String = (0..=MAX_FIELDS).map(|i| format!("<f{i}>1</f{i}>")).collect();
    assert_eq!(parse_wechat(format!("<xml>{many}</xml>").as_bytes()), Err(XmlError::TooManyFields));
}

#[test]
fn reads_nested_alipay_reply() {
    // Alipay echoes every request parameter as `<param name="…">`, one per line.
    let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<alipay>\n<is_success>T</is_success>\n<request>\n<param name=\"_input_charset\">utf-8</param>\n<param name=\"service\">single_trade_query</param>\n<param name=\"partner\">2088101568338364</param>\n<param name=\"out_trade_no\">123456</param>\n</request>\n<response>\n<trade>\n<out_trade_no>123456</out_trade_no>\n<trade_status>TRADE_SUCCESS</trade_status>\n<total_fee>0.01</total_fee>\n</trade>\n</response>\n<sign>abc</sign>\n<sign_type>MD5</sign_type>\n</alipay>";
    let f = parse_paths(body.as_bytes(), "alipay", 4).unwrap();
    assert_eq!(f.get("is_success"), Some("T"));
    assert_eq!(f.get("response/trade/trade_status"), Some("TRADE_SUCCESS"));
    assert_eq!(f.get("request/param[service]"), Some("single_trade_query"));
    assert_eq!(f.get("request/param[_input_charset]"), Some("utf-8"));
    assert_eq!(f.get("request/param[out_trade_no]"), Some("123456"));
    assert_eq!(f.len(), 10);
    assert_eq!(parse_paths(b"<xml/>", "alipay", 4), Err(XmlError::WrongRoot { expected: "alipay" }));
    let twice = b"<alipay><request><param name=\"a\">1</param><param name=\"a\">2</param></request></alipay>";
    assert_eq!(parse_paths(twice, "alipay", 4), Err(XmlError::Duplicate("request/param[a]".into())));
}

#[test]
fn rejects_names_that_cannot_be_written_back() {
    // Found by cargo fuzz (wechat_xml): quick-xml takes everything up to whitespace as the
    // name, so `<transaction_id64200</` was read as a field name and `<return_code appid>`
    // as `return_code` with a malformed attribute.
    let crash =
        b"<xml><return_code\n\nappid></return_code><transaction_id64200</\r\r\rtr\ransaction_i/><sign>ABC</sign></xml>";
    assert!(parse_wechat(crash).is_err());
    assert!(matches!(parse_wechat(b"<xml><a<b>1</a<b></xml>"), Err(XmlError::BadName(n)) if n == "a<b"));
    assert!(matches!(parse_wechat(b"<xml><1a>1</1a></xml>"), Err(XmlError::BadName(_))));
    assert!(matches!(parse_wechat(b"<xml><a:b>1</a:b></xml>"), Err(XmlError::BadName(_))));
    assert!(matches!(parse_wechat(b"<xml><a-b>1</a-b></xml>"), Err(XmlError::BadName(_))));
    assert!(matches!(parse_wechat("<xml><金额>1</金额></xml>".as_bytes()), Err(XmlError::BadName(_))));
    let long = "n".repeat(MAX_NAME + 1);
    assert!(matches!(parse_wechat(format!("<xml><{long}>1</{long}></xml>").as_bytes()), Err(XmlError::BadName(_))));
    assert!(matches!(parse_wechat(b"<xml><a appid>1</a></xml>"), Err(XmlError::Syntax(_))));
    assert!(matches!(parse_wechat(b"<xml><a x=\"1\" x=\"2\">1</a></xml>"), Err(XmlError::Syntax(_))));
    assert!(matches!(parse_paths(b"<alipay><p name=\"a/b\">1</p></alipay>", "alipay", 4), Err(XmlError::BadName(_))));
    for malformed in [
        &b"<xml><a x=\"1\"y=\"2\">1</a></xml>"[..],
        b"<xml><a x=1>1</a></xml>",
        b"<xml><a x=\"1>1</a></xml>",
        b"<xml><a x=\"<\">1</a></xml>",
        b"<xml><a =\"1\">1</a></xml>",
        b"<xml><a x>1</a></xml>",
    ] {
        assert!(parse_wechat(malformed).is_err(), "{}", String::from_utf8_lossy(malformed));
    }
    assert!(matches!(parse_paths(b"<alipay><p name=\"a b\">1</p></alipay>", "alipay", 4), Err(XmlError::BadName(_))));
    assert!(matches!(parse_paths(b"<alipay><p name=\"&lt;\">1</p></alipay>", "alipay", 4), Err(XmlError::BadName(_))));
    let quoted = parse_paths(b"<alipay><p x = '1' name='k'/><q\tname=\"k\" >2</q></alipay>", "alipay", 4).unwrap();
    assert_eq!((quoted.get("p[k]"), quoted.get("q[k]")), (Some(""), Some("2")));
    // Attributes that are well formed are read past; values stay what the element holds.
    assert_eq!(parse_wechat(b"<xml><a x=\"1\">v</a></xml>").unwrap().get("a"), Some("v"));
    let longest = "n".repeat(MAX_NAME);
    assert!(parse_wechat(format!("<xml><{longest}>1</{longest}></xml>").as_bytes()).is_ok());
}

proptest! {
    #[test]
    fn round_trips_any_text(map in proptest::collection::btree_map("[a-z_]{1,10}", "\\PC{0,20}", 0..12)) {
        // XML cannot carry \r unescaped through EOL normalisation; WeChat values never do.
        let fields: Fields = map.into_iter().map(|(k, v)| (k, v.replace('\r', ""))).collect();
        prop_assert_eq!(parse_wechat(write_wechat(&fields).as_bytes()).unwrap(), fields);
    }

    #[test]
    fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_wechat(&body);
        let _ = parse_paths(&body, "alipay", 4);
    }

    #[test]
    fn never_panics_on_xmlish(body in "[<>/a-z!?\\[\\]&;# CDAT\"=x\r\n_]{0,64}") {
        if let Ok(fields) = parse_wechat(body.as_bytes()) {
            prop_assert!(parse_wechat(write_wechat(&fields).as_bytes()).is_ok(), "{body:?} reads but does not write back");
        }
    }
}
