//! A Redis of the test's own: Debian's `redis-server`, on a Unix socket in a fresh directory
//! (no port to collide with), nothing saved to disk, stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Redis {
    process: Child,
    directory: PathBuf,
    pub url: String,
}

impl Redis {
    pub async fn start() -> Redis {
        let directory = std::env::temp_dir().join(format!(
            "resocket-redis-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&directory).unwrap();
        let socket = directory.join("redis.sock");
        let process = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no"])
            .arg("--unixsocket")
            .arg(&socket)
            .arg("--dir")
            .arg(&directory)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (scripts/setup.sh installs Debian's)");
        for _ in 0..250 {
            if socket.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(socket.exists(), "redis-server listens within 5 s");
        let url = format!("redis+unix://{}", socket.display());
        Redis {
            process,
            directory,
            url,
        }
    }

    /// Empties the store, as a Redis that restarted without its data.
    pub async fn flush(&self) {
        let client = redis::Client::open(self.url.as_str()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("FLUSHALL")
            .query_async(&mut connection)
            .await
            .unwrap();
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}
