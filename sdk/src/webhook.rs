//! `verifyWebhook` for the merchant's backend (the Node build of the package, feature
//! `webhook`): the same `paycore::webhook::verify` the worker's tests and `paysign` use,
//! over the exact raw body.

use paycore::webhook::{self, WebhookError};
use wasm_bindgen::prelude::*;

use crate::js;

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
/** A verified paybridge webhook event. `data` is the order as `QueryOrder` shows it (for
 * `reconciliation.*`: the report, or the finding). */
export interface WebhookEvent {
  id: string;
  type:
    | "order.paid"
    | "order.cancelled"
    | "order.refund_succeeded"
    | "order.refund_failed"
    | "order.refund_abnormal"
    | "order.refund_overdue"
    | "order.refunded"
    | "order.extra_payment"
    | "reconciliation.completed"
    | "reconciliation.discrepancy"
    | (string & {});
  created_at: number;
  /** The order's number; null for a reconciliation event about no one order. */
  order_no: string | null;
  data: Record<string, unknown>;
}
/** Options of `verifyWebhook`. */
export interface VerifyWebhookOptions {
  /** Largest accepted distance between the signature's `t` and now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** The receiver's clock in Unix seconds (default: now). */
  now?: number;
}
"#;

fn webhook_error(e: &WebhookError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("WebhookVerificationError");
    let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

fn bytes_of(raw: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = raw.as_string() {
        return Ok(text.into_bytes());
    }
    if raw.is_instance_of::<js_sys::Uint8Array>() {
        return Ok(js_sys::Uint8Array::new(raw).to_vec());
    }
    if raw.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(raw).to_vec());
    }
    Err(js::error(
        js::codes::INVALID_ARGUMENT,
        "rawBody must be the request's raw body: a string, Buffer or Uint8Array",
    ))
}

/// `verifyWebhook(rawBody, signatureHeader, secret, { toleranceSeconds?, now? })`: checks the
/// `Paybridge-Signature` header over the exact raw body and returns the parsed event, or
/// throws a `WebhookVerificationError` whose `code` is `missing_header`,
/// `malformed_header`, `stale_timestamp`, `signature_mismatch` or `malformed_body`.
#[wasm_bindgen(js_name = verifyWebhook, unchecked_return_type = "WebhookEvent")]
pub fn verify_webhook(
    #[wasm_bindgen(js_name = rawBody, unchecked_param_type = "string | Uint8Array")] raw_body: JsValue,
    #[wasm_bindgen(js_name = signatureHeader)] signature_header: Option<String>,
    secret: &str,
    #[wasm_bindgen(unchecked_param_type = "VerifyWebhookOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let body = bytes_of(&raw_body)?;
    let number = |name| js::get(&options, name).as_f64();
    let tolerance = number("toleranceSeconds").map_or(webhook::TOLERANCE_SECS, |t| t as i64);
    let now = number("now").map_or((js_sys::Date::now() as u64 / 1000) as i64, |n| n as i64);
    webhook::verify(&body, signature_header.as_deref(), secret, tolerance, now).map_err(|e| webhook_error(&e))?;
    // Verified: hand back the body as the JS object it is.
    js_sys::JSON::parse(&String::from_utf8_lossy(&body))
}
