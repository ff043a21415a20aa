//! The JavaScript face's constructor arguments (URL, subprotocols, options object), read into
//! a [`Config`] with the Rust API's builder.
//!
//! Only what the Rust API has a counterpart for is read; any other option name, or a
//! subprotocols provider, is a `TypeError`, so a test never believes an option applied when
//! it did not. Ranges are the library's to check (`Socket::open` refuses a bad policy).

use std::time::Duration;

use js_sys::{Array, Function, Reflect};
use resocket::{Config, Heartbeat, Overflow, Session};
use wasm_bindgen::prelude::*;

use crate::{callbacks, json};

/// The JavaScript face's default `requestTimeoutMs`.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The socket's codec, as the `format` option names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// `"raw"` (the default): `Socket<String, String, Text>`.
    Raw,
    /// `"json"`: `Socket<Box<RawValue>, serde_json::Value, Json>`.
    Json,
    /// `"msgpack"` (this class's name; the JavaScript face takes a codec object there):
    /// `Socket<serde_json::Value, serde_json::Value, MsgPack>`, messages as values of the
    /// JSON they have.
    MsgPack,
}

/// What the options say: the socket's config, and what the class itself needs.
pub(crate) struct Settings {
    pub(crate) config: Config,
    pub(crate) format: Format,
    /// `requestTimeoutMs`: the timeout of a request that names none. The Rust API takes a
    /// timeout per request, so the class keeps the socket-wide default.
    pub(crate) request_timeout: Duration,
}

/// Option name -> `Config` method, for the names this class reads.
const KNOWN: &[&str] = &[
    "minReconnectionDelay",        // min_delay
    "maxReconnectionDelay",        // max_delay
    "reconnectionDelayGrowFactor", // grow_factor
    "jitter",                      // jitter
    "maxRetries",                  // max_retries (Infinity: unlimited)
    "minUptime",                   // min_uptime
    "connectionTimeout",           // connect_timeout
    "finalCloseCodes",             // final_codes
    "shouldReconnectOnClose",      // should_reconnect (called with { code, reason })
    "heartbeat", // heartbeat(Heartbeat::new(intervalMs, timeoutMs).ping().pong_text() or .pong_matching())
    "maxEnqueuedMessages", // queue_capacity
    "overflow",  // overflow ("error": Reject, "drop-oldest": DropOldest)
    "maxMessageBytes", // max_message_bytes
    "startClosed", // start_closed
    "debug",     // debug
    "format",    // "raw": the Text codec, "json": the Json codec, "msgpack": the MsgPack codec
    "requestIdField", // request_id_field
    "resendRequests", // resend_requests
    "requestTimeoutMs", // the timeout `request` passes when its options name none
    "session",   // session(Session::new()); `{ window, persist }`: `.window(..)`, `.persist(..)`
    "setup",     // setup(..): the function gets a handle of `send`, `request` and the info
    "setupTimeoutMs", // setup_timeout
    "lazy",      // lazy
    "idleCloseMs", // idle_close
];

/// Reads `url` (a string or a provider function), `protocols` (a string, an array of
/// strings, or null / undefined) and `options` (an object, or null / undefined) into the
/// settings of a socket.
pub(crate) fn settings(
    url: &JsValue,
    protocols: &JsValue,
    options: &JsValue,
) -> Result<Settings, JsValue> {
    let config = read_url(url)?.protocols(read_protocols(protocols)?);
    if options.is_undefined() || options.is_null() {
        return Ok(Settings {
            config,
            format: Format::Raw,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        });
    }
    if !options.is_object() {
        return Err(type_error("options must be an object".to_owned()));
    }
    check_names(options)?;
    let format = read_format(field(options, "format"))?;
    let request_timeout = millis(field(options, "requestTimeoutMs"), "requestTimeoutMs")?
        .unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    let mut config = self::config(config, options, format)?;
    if let Some(step) = field(options, "setup") {
        let step = (step.dyn_into::<Function>())
            .map_err(|_| type_error("`setup` must be a function".to_owned()))?;
        config = crate::setup::setup(config, step, format, request_timeout);
    }
    if let Some(ms) = millis(field(options, "setupTimeoutMs"), "setupTimeoutMs")? {
        config = config.setup_timeout(ms);
    }
    Ok(Settings {
        config,
        format,
        request_timeout,
    })
}

/// A string is [`Config::new`]; a function is a URL provider (see
/// [`callbacks::url_provider`]).
fn read_url(url: &JsValue) -> Result<Config, JsValue> {
    if let Some(url) = url.as_string() {
        return Ok(Config::new(url));
    }
    match url.dyn_ref::<Function>() {
        Some(provider) => Ok(callbacks::url_provider(provider.clone())),
        None => Err(type_error(format!(
            "url must be a string or a function, got {}",
            json::type_name(url)
        ))),
    }
}

