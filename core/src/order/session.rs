//! Payment sessions: each way a buyer was offered to pay (a QR code, a cashier page) and
//! the provider trade behind it. The object checks and closes every trade an order
//! started, and accepts a provider's message only about one of them.

use serde::{Deserialize, Serialize};

use super::{Order, Provider};

/// How a session lets the buyer pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A QR code scanned with the wallet's app (WeChat Native `code_url`, Alipay
    /// `precreate` `qr_code`).
    Qr,
    /// Alipay's desktop cashier page (MAPI `create_direct_pay_by_user`, OpenAPI `page.pay`).
    Cashier,
    /// A phone's browser: WeChat H5 (`MWEB`, v3 `h5`), Alipay wap (MAPI
    /// `alipay.wap.create.direct.pay.by.user`, OpenAPI `alipay.trade.wap.pay`).
    Wap,
    /// Inside WeChat: JSAPI for a payer known by OAuth.
    Jsapi,
}

/// One payment session and the provider trade it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The wallet.
    pub provider: Provider,
    /// How the buyer pays in it.
    pub channel: Channel,
    /// The number the provider knows the trade by (`out_trade_no`).
    pub trade_no: String,
    /// When it started (Unix seconds).
    pub started_at: i64,
    /// The code handed out (`code_url`, `qr_code`), when the provider made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// WeChat's `prepay_id`, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepay_id: Option<String>,
    /// The provider reported the trade closed: it takes no more money.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
    /// WeChat H5: the buyer's IP the link is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// WeChat JSAPI: the payer (a row of the order's object holding the openid) the
    /// prepay is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
}

impl Session {
    /// A new session of `trade_no`.
    pub fn new(provider: Provider, channel: Channel, trade_no: &str, started_at: i64) -> Self {
        Self {
            provider,
            channel,
            trade_no: trade_no.to_owned(),
            started_at,
            code: None,
            prepay_id: None,
            closed: false,
            client_ip: None,
            payer: None,
        }
    }
}

/// A trade of the order at one provider (sessions may share one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeRef {
    /// The wallet.
    pub provider: Provider,
    /// `out_trade_no`.
    pub trade_no: String,
}

impl Order {
    /// The latest session of `provider` through `channel`.
    pub fn session(&self, provider: Provider, channel: Channel) -> Option<&Session> {
        self.sessions.iter().rev().find(|s| s.provider == provider && s.channel == channel)
    }

    /// The first session stored for the trade `trade_no` of `provider` through `channel`
    /// (two pages asking at once both hand out the one stored first).
    pub fn session_of(&self, provider: Provider, channel: Channel, trade_no: &str) -> Option<&Session> {
        self.sessions.iter().find(|s| s.provider == provider && s.channel == channel && s.trade_no == trade_no)
    }

    /// Every trade the order started, once each, oldest first; `open_only` leaves out
    /// those the provider reported closed.
    pub fn trades(&self, open_only: bool) -> Vec<TradeRef> {
        let mut trades: Vec<TradeRef> = Vec::new();
        for s in &self.sessions {
            let seen = trades.iter().any(|t| t.provider == s.provider && t.trade_no == s.trade_no);
            let closed = self.sessions.iter().any(|o| o.provider == s.provider && o.trade_no == s.trade_no && o.closed);
            if !(seen || open_only && closed) {
                trades.push(TradeRef { provider: s.provider, trade_no: s.trade_no.clone() });
            }
        }
        trades
    }

    /// True when `trade_no` at `provider` is one of the order's trades. The order number
    /// itself always is: it is the desktop trades' number.
    pub fn has_trade(&self, provider: Provider, trade_no: &str) -> bool {
        trade_no == self.order_no.as_str()
            || self.sessions.iter().any(|s| s.provider == provider && s.trade_no == trade_no)
    }

    /// When the first session started, if any did.
    pub fn first_session_at(&self) -> Option<i64> {
        self.sessions.iter().map(|s| s.started_at).min()
    }

    /// Rewrites a record stored before sessions were a list (and payments named their
    /// trade) in today's shape; records already in it are left as they are.
    pub fn upgrade(&mut self) {
        let order_no = self.order_no.as_str().to_owned();
        if let Some(wx) = self.legacy_wechat.take() {
            let mut s = Session::new(Provider::Wechat, Channel::Qr, &order_no, wx.created_at);
            s.code = Some(wx.code_url);
            s.prepay_id = Some(wx.prepay_id).filter(|p| !p.is_empty());
            self.sessions.push(s);
        }
        if let Some(ali) = self.legacy_alipay.take() {
            self.sessions.push(Session::new(Provider::Alipay, Channel::Cashier, &order_no, ali.issued_at));
            if let Some(qr) = ali.qr_code {
                let mut s = Session::new(Provider::Alipay, Channel::Qr, &order_no, ali.issued_at);
                s.code = Some(qr);
                self.sessions.push(s);
            }
        }
        for p in self.payment.iter_mut().chain(self.extra_payments.iter_mut()) {
            if p.trade_no.is_empty() {
                p.trade_no.clone_from(&order_no);
            }
        }
    }
}

/// The WeChat session of a record written before `sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(super) struct LegacyWechat {
    code_url: String,
    #[serde(default)]
    prepay_id: String,
    created_at: i64,
}

/// The Alipay session of a record written before `sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(super) struct LegacyAlipay {
    issued_at: i64,
    #[serde(default)]
    qr_code: Option<String>,
}
