//! One browser socket and the handlers attached to it.

use std::rc::Weak;

use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::Driver;
use resocket_core::{ConnId, Input};

#[wasm_bindgen]
extern "C" {
    /// `WebSocket`, seen through a `send` that takes any payload (string, `ArrayBuffer`,
    /// typed array, `Blob`), so frames stay JavaScript values and are never copied through
    /// wasm memory.
    #[wasm_bindgen(js_name = WebSocket)]
    type AnyPayloadSocket;

    #[wasm_bindgen(method, catch, js_name = send)]
    fn send(this: &AnyPayloadSocket, data: &JsValue) -> Result<(), JsValue>;
}

/// One browser socket and the handlers attached to it.
pub(super) struct Connection {
    pub(super) id: ConnId,
    pub(super) ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut()>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Connection {
    pub(super) fn attach(ws: WebSocket, id: ConnId, driver: &Weak<Driver>) -> Connection {
        // Binary messages reach the Rust face as bytes (`Message::from_js`), never as `Blob`s.
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_open = {
            let driver = driver.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(driver) = driver.upgrade() {
                    let protocol = driver
                        .socket_of(id, WebSocket::protocol)
                        .unwrap_or_default();
                    driver.input(Input::Opened { conn: id, protocol });
                }
            })
        };
        let on_message = {
            let driver = driver.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(driver) = driver.upgrade() {
                    driver.on_message(id, event.data());
                }
            })
        };
        let on_error = {
            let driver = driver.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(driver) = driver.upgrade() {
                    driver.input(Input::SocketError { conn: id });
                }
            })
        };
        let on_close = {
            let driver = driver.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
                if let Some(driver) = driver.upgrade() {
                    driver.on_close(id, &event);
                }
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Connection {
            id,
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_error: on_error,
            _on_close: on_close,
        }
    }

    /// Hands `frame` to the browser. `send` throws only while the socket is CONNECTING, and the
    /// machine transmits only after the open event.
    pub(super) fn send(&self, frame: &JsValue) {
        let _ = self.ws.unchecked_ref::<AnyPayloadSocket>().send(frame);
    }

    pub(super) fn close(&self, code: u16, reason: &str) {
        // Codes and reasons were checked before they reached the machine, and closing an
        // already closing socket is a no-op, so there is nothing to report here.
        let _ = self.ws.close_with_code_and_reason(code, reason);
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Detach before the closures are freed (the fields drop after this runs): the browser
        // must never call a freed closure.
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
    }
}
