//! Which requests a searcher may see, written two ways because neither suits every searcher: as a set (the
//! union of the index ranges they come from: their own requests, the records filed under their approver keys,
//! the domains they manage), cheap when it is small; or as a check on each row while the sort index is walked,
//! cheap when most rows pass it. The kept counts say which is which, and give the total without walking a
//! steward's whole set.

use super::{RequestRole, Searcher, col};
use crate::StoreError;
use crate::db::Conn;
use crate::query::{one_of, tenant_is};
use crate::requests::counts::{TENANT, Totals, domain_scope, key_scope, scope_totals};
use crate::schema::{AccessRequestDomains, AccessRequests, ApprovalRecordKeys};
use marketplace_domain::access_request::RequestType;
use marketplace_domain::ids::{TenantId, UserId};
use sea_query::{Cond, Expr, ExprTrait, Query, SelectStatement, SimpleExpr, UnionType};
use std::collections::BTreeMap;

/// Where the visible requests come from.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Visibility {
    /// `GOVERNANCE` as a manager: the whole tenant.
    Everything,
    Sources {
        /// As requestor: made by them or for them.
        own: Option<UserId>,
        /// As steward: a record filed under one of these approver keys.
        keys: Vec<String>,
        /// As manager: the target was in one of these domains.
        domains: Vec<String>,
    },
}

/// One key or domain whose requests are counted.
#[derive(Debug, Clone, PartialEq)]
enum Filed {
    Key(String),
    Domain(String),
}

impl Visibility {
    pub(super) fn of(searcher: &Searcher, roles: &[RequestRole]) -> Self {
        if searcher.governance && roles.contains(&RequestRole::Manager) {
            return Visibility::Everything;
        }
        let has = |role| roles.contains(&role);
        Visibility::Sources {
            own: has(RequestRole::Requestor).then_some(searcher.user_id),
            keys: match has(RequestRole::Steward) {
                true => searcher.keys.clone(),
                false => Vec::new(),
            },
            domains: match has(RequestRole::Manager) {
                true => searcher.managed_domains.clone(),
                false => Vec::new(),
            },
        }
    }

    fn filed(&self) -> Vec<Filed> {
        match self {
            Visibility::Everything => Vec::new(),
            Visibility::Sources { keys, domains, .. } => keys
                .iter()
                .cloned()
                .map(Filed::Key)
                .chain(domains.iter().cloned().map(Filed::Domain))
                .collect(),
        }
    }

    /// The condition checked on each row: cheap per row, so right when most rows pass it.
    pub(super) fn row_check(&self, tenant_id: TenantId) -> Option<Cond> {
        let Visibility::Sources { own, .. } = self else {
            return None;
        };
        let mut visible = Cond::any();
        if let Some(user_id) = own {
            visible = visible
                .add(Expr::col(col(AccessRequests::RequestingUserId)).eq(user_id.0))
                .add(Expr::col(col(AccessRequests::UserId)).eq(user_id.0));
        }
        for filed in self.filed() {
            visible = visible.add(Expr::exists(filed.probe(tenant_id)));
        }
        Some(visible)
    }

    /// The condition that the row is one of the set: right when the set is small.
    pub(super) fn membership(&self, tenant_id: TenantId) -> Option<SimpleExpr> {
        let Visibility::Sources { own, keys, domains } = self else {
            return None;
        };
        Some(Expr::col(col(AccessRequests::Id)).in_subquery(union_of(tenant_id, *own, keys, domains)))
    }

    /// The kept counts of the tenant and of each key and domain the searcher sees through, for these statuses
    /// and types: one lookup.
    pub(super) async fn totals(
        &self,
        conn: &mut Conn,
        tenant_id: TenantId,
        statuses: &[String],
        types: &[RequestType],
    ) -> Result<Totals, StoreError> {
        let scopes: Vec<String> = std::iter::once(TENANT.to_owned())
            .chain(self.filed().iter().map(Filed::scope))
            .collect();
        scope_totals(conn, tenant_id, &scopes, statuses, types).await
    }

    /// How many requests of these statuses and types the searcher may see when no other filter applies: the
    /// largest filed set's kept count, plus whatever the other sources add to it (walked, so small).
    pub(super) async fn total(
        &self,
        conn: &mut Conn,
        tenant_id: TenantId,
        totals: &Totals,
        statuses: &[String],
        types: &[RequestType],
    ) -> Result<u64, StoreError> {
        let Visibility::Sources { own, .. } = self else {
            return Ok(totals.everyone());
        };
        let filed = self.filed();
        let largest = filed
            .iter()
            .map(|one| (one, totals.of(&one.scope())))
            .filter(|(_, count)| *count > 0)
            .max_by_key(|(_, count)| *count);
        let Some((largest, count)) = largest else {
            // Nothing filed for them: only their own requests, if any.
            return self
                .count_rest(conn, tenant_id, *own, &filed, None, statuses, types)
                .await;
        };
        let others: Vec<Filed> = filed.iter().filter(|other| *other != largest).cloned().collect();
        let rest = self
            .count_rest(conn, tenant_id, *own, &others, Some(largest), statuses, types)
            .await?;
        Ok(count + rest)
    }

