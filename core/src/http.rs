//! Provider calls as data: the core builds an [`HttpRequest`], the worker executes it and
//! hands the raw response body back to the core's parsers (sans-IO).

/// HTTP method of a provider call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET with everything in the query string (Alipay MAPI services).
    Get,
    /// POST with a body (WeChat Pay v2 XML).
    Post,
}

impl Method {
    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// A provider request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// GET or POST.
    pub method: Method,
    /// Absolute URL, query string included.
    pub url: String,
    /// `Content-Type` of the body, if any.
    pub content_type: Option<&'static str>,
    /// The body bytes (empty for GET).
    pub body: Vec<u8>,
    /// True when the provider requires the merchant's client certificate (WeChat `secapi`).
    pub needs_client_cert: bool,
    /// Further headers (WeChat Pay v3's `Authorization`, `Accept`).
    pub headers: Vec<(String, String)>,
}

impl HttpRequest {
    /// A GET of `url`.
    pub fn get(url: String) -> Self {
        Self {
            method: Method::Get,
            url,
            content_type: None,
            body: Vec::new(),
            needs_client_cert: false,
            headers: Vec::new(),
        }
    }

    /// A POST of an XML body.
    pub fn post_xml(url: String, body: String) -> Self {
        Self {
            method: Method::Post,
            url,
            content_type: Some("text/xml; charset=utf-8"),
            body: body.into_bytes(),
            needs_client_cert: false,
            headers: Vec::new(),
        }
    }

    /// A POST of a JSON body.
    pub fn post_json(url: String, body: String) -> Self {
        Self { content_type: Some("application/json"), body: body.into_bytes(), ..Self::post_xml(url, String::new()) }
    }
}

/// A provider's answer as the edge received it: status, headers and the exact body bytes
/// (WeChat Pay v3 signs the raw body and sends the signature in headers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, names as received.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Joins a configured base URL (with or without a trailing `/`) and a path.
pub fn join_url(base: &str, path: &str) -> String {
    // Plain pushes, not format!: the SDK's wasm carries no formatting machinery for this.
    let mut url = String::from(base.trim_end_matches('/'));
    url.push('/');
    url.push_str(path.trim_start_matches('/'));
    url
}

/// Checks that `url` is an absolute `http://` or `https://` URL with a host and no
/// whitespace or control characters.
pub fn is_http_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !host.contains('@') && url.len() <= 1024 && url.bytes().all(|b| b.is_ascii_graphic())
        }
        None => false,
    }
}

/// True for an `https://` URL, or an `http://` one to a loopback host (`127.x.x.x`,
/// `localhost`, `[::1]`: the local sandbox). Provider gateways and the worker's own public
/// URL must be one of these.
pub fn is_secure_or_loopback(url: &str) -> bool {
    if !is_http_url(url) {
        return false;
    }
    let Some(rest) = url.strip_prefix("http://") else { return true };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host == "::1"
        || (host.starts_with("127.")
            && host.split('.').count() == 4
            && host.split('.').all(|p| p.parse::<u8>().is_ok()))
}

/// The origin (`scheme://host[:port]`, host lowercased) of an http(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    if !is_http_url(url) {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// True when `origin` is in a comma-separated list of origins (`*` lists every origin):
/// the rule of `ALLOWED_ORIGINS` and `RETURN_URL_ORIGINS`.
pub fn origin_listed(list: &str, origin: &str) -> bool {
    list.split(',').map(str::trim).any(|o| o == "*" || o == origin)
}

/// Whether a live-state WebSocket may open from `origin`: WebSockets have no CORS, so the
/// worker refuses a browser page whose origin is not in `ALLOWED_ORIGINS` itself; a client
/// that sends no `Origin` (not a browser) is let through, as it could call `/api` anyway.
pub fn live_origin_ok(origin: Option<&str>, allowed: Option<&str>) -> bool {
    origin.is_none_or(|o| allowed.is_some_and(|list| origin_listed(list, o)))
}

