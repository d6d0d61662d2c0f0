//! A batch of products as the caller sees them: what they hold and requested, the forms' review flows, and the
//! products' numbers, all read in one go.

use super::super::forms;
use super::super::products::{Product, decode_stats, domains_of, fill_domains, stats_of};
use super::{CallerView, ShownProduct};
use crate::StoreError;
use crate::db::{Conn, ListBound, ListTemplate, Row, Statement};
use crate::query::approved_data_access;
use crate::schema::AccessRequests;
use marketplace_domain::Timestamp;
use marketplace_domain::access::Person;
use marketplace_domain::catalog::{Role, can_manage_product};
use marketplace_domain::ids::{FormId, ProductId, TenantId, UserId};
use marketplace_domain::review_flow::ReviewFlow;
use sea_query::{Alias, Asterisk, Cond, Expr, ExprTrait, Order, Query, SelectStatement, UnionType, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What to read beside a batch of products, besides the caller's requests and the forms' review flows.
#[derive(Clone, Copy)]
pub(super) struct Reading {
    pub domains: bool,
    pub stats: bool,
}

/// The products as the caller sees them. Everything read beside them depends on their ids alone, so it is read
/// together: one round trip on PostgreSQL. `form_flows` keeps the review flows of the forms read so far.
pub(super) async fn views_of(
    conn: &mut Conn,
    tenant_id: TenantId,
    caller: &Person,
    caller_id: UserId,
    products: Vec<Product>,
    read: Reading,
    form_flows: &mut HashMap<FormId, ReviewFlow>,
) -> Result<Vec<ShownProduct>, StoreError> {
    if products.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<ProductId> = products.iter().map(|product| product.id.clone()).collect();
    let unread_forms: Vec<FormId> = products
        .iter()
        .flat_map(|product| [product.data_access_form_id, product.masking_exception_form_id])
        .filter(|id| !form_flows.contains_key(id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let flows = (!unread_forms.is_empty()).then(|| forms::flows(tenant_id, &unread_forms));
    let beside = Beside::of(tenant_id, caller_id, &ids, flows, read);
    let mut answers = conn.query_all(&beside.statements()).await?.into_iter();
    beside.show(move || answers.next().unwrap_or_default(), caller, products, form_flows)
}

/// What is read beside some products: the caller's latest request on each, the review flows of forms not read
/// yet, and as asked their domains and numbers.
pub(super) struct Beside {
    ids: Vec<ProductId>,
    latest: ListBound<'static, 2>,
    flows: Option<SelectStatement>,
    domains: Option<SelectStatement>,
    stats: Option<[SelectStatement; 2]>,
}

impl Beside {
    /// For the products `ids`; `flows` reads the review flows they need (those of [`forms::flows`]'s shape).
    pub(super) fn of(
        tenant_id: TenantId,
        caller_id: UserId,
        ids: &[ProductId],
        flows: Option<SelectStatement>,
        read: Reading,
    ) -> Self {
        Beside {
            ids: ids.to_vec(),
            latest: latest_requests(tenant_id, caller_id, ids),
            flows,
            domains: read.domains.then(|| domains_of(tenant_id, ids)),
            stats: read.stats.then(|| stats_of(tenant_id, ids)),
        }
    }

    /// The statements to run, in the order [`Beside::show`] takes their answers.
    pub(super) fn statements(&self) -> Vec<&(dyn Statement + Sync)> {
        let mut statements: Vec<&(dyn Statement + Sync)> = vec![&self.latest];
        statements.extend(self.flows.iter().map(|flows| flows as &(dyn Statement + Sync)));
        statements.extend(self.domains.iter().map(|domains| domains as &(dyn Statement + Sync)));
        statements.extend(self.stats.iter().flatten().map(|part| part as &(dyn Statement + Sync)));
        statements
    }

    /// The products as the caller sees them, from the answers to [`Beside::statements`], taken one by one.
    pub(super) fn show(
        &self,
        mut next: impl FnMut() -> Vec<Row>,
        caller: &Person,
        mut products: Vec<Product>,
        form_flows: &mut HashMap<FormId, ReviewFlow>,
    ) -> Result<Vec<ShownProduct>, StoreError> {
        let latest = decode_latest(&next())?;
        if self.flows.is_some() {
            form_flows.extend(forms::decode_flows(&next())?);
        }
        if self.domains.is_some() {
            fill_domains(&next(), &mut products)?;
        }
        let mut stats = match self.stats {
            Some(_) => decode_stats(&self.ids, &next(), &next())?,
            None => BTreeMap::new(),
        };
        Ok(products
            .into_iter()
            .map(|product| ShownProduct {
                caller: caller_view(caller, &product, latest.get(&product.id), form_flows),
                stats: stats.remove(&product.id).unwrap_or_default(),
                product,
            })
            .collect())
    }
}

/// The user's latest request on each product (at least one), decoded by [`decode_latest`]: one statement of
/// one index seek per product, whatever the length of the user's history.
fn latest_requests(tenant_id: TenantId, user_id: UserId, product_ids: &[ProductId]) -> ListBound<'static, 2> {
    let products = product_ids.iter().map(|id| id.as_str().into()).collect();
    LATEST_REQUESTS.with([tenant_id.to_string().into(), user_id.0.into()], products)
}

/// One product as the caller sees it.
pub(super) async fn show_one(
    conn: &mut Conn,
    tenant_id: TenantId,
    caller: &Person,
    caller_id: UserId,
    product: Product,
    read: Reading,
) -> Result<ShownProduct, StoreError> {
    let id = product.id.clone();
    let shown = views_of(
        conn,
        tenant_id,
        caller,
        caller_id,
        vec![product],
        read,
        &mut HashMap::new(),
    )
    .await?;
    // One product in, one out.
    shown
        .into_iter()
        .next()
        .ok_or(StoreError::Missing(format!("product {id}")))
}

/// Whether the user holds approved data access to the product.
pub(super) async fn holds_approved_access(
    conn: &mut Conn,
    tenant_id: TenantId,
    user_id: UserId,
    product_id: &ProductId,
) -> Result<bool, StoreError> {
    let query = latest_requests(tenant_id, user_id, std::slice::from_ref(product_id));
    let requests = decode_latest(&conn.query(&query).await?)?;
    Ok(requests.get(product_id).is_some_and(|latest| latest.member))
}

/// A user's latest request on a product.
struct LatestRequest {
    id: String,
    status: String,
    expiration: Option<Timestamp>,
    /// Whether the user holds approved access to the product (by this request or an earlier one).
    member: bool,
}

/// Each product's latest request from the rows of [`latest_requests`].
fn decode_latest(rows: &[Row]) -> Result<BTreeMap<ProductId, LatestRequest>, StoreError> {
    rows.iter()
        .map(|row| {
            let latest = LatestRequest {
                id: row.get(1)?,
                status: row.get(2)?,
                expiration: row.get(3)?,
                member: row.get(4)?,
            };
            Ok((row.get(0)?, latest))
        })
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
    latest: Option<&LatestRequest>,
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
    let member = latest.is_some_and(|latest| latest.member);
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
        Some(latest) => latest.status.clone(),
        None if manages => "PUBLISHER".into(),
        None => "NONE".into(),
    };
    CallerView {
        status,
        request_id: latest.map(|latest| latest.id.clone()),
        expiration: latest.and_then(|latest| latest.expiration),
        roles,
    }
}
