#![cfg(target_arch = "wasm32")]
//! Recovery in headless Chromium against the real test server's fault injection:
//! - reconnect after the server drops the TCP connection (`drop_after`);
//! - messages sent during the outage arrive after reconnect exactly once and in order, and the
//!   server never sees two live sockets from one client;
//! - the URL provider (sync and async) is called again for every attempt; a failing provider
//!   counts as a failed attempt;
//! - connect timeout against a server that never answers the handshake (`hang`);
//! - a refused handshake (`reject`) gives an error event and retries until `max_retries`;
//! - a final close code stops reconnecting; a normal server close reconnects; the
//!   `should_reconnect` predicate can veto;
//! - the heartbeat detects a silent server within interval + timeout and reconnects, measures
//!   the round trip, and never delivers pongs as messages.

mod browser_support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use browser_support::*;
use resocket::Failure;
use resocket::{Closed, Config, Error, Event, Heartbeat, Sent, Socket, State, Text};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fast(config: Config) -> Config {
    config
        .min_delay(Duration::from_millis(30))
        .max_delay(Duration::from_millis(200))
        .jitter(0.0)
}

type TextSocket = Socket<String, String, Text>;

fn is_open(event: &Event<String>) -> bool {
    *event == Event::Open
}

#[wasm_bindgen_test]
async fn reconnects_after_the_connection_is_dropped() {
    let mut socket: TextSocket =
        Socket::open(fast(Config::new(ws_url("/echo?drop_after=1")))).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    socket.try_send(&"one".to_owned()).unwrap();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("one".into())
    );
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            code: 1006,
            reason: String::new(),
            was_clean: false,
            will_reconnect: true,
            requeued: 0,
            unconfirmed: 1
        })
    );
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Reconnecting {
            attempt: 1,
            delay: Duration::from_millis(30)
        }
    );
    assert_eq!(socket.state(), State::Waiting);
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(
        socket.retry_count(),
        1,
        "the retry count waits for min_uptime to reset"
    );
}

#[wasm_bindgen_test]
async fn messages_sent_during_an_outage_arrive_once_in_order() {
    let client = "outage-queue";
    let attempts = Rc::new(Cell::new(0));
    let counter = attempts.clone();
    // The first connection drops after one message; later ones are healthy.
    let config = fast(Config::with_url_fn(move || {
        counter.set(counter.get() + 1);
        let fault = if counter.get() == 1 {
            "&drop_after=1"
        } else {
            ""
        };
        Ok::<_, String>(ws_url(&format!("/echo?client={client}{fault}")))
    }));
    let mut socket: TextSocket = Socket::open(config).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    socket.try_send(&"0".to_owned()).unwrap();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("0".into())
    );
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            will_reconnect: true,
            ..
        })
    ));

    for n in 1..=20 {
        assert_eq!(
            socket.try_send(&n.to_string()),
            Ok(Sent::Queued { dropped: 0 })
        );
    }
    assert_eq!(socket.queued_count(), 20);
    wait_for(&mut socket, 3000, is_open).await;
    assert_eq!(socket.queued_count(), 0);
    for n in 1..=20 {
        assert_eq!(
            next_event(&mut socket, 3000).await,
            Event::Message(n.to_string())
        );
    }
    let expected: Vec<String> = (0..=20).map(|n| n.to_string()).collect();
    assert_eq!(
        received(client).await,
        expected,
        "the server got each message exactly once, in order"
    );
    let (_, total, max_open) = client_stats(client).await;
    assert_eq!(
        (total, max_open),
        (2, 1),
        "two connections, never both live"
    );
    assert_eq!(attempts.get(), 2);
}

