//! SQLite through rusqlite, in-thread: a primary-key read costs a few microseconds, far less than a hop to a
//! worker thread would. One writer connection serialises all writes (no `SQLITE_BUSY`, no lost upgrades);
//! a few reader connections serve reads concurrently thanks to WAL.

use super::value::{Row, Value};
use crate::StoreError;
use deadpool::unmanaged::Pool;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use sea_query_rusqlite::{RusqliteValue, RusqliteValues};
use std::path::Path;
use std::time::Duration;

pub type Object = deadpool::unmanaged::Object<Connection>;

const READERS: usize = 4;
const STATEMENT_CACHE: usize = 256;

#[derive(Clone)]
pub struct SqliteBackend {
    writer: Pool<Connection>,
    readers: Pool<Connection>,
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
        let readers = (0..READERS)
            .map(|_| open_connection(path, synchronous))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            writer: Pool::from(vec![writer]),
            readers: Pool::from(readers),
        })
    }

    pub async fn writer(&self) -> Result<Object, StoreError> {
        self.writer
            .get()
            .await
            .map_err(|error| StoreError::Pool(error.to_string()))
    }

    pub fn pool_use(&self) -> Vec<super::PoolUse> {
        let (writer, readers) = (self.writer.status(), self.readers.status());
        vec![
            super::PoolUse::of("sqlite_writer", writer.size, writer.available, writer.waiting),
            super::PoolUse::of("sqlite_readers", readers.size, readers.available, readers.waiting),
        ]
    }

    pub async fn reader(&self) -> Result<Object, StoreError> {
        self.readers
            .get()
            .await
            .map_err(|error| StoreError::Pool(error.to_string()))
    }
}

fn open_connection(path: &Path, synchronous: Synchronous) -> Result<Connection, StoreError> {
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
    Ok(conn)
}

fn bind(values: sea_query::Values) -> RusqliteValues {
    RusqliteValues(values.into_iter().map(RusqliteValue).collect())
}

pub fn query(conn: &mut Connection, (sql, values): (String, sea_query::Values)) -> Result<Vec<Row>, StoreError> {
    let values = bind(values);
    let mut statement = conn.prepare_cached(&sql)?;
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
                ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
                ValueRef::Blob(bytes) => Value::Bytes(bytes.to_vec()),
            });
        }
        result.push(Row(cells));
    }
    Ok(result)
}

pub fn execute(conn: &mut Connection, (sql, values): (String, sea_query::Values)) -> Result<u64, StoreError> {
    let values = bind(values);
    let mut statement = conn.prepare_cached(&sql)?;
    Ok(statement.execute(&*values.as_params())? as u64)
}
