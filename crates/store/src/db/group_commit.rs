//! SQLite's transactions share commits. A commit writes every page the transaction changed to the write-ahead log
//! and waits for the disk; while it does, the single writer is held and every other write waits behind it. So a
//! transaction that commits while others wait for the writer leaves its commit to them: it releases its savepoint
//! inside one open transaction, hands the writer on, and answers only once a later transaction commits them all
//! (or the last of them rolls back). Nothing is acknowledged before the commit that makes it durable; a failed
//! commit fails every transaction it carried. Each transaction is a savepoint, so one that fails or is abandoned
//! undoes only its own work.

use super::off_the_async_workers;
use super::sqlite::{Object, SqliteBackend};
use crate::StoreError;
use rusqlite::Connection;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::oneshot;

/// How many transactions one commit carries at most: bounds how long the first of them waits.
const MAX_GROUP: usize = 32;

/// How long a transaction that left its commit to those waiting waits before it makes sure of the commit itself
/// — they may all have gone (their callers cancelled) without committing.
const COMMIT_YOURSELF_AFTER: Duration = Duration::from_millis(100);

/// What a shared commit came to, told to each transaction it carried.
pub(super) type Outcome = Result<(), String>;

impl SqliteBackend {
    /// Starts a transaction: a savepoint in the open shared transaction, which the first of them begins.
    pub async fn begin(&self) -> Result<Object, StoreError> {
        let conn = self.writer_in_turn().await?;
        // Neither touches the disk: they run inline, as the statements of the transaction do.
        if conn.is_autocommit() {
            conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        conn.execute_batch("SAVEPOINT member")?;
        Ok(conn)
    }

    /// Commits a transaction: at once if no other write waits for the writer (or the group is full), otherwise
    /// with the transactions that follow. Returns when its changes are durable.
    pub async fn commit(&self, conn: Object) -> Result<(), StoreError> {
        if let Err(error) = conn.execute_batch("RELEASE member") {
            self.abandon(conn);
            return Err(error.into());
        }
        let receiver = {
            let mut members = self.members();
            if self.writers_waiting() == 0 || members.len() + 1 >= MAX_GROUP {
                drop(members);
                return self.commit_group(&conn);
            }
            let (sender, receiver) = oneshot::channel();
            members.push(sender);
            receiver
        };
        drop(conn);
        // Its own task, so that the commit is seen to even if this caller goes away.
        let backend = self.clone();
        tokio::spawn(async move { backend.await_group(receiver).await })
            .await
            .map_err(|error| StoreError::Commit(error.to_string()))?
    }

    /// Undoes a transaction that was not committed, and leaves the writer ready for the next one.
    pub fn abandon(&self, conn: Object) {
        let undone = conn.execute_batch("ROLLBACK TO member; RELEASE member");
        if let Err(error) = undone {
            // Some errors (a full disk, an I/O error) end the whole transaction: the group's work is lost.
            self.end_group(&conn, Err(format!("the shared transaction was rolled back: {error}")));
            return;
        }
        if self.members().is_empty() {
            self.end_group(&conn, Ok(()));
        } else if self.writers_waiting() == 0 {
            // Others left their commit to this transaction.
            let _ = self.commit_group(&conn);
        }
    }

    /// Commits the open shared transaction, if any, and tells every transaction it carried.
    pub(super) fn commit_group(&self, conn: &Connection) -> Result<(), StoreError> {
        if conn.is_autocommit() {
            return Ok(());
        }
        let committed = off_the_async_workers(|| conn.execute_batch("COMMIT"));
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.checkpointer.wake();
        let outcome = committed.map_err(|error| error.to_string());
        self.end_group(conn, outcome.clone());
        outcome.map_err(StoreError::Commit)
    }

    /// Rolls back what is still open and tells every transaction left in the group how it ended.
    fn end_group(&self, conn: &Connection, outcome: Outcome) {
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for member in std::mem::take(&mut *self.members()) {
            // A member whose caller went away no longer listens.
            let _ = member.send(outcome.clone());
        }
    }

    async fn await_group(&self, mut receiver: oneshot::Receiver<Outcome>) -> Result<(), StoreError> {
        if let Ok(outcome) = tokio::time::timeout(COMMIT_YOURSELF_AFTER, &mut receiver).await {
            return told(outcome);
        }
        let conn = self.writer_in_turn().await?;
        if let Ok(outcome) = receiver.try_recv() {
            return outcome.map_err(StoreError::Commit);
        }
        self.commit_group(&conn)?;
        told(receiver.await)
    }

    fn members(&self) -> std::sync::MutexGuard<'_, Vec<oneshot::Sender<Outcome>>> {
        // Only the holder of the writer touches the group: the lock is never contended, and never poisoned by
        // a panic halfway through a change.
        self.group.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn told(outcome: Result<Outcome, oneshot::error::RecvError>) -> Result<(), StoreError> {
    match outcome {
        Ok(outcome) => outcome.map_err(StoreError::Commit),
        Err(_) => Err(StoreError::Commit("the shared transaction ended untold".into())),
    }
}

#[cfg(test)]
mod tests;