#[wasm_bindgen_test]
async fn url_provider_is_asked_before_every_attempt() {
    let client = "provider-calls";
    let calls = Rc::new(Cell::new(0u32));
    let counter = calls.clone();
    // The server says "going away" at once, so every connection ends and is retried.
    let config = fast(Config::with_url_fn(move || {
        counter.set(counter.get() + 1);
        Ok::<_, String>(ws_url(&format!(
            "/echo?client={client}&close_after=0&code=1001&n={}",
            counter.get()
        )))
    }))
    .max_retries(3);
    let mut socket: TextSocket = Socket::open(config).unwrap();
    let exhausted = wait_for(&mut socket, 5000, |e| {
        matches!(e, Event::RetriesExhausted { .. })
    })
    .await;
    assert_eq!(exhausted, Event::RetriesExhausted { retries: 3 });
    assert_eq!(calls.get(), 4, "the first attempt and three retries");
    assert_eq!(client_stats(client).await.1, 4);
    assert_eq!(socket.state(), State::Closed);
}

#[wasm_bindgen_test]
async fn async_url_provider_and_its_failures() {
    let calls = Rc::new(Cell::new(0u32));
    let counter = calls.clone();
    let config = fast(Config::with_async_url_fn(move || {
        let call = counter.get() + 1;
        counter.set(call);
        async move {
            sleep(20).await;
            if call == 1 {
                Err("token service unavailable")
            } else {
                Ok(ws_url("/echo"))
            }
        }
    }));
    let mut socket: TextSocket = Socket::open(config).unwrap();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Error(Error::Connection(Failure::UrlProvider(
            "token service unavailable".into()
        )))
    );
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Reconnecting { attempt: 1, .. }
    ));
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(calls.get(), 2);
}

#[wasm_bindgen_test]
async fn provider_url_that_the_browser_refuses_counts_as_a_failed_attempt() {
    let config = fast(Config::with_url_fn(|| {
        Ok::<_, String>("ftp://nope".to_owned())
    }))
    .max_retries(1);
    let mut socket: TextSocket = Socket::open(config).unwrap();
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Error(Error::Connection(Failure::InvalidUrl(_)))
    ));
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Reconnecting { attempt: 1, .. }
    ));
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Error(_)
    ));
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::RetriesExhausted { retries: 1 }
    );
    assert_eq!(socket.state(), State::Closed);
}

#[wasm_bindgen_test]
async fn connect_timeout_abandons_a_hanging_handshake() {
    let config =
        fast(Config::new(ws_url("/echo?hang=1"))).connect_timeout(Duration::from_millis(300));
    let mut socket: TextSocket = Socket::open(config).unwrap();
    let started = now_ms();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Error(Error::Connection(Failure::ConnectTimeout))
    );
    let waited = now_ms() - started;
    assert!(waited >= 290.0, "not before the timeout: {waited} ms");
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            code: 1006,
            reason: "connect timeout".into(),
            was_clean: false,
            will_reconnect: true,
            requeued: 0,
            unconfirmed: 0
        })
    );
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Reconnecting { attempt: 1, .. }
    ));
    // The next attempt hangs too, and times out too: never stuck in CONNECTING.
    sleep(50).await;
    assert_eq!(socket.state(), State::Connecting);
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Error(Error::Connection(Failure::ConnectTimeout))
    );
}

#[wasm_bindgen_test]
async fn refused_handshake_errors_and_retries_until_max_retries() {
    for status in [401, 403, 404, 500, 503] {
        let client = format!("reject-{status}");
        let url = ws_url(&format!("/echo?reject={status}&client={client}"));
        let mut socket: TextSocket = Socket::open(fast(Config::new(url)).max_retries(2)).unwrap();
        for attempt in 1..=3 {
            assert_eq!(
                next_event(&mut socket, 3000).await,
                Event::Error(Error::Connection(Failure::Socket)),
                "status {status}, attempt {attempt}"
            );
            assert!(matches!(
                next_event(&mut socket, 3000).await,
                Event::Closed(Closed {
                    code: 1006,
                    was_clean: false,
                    ..
                })
            ));
            if attempt < 3 {
                assert!(matches!(
                    next_event(&mut socket, 3000).await,
                    Event::Reconnecting { .. }
                ));
            }
        }
        assert_eq!(
            next_event(&mut socket, 3000).await,
            Event::RetriesExhausted { retries: 2 }
        );
        assert_eq!(socket.state(), State::Closed);
        assert_eq!(
            client_stats(&client).await.0,
            0,
            "a refused handshake never opens"
        );
    }
}

