//! The state-polling cadence used by the SDK's `pollState` (Adyen Web's): every 2 s for the
//! first minute, then every 10 s, one request in flight at a time, until the order expires.

/// Poll interval during the first minute.
pub const FAST_INTERVAL_MS: u64 = 2_000;
/// Poll interval after the first minute.
pub const SLOW_INTERVAL_MS: u64 = 10_000;
/// When the cadence slows down.
pub const SLOWDOWN_AFTER_MS: u64 = 60_000;
/// Grace after the server's expiry before the client gives up: a notify for a payment
/// made in the last seconds may still be on its way.
pub const EXPIRY_GRACE_MS: u64 = 30_000;

/// Delay before the next poll, given the time since polling started.
pub fn next_delay_ms(elapsed_ms: u64) -> u64 {
    if elapsed_ms < SLOWDOWN_AFTER_MS { FAST_INTERVAL_MS } else { SLOW_INTERVAL_MS }
}

/// What the poller does after a state reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollStep {
    /// The order reached a final state: resolve.
    Done,
    /// Still waiting: poll again after this many milliseconds.
    Wait(u64),
    /// Past the order's expiry (plus grace) and still waiting: reject.
    Expired,
}

/// Decides the next step from the numeric `pay_state`, the clock and the expiry (ms since
/// the Unix epoch; `None` when the server sent none).
pub fn step(pay_state: u8, now_ms: u64, started_ms: u64, expires_at_ms: Option<u64>) -> PollStep {
    if pay_state != 0 {
        return PollStep::Done;
    }
    let delay = next_delay_ms(now_ms.saturating_sub(started_ms));
    match expires_at_ms {
        Some(expiry) if now_ms >= expiry + EXPIRY_GRACE_MS => PollStep::Expired,
        Some(expiry) => PollStep::Wait(delay.min(expiry + EXPIRY_GRACE_MS - now_ms)),
        None => PollStep::Wait(delay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadence() {
        assert_eq!(next_delay_ms(0), 2_000);
        assert_eq!(next_delay_ms(59_999), 2_000);
        assert_eq!(next_delay_ms(60_000), 10_000);
        assert_eq!(step(1, 0, 0, None), PollStep::Done);
        assert_eq!(step(3, 0, 0, None), PollStep::Done);
        assert_eq!(step(0, 70_000, 0, None), PollStep::Wait(10_000));
        assert_eq!(step(0, 100_000, 0, Some(75_000)), PollStep::Wait(5_000));
        assert_eq!(step(0, 105_000, 0, Some(75_000)), PollStep::Expired);
    }
}
