//! `client.checkout()` and `client.resume()`: where the page runs, which step comes next,
//! the `Pay` of a phone or an in-app browser and its reply, and WeChat's payment sheet's
//! answer, decided here; the shell (`sdk/js/checkout.js`) does the DOM, the navigations and
//! the WeixinJSBridge I/O. Built into its own lazily loaded wasm (feature `checkout`, see
//! the crate's docs); everything is by the numbers the shell passes, and the native tests
//! check its tables against these.
//!
//! | where | WeChat Pay | Alipay |
//! |---|---|---|
//! | desktop | Native QR in the page | OpenAPI QR in the page (`AlipayQr`), else the cashier |
//! | phone browser | H5: navigate to `wechat_pay_url` | wap: navigate to `alipay_url` |
//! | in WeChat | OAuth (no token), then JSAPI through the bridge | "open in your browser" (-34) |
//! | in Alipay | "open in your browser" (-34) | wap: navigate to `alipay_url` |

use paycore::api::{Device, PayRequest, PayType};
use wasm_bindgen::prelude::*;

use crate::js::{self, codes};

/// Where the page runs (`device` of `Pay`), by number.
pub mod devices {
    /// A desktop browser (`"pc"`): QR codes.
    pub const PC: u8 = 0;
    /// A phone's browser (`"mobile"`): WeChat H5, Alipay wap.
    pub const MOBILE: u8 = 1;
    /// WeChat's in-app browser (`"wechat"`): JSAPI.
    pub const WECHAT: u8 = 2;
    /// Alipay's in-app browser (`"alipay"`): Alipay wap.
    pub const ALIPAY: u8 = 3;
    /// The names on the wire, by number.
    pub const NAMES: [&str; 4] = ["pc", "mobile", "wechat", "alipay"];
}

/// What the shell does next ([`next`]'s answer).
pub mod steps {
    /// `WechatPay`, its QR code in the container, then watch the order.
    pub const NATIVE_QR: i32 = 0;
    /// `AlipayQr`, its QR code in the container, then watch the order.
    pub const ALIPAY_QR: i32 = 1;
    /// `Pay` type 1 (desktop): navigate to Alipay's cashier.
    pub const CASHIER: i32 = 2;
    /// `Pay` type 2, `device: "mobile"`: navigate to WeChat's H5 page.
    pub const H5: i32 = 3;
    /// `Pay` type 1, `device: "mobile"`: navigate to Alipay's wap cashier.
    pub const WAP: i32 = 4;
    /// `Pay` type 1, `device: "alipay"`: navigate to Alipay's wap cashier, inside Alipay.
    pub const APP_WAP: i32 = 5;
    /// Navigate to the worker's `/oauth/wechat`, which comes back with a `paybridge_wx` token.
    pub const OAUTH: i32 = 6;
    /// `Pay` type 2, `device: "wechat"` with the token, then `getBrandWCPayRequest`.
    pub const JSAPI: i32 = 7;
    /// Show "open in your browser" and reject with -34.
    pub const GUIDE: i32 = 8;
    /// Only watch the order (it is paid, cancelled or refunded already, or a return page).
    pub const WATCH: i32 = 9;
    /// Reject with the error just reported.
    pub const FAIL: i32 = -1;
    /// `previous` of checkout's first step.
    pub const START: i32 = -1;
    /// `previous` of resume's first step.
    pub const RESUME: i32 = -2;
}

/// Where the buyer's WeChat sign-in token came from, by number.
pub mod tokens {
    /// No token.
    pub const NONE: u8 = 0;
    /// Given by the page (options), or remembered from earlier on this page: it may have
    /// expired, so a -35 sends the buyer through OAuth again.
    pub const GIVEN: u8 = 1;
    /// Just back from OAuth (`paybridge_wx` in the URL): a -35 now is not retried, so a
    /// broken sign-in cannot loop.
    pub const FRESH: u8 = 2;
}

/// API codes the steps react to.
const NOT_PAYABLE: i32 = -12;
const NOT_SUPPORTED: i32 = -28;
const WRONG_APP: i32 = -34;
const SIGN_IN_NEEDED: i32 = -35;

