//! One interface over both databases. Queries are built once with sea-query and rendered for the backend at
//! hand; rows come back as backend-neutral [`Row`]s.

mod checkpoint;
mod group_commit;
mod postgres;
mod sqlite;
mod statement;
mod value;

use crate::StoreError;
use sqlite::Lease;
pub(crate) use statement::{ListBound, ListTemplate, NumbersBound, NumbersTemplate, Statement, Template, Write};
use std::time::Duration;
pub use value::{FromValue, Row, Value};

pub(crate) use postgres::{PostgresBackend, READ_CONNECTIONS_PER_CPU};
pub(crate) use sqlite::{SqliteBackend, Synchronous};

/// Where the data lives.
#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite(SqliteBackend),
    Postgres(PostgresBackend),
}

/// How one pool of database connections is used at this moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUse {
    /// `sqlite_writer`, `sqlite_readers`, `postgres_reads` or `postgres_writes`.
    pub pool: &'static str,
    pub in_use: usize,
    pub idle: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

impl PoolUse {
    /// From a pool's size (connections open), how many of them are free, and how many callers wait.
    pub(crate) fn of(pool: &'static str, size: usize, available: usize, waiting: usize) -> Self {
        PoolUse {
            pool,
            in_use: size.saturating_sub(available),
            idle: available,
            waiting,
        }
    }
}

/// SQLite's planner statistics, gathered from a sample of each index (see [`Backend::refresh_statistics`]).
pub(crate) const ANALYZE_SAMPLED: &str = "PRAGMA analysis_limit = 1000; ANALYZE;";

/// The same, only for the tables whose statistics are missing or stale: a table with an index that has none, or
/// ten times more or fewer rows than when it was last analysed (SQLite's `PRAGMA optimize`; mask 0x10000 looks
/// at every table, not only those this connection has read, 0x2 analyses them).
const ANALYZE_STALE: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;";

impl Backend {
    /// How each pool is used now.
    pub fn pool_use(&self) -> Vec<PoolUse> {
        match self {
            Backend::Sqlite(sqlite) => sqlite.pool_use(),
            Backend::Postgres(postgres) => postgres.pool_use(),
        }
    }

    /// Refreshes the query planner's statistics. SQLite keeps none unless asked, and without them it may walk an
    /// index of the whole table for a page of a few rows; `analysis_limit` makes ANALYZE sample each index rather
    /// than read it. Even so analysing everything takes 1.7–2 s at a million requests (a 3.3 GB file; a second
    /// of it on `access_requests`), and writes wait for it: so only the tables whose statistics are missing or
    /// stale are analysed: on the benchmark's million requests a refresh took 2.3 s with no statistics and
    /// 1–3 ms once they held.
    /// PostgreSQL's autovacuum does this itself.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        match self {
            Backend::Sqlite(sqlite) => {
                let conn = sqlite.writer().await?;
                off_the_async_workers(|| conn.execute_batch(ANALYZE_STALE))?;
                drop(conn);
                if !sqlite.reload_statistics(Duration::from_millis(500)).await? {
                    tracing::info!("the readers were busy: they take the new statistics at the next refresh");
                }
                Ok(())
            }
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// A connection for reads that need no write: on SQLite its reads see one snapshot (`sqlite::Snapshot`);
    /// on PostgreSQL each statement sees the state it starts in.
    pub async fn read(&self) -> Result<Conn, StoreError> {
        match self {
            Backend::Sqlite(sqlite) => Ok(Conn::Sqlite(Lease::Reader(sqlite.snapshot().await?))),
            Backend::Postgres(postgres) => Ok(Conn::Postgres(postgres::Session::new(postgres.reader().await?))),
        }
    }

    /// Starts a transaction. On SQLite this takes the single writer, so writes never contend, and the commit may
    /// be shared with the transactions that follow; on PostgreSQL it takes a connection of the pool for transactions.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        match self {
            Backend::Sqlite(sqlite) => Ok(Tx {
                conn: Some(Conn::Sqlite(Lease::Writer(sqlite.begin().await?))),
                backend: self.clone(),
            }),
            Backend::Postgres(postgres) => Ok(Tx {
                conn: Some(Conn::Postgres(postgres::Session::beginning(postgres.writer().await?))),
                backend: self.clone(),
            }),
        }
    }
}

pub(crate) enum Conn {
    Sqlite(Lease),
    Postgres(postgres::Session),
}

/// Runs SQLite work that waits for the disk (a commit) or goes through rows by the thousand (a search past its
/// inline budget, a batch of a directory import) on the calling thread. On the multi-threaded runtime the worker
/// first hands the other tasks queued on it to a sibling (`block_in_place`), so that the work does not stall the
/// requests behind it: `/health/live` answered 7,500/s (max 4.8 ms) beside 1,400 token creations/s, against 3,800/s
/// (max 10.7 ms) with commits inline. Everything else stays inline — the reads, and the statements of a transaction,
/// which change a few pages in memory: handing off costs more than they take (`GET /api/auth/user` fell from 6,700
/// to 2,700/s with every read handed off; request creations rose from 960–1,100 to 1,240–1,330/s, and `/health/live`
/// beside them from 4,900–5,000 to 7,000–7,300/s, with a transaction's statements inline). A current-thread runtime,
/// as in tests, has no sibling: the work runs inline there.
fn off_the_async_workers<T>(work: impl FnOnce() -> T) -> T {
    match on_async_workers() {
        true => tokio::task::block_in_place(work),
        false => work(),
    }
}

