//! `/` and `/pkg/`:
//! - files are served with the right MIME type (`.wasm`, `.js`, `.html`)
//! - `/` serves `index.html`
//! - missing files and missing directories answer 404

use std::fs;
use std::path::PathBuf;

use resocket_server::ServerConfig;

use crate::support::TestServer;

/// A directory of its own for one test, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("resocket-server-{}-{name}", std::process::id()));
        fs::create_dir_all(&path).expect("create scratch directory");
        Self(path)
    }

    fn write(&self, file: &str, contents: &[u8]) {
        fs::write(self.0.join(file), contents).expect("write scratch file");
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn files_are_served_with_their_mime_types() {
    let www = ScratchDir::new("www");
    let pkg = ScratchDir::new("pkg");
    www.write("index.html", b"<!doctype html><title>demo</title>");
    pkg.write("resocket_bg.wasm", b"\0asm\x01\0\0\0");
    pkg.write("resocket.js", b"export default 1;");
    let server = TestServer::start_with(ServerConfig {
        www: www.0.clone(),
        pkg: pkg.0.clone(),
        ..ServerConfig::default()
    })
    .await;

    let wasm = server.get("/pkg/resocket_bg.wasm").await;
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("Content-Type"), Some("application/wasm"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    let js = server.get("/pkg/resocket.js").await;
    assert_eq!(js.header("Content-Type"), Some("text/javascript"));

    let index = server.get("/").await;
    assert_eq!(index.status, 200);
    assert!(
        index
            .header("Content-Type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert_eq!(index.header("Cache-Control"), Some("no-cache"));

    assert_eq!(server.get("/pkg/missing.wasm").await.status, 404);
    assert_eq!(server.get("/missing.html").await.status, 404);
}

#[tokio::test]
async fn missing_directories_answer_404() {
    let server = TestServer::start_with(ServerConfig {
        www: PathBuf::from("/nonexistent/resocket/www"),
        pkg: PathBuf::from("/nonexistent/resocket/pkg"),
        ..ServerConfig::default()
    })
    .await;
    for path in ["/", "/index.html", "/pkg/", "/pkg/resocket.js"] {
        assert_eq!(server.get(path).await.status, 404, "{path}");
    }
    assert_eq!(server.get("/stats").await.status, 200);
}
