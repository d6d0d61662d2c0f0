//! SQLite through rusqlite, in-thread: a primary-key read costs a few microseconds, far less than a hop to a
//! worker thread would. One writer connection serialises all writes (no `SQLITE_BUSY`, no lost upgrades);
//! a few reader connections serve reads concurrently thanks to WAL. Transactions share commits
//! (`group_commit.rs`).

use super::checkpoint::Checkpointer;
use super::value::{Row, Value};
use crate::StoreError;
use deadpool::unmanaged::Pool;
use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use sea_query_rusqlite::{RusqliteValue, RusqliteValues};
use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

mod lease;
pub use lease::{Lease, Snapshot};

pub type Object = deadpool::unmanaged::Object<Connection>;

const READERS: usize = 4;
const STATEMENT_CACHE: usize = 256;
/// The writer's page cache, in KiB.
const WRITER_CACHE_KIB: i64 = 8 * 1024;

#[derive(Clone)]
pub struct SqliteBackend {
    writer: Connections,
    readers: Connections,
    /// The transactions whose changes wait in the open shared transaction for its commit.
    pub(super) group: Arc<Mutex<Vec<oneshot::Sender<super::group_commit::Outcome>>>>,
    /// Commits made, each carrying one or more transactions.
    pub(super) commits: Arc<AtomicU64>,
    pub(super) checkpointer: Checkpointer,
}

/// How hard SQLite waits for the disk before a commit returns. `Full` (the default) keeps every acknowledged
/// write through a power cut; `Normal` may lose the last commits in one, in exchange for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    Full,
    Normal,
}

impl SqliteBackend {
    pub fn open(path: &Path, synchronous: Synchronous) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|error| StoreError::Config(format!("cannot create {}: {error}", parent.display())))?;
        }
        let writer = open_connection(path, synchronous)?;
        // WAL lets readers go on while the writer commits; the mode is stored in the file.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // The checkpoint thread copies the log back, not the writer (`checkpoint.rs`).
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        // Each transaction is a savepoint (`group_commit.rs`), which keeps the pages it changes as they were: in
        // memory, not in a temporary file past 64 KiB (written on every request creation, 8% of its time).
        writer.pragma_update(None, "temp_store", "MEMORY")?;
        // A request's creation changes a page in each of a dozen indexes, scattered over the file: with SQLite's
        // default 2 MiB of cache the writer read most of them back from the file on every creation. It is the
        // only connection that writes, so what it caches stays valid.
        writer.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        let checkpointer = Checkpointer::start(path, synchronous)?;
        let readers = (0..READERS)
            .map(|_| open_connection(path, synchronous))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            writer: Connections::from(vec![writer]),
            readers: Connections::from(readers),
            group: Arc::default(),
            commits: Arc::default(),
            checkpointer,
        })
    }

    /// The writer, for work outside a transaction: the shared transaction, if one is open, is committed first.
    pub async fn writer(&self) -> Result<Object, StoreError> {
        let conn = self.writer_in_turn().await?;
        self.commit_group(&conn)?;
        Ok(conn)
    }

    /// The writer as it is, perhaps in a shared transaction.
    pub(super) async fn writer_in_turn(&self) -> Result<Object, StoreError> {
        self.writer.get().await
    }

    /// Callers waiting for the writer.
    pub(super) fn writers_waiting(&self) -> usize {
        self.writer.waiting.load(Ordering::Relaxed)
    }

    pub fn pool_use(&self) -> Vec<super::PoolUse> {
        vec![self.writer.usage("sqlite_writer"), self.readers.usage("sqlite_readers")]
    }

    /// Makes every reader plan with the statistics the writer just gathered: a connection reads them when it
    /// loads the schema, and ANALYZE on another connection does not make it read them again (`ANALYZE
    /// sqlite_schema` does). The readers are held together so that each is reached; if they are not all free
    /// within `wait` (a caller holding one while it waits for another), none is held longer and the next refresh
    /// tries again. Says whether they were reached.
    pub async fn reload_statistics(&self, wait: Duration) -> Result<bool, StoreError> {
        let mut readers = Vec::with_capacity(READERS);
        let taken = tokio::time::timeout(wait, async {
            while readers.len() < READERS {
                readers.push(self.reader().await?);
            }
            Ok::<_, StoreError>(())
        })
        .await;
        match taken {
            Err(_) => Ok(false),
            Ok(taken) => {
                taken?;
                for reader in &readers {
                    reader.execute_batch("ANALYZE sqlite_schema")?;
                }
                Ok(true)
            }
        }
    }

    pub async fn reader(&self) -> Result<Object, StoreError> {
        self.readers.get().await
    }

    /// A reader in a read transaction of its own (see [`Snapshot`]).
    pub async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        Snapshot::begin(self.reader().await?)
    }
}

