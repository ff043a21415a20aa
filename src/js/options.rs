//! Reads the JavaScript constructor's arguments (URL, protocols, options object) into driver
//! settings, with the option names and defaults of `reconnecting-websocket`.
//!
//! Every mistake is a `TypeError` naming the option (or a `SyntaxError` for URLs and
//! subprotocols, as `WebSocket` throws), never a trap.

use std::rc::Rc;

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BinaryType, CloseEvent};

use crate::codec::describe_js_error;
use crate::core::{HeartbeatTiming, MAX_TIMER_MS, Overflow, Policy};
use crate::driver::{CloseVerdict, Log, Pong, Settings};
use crate::error::quoted;
use crate::target::{self, Resolution, Resolver, Target, check_protocols, resolve_url};

#[wasm_bindgen]
extern "C" {
    /// JavaScript's `String(number)`: messages show numbers as JavaScript writes them
    /// (`Infinity`, `1e-7`), and Rust's float formatter (about 20 KB of wasm) stays out of
    /// the package.
    #[wasm_bindgen(js_name = String)]
    fn number_text(number: f64) -> String;
}

/// What the JavaScript face needs beyond the driver's settings.
pub(crate) struct Parsed {
    pub(crate) settings: Settings,
    pub(crate) start_closed: bool,
}

/// A constructor argument that is given now or asked for before every attempt.
#[derive(Clone)]
enum Source {
    Fixed(JsValue),
    Provider(Function),
}

/// A provider's answer: now, or once a promise settles.
enum Answer {
    Now(Result<JsValue, String>),
    Later(JsFuture),
}

impl Answer {
    fn from(source: &Source) -> Answer {
        match source {
            Source::Fixed(value) => Answer::Now(Ok(value.clone())),
            Source::Provider(provider) => match provider.call0(&JsValue::UNDEFINED) {
                Err(error) => Answer::Now(Err(describe_js_error(&error))),
                Ok(value) if has_then(&value) => {
                    Answer::Later(JsFuture::from(Promise::resolve(&value)))
                }
                Ok(value) => Answer::Now(Ok(value)),
            },
        }
    }

    async fn settle(self) -> Result<JsValue, String> {
        match self {
            Answer::Now(result) => result,
            Answer::Later(pending) => pending.await.map_err(|error| describe_js_error(&error)),
        }
    }
}

fn has_then(value: &JsValue) -> bool {
    value.is_object()
        && Reflect::get(value, &JsValue::from_str("then")).is_ok_and(|then| then.is_function())
}

/// Reads `(url, protocols, options)`.
pub(crate) fn parse(
    url: &JsValue,
    protocols: &JsValue,
    options: &JsValue,
) -> Result<Parsed, JsValue> {
    let options = Options::new(options)?;
    let url = source(url, "url", |value| {
        let url = url_string(value).ok_or_else(|| {
            type_error(format!(
                "the URL must be a string, a URL or a function returning one, got {}",
                type_name(value)
            ))
        })?;
        resolve_url(&url)
            .map(JsValue::from)
            .map_err(|error| syntax_error(error.to_string()))
    })?;
    let protocols = source(protocols, "protocols", |value| {
        let list = protocol_list(value).map_err(type_error)?;
        check_protocols(&list).map_err(|error| syntax_error(error.to_string()))?;
        Ok(value.clone())
    })?;
    let json = match options.string("format")?.as_deref() {
        None | Some("raw") => false,
        Some("json") => true,
        Some(other) => {
            return Err(type_error(format!(
                "option `format` must be \"raw\" or \"json\", got {}",
                quoted(other)
            )));
        }
    };
    let heartbeat = options.heartbeat(json)?;
    let mut policy = options.policy()?;
    policy.heartbeat = heartbeat.as_ref().map(|heartbeat| heartbeat.timing);
    // Everything was range-checked while reading; this only guards the core's own invariants.
    policy
        .validate()
        .map_err(|error| type_error(error.to_string()))?;
    Ok(Parsed {
        settings: Settings {
            policy,
            target: resolver(url, protocols)?,
            heartbeat: heartbeat.map(|heartbeat| (heartbeat.ping, heartbeat.pong)),
            should_reconnect: options
                .function("shouldReconnectOnClose")?
                .map(close_verdict),
            binary_type: BinaryType::Blob,
            log: options.boolean("debug")?.unwrap_or(false).then(console_log),
        },
        start_closed: options.boolean("startClosed")?.unwrap_or(false),
    })
}

