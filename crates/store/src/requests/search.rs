//! Searching access requests: only those the caller may see in the roles asked for, with the reference's
//! filters, sorted on an indexed column with the id as tie-breaker, offset-paginated.

use super::counts::scope_totals;
use super::{AccessRequestRecord, RequestTarget, decode_request, select_requests};
use crate::query::{contains, count, one_of, tenant_is};
use crate::schema::{AccessRequests, ApprovalRecordKeys, ApprovalRecords, Users};
use crate::{Store, StoreError};
use marketplace_domain::access_request::{RecordStatus, RequestType};
use marketplace_domain::ids::{ProductId, TenantId, UserId};
use marketplace_domain::pagination::OffsetPage;
use plan::Plan;
use sea_query::{Cond, Expr, ExprTrait, Query, SelectStatement};
use uuid::Uuid;
use visibility::Visibility;

/// How the caller relates to a request (`role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestRole {
    /// Made it, or it is for them.
    Requestor,
    /// `GOVERNANCE`, or `Manage Data Products` in a domain of its target.
    Manager,
    /// Meets an approver criterion of one of its records.
    Steward,
}

/// `reviewStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    NoReviews,
    ReviewedByYou,
    AwaitingReviewFromYou,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestSort {
    Status,
    DataProduct,
    CreatedAt,
    UpdatedAt,
    Expiration,
}

/// Who searches: what decides which requests they see.
#[derive(Debug, Clone)]
pub struct Searcher {
    pub user_id: UserId,
    pub governance: bool,
    pub managed_domains: Vec<String>,
    /// The caller's approver keys (`access_request::person_keys`).
    pub keys: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RequestSearch {
    pub roles: Vec<RequestRole>,
    pub search_text: Option<String>,
    pub statuses: Vec<String>,
    pub types: Vec<RequestType>,
    pub user_ids: Vec<Uuid>,
    pub expiration: Option<bool>,
    pub data_product_id: Option<ProductId>,
    pub asset_id: Option<String>,
    /// `DATA_PRODUCT` and/or `DATA_OBJECT`.
    pub asset_types: Vec<String>,
    /// `DATA_PRODUCT`, `COLUMNS`, or a data object's legacy type.
    pub target_types: Vec<String>,
    pub review_statuses: Vec<ReviewStatus>,
    pub sort: RequestSort,
    pub descending: bool,
    pub page: OffsetPage,
}

pub(super) fn col(column: AccessRequests) -> (AccessRequests, AccessRequests) {
    (AccessRequests::Table, column)
}

/// The requests with a pending record filed under one of `keys`. Driven from the tenant's pending records (an
/// index range that grows with the open workload, not with history), each probing the keys' primary key.
fn request_ids_pending_with_keys(tenant_id: TenantId, keys: &[String]) -> SelectStatement {
    let filed = Query::select()
        .expr(Expr::cust("1"))
        .from(ApprovalRecordKeys::Table)
        .and_where(
            Expr::col((ApprovalRecordKeys::Table, ApprovalRecordKeys::TenantId))
                .equals((ApprovalRecords::Table, ApprovalRecords::TenantId)),
        )
        .and_where(one_of(
            (ApprovalRecordKeys::Table, ApprovalRecordKeys::ApproverKey),
            keys.iter().cloned(),
        ))
        .and_where(
            Expr::col((ApprovalRecordKeys::Table, ApprovalRecordKeys::RequestId))
                .equals((ApprovalRecords::Table, ApprovalRecords::RequestId)),
        )
        .and_where(
            Expr::col((ApprovalRecordKeys::Table, ApprovalRecordKeys::RecordId))
                .equals((ApprovalRecords::Table, ApprovalRecords::Id)),
        )
        .take();
    Query::select()
        .column((ApprovalRecords::Table, ApprovalRecords::RequestId))
        .from(ApprovalRecords::Table)
        .and_where(tenant_is(
            (ApprovalRecords::Table, ApprovalRecords::TenantId),
            tenant_id,
        ))
        .and_where(Expr::col((ApprovalRecords::Table, ApprovalRecords::Status)).eq(RecordStatus::Pending.as_str()))
        .and_where(Expr::exists(filed))
        .take()
}

pub(super) fn request_ids_decided(tenant_id: TenantId, by: Option<UserId>) -> SelectStatement {
    Query::select()
        .column(ApprovalRecords::RequestId)
        .from(ApprovalRecords::Table)
        .and_where(tenant_is(ApprovalRecords::TenantId, tenant_id))
        .and_where(match by {
            Some(user_id) => Expr::col(ApprovalRecords::ActionBy).eq(user_id.0),
            None => Expr::col(ApprovalRecords::ActionBy).is_not_null(),
        })
        .take()
}

fn users_where(tenant_id: TenantId, condition: Cond) -> SelectStatement {
    Query::select()
        .column(Users::Id)
        .from(Users::Table)
        .and_where(tenant_is(Users::TenantId, tenant_id))
        .cond_where(condition)
        .take()
}

impl RequestSearch {
    /// Whether no filter applies beyond statuses and types: then the kept counts answer how many match.
    fn countable(&self) -> bool {
        self.only_target_filters() && self.data_product_id.is_none() && self.asset_id.is_none()
    }

