use super::*;

const T0: u64 = 1_700_000_000_000;
/// An order expiring 15 minutes after T0 (Unix seconds).
const EXPIRES: i64 = 1_700_000_900;

#[test]
fn polling_cadence_slows_after_a_minute() {
    assert_eq!(next_delay_ms(0), 2_000);
    assert_eq!(next_delay_ms(59_999), 2_000);
    assert_eq!(next_delay_ms(60_000), 10_000);
    let mut w = Watcher::new(T0);
    assert_eq!(w.on_state(0, EXPIRES, 1_700_000_000, T0), (true, Next::Wait(2_000)));
    assert_eq!(w.on_state(0, EXPIRES, 1_700_000_070, T0 + 70_000), (false, Next::Wait(10_000)));
    assert_eq!(w.on_state(1, EXPIRES, 1_700_000_072, T0 + 72_000), (true, Next::Done));
    assert_eq!(Watcher::new(T0).on_state(3, EXPIRES, 0, T0), (true, Next::Done));
}

#[test]
fn expiry_is_judged_by_the_servers_clock() {
    // The page's clock is an hour fast: by its own clock the order expired long ago.
    let fast = T0 + 3_600_000;
    let mut w = Watcher::new(fast);
    assert_eq!(w.on_state(0, EXPIRES, 1_700_000_000, fast), (true, Next::Wait(2_000)), "not expired for the server");
    // 900 s + 30 s grace later by the server's clock: expired, whatever the page's clock says.
    assert_eq!(w.on_state(0, EXPIRES, 1_700_000_929, fast + 929_000).1, Next::Wait(1_000), "the last second");
    assert_eq!(w.on_error(codes::NETWORK, fast + 930_000), Next::Expired);
    // An hour slow: it would wait an hour past the expiry; the server's clock ends it on time.
    let slow = T0 - 3_600_000;
    let mut w = Watcher::new(slow);
    w.on_state(0, EXPIRES, 1_700_000_000, slow);
    assert_eq!(w.on_error(-15, slow + 930_000), Next::Expired);
    // Without server_time (an older worker), the local clock is all there is.
    let mut w = Watcher::new(T0);
    w.on_state(0, EXPIRES, 0, T0);
    assert_eq!(w.on_error(-15, T0 + 930_000), Next::Expired);
}

#[test]
fn failures_keep_the_known_expiry_and_fatal_codes_stop() {
    let mut w = Watcher::new(T0);
    w.on_state(0, EXPIRES, 1_700_000_000, T0);
    assert_eq!(w.on_error(codes::NETWORK, T0 + 929_500), Next::Wait(500), "the expiry survives failures");
    for code in [codes::BAD_REPLY, -15, -16, -17, -18] {
        assert_eq!(Watcher::new(T0).on_error(code, T0), Next::Wait(2_000), "{code} is retried");
    }
    for code in [-10, -3, -1, -2, -5, -7, -27, 42] {
        assert_eq!(Watcher::new(T0).on_error(code, T0), Next::Fail, "{code} is final");
    }
    let mut w = Watcher::new(T0);
    assert_eq!(w.on_error(-19, T0), Next::Wait(2_000));
    assert_eq!(w.on_error(-20, T0 + 2_000), Next::Wait(2_000));
    assert_eq!(w.on_error(-19, T0 + 4_000), Next::Fail, "not retried forever");
    let mut w = Watcher::new(T0);
    w.on_error(-20, T0);
    w.on_error(-20, T0);
    w.on_state(0, EXPIRES, 0, T0);
    assert_eq!(w.on_error(-20, T0), Next::Wait(2_000), "a good reply resets the count");
}

#[test]
fn live_heartbeats_and_reconnects_with_backoff() {
    let mut w = Watcher::new(T0);
    assert_eq!(w.transport(), Transport::Polling);
    assert_eq!(w.on_open(T0), Next::Wait(HEARTBEAT_MS));
    assert_eq!(w.transport(), Transport::Live);
    assert_eq!(w.on_state(0, EXPIRES, 1_700_000_000, T0), (true, Next::Wait(HEARTBEAT_MS)), "live: no polls");
    assert_eq!(w.on_tick(T0 + 25_000), Next::Wait(HEARTBEAT_MS), "ping sent");
    w.on_heard();
    assert_eq!(w.on_tick(T0 + 50_000), Next::Wait(HEARTBEAT_MS), "pong heard");
    assert_eq!(w.on_tick(T0 + 75_000), Next::Reconnect, "no answer to the last ping: the socket is dead");
    // Dropped: polling takes over while the socket is retried, slower each time.
    assert_eq!(w.on_close(true), Some(1_000));
    assert_eq!(w.transport(), Transport::Polling);
    assert_eq!(w.on_close(false), Some(2_000));
    assert_eq!(w.on_close(false), Some(5_000));
    assert_eq!(w.on_open(T0 + 90_000), Next::Wait(HEARTBEAT_MS), "back: live again");
    assert_eq!(w.on_close(true), Some(1_000), "backoff starts over after a good connection");
    // Near expiry the heartbeat shortens to wake at it.
    w.on_open(T0);
    assert_eq!(w.on_tick(T0 + 920_000), Next::Wait(10_000));
    w.on_heard();
    assert_eq!(w.on_tick(T0 + 930_000), Next::Expired);
}

#[test]
fn a_socket_that_never_opens_is_given_up() {
    let mut w = Watcher::new(T0);
    let delays: Vec<_> = (0..MAX_FAILED_CONNECTS).map(|_| w.on_close(false)).collect();
    assert_eq!(delays, vec![Some(1_000), Some(2_000), Some(5_000), None]);
    assert_eq!(w.transport(), Transport::Polling);
}
