//! A session kept across a page reload (`Session::persist`): written to `sessionStorage` when
//! the page goes away (`pagehide`), read and removed by the next page's socket of the same
//! name. The entry is JSON: `{"header": the core's header line, "messages": [...]}`, each
//! message a string, or `{"bytes": [...]}` for binary; the npm package writes the same.

use js_sys::{Array, JSON, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use super::Frame;
use resocket_core::session::{Saved, SavedHeader};

/// The storage key of the session named `name`.
fn entry(name: &str) -> String {
    format!("resocket.session.{name}")
}

/// `sessionStorage`, where the page has one it may use (a sandboxed frame's access throws).
fn storage() -> Option<web_sys::Storage> {
    Reflect::get(&js_sys::global(), &JsValue::from_str("sessionStorage"))
        .ok()?
        .dyn_into()
        .ok()
}

/// Takes the session an earlier page saved under `name`, if there is a readable one: it is
/// removed, so no other socket resumes it too.
pub(super) fn take(name: &str) -> Option<Saved<Frame>> {
    let storage = storage()?;
    let text = storage.get_item(&entry(name)).ok()??;
    let _ = storage.remove_item(&entry(name));
    let saved = JSON::parse(&text).ok()?;
    let header = Reflect::get(&saved, &JsValue::from_str("header"))
        .ok()?
        .as_string()?;
    let header = SavedHeader::read(&header).ok()?;
    let messages: Array = Reflect::get(&saved, &JsValue::from_str("messages"))
        .ok()?
        .dyn_into()
        .ok()?;
    let mut frames = Vec::with_capacity(messages.length() as usize);
    for message in messages.iter() {
        if message.is_string() {
            frames.push(Frame(message));
            continue;
        }
        let bytes: Array = Reflect::get(&message, &JsValue::from_str("bytes"))
            .ok()?
            .dyn_into()
            .ok()?;
        frames.push(Frame(Uint8Array::new(&bytes).into()));
    }
    Some(Saved::from_parts(header, frames))
}

/// Saves `saved` under `name`, or removes the entry when there is no session to keep (none
/// yet, or closed). False when it could not be written (no storage, a message neither text
/// nor bytes, the storage full).
pub(super) fn put(name: &str, saved: Option<Saved<Frame>>) -> bool {
    let Some(storage) = storage() else {
        return false;
    };
    let Some(saved) = saved else {
        return storage.remove_item(&entry(name)).is_ok();
    };
    let messages = Array::new();
    for Frame(message) in &saved.unacknowledged {
        if message.is_string() {
            messages.push(message);
            continue;
        }
        let Some(bytes) = binary(message) else {
            let _ = storage.remove_item(&entry(name));
            return false;
        };
        let object = Object::new();
        let _ = Reflect::set(&object, &JsValue::from_str("bytes"), &Array::from(&bytes));
        messages.push(&object);
    }
    let object = Object::new();
    let _ = Reflect::set(
        &object,
        &JsValue::from_str("header"),
        &saved.header().into(),
    );
    let _ = Reflect::set(&object, &JsValue::from_str("messages"), &messages);
    let written = JSON::stringify(&object)
        .ok()
        .and_then(|text| text.as_string())
        .is_some_and(|text| storage.set_item(&entry(name), &text).is_ok());
    if !written {
        let _ = storage.remove_item(&entry(name));
    }
    written
}

/// The bytes of a binary message as the Rust face sends them (a typed array or an
/// `ArrayBuffer`).
fn binary(message: &JsValue) -> Option<Uint8Array> {
    if let Some(buffer) = message.dyn_ref::<js_sys::ArrayBuffer>() {
        return Some(Uint8Array::new(buffer));
    }
    let view = message.dyn_ref::<js_sys::Uint8Array>()?;
    Some(view.clone())
}
