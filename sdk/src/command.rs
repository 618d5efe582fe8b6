//! The command bodies the SDK sends. They are built by hand rather than by serde_json (which
//! would add its serializer to every checkout page's download); the native tests parse each
//! one back with the worker's own `paycore::api::parse_command`, so the two cannot drift.

use paycore::OrderNo;
use paycore::api::{PayRequest, PayType};

/// Appends `text` as a JSON string. The texts reaching here are validated order numbers and
/// http(s) URLs (printable ASCII), so only `"` and `\` need escaping; anything else outside
/// printable ASCII is escaped as `\u00XX` to be safe.
fn push_json_str(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn start(cmd: &str, order_no: &OrderNo) -> String {
    let mut out = String::from("{\"cmd\":\"");
    out.push_str(cmd);
    out.push_str("\",\"order_no\":");
    push_json_str(&mut out, order_no.as_str());
    out
}

/// `{"cmd":"Pay","order_no":…,"type":1|2[,"return_url":…]}`.
pub fn pay(request: &PayRequest) -> String {
    let mut out = start("Pay", &request.order_no);
    out.push_str(match request.pay_type {
        PayType::Alipay => ",\"type\":1",
        PayType::Wechat => ",\"type\":2",
    });
    if let Some(url) = &request.return_url {
        out.push_str(",\"return_url\":");
        push_json_str(&mut out, url);
    }
    out.push('}');
    out
}

/// A command whose only field is the order number (`WechatPay`, `WechatPayState`).
pub fn about(cmd: &str, order_no: &OrderNo) -> String {
    let mut out = start(cmd, order_no);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use paycore::api::{Command, StateRequest, WechatPayRequest, parse_command};

    use super::*;

    #[test]
    fn bodies_parse_back_as_the_same_commands() {
        let no = OrderNo::parse("a|b*c-d_e1").unwrap();
        for return_url in [None, Some("https://shop.example/done?x=\"1\"&y=\\2".to_owned())] {
            for pay_type in [PayType::Alipay, PayType::Wechat] {
                if pay_type == PayType::Alipay && return_url.is_none() {
                    continue; // refused by both sides' validation
                }
                let request = PayRequest { order_no: no.clone(), pay_type, return_url: return_url.clone() };
                assert_eq!(parse_command(pay(&request).as_bytes()).unwrap(), Command::Pay(request));
            }
        }
        assert_eq!(
            parse_command(about("WechatPay", &no).as_bytes()).unwrap(),
            Command::WechatPay(WechatPayRequest { order_no: no.clone(), notify_url: None })
        );
        assert_eq!(
            parse_command(about("WechatPayState", &no).as_bytes()).unwrap(),
            Command::WechatPayState(StateRequest { order_no: no })
        );
        let mut s = String::new();
        push_json_str(&mut s, "\u{1}é");
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "\u{1}é");
    }
}
