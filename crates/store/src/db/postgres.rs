//! PostgreSQL through tokio-postgres and two deadpool pools, one for reads and one for transactions; statements
//! are prepared once per connection.

use super::value::{Row, Value};
use crate::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use sea_query_postgres::{PostgresValue, PostgresValues};
use std::borrow::Cow;
use tokio_postgres::NoTls;
use tokio_postgres::types::Type;

pub type Object = deadpool_postgres::Object;

/// Connections for transactions. A commit waits for the server's disk, not for a CPU, and the server flushes the
/// commits that wait together at once: more of them in flight commit more per second.
const WRITE_CONNECTIONS: usize = 16;

/// Connections for reads by default, for each CPU of this machine. A read keeps a PostgreSQL process busy for all
/// its time there, and more processes than CPUs only take turns: with PostgreSQL beside us on 2 CPUs,
/// `GET /api/auth/user` (two statements) measured 2,700/s with 16 connections and 3,450/s with 4 (wrk, 16
/// clients), PostgreSQL's CPU per request 420 → 280 µs; pgbench running the same two statements drew the same
/// curve (16 clients 350 µs of PostgreSQL's CPU each, 4 clients 215 µs), and 2, 3 or 6 connections did worse than
/// 4. A remote server with more CPUs, or a slow network, wants more: `--postgres-read-connections`.
pub const READ_CONNECTIONS_PER_CPU: usize = 2;

#[derive(Clone)]
pub struct PostgresBackend {
    reads: Pool,
    writes: Pool,
}

impl PostgresBackend {
    /// Pools of `read_connections` for reads and [`WRITE_CONNECTIONS`] for transactions.
    pub fn open(url: &str, read_connections: usize) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|error| StoreError::Config(format!("invalid PostgreSQL URL: {error}")))?;
        let pool = |size: usize| {
            let manager = Manager::from_config(
                config.clone(),
                NoTls,
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            );
            Pool::builder(manager)
                .max_size(size)
                .build()
                .map_err(|error| StoreError::Config(error.to_string()))
        };
        Ok(Self {
            reads: pool(read_connections.max(1))?,
            writes: pool(WRITE_CONNECTIONS)?,
        })
    }

    pub fn pool_use(&self) -> Vec<super::PoolUse> {
        let usage = |name, pool: &Pool| {
            let status = pool.status();
            super::PoolUse::of(name, status.size, status.available, status.waiting)
        };
        vec![
            usage("postgres_reads", &self.reads),
            usage("postgres_writes", &self.writes),
        ]
    }

    /// A connection for reads outside a transaction.
    pub async fn reader(&self) -> Result<Object, StoreError> {
        Self::get(&self.reads).await
    }

    /// A connection for a transaction (or a migration).
    pub async fn writer(&self) -> Result<Object, StoreError> {
        Self::get(&self.writes).await
    }

    async fn get(pool: &Pool) -> Result<Object, StoreError> {
        pool.get().await.map_err(|error| StoreError::Pool(error.to_string()))
    }
}

/// A pooled connection, and whether the transaction begun on it has yet to send its `BEGIN`: sent in front of the
/// transaction's first statement rather than on its own, it costs no round trip of its own.
pub struct Session {
    client: Object,
    begin_unsent: bool,
}

impl Session {
    /// A connection outside any transaction.
    pub fn new(client: Object) -> Self {
        Session {
            client,
            begin_unsent: false,
        }
    }

    /// A connection whose transaction begins with the first statement run on it.
    pub fn beginning(client: Object) -> Self {
        Session {
            client,
            begin_unsent: true,
        }
    }

