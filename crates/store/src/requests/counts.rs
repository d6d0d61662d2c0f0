//! How many requests there are per status and type — in the tenant, for each target, for each person, under each
//! approver key and in each domain — changed in the transaction of every change to a request, so that the total
//! of a search with no other filter is a lookup whatever the size of the table.

use super::RequestTarget;
use crate::StoreError;
use crate::db::{Conn, Row};
use crate::query::{one_of, tenant_is};
use crate::schema::AccessRequestCounts;
use marketplace_domain::access_request::{RequestStatus, RequestType};
use marketplace_domain::ids::{ProductId, TenantId, UserId};
use sea_query::{Alias, Expr, ExprTrait, InsertStatement, OnConflict, Query, SelectStatement};
use std::collections::{BTreeMap, BTreeSet};

/// The tenant as a whole.
pub(crate) const TENANT: &str = "";

impl RequestTarget {
    /// The counts kept for this target.
    pub(crate) fn count_scope(&self) -> String {
        match self {
            RequestTarget::Product(id) => format!("product:{id}"),
            RequestTarget::Asset(id) => format!("asset:{id}"),
        }
    }
}

/// The counts kept for the requests with a record filed under this approver key.
pub(crate) fn key_scope(key: &str) -> String {
    format!("key:{key}")
}

/// The counts kept for the requests made by or for this person.
pub(crate) fn person_scope(user_id: UserId) -> String {
    format!("person:{}", user_id.0)
}

/// The counts kept for the requests whose target was in this domain.
pub(crate) fn domain_scope(domain_id: &str) -> String {
    format!("domain:{domain_id}")
}

/// Every scope a request is counted in beside the tenant: its target, the people it was made by and for, each
/// approver key its records are filed under, each domain its target was in.
pub(crate) fn request_scopes<'a>(
    target: Option<&RequestTarget>,
    people: [UserId; 2],
    keys: impl IntoIterator<Item = &'a String>,
    domains: &[String],
) -> BTreeSet<String> {
    target
        .map(RequestTarget::count_scope)
        .into_iter()
        .chain(people.map(person_scope))
        .chain(keys.into_iter().map(|key| key_scope(key)))
        .chain(domains.iter().map(|domain| domain_scope(domain)))
        .collect()
}

/// The count changes of one transaction. They are written together at its end, in key order, so that
/// transactions take the counter rows' locks in one order and last: none waits for a counter row while holding
/// one another needs first.
#[derive(Debug, Default)]
pub(crate) struct CountChanges(BTreeMap<(String, String, &'static str, &'static str), i64>);

impl CountChanges {
    fn add(
        &mut self,
        tenant_id: TenantId,
        scopes: &BTreeSet<String>,
        kind: RequestType,
        status: RequestStatus,
        delta: i64,
    ) {
        for scope in std::iter::once(TENANT).chain(scopes.iter().map(String::as_str)) {
            let key = (tenant_id.to_string(), scope.to_owned(), status.as_str(), kind.as_str());
            *self.0.entry(key).or_default() += delta;
        }
    }

    /// A new request, in the tenant and in its `scopes` (`request_scopes`).
    pub(crate) fn created(
        &mut self,
        tenant_id: TenantId,
        scopes: &BTreeSet<String>,
        kind: RequestType,
        status: RequestStatus,
    ) {
        self.add(tenant_id, scopes, kind, status, 1);
    }

    /// A request moved from one status to another.
    pub(crate) fn moved(
        &mut self,
        tenant_id: TenantId,
        scopes: &BTreeSet<String>,
        kind: RequestType,
        from: RequestStatus,
        to: RequestStatus,
    ) {
        self.add(tenant_id, scopes, kind, from, -1);
        self.add(tenant_id, scopes, kind, to, 1);
    }

    /// Writes the changes in one statement; call it last in the transaction.
    pub(crate) async fn apply(self, conn: &mut Conn) -> Result<(), StoreError> {
        match self.upsert() {
            Some(upsert) => conn.execute(&upsert).await.map(drop),
            None => Ok(()),
        }
    }

