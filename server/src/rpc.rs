//! `/rpc`: answers JSON requests by id, so clients can test request/response correlation.
//!
//! A request is `{"id": ID, "method": M, "params": P}`; the answer is `{"id": ID, "result": R}`
//! or `{"id": ID, "error": {"code": C, "message": TEXT}}`, with the codes of JSON-RPC 2.0 for
//! malformed requests. `?id_field=NAME` names the id field otherwise. Answers are not in request
//! order: a `sleep` answers after the requests that came after it.
//!
//! | method | params | answer |
//! | --- | --- | --- |
//! | `add` | `[a, b]` | `a + b` |
//! | `echo` | anything | the params |
//! | `sleep` | `[ms]` (at most 10,000) | `ms`, after that many milliseconds |
//! | `notify` | anything | first a message that is not an answer, `{"event": "notice", "params": P}`, then `true` |
//! | `fail` | anything | the error `{"code": 1, "message": "failed as asked"}` |
//!
//! A binary message is a request in MessagePack (maps keyed by name, as `@msgpack/msgpack` and
//! resocket's `MsgPack` codec write objects), answered the same way, in MessagePack: the same
//! requests and answers as JSON's, written in the other format.
//!
//! `ping` is answered `pong`, as on the other endpoints.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::connection::Connection;
use crate::faults::is_heartbeat;
use crate::live_sessions::Registration;
use crate::session::{Outcome, client_closed};
use crate::state::AppState;
use crate::stats::{Endpoint, OpenConnection};
use crate::upgrade;

/// The longest `sleep` answered; longer requests are refused as invalid params.
const MAX_SLEEP_MS: u64 = 10_000;
/// The longest `id_field` name accepted.
const MAX_ID_FIELD_BYTES: usize = 64;

/// JSON-RPC 2.0's error codes for requests that are not understood.
const PARSE_ERROR: i64 = -32_700;
const INVALID_REQUEST: i64 = -32_600;
const METHOD_NOT_FOUND: i64 = -32_601;
const INVALID_PARAMS: i64 = -32_602;

pub(crate) async fn handle(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let (connection, upgrade) =
        match upgrade::admit_upgrade(&state, &uri, &headers, &query, upgrade) {
            Ok(admitted) => admitted,
            Err(refused) => return *refused,
        };
    let id_field = query
        .get("id_field")
        .map_or("id", String::as_str)
        .to_owned();
    if id_field.is_empty() || id_field.len() > MAX_ID_FIELD_BYTES {
        let why = format_args!("id_field must be 1 to {MAX_ID_FIELD_BYTES} bytes long");
        return connection.refuse(StatusCode::BAD_REQUEST, why);
    }
    let session_state = Arc::clone(&state);
    upgrade::accept(upgrade, &headers, &state, move |socket| {
        run(socket, connection, id_field, session_state)
    })
}

async fn run(
    mut socket: WebSocket,
    connection: Connection,
    id_field: String,
    state: Arc<AppState>,
) {
    let mut control = state.live.register(connection.client());
    let mut open = state.stats.open(Endpoint::Rpc, connection.client());
    connection.log_opened(socket.protocol());
    let outcome = converse(&mut socket, &id_field, &mut open, &mut control, &state).await;
    connection.log_closed(open.messages(), &outcome);
}

async fn converse(
    socket: &mut WebSocket,
    id_field: &str,
    open: &mut OpenConnection,
    control: &mut Registration,
    state: &AppState,
) -> Outcome {
    // Delayed answers come back through here, so a `sleep` never holds up other requests.
    let (later, mut due) = mpsc::unbounded_channel::<Message>();
    loop {
        let mut replies = Vec::new();
        tokio::select! {
            biased;
            stop = control.next_stop_or_shutdown(&state.shutdown) => {
                if let Some(stop) = stop {
                    return stop.carry_out(socket).await;
                }
            }
            // The sender lives in this function, so the channel never closes.
            Some(reply) = due.recv() => replies.push(reply),
            incoming = socket.recv(), if !control.is_stalled() => match incoming {
                None => return Outcome::Lost(None),
                Some(Err(error)) => return Outcome::Lost(Some(error)),
                Some(Ok(Message::Close(frame))) => return client_closed(socket, frame).await,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(message)) if is_heartbeat(&message) => {
                    open.record(&message);
                    replies.push(Message::text("pong"));
                }
                Some(Ok(message)) => {
                    open.record(&message);
                    let (answer, wire) = match &message {
                        Message::Binary(bytes) => (msgpack_answer(bytes, id_field), Wire::MsgPack),
                        Message::Text(text) => (answer(text.as_str(), id_field), Wire::Json),
                        // Ping and pong never reach here; a close did not.
                        _ => continue,
                    };
                    replies.extend(answer.now.into_iter().map(|reply| wire.message(reply)));
                    if let Some((delay, reply)) = answer.later {
                        let later = later.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(delay).await;
                            let _ = later.send(wire.message(reply));
                        });
                    }
                }
            },
        }
        if control.is_silenced() {
            continue;
        }
        for reply in replies {
            if let Err(error) = socket.send(reply).await {
                return Outcome::SendFailed(error);
            }
        }
    }
}

