//! How the SDK's `pollState` follows an order, decided here so the SDK's JavaScript shell
//! only does I/O and timers: a [`Watcher`] is told what happened (a state arrived over the
//! live socket or a poll, a poll failed, the socket opened or dropped, a timer fired) and
//! answers what to do next.
//!
//! - **Live first**: while the order's WebSocket is open nothing is polled; a timer wakes
//!   every [`HEARTBEAT_MS`] to send `ping` (a socket with no answer since the last ping is
//!   dead: mobile networks drop them silently) and at expiry.
//! - **Polling** when the socket cannot open or drops: every 2 s, every 10 s after the
//!   first minute (Adyen Web's cadence), one request in flight; the socket is retried with
//!   backoff meanwhile and polling stops when it is back.
//! - **Expiry by the server's clock**: each state carries `server_time`, so a page whose
//!   clock is wrong neither gives up early nor waits forever; failures keep the known
//!   expiry.
//! - **Errors**: network, unreadable replies and the provider/storage codes (-15 to -18)
//!   are retried; a missing setting (-19) or an internal error (-20) at most
//!   [`MAX_SERVER_FAILURES`] times in a row; anything else (unknown order, invalid
//!   argument) fails at once.

/// Poll interval during the first minute.
pub const FAST_INTERVAL_MS: u64 = 2_000;
/// Poll interval after the first minute.
pub const SLOW_INTERVAL_MS: u64 = 10_000;
/// When the cadence slows down.
pub const SLOWDOWN_AFTER_MS: u64 = 60_000;
/// Grace after the server's expiry before the client gives up: a notify for a payment
/// made in the last seconds may still be on its way.
pub const EXPIRY_GRACE_MS: u64 = 30_000;
/// While live, how often the page pings the socket (and checks it was answered).
pub const HEARTBEAT_MS: u64 = 25_000;
/// Delays before reconnecting the socket after it dropped (the last one repeats).
pub const RECONNECT_DELAYS_MS: [u64; 5] = [1_000, 2_000, 5_000, 10_000, 30_000];
/// Connection attempts in a row that never opened before the page stops trying live
/// (WebSockets blocked by a proxy): polling carries on alone.
pub const MAX_FAILED_CONNECTS: u32 = 4;
/// Consecutive -19/-20 replies before polling gives up.
pub const MAX_SERVER_FAILURES: u32 = 3;

/// Client-side error codes (no API reply carried them).
pub mod codes {
    /// `fetch` failed (offline, DNS, CORS).
    pub const NETWORK: i32 = -30;
    /// The reply was not the API's JSON.
    pub const BAD_REPLY: i32 = -31;
    /// The caller's `AbortSignal` fired.
    pub const ABORTED: i32 = -32;
}

/// Delay before the next poll, given the time since polling started.
pub fn next_delay_ms(elapsed_ms: u64) -> u64 {
    if elapsed_ms < SLOWDOWN_AFTER_MS { FAST_INTERVAL_MS } else { SLOW_INTERVAL_MS }
}

/// What the shell does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The order reached a final state: resolve with it.
    Done,
    /// Past the order's expiry (plus grace) by the server's clock and still waiting: reject -13.
    Expired,
    /// Reject with the error just reported.
    Fail,
    /// Polling: poll again after this many ms. Live: wake after this many ms (a heartbeat
    /// or the expiry).
    Wait(u64),
    /// Live, and the last ping was not answered: drop the socket (then report it closed).
    Reconnect,
}

/// How the watcher currently hears about the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The order's WebSocket is open.
    Live,
    /// Polling `WechatPayState`.
    Polling,
}

/// One `pollState` call's memory.
#[derive(Debug, Clone)]
pub struct Watcher {
    started_ms: u64,
    transport: Transport,
    pay_state: Option<u8>,
    /// The order's expiry in the server's clock (ms).
    expires_at_ms: Option<u64>,
    /// Server clock minus local clock (ms), from the last state that carried it.
    offset_ms: i64,
    server_failures: u32,
    failed_connects: u32,
    reconnects: usize,
    /// Live: something was heard since the last ping.
    heard: bool,
}

impl Watcher {
    /// A watcher starting at `now_ms` (local clock), polling until a socket opens.
    pub fn new(now_ms: u64) -> Self {
        Self {
            started_ms: now_ms,
            transport: Transport::Polling,
            pay_state: None,
            expires_at_ms: None,
            offset_ms: 0,
            server_failures: 0,
            failed_connects: 0,
            reconnects: 0,
            heard: true,
        }
    }

