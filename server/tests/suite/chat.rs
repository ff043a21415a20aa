//! `/chat`:
//! - every message reaches every client, the sender included, in one global order
//! - `ping` is answered with `pong` to the sender only

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestServer, next_message};

#[tokio::test]
async fn messages_reach_every_client_in_one_order() {
    let server = TestServer::start().await;
    let mut alice = server.connect("/chat?client=alice").await;
    let mut bob = server.connect("/chat?client=bob").await;
    server
        .wait_for_stats("2 chat clients", |stats| {
            stats["endpoints"]["chat"]["open"] == 2
        })
        .await;

    let (from_alice, from_bob) = (Message::text("hi from alice"), Message::binary(vec![7; 3]));
    let (sent_by_alice, sent_by_bob) =
        tokio::join!(alice.send(from_alice.clone()), bob.send(from_bob.clone()));
    sent_by_alice.expect("send");
    sent_by_bob.expect("send");

    let seen_by_alice = [
        next_message(&mut alice).await,
        next_message(&mut alice).await,
    ];
    let seen_by_bob = [next_message(&mut bob).await, next_message(&mut bob).await];
    assert_eq!(seen_by_alice, seen_by_bob);
    assert!(seen_by_alice.contains(&from_alice) && seen_by_alice.contains(&from_bob));
}

#[tokio::test]
async fn pong_goes_to_the_sender_only() {
    let server = TestServer::start().await;
    let mut alice = server.connect("/chat").await;
    let mut bob = server.connect("/chat").await;
    server
        .wait_for_stats("2 chat clients", |stats| {
            stats["endpoints"]["chat"]["open"] == 2
        })
        .await;

    alice.send(Message::text("ping")).await.expect("send");
    alice.send(Message::text("after ping")).await.expect("send");
    assert_eq!(next_message(&mut alice).await, Message::text("pong"));
    assert_eq!(next_message(&mut alice).await, Message::text("after ping"));
    assert_eq!(next_message(&mut bob).await, Message::text("after ping"));
}