    /// The kept counts of one target answer how many match when the searcher sees everything and the search
    /// names that target and filters only by statuses and types.
    fn counted_target(&self) -> Option<String> {
        match (&self.data_product_id, &self.asset_id) {
            _ if !self.only_target_filters() => None,
            (None, None) => Some(super::counts::TENANT.to_owned()),
            (Some(id), None) => Some(RequestTarget::Product(id.clone()).count_scope()),
            (None, Some(id)) => Some(RequestTarget::Asset(id.clone()).count_scope()),
            (Some(_), Some(_)) => None,
        }
    }

    fn only_target_filters(&self) -> bool {
        let RequestSearch {
            roles: _,
            search_text,
            statuses: _,
            types: _,
            user_ids,
            expiration,
            data_product_id: _,
            asset_id: _,
            asset_types,
            target_types,
            review_statuses,
            sort: _,
            descending: _,
            page: _,
        } = self;
        search_text.as_deref().is_none_or(|text| text.trim().is_empty())
            && user_ids.is_empty()
            && expiration.is_none()
            && asset_types.is_empty()
            && target_types.is_empty()
            && review_statuses.is_empty()
    }

    /// A request awaiting your review is one you steward: checking visibility too would only make the database
    /// walk everything you may see.
    fn visibility_implied(&self) -> bool {
        self.roles.contains(&RequestRole::Steward) && self.review_statuses == [ReviewStatus::AwaitingReviewFromYou]
    }

