//! The `resocket-server` binary:
//! - `--port 0` prints exactly `resocket-server listening on http://127.0.0.1:PORT` on stdout
//! - it serves on that port and exits 0 on SIGTERM
//! - a port that cannot be bound is reported on stderr with exit code 1
//! - with its stderr closed (a launcher that stopped reading), it still serves: a log line that
//!   cannot be written is dropped, never a connection

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::support::{PATIENCE, http};

fn server_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_resocket-server"));
    command
        .args(["--www", "/nonexistent/www", "--pkg", "/nonexistent/pkg"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn first_line(stdout: impl Read) -> String {
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the announcement");
    line
}

/// The address in the server's announcement, which must be a loopback address with a real port
/// under `scheme`.
fn announced_address(line: &str, scheme: &str) -> SocketAddr {
    let address = line
        .strip_prefix(&format!("resocket-server listening on {scheme}://"))
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("unexpected announcement {line:?}"));
    let address: SocketAddr = address.parse().expect("an address");
    assert!(
        address.ip().is_loopback() && address.port() != 0,
        "{address}"
    );
    address
}

fn wait_with_patience(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit in time");
        }
        sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn announces_its_port_and_exits_cleanly_on_sigterm() {
    let mut child = server_command()
        .args(["--port", "0"])
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let address = announced_address(&first_line(stdout), "http");
    assert_eq!(http(address, "GET", "/stats", &[]).await.status, 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || wait_with_patience(&mut child))
        .await
        .expect("join");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn tls_announces_an_https_url() {
    let mut child = server_command()
        .args(["--port", "0", "--tls"])
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let line = first_line(stdout);
    let _ = child.kill();
    let _ = child.wait();
    announced_address(&line, "https");
}

#[test]
fn a_taken_port_exits_with_code_1() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port().to_string();
    let mut child = server_command()
        .args(["--port", &port])
        .spawn()
        .expect("spawn");
    let status = wait_with_patience(&mut child);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot listen on 127.0.0.1:"), "{stderr}");
}

#[tokio::test]
async fn keeps_serving_when_its_stderr_is_closed() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let mut child = server_command()
        .args(["--port", "0"])
        .spawn()
        .expect("spawn");
    drop(child.stderr.take());
    let stdout = child.stdout.take().expect("stdout");
    let address = announced_address(&first_line(stdout), "http");
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/echo"))
        .await
        .expect("connect");
    socket
        .send(Message::Text("still here".into()))
        .await
        .expect("send");
    let echo = tokio::time::timeout(PATIENCE, socket.next())
        .await
        .expect("in time");
    assert_eq!(
        echo.expect("open").expect("a frame"),
        Message::Text("still here".into())
    );
    let _ = child.kill();
    let _ = child.wait();
}