/// A pool of connections that counts the callers waiting for one (the pool itself counts only those it has
/// served).
#[derive(Clone)]
struct Connections {
    pool: Pool<Connection>,
    waiting: Arc<AtomicUsize>,
}

impl From<Vec<Connection>> for Connections {
    fn from(connections: Vec<Connection>) -> Self {
        Connections {
            pool: Pool::from(connections),
            waiting: Arc::default(),
        }
    }
}

impl Connections {
    async fn get(&self) -> Result<Object, StoreError> {
        let _waiting = Waiting::count(&self.waiting);
        self.pool
            .get()
            .await
            .map_err(|error| StoreError::Pool(error.to_string()))
    }

    fn usage(&self, name: &'static str) -> super::PoolUse {
        let status = self.pool.status();
        super::PoolUse::of(
            name,
            status.size,
            status.available,
            self.waiting.load(Ordering::Relaxed),
        )
    }
}

/// One caller counted as waiting, until the wait ends however it ends (also when the caller goes away).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn count(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::Relaxed);
        Waiting(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(super) fn open_connection(path: &Path, synchronous: Synchronous) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let level = match synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", level)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Plans never depend on bound values. Otherwise a statement whose plan could (a `LIMIT ?`, a value compared
    // with a partial index's condition) is compiled again each time it is run with new values: on a page of
    // products, most of the time went there. Values a partial index needs are written into the SQL
    // (`query::fixed`).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(conn)
}

fn bind(values: sea_query::Values) -> RusqliteValues {
    RusqliteValues(values.into_iter().map(RusqliteValue).collect())
}

pub fn query(conn: &mut Connection, (sql, values): (Cow<'_, str>, sea_query::Values)) -> Result<Vec<Row>, StoreError> {
    let mut statement = conn.prepare_cached(&sql)?;
    rows_of(&mut statement, &bind(values))
}

/// The rows a prepared statement answers with `values`.
fn rows_of(statement: &mut rusqlite::Statement<'_>, values: &RusqliteValues) -> Result<Vec<Row>, StoreError> {
    let width = statement.column_count();
    let mut rows = statement.query(&*values.as_params())?;
    let mut result = Vec::new();
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(width);
        for index in 0..width {
            cells.push(match row.get_ref(index)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(number) => Value::Int(number),
                ValueRef::Real(number) => Value::Float(number),
                ValueRef::Text(text) => Value::Text(text_of(text)),
                ValueRef::Blob(bytes) => Value::Bytes(bytes.to_vec()),
            });
        }
        result.push(Row(cells));
    }
    Ok(result)
}

/// A text column's value. SQLite does not check that text is UTF-8; what is not is shown with replacement
/// characters. Checked whole first: the check is several times faster than the lossy conversion's, which took
/// 3% of a page of requests.
fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// How much of a search runs on an async worker before it is moved off one, in SQLite's virtual machine
/// instructions: about 1.5 ms of a search here (a page of 50 requests takes 3,100–4,700, 95–135 µs). Counted in
/// instructions rather than time, so that a search preempted by the system is not taken for a long one: with a
/// 1 ms clock, searches that took 0.1 ms of work were interrupted under load and run twice.
const INLINE_STEPS: u32 = 50_000;
/// Past this, a search that reads the disk more than it computes is moved off too.
const INLINE_TIME: Duration = Duration::from_millis(10);
/// Instructions between two looks at the counts.
const STEPS_BETWEEN_LOOKS: u32 = 1000;

