//! PostgreSQL through tokio-postgres and a deadpool pool; statements are prepared once per connection.

use super::value::{Row, Value};
use crate::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use sea_query_postgres::{PostgresValue, PostgresValues};
use std::borrow::Cow;
use tokio_postgres::NoTls;
use tokio_postgres::types::Type;

pub type Object = deadpool_postgres::Object;

const POOL_SIZE: usize = 16;

#[derive(Clone)]
pub struct PostgresBackend {
    pool: Pool,
}

impl PostgresBackend {
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|error| StoreError::Config(format!("invalid PostgreSQL URL: {error}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|error| StoreError::Config(error.to_string()))?;
        Ok(Self { pool })
    }

    pub fn pool_use(&self) -> Vec<super::PoolUse> {
        let status = self.pool.status();
        vec![super::PoolUse::of(
            "postgres",
            status.size,
            status.available,
            status.waiting,
        )]
    }

    pub async fn client(&self) -> Result<Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|error| StoreError::Pool(error.to_string()))
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
