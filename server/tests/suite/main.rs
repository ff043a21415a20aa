//! The server in-process on a free port, driven by a real WebSocket client and raw HTTP.
//! One test binary for all of it: one link step instead of one per file.

mod chat;
mod cli;
mod control;
mod echo;
mod faults;
mod lifecycle;
mod origin;
mod resumable;
mod rpc;
mod session_chat;
mod static_files;
mod stats;
mod support;
mod tls;