    /// The one statement that writes the changes, if any; run it last in the transaction.
    pub(crate) fn upsert(self) -> Option<InsertStatement> {
        let changes: Vec<_> = self.0.into_iter().filter(|(_, delta)| *delta != 0).collect();
        if changes.is_empty() {
            return None;
        }
        let mut upsert = Query::insert()
            .into_table(AccessRequestCounts::Table)
            .columns([
                AccessRequestCounts::TenantId,
                AccessRequestCounts::Scope,
                AccessRequestCounts::Status,
                AccessRequestCounts::RequestType,
                AccessRequestCounts::Count,
            ])
            .on_conflict(
                OnConflict::columns([
                    AccessRequestCounts::TenantId,
                    AccessRequestCounts::Scope,
                    AccessRequestCounts::Status,
                    AccessRequestCounts::RequestType,
                ])
                .value(
                    AccessRequestCounts::Count,
                    Expr::col((AccessRequestCounts::Table, AccessRequestCounts::Count))
                        .add(Expr::col((Alias::new("excluded"), AccessRequestCounts::Count))),
                )
                .to_owned(),
            )
            .take();
        // In key order: the rows' locks are taken in that order.
        for ((tenant_id, scope, status, kind), delta) in changes {
            upsert.values_panic([tenant_id.into(), scope.into(), status.into(), kind.into(), delta.into()]);
        }
        Some(upsert)
    }
}

/// Kept counts by scope: of the requests with the searched statuses and types, and of all. A scope with none
/// is missing.
#[derive(Default)]
pub(crate) struct Totals {
    pub(crate) matching: BTreeMap<String, u64>,
    pub(crate) all: BTreeMap<String, u64>,
}

impl Totals {
    /// The requests of `scope` with the searched statuses and types.
    pub(crate) fn of(&self, scope: &str) -> u64 {
        self.matching.get(scope).copied().unwrap_or(0)
    }
}

/// The kept counts of each of `scopes`, of the requests with one of the statuses and one of the types (empty
/// lists mean any) and of all: one lookup.
pub(crate) async fn scope_totals(
    conn: &mut Conn,
    tenant_id: TenantId,
    scopes: &[String],
    statuses: &[String],
    types: &[RequestType],
) -> Result<Totals, StoreError> {
    let mut totals = Totals::default();
    if scopes.is_empty() {
        return Ok(totals);
    }
    let query = Query::select()
        .columns([
            AccessRequestCounts::Scope,
            AccessRequestCounts::Status,
            AccessRequestCounts::RequestType,
            AccessRequestCounts::Count,
        ])
        .from(AccessRequestCounts::Table)
        .and_where(tenant_is(AccessRequestCounts::TenantId, tenant_id))
        .and_where(one_of(AccessRequestCounts::Scope, scopes.iter().cloned()))
        .take();
    for row in conn.query(&query).await? {
        let (scope, status, kind, count): (String, String, String, i64) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        let count = u64::try_from(count).unwrap_or(0);
        let wanted = (statuses.is_empty() || statuses.contains(&status))
            && (types.is_empty() || types.iter().any(|wanted| wanted.as_str() == kind));
        if wanted {
            *totals.matching.entry(scope.clone()).or_default() += count;
        }
        *totals.all.entry(scope).or_default() += count;
    }
    Ok(totals)
}

/// How many requests each product has per status, of any type.
/// The request counts of products by status: decoded by [`decode_per_product_status`].
pub(crate) fn per_product_status(tenant_id: TenantId, product_ids: &[ProductId]) -> SelectStatement {
    let scopes = product_ids
        .iter()
        .map(|id| RequestTarget::Product(id.clone()).count_scope());
    Query::select()
        .columns([AccessRequestCounts::Scope, AccessRequestCounts::Status])
        .expr(Expr::cust("CAST(SUM(count) AS BIGINT)"))
        .from(AccessRequestCounts::Table)
        .and_where(tenant_is(AccessRequestCounts::TenantId, tenant_id))
        .and_where(one_of(AccessRequestCounts::Scope, scopes))
        .group_by_columns([AccessRequestCounts::Scope, AccessRequestCounts::Status])
        .take()
}

/// (product, status, count) from the rows of [`per_product_status`].
pub(crate) fn decode_per_product_status(rows: &[Row]) -> Result<Vec<(ProductId, String, u64)>, StoreError> {
    let mut counts = Vec::new();
    for row in rows {
        let (scope, status, count): (String, String, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if let Some(product) = scope.strip_prefix("product:") {
            counts.push((ProductId::from(product), status, u64::try_from(count).unwrap_or(0)));
        }
    }
    Ok(counts)
}
