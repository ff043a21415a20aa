//! The bench workloads over resocket's Rust API: `Socket<Msg, Msg, Json>`, typed through the
//! library's own JSON codec. Also the recovery workloads (workload 5), which only the
//! reconnecting peers have.

#[cfg(feature = "codecs")]
mod codecs;

use std::time::Duration;

use bench_common::{Connection, Msg};
use futures_util::StreamExt;
use resocket::{Closed, Config, Event, Heartbeat, Json, Socket};
use wasm_bindgen::prelude::*;

struct ReSocket(Socket<Msg, Msg, Json>);

impl ReSocket {
    async fn next_event(&mut self) -> Result<Event<Msg>, String> {
        self.0
            .next()
            .await
            .ok_or_else(|| "the event stream ended".to_string())
    }
}

impl Connection for ReSocket {
    async fn open(url: &str) -> Result<Self, String> {
        // Chromium opens one WebSocket to a host at a time: the 200 sockets of workload 3 take
        // longer than the default connect timeout to open (the JS peers get the same 120 s).
        let config = Config::new(url).connect_timeout(Duration::from_secs(120));
        // A window larger than a workload's burst, as the JS session peer has: what is measured
        // is the protocol's cost, not waits for acknowledgements.
        #[cfg(feature = "session")]
        let config = match url.contains("/session") {
            true => config.session(resocket::Session::new().window(64 * 1024 * 1024)),
            false => config,
        };
        let mut socket = ReSocket(Socket::open(config).map_err(|e| e.to_string())?);
        loop {
            match socket.next_event().await? {
                Event::Open => return Ok(socket),
                Event::Error(error) => return Err(error.to_string()),
                _ => {}
            }
        }
    }

    async fn send(&mut self, message: &Msg) -> Result<(), String> {
        self.0.try_send(message).map(drop).map_err(|e| e.to_string())
    }

    async fn receive(&mut self) -> Result<Msg, String> {
        loop {
            match self.next_event().await? {
                Event::Message(message) => return Ok(message),
                Event::Closed(Closed { code, reason, .. }) => {
                    return Err(format!("closed: {code} {reason}"));
                }
                Event::DecodeError(error) => return Err(error.to_string()),
                _ => {}
            }
        }
    }

    fn close(self) {
        self.0.close();
    }
}

bench_common::exports!(ReSocket);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

/// Workload 5a: `url` drops the connection after its first message (`drop_after=1`); with a
/// 0 ms first retry, the milliseconds from the `Closed` event to the next `Open`.
#[wasm_bindgen]
pub async fn reconnect(url: String) -> Result<f64, JsValue> {
    let config = Config::new(url).min_delay(Duration::ZERO).jitter(0.0);
    let mut socket = ReSocket(Socket::open(config).map_err(|e| e.to_string())?);
    let mut closed_at = None;
    loop {
        match socket.next_event().await? {
            Event::Open if closed_at.is_none() => {
                socket
                    .send(&Msg {
                        seq: 0,
                        text: "drop".into(),
                    })
                    .await?;
            }
            Event::Closed(_) if closed_at.is_none() => closed_at = Some(now()),
            Event::Open => {
                let elapsed = now() - closed_at.unwrap_or_default();
                socket.close();
                return Ok(elapsed);
            }
            _ => {}
        }
    }
}

/// Workload 5b: `url` never answers (`silent=1`); with heartbeat 1000/1000 ms, the
/// milliseconds from `Open` to the heartbeat's close.
#[wasm_bindgen]
pub async fn detect_silence(url: String) -> Result<f64, JsValue> {
    let heartbeat = Heartbeat::new(Duration::from_millis(1000), Duration::from_millis(1000));
    let config = Config::new(url).heartbeat(heartbeat);
    let mut socket = ReSocket(Socket::open(config).map_err(|e| e.to_string())?);
    let mut opened_at = None;
    loop {
        match socket.next_event().await? {
            Event::Open => opened_at = Some(now()),
            Event::Closed(Closed { code, .. }) => {
                let Some(opened_at) = opened_at else { continue };
                let elapsed = now() - opened_at;
                socket.close();
                return if code == 4000 {
                    Ok(elapsed)
                } else {
                    Err(format!("closed with {code}, not 4000").into())
                };
            }
            _ => {}
        }
    }
}