/// The format a request came in, which its answers go out in.
#[derive(Clone, Copy, Debug)]
enum Wire {
    Json,
    MsgPack,
}

impl Wire {
    /// The answer `reply` (JSON text) as a message of this format.
    fn message(self, reply: String) -> Message {
        match self {
            Wire::Json => Message::text(reply),
            // An answer is JSON this endpoint wrote, so it parses and has a MessagePack form.
            Wire::MsgPack => serde_json::from_str::<Value>(&reply)
                .ok()
                .and_then(|value| rmp_serde::to_vec_named(&value).ok())
                .map_or_else(
                    || Message::text(reply),
                    |bytes| Message::Binary(bytes.into()),
                ),
        }
    }
}

/// The answer to a request in MessagePack: read as JSON's would be (its answers JSON text,
/// for [`Wire::MsgPack`] to write).
pub(crate) fn msgpack_answer(bytes: &[u8], id_field: &str) -> Answer {
    match rmp_serde::from_slice::<Value>(bytes) {
        Ok(request) => answer(&request.to_string(), id_field),
        Err(error) => Answer::now(error_reply(
            id_field,
            Value::Null,
            PARSE_ERROR,
            &format!("not MessagePack: {error}"),
        )),
    }
}

/// What one request is answered with: messages now, and maybe one after a delay.
#[derive(Debug, PartialEq)]
pub(crate) struct Answer {
    pub now: Vec<String>,
    pub later: Option<(Duration, String)>,
}

impl Answer {
    fn now(reply: String) -> Self {
        Answer {
            now: vec![reply],
            later: None,
        }
    }
}

/// Whether `text` is a request as this endpoint reads them: a JSON object with an id (in
/// `id_field`) and a method. `/session` answers those and echoes everything else.
pub(crate) fn is_request(text: &str, id_field: &str) -> bool {
    matches!(
        serde_json::from_str::<Value>(text),
        Ok(Value::Object(request))
            if request.get(id_field).is_some_and(|id| !id.is_null())
                && request.get("method").is_some_and(Value::is_string)
    )
}

pub(crate) fn answer(text: &str, id_field: &str) -> Answer {
    let request = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(request)) => request,
        Ok(_) => {
            return Answer::now(error_reply(
                id_field,
                Value::Null,
                INVALID_REQUEST,
                "a request is a JSON object",
            ));
        }
        Err(error) => {
            return Answer::now(error_reply(
                id_field,
                Value::Null,
                PARSE_ERROR,
                &format!("not JSON: {error}"),
            ));
        }
    };
    let Some(id) = request.get(id_field).cloned().filter(|id| !id.is_null()) else {
        let why = format!("a request needs an id in {id_field:?}");
        return Answer::now(error_reply(id_field, Value::Null, INVALID_REQUEST, &why));
    };
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    match request.get("method").and_then(Value::as_str) {
        Some("add") => match params.as_array().map(Vec::as_slice) {
            Some([Value::Number(a), Value::Number(b)]) => {
                // Whole numbers stay whole (`5`, not `5.0`) unless the sum overflows.
                let sum = match (a.as_i64(), b.as_i64()) {
                    (Some(a), Some(b)) => a.checked_add(b).map(Value::from),
                    _ => None,
                }
                .unwrap_or_else(|| json!(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0)));
                Answer::now(result_reply(id_field, id, sum))
            }
            _ => Answer::now(error_reply(
                id_field,
                id,
                INVALID_PARAMS,
                "add takes two numbers",
            )),
        },
        Some("echo") => Answer::now(result_reply(id_field, id, params)),
        Some("sleep") => match params.get(0).and_then(Value::as_u64) {
            Some(ms) if ms <= MAX_SLEEP_MS => Answer {
                now: Vec::new(),
                later: Some((
                    Duration::from_millis(ms),
                    result_reply(id_field, id, json!(ms)),
                )),
            },
            _ => {
                let why = format!("sleep takes [ms], at most {MAX_SLEEP_MS}");
                Answer::now(error_reply(id_field, id, INVALID_PARAMS, &why))
            }
        },
        Some("notify") => Answer {
            now: vec![
                json!({"event": "notice", "params": params}).to_string(),
                result_reply(id_field, id, Value::Bool(true)),
            ],
            later: None,
        },
        Some("fail") => Answer::now(error_reply(id_field, id, 1, "failed as asked")),
        Some(method) => {
            let why = format!("no method {method:?}");
            Answer::now(error_reply(id_field, id, METHOD_NOT_FOUND, &why))
        }
        None => Answer::now(error_reply(
            id_field,
            id,
            INVALID_REQUEST,
            "a request needs a method",
        )),
    }
}

