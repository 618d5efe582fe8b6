//! The SDK in a JavaScript engine: Node (`wasm-pack test --node`) and headless Chromium
//! (`WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome`). The network is a
//! scripted `fetch` passed through `ClientOptions.fetch`; the real worker is exercised by
//! the browser end-to-end suite.

use js_sys::{Array, Function, Object, Promise, Reflect};
use paysdk::{PayClient, mount_qr, render_qr};
use tsify::Ts;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// A fetch that answers with the given JSON bodies in turn and records every call in
/// `globalThis.__calls` (with the number in flight at the time).
fn scripted_fetch(replies: &[&str]) -> Function {
    let replies = Array::from_iter(replies.iter().map(|r| JsValue::from_str(r)));
    Reflect::set(&js_sys::global(), &"__replies".into(), &replies).unwrap();
    Reflect::set(&js_sys::global(), &"__calls".into(), &Array::new()).unwrap();
    Reflect::set(&js_sys::global(), &"__inflight".into(), &0.into()).unwrap();
    Function::new_with_args(
        "url, init",
        "globalThis.__inflight++; globalThis.__calls.push({url, body: init.body, inflight: globalThis.__inflight});
         const body = globalThis.__replies.length > 1 ? globalThis.__replies.shift() : globalThis.__replies[0];
         return new Promise(r => setTimeout(r, 5)).then(() => { globalThis.__inflight--; return new Response(body, {status: 200}); });",
    )
}

fn failing_fetch() -> Function {
    Function::new_with_args("url, init", "return Promise.reject(new TypeError('Failed to fetch'))")
}

fn calls() -> Array {
    Reflect::get(&js_sys::global(), &"__calls".into()).unwrap().unchecked_into()
}

fn client(fetch: &Function) -> PayClient {
    let o = Object::new();
    Reflect::set(&o, &"endpoint".into(), &"https://pay.example.com/".into()).unwrap();
    Reflect::set(&o, &"fetch".into(), fetch).unwrap();
    PayClient::new(o.unchecked_into()).unwrap()
}

