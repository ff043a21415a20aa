//! The bench workloads over ws_stream_wasm's `WsStream`, with serde_json for typed messages.

use bench_common::{Connection, Msg};
use futures_util::{SinkExt, StreamExt};
use ws_stream_wasm::{WsMessage, WsMeta, WsStream};

struct WsStreamWasm(WsMeta, WsStream);

impl Connection for WsStreamWasm {
    async fn open(url: &str) -> Result<Self, String> {
        let (meta, stream) = WsMeta::connect(url, None)
            .await
            .map_err(|e| e.to_string())?;
        Ok(WsStreamWasm(meta, stream))
    }

    async fn send(&mut self, message: &Msg) -> Result<(), String> {
        let text = serde_json::to_string(message).map_err(|e| e.to_string())?;
        self.1
            .feed(WsMessage::Text(text))
            .await
            .map_err(|e| e.to_string())
    }

    async fn receive(&mut self) -> Result<Msg, String> {
        match self.1.next().await {
            Some(WsMessage::Text(text)) => serde_json::from_str(&text).map_err(|e| e.to_string()),
            Some(WsMessage::Binary(_)) => Err("unexpected binary message".into()),
            None => Err("the socket closed".into()),
        }
    }

    fn close(self) {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = self.0.close().await;
        });
    }
}

bench_common::exports!(WsStreamWasm);