/// A query that may read rows by the thousand. Moving it off the async worker up front (`block_in_place` hands the
/// worker's other tasks to a new thread) costs more than most searches take — a page of 50 requests: 1,800–3,000
/// → 3,500–4,000 per second run inline. So it starts inline; past [`INLINE_STEPS`] it is interrupted and run
/// again off the workers, in the same snapshot. A read-only statement that is interrupted leaves its
/// transaction as it was, so the second run sees what the first did; at worst a search takes the budget longer.
pub fn query_long(conn: &Connection, statement: &impl super::Statement) -> Result<Vec<Row>, StoreError> {
    let (sql, values) = statement.sqlite();
    let values = bind(values);
    let mut prepared = conn.prepare_cached(&sql)?;
    if !super::on_async_workers() {
        return rows_of(&mut prepared, &values);
    }
    if !prepared.readonly() {
        // Interrupted, a write would undo its whole transaction.
        return super::off_the_async_workers(|| rows_of(&mut prepared, &values));
    }
    let started = Instant::now();
    let mut looks = 0;
    let past_budget = move || {
        looks += 1;
        looks * STEPS_BETWEEN_LOOKS > INLINE_STEPS || started.elapsed() > INLINE_TIME
    };
    conn.progress_handler(STEPS_BETWEEN_LOOKS as i32, Some(past_budget))?;
    let inline = rows_of(&mut prepared, &values);
    conn.progress_handler(0, None::<fn() -> bool>)?;
    match inline {
        Err(StoreError::Sqlite(error)) if error.sqlite_error_code() == Some(ErrorCode::OperationInterrupted) => {
            super::off_the_async_workers(|| rows_of(&mut prepared, &values))
        }
        done => done,
    }
}

