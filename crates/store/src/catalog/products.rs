//! Data products: a curated bundle of data sources from the caller's domains, with the forms and review flows
//! that govern requests for it.

use crate::db::{Conn, Row, Template};
use crate::query::one_of;
use crate::schema::{DataProductDomains, DataProductSources, DataProducts, DataSources};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::catalog::ProductMetadata;
use marketplace_domain::ids::{FormId, GlobalUserId, ProductId, TenantId};
use marketplace_domain::review_flow::ReviewFlow;
use sea_query::{Alias, Expr, ExprTrait, LockType, Order, Query, SelectStatement, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub description: Option<String>,
    pub metadata: Option<ProductMetadata>,
    pub suspended: bool,
    pub created_by: GlobalUserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub domains: Vec<String>,
    pub data_access_form_id: FormId,
    pub masking_exception_form_id: FormId,
    pub data_access_policy: ReviewFlow,
    pub masking_exception_policy: ReviewFlow,
}

/// What a product is made of and how requests for it went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductStats {
    pub data_sources: u64,
    pub source_types: Vec<String>,
    /// Request counts by status.
    pub requests: BTreeMap<String, u64>,
}

/// A product to create, or the whole of one to save.
pub struct ProductDraft {
    pub id: Option<ProductId>,
    pub name: String,
    pub description: Option<String>,
    pub metadata: Option<ProductMetadata>,
    pub suspended: bool,
    pub domains: Vec<String>,
    /// `None` means the tenant's Standard Request Form.
    pub data_access_form_id: Option<FormId>,
    pub masking_exception_form_id: Option<FormId>,
    pub data_access_policy: ReviewFlow,
    pub masking_exception_policy: ReviewFlow,
    /// `None` on update keeps the current sources.
    pub data_sources: Option<Vec<i64>>,
}

pub(crate) fn select() -> SelectStatement {
    Query::select()
        .columns([
            DataProducts::Id,
            DataProducts::Name,
            DataProducts::Description,
            DataProducts::SubjectMatterExpert,
            DataProducts::Suspended,
            DataProducts::CreatedBy,
            DataProducts::CreatedAt,
            DataProducts::UpdatedAt,
            DataProducts::DataAccessFormId,
            DataProducts::MaskingExceptionFormId,
            DataProducts::DataAccessPolicy,
            DataProducts::MaskingExceptionPolicy,
        ])
        .from(DataProducts::Table)
        .take()
}

fn json<T: serde::de::DeserializeOwned>(text: String) -> Result<T, StoreError> {
    serde_json::from_str(&text).map_err(|error| StoreError::Decode {
        index: 0,
        detail: format!("stored JSON does not parse: {error}"),
    })
}

/// Decodes a row of [`select`]; the domains are filled in by [`with_domains`].
pub(crate) fn decode(row: &Row) -> Result<Product, StoreError> {
    Ok(Product {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        metadata: row.get::<Option<String>>(3)?.map(json).transpose()?,
        suspended: row.get(4)?,
        created_by: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        domains: Vec::new(),
        data_access_form_id: row.get(8)?,
        masking_exception_form_id: row.get(9)?,
        data_access_policy: json(row.get(10)?)?,
        masking_exception_policy: json(row.get(11)?)?,
    })
}

/// The domains of products, filled in by [`fill_domains`].
pub(crate) fn domains_of(tenant_id: TenantId, ids: &[ProductId]) -> SelectStatement {
    Query::select()
        .columns([DataProductDomains::ProductId, DataProductDomains::DomainId])
        .from(DataProductDomains::Table)
        .and_where(Expr::col(DataProductDomains::TenantId).eq(tenant_id.to_string()))
        .and_where(one_of(DataProductDomains::ProductId, ids.iter().map(|id| id.0.clone())))
        .take()
}

/// Fills in the domains of `products` from the rows of [`domains_of`].
pub(crate) fn fill_domains(rows: &[Row], products: &mut [Product]) -> Result<(), StoreError> {
    for row in rows {
        let product_id: ProductId = row.get(0)?;
        if let Some(product) = products.iter_mut().find(|product| product.id == product_id) {
            product.domains.push(row.get(1)?);
        }
    }
    // Sorted here: an ORDER BY on the domain tempts the planner to walk the domain index over every product.
    for product in products.iter_mut() {
        product.domains.sort();
    }
    Ok(())
}

/// Fills in the domains of `products`.
pub(crate) async fn with_domains(
    conn: &mut Conn,
    tenant_id: TenantId,
    products: &mut [Product],
) -> Result<(), StoreError> {
    let ids: Vec<ProductId> = products.iter().map(|product| product.id.clone()).collect();
    let rows = conn.query(&domains_of(tenant_id, &ids)).await?;
    fill_domains(&rows, products)
}

/// A product of a tenant whose `column` holds `value`.
fn product_where(tenant: Value, column: DataProducts, value: Value) -> SelectStatement {
    select()
        .and_where(Expr::col(DataProducts::TenantId).eq(tenant))
        .and_where(Expr::col(column).eq(value))
        .take()
}

pub(crate) static PRODUCT: Template<2> = Template::new(|[tenant, id]| product_where(tenant, DataProducts::Id, id));
/// Locked until the transaction ends (on PostgreSQL; SQLite's single writer needs no lock).
static PRODUCT_TO_CHANGE: Template<2> = Template::new(|[tenant, id]| {
    product_where(tenant, DataProducts::Id, id)
        .lock(LockType::Update)
        .take()
});
pub(crate) static PRODUCT_BY_NAME: Template<2> =
    Template::new(|[tenant, name]| product_where(tenant, DataProducts::Name, name));

