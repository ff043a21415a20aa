//! The network and the page, as the browser reports them: listeners on the global scope (and
//! `document`), and the flags read when an event says to.

use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use super::Driver;
use resocket_core::Input;

#[wasm_bindgen]
extern "C" {
    /// An `EventTarget` (the global scope or `document`), seen through the two methods the
    /// page watch needs.
    type Listenable;

    #[wasm_bindgen(method, js_name = addEventListener)]
    fn add_event_listener(this: &Listenable, kind: &str, listener: &js_sys::Function);

    #[wasm_bindgen(method, js_name = removeEventListener)]
    fn remove_event_listener(this: &Listenable, kind: &str, listener: &js_sys::Function);
}

/// Listeners for the network and page signals: `online` and `offline` on the global scope
/// (windows and workers alike), and where they exist (windows only) `pagehide` and `pageshow`
/// on the global scope and `visibilitychange` on `document`.
pub(super) struct PageWatch {
    listeners: Vec<Listener>,
}

/// One event listener the page watch attached.
struct Listener {
    target: Listenable,
    kind: &'static str,
    closure: Closure<dyn FnMut(JsValue)>,
}

impl PageWatch {
    pub(super) fn attach(driver: &Weak<Driver>) -> PageWatch {
        let global = js_sys::global();
        let mut watch = PageWatch {
            listeners: Vec::new(),
        };
        watch.listen(&global, "offline", driver, |driver, _| {
            driver.input(Input::Offline);
        });
        watch.listen(&global, "online", driver, |driver, _| {
            driver.input(Input::Online);
        });
        if js_sys::Reflect::has(&global, &JsValue::from_str("onpagehide")).unwrap_or(false) {
            watch.listen(&global, "pagehide", driver, |driver, event| {
                #[cfg(feature = "session")]
                driver.save_session();
                if persisted(&event) {
                    driver.input(Input::Suspend);
                }
            });
            watch.listen(&global, "pageshow", driver, |driver, event| {
                if persisted(&event) {
                    #[cfg(feature = "session")]
                    driver.unsave_session();
                    let online = navigator_online();
                    driver.input(Input::Resume { online });
                }
            });
        }
        let document = js_sys::Reflect::get(&global, &JsValue::from_str("document"))
            .ok()
            .filter(JsValue::is_object);
        if let Some(document) = document {
            watch.listen(&document, "visibilitychange", driver, |driver, _| {
                if is_visible() {
                    driver.input(Input::Wake);
                }
            });
        }
        watch
    }

    fn listen(
        &mut self,
        target: &JsValue,
        kind: &'static str,
        driver: &Weak<Driver>,
        handle: fn(&Rc<Driver>, JsValue),
    ) {
        let driver = driver.clone();
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let Some(driver) = driver.upgrade() {
                handle(&driver, event);
            }
        });
        let target: Listenable = target.clone().unchecked_into();
        target.add_event_listener(kind, closure.as_ref().unchecked_ref());
        self.listeners.push(Listener {
            target,
            kind,
            closure,
        });
    }
}

impl Drop for PageWatch {
    fn drop(&mut self) {
        // Detach before the closures are freed (they drop with the vector, after this runs).
        for Listener {
            target,
            kind,
            closure,
        } in &self.listeners
        {
            target.remove_event_listener(kind, closure.as_ref().unchecked_ref());
        }
    }
}

/// `navigator.onLine`; true where there is no such flag, as the network is then unknown.
pub(super) fn navigator_online() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &JsValue::from_str("navigator"))
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &JsValue::from_str("onLine")))
        .ok()
        .and_then(|online| online.as_bool())
        .unwrap_or(true)
}

/// `document.visibilityState` is "visible" (or there is no such state to read).
fn is_visible() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("document"))
        .and_then(|document| js_sys::Reflect::get(&document, &JsValue::from_str("visibilityState")))
        .ok()
        .and_then(|state| state.as_string())
        .is_none_or(|state| state == "visible")
}

/// A `pagehide` or `pageshow` event's `persisted`: the page enters or leaves the
/// back/forward cache.
fn persisted(event: &JsValue) -> bool {
    js_sys::Reflect::get(event, &JsValue::from_str("persisted"))
        .ok()
        .and_then(|persisted| persisted.as_bool())
        .unwrap_or(false)
}