/// Whether `haystack` contains `needle`, ASCII case-insensitively.
fn has(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The device a User-Agent says: WeChat's browser (`MicroMessenger`), Alipay's
/// (`AlipayClient`), a phone (`Mobi`, `Android`, `iPhone`), else a desktop.
pub fn detect(user_agent: &str) -> u8 {
    let ua = user_agent.as_bytes();
    if has(ua, "MicroMessenger") {
        devices::WECHAT
    } else if has(ua, "AlipayClient") {
        devices::ALIPAY
    } else if has(ua, "Mobi") || has(ua, "Android") || has(ua, "iPhone") {
        devices::MOBILE
    } else {
        devices::PC
    }
}

/// The number of a device's name; -3 for anything else.
pub fn device_named(name: &JsValue) -> Result<u8, JsValue> {
    let name = name.as_string().unwrap_or_default();
    (0u8..)
        .zip(devices::NAMES)
        .find_map(|(n, d)| (d == name).then_some(n))
        .ok_or_else(|| crate::invalid("device must be pc, mobile, wechat or alipay"))
}

/// The `device` a step's `Pay` names (none for the desktop's, as before `device` existed).
pub fn device_of(step: i32) -> Option<Device> {
    match step {
        steps::H5 | steps::WAP => Some(Device::Mobile),
        steps::APP_WAP => Some(Device::Alipay),
        steps::JSAPI => Some(Device::Wechat),
        _ => None,
    }
}

/// A device's name on the wire (`Pay`'s `device`).
pub fn device_name(device: Device) -> &'static str {
    match device {
        Device::Pc => "pc",
        Device::Mobile => "mobile",
        Device::Wechat => "wechat",
        Device::Alipay => "alipay",
    }
}

/// The next step of a checkout: the first (`previous` [`steps::START`], or
/// [`steps::RESUME`] on the return page), or the one after `previous` failed with the
/// API's `code`.
pub fn next(device: u8, wallet: PayType, token: u8, qr: bool, previous: i32, code: i32) -> i32 {
    use steps::*;
    let wechat = wallet == PayType::Wechat;
    match previous {
        // The return page watches; only a token fresh from OAuth means the bridge is next.
        RESUME if wechat && device == devices::WECHAT && token == tokens::FRESH => JSAPI,
        RESUME => WATCH,
        START => match (device, wechat) {
            (devices::WECHAT, false) | (devices::ALIPAY, true) => GUIDE,
            (devices::WECHAT, true) if token == tokens::NONE => OAUTH,
            (devices::WECHAT, true) => JSAPI,
            (devices::MOBILE, true) => H5,
            (devices::MOBILE, false) => WAP,
            (devices::ALIPAY, false) => APP_WAP,
            (_, true) => NATIVE_QR,
            (_, false) if qr => ALIPAY_QR,
            (_, false) => CASHIER,
        },
        // Paid (or over) already: the order's state tells which.
        _ if code == NOT_PAYABLE => WATCH,
        _ if code == WRONG_APP => GUIDE,
        ALIPAY_QR if code == NOT_SUPPORTED => CASHIER,
        JSAPI if code == SIGN_IN_NEEDED && token != tokens::FRESH => OAUTH,
        _ => FAIL,
    }
}

/// [`next`] for the shell, from the call's options (`orderNo`, `wallet`, `device`,
/// `alipayQr`: checked here, so bad arguments reject before anything is shown or sent)
/// and the page's User-Agent (read when `options.device` is not given).
#[cfg_attr(feature = "checkout", wasm_bindgen(js_name = checkoutStep))]
pub fn checkout_step(options: &JsValue, user_agent: &str, token: u8, previous: i32, code: i32) -> Result<i32, JsValue> {
    crate::order_no(&js::get(options, "orderNo"))?;
    let wallet = crate::wallet_of(options)?;
    let device = match js::get(options, "device") {
        v if v.is_undefined() => detect(user_agent),
        v => device_named(&v)?,
    };
    let qr = js::get(options, "alipayQr").as_bool() != Some(false);
    let step = next(device, wallet, token, qr, previous, code);
    // WeChat's sign-in comes back to `returnUrl`; a Pay checks its own.
    if step == steps::OAUTH
        && !js::get(options, "returnUrl").as_string().is_some_and(|u| paycore::http::is_http_url(&u))
    {
        return Err(crate::invalid(
            "returnUrl (an absolute http(s) URL) is required: WeChat's sign-in comes back there",
        ));
    }
    Ok(step)
}

/// The `Pay` body of a step ([`steps::CASHIER`], [`steps::H5`], [`steps::WAP`],
/// [`steps::APP_WAP`], [`steps::JSAPI`] with `wx_token`), validated as the worker would.
#[cfg_attr(feature = "checkout", wasm_bindgen(js_name = checkoutPay))]
pub fn checkout_pay(options: &JsValue, step: i32, wx_token: Option<String>) -> Result<String, JsValue> {
    let return_url = js::get(options, "returnUrl").as_string();
    let request = PayRequest {
        order_no: crate::order_no(&js::get(options, "orderNo"))?,
        pay_type: crate::wallet_of(options)?,
        return_url,
        device: device_of(step),
        wx_token,
    };
    request.validate().map_err(|e| crate::invalid(e.msg))?;
    Ok(crate::command::pay(&request))
}