async fn find_where(
    conn: &mut Conn,
    tenant_id: TenantId,
    template: &Template<2>,
    value: Value,
) -> Result<Option<Product>, StoreError> {
    let query = template.with([tenant_id.to_string().into(), value]);
    let Some(row) = conn.query_opt(&query).await? else {
        return Ok(None);
    };
    let mut products = [decode(&row)?];
    with_domains(conn, tenant_id, &mut products).await?;
    let [product] = products;
    Ok(Some(product))
}

async fn find_for_update(conn: &mut Conn, tenant_id: TenantId, id: &ProductId) -> Result<Option<Product>, StoreError> {
    find_where(conn, tenant_id, &PRODUCT_TO_CHANGE, id.as_str().into()).await
}

pub(crate) async fn find(conn: &mut Conn, tenant_id: TenantId, id: &ProductId) -> Result<Option<Product>, StoreError> {
    find_where(conn, tenant_id, &PRODUCT, id.as_str().into()).await
}

/// The data sources of the product, by id.
pub(crate) async fn source_ids(
    conn: &mut Conn,
    tenant_id: TenantId,
    product_id: &ProductId,
) -> Result<Vec<i64>, StoreError> {
    let query = Query::select()
        .column(DataProductSources::DataSourceId)
        .from(DataProductSources::Table)
        .and_where(Expr::col(DataProductSources::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(DataProductSources::ProductId).eq(product_id.as_str()))
        .order_by(DataProductSources::DataSourceId, Order::Asc)
        .take();
    conn.query(&query).await?.iter().map(|row| row.get(0)).collect()
}

impl Store {
    pub async fn product(&self, tenant_id: TenantId, id: &ProductId) -> Result<Option<Product>, StoreError> {
        find(&mut self.backend.read().await?, tenant_id, id).await
    }

    pub async fn product_by_name(&self, tenant_id: TenantId, name: &str) -> Result<Option<Product>, StoreError> {
        find_where(
            &mut self.backend.read().await?,
            tenant_id,
            &PRODUCT_BY_NAME,
            name.into(),
        )
        .await
    }

    /// Source counts, source types and request counts of products.
    pub async fn product_stats(
        &self,
        tenant_id: TenantId,
        ids: &[ProductId],
    ) -> Result<BTreeMap<ProductId, ProductStats>, StoreError> {
        let [sources, counts] = stats_of(tenant_id, ids);
        let rows = self.backend.read().await?.query_all(&[&sources, &counts]).await?;
        decode_stats(ids, &rows[0], &rows[1])
    }
}

/// The statements of products' numbers: their data sources with each one's platform, and their request counts
/// by status. Decoded by [`decode_stats`].
pub(crate) fn stats_of(tenant_id: TenantId, ids: &[ProductId]) -> [SelectStatement; 2] {
    // The platform by a subquery on each link rather than a join, whose planner may drive from the sources' side
    // and visit every product that shares one.
    let link = Alias::new("link");
    let platform = Query::select()
        .column((DataSources::Table, DataSources::Platform))
        .from(DataSources::Table)
        .and_where(
            Expr::col((DataSources::Table, DataSources::TenantId)).equals((link.clone(), DataProductSources::TenantId)),
        )
        .and_where(
            Expr::col((DataSources::Table, DataSources::Id)).equals((link.clone(), DataProductSources::DataSourceId)),
        )
        .take();
    let sources = Query::select()
        .column((link.clone(), DataProductSources::ProductId))
        .expr(platform)
        .from_as(DataProductSources::Table, link.clone())
        .and_where(Expr::col((link.clone(), DataProductSources::TenantId)).eq(tenant_id.to_string()))
        .and_where(one_of(
            (link, DataProductSources::ProductId),
            ids.iter().map(|id| id.0.clone()),
        ))
        .take();
    [sources, crate::requests::counts::per_product_status(tenant_id, ids)]
}

/// The numbers of each of `ids` from the rows of the two statements of [`stats_of`].
pub(crate) fn decode_stats(
    ids: &[ProductId],
    sources: &[Row],
    counts: &[Row],
) -> Result<BTreeMap<ProductId, ProductStats>, StoreError> {
    let mut stats: BTreeMap<ProductId, ProductStats> =
        ids.iter().map(|id| (id.clone(), ProductStats::default())).collect();
    for row in sources {
        let (product, platform): (ProductId, Option<String>) = (row.get(0)?, row.get(1)?);
        // A link to a source that is gone (no platform) is not counted.
        if let (Some(entry), Some(platform)) = (stats.get_mut(&product), platform) {
            entry.data_sources += 1;
            if !entry.source_types.contains(&platform) {
                entry.source_types.push(platform);
            }
        }
    }
    for (product, status, count) in crate::requests::counts::decode_per_product_status(counts)? {
        if let Some(entry) = stats.get_mut(&product) {
            entry.requests.insert(status, count);
        }
    }
    for entry in stats.values_mut() {
        entry.source_types.sort();
    }
    Ok(stats)
}

mod notices;
#[cfg(test)]
mod tests;
mod validation;
mod writes;
