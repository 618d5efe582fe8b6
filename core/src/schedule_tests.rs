//! Every cadence of the README as a table, with a fake clock: the object is simulated as it
//! runs (wake when told, run what is due, wake again), and the wakes are compared.

use super::*;
use crate::order::{Change, Channel, Payment, Provider, Refund, RefundStatus, Session, Source};
use crate::{AmountFen, OrderNo};

const START: i64 = 1_000_000;

fn order(expire_seconds: i64) -> Order {
    Order::new(
        OrderNo::parse("order_0001").unwrap(),
        AmountFen::new(100).unwrap(),
        "s".into(),
        String::new(),
        START,
        START + expire_seconds,
    )
}

fn with_session(mut o: Order, at: i64) -> Order {
    o.apply(Change::SessionStarted(Session::new(Provider::Wechat, Channel::Qr, "order_0001", at)), at).unwrap();
    o
}

fn paid_with_refund(requested_at: i64) -> Order {
    let mut o = with_session(order(1800), START);
    o.apply(
        Change::Paid(Payment {
            provider: Provider::Wechat,
            transaction_id: "tx".into(),
            trade_no: String::new(),
            amount: AmountFen::new(100).unwrap(),
            payer_total: None,
            paid_at: None,
            source: Source::WechatNotify,
            recorded_at: START,
            late: false,
        }),
        START,
    )
    .unwrap();
    o.refunds.push(Refund {
        refund_no: "r1".into(),
        provider: Provider::Wechat,
        transaction_id: "tx".into(),
        amount: AmountFen::new(100).unwrap(),
        reason: String::new(),
        provider_refund_no: "P".into(),
        attempts: 1,
        refund_id: None,
        status: RefundStatus::Requested,
        requested_at,
        settled_at: None,
        overdue: false,
    });
    o
}

/// What ran at one wake.
fn what(due: &Due) -> &'static str {
    match (due.checks.trades, due.checks.expire, due.checks.refunds, due.deliver, due.overdue.is_empty()) {
        (true, _, _, _, _) => "trades",
        (_, true, _, _, _) => "expire",
        (_, _, true, _, _) => "refunds",
        (_, _, _, true, _) => "deliver",
        (_, _, _, _, false) => "overdue",
        _ => "nothing",
    }
}

/// Runs the object from `from` to `until`: the wakes and what each ran (as offsets from
/// `origin`). Checks find nothing; `mark_overdue` applies the overdue marks.
fn run(
    o: &mut Order,
    agenda: &mut Agenda,
    watched: bool,
    origin: i64,
    from: i64,
    until: i64,
) -> Vec<(i64, &'static str)> {
    let mut now = from;
    let mut wakes = Vec::new();
    while let Some(at) = agenda.next_wake(&View { order: o, watched, next_event_at: None }, now) {
        if at > until || wakes.len() > 500 {
            break;
        }
        now = at;
        let due = agenda.due(&View { order: o, watched, next_event_at: None }, now);
        wakes.push((now - origin, what(&due)));
        if agenda.begin_check(due.checks, now) {
            agenda.end_check();
        }
        for refund_no in due.overdue {
            o.apply(Change::RefundOverdue { refund_no }, now).unwrap();
        }
    }
    wakes
}

#[test]
fn a_waiting_order_is_checked_fast_then_every_two_minutes_then_closed_at_expiry() {
    let mut o = with_session(order(600), START);
    let wakes = run(&mut o, &mut Agenda::default(), false, START, START, START + 700);
    assert_eq!(
        wakes,
        vec![
            (5, "trades"),
            (15, "trades"),
            (30, "trades"),
            (60, "trades"),
            (180, "trades"),
            (300, "trades"),
            (420, "trades"),
            (540, "trades"),
            (630, "expire"),
            (660, "expire"),
            (690, "expire"),
        ],
        "the expiry close is tried again every 30 s while the order stays waiting (a provider failed)"
    );
}

#[test]
fn a_waiting_order_without_a_session_wakes_only_to_be_closed() {
    let mut o = order(600);
    assert_eq!(run(&mut o, &mut Agenda::default(), false, START, START, START + 640), vec![(630, "expire")]);
}

#[test]
fn a_watched_order_is_also_checked_every_five_seconds() {
    let mut o = with_session(order(1800), START);
    let wakes = run(&mut o, &mut Agenda::default(), true, START, START + 2, START + 40);
    let times: Vec<i64> = wakes.iter().map(|w| w.0).collect();
    assert_eq!(times, vec![3, 5, 10, 15, 20, 25, 30, 35, 40]);
    assert!(wakes.iter().all(|w| w.1 == "trades"));
}

