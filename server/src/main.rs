//! `resocket-server`: the demo page, the npm package and the test endpoints on 127.0.0.1.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use resocket_server::{Server, ServerConfig};
use tokio::signal::unix::{SignalKind, signal};

/// A log line that never fails (see the library's `log_line!`).
macro_rules! log_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Demo and test server for resocket, listening on 127.0.0.1 only.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// TCP port on 127.0.0.1; 0 picks a free one (the line printed on stdout tells which).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Directory served at /.
    #[arg(long, value_name = "DIR", default_value = "www")]
    www: PathBuf,
    /// Directory served at /pkg/.
    #[arg(long, value_name = "DIR", default_value = "pkg")]
    pkg: PathBuf,
    /// Origin allowed to open WebSockets; repeat for more. Without any, every origin is allowed.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,
    /// Serve HTTPS and WSS with a self-signed certificate for 127.0.0.1 and localhost, made at
    /// startup.
    #[arg(long)]
    tls: bool,
    /// Keep /session's sessions in the Redis at URL (redis://…, redis+unix://…), shared with
    /// every server started on it: a client resumes its session on whichever it reaches.
    #[arg(long, value_name = "URL")]
    session_store: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => error.exit(),
        Err(error) => {
            // Nothing else is left to report the error to if stderr is gone.
            let _ = error.print();
            return ExitCode::FAILURE;
        }
    };
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log_line!("resocket-server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> io::Result<()> {
    // Installed before binding, so a signal sent right after the announcement is not lost.
    let shutdown = shutdown_requested()?;
    let server = Server::bind(ServerConfig {
        port: cli.port,
        www: cli.www,
        pkg: cli.pkg,
        allowed_origins: cli.allow_origins,
        tls: cli.tls,
        session_store: cli.session_store,
    })
    .await?;
    announce(&server.url())?;
    server.run(shutdown).await?;
    log_line!("resocket-server stopped");
    Ok(())
}

/// The one stdout line; scripts started with `--port 0` read the port from it.
fn announce(url: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "resocket-server listening on {url}")?;
    stdout.flush()
}

/// Resolves on the first Ctrl-C (SIGINT) or SIGTERM.
fn shutdown_requested() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        log_line!("resocket-server shutting down");
    })
}
