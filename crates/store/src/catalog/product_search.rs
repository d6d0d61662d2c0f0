//! Reading products the way the catalog pages do: keyset-paginated search with the caller's own status and
//! role, a product's columns (`columns`), and its data sources (`sources`).

use super::forms;
use super::products::{Product, decode, select, with_domains};
use crate::db::{Conn, ListTemplate};
use crate::query::{approved_data_access, contains};
use crate::schema::{AccessRequests, DataProducts};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::access::Person;
use marketplace_domain::catalog::{Role, can_manage_product};
use marketplace_domain::ids::{FormId, ProductId, TenantId, UserId};
use marketplace_domain::review_flow::ReviewFlow;
use sea_query::{Alias, Asterisk, Cond, Expr, ExprTrait, Order, Query, UnionType, Value};
use std::collections::{BTreeMap, HashMap};

mod columns;
mod sources;

pub use columns::{ColumnFilter, ColumnRecord};
pub use sources::ProductSource;

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

#[derive(Debug, Clone)]
pub struct ProductView {
    pub product: Product,
    pub caller: CallerView,
}

impl Store {
    /// A page of products in name order after `search.after`, as the caller sees them, and whether more follow.
    pub async fn search_products(
        &self,
        tenant_id: TenantId,
        caller: &Person,
        caller_id: UserId,
        search: &ProductSearch,
    ) -> Result<(Vec<ProductView>, bool), StoreError> {
        let mut conn = self.backend.read().await?;
        let mut after = search.after.clone();
        let mut page = Vec::new();
        let mut form_policies: HashMap<FormId, ReviewFlow> = HashMap::new();
        let filtered = !search.statuses.is_empty() || !search.roles.is_empty() || search.expiration.is_some();
        loop {
            let batch = if filtered { BATCH } else { search.limit + 1 };
            let mut products = product_batch(&mut conn, tenant_id, search, after.as_ref(), batch).await?;
            let exhausted = (products.len() as u64) < batch;
            after = products
                .last()
                .map(|product| (product.name.clone(), product.id.clone()));
            with_domains(&mut conn, tenant_id, &mut products).await?;
            let ids: Vec<ProductId> = products.iter().map(|product| product.id.clone()).collect();
            let requests = latest_requests(&mut conn, tenant_id, caller_id, &ids).await?;
            for product in products {
                load_form_policies(&mut conn, tenant_id, &product, &mut form_policies).await?;
                let view = caller_view(caller, &product, requests.get(&product.id), &form_policies);
                let wanted = (search.statuses.is_empty() || search.statuses.contains(&view.status))
                    && (search.roles.is_empty() || search.roles.iter().any(|role| view.roles.contains(role)))
                    && search
                        .expiration
                        .is_none_or(|wanted| view.expiration.is_some() == wanted);
                if wanted {
                    page.push(ProductView { product, caller: view });
                }
                if page.len() as u64 > search.limit {
                    page.truncate(search.limit as usize);
                    return Ok((page, true));
                }
            }
            if exhausted {
                return Ok((page, false));
            }
        }
    }

    /// One product as the caller sees it.
    pub async fn product_view(
        &self,
        tenant_id: TenantId,
        caller: &Person,
        caller_id: UserId,
        product: Product,
    ) -> Result<ProductView, StoreError> {
        let mut conn = self.backend.read().await?;
        let requests = latest_requests(&mut conn, tenant_id, caller_id, std::slice::from_ref(&product.id)).await?;
        let mut form_policies = HashMap::new();
        load_form_policies(&mut conn, tenant_id, &product, &mut form_policies).await?;
        let view = caller_view(caller, &product, requests.get(&product.id), &form_policies);
        Ok(ProductView { product, caller: view })
    }

    /// Whether the user holds approved data access to the product.
    pub async fn has_approved_access(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        product_id: &ProductId,
    ) -> Result<bool, StoreError> {
        let mut conn = self.backend.read().await?;
        let requests = latest_requests(&mut conn, tenant_id, user_id, &[product_id.to_owned()]).await?;
        Ok(requests.get(product_id).is_some_and(|(.., member)| *member))
    }
}

