//! SQLite's write-ahead log is copied back into the database (a checkpoint) by a thread of its own. Left to
//! SQLite, the connection whose commit takes the log past 1,000 pages checkpoints it at once: reading the log,
//! writing the pages and waiting for the disk, all while it holds the single writer — a tenth of the server's time
//! when requests are being created, with every write queued behind it. Here the writer only wakes this thread.

use super::sqlite::{Synchronous, open_connection};
use crate::StoreError;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

/// How long the thread rests after a checkpoint, so that a busy writer's commits are checkpointed in batches
/// rather than one by one (each checkpoint waits for the disk).
const REST: Duration = Duration::from_millis(100);

/// How often it checkpoints unwoken: writes outside a shared transaction (migrations) do not wake it.
const UNWOKEN: Duration = Duration::from_secs(1);

/// Wakes the checkpoint thread; the thread ends when the last handle is dropped.
#[derive(Clone)]
pub(super) struct Checkpointer {
    wake: SyncSender<()>,
}

impl Checkpointer {
    /// Starts the thread, on a connection of its own.
    pub fn start(path: &Path, synchronous: Synchronous) -> Result<Self, StoreError> {
        let conn = open_connection(path, synchronous)?;
        // One pending wake-up is enough: a checkpoint copies every commit made before it.
        let (wake, woken) = sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_when_woken(&conn, &woken))
            .map_err(|error| StoreError::Config(format!("cannot start the checkpoint thread: {error}")))?;
        Ok(Self { wake })
    }

    /// Asks for a checkpoint soon; never waits.
    pub fn wake(&self) {
        let _ = self.wake.try_send(());
    }
}

fn checkpoint_when_woken(conn: &rusqlite::Connection, woken: &Receiver<()>) {
    loop {
        match woken.recv_timeout(UNWOKEN) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // PASSIVE copies what no reader still needs and never waits for anyone; what it leaves, the next takes.
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(%error, "a checkpoint of SQLite's write-ahead log failed; the next one tries again");
        }
        std::thread::sleep(REST);
    }
}

#[cfg(test)]
mod tests {
    use super::super::sqlite::SqliteBackend;
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_checkpoint_thread_copies_a_commit_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpointed.db");
        let sqlite = SqliteBackend::open(&path, Synchronous::Normal).unwrap();
        let conn = sqlite.begin().await.unwrap();
        // A megabyte: a few hundred pages, fewer than would make the writer checkpoint on its own.
        conn.execute_batch("CREATE TABLE t (b BLOB); INSERT INTO t VALUES (zeroblob(1000000));")
            .unwrap();
        sqlite.commit(conn).await.unwrap();
        let file_size = || std::fs::metadata(&path).unwrap().len();
        for _ in 0..50 {
            if file_size() > 1_000_000 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the database file is still {} bytes", file_size());
    }
}