/// A fixed argument is checked now with `check`; a function is kept to be asked later.
fn source(
    value: &JsValue,
    name: &str,
    check: impl Fn(&JsValue) -> Result<JsValue, JsValue>,
) -> Result<Source, JsValue> {
    if let Some(provider) = value.dyn_ref::<Function>() {
        return Ok(Source::Provider(provider.clone()));
    }
    if name == "protocols" && value.is_null() {
        return Ok(Source::Fixed(JsValue::UNDEFINED));
    }
    check(value).map(Source::Fixed)
}

fn url_string(value: &JsValue) -> Option<String> {
    value
        .as_string()
        .or_else(|| value.dyn_ref::<web_sys::Url>().map(web_sys::Url::href))
}

fn protocol_list(value: &JsValue) -> Result<Vec<String>, String> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if let Some(protocol) = value.as_string() {
        return Ok(vec![protocol]);
    }
    let Some(list) = value.dyn_ref::<Array>() else {
        return Err(format!(
            "protocols must be a string, an array of strings or a function returning one, got {}",
            type_name(value)
        ));
    };
    list.iter()
        .map(|item| {
            item.as_string()
                .ok_or_else(|| format!("every protocol must be a string, got {}", type_name(&item)))
        })
        .collect()
}

/// Asks the URL and protocol sources before every attempt.
fn resolver(url: Source, protocols: Source) -> Result<Resolver, JsValue> {
    if let (Source::Fixed(url), Source::Fixed(protocols)) = (&url, &protocols) {
        let list = protocol_list(protocols).map_err(type_error)?;
        return Ok(target::fixed(Target {
            url: url.as_string().unwrap_or_default(),
            protocols: list,
        }));
    }
    Ok(Rc::new(move || {
        let (url, protocols) = (Answer::from(&url), Answer::from(&protocols));
        match (url, protocols) {
            (Answer::Now(url), Answer::Now(protocols)) => {
                Resolution::Ready(target_from(url, protocols))
            }
            (url, protocols) => Resolution::Pending(Box::pin(async move {
                let url = url.settle().await;
                target_from(url, protocols.settle().await)
            })),
        }
    }))
}

fn target_from(
    url: Result<JsValue, String>,
    protocols: Result<JsValue, String>,
) -> Result<Target, String> {
    let url = url?;
    let url = url_string(&url).ok_or_else(|| {
        format!(
            "the URL provider returned {}, not a string or URL",
            type_name(&url)
        )
    })?;
    Ok(Target {
        url,
        protocols: protocol_list(&protocols?)?,
    })
}

fn close_verdict(decide: Function) -> CloseVerdict {
    Rc::new(
        move |event: &CloseEvent| match decide.call1(&JsValue::UNDEFINED, event) {
            Ok(verdict) => verdict.is_truthy(),
            Err(error) => {
                // A throwing predicate must not stop recovery: report it and keep reconnecting.
                web_sys::console::error_2(&"resocket: shouldReconnectOnClose threw".into(), &error);
                true
            }
        },
    )
}

fn console_log() -> Log {
    Rc::new(|line: &str| web_sys::console::log_2(&"resocket:".into(), &line.into()))
}

/// The `heartbeat` option, read.
struct Heartbeat {
    timing: HeartbeatTiming,
    ping: JsValue,
    pong: Pong,
}

/// The options object, read field by field.
struct Options(JsValue);

impl Options {
    fn new(options: &JsValue) -> Result<Options, JsValue> {
        if options.is_undefined()
            || options.is_null()
            || options.is_object() && !options.is_function()
        {
            Ok(Options(options.clone()))
        } else {
            Err(type_error(format!(
                "options must be an object, got {}",
                type_name(options)
            )))
        }
    }

    /// A field's value; `undefined` when absent.
    fn get(&self, name: &str) -> Option<JsValue> {
        if !self.0.is_object() {
            return None;
        }
        Reflect::get(&self.0, &JsValue::from_str(name))
            .ok()
            .filter(|value| !value.is_undefined())
    }

    fn number(&self, name: &str) -> Result<Option<f64>, JsValue> {
        number_field(self.get(name), name)
    }

    fn millis(&self, name: &str, default: u32, allow_zero: bool) -> Result<u32, JsValue> {
        millis_field(self.get(name), name, default, allow_zero)
    }