    /// The current transport.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The server's clock now, estimated from the local one.
    fn server_now(&self, now_ms: u64) -> u64 {
        now_ms.saturating_add_signed(self.offset_ms)
    }

    /// Ms left until expiry plus grace (server clock); `None` when unknown.
    fn until_expiry(&self, now_ms: u64) -> Option<u64> {
        self.expires_at_ms.map(|e| (e + EXPIRY_GRACE_MS).saturating_sub(self.server_now(now_ms)))
    }

    fn wait_or_expire(&self, delay: u64, now_ms: u64) -> Next {
        if self.pay_state.is_some_and(|s| s != 0) {
            return Next::Done;
        }
        match self.until_expiry(now_ms) {
            Some(0) => Next::Expired,
            Some(left) => Next::Wait(delay.min(left)),
            None => Next::Wait(delay),
        }
    }

    fn delay(&self, now_ms: u64) -> u64 {
        match self.transport {
            Transport::Live => HEARTBEAT_MS,
            Transport::Polling => next_delay_ms(now_ms.saturating_sub(self.started_ms)),
        }
    }

    /// A state arrived (`expires_at` and `server_time` in Unix seconds, `server_time` 0
    /// when absent). Returns whether it is new to the page, and what to do next.
    pub fn on_state(&mut self, pay_state: u8, expires_at: i64, server_time: i64, now_ms: u64) -> (bool, Next) {
        let changed = self.pay_state != Some(pay_state);
        self.pay_state = Some(pay_state);
        self.server_failures = 0;
        self.heard = true;
        if let Ok(e) = u64::try_from(expires_at) {
            self.expires_at_ms = Some(e.saturating_mul(1000));
        }
        if let Ok(t) = u64::try_from(server_time)
            && t > 0
        {
            let server_ms = i64::try_from(t.saturating_mul(1000)).unwrap_or(i64::MAX);
            self.offset_ms = server_ms.saturating_sub(i64::try_from(now_ms).unwrap_or(i64::MAX));
        }
        (changed, self.wait_or_expire(self.delay(now_ms), now_ms))
    }

    /// A poll failed with `code` (the API's `result` or a client code).
    pub fn on_error(&mut self, code: i32, now_ms: u64) -> Next {
        let retry = match code {
            codes::NETWORK | codes::BAD_REPLY | -18..=-15 => true,
            -20 | -19 => {
                self.server_failures += 1;
                self.server_failures < MAX_SERVER_FAILURES
            }
            _ => false,
        };
        if !retry {
            return Next::Fail;
        }
        // The known expiry stays: a failure says nothing about it.
        self.wait_or_expire(next_delay_ms(now_ms.saturating_sub(self.started_ms)), now_ms)
    }

    /// The socket opened: live from now; the returned wait is the first heartbeat.
    pub fn on_open(&mut self, now_ms: u64) -> Next {
        self.transport = Transport::Live;
        self.failed_connects = 0;
        self.reconnects = 0;
        self.heard = true;
        self.wait_or_expire(HEARTBEAT_MS, now_ms)
    }

    /// The socket closed or could not open (`was_open`: it had opened). Polling takes over
    /// at once; returns the delay before trying the socket again, `None` to stop trying.
    pub fn on_close(&mut self, was_open: bool) -> Option<u64> {
        self.transport = Transport::Polling;
        if !was_open {
            self.failed_connects += 1;
            if self.failed_connects >= MAX_FAILED_CONNECTS {
                return None;
            }
        }
        let delay = RECONNECT_DELAYS_MS[self.reconnects.min(RECONNECT_DELAYS_MS.len() - 1)];
        self.reconnects += 1;
        Some(delay)
    }

    /// Live: a message other than a state (`pong`) arrived.
    pub fn on_heard(&mut self) {
        self.heard = true;
    }

    /// Live: the timer fired. Expired, a dead socket (`Reconnect`), or send `ping` and
    /// wait again.
    pub fn on_tick(&mut self, now_ms: u64) -> Next {
        match self.wait_or_expire(HEARTBEAT_MS, now_ms) {
            Next::Wait(ms) if self.transport == Transport::Live => {
                if !self.heard {
                    return Next::Reconnect;
                }
                self.heard = false;
                Next::Wait(ms)
            }
            other => other,
        }
    }
}

#[cfg(test)]
#[path = "poll_tests.rs"]
mod tests;
