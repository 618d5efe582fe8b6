use super::*;
use crate::bills::parse_bill_date;
use crate::order::{Change, Payment, Session, Source};
use crate::{AmountFen, OrderNo};

fn day(text: &str) -> BillDate {
    parse_bill_date(text).unwrap()
}

#[test]
fn a_day_is_retried_hourly_until_the_next_days_run() {
    let d = day("2026-12-04");
    // 2026-12-06 10:30 Beijing = 2026-12-06 02:30 UTC.
    assert_eq!(deadline(d), 1_796_524_200);
    assert_eq!(crate::time::beijing_datetime(deadline(d)), "2026-12-06 10:30:00");
    let first_run = deadline(d) - 86_400;
    assert_eq!(next_attempt(d, first_run, RETRY_SECS), Some(first_run + 3600));
    assert_eq!(next_attempt(d, deadline(d) - 3600, RETRY_SECS), None, "the next day's run takes over");
    let mut r = Report::new(d, Provider::Wechat, first_run);
    r.not_had("Bill Creating", first_run, d, RETRY_SECS);
    assert_eq!((r.state, r.next_attempt_at), (ReconState::WaitingForBill, Some(first_run + 3600)));
    r.not_had("Bill Creating", deadline(d) - 10, d, RETRY_SECS);
    assert_eq!((r.state, r.next_attempt_at), (ReconState::Failed, None));
    assert!(r.is_settled());
}

#[test]
fn the_cron_reconciles_yesterday_in_beijing() {
    // 2026-12-05 02:30 UTC = 10:30 Beijing on the 5th: the 4th's bill.
    assert_eq!(yesterday(1_796_437_800).iso(), "2026-12-04");
    // 2026-12-04 17:00 UTC = 01:00 Beijing on the 5th: still the 4th.
    assert_eq!(yesterday(1_796_403_600).iso(), "2026-12-04");
}

#[test]
fn provider_times_of_every_api_read_as_beijing() {
    let t = Some(1_796_399_730); // 2026-12-04 23:55:30 Beijing
    assert_eq!(provider_time("20261204235530"), t);
    assert_eq!(provider_time("2026-12-04 23:55:30"), t);
    assert_eq!(provider_time("2026-12-04T23:55:30+08:00"), t);
    assert_eq!(provider_time("yesterday"), None);
}

fn paid_order() -> Order {
    let mut o = Order::new(
        OrderNo::parse("order_0001").unwrap(),
        AmountFen::new(990).unwrap(),
        "T".into(),
        String::new(),
        1_796_390_000,
        1_796_399_000,
    );
    o.apply(
        Change::SessionStarted(Session::new(
            Provider::Wechat,
            crate::order::Channel::Wap,
            "order_0001*H1",
            1_796_390_000,
        )),
        1_796_390_000,
    )
    .unwrap();
    let payment = Payment {
        provider: Provider::Wechat,
        transaction_id: "4200001".into(),
        trade_no: "order_0001*H1".into(),
        amount: AmountFen::new(990).unwrap(),
        payer_total: None,
        // Paid at 23:55 Beijing on the 4th, recorded after midnight: the bill day is the 4th.
        paid_at: Some("20261204235530".into()),
        source: Source::WechatNotify,
        recorded_at: 1_796_400_000,
        late: false,
    };
    o.apply(Change::Paid(payment), 1_796_400_000).unwrap();
    o
}

#[test]
fn an_order_is_indexed_on_the_bill_day_of_the_providers_payment_time() {
    let entries = index_entries(&paid_order());
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!((e.wallet, e.date.iso()), (Provider::Wechat, "2026-12-04".to_owned()));
    assert_eq!(e.recorded.trade_nos, vec!["order_0001".to_owned(), "order_0001*H1".to_owned()]);
    assert_eq!(e.recorded.payments[0].trade_no, "order_0001*H1");
    assert_eq!(e.recorded.payments[0].paid_at, 1_796_399_730);
    assert_eq!(index_key(e.wallet, e.date, "order_0001"), "recon:wechat:2026-12-04:order_0001");
}

#[test]
fn a_bill_line_names_its_order_by_attach_first() {
    assert_eq!(order_of_line("order_0001*H1", Some("order_0001")).unwrap().as_str(), "order_0001");
    assert_eq!(order_of_line("order_0001", None).unwrap().as_str(), "order_0001");
    assert_eq!(order_of_line("not an order!", Some("")), None);
}

#[test]
fn a_days_object_wakes_for_its_next_attempt_or_event_whichever_is_first() {
    use crate::webhook::{DeliveryState, EventRecord};
    let event = |state, at| EventRecord {
        id: "e".into(),
        kind: "reconciliation.completed".into(),
        created_at: 0,
        state,
        next_attempt_at: at,
        attempts: vec![],
        body: String::new(),
    };
    let mut r = Report::new(day("2026-12-04"), Provider::Alipay, 100);
    assert_eq!(r.wake_at(&[]), None);
    r.next_attempt_at = Some(500);
    assert!(!r.is_due(499) && r.is_due(500));
    assert_eq!(r.wake_at(&[event(DeliveryState::Pending, Some(300))]), Some(300));
    assert_eq!(r.wake_at(&[event(DeliveryState::Delivered, Some(300))]), Some(500), "a delivered event wakes nothing");
    assert!(event(DeliveryState::Pending, Some(300)).is_due(300));
    assert!(!event(DeliveryState::Failed, Some(300)).is_due(400));
}

#[test]
fn a_run_that_dies_partway_is_run_again_by_its_watchdog() {
    let d = day("2026-12-04");
    let first_run = deadline(d) - 86_400;
    let mut r = Report::new(d, Provider::Wechat, first_run);
    r.begin(first_run, d, RETRY_SECS);
    assert_eq!((r.state, r.attempts, r.next_attempt_at), (ReconState::Running, 1, Some(first_run + RETRY_SECS)));
    assert!(!r.is_due(first_run + RETRY_SECS - 1));
    assert!(r.is_due(first_run + RETRY_SECS), "nothing saved the run's end: the alarm runs it again");
    r.state = ReconState::Completed;
    r.finished(first_run + 5);
    assert_eq!((r.next_attempt_at, r.error.as_deref()), (None, None));
    // A day past the next day's run has no watchdog: that run covers it.
    r.begin(deadline(d), d, RETRY_SECS);
    assert_eq!((r.state, r.attempts, r.next_attempt_at), (ReconState::Running, 2, None));
}