    fn boolean(&self, name: &str) -> Result<Option<bool>, JsValue> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value.as_bool().map(Some).ok_or_else(|| {
                type_error(format!(
                    "option `{name}` must be true or false, got {}",
                    type_name(&value)
                ))
            }),
        }
    }

    fn string(&self, name: &str) -> Result<Option<String>, JsValue> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value.as_string().map(Some).ok_or_else(|| {
                type_error(format!(
                    "option `{name}` must be a string, got {}",
                    type_name(&value)
                ))
            }),
        }
    }

    fn function(&self, name: &str) -> Result<Option<Function>, JsValue> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value.dyn_into::<Function>().map(Some).map_err(|value| {
                type_error(format!(
                    "option `{name}` must be a function, got {}",
                    type_name(&value)
                ))
            }),
        }
    }

    /// A whole number of at least `min`, or `Infinity` (`None`).
    fn count(&self, name: &str, min: u32) -> Result<Option<Option<f64>>, JsValue> {
        let Some(value) = self.number(name)? else {
            return Ok(None);
        };
        if value == f64::INFINITY {
            return Ok(Some(None));
        }
        if value.fract() != 0.0 || value < f64::from(min) || !value.is_finite() {
            return Err(type_error(format!(
                "option `{name}` must be a whole number of at least {min} (or Infinity), got {}",
                number_text(value)
            )));
        }
        Ok(Some(Some(value)))
    }

    fn policy(&self) -> Result<Policy, JsValue> {
        let defaults = Policy::default();
        let mut policy = Policy::default();
        let backoff = &mut policy.backoff;
        backoff.min_delay_ms =
            self.millis("minReconnectionDelay", defaults.backoff.min_delay_ms, true)?;
        backoff.max_delay_ms =
            self.millis("maxReconnectionDelay", defaults.backoff.max_delay_ms, true)?;
        if let Some(grow) = self.number("reconnectionDelayGrowFactor")? {
            if !(grow.is_finite() && grow >= 1.0) {
                return Err(type_error(format!(
                    "option `reconnectionDelayGrowFactor` must be a finite number of at least 1, got {}",
                    number_text(grow)
                )));
            }
            backoff.grow_factor = grow;
        }
        if let Some(jitter) = self.number("jitter")? {
            if !(0.0..=1.0).contains(&jitter) {
                return Err(type_error(format!(
                    "option `jitter` must be from 0 to 1, got {}",
                    number_text(jitter)
                )));
            }
            backoff.jitter = jitter;
        }
        if backoff.min_delay_ms > backoff.max_delay_ms {
            return Err(type_error(format!(
                "option `minReconnectionDelay` ({}) must not exceed `maxReconnectionDelay` ({})",
                backoff.min_delay_ms, backoff.max_delay_ms
            )));
        }
        policy.min_uptime_ms = self.millis("minUptime", defaults.min_uptime_ms, true)?;
        policy.connect_timeout_ms =
            self.millis("connectionTimeout", defaults.connect_timeout_ms, false)?;
        if let Some(retries) = self.count("maxRetries", 0)? {
            policy.max_retries = retries.map(|retries| retries.min(f64::from(u32::MAX)) as u32);
        }
        if let Some(capacity) = self.count("maxEnqueuedMessages", 1)? {
            policy.queue_capacity = capacity.map_or(usize::MAX, |capacity| capacity as usize);
        }
        if let Some(limit) = self.count("maxMessageBytes", 1)? {
            policy.max_message_bytes =
                limit.map_or(usize::MAX, |limit| limit.min(usize::MAX as f64) as usize);
        }
        if let Some(codes) = self.get("finalCloseCodes") {
            policy.final_codes = close_codes(&codes)?;
        }
        policy.overflow = match self.string("overflow")?.as_deref() {
            None | Some("error") => Overflow::Reject,
            Some("drop-oldest") => Overflow::DropOldest,
            Some(other) => {
                return Err(type_error(format!(
                    "option `overflow` must be \"error\" or \"drop-oldest\", got {}",
                    quoted(other)
                )));
            }
        };
        Ok(policy)
    }

    /// `heartbeat: { intervalMs, timeoutMs, ping?, pong? }`: the timing, the ping to send and
    /// how to recognise the pong.
    fn heartbeat(&self, json: bool) -> Result<Option<Heartbeat>, JsValue> {
        let heartbeat = match self.get("heartbeat") {
            None => return Ok(None),
            Some(value) if value.is_object() => value,
            Some(value) => {
                return Err(type_error(format!(
                    "option `heartbeat` must be an object {{ intervalMs, timeoutMs, ping?, pong? }}, got {}",
                    type_name(&value)
                )));
            }
        };
        let field = |name: &str| {
            Reflect::get(&heartbeat, &JsValue::from_str(name))
                .ok()
                .filter(|value| !value.is_undefined())
        };
        let required = |name: &str| {
            let value = field(name)
                .ok_or_else(|| type_error(format!("option `heartbeat.{name}` is required")))?;
            millis_field(Some(value), &format!("heartbeat.{name}"), 0, false)
        };
        let timing = HeartbeatTiming {
            interval_ms: required("intervalMs")?,
            timeout_ms: required("timeoutMs")?,
        };
        let ping = match field("ping") {
            None => JsValue::from_str("ping"),
            Some(ping) if json => js_sys::JSON::stringify(&ping)
                .map(JsValue::from)
                .map_err(|_| type_error("option `heartbeat.ping` has no JSON form".to_owned()))?,
            Some(ping) if is_raw_data(&ping) => ping,
            Some(ping) => {
                return Err(type_error(format!(
                    "option `heartbeat.ping` must be a string, ArrayBuffer, typed array or Blob, got {}",
                    type_name(&ping)
                )));
            }
        };
        let pong = match field("pong") {
            None => Pong::Exact(JsValue::from_str("pong")),
            Some(pong) if pong.is_string() => Pong::Exact(pong),
            Some(pong) => {
                let is_pong = pong.dyn_into::<Function>().map_err(|pong| {
                    type_error(format!(
                        "option `heartbeat.pong` must be a string or a function, got {}",
                        type_name(&pong)
                    ))
                })?;
                Pong::Custom(Rc::new(move |data: &JsValue| {
                    is_pong
                        .call1(&JsValue::UNDEFINED, data)
                        .is_ok_and(|verdict| verdict.is_truthy())
                }))
            }
        };
        Ok(Some(Heartbeat { timing, ping, pong }))
    }
}