/// The live-state WebSocket URL of an order on the worker at `endpoint` (an http(s) URL):
/// `ws(s)://…/live/<order_no>`.
pub fn live_url(endpoint: &str, order_no: &crate::OrderNo) -> String {
    let base = match endpoint.strip_prefix("http") {
        Some(rest) => String::from("ws") + rest,
        None => endpoint.to_owned(),
    };
    join_url(&base, &(String::from("live/") + &order_segment(order_no)))
}

/// An order number as one URL path segment (`|` and `*` percent-encoded; the other
/// order-number characters are unreserved).
pub fn order_segment(order_no: &crate::OrderNo) -> String {
    segment(order_no.as_str())
}

/// A trade or order number (order-number characters) as one URL path segment.
pub fn segment(number: &str) -> String {
    number.replace('|', "%7C").replace('*', "%2A")
}

/// The order number of a path segment written by [`order_segment`].
pub fn parse_order_segment(segment: &str) -> Option<crate::OrderNo> {
    let text = segment.replace("%7C", "|").replace("%7c", "|").replace("%2A", "*").replace("%2a", "*");
    crate::OrderNo::parse(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(join_url("http://127.0.0.1:8788/", "/pay/orderquery"), "http://127.0.0.1:8788/pay/orderquery");
        assert!(is_http_url("https://shop.example.com/done?x=1"));
        assert!(is_http_url("http://127.0.0.1:8787/result.html"));
        for bad in [
            "javascript:alert(1)",
            "//evil.com",
            "ftp://x",
            "https://",
            "https://a b",
            "https://user@evil.com",
            "data:text/html,x",
        ] {
            assert!(!is_http_url(bad), "{bad}");
            assert_eq!(origin_of(bad), None);
        }
        assert_eq!(origin_of("https://Shop.Example:8443/done?x#y").as_deref(), Some("https://shop.example:8443"));
        assert_eq!(origin_of("http://127.0.0.1:8787").as_deref(), Some("http://127.0.0.1:8787"));
        assert!(origin_listed("https://a.example, https://b.example", "https://b.example"));
        assert!(origin_listed("*", "https://any.example"));
        assert!(!origin_listed("https://a.example", "https://a.example.evil"));
        assert!(!origin_listed("", "https://a.example"));
        assert!(live_origin_ok(Some("https://a.example"), Some("https://a.example")));
        assert!(!live_origin_ok(Some("https://evil.example"), Some("https://a.example")));
        assert!(!live_origin_ok(Some("https://a.example"), None), "no list: no browser page");
        assert!(live_origin_ok(None, None), "not a browser");
        let no = crate::OrderNo::parse("a|b0001").unwrap();
        assert_eq!(live_url("https://pay.example.com/", &no), "wss://pay.example.com/live/a%7Cb0001");
        assert_eq!(live_url("http://127.0.0.1:8787/base", &no), "ws://127.0.0.1:8787/base/live/a%7Cb0001");
        let no = crate::OrderNo::parse("a|b*c-d_e1").unwrap();
        assert_eq!(order_segment(&no), "a%7Cb%2Ac-d_e1");
        assert_eq!(parse_order_segment(&order_segment(&no)), Some(no));
        assert_eq!(parse_order_segment("a%2Fb0000"), None);
    }

    #[test]
    fn gateways_are_https_or_loopback() {
        for ok in [
            "https://api.mch.weixin.qq.com",
            "http://127.0.0.1:8788",
            "http://localhost/gateway.do",
            "http://[::1]:9/x",
        ] {
            assert!(is_secure_or_loopback(ok), "{ok}");
        }
        for bad in [
            "http://api.mch.weixin.qq.com",
            "http://127.0.0.1.evil.com/",
            "http://1270.0.0.1",
            "ftp://127.0.0.1",
            "http://localhost.evil",
        ] {
            assert!(!is_secure_or_loopback(bad), "{bad}");
        }
    }
}