fn obj(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn ts<T: tsify::Tsify>(json: &str) -> Ts<T> {
    Ts::new_unchecked(obj(json))
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

fn code_of(e: &JsValue) -> i32 {
    get(e, "code").as_f64().unwrap() as i32
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn future_seconds(s: i64) -> i64 {
    now_ms() / 1000 + s
}

#[wasm_bindgen_test]
fn constructor_rejects_bad_endpoints() {
    for bad in ["", "ftp://x", "/relative", "javascript:alert(1)"] {
        let o = Object::new();
        Reflect::set(&o, &"endpoint".into(), &bad.into()).unwrap();
        let err = PayClient::new(o.unchecked_into()).err().expect("rejected");
        assert_eq!(code_of(&err), -3);
    }
    let c = client(&scripted_fetch(&["{}"]));
    assert_eq!(c.api_url(), "https://pay.example.com/api");
}

#[wasm_bindgen_test]
async fn pay_maps_both_wallets() {
    let fetch = scripted_fetch(&[
        r#"{"result":0,"msg":"","pay_info":{"alipay_url":"https://mapi.alipay.com/gateway.do?x=1"}}"#,
        r#"{"result":0,"msg":"","pay_info":{"wechat_pay_url":"weixin://wxpay/bizpayurl?pr=abc"}}"#,
    ]);
    let c = client(&fetch);
    let a: JsValue =
        c.pay(ts(r#"{"orderNo":"order_0001","type":1,"returnUrl":"https://shop.example/done"}"#)).await.unwrap().into();
    assert_eq!(get(&a, "alipayUrl").as_string().unwrap(), "https://mapi.alipay.com/gateway.do?x=1");
    assert!(get(&a, "wechatPayUrl").is_undefined());
    let w: JsValue = c.pay(ts(r#"{"orderNo":"order_0001","type":2}"#)).await.unwrap().into();
    assert_eq!(get(&w, "wechatPayUrl").as_string().unwrap(), "weixin://wxpay/bizpayurl?pr=abc");
    let sent = calls();
    assert_eq!(sent.length(), 2);
    let body = obj(&get(&sent.get(0), "body").as_string().unwrap());
    assert_eq!(
        js_sys::JSON::stringify(&body).unwrap(),
        r#"{"cmd":"Pay","order_no":"order_0001","type":1,"return_url":"https://shop.example/done"}"#
    );
    assert_eq!(get(&sent.get(0), "url").as_string().unwrap(), "https://pay.example.com/api");
}

#[wasm_bindgen_test]
async fn bad_arguments_fail_fast_without_a_request() {
    let fetch = scripted_fetch(&["{}"]);
    let c = client(&fetch);
    for bad in [
        r#"{"orderNo":"short","type":2}"#,
        r#"{"orderNo":"订单一二三四五六","type":2}"#,
        r#"{"orderNo":"order_0001","type":3}"#,
        r#"{"orderNo":"order_0001","type":1}"#,
        r#"{"orderNo":"order_0001","type":1,"returnUrl":"javascript:alert(1)"}"#,
        r#"{"orderNo":"order_0001","type":"2"}"#,
        r#"{"type":2}"#,
    ] {
        let err = c.pay(ts(bad)).await.expect_err(bad);
        assert_eq!(code_of(&err), -3, "{bad}");
        assert_eq!(get(&err, "name").as_string().unwrap(), "PayError");
    }
    assert_eq!(code_of(&c.wechat_pay(ts(r#"{"orderNo":"x"}"#)).await.err().unwrap()), -3);
    assert_eq!(code_of(&c.get_state("a/b".into()).await.err().unwrap()), -3);
    assert_eq!(calls().length(), 0);
}

#[wasm_bindgen_test]
async fn api_errors_reject_with_their_code_and_message() {
    let c = client(&scripted_fetch(&[r#"{"result":-10,"msg":"no order with this order_no"}"#]));
    let err = c.wechat_pay(ts(r#"{"orderNo":"order_0404"}"#)).await.err().unwrap();
    assert_eq!(code_of(&err), -10);
    assert_eq!(get(&err, "message").as_string().unwrap(), "no order with this order_no");
    assert!(err.is_instance_of::<js_sys::Error>());

    let offline = client(&failing_fetch());
    assert_eq!(code_of(&offline.get_state("order_0001".into()).await.err().unwrap()), -30);
    let html = client(&scripted_fetch(&["<html>502 Bad Gateway</html>"]));
    assert_eq!(code_of(&html.get_state("order_0001".into()).await.err().unwrap()), -31);
}

#[wasm_bindgen_test]
async fn wechat_pay_gives_expiry_in_milliseconds() {
    let c = client(&scripted_fetch(&[
        r#"{"result":0,"msg":"","code_url":"weixin://wxpay/bizpayurl?pr=D7TOzCi","expires_at":1700000000}"#,
    ]));
    let r: JsValue = c.wechat_pay(ts(r#"{"orderNo":"order_0001"}"#)).await.unwrap().into();
    assert_eq!(get(&r, "codeUrl").as_string().unwrap(), "weixin://wxpay/bizpayurl?pr=D7TOzCi");
    assert_eq!(get(&r, "expiresAt").as_f64().unwrap(), 1_700_000_000_000.0);
}

#[wasm_bindgen_test]
async fn poll_resolves_on_paid_with_one_request_in_flight() {
    let exp = future_seconds(600);
    let waiting = format!(
        r#"{{"result":0,"msg":"","order_no":"order_0001","pay_state":0,"pay_state_desc":"等待支付","expires_at":{exp}}}"#
    );
    let paid = format!(
        r#"{{"result":0,"msg":"","order_no":"order_0001","pay_state":1,"pay_state_desc":"已支付","expires_at":{exp}}}"#
    );
    let c = client(&scripted_fetch(&[&waiting, &paid]));
    let updates = Array::new();
    let on_update = Closure::<dyn Fn(JsValue)>::new({
        let updates = updates.clone();
        move |s: JsValue| {
            updates.push(&get(&s, "state"));
        }
    });
    let opts = Object::new();
    Reflect::set(&opts, &"onUpdate".into(), on_update.as_ref()).unwrap();
    let t0 = now_ms();
    let done: JsValue = c.poll_state("order_0001".into(), Some(opts.unchecked_into())).await.unwrap().into();
    let elapsed = now_ms() - t0;
    assert_eq!(get(&done, "state").as_string().unwrap(), "paid");
    assert_eq!(get(&done, "payState").as_f64().unwrap(), 1.0);
    assert_eq!(get(&done, "description").as_string().unwrap(), "已支付");
    assert_eq!(updates.join(",").as_string().unwrap(), "waiting,paid");
    assert!((1900..4000).contains(&elapsed), "second poll after the 2 s interval, took {elapsed} ms");
    let sent = calls();
    assert_eq!(sent.length(), 2);
    for call in sent.iter() {
        assert_eq!(get(&call, "inflight").as_f64().unwrap(), 1.0);
    }
}

#[wasm_bindgen_test]
async fn poll_rejects_on_abort_and_on_expiry() {
    let exp = future_seconds(600);
    let waiting = format!(
        r#"{{"result":0,"msg":"","order_no":"order_0001","pay_state":0,"pay_state_desc":"等待支付","expires_at":{exp}}}"#
    );
    let c = client(&scripted_fetch(&[&waiting]));
    let controller: JsValue = js_sys::eval("new AbortController()").unwrap();
    let signal = get(&controller, "signal");
    let abort: Function = get(&controller, "abort").unchecked_into();
    let opts = Object::new();
    Reflect::set(&opts, &"signal".into(), &signal).unwrap();
    let poll = c.poll_state("order_0001".into(), Some(opts.unchecked_into()));
    let abort_later = Promise::new(&mut |resolve, _| {
        let cb = Closure::once_into_js({
            let abort = abort.clone();
            let controller = controller.clone();
            move || {
                abort.call0(&controller).unwrap();
                resolve.call0(&JsValue::UNDEFINED).unwrap();
            }
        });
        js_sys::eval("globalThis").unwrap();
        let set_timeout: Function = get(&js_sys::global(), "setTimeout").unchecked_into();
        set_timeout.call2(&JsValue::UNDEFINED, &cb, &300.into()).unwrap();
    });
    let t0 = now_ms();
    let (result, _) = futures_join(poll, JsFuture::from(abort_later)).await;
    let err = result.expect_err("aborted");
    assert_eq!(code_of(&err), -32);
    assert_eq!(get(&err, "name").as_string().unwrap(), "AbortError");
    assert!(now_ms() - t0 < 1500, "abort ends the wait at once");

    let past = future_seconds(-120);
    let expired = format!(
        r#"{{"result":0,"msg":"","order_no":"order_0001","pay_state":0,"pay_state_desc":"等待支付","expires_at":{past}}}"#
    );
    let c = client(&scripted_fetch(&[&expired]));
    let err = c.poll_state("order_0001".into(), None).await.err().unwrap();
    assert_eq!(code_of(&err), -13);
}

async fn futures_join<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
    let b = std::pin::pin!(b);
    let a_out = a.await;
    (a_out, b.await)
}

#[wasm_bindgen_test]
fn render_qr_draws_svg_and_checks_options() {
    let svg = render_qr("weixin://wxpay/bizpayurl?pr=D7TOzCi", Some(ts(r#"{"size":240}"#))).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 37 37\" width=\"240\""), "{svg}");
    assert!(svg.ends_with("\"/></svg>"));
    assert_eq!(code_of(&render_qr("x", Some(ts(r#"{"dark":"\"><script>"}"#))).err().unwrap()), -3);
    assert_eq!(code_of(&render_qr(&"x".repeat(3000), None).err().unwrap()), -3);
    let el = Object::new();
    let mounted: JsValue = mount_qr(el.clone().unchecked_into(), "hello", None).unwrap().into();
    assert!(get(&mounted, "innerHTML").as_string().unwrap().starts_with("<svg"));
}