    fn filters(&self, tenant_id: TenantId, searcher: &Searcher) -> SelectStatement {
        let mut query = select_requests(tenant_id);
        if let Some(text) = self
            .search_text
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
        {
            let people = users_where(
                tenant_id,
                Cond::any()
                    .add(contains((Users::Table, Users::Username), text))
                    .add(contains((Users::Table, Users::Name), text)),
            );
            query.cond_where(
                Cond::any()
                    .add(contains(col(AccessRequests::TargetName), text))
                    .add(Expr::col(col(AccessRequests::UserId)).in_subquery(people)),
            );
        }
        if !self.statuses.is_empty() {
            query.and_where(one_of(col(AccessRequests::Status), self.statuses.iter().cloned()));
        }
        if !self.types.is_empty() {
            query.and_where(one_of(
                col(AccessRequests::RequestType),
                self.types.iter().map(|t| t.as_str()),
            ));
        }
        if !self.user_ids.is_empty() {
            let ids = self.user_ids.iter().map(Uuid::to_string);
            let people = users_where(tenant_id, Cond::all().add(one_of(Users::GlobalUserId, ids)));
            query.and_where(Expr::col(col(AccessRequests::UserId)).in_subquery(people));
        }
        match self.expiration {
            Some(true) => query.and_where(Expr::col(col(AccessRequests::Expiration)).is_not_null()),
            Some(false) => query.and_where(Expr::col(col(AccessRequests::Expiration)).is_null()),
            None => &mut query,
        };
        if let Some(id) = &self.data_product_id {
            query.and_where(Expr::col(col(AccessRequests::DataProductId)).eq(id.as_str()));
        }
        if let Some(id) = &self.asset_id {
            query.and_where(Expr::col(col(AccessRequests::AssetId)).eq(id.as_str()));
        }
        if !self.asset_types.is_empty() {
            let mut kinds = Cond::any();
            if self.asset_types.iter().any(|kind| kind == "DATA_PRODUCT") {
                kinds = kinds.add(Expr::col(col(AccessRequests::DataProductId)).is_not_null());
            }
            if self.asset_types.iter().any(|kind| kind == "DATA_OBJECT") {
                kinds = kinds.add(Expr::col(col(AccessRequests::AssetId)).is_not_null());
            }
            query.cond_where(kinds);
        }
        if !self.target_types.is_empty() {
            let mut targets = Cond::any().add(one_of(
                col(AccessRequests::TargetType),
                self.target_types.iter().map(|kind| kind.to_lowercase()),
            ));
            if self.target_types.iter().any(|kind| kind == "DATA_PRODUCT") {
                targets = targets.add(Expr::col(col(AccessRequests::TargetType)).eq("DATA_PRODUCT"));
            }
            if self.target_types.iter().any(|kind| kind == "COLUMNS") {
                targets =
                    targets.add(Expr::col(col(AccessRequests::RequestType)).eq(RequestType::MaskingException.as_str()));
            }
            query.cond_where(targets);
        }
        if !self.review_statuses.is_empty() {
            let mut reviews = Cond::any();
            for review in &self.review_statuses {
                reviews = match review {
                    ReviewStatus::NoReviews => reviews
                        .add(Expr::col(col(AccessRequests::Id)).not_in_subquery(request_ids_decided(tenant_id, None))),
                    ReviewStatus::ReviewedByYou => reviews.add(
                        Expr::col(col(AccessRequests::Id))
                            .in_subquery(request_ids_decided(tenant_id, Some(searcher.user_id))),
                    ),
                    // Nobody reviews their own request, so those never await them.
                    ReviewStatus::AwaitingReviewFromYou => reviews.add(
                        Cond::all()
                            .add(
                                Expr::col(col(AccessRequests::Id))
                                    .in_subquery(request_ids_pending_with_keys(tenant_id, &searcher.keys)),
                            )
                            .add(Expr::col(col(AccessRequests::RequestingUserId)).ne(searcher.user_id.0))
                            .add(Expr::col(col(AccessRequests::UserId)).ne(searcher.user_id.0)),
                    ),
                };
            }
            query.cond_where(reviews);
        }
        query
    }
}

impl Store {
    /// One page of the requests the searcher may see that match, and how many match in all.
    pub async fn search_access_requests(
        &self,
        tenant_id: TenantId,
        searcher: &Searcher,
        search: &RequestSearch,
    ) -> Result<(Vec<AccessRequestRecord>, u64), StoreError> {
        let mut conn = self.backend.read().await?;
        let matching = search.filters(tenant_id, searcher);
        let (statuses, types) = (&search.statuses, &search.types);
        let (page, total, plan) = match Visibility::of(searcher, &search.roles) {
            _ if search.visibility_implied() => {
                let total = count(&mut conn, matching.clone()).await?;
                (matching, total, Plan::WalkSortIndex)
            }
            Visibility::Everything => {
                let total = match search.counted_target() {
                    Some(scope) => scope_totals(&mut conn, tenant_id, std::slice::from_ref(&scope), statuses, types)
                        .await?
                        .of(&scope),
                    None => count(&mut conn, matching.clone()).await?,
                };
                (matching, total, Plan::WalkSortIndex)
            }
            visibility => {
                let mut members = matching.clone();
                members.and_where_option(visibility.membership(tenant_id));
                let totals = visibility.totals(&mut conn, tenant_id, statuses, types).await?;
                let total = match search.countable() {
                    true => visibility.total(&mut conn, tenant_id, &totals, statuses, types).await?,
                    false => count(&mut conn, members.clone()).await?,
                };
                // Walking the sort index and checking each row costs about the rows walked until the page is
                // full (all the matching rows if none is filed for the searcher); reading the visible set costs
                // its size, whatever the statuses searched. Take the cheaper.
                let (everyone, filed) = (totals.everyone(), totals.filed());
                let wanted = search.page.offset.saturating_add(search.page.limit);
                let walk = match filed {
                    0 => everyone,
                    _ => wanted.saturating_mul(everyone) / filed,
                };
                // Newest or oldest first, someone who sees only their own requests has both ends at hand.
                let own = visibility
                    .only_own(&totals)
                    .filter(|_| search.sort == RequestSort::CreatedAt);
                match (own, walk < totals.filed_whatever_status()) {
                    (Some(user_id), _) => (matching, total, Plan::EndsOfOwn(user_id)),
                    (None, true) => {
                        let mut checked = matching;
                        checked.cond_where(visibility.row_check(tenant_id).unwrap_or_else(Cond::all));
                        (checked, total, Plan::WalkSortIndex)
                    }
                    (None, false) => (members, total, Plan::SortVisibleSet),
                }
            }
        };
        let page = plan.page(page, tenant_id, search);
        let requests = conn
            .query_long(&page)
            .await?
            .iter()
            .map(decode_request)
            .collect::<Result<_, _>>()?;
        Ok((requests, total))
    }
}

mod plan;
mod visibility;