/// The subprotocols for [`Config::protocols`]: one string, an array of strings, or none.
/// The Rust API's subprotocols are fixed, so a provider function has no counterpart.
fn read_protocols(protocols: &JsValue) -> Result<Vec<String>, JsValue> {
    if protocols.is_undefined() || protocols.is_null() {
        return Ok(Vec::new());
    }
    if let Some(protocol) = protocols.as_string() {
        return Ok(vec![protocol]);
    }
    let refused = || {
        type_error(format!(
            "protocols must be a string or an array of strings, got {} (the Rust API's \
             subprotocols are fixed: Config::protocols)",
            json::type_name(protocols)
        ))
    };
    let list = protocols.dyn_ref::<Array>().ok_or_else(refused)?;
    list.iter()
        .map(|protocol| protocol.as_string().ok_or_else(refused))
        .collect()
}

/// Refuses any option name this class does not read.
fn check_names(options: &JsValue) -> Result<(), JsValue> {
    for name in js_sys::Object::keys(options.unchecked_ref::<js_sys::Object>()).iter() {
        let name = name.as_string().unwrap_or_default();
        if !KNOWN.contains(&name.as_str()) {
            return Err(type_error(format!(
                "the Rust face has no counterpart for option `{name}`"
            )));
        }
    }
    Ok(())
}

fn read_format(value: Option<JsValue>) -> Result<Format, JsValue> {
    match value.map(|value| value.as_string()) {
        None => Ok(Format::Raw),
        Some(Some(format)) if format == "raw" => Ok(Format::Raw),
        Some(Some(format)) if format == "json" => Ok(Format::Json),
        Some(Some(format)) if format == "msgpack" => Ok(Format::MsgPack),
        Some(_) => Err(type_error(
            "`format` must be \"raw\", \"json\" or \"msgpack\"".to_owned(),
        )),
    }
}

/// The `Config` methods for the options that have one.
fn config(mut config: Config, options: &JsValue, format: Format) -> Result<Config, JsValue> {
    let field = |name: &str| field(options, name);
    if let Some(ms) = millis(field("minReconnectionDelay"), "minReconnectionDelay")? {
        config = config.min_delay(ms);
    }
    if let Some(ms) = millis(field("maxReconnectionDelay"), "maxReconnectionDelay")? {
        config = config.max_delay(ms);
    }
    if let Some(factor) = number(
        field("reconnectionDelayGrowFactor"),
        "reconnectionDelayGrowFactor",
    )? {
        config = config.grow_factor(factor);
    }
    if let Some(jitter) = number(field("jitter"), "jitter")? {
        config = config.jitter(jitter);
    }
    if let Some(retries) = number(field("maxRetries"), "maxRetries")? {
        if retries != f64::INFINITY {
            config = config.max_retries(whole(retries, "maxRetries")? as u32);
        }
    }
    if let Some(ms) = millis(field("minUptime"), "minUptime")? {
        config = config.min_uptime(ms);
    }
    if let Some(ms) = millis(field("connectionTimeout"), "connectionTimeout")? {
        config = config.connect_timeout(ms);
    }
    if let Some(codes) = field("finalCloseCodes") {
        let codes = codes
            .dyn_into::<Array>()
            .map_err(|_| type_error("`finalCloseCodes` must be an array".to_owned()))?
            .iter()
            .map(|code| {
                let code = number(Some(code), "finalCloseCodes")?.unwrap_or(f64::NAN);
                Ok(whole(code, "finalCloseCodes")? as u16)
            })
            .collect::<Result<Vec<u16>, JsValue>>()?;
        config = config.final_codes(codes);
    }
    if let Some(decide) = field("shouldReconnectOnClose") {
        let decide = decide
            .dyn_into::<Function>()
            .map_err(|_| type_error("`shouldReconnectOnClose` must be a function".to_owned()))?;
        config = callbacks::should_reconnect(config, decide);
    }
    if let Some(heartbeat) = field("heartbeat") {
        config = config.heartbeat(read_heartbeat(&heartbeat, format)?);
    }
    if let Some(capacity) = number(field("maxEnqueuedMessages"), "maxEnqueuedMessages")? {
        config = config.queue_capacity(whole(capacity, "maxEnqueuedMessages")? as usize);
    }
    match field("overflow").map(|value| value.as_string()) {
        None => {}
        Some(Some(policy)) if policy == "error" => config = config.overflow(Overflow::Reject),
        Some(Some(policy)) if policy == "drop-oldest" => {
            config = config.overflow(Overflow::DropOldest);
        }
        Some(_) => {
            return Err(type_error(
                "`overflow` must be \"error\" or \"drop-oldest\"".to_owned(),
            ));
        }
    }
    if let Some(limit) = number(field("maxMessageBytes"), "maxMessageBytes")? {
        config = config.max_message_bytes(whole(limit, "maxMessageBytes")? as usize);
    }
    if let Some(start_closed) = boolean(field("startClosed"), "startClosed")? {
        config = config.start_closed(start_closed);
    }
    if let Some(debug) = boolean(field("debug"), "debug")? {
        config = config.debug(debug);
    }
    if let Some(name) = field("requestIdField") {
        let name = name
            .as_string()
            .ok_or_else(|| type_error("`requestIdField` must be a string".to_owned()))?;
        config = config.request_id_field(name);
    }
    if let Some(lazy) = boolean(field("lazy"), "lazy")? {
        config = config.lazy(lazy);
    }
    if let Some(idle) = millis(field("idleCloseMs"), "idleCloseMs")? {
        config = config.idle_close(idle);
    }
    if let Some(resend) = boolean(field("resendRequests"), "resendRequests")? {
        config = config.resend_requests(resend);
    }
    if let Some(session) = field("session") {
        config = match session.as_bool() {
            Some(false) => config,
            Some(true) => config.session(Session::new()),
            None => {
                let mut settings = Session::new();
                if let Some(window) = number(self::field(&session, "window"), "session.window")? {
                    settings = settings.window(whole(window, "session.window")? as u64);
                }
                if let Some(name) = self::field(&session, "persist") {
                    let name = name.as_string().ok_or_else(|| {
                        type_error("`session.persist` must be a string".to_owned())
                    })?;
                    settings = settings.persist(name);
                }
                config.session(settings)
            }
        };
    }
    Ok(config)
}