/// The parameters of `WeixinJSBridge.invoke("getBrandWCPayRequest", …)`, all strings.
const JSAPI_PARAMS: [&str; 6] = ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"];

/// What a step's `Pay` reply gives the shell: the URL to navigate to, or (JSAPI) the
/// bridge's parameters, checked to be six strings and passed on as they came. Throws the
/// API's error when `result` is not 0, a `PayError` (-31) when the field is missing.
#[cfg_attr(feature = "checkout", wasm_bindgen(js_name = checkoutRead))]
pub fn checkout_read(json: &JsValue, step: i32) -> Result<JsValue, JsValue> {
    crate::reply::check(json)?;
    let info = js::get(json, "pay_info");
    let (field, value) = match step {
        steps::JSAPI => ("wechat_jsapi", js::get(&info, "wechat_jsapi")),
        steps::H5 => ("wechat_pay_url", js::get(&info, "wechat_pay_url")),
        _ => ("alipay_url", js::get(&info, "alipay_url")),
    };
    let ok = if step == steps::JSAPI {
        JSAPI_PARAMS.iter().all(|k| js::get(&value, k).is_string())
    } else {
        // Never a `javascript:` or other scheme to navigate to (signed cashier URLs can be
        // longer than `is_http_url` allows).
        value.as_string().is_some_and(|url| url.starts_with("https://") || url.starts_with("http://"))
    };
    if !ok {
        return Err(js::error(
            codes::BAD_REPLY,
            &js::cat(&["the reply's `pay_info.", field, "` is missing or invalid"]),
        ));
    }
    Ok(value)
}

/// WeChat's payment sheet's answer (`res` of `getBrandWCPayRequest`'s callback; `undefined`
/// when `WeixinJSBridge` never came): Ok for `get_brand_wcpay_request:ok` (the order's state
/// still decides), a `PayError` -36 for `:cancel` (the order stays payable), -37 for `:fail`
/// and anything else (`err_desc` in the message).
#[cfg_attr(feature = "checkout", wasm_bindgen(js_name = bridgeAnswer))]
pub fn bridge_answer(res: &JsValue) -> Result<(), JsValue> {
    let msg = js::get(res, "err_msg").as_string().unwrap_or_default();
    if msg.ends_with(":ok") {
        return Ok(());
    }
    if msg.ends_with(":cancel") {
        return Err(js::error(codes::CANCELLED, "the buyer closed WeChat's payment sheet"));
    }
    let why = js::get(res, "err_desc").as_string().filter(|d| !d.is_empty());
    let why = match (why, msg.is_empty()) {
        (Some(desc), _) => desc,
        (None, false) => msg,
        (None, true) => "WeixinJSBridge is not available (this page is not open in WeChat)".to_owned(),
    };
    Err(js::error(codes::BRIDGE_FAILED, &js::cat(&["WeChat's payment sheet failed: ", &why])))
}

#[cfg(test)]
mod tests {
    use paycore::api::{Command, ResultCode, parse_command};
    use paycore::order_no::OrderNo;

    use super::*;
    use steps::*;