    /// The requests of `own` and `filed` that are not in `except`.
    #[allow(clippy::too_many_arguments, reason = "one private step of `total`")]
    async fn count_rest(
        &self,
        conn: &mut Conn,
        tenant_id: TenantId,
        own: Option<UserId>,
        filed: &[Filed],
        except: Option<&Filed>,
        statuses: &[String],
        types: &[RequestType],
    ) -> Result<u64, StoreError> {
        if own.is_none() && filed.is_empty() {
            return Ok(0);
        }
        let (keys, domains) = split(filed);
        let mut query = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(AccessRequests::Table)
            .and_where(tenant_is(col(AccessRequests::TenantId), tenant_id))
            .and_where(Expr::col(col(AccessRequests::Id)).in_subquery(union_of(tenant_id, own, &keys, &domains)))
            .to_owned();
        if let Some(except) = except {
            query.and_where(Expr::exists(except.probe(tenant_id)).not());
        }
        if !statuses.is_empty() {
            query.and_where(one_of(col(AccessRequests::Status), statuses.iter().cloned()));
        }
        if !types.is_empty() {
            query.and_where(one_of(
                col(AccessRequests::RequestType),
                types.iter().map(|t| t.as_str()),
            ));
        }
        let found: i64 = conn.query_long(&query).await?.first().map_or(Ok(0), |row| row.get(0))?;
        Ok(u64::try_from(found).unwrap_or(0))
    }
}

impl Totals {
    /// Every request of the tenant with these statuses and types.
    pub(super) fn everyone(&self) -> u64 {
        self.of(TENANT)
    }

    /// The requests filed under the searcher's keys and domains: more than they see through them when sets
    /// overlap.
    pub(super) fn filed(&self) -> u64 {
        filed_sum(&self.matching)
    }

    /// The requests filed under the searcher's keys and domains whatever their status and type: what reading
    /// the visible set costs.
    pub(super) fn filed_whatever_status(&self) -> u64 {
        filed_sum(&self.all)
    }
}

fn filed_sum(counts: &BTreeMap<String, u64>) -> u64 {
    counts
        .iter()
        .filter(|(scope, _)| scope.as_str() != TENANT)
        .map(|(_, count)| count)
        .sum()
}

fn split(filed: &[Filed]) -> (Vec<String>, Vec<String>) {
    let mut keys = Vec::new();
    let mut domains = Vec::new();
    for one in filed {
        match one {
            Filed::Key(key) => keys.push(key.clone()),
            Filed::Domain(domain) => domains.push(domain.clone()),
        }
    }
    (keys, domains)
}

impl Filed {
    fn scope(&self) -> String {
        match self {
            Filed::Key(key) => key_scope(key),
            Filed::Domain(domain) => domain_scope(domain),
        }
    }

    /// The row filing the request being looked at under this key or domain: a primary-key lookup.
    fn probe(&self, tenant_id: TenantId) -> SelectStatement {
        let mut probe = Query::select().expr(Expr::cust("1")).to_owned();
        match self {
            Filed::Key(key) => probe
                .from(ApprovalRecordKeys::Table)
                .and_where(tenant_is(
                    (ApprovalRecordKeys::Table, ApprovalRecordKeys::TenantId),
                    tenant_id,
                ))
                .and_where(Expr::col((ApprovalRecordKeys::Table, ApprovalRecordKeys::ApproverKey)).eq(key.as_str()))
                .and_where(
                    Expr::col((ApprovalRecordKeys::Table, ApprovalRecordKeys::RequestId))
                        .equals(col(AccessRequests::Id)),
                ),
            Filed::Domain(domain) => probe
                .from(AccessRequestDomains::Table)
                .and_where(tenant_is(
                    (AccessRequestDomains::Table, AccessRequestDomains::TenantId),
                    tenant_id,
                ))
                .and_where(Expr::col((AccessRequestDomains::Table, AccessRequestDomains::DomainId)).eq(domain.as_str()))
                .and_where(
                    Expr::col((AccessRequestDomains::Table, AccessRequestDomains::RequestId))
                        .equals(col(AccessRequests::Id)),
                ),
        };
        probe
    }
}

/// The ids of the requests from these sources: each an index range.
fn union_of(tenant_id: TenantId, own: Option<UserId>, keys: &[String], domains: &[String]) -> SelectStatement {
    let mut parts: Vec<SelectStatement> = Vec::new();
    if let Some(user_id) = own {
        for column in [AccessRequests::RequestingUserId, AccessRequests::UserId] {
            parts.push(
                Query::select()
                    .column(AccessRequests::Id)
                    .from(AccessRequests::Table)
                    .and_where(tenant_is(AccessRequests::TenantId, tenant_id))
                    .and_where(Expr::col(column).eq(user_id.0))
                    .to_owned(),
            );
        }
    }
    if !keys.is_empty() {
        parts.push(
            Query::select()
                .column(ApprovalRecordKeys::RequestId)
                .from(ApprovalRecordKeys::Table)
                .and_where(tenant_is(ApprovalRecordKeys::TenantId, tenant_id))
                .and_where(one_of(ApprovalRecordKeys::ApproverKey, keys.iter().cloned()))
                .to_owned(),
        );
    }
    if !domains.is_empty() {
        parts.push(
            Query::select()
                .column(AccessRequestDomains::RequestId)
                .from(AccessRequestDomains::Table)
                .and_where(tenant_is(AccessRequestDomains::TenantId, tenant_id))
                .and_where(one_of(AccessRequestDomains::DomainId, domains.iter().cloned()))
                .to_owned(),
        );
    }
    let mut parts = parts.into_iter();
    let Some(mut union) = parts.next() else {
        // No source: an empty set.
        return Query::select()
            .column(AccessRequests::Id)
            .from(AccessRequests::Table)
            .and_where(Expr::cust("1 = 0"))
            .to_owned();
    };
    for part in parts {
        union.union(UnionType::Distinct, part);
    }
    union
}
