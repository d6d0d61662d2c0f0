//! Reading products the way the catalog pages do: keyset-paginated search with the caller's own status and
//! role, a product's columns (`columns`), and its data sources (`sources`).

use super::forms;
use super::products::{PRODUCT, PRODUCT_BY_NAME, Product, ProductStats, decode, decode_stats, select, stats_of};
use crate::db::{Conn, Statement};
use crate::query::contains;
use crate::schema::DataProducts;
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::access::Person;
use marketplace_domain::catalog::Role;
use marketplace_domain::ids::{ProductId, TenantId, UserId};
use sea_query::{Expr, ExprTrait, Order};
use std::collections::HashMap;

mod columns;
mod sources;
mod views;

pub use columns::{ColumnFilter, ColumnRecord};
pub use sources::ProductSource;
use views::{Beside, Reading, show_one, views_of};

/// Rows read per round while filtering by what only the caller's view decides.
const BATCH: u64 = 100;

#[derive(Debug, Clone, Default)]
pub struct ProductSearch {
    pub name_filter: Option<String>,
    pub descending: bool,
    /// The (name, id) of the last product of the previous page.
    pub after: Option<(String, ProductId)>,
    pub limit: u64,
    /// Only products where the caller's status is one of these.
    pub statuses: Vec<String>,
    /// Only products where the caller has one of these roles.
    pub roles: Vec<Role>,
    /// Only products where the caller's access has (or has not) an expiration.
    pub expiration: Option<bool>,
}

/// The caller's relation to a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerView {
    /// The caller's latest request status, `PUBLISHER` if they manage it and never requested, else `NONE`.
    pub status: String,
    pub request_id: Option<String>,
    pub expiration: Option<Timestamp>,
    pub roles: Vec<Role>,
}

/// A product, how the caller relates to it, and its numbers.
#[derive(Debug, Clone)]
pub struct ShownProduct {
    pub product: Product,
    pub caller: CallerView,
    pub stats: ProductStats,
}