/// The JavaScript face's `binaryType`, given to the constructor: whether binary frames are
/// carried as `ArrayBuffer`s (`"arraybuffer"`) or the socket is text only (undefined). The
/// library reads every binary frame as an `ArrayBuffer`, so `"blob"` has no counterpart.
pub(crate) fn array_buffers(binary_type: &JsValue) -> Result<bool, JsValue> {
    if binary_type.is_undefined() {
        return Ok(false);
    }
    match binary_type.as_string() {
        Some(name) if name == "arraybuffer" => Ok(true),
        _ => Err(type_error(format!(
            "binaryType must be \"arraybuffer\" or undefined, got {} (the Rust API reads \
             binary frames as ArrayBuffers, never Blobs)",
            binary_type
                .as_string()
                .map_or_else(|| json::type_name(binary_type), |name| format!("{name:?}"))
        ))),
    }
}

/// A boolean option, if given.
fn boolean(value: Option<JsValue>, name: &str) -> Result<Option<bool>, JsValue> {
    value
        .map(|value| {
            (value.as_bool()).ok_or_else(|| type_error(format!("`{name}` must be true or false")))
        })
        .transpose()
}

/// `{ intervalMs, timeoutMs, ping?, pong? }`: pong as text or a function of the text; ping as
/// text, or with the "json" format any value, sent as its JSON text (as the JavaScript face
/// sends it).
fn read_heartbeat(value: &JsValue, format: Format) -> Result<Heartbeat, JsValue> {
    let interval = millis(field(value, "intervalMs"), "heartbeat.intervalMs")?;
    let timeout = millis(field(value, "timeoutMs"), "heartbeat.timeoutMs")?;
    let (Some(interval), Some(timeout)) = (interval, timeout) else {
        return Err(type_error(
            "`heartbeat` needs intervalMs and timeoutMs".to_owned(),
        ));
    };
    let mut heartbeat = Heartbeat::new(interval, timeout);
    if let Some(ping) = field(value, "ping") {
        heartbeat = match format {
            Format::Json => {
                let ping = json::raw_from_js(&ping).map_err(|reason| {
                    type_error(format!("`heartbeat.ping` has no JSON form ({reason})"))
                })?;
                heartbeat
                    .ping_json(&ping)
                    .map_err(|error| type_error(format!("`heartbeat.ping`: {error}")))?
            }
            Format::Raw | Format::MsgPack => heartbeat.ping(
                ping.as_string()
                    .ok_or_else(|| type_error("`heartbeat.ping` must be a string".to_owned()))?,
            ),
        };
    }
    if let Some(pong) = field(value, "pong") {
        heartbeat = match (pong.as_string(), pong.dyn_into::<Function>()) {
            (Some(pong), _) => heartbeat.pong_text(pong),
            (None, Ok(is_pong)) => callbacks::pong_matching(heartbeat, is_pong),
            (None, Err(_)) => {
                return Err(type_error(
                    "`heartbeat.pong` must be a string or a function".to_owned(),
                ));
            }
        };
    }
    Ok(heartbeat)
}

/// A field of `object`; `None` when absent or undefined, or when `object` has no fields.
pub(crate) fn field(object: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .filter(|value| !value.is_undefined())
}

fn number(value: Option<JsValue>, name: &str) -> Result<Option<f64>, JsValue> {
    match value {
        None => Ok(None),
        Some(value) => match value.as_f64() {
            Some(number) if !number.is_nan() => Ok(Some(number)),
            _ => Err(type_error(format!("`{name}` must be a number"))),
        },
    }
}

fn whole(value: f64, name: &str) -> Result<f64, JsValue> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 {
        Ok(value)
    } else {
        Err(type_error(format!(
            "`{name}` must be a whole number, got {value}"
        )))
    }
}

fn millis(value: Option<JsValue>, name: &str) -> Result<Option<Duration>, JsValue> {
    number(value, name)?
        .map(|ms| whole(ms.round(), name).map(|ms| Duration::from_millis(ms as u64)))
        .transpose()
}

pub(crate) fn type_error(message: String) -> JsValue {
    js_sys::TypeError::new(&format!("RustSocket: {message}")).into()
}
