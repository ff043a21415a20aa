//! Application messages, and how they travel in the protocol's frames (`PROTOCOL.md`,
//! "Frames"): `m` then the message, or `b` then a JSON array of text messages.

use axum::extract::ws;
use resocket_core::WireSize;
use resocket_core::session::{BATCH_TAG, FrameKind, MESSAGE_TAG, ProtocolError};

/// A message of the application's, text or binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl WireSize for Message {
    fn wire_size(&self) -> u64 {
        match self {
            Message::Text(text) => text.len() as u64,
            Message::Binary(bytes) => bytes.len() as u64,
        }
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Text(text.to_owned())
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text)
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Message::Binary(bytes)
    }
}

/// The frame that carries `message`.
pub(crate) fn frame_of(message: &Message) -> ws::Message {
    match message {
        Message::Text(text) => {
            let mut frame = String::with_capacity(text.len() + 1);
            frame.push(char::from(MESSAGE_TAG));
            frame.push_str(text);
            ws::Message::Text(frame.into())
        }
        Message::Binary(bytes) => {
            let mut frame = Vec::with_capacity(bytes.len() + 1);
            frame.push(MESSAGE_TAG);
            frame.extend_from_slice(bytes);
            ws::Message::Binary(frame.into())
        }
    }
}

/// What an incoming frame carries.
pub(crate) enum Incoming {
    /// Messages, in order.
    Messages(Vec<Message>),
    /// A control frame's text.
    Control(String),
    /// Nothing for the protocol (a ping or pong, answered by the WebSocket layer).
    Nothing,
    /// The peer closed, with this code.
    Closed(Option<u16>),
}

/// Reads a frame: its messages, or the control frame it is.
pub(crate) fn read_frame(frame: ws::Message) -> Result<Incoming, ProtocolError> {
    match frame {
        ws::Message::Text(text) => {
            let text = text.as_str();
            match FrameKind::of(text.bytes().next())? {
                FrameKind::Message => Ok(Incoming::Messages(vec![Message::Text(
                    text[1..].to_owned(),
                )])),
                FrameKind::Batch => {
                    let texts: Vec<String> = serde_json::from_str(&text[1..]).map_err(|_| {
                        ProtocolError::new("a batch that is not a JSON array of strings")
                    })?;
                    Ok(Incoming::Messages(
                        texts.into_iter().map(Message::Text).collect(),
                    ))
                }
                FrameKind::Control => Ok(Incoming::Control(text.to_owned())),
            }
        }
        ws::Message::Binary(bytes) => match bytes.first() {
            Some(&MESSAGE_TAG) => Ok(Incoming::Messages(vec![Message::Binary(
                bytes[1..].to_vec(),
            )])),
            Some(&BATCH_TAG) | Some(b'~') | Some(_) | None => {
                Err(ProtocolError::new("a binary frame that is not a message"))
            }
        },
        ws::Message::Ping(_) | ws::Message::Pong(_) => Ok(Incoming::Nothing),
        ws::Message::Close(frame) => Ok(Incoming::Closed(frame.map(|frame| frame.code))),
    }
}