fn number_field(value: Option<JsValue>, name: &str) -> Result<Option<f64>, JsValue> {
    match value {
        None => Ok(None),
        Some(value) => match value.as_f64() {
            Some(number) if !number.is_nan() => Ok(Some(number)),
            _ => Err(type_error(format!(
                "option `{name}` must be a number, got {}",
                describe(&value)
            ))),
        },
    }
}

fn millis_field(
    value: Option<JsValue>,
    name: &str,
    default: u32,
    allow_zero: bool,
) -> Result<u32, JsValue> {
    let Some(ms) = number_field(value, name)? else {
        return Ok(default);
    };
    let least: u32 = if allow_zero { 0 } else { 1 };
    if !(ms >= f64::from(least) && ms <= f64::from(MAX_TIMER_MS)) {
        return Err(type_error(format!(
            "option `{name}` must be from {least} to {MAX_TIMER_MS} milliseconds, got {}",
            number_text(ms)
        )));
    }
    Ok(ms.round() as u32)
}

fn close_codes(value: &JsValue) -> Result<Vec<u16>, JsValue> {
    let fail = || {
        type_error(format!(
            "option `finalCloseCodes` must be an array of close codes (1000 to 4999), got {}",
            describe(value)
        ))
    };
    let list = value.dyn_ref::<Array>().ok_or_else(fail)?;
    list.iter()
        .map(|code| match code.as_f64() {
            Some(code) if code.fract() == 0.0 && (1000.0..=4999.0).contains(&code) => {
                Ok(code as u16)
            }
            _ => Err(fail()),
        })
        .collect()
}

/// What `WebSocket.send` takes.
pub(crate) fn is_raw_data(value: &JsValue) -> bool {
    value.is_string()
        || value.is_instance_of::<js_sys::ArrayBuffer>()
        || js_sys::ArrayBuffer::is_view(value)
        || value.is_instance_of::<web_sys::Blob>()
}

fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        return "null".to_owned();
    }
    if Array::is_array(value) {
        return "an array".to_owned();
    }
    value.js_typeof().as_string().unwrap_or_default()
}

fn describe(value: &JsValue) -> String {
    match value.as_f64() {
        Some(number) => number_text(number),
        None => value
            .as_string()
            .map_or_else(|| type_name(value), |text| quoted(&text)),
    }
}

pub(crate) fn type_error(message: String) -> JsValue {
    js_sys::TypeError::new(&format!("resocket: {message}")).into()
}

fn syntax_error(message: String) -> JsValue {
    js_sys::SyntaxError::new(&format!("resocket: {message}")).into()
}