    const IPHONE_WECHAT: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323a) NetType/WIFI Language/zh_CN";
    const ANDROID_WECHAT: &str = "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20240404 MMWEBID/6293 MicroMessenger/8.0.49.2600(0x2800313D) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";
    const WINDOWS_WECHAT: &str = "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090a13)";
    const IPHONE_ALIPAY: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.6.0.6000) Nebula WK RVKType(1) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.6.0.6000 Language/zh-Hans Region/CN";
    const ANDROID_ALIPAY: &str = "Mozilla/5.0 (Linux; U; Android 12; zh-CN; M2012K11AC Build/SKQ1.211006.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.59 Mobile Safari/537.36 AliApp(AP/10.5.36.8000) AlipayClient/10.5.36.8000 Language/zh-Hans useStatusBar/true isConcaveScreen/true Region/CNAriver/1.0.0";
    const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const ANDROID_CHROME: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
    const ANDROID_TABLET: &str = "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
    const DESKTOP_CHROME: &str =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
    const MAC_SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

    #[test]
    fn user_agents_name_their_device() {
        for (ua, device) in [
            (IPHONE_WECHAT, devices::WECHAT),
            (ANDROID_WECHAT, devices::WECHAT),
            (WINDOWS_WECHAT, devices::WECHAT),
            (IPHONE_ALIPAY, devices::ALIPAY),
            (ANDROID_ALIPAY, devices::ALIPAY),
            (IPHONE_SAFARI, devices::MOBILE),
            (ANDROID_CHROME, devices::MOBILE),
            (ANDROID_TABLET, devices::MOBILE),
            (DESKTOP_CHROME, devices::PC),
            // iPadOS Safari says Macintosh: a desktop, where a QR code is right too.
            (MAC_SAFARI, devices::PC),
            ("", devices::PC),
            ("micromessenger/8.0.1 mobi", devices::WECHAT),
            ("ALIPAYCLIENT/10.1 Android", devices::ALIPAY),
        ] {
            assert_eq!(detect(ua), device, "{ua}");
        }
        assert!(!has(b"Mob", "Mobi"));
        assert!(has(b"xMOBIx", "Mobi"));
    }

    #[test]
    fn the_first_step_follows_device_and_wallet() {
        use PayType::{Alipay, Wechat};
        let first = |device, wallet, token, qr| next(device, wallet, token, qr, START, 0);
        for token in [tokens::NONE, tokens::GIVEN, tokens::FRESH] {
            for qr in [true, false] {
                assert_eq!(first(devices::PC, Wechat, token, qr), NATIVE_QR);
                assert_eq!(first(devices::MOBILE, Wechat, token, qr), H5);
                assert_eq!(first(devices::MOBILE, Alipay, token, qr), WAP);
                assert_eq!(first(devices::ALIPAY, Alipay, token, qr), APP_WAP);
                // The wrong wallet for the app: the guide, whatever else is known.
                assert_eq!(first(devices::WECHAT, Alipay, token, qr), GUIDE);
                assert_eq!(first(devices::ALIPAY, Wechat, token, qr), GUIDE);
            }
        }
        assert_eq!(first(devices::PC, Alipay, tokens::NONE, true), ALIPAY_QR);
        assert_eq!(first(devices::PC, Alipay, tokens::NONE, false), CASHIER);
        assert_eq!(first(devices::WECHAT, Wechat, tokens::NONE, true), OAUTH);
        assert_eq!(first(devices::WECHAT, Wechat, tokens::GIVEN, true), JSAPI);
        assert_eq!(first(devices::WECHAT, Wechat, tokens::FRESH, true), JSAPI);
    }

    #[test]
    fn resume_watches_unless_back_from_oauth() {
        use PayType::{Alipay, Wechat};
        for device in [devices::PC, devices::MOBILE, devices::WECHAT, devices::ALIPAY] {
            for wallet in [Alipay, Wechat] {
                for token in [tokens::NONE, tokens::GIVEN, tokens::FRESH] {
                    let want = if device == devices::WECHAT && wallet == Wechat && token == tokens::FRESH {
                        JSAPI
                    } else {
                        WATCH
                    };
                    assert_eq!(next(device, wallet, token, true, RESUME, 0), want);
                }
            }
        }
    }

    #[test]
    fn errors_lead_to_the_next_step_or_fail() {
        use PayType::{Alipay, Wechat};
        let after = |device, wallet, token, previous, code| next(device, wallet, token, true, previous, code);
        // OpenAPI is not there: the cashier instead.
        assert_eq!(after(devices::PC, Alipay, tokens::NONE, ALIPAY_QR, NOT_SUPPORTED), CASHIER);
        assert_eq!(after(devices::PC, Wechat, tokens::NONE, NATIVE_QR, NOT_SUPPORTED), FAIL);
        // An old token: sign in again; a fresh one that fails: stop (no loop).
        assert_eq!(after(devices::WECHAT, Wechat, tokens::GIVEN, JSAPI, SIGN_IN_NEEDED), OAUTH);
        assert_eq!(after(devices::WECHAT, Wechat, tokens::FRESH, JSAPI, SIGN_IN_NEEDED), FAIL);
        for previous in [NATIVE_QR, ALIPAY_QR, CASHIER, H5, WAP, APP_WAP, JSAPI] {
            // Paid, cancelled or refunded already: the order's state says which.
            assert_eq!(after(devices::MOBILE, Wechat, tokens::NONE, previous, NOT_PAYABLE), WATCH);
            // The worker knows the app is wrong: the guide.
            assert_eq!(after(devices::MOBILE, Wechat, tokens::NONE, previous, WRONG_APP), GUIDE);
            for code in [-3, -10, -13, -15, -19, -21, -22, -29, -30, -31, -32, -36, -37] {
                assert_eq!(after(devices::WECHAT, Wechat, tokens::GIVEN, previous, code), FAIL, "{previous} {code}");
            }
        }
    }

    #[test]
    fn devices_are_the_apis() {
        for (name, device) in
            devices::NAMES.into_iter().zip([Device::Pc, Device::Mobile, Device::Wechat, Device::Alipay])
        {
            assert_eq!(serde_json::to_value(device).unwrap(), name);
            assert_eq!(device_name(device), name);
        }
        assert_eq!(
            [NATIVE_QR, ALIPAY_QR, CASHIER, H5, WAP, APP_WAP, OAUTH, JSAPI, GUIDE, WATCH].map(device_of),
            [
                None,
                None,
                None,
                Some(Device::Mobile),
                Some(Device::Mobile),
                Some(Device::Alipay),
                None,
                Some(Device::Wechat),
                None,
                None
            ]
        );
    }

    #[test]
    fn the_guide_is_where_the_worker_refuses_the_app() {
        // The worker's rule (paycore::checkout::way): the page shows the guide without asking.
        for (n, device) in [Device::Pc, Device::Mobile, Device::Wechat, Device::Alipay].into_iter().enumerate() {
            for wallet in [PayType::Alipay, PayType::Wechat] {
                let refused = paycore::checkout::way(wallet, device).is_err_and(|e| e.code == ResultCode::WrongApp);
                let guide = next(u8::try_from(n).unwrap(), wallet, tokens::GIVEN, true, START, 0) == GUIDE;
                assert_eq!(guide, refused, "{device:?} {wallet:?}");
            }
        }
    }

    #[test]
    fn each_steps_pay_is_the_workers_pay() {
        let no = OrderNo::parse("order_0001").unwrap();
        for (step, pay_type) in [
            (CASHIER, PayType::Alipay),
            (H5, PayType::Wechat),
            (WAP, PayType::Alipay),
            (APP_WAP, PayType::Alipay),
            (JSAPI, PayType::Wechat),
        ] {
            let wx_token = (step == JSAPI).then(|| "abc123XYZ".to_owned());
            let request = PayRequest {
                order_no: no.clone(),
                pay_type,
                return_url: Some("https://shop.example/done?order=1".into()),
                device: device_of(step),
                wx_token,
            };
            assert_eq!(parse_command(crate::command::pay(&request).as_bytes()).unwrap(), Command::Pay(request));
        }
    }

    #[test]
    fn the_codes_are_the_apis() {
        for (code, want) in [
            (NOT_PAYABLE, ResultCode::OrderNotPayable),
            (NOT_SUPPORTED, ResultCode::NotSupported),
            (WRONG_APP, ResultCode::WrongApp),
            (SIGN_IN_NEEDED, ResultCode::WechatSignInNeeded),
        ] {
            assert_eq!(code, want.code());
        }
        // The SDK's own codes are no API code.
        for own in [
            codes::INVALID_ARGUMENT,
            codes::EXPIRED,
            codes::NETWORK,
            codes::BAD_REPLY,
            codes::ABORTED,
            codes::CANCELLED,
            codes::BRIDGE_FAILED,
        ] {
            let api = ResultCode::ALL.iter().any(|c| c.code() == own);
            assert_eq!(api, own == -3 || own == -13, "{own}");
        }
    }

    /// `const NAME = value;` of the checkout shell.
    fn shell_const(name: &str) -> i32 {
        let shell = include_str!("../js/checkout.js");
        let needle = format!("const {name} = ");
        let at = shell.find(&needle).unwrap_or_else(|| panic!("checkout.js has no {name}")) + needle.len();
        shell[at..].split(';').next().unwrap().trim().parse().unwrap()
    }

    #[test]
    fn the_shells_tables_are_the_rusts() {
        for (name, value) in [
            ("NATIVE_QR", NATIVE_QR),
            ("ALIPAY_QR", ALIPAY_QR),
            ("CASHIER", CASHIER),
            ("H5", H5),
            ("WAP", WAP),
            ("APP_WAP", APP_WAP),
            ("OAUTH", OAUTH),
            ("JSAPI", JSAPI),
            ("GUIDE", GUIDE),
            ("WATCH", WATCH),
            ("FAIL", FAIL),
            ("START", START),
            ("RESUME", RESUME),
            ("NO_TOKEN", tokens::NONE.into()),
            ("GIVEN_TOKEN", tokens::GIVEN.into()),
            ("FRESH_TOKEN", tokens::FRESH.into()),
            ("WRONG_APP", WRONG_APP),
            ("NOT_PAYABLE", NOT_PAYABLE),
        ] {
            assert_eq!(shell_const(name), value, "{name}");
        }
    }
}
