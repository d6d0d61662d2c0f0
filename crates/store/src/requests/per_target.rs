//! Reads of one target's requests: a user's latest, and the most recent ones people decided.

use super::search::{col, request_ids_decided};
use super::{AccessRequestRecord, RequestTarget, decode_request, select_requests};
use crate::query::one_of;
use crate::schema::AccessRequests;
use crate::{Store, StoreError};
use marketplace_domain::access_request::{RequestStatus, RequestType};
use marketplace_domain::ids::{RequestId, TenantId, UserId};
use sea_query::{Expr, ExprTrait, Order};

impl Store {
    /// The user's most recent request for the target, of either type.
    pub async fn latest_request(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        target: &RequestTarget,
    ) -> Result<Option<AccessRequestRecord>, StoreError> {
        let query = select_requests(tenant_id)
            .and_where(target.matches())
            .and_where(Expr::col(col(AccessRequests::UserId)).eq(user_id.0))
            .order_by(col(AccessRequests::CreatedAt), Order::Desc)
            .order_by(col(AccessRequests::Id), Order::Desc)
            .limit(1)
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.as_ref().map(decode_request).transpose()
    }

    /// The `limit` requests of this type for a target most recently ended by people (but `except`), each with
    /// the records people decided.
    pub async fn recent_determinations(
        &self,
        tenant_id: TenantId,
        target: &RequestTarget,
        request_type: RequestType,
        except: Option<&RequestId>,
        limit: u64,
    ) -> Result<Vec<(AccessRequestRecord, Vec<super::ApprovalRecordRow>)>, StoreError> {
        let mut conn = self.backend.read().await?;
        let ended = [
            RequestStatus::Approved,
            RequestStatus::Denied,
            RequestStatus::Revoked,
            RequestStatus::Expired,
        ];
        let query = select_requests(tenant_id)
            .and_where(target.matches())
            .and_where(Expr::col(col(AccessRequests::RequestType)).eq(request_type.as_str()))
            .and_where(one_of(col(AccessRequests::Status), ended.map(RequestStatus::as_str)))
            .and_where(Expr::col(col(AccessRequests::Id)).in_subquery(request_ids_decided(tenant_id, None)))
            .order_by(col(AccessRequests::UpdatedAt), Order::Desc)
            .order_by(col(AccessRequests::Id), Order::Desc)
            .and_where(Expr::col(col(AccessRequests::Id)).ne(except.map_or("", RequestId::as_str)))
            .limit(limit)
            .take();
        let requests: Vec<AccessRequestRecord> = conn
            .query(&query)
            .await?
            .iter()
            .map(decode_request)
            .collect::<Result<_, _>>()?;
        let mut determinations = Vec::new();
        for request in requests {
            let mut records = super::records_of(&mut conn, tenant_id, &request.id).await?;
            records.retain(|record| record.action_by.is_some());
            determinations.push((request, records));
        }
        Ok(determinations)
    }
}