    /// Runs `work` on the connection, behind the pending `BEGIN` if there is one: the `BEGIN` is polled first, so
    /// it is sent first, and both are answered in one round trip.
    pub async fn run<'c, T, F>(&'c mut self, work: impl FnOnce(&'c Object) -> F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, StoreError>> + 'c,
    {
        let begin = std::mem::take(&mut self.begin_unsent);
        let client = &self.client;
        match begin {
            false => work(client).await,
            true => {
                let begin = async { client.batch_execute("BEGIN").await.map_err(StoreError::from) };
                Ok(futures_util::future::try_join(begin, work(client)).await?.1)
            }
        }
    }

    /// Ends the transaction with `sql` (`COMMIT`); nothing to send if it never began.
    pub async fn end(&mut self, sql: &str) -> Result<(), StoreError> {
        match std::mem::take(&mut self.begin_unsent) {
            true => Ok(()),
            false => self.client.batch_execute(sql).await.map_err(StoreError::from),
        }
    }

    /// Drops a transaction not committed (a refused write, an error): one that never began goes straight back to
    /// the pool; one whose `BEGIN` was sent is rolled back by a task of its own and then goes back, so that a
    /// refusal (a 409) does not cost a new connection to the server.
    pub fn abandon(self) {
        if self.begin_unsent {
            return;
        }
        let abandoned = Abandoned(Some(self.client));
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(abandoned.roll_back())),
            Err(_) => drop(abandoned),
        }
    }
}

/// A connection whose transaction is to be rolled back. Unless the rollback is done it is closed when dropped —
/// the server then rolls back — so that it never returns to the pool mid-transaction: not when the rollback
/// fails, nor when there is no runtime to run it or the runtime drops the task as it shuts down.
struct Abandoned(Option<Object>);

impl Abandoned {
    async fn roll_back(mut self) {
        if let Some(client) = &self.0
            && client.batch_execute("ROLLBACK").await.is_ok()
        {
            // Back to the pool.
            drop(self.0.take());
        }
    }
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(Object::take(client));
        }
    }
}

fn bind(values: sea_query::Values) -> PostgresValues {
    PostgresValues(values.into_iter().map(PostgresValue).collect())
}

pub async fn query(client: &Object, (sql, values): (Cow<'_, str>, sea_query::Values)) -> Result<Vec<Row>, StoreError> {
    let values = bind(values);
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &values.as_params()).await?;
    rows.iter().map(convert_row).collect()
}

pub async fn execute(client: &Object, (sql, values): (Cow<'_, str>, sea_query::Values)) -> Result<u64, StoreError> {
    let values = bind(values);
    let statement = client.prepare_cached(&sql).await?;
    Ok(client.execute(&statement, &values.as_params()).await?)
}

/// Runs statements in the order given, pipelined: every one is prepared first (a round trip only the first time
/// the connection sees one of them), since an answer to a preparation would otherwise let a later statement be
/// sent before an earlier one; then all are sent before any answer is awaited.
pub async fn in_order<'a, T, Run, Ran>(
    client: &'a Object,
    written: Vec<(Cow<'a, str>, sea_query::Values)>,
    run: Run,
) -> Result<Vec<T>, StoreError>
where
    Run: Fn(&'a Object, (Cow<'a, str>, sea_query::Values)) -> Ran,
    Ran: Future<Output = Result<T, StoreError>>,
{
    futures_util::future::try_join_all(written.iter().map(|(sql, _)| client.prepare_cached(sql))).await?;
    futures_util::future::try_join_all(written.into_iter().map(|statement| run(client, statement))).await
}

fn convert_row(row: &tokio_postgres::Row) -> Result<Row, StoreError> {
    let mut cells = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let cell = match *column.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Value::Int),
            Type::INT4 => row.try_get::<_, Option<i32>>(index)?.map(|n| Value::Int(n.into())),
            Type::INT2 => row.try_get::<_, Option<i16>>(index)?.map(|n| Value::Int(n.into())),
            Type::BOOL => row.try_get::<_, Option<bool>>(index)?.map(Value::Bool),
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(index)?.map(Value::Float),
            Type::FLOAT4 => row.try_get::<_, Option<f32>>(index)?.map(|n| Value::Float(n.into())),
            Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(index)?.map(Value::Bytes),
            Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
                row.try_get::<_, Option<String>>(index)?.map(Value::Text)
            }
            ref other => {
                return Err(StoreError::Decode {
                    index,
                    detail: format!("unsupported column type {other}"),
                });
            }
        };
        cells.push(cell.unwrap_or(Value::Null));
    }
    Ok(Row(cells))
}
