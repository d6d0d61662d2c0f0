//! The columns of a product's data sources, searched and paged with their tags: a table of its own on the
//! product page, read without the caller's view that the product search needs.

use crate::query::{contains, count, one_of};
use crate::schema::{ColumnTags, Columns, DataProductSources, DataSources, Tags};
use crate::{Store, StoreError};
use marketplace_domain::ids::{ProductId, TenantId};
use marketplace_domain::pagination::OffsetPage;
use sea_query::{Cond, Expr, ExprTrait, Order, Query};

#[derive(Debug, Clone, Default)]
pub struct ColumnFilter {
    pub search_text: Option<String>,
    pub masked_only: bool,
    pub tag_ids: Vec<i64>,
    pub data_source_ids: Vec<i64>,
    pub descending: bool,
    pub page: OffsetPage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRecord {
    pub name: String,
    pub source_id: i64,
    pub source_name: String,
    pub platform: String,
    pub tags: Vec<String>,
    pub global_masking: Option<String>,
    pub local_masking: Option<String>,
}

impl Store {
    /// A page of the columns of a product's data sources (or, without a product, of the filter's data sources),
    /// by column name, and how many match.
    pub async fn columns(
        &self,
        tenant_id: TenantId,
        product_id: Option<&ProductId>,
        filter: &ColumnFilter,
    ) -> Result<(Vec<ColumnRecord>, u64), StoreError> {
        let tenant = tenant_id.to_string();
        let mut query = Query::select()
            .columns([
                (Columns::Table, Columns::Name),
                (Columns::Table, Columns::DataSourceId),
                (Columns::Table, Columns::GlobalMasking),
                (Columns::Table, Columns::LocalMasking),
            ])
            .columns([
                (DataSources::Table, DataSources::Name),
                (DataSources::Table, DataSources::Platform),
            ])
            .from(Columns::Table)
            .inner_join(
                DataSources::Table,
                Expr::col((DataSources::Table, DataSources::TenantId))
                    .equals((Columns::Table, Columns::TenantId))
                    .and(
                        Expr::col((DataSources::Table, DataSources::Id))
                            .equals((Columns::Table, Columns::DataSourceId)),
                    ),
            )
            .and_where(Expr::col((Columns::Table, Columns::TenantId)).eq(tenant.as_str()))
            .take();
        if let Some(product_id) = product_id {
            let sources = Query::select()
                .column(DataProductSources::DataSourceId)
                .from(DataProductSources::Table)
                .and_where(Expr::col(DataProductSources::TenantId).eq(tenant.as_str()))
                .and_where(Expr::col(DataProductSources::ProductId).eq(product_id.as_str()))
                .take();
            query.and_where(Expr::col((Columns::Table, Columns::DataSourceId)).in_subquery(sources));
        }
        if let Some(text) = filter.search_text.as_deref().filter(|text| !text.is_empty()) {
            query.and_where(contains((Columns::Table, Columns::Name), text));
        }
        if filter.masked_only {
            query.cond_where(
                Cond::any()
                    .add(Expr::col((Columns::Table, Columns::GlobalMasking)).is_not_null())
                    .add(Expr::col((Columns::Table, Columns::LocalMasking)).is_not_null()),
            );
        }
        // Without a product, the filter's data sources are the whole scope: none named matches nothing.
        if !filter.data_source_ids.is_empty() || product_id.is_none() {
            query.and_where(one_of(
                (Columns::Table, Columns::DataSourceId),
                filter.data_source_ids.iter().copied(),
            ));
        }
        if !filter.tag_ids.is_empty() {
            let tagged = Query::select()
                .expr(Expr::cust("1"))
                .from(ColumnTags::Table)
                .and_where(
                    Expr::col((ColumnTags::Table, ColumnTags::TenantId)).equals((Columns::Table, Columns::TenantId)),
                )
                .and_where(
                    Expr::col((ColumnTags::Table, ColumnTags::DataSourceId))
                        .equals((Columns::Table, Columns::DataSourceId)),
                )
                .and_where(
                    Expr::col((ColumnTags::Table, ColumnTags::ColumnName)).equals((Columns::Table, Columns::Name)),
                )
                .and_where(one_of(
                    (ColumnTags::Table, ColumnTags::TagId),
                    filter.tag_ids.iter().copied(),
                ))
                .take();
            query.and_where(Expr::exists(tagged));
        }
        let order = if filter.descending { Order::Desc } else { Order::Asc };
        query
            .order_by((Columns::Table, Columns::Name), order.clone())
            .order_by((Columns::Table, Columns::DataSourceId), order);
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let paged = query.limit(filter.page.limit).offset(filter.page.offset).take();
        let mut columns: Vec<ColumnRecord> = conn
            .query(&paged)
            .await?
            .iter()
            .map(|row| {
                Ok(ColumnRecord {
                    name: row.get(0)?,
                    source_id: row.get(1)?,
                    global_masking: row.get(2)?,
                    local_masking: row.get(3)?,
                    source_name: row.get(4)?,
                    platform: row.get(5)?,
                    tags: Vec::new(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let tags = Query::select()
            .columns([
                (ColumnTags::Table, ColumnTags::DataSourceId),
                (ColumnTags::Table, ColumnTags::ColumnName),
            ])
            .column((Tags::Table, Tags::Name))
            .from(ColumnTags::Table)
            .inner_join(
                Tags::Table,
                Expr::col((Tags::Table, Tags::TenantId))
                    .equals((ColumnTags::Table, ColumnTags::TenantId))
                    .and(Expr::col((Tags::Table, Tags::Id)).equals((ColumnTags::Table, ColumnTags::TagId))),
            )
            .and_where(Expr::col((ColumnTags::Table, ColumnTags::TenantId)).eq(tenant.as_str()))
            .and_where(one_of(
                (ColumnTags::Table, ColumnTags::DataSourceId),
                columns.iter().map(|column| column.source_id),
            ))
            .order_by((Tags::Table, Tags::Name), Order::Asc)
            .take();
        for row in conn.query(&tags).await? {
            let (source, name): (i64, String) = (row.get(0)?, row.get(1)?);
            for column in columns
                .iter_mut()
                .filter(|column| column.source_id == source && column.name == name)
            {
                column.tags.push(row.get(2)?);
            }
        }
        Ok((columns, total))
    }
}
