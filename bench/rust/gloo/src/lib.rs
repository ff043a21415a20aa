//! The bench workloads over gloo-net's `WebSocket`, with serde_json for typed messages.

use std::future::poll_fn;
use std::pin::Pin;

use bench_common::{Connection, Msg};
use futures_util::{Sink, SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;

struct Gloo(WebSocket);

impl Connection for Gloo {
    async fn open(url: &str) -> Result<Self, String> {
        let mut socket = WebSocket::open(url).map_err(|e| e.to_string())?;
        // The sink is ready once the socket is open.
        poll_fn(|cx| Pin::new(&mut socket).poll_ready(cx))
            .await
            .map_err(|e| e.to_string())?;
        Ok(Gloo(socket))
    }

    async fn send(&mut self, message: &Msg) -> Result<(), String> {
        let text = serde_json::to_string(message).map_err(|e| e.to_string())?;
        self.0
            .feed(Message::Text(text))
            .await
            .map_err(|e| e.to_string())
    }

    async fn receive(&mut self) -> Result<Msg, String> {
        match self.0.next().await {
            Some(Ok(Message::Text(text))) => serde_json::from_str(&text).map_err(|e| e.to_string()),
            Some(Ok(Message::Bytes(_))) => Err("unexpected binary message".into()),
            Some(Err(error)) => Err(error.to_string()),
            None => Err("the socket closed".into()),
        }
    }

    fn close(self) {
        let _ = self.0.close(None, None);
    }
}

bench_common::exports!(Gloo);