impl Store {
    /// A page of products in name order after `search.after`, as the caller sees them, and whether more follow.
    pub async fn search_products(
        &self,
        tenant_id: TenantId,
        caller: &Person,
        caller_id: UserId,
        search: &ProductSearch,
    ) -> Result<(Vec<ShownProduct>, bool), StoreError> {
        let mut conn = self.backend.read().await?;
        let mut after = search.after.clone();
        let mut page = Vec::new();
        let mut form_flows = HashMap::new();
        let filtered = !search.statuses.is_empty() || !search.roles.is_empty() || search.expiration.is_some();
        // Unfiltered, every product of the batch is shown: its numbers are read with the rest.
        let read = Reading {
            domains: true,
            stats: !filtered,
        };
        let more = 'batches: loop {
            let batch = if filtered { BATCH } else { search.limit + 1 };
            let products = product_batch(&mut conn, tenant_id, search, after.as_ref(), batch).await?;
            let exhausted = (products.len() as u64) < batch;
            after = products
                .last()
                .map(|product| (product.name.clone(), product.id.clone()));
            for shown in views_of(&mut conn, tenant_id, caller, caller_id, products, read, &mut form_flows).await? {
                let view = &shown.caller;
                let wanted = (search.statuses.is_empty() || search.statuses.contains(&view.status))
                    && (search.roles.is_empty() || search.roles.iter().any(|role| view.roles.contains(role)))
                    && search
                        .expiration
                        .is_none_or(|wanted| view.expiration.is_some() == wanted);
                if wanted {
                    page.push(shown);
                }
                if page.len() as u64 > search.limit {
                    page.truncate(search.limit as usize);
                    break 'batches true;
                }
            }
            if exhausted {
                break false;
            }
        };
        if filtered && !page.is_empty() {
            let ids: Vec<ProductId> = page.iter().map(|shown| shown.product.id.clone()).collect();
            let [sources, counts] = stats_of(tenant_id, &ids);
            let rows = conn.query_all(&[&sources, &counts]).await?;
            let mut stats = decode_stats(&ids, &rows[0], &rows[1])?;
            for shown in &mut page {
                shown.stats = stats.remove(&shown.product.id).unwrap_or_default();
            }
        }
        Ok((page, more))
    }

    /// A product by id as the caller sees it, with its numbers.
    pub async fn shown_product(
        &self,
        tenant_id: TenantId,
        caller: &Person,
        caller_id: UserId,
        id: &ProductId,
    ) -> Result<Option<ShownProduct>, StoreError> {
        // Everything shown depends on the id alone: the product and what is read beside it go together (one
        // round trip on PostgreSQL).
        let ids = [id.clone()];
        let read = Reading {
            domains: true,
            stats: true,
        };
        let flows = forms::flows_of_product(tenant_id, id);
        let beside = Beside::of(tenant_id, caller_id, &ids, Some(flows), read);
        let product = PRODUCT.with([tenant_id.to_string().into(), id.as_str().into()]);
        let mut statements: Vec<&(dyn Statement + Sync)> = vec![&product];
        statements.extend(beside.statements());
        let mut answers = self.backend.read().await?.query_all(&statements).await?.into_iter();
        let mut next = move || answers.next().unwrap_or_default();
        let Some(row) = next().into_iter().next() else {
            return Ok(None);
        };
        let shown = beside.show(next, caller, vec![decode(&row)?], &mut HashMap::new())?;
        Ok(shown.into_iter().next())
    }

    /// A product by name as the caller sees it, with its numbers.
    pub async fn shown_product_by_name(
        &self,
        tenant_id: TenantId,
        caller: &Person,
        caller_id: UserId,
        name: &str,
    ) -> Result<Option<ShownProduct>, StoreError> {
        let query = PRODUCT_BY_NAME.with([tenant_id.to_string().into(), name.into()]);
        self.show_found(tenant_id, caller, caller_id, &query).await
    }

    /// The product `query` finds, as the caller sees it, with its numbers.
    async fn show_found(
        &self,
        tenant_id: TenantId,
        caller: &Person,
        caller_id: UserId,
        query: &(impl Statement + Sync),
    ) -> Result<Option<ShownProduct>, StoreError> {
        let mut conn = self.backend.read().await?;
        let Some(row) = conn.query_opt(query).await? else {
            return Ok(None);
        };
        let read = Reading {
            domains: true,
            stats: true,
        };
        Ok(Some(
            show_one(&mut conn, tenant_id, caller, caller_id, decode(&row)?, read).await?,
        ))
    }

    /// A product already read (with its domains) as the caller sees it, with its numbers.
    pub async fn show_product(
        &self,
        tenant_id: TenantId,
        caller: &Person,
        caller_id: UserId,
        product: Product,
    ) -> Result<ShownProduct, StoreError> {
        let read = Reading {
            domains: false,
            stats: true,
        };
        show_one(
            &mut self.backend.read().await?,
            tenant_id,
            caller,
            caller_id,
            product,
            read,
        )
        .await
    }

    /// Whether the user holds approved data access to the product.
    pub async fn has_approved_access(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        product_id: &ProductId,
    ) -> Result<bool, StoreError> {
        views::holds_approved_access(&mut self.backend.read().await?, tenant_id, user_id, product_id).await
    }
}

/// Products in name order after the cursor: the unique index on (tenant, name) serves it.
async fn product_batch(
    conn: &mut Conn,
    tenant_id: TenantId,
    search: &ProductSearch,
    after: Option<&(String, ProductId)>,
    limit: u64,
) -> Result<Vec<Product>, StoreError> {
    let order = if search.descending { Order::Desc } else { Order::Asc };
    let mut query = select()
        .and_where(Expr::col(DataProducts::TenantId).eq(tenant_id.to_string()))
        .order_by(DataProducts::Name, order)
        .limit(limit)
        .take();
    if let Some(filter) = search.name_filter.as_deref().filter(|text| !text.is_empty()) {
        query.and_where(contains(DataProducts::Name, filter));
    }
    // Names are unique in a tenant, so the name alone is the position: a range on the (tenant, name) index.
    if let Some((name, _)) = after {
        query.and_where(match search.descending {
            true => Expr::col(DataProducts::Name).lt(name.as_str()),
            false => Expr::col(DataProducts::Name).gt(name.as_str()),
        });
    }
    conn.query(&query).await?.iter().map(decode).collect()
}
