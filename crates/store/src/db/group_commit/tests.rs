//! Each test lines transactions up behind one that holds the writer, on a current-thread runtime, so that who
//! waits when is certain.

use super::super::sqlite::{Object, SqliteBackend, Synchronous};
use crate::StoreError;
use std::sync::atomic::Ordering;
use tokio::task::{JoinHandle, yield_now};

async fn backend(dir: &tempfile::TempDir, schema: &str) -> SqliteBackend {
    let sqlite = SqliteBackend::open(&dir.path().join("group.db"), Synchronous::Normal).unwrap();
    sqlite.writer().await.unwrap().execute_batch(schema).unwrap();
    sqlite
}

async fn rows(sqlite: &SqliteBackend) -> Vec<i64> {
    let reader = sqlite.reader().await.unwrap();
    let mut statement = reader.prepare("SELECT a FROM t ORDER BY a").unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn insert(conn: &Object, value: i64) {
    conn.execute("INSERT INTO t (a) VALUES (?1)", [value]).unwrap();
}

/// A transaction that has inserted `value` and holds the writer, for others to line up behind.
async fn holding_the_writer(sqlite: &SqliteBackend, value: i64) -> Object {
    let conn = sqlite.begin().await.unwrap();
    insert(&conn, value);
    conn
}

/// Runs until `ready` holds: the spawned tasks have got as far as they can.
async fn until(ready: impl Fn() -> bool) {
    while !ready() {
        yield_now().await;
    }
}

/// A transaction that inserts `value` once it has the writer, and commits it or (`keep` false) abandons it.
fn queue(sqlite: &SqliteBackend, value: i64, keep: bool) -> JoinHandle<Result<(), StoreError>> {
    let sqlite = sqlite.clone();
    tokio::spawn(async move {
        let conn = sqlite.begin().await?;
        insert(&conn, value);
        match keep {
            true => sqlite.commit(conn).await,
            false => {
                sqlite.abandon(conn);
                Ok(())
            }
        }
    })
}

/// Commits `conn` in a task of its own, and runs until the commit is done or left to those waiting.
async fn commit(sqlite: &SqliteBackend, conn: Object) -> JoinHandle<Result<(), StoreError>> {
    let committing = sqlite.clone();
    let handle = tokio::spawn(async move { committing.commit(conn).await });
    until(|| handle.is_finished() || !sqlite.members().is_empty()).await;
    handle
}

#[tokio::test]
async fn transactions_that_commit_while_others_wait_share_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = backend(&dir, "CREATE TABLE t (a INTEGER)").await;
    let first = holding_the_writer(&sqlite, 0).await;
    let waiting: Vec<_> = (1..=10).map(|value| queue(&sqlite, value, true)).collect();
    until(|| sqlite.writers_waiting() == 10).await;
    let first = commit(&sqlite, first).await;
    first.await.unwrap().unwrap();
    for transaction in waiting {
        transaction.await.unwrap().unwrap();
    }
    assert_eq!(rows(&sqlite).await, (0..=10).collect::<Vec<_>>());
    assert_eq!(sqlite.commits.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn an_abandoned_transaction_undoes_only_its_own_work() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = backend(&dir, "CREATE TABLE t (a INTEGER)").await;
    // Abandoned while another waits: the next one commits the group.
    let first = holding_the_writer(&sqlite, 1).await;
    let abandoned = queue(&sqlite, 2, false);
    until(|| sqlite.writers_waiting() == 1).await;
    let third = queue(&sqlite, 3, true);
    until(|| sqlite.writers_waiting() == 2).await;
    let first = commit(&sqlite, first).await;
    for transaction in [first, abandoned, third] {
        transaction.await.unwrap().unwrap();
    }
    assert_eq!(rows(&sqlite).await, [1, 3]);

    // Abandoned last: it commits the work left to it.
    let first = holding_the_writer(&sqlite, 4).await;
    let abandoned = queue(&sqlite, 5, false);
    until(|| sqlite.writers_waiting() == 1).await;
    let first = commit(&sqlite, first).await;
    abandoned.await.unwrap().unwrap();
    first.await.unwrap().unwrap();
    assert_eq!(rows(&sqlite).await, [1, 3, 4]);
    assert_eq!(sqlite.commits.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn a_transaction_whose_followers_went_away_commits_itself() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = backend(&dir, "CREATE TABLE t (a INTEGER)").await;
    let first = holding_the_writer(&sqlite, 1).await;
    // It takes the writer after the first and gives it back without a word, as a cancelled caller would.
    let follower = sqlite.clone();
    let gone = tokio::spawn(async move { drop(follower.writer_in_turn().await) });
    until(|| sqlite.writers_waiting() == 1).await;
    let first = commit(&sqlite, first).await;
    gone.await.unwrap();

    let committed = tokio::time::timeout(std::time::Duration::from_secs(10), first).await;
    committed
        .expect("the first transaction commits itself")
        .unwrap()
        .unwrap();
    assert_eq!(rows(&sqlite).await, [1]);
    assert_eq!(sqlite.commits.load(Ordering::Relaxed), 1);
    assert!(
        sqlite.writer().await.unwrap().is_autocommit(),
        "no transaction is left open"
    );
}

#[tokio::test]
async fn a_failed_commit_fails_every_transaction_it_carried() {
    let dir = tempfile::tempdir().unwrap();
    // A deferred foreign key is checked only when the shared transaction commits.
    let schema = "CREATE TABLE t (a INTEGER);
                  CREATE TABLE child (a INTEGER REFERENCES t (a) DEFERRABLE INITIALLY DEFERRED);
                  CREATE UNIQUE INDEX t_a ON t (a);";
    let sqlite = backend(&dir, schema).await;
    let first = holding_the_writer(&sqlite, 1).await;
    let breaking = sqlite.clone();
    let second = tokio::spawn(async move {
        let conn = breaking.begin().await?;
        conn.execute("INSERT INTO child (a) VALUES (99)", []).unwrap();
        breaking.commit(conn).await
    });
    until(|| sqlite.writers_waiting() == 1).await;
    let first = commit(&sqlite, first).await;
    for transaction in [first, second] {
        let outcome = transaction.await.unwrap();
        assert!(
            matches!(outcome, Err(StoreError::Commit(ref message)) if message.contains("FOREIGN KEY")),
            "{outcome:?}"
        );
    }
    assert_eq!(rows(&sqlite).await, Vec::<i64>::new());

    // The writer is ready for the next transaction.
    queue(&sqlite, 7, true).await.unwrap().unwrap();
    assert_eq!(rows(&sqlite).await, [7]);
}