/// Whether the caller runs on a worker of a multi-threaded runtime, which has siblings to hand its tasks to.
fn on_async_workers() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|handle| handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

impl Conn {
    pub async fn query(&mut self, statement: &impl Statement) -> Result<Vec<Row>, StoreError> {
        match self {
            Conn::Sqlite(conn) => sqlite::query(conn, statement.sqlite()),
            Conn::Postgres(session) => {
                session
                    .run(|client| postgres::query(client, statement.postgres()))
                    .await
            }
        }
    }

    /// A query whose cost grows with the data it reads (a search, a count): on SQLite, once it has run for a
    /// while it goes on off the async workers, as a commit does, so that the requests queued behind it are not
    /// stalled while it reads (`sqlite::query_long`).
    pub async fn query_long(&mut self, statement: &impl Statement) -> Result<Vec<Row>, StoreError> {
        match self {
            Conn::Sqlite(conn) => sqlite::query_long(conn, statement),
            Conn::Postgres(session) => {
                session
                    .run(|client| postgres::query(client, statement.postgres()))
                    .await
            }
        }
    }

    /// Two independent queries, as [`Conn::query_all`] runs them.
    pub async fn query_both(
        &mut self,
        first: &(impl Statement + Sync),
        second: &(impl Statement + Sync),
    ) -> Result<(Vec<Row>, Vec<Row>), StoreError> {
        let mut answers = self.query_all(&[first, second]).await?.into_iter();
        Ok((answers.next().unwrap_or_default(), answers.next().unwrap_or_default()))
    }

    /// Statements run in order, each answered with the rows it returns (none for a write): on PostgreSQL all are
    /// sent before any answer is awaited (pipelined), so they cost one round trip; on SQLite they run one after
    /// the other. A statement that takes a lock is done before the next begins, which then reads what the lock
    /// protects. The first that fails fails them all.
    pub async fn query_all(&mut self, statements: &[&(dyn Statement + Sync)]) -> Result<Vec<Vec<Row>>, StoreError> {
        match self {
            Conn::Sqlite(conn) => statements
                .iter()
                .map(|statement| sqlite::query(conn, statement.sqlite()))
                .collect(),
            Conn::Postgres(session) => {
                let written = statements.iter().map(|statement| statement.postgres()).collect();
                session
                    .run(|client| postgres::in_order(client, written, postgres::query))
                    .await
            }
        }
    }

    pub async fn query_opt(&mut self, statement: &impl Statement) -> Result<Option<Row>, StoreError> {
        Ok(self.query(statement).await?.into_iter().next())
    }

    /// Runs a statement that changes a few rows and returns how many it changed.
    pub async fn execute(&mut self, statement: &impl Statement) -> Result<u64, StoreError> {
        match self {
            Conn::Sqlite(conn) => sqlite::execute(conn, statement.sqlite()),
            Conn::Postgres(session) => {
                session
                    .run(|client| postgres::execute(client, statement.postgres()))
                    .await
            }
        }
    }

    /// Statements that change a few rows each, run in order: on PostgreSQL all are sent before any answer is
    /// awaited (pipelined), so they cost one round trip (two the first time the connection sees one of them).
    /// The first that fails fails them all; what it leaves is the transaction's to undo.
    pub async fn execute_all<S: Statement + Sync>(&mut self, statements: &[S]) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(conn) => {
                for statement in statements {
                    sqlite::execute(conn, statement.sqlite())?;
                }
                Ok(())
            }
            Conn::Postgres(session) => {
                let written = statements.iter().map(Statement::postgres).collect();
                session
                    .run(|client| postgres::in_order(client, written, postgres::execute))
                    .await
                    .map(drop)
            }
        }
    }

    /// A statement that may change rows by the thousand: on SQLite it runs off the async workers, as a commit
    /// does.
    pub async fn execute_long(&mut self, statement: &impl Statement) -> Result<u64, StoreError> {
        match self {
            Conn::Sqlite(conn) => off_the_async_workers(|| sqlite::execute(conn, statement.sqlite())),
            Conn::Postgres(session) => {
                session
                    .run(|client| postgres::execute(client, statement.postgres()))
                    .await
            }
        }
    }

    async fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(conn) => off_the_async_workers(|| conn.execute_batch(sql)).map_err(StoreError::from),
            Conn::Postgres(session) => session.end(sql).await,
        }
    }
}

/// A transaction: committed by [`Tx::commit`], rolled back when dropped without it (an early `?` return).
pub(crate) struct Tx {
    conn: Option<Conn>,
    /// Where it commits: SQLite's transactions share commits.
    backend: Backend,
}

impl Tx {
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let conn = self
            .conn
            .take()
            .expect("a transaction holds its connection until it ends");
        match (conn, &self.backend) {
            (Conn::Sqlite(Lease::Writer(conn)), Backend::Sqlite(sqlite)) => sqlite.commit(conn).await,
            (mut conn, _) => conn.batch("COMMIT").await,
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("a transaction holds its connection until it ends")
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a transaction holds its connection until it ends")
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        match (self.conn.take(), &self.backend) {
            // Synchronous and local: the writer goes back to the pool ready for the next transaction.
            (Some(Conn::Sqlite(Lease::Writer(conn))), Backend::Sqlite(sqlite)) => sqlite.abandon(conn),
            (Some(Conn::Postgres(session)), _) => session.abandon(),
            _ => {}
        }
    }
}
