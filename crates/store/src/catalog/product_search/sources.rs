//! A product's data sources: all their ids, or a page of them with their connection details. Read apart from
//! the product search, which never needs them.

use crate::query::contains;
use crate::schema::{DataProductSources, DataSources};
use crate::{Store, StoreError};
use marketplace_domain::ids::{ProductId, TenantId};
use sea_query::{Expr, ExprTrait, Order, Query};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSource {
    pub link_id: String,
    pub source_id: i64,
    pub name: String,
    pub platform: String,
    pub hostname: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
    pub table: Option<String>,
    pub prefix: Option<String>,
}

impl Store {
    /// The ids of all of a product's data sources.
    pub async fn product_source_ids(
        &self,
        tenant_id: TenantId,
        product_id: &ProductId,
    ) -> Result<Vec<i64>, StoreError> {
        crate::catalog::products::source_ids(&mut self.backend.read().await?, tenant_id, product_id).await
    }

    /// A page of a product's data sources by id, after `after`.
    pub async fn product_sources(
        &self,
        tenant_id: TenantId,
        product_id: &ProductId,
        name_filter: Option<&str>,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<ProductSource>, StoreError> {
        let mut query = Query::select()
            .columns([(DataProductSources::Table, DataProductSources::LinkId)])
            .columns([
                (DataSources::Table, DataSources::Id),
                (DataSources::Table, DataSources::Name),
                (DataSources::Table, DataSources::Platform),
                (DataSources::Table, DataSources::Hostname),
                (DataSources::Table, DataSources::DatabaseName),
                (DataSources::Table, DataSources::SchemaName),
                (DataSources::Table, DataSources::TableName),
                (DataSources::Table, DataSources::Prefix),
            ])
            .from(DataProductSources::Table)
            .inner_join(
                DataSources::Table,
                Expr::col((DataSources::Table, DataSources::TenantId))
                    .equals((DataProductSources::Table, DataProductSources::TenantId))
                    .and(
                        Expr::col((DataSources::Table, DataSources::Id))
                            .equals((DataProductSources::Table, DataProductSources::DataSourceId)),
                    ),
            )
            .and_where(Expr::col((DataProductSources::Table, DataProductSources::TenantId)).eq(tenant_id.to_string()))
            .and_where(Expr::col((DataProductSources::Table, DataProductSources::ProductId)).eq(product_id.as_str()))
            .order_by(
                (DataProductSources::Table, DataProductSources::DataSourceId),
                Order::Asc,
            )
            .limit(limit)
            .take();
        if let Some(after) = after {
            query.and_where(Expr::col((DataProductSources::Table, DataProductSources::DataSourceId)).gt(after));
        }
        if let Some(name) = name_filter.filter(|name| !name.is_empty()) {
            query.and_where(contains((DataSources::Table, DataSources::Name), name));
        }
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter()
            .map(|row| {
                Ok(ProductSource {
                    link_id: row.get(0)?,
                    source_id: row.get(1)?,
                    name: row.get(2)?,
                    platform: row.get(3)?,
                    hostname: row.get(4)?,
                    database: row.get(5)?,
                    schema: row.get(6)?,
                    table: row.get(7)?,
                    prefix: row.get(8)?,
                })
            })
            .collect()
    }
}
