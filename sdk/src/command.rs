//! The command bodies the SDK sends. They are built by hand rather than by serde_json (which
//! would add its serializer to every checkout page's download); the native tests parse each
//! one back with the worker's own `paycore::api::parse_command`, so the two cannot drift.

use paycore::OrderNo;
use paycore::api::{PayRequest, PayType};

/// Appends `text` as a JSON string. Only validated texts reach here (order numbers, http(s)
/// URLs, device names and `wx_token`s, all printable ASCII), so `"` and `\` are all there is to
/// escape.
fn push_json_str(out: &mut String, text: &str) {
    out.push('"');
    out.push_str(&text.replace('\\', "\\\\").replace('"', "\\\""));
    out.push('"');
}

fn start(cmd: &str, order_no: &OrderNo) -> String {
    let mut out = String::from("{\"cmd\":\"");
    out.push_str(cmd);
    out.push_str("\",\"order_no\":");
    push_json_str(&mut out, order_no.as_str());
    out
}

/// `{"cmd":"Pay","order_no":…,"type":1|2[,"return_url":…][,"device":…][,"wx_token":…]}`.
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
    // Phones and in-app browsers pay through the checkout module, the only build that sets
    // these (the client's leaves them out: 140 B of gzip on every page).
    #[cfg(any(test, feature = "checkout"))]
    for (name, value) in [
        (",\"device\":", request.device.map(crate::checkout::device_name)),
        (",\"wx_token\":", request.wx_token.as_deref()),
    ] {
        if let Some(value) = value {
            out.push_str(name);
            push_json_str(&mut out, value);
        }
    }
    out.push('}');
    out
}

/// A command whose only field is the order number (`WechatPay`, `AlipayQr`, `WechatPayState`).
pub fn about(cmd: &str, order_no: &OrderNo) -> String {
    let mut out = start(cmd, order_no);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use paycore::api::{Command, Device, StateRequest, WechatPayRequest, parse_command};

    use super::*;

    #[test]
    fn bodies_parse_back_as_the_same_commands() {
        let no = OrderNo::parse("a|b*c-d_e1").unwrap();
        for return_url in [None, Some("https://shop.example/done?x=\"1\"&y=\\2".to_owned())] {
            for pay_type in [PayType::Alipay, PayType::Wechat] {
                if pay_type == PayType::Alipay && return_url.is_none() {
                    continue; // refused by both sides' validation
                }
                // The mobile fields (issue 20) too: every device, with and without a token.
                for device in [None, Some(Device::Pc), Some(Device::Mobile), Some(Device::Wechat), Some(Device::Alipay)]
                {
                    for wx_token in [None, Some("abcXYZ0123456789".to_owned())] {
                        let request = PayRequest {
                            order_no: no.clone(),
                            pay_type,
                            return_url: return_url.clone(),
                            device,
                            wx_token,
                        };
                        assert_eq!(parse_command(pay(&request).as_bytes()).unwrap(), Command::Pay(request));
                    }
                }
            }
        }
        assert_eq!(
            parse_command(about("WechatPay", &no).as_bytes()).unwrap(),
            Command::WechatPay(WechatPayRequest { order_no: no.clone(), notify_url: None })
        );
        assert_eq!(
            parse_command(about("AlipayQr", &no).as_bytes()).unwrap(),
            Command::AlipayQr(StateRequest { order_no: no.clone() })
        );
        assert_eq!(
            parse_command(about("WechatPayState", &no).as_bytes()).unwrap(),
            Command::WechatPayState(StateRequest { order_no: no })
        );
        let mut s = String::new();
        push_json_str(&mut s, "a\"b\\c");
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "a\"b\\c");
    }
}