pub fn execute(conn: &mut Connection, (sql, values): (Cow<'_, str>, sea_query::Values)) -> Result<u64, StoreError> {
    let values = bind(values);
    let mut statement = conn.prepare_cached(&sql)?;
    Ok(statement.execute(&*values.as_params())? as u64)
}

#[cfg(test)]
mod tests {
    use super::super::{Backend, Statement};
    use super::*;

    /// The index each reader would search `t` with for the rows past one `b`.
    async fn plans(sqlite: &SqliteBackend) -> Vec<String> {
        let mut readers = Vec::new();
        while readers.len() < READERS {
            readers.push(sqlite.reader().await.unwrap());
        }
        let plan = |reader: &Object| -> String {
            let sql = "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1 AND c = 1 AND b > 5";
            reader.query_row(sql, [], |row| row.get(3)).unwrap()
        };
        readers.iter().map(plan).collect()
    }

    #[tokio::test]
    async fn a_statement_is_compiled_once_whatever_values_it_runs_with() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteBackend::open(&dir.path().join("compiled.db"), Synchronous::Normal).unwrap();
        let mut reader = sqlite.reader().await.unwrap();
        let sql = "WITH n(i) AS (VALUES (1), (2), (3)) SELECT i FROM n LIMIT ?";
        for limit in 1..=3 {
            let rows = query(
                &mut reader,
                (sql.into(), sea_query::Values(vec![(limit as i64).into()])),
            )
            .unwrap();
            assert_eq!(rows.len(), limit);
        }
        let statement = reader.prepare_cached(sql).unwrap();
        assert_eq!(statement.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_past_its_inline_budget_is_run_again_off_the_workers_with_the_same_answer() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteBackend::open(&dir.path().join("long.db"), Synchronous::Normal).unwrap();
        let writer = sqlite.writer().await.unwrap();
        writer
            .execute_batch("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)")
            .unwrap();
        drop(writer);
        let mut snapshot = Lease::Reader(sqlite.snapshot().await.unwrap());
        // Hundreds of thousands of rows: well past the budget.
        let long = sea_query::Query::select()
            .expr(sea_query::Expr::cust(
                "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) \
                 SELECT COUNT(*) FROM n)",
            ))
            .expr(sea_query::Expr::cust("(SELECT COUNT(*) FROM t)"))
            .take();
        let looks = Arc::new(AtomicU64::new(0));
        let counted = looks.clone();
        snapshot
            .progress_handler(
                STEPS_BETWEEN_LOOKS as i32,
                Some(move || counted.fetch_add(1, Ordering::Relaxed) == u64::MAX),
            )
            .unwrap();
        assert_eq!(count_pair(&query(&mut snapshot, long.sqlite()).unwrap()), (300000, 1));
        snapshot.progress_handler(0, None::<fn() -> bool>).unwrap();
        let steps = looks.load(Ordering::Relaxed) * u64::from(STEPS_BETWEEN_LOOKS);
        assert!(
            steps > 10 * u64::from(INLINE_STEPS),
            "the search is long enough to be interrupted: {steps}"
        );
        sqlite
            .writer()
            .await
            .unwrap()
            .execute_batch("INSERT INTO t VALUES (2)")
            .unwrap();
        let rows = query_long(&snapshot, &long).unwrap();
        assert_eq!(
            count_pair(&rows),
            (300000, 1),
            "all the rows, in the snapshot the first run saw"
        );
        assert!(!snapshot.is_autocommit(), "the read transaction is still open");
    }

    fn count_pair(rows: &[Row]) -> (i64, i64) {
        (rows[0].get(0).unwrap(), rows[0].get(1).unwrap())
    }

    #[tokio::test]
    async fn the_pools_count_the_callers_waiting_for_a_connection() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteBackend::open(&dir.path().join("waiting.db"), Synchronous::Normal).unwrap();
        let waiting = |sqlite: &SqliteBackend| sqlite.pool_use().iter().map(|pool| pool.waiting).collect::<Vec<_>>();
        let writer = sqlite.writer().await.unwrap();
        let queued = sqlite.clone();
        let second = tokio::spawn(async move { queued.writer().await.map(drop) });
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert_eq!(waiting(&sqlite), [1, 0], "the second caller waits for the writer");
        drop(writer);
        second.await.unwrap().unwrap();
        assert_eq!(waiting(&sqlite), [0, 0]);
        assert_eq!(sqlite.pool_use()[0].in_use, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_reader_plans_with_the_statistics_a_refresh_gathers() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteBackend::open(&dir.path().join("plans.db"), Synchronous::Normal).unwrap();
        let writer = sqlite.writer().await.unwrap();
        // Without statistics an index matching two terms looks better than one matching one; here `a` and `c`
        // are the same in every row and `b` tells rows apart.
        writer
            .execute_batch(
                "CREATE TABLE t (a INTEGER, b INTEGER, c INTEGER);
                 CREATE INDEX t_by_a_c ON t (a, c);
                 CREATE INDEX t_by_b ON t (b);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                 INSERT INTO t SELECT 1, i, 1 FROM n;",
            )
            .unwrap();
        drop(writer);
        // Each reader loads the schema, without statistics.
        assert!(plans(&sqlite).await.iter().all(|plan| plan.contains("t_by_a_c")));

        Backend::Sqlite(sqlite.clone()).refresh_statistics().await.unwrap();
        let after = plans(&sqlite).await;
        assert!(after.iter().all(|plan| plan.contains("t_by_b")), "{after:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refresh_analyses_again_only_a_table_that_grew_tenfold() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteBackend::open(&dir.path().join("stale.db"), Synchronous::Normal).unwrap();
        let grow_to = |rows: u32| {
            format!(
                "WITH RECURSIVE n(i) AS (SELECT (SELECT COUNT(*) FROM t) + 1 UNION ALL SELECT i + 1 FROM n \
                 WHERE i < {rows}) INSERT INTO t SELECT i FROM n;"
            )
        };
        let analysed_rows = || async {
            let writer = sqlite.writer().await.unwrap();
            let stat: String = writer
                .query_row("SELECT stat FROM sqlite_stat1 WHERE idx = 't_by_a'", [], |row| {
                    row.get(0)
                })
                .unwrap();
            stat.split(' ').next().unwrap().parse::<u32>().unwrap()
        };
        let writer = sqlite.writer().await.unwrap();
        writer
            .execute_batch("CREATE TABLE t (a INTEGER); CREATE INDEX t_by_a ON t (a);")
            .unwrap();
        writer.execute_batch(&grow_to(1000)).unwrap();
        drop(writer);
        let backend = Backend::Sqlite(sqlite.clone());
        backend.refresh_statistics().await.unwrap();
        assert_eq!(analysed_rows().await, 1000);

        // SQLite compares an estimate of the table's size with the analysed one: well under and well over ten-fold.
        sqlite.writer().await.unwrap().execute_batch(&grow_to(3000)).unwrap();
        backend.refresh_statistics().await.unwrap();
        assert_eq!(
            analysed_rows().await,
            1000,
            "three times the rows: the statistics still hold"
        );

        sqlite.writer().await.unwrap().execute_batch(&grow_to(30000)).unwrap();
        backend.refresh_statistics().await.unwrap();
        assert!(analysed_rows().await > 10000, "thirty times the rows: analysed again");
    }
}
