//! How a page of requests is read, once the searcher's visibility has chosen the way.

use super::{RequestSearch, RequestSort, col};
use crate::query::limit_of;
use crate::requests::select_requests;
use crate::schema::AccessRequests;
use marketplace_domain::ids::{TenantId, UserId};
use sea_query::{Alias, BinOper, Expr, ExprTrait, Order, Query, SelectStatement, UnionType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// In the order of an index, checking each row: cheap when most rows pass.
    WalkSortIndex,
    /// The visible set, read whole and sorted: cheap when it is small.
    SortVisibleSet,
    /// Newest or oldest first, by a person who sees only their own requests: the first entries of the index
    /// ranges of the requests made by them and of those made for them, whatever the length of their history.
    EndsOfOwn(UserId),
}

impl Plan {
    /// The statement reading the search's page of `requests` (the matching requests, with the visibility the
    /// plan needs), in the search's order.
    pub(super) fn page(
        self,
        mut requests: SelectStatement,
        tenant_id: TenantId,
        search: &RequestSearch,
    ) -> SelectStatement {
        let order = if search.descending { Order::Desc } else { Order::Asc };
        let (sort, numeric) = sort_column(search.sort);
        let id = col(AccessRequests::Id);
        let (limit, offset) = (limit_of(search.page.limit), search.page.offset);
        let ids = match self {
            Plan::WalkSortIndex => {
                return requests
                    .order_by(col(sort), order.clone())
                    .order_by(id, order)
                    .limit(limit)
                    .offset(offset)
                    .take();
            }
            // The page's ids first, then its rows: a sorter holds whole rows, a few KB each with their forms.
            Plan::SortVisibleSet => requests
                .clear_selects()
                .column(id)
                .order_by_expr(unindexed(sort, numeric), order.clone())
                .order_by(id, order.clone())
                .limit(limit)
                .offset(offset)
                .take(),
            // The page's ids are cut from the union of the two ranges before any row is read: a row is read
            // only if it is shown.
            Plan::EndsOfOwn(user_id) => {
                let wanted = limit_of(offset.saturating_add(limit));
                let first = |column: AccessRequests, name: &str| {
                    let range = requests
                        .clone()
                        .clear_selects()
                        .column(col(AccessRequests::CreatedAt))
                        .column(id)
                        .and_where(Expr::col(col(column)).eq(user_id.0))
                        .order_by(col(AccessRequests::CreatedAt), order.clone())
                        .order_by(id, order.clone())
                        .limit(wanted)
                        .take();
                    Query::select()
                        .columns([AccessRequests::CreatedAt, AccessRequests::Id])
                        .from_subquery(range, Alias::new(name))
                        .take()
                };
                // Ordered by the names of the union's columns, which is all a compound statement's ORDER BY
                // may refer to.
                let page = first(AccessRequests::RequestingUserId, "made_by_them")
                    .union(UnionType::Distinct, first(AccessRequests::UserId, "made_for_them"))
                    .order_by(AccessRequests::CreatedAt, order.clone())
                    .order_by(AccessRequests::Id, order.clone())
                    .limit(limit)
                    .offset(offset)
                    .take();
                Query::select()
                    .column(AccessRequests::Id)
                    .from_subquery(page, Alias::new("page"))
                    .take()
            }
        };
        select_requests(tenant_id)
            .and_where(Expr::col(id).in_subquery(ids))
            .order_by_expr(unindexed(sort, numeric), order.clone())
            .order_by(id, order)
            .take()
    }
}

/// The column a search sorts on, and whether it holds numbers.
fn sort_column(sort: RequestSort) -> (AccessRequests, bool) {
    match sort {
        RequestSort::Status => (AccessRequests::Status, false),
        RequestSort::DataProduct => (AccessRequests::TargetName, false),
        RequestSort::CreatedAt => (AccessRequests::CreatedAt, true),
        RequestSort::UpdatedAt => (AccessRequests::UpdatedAt, true),
        RequestSort::Expiration => (AccessRequests::Expiration, true),
    }
}

/// The column as an expression no index holds, so that the database sorts the few rows it is given rather
/// than walking the index of that order (the whole table) checking each row against them.
fn unindexed(column: AccessRequests, numeric: bool) -> Expr {
    match numeric {
        true => Expr::col(col(column)).add(Expr::cust("0")),
        false => Expr::col(col(column)).binary(BinOper::Custom("||"), Expr::cust("''")),
    }
}