#[test]
fn open_refunds_back_off_and_turn_overdue_after_three_days() {
    let requested = START + 100;
    let mut o = paid_with_refund(requested);
    let mut agenda = Agenda::default();
    let wakes = run(&mut o, &mut agenda, false, requested, requested, requested + REFUND_OVERDUE_SECS + 7 * 3600);
    let times = |from: i64, to: i64| wakes.iter().filter(|w| w.0 >= from && w.0 <= to).copied().collect::<Vec<_>>();
    assert_eq!(
        times(0, 600),
        vec![
            (5, "refunds"),
            (15, "refunds"),
            (30, "refunds"),
            (60, "refunds"),
            (180, "refunds"),
            (300, "refunds"),
            (420, "refunds"),
            (540, "refunds")
        ]
    );
    let hour: Vec<i64> = times(3400, 7400).iter().map(|w| w.0).collect();
    assert_eq!(hour, vec![3420, 3540, 3660, 5460, 7260], "every 2 min in the first hour, then every 30 min");
    assert_eq!(
        times(REFUND_OVERDUE_SECS, REFUND_OVERDUE_SECS + 7 * 3600),
        vec![
            (REFUND_OVERDUE_SECS, "overdue"),
            (REFUND_OVERDUE_SECS + 60, "refunds"),
            (REFUND_OVERDUE_SECS + 60 + 6 * 3600, "refunds")
        ],
        "marked overdue at 72 h, then asked every 6 h"
    );
    assert!(o.refunds[0].overdue);
    // Settled: nothing is left to wake for.
    o.refunds[0].status = RefundStatus::Succeeded;
    assert_eq!(agenda.next_wake(&View { order: &o, watched: false, next_event_at: None }, requested + 4 * 86400), None);
}

#[test]
fn a_restarted_object_asks_at_once_when_a_check_was_due_and_never_twice_a_second() {
    let o = with_session(order(1800), START);
    let agenda = Agenda::default();
    let v = View { order: &o, watched: false, next_event_at: None };
    assert_eq!(agenda.next_wake(&v, START + 100), Some(START + 101), "one extra query after a restart");
    let mut agenda = Agenda::default();
    // A webhook event due in the past: each wake is at least a second after the last.
    let v = View { order: &o, watched: false, next_event_at: Some(START) };
    let mut now = START + 10;
    for _ in 0..5 {
        let at = agenda.next_wake(&v, now).unwrap();
        assert!(at > now);
        agenda.due(&v, at);
        now = at;
    }
    assert_eq!(now, START + 15);
}

#[test]
fn events_wake_the_object_unless_a_delivery_runs() {
    let o = order(1800);
    let mut agenda = Agenda::default();
    let v = View { order: &o, watched: false, next_event_at: Some(START + 50) };
    assert_eq!(agenda.next_wake(&v, START), Some(START + 50));
    assert!(agenda.begin_delivery());
    assert!(!agenda.begin_delivery(), "one delivery at a time");
    assert_eq!(agenda.next_wake(&v, START), Some(START + 1800 + 30), "only the expiry close remains");
    agenda.end_delivery();
    let due = agenda.due(&v, START + 50);
    assert!(due.deliver && due.checks.is_empty());
    // Webhooks off or misconfigured: the object passes no event time, and no wake comes of it.
    let paid = paid_with_refund(START);
    let mut settled = paid.clone();
    settled.refunds.clear();
    assert_eq!(
        Agenda::default().next_wake(&View { order: &settled, watched: false, next_event_at: None }, START),
        None
    );
}

#[test]
fn a_failed_projection_write_is_tried_again_after_a_minute() {
    let o = order(1800);
    let mut paid = paid_with_refund(START);
    paid.refunds.clear();
    let mut agenda = Agenda::default();
    agenda.projection_failed(Some(START + 10));
    let v = View { order: &paid, watched: false, next_event_at: None };
    assert_eq!(agenda.next_wake(&v, START + 10), Some(START + 10 + PROJECTION_RETRY_SECS));
    assert!(agenda.due(&v, START + 70).project);
    agenda.projection_failed(None);
    assert_eq!(agenda.next_wake(&v, START + 70), None);
    let _ = o;
}

#[test]
fn page_polls_ask_at_most_every_three_seconds_and_never_beside_a_running_check() {
    let o = with_session(order(1800), START);
    let mut agenda = Agenda::default();
    assert_eq!(agenda.poll(&o, START + 1), Checks { trades: true, ..Checks::default() });
    assert!(agenda.begin_check(agenda.poll(&o, START + 1), START + 1));
    assert!(agenda.poll(&o, START + 2).is_empty(), "a check runs");
    assert!(!agenda.begin_check(Checks { trades: true, ..Checks::default() }, START + 2));
    agenda.end_check();
    assert!(agenda.poll(&o, START + 3).is_empty(), "2 s after the last");
    assert!(!agenda.poll(&o, START + 4).is_empty());
    // What can be asked depends on the state.
    assert!(checkable(&order(1800), START).is_empty(), "no session yet");
    assert_eq!(checkable(&o, START + 1800 + 30), Checks { expire: true, ..Checks::default() });
    assert_eq!(checkable(&paid_with_refund(START), START), Checks { refunds: true, ..Checks::default() });
}