#[wasm_bindgen_test]
async fn final_close_code_stops_reconnecting() {
    let url = ws_url("/echo?close_after=0&code=1008&reason=policy");
    let mut socket: TextSocket = Socket::open(fast(Config::new(url))).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            code: 1008,
            reason: "policy".into(),
            was_clean: true,
            will_reconnect: false,
            requeued: 0,
            unconfirmed: 0
        })
    );
    assert_eq!(socket.state(), State::Closed);
    expect_quiet(&mut socket, 300).await;
}

#[wasm_bindgen_test]
async fn normal_server_close_reconnects_unless_the_predicate_vetoes() {
    let url = ws_url("/echo?close_after=1&code=1000&reason=bye");
    let mut socket: TextSocket = Socket::open(fast(Config::new(url.clone()))).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    socket.try_send(&"x".to_owned()).unwrap();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("x".into())
    );
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            code: 1000,
            will_reconnect: true,
            ..
        })
    ));
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Reconnecting { .. }
    ));

    let asked = Rc::new(Cell::new(None));
    let seen = asked.clone();
    let config = fast(Config::new(url)).should_reconnect(move |code, reason| {
        seen.set(Some((code, reason == "bye")));
        false
    });
    let mut vetoed: TextSocket = Socket::open(config).unwrap();
    assert_eq!(next_event(&mut vetoed, 3000).await, Event::Open);
    vetoed.try_send(&"x".to_owned()).unwrap();
    assert_eq!(
        next_event(&mut vetoed, 3000).await,
        Event::Message("x".into())
    );
    assert!(matches!(
        next_event(&mut vetoed, 3000).await,
        Event::Closed(Closed {
            code: 1000,
            will_reconnect: false,
            ..
        })
    ));
    assert_eq!(asked.get(), Some((1000, true)));
    expect_quiet(&mut vetoed, 300).await;
}

#[wasm_bindgen_test]
async fn heartbeat_detects_a_silent_server_and_reconnects() {
    let (interval, timeout) = (200.0, 200.0);
    let config = fast(Config::new(ws_url("/echo?silent=1"))).heartbeat(Heartbeat::new(
        Duration::from_millis(200),
        Duration::from_millis(200),
    ));
    let mut socket: TextSocket = Socket::open(config).unwrap();
    for round in 0..2 {
        assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
        let opened = now_ms();
        assert_eq!(
            next_event(&mut socket, 3000).await,
            Event::Closed(Closed {
                code: 4000,
                reason: "heartbeat timeout".into(),
                was_clean: false,
                will_reconnect: true,
                requeued: 0,
                unconfirmed: 0
            }),
        );
        let detected_after = now_ms() - opened;
        // Never early; late only by timer and event-loop slack (generous: machines are shared).
        assert!(
            detected_after >= interval + timeout - 5.0,
            "round {round}: {detected_after} ms"
        );
        assert!(
            detected_after <= interval + timeout + 1000.0,
            "round {round}: {detected_after} ms"
        );
        assert!(matches!(
            next_event(&mut socket, 3000).await,
            Event::Reconnecting { .. }
        ));
    }
}

#[wasm_bindgen_test]
async fn heartbeat_measures_round_trips_and_swallows_pongs() {
    let config = fast(Config::new(ws_url("/echo"))).heartbeat(Heartbeat::new(
        Duration::from_millis(50),
        Duration::from_millis(1000),
    ));
    let mut socket: TextSocket = Socket::open(config).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(socket.rtt(), None);
    // Several ping/pong rounds pass; none of them shows up as a message.
    expect_quiet(&mut socket, 400).await;
    let rtt = socket.rtt().expect("a pong was timed");
    assert!(rtt < Duration::from_millis(1000), "{rtt:?}");
    socket.try_send(&"real".to_owned()).unwrap();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("real".into())
    );
    assert_eq!(socket.state(), State::Open);
}