fn result_reply(id_field: &str, id: Value, result: Value) -> String {
    reply(id_field, id, "result", result)
}

fn error_reply(id_field: &str, id: Value, code: i64, message: &str) -> String {
    reply(
        id_field,
        id,
        "error",
        json!({"code": code, "message": message}),
    )
}

fn reply(id_field: &str, id: Value, kind: &str, value: Value) -> String {
    let mut reply = Map::new();
    reply.insert(id_field.to_owned(), id);
    reply.insert(kind.to_owned(), value);
    Value::Object(reply).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now(text: &str) -> Vec<Value> {
        let answer = answer(text, "id");
        assert_eq!(answer.later, None);
        answer
            .now
            .iter()
            .map(|reply| serde_json::from_str(reply).expect("JSON"))
            .collect()
    }

    #[test]
    fn methods_answer_by_id() {
        assert_eq!(
            now(r#"{"id":1,"method":"add","params":[2,3]}"#),
            [json!({"id": 1, "result": 5})]
        );
        assert_eq!(
            now(r#"{"id":"a","method":"echo","params":{"x":[1]}}"#),
            [json!({"id": "a", "result": {"x": [1]}})]
        );
        assert_eq!(
            now(r#"{"id":2,"method":"notify","params":7}"#),
            [
                json!({"event": "notice", "params": 7}),
                json!({"id": 2, "result": true})
            ]
        );
        assert_eq!(
            now(r#"{"id":3,"method":"fail"}"#),
            [json!({"id": 3, "error": {"code": 1, "message": "failed as asked"}})]
        );
    }

    #[test]
    fn add_keeps_whole_numbers_whole() {
        assert_eq!(
            now(r#"{"id":1,"method":"add","params":[0.5,2]}"#),
            [json!({"id": 1, "result": 2.5})]
        );
        assert_eq!(
            now(r#"{"id":1,"method":"add","params":[9223372036854775807,1]}"#),
            [json!({"id": 1, "result": 9.223372036854776e18})]
        );
    }

    #[test]
    fn sleep_answers_later() {
        let answer = answer(r#"{"id":4,"method":"sleep","params":[250]}"#, "id");
        assert!(answer.now.is_empty());
        let (delay, reply) = answer.later.expect("a later answer");
        assert_eq!(delay, Duration::from_millis(250));
        assert_eq!(
            serde_json::from_str::<Value>(&reply).unwrap(),
            json!({"id": 4, "result": 250})
        );
    }

    #[test]
    fn the_id_field_can_be_renamed() {
        let answer = answer(r#"{"rid":5,"method":"add","params":[1,1]}"#, "rid");
        assert_eq!(
            serde_json::from_str::<Value>(&answer.now[0]).unwrap(),
            json!({"rid": 5, "result": 2})
        );
    }

    #[test]
    fn bad_requests_get_errors_with_json_rpc_codes() {
        let code = |text: &str| now(text)[0]["error"]["code"].as_i64();
        assert_eq!(code("{nope"), Some(PARSE_ERROR));
        assert_eq!(code("[1]"), Some(INVALID_REQUEST));
        assert_eq!(
            code(r#"{"method":"add","params":[1,2]}"#),
            Some(INVALID_REQUEST)
        );
        assert_eq!(code(r#"{"id":1}"#), Some(INVALID_REQUEST));
        assert_eq!(code(r#"{"id":1,"method":"nope"}"#), Some(METHOD_NOT_FOUND));
        assert_eq!(
            code(r#"{"id":1,"method":"add","params":[1]}"#),
            Some(INVALID_PARAMS)
        );
        assert_eq!(
            code(r#"{"id":1,"method":"sleep","params":[10001]}"#),
            Some(INVALID_PARAMS)
        );
    }
}