/// Adds the review flows of a product's forms to `cache`, reading only forms not read yet.
async fn load_form_policies(
    conn: &mut Conn,
    tenant_id: TenantId,
    product: &Product,
    cache: &mut HashMap<FormId, ReviewFlow>,
) -> Result<(), StoreError> {
    for form_id in [product.data_access_form_id, product.masking_exception_form_id] {
        if cache.contains_key(&form_id) {
            continue;
        }
        if let Some(form) = forms::find(conn, tenant_id, form_id).await? {
            cache.insert(form_id, form.snapshot.policy);
        }
    }
    Ok(())
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

/// The caller's latest request on each product: (id, status, expiration, whether they hold approved access).
/// One statement of one index seek per product, whatever the length of the caller's history.
async fn latest_requests(
    conn: &mut Conn,
    tenant_id: TenantId,
    user_id: UserId,
    product_ids: &[ProductId],
) -> Result<BTreeMap<ProductId, (String, String, Option<Timestamp>, bool)>, StoreError> {
    if product_ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let products = product_ids.iter().map(|id| id.as_str().into()).collect();
    let query = LATEST_REQUESTS.with([tenant_id.to_string().into(), user_id.0.into()], products);
    conn.query(&query)
        .await?
        .iter()
        .map(|row| Ok((row.get(0)?, (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))))
        .collect()
}

/// For a tenant and a user, a part of a union for each product (at least one).
static LATEST_REQUESTS: ListTemplate<2> = ListTemplate::new(|[tenant, user], products| {
    let caller_on = |table: Alias, product: &Value| {
        Cond::all()
            .add(Expr::col((table.clone(), AccessRequests::TenantId)).eq(tenant.clone()))
            .add(Expr::col((table.clone(), AccessRequests::UserId)).eq(user.clone()))
            .add(Expr::col((table, AccessRequests::DataProductId)).eq(product.clone()))
    };
    let mut parts = products.iter().enumerate().map(|(index, product)| {
        let approved = Alias::new("approved");
        let member = Query::select()
            .expr(Expr::cust("1"))
            .from_as(AccessRequests::Table, approved.clone())
            .cond_where(caller_on(approved.clone(), product))
            .cond_where(approved_data_access(approved))
            .take();
        let latest = Alias::new("latest");
        let newest = Query::select()
            .columns([
                AccessRequests::DataProductId,
                AccessRequests::Id,
                AccessRequests::Status,
                AccessRequests::Expiration,
            ])
            .expr_as(Expr::exists(member), Alias::new("member"))
            .from_as(AccessRequests::Table, latest.clone())
            .cond_where(caller_on(latest.clone(), product))
            .order_by((latest.clone(), AccessRequests::CreatedAt), Order::Desc)
            .order_by((latest, AccessRequests::Id), Order::Desc)
            .limit(1)
            .take();
        // Each in a subquery of its own: a part of a UNION may not have its own ORDER BY and LIMIT.
        Query::select()
            .column(Asterisk)
            .from_subquery(newest, Alias::new(format!("product_{index}")))
            .take()
    });
    let mut union = parts.next().unwrap_or_else(Query::select);
    for part in parts {
        union.union(UnionType::All, part);
    }
    union
});

fn caller_view(
    caller: &Person,
    product: &Product,
    latest: Option<&(String, String, Option<Timestamp>, bool)>,
    form_policies: &HashMap<FormId, ReviewFlow>,
) -> CallerView {
    let manages = can_manage_product(caller, product.domains.iter().map(String::as_str));
    let form_ids = [product.data_access_form_id, product.masking_exception_form_id];
    let flows = [&product.data_access_policy, &product.masking_exception_policy]
        .into_iter()
        .chain(form_ids.iter().filter_map(|id| form_policies.get(id)));
    let steward = flows
        .flat_map(ReviewFlow::approvers)
        .any(|approver| caller.matches(approver, &product.domains));
    let member = latest.is_some_and(|(.., member)| *member);
    let mut roles = Vec::new();
    if manages {
        roles.push(Role::Manager);
    }
    if member {
        roles.push(Role::Member);
    }
    if steward {
        roles.push(Role::Steward);
    }
    if roles.is_empty() {
        roles.push(Role::NoRole);
    }
    let status = match latest {
        Some((_, status, ..)) => status.clone(),
        None if manages => "PUBLISHER".into(),
        None => "NONE".into(),
    };
    CallerView {
        status,
        request_id: latest.map(|(id, ..)| id.clone()),
        expiration: latest.and_then(|(_, _, expiration, _)| *expiration),
        roles,
    }
}
