//! Deleting a product ends its open requests, in the deletion's transaction.

use super::counts::CountChanges;
use super::history::Entry;
use super::transitions::{close_open_records, set_status};
use super::{AccessRequestRecord, decode_request, select_requests};
use crate::StoreError;
use crate::db::Conn;
use crate::schema::AccessRequests;
use marketplace_domain::Timestamp;
use marketplace_domain::access_request::{RequestEvent, RequestStatus};
use marketplace_domain::ids::{ProductId, TenantId, UserId};
use sea_query::{Expr, ExprTrait, LockType};

/// Ends every open request for a product that is being deleted: pending ones are canceled, approved access
/// is revoked, each with its history event. Returns the users whose requests it ended, whom the deletion's own
/// notification tells.
pub(crate) async fn end_product_requests(
    conn: &mut Conn,
    tenant_id: TenantId,
    product_id: &ProductId,
    now: Timestamp,
) -> Result<Vec<UserId>, StoreError> {
    let open = select_requests(tenant_id)
        .and_where(Expr::col(AccessRequests::DataProductId).eq(product_id.as_str()))
        .and_where(
            Expr::col(AccessRequests::Status)
                .is_in([RequestStatus::Pending.as_str(), RequestStatus::Approved.as_str()]),
        )
        .lock(LockType::Update)
        .take();
    let mut counts = CountChanges::default();
    let mut impacted = Vec::new();
    let requests: Vec<AccessRequestRecord> = conn
        .query(&open)
        .await?
        .iter()
        .map(decode_request)
        .collect::<Result<_, _>>()?;
    for request in requests {
        let id = request.id.clone();
        impacted.push(request.user_id);
        let (to, event) = match request.status {
            RequestStatus::Pending => (RequestStatus::Canceled, RequestEvent::Canceled),
            _ => (RequestStatus::Revoked, RequestEvent::Revoked),
        };
        close_open_records(conn, tenant_id, &id, now).await?;
        set_status(conn, &mut counts, tenant_id, &request, to, None, now).await?;
        Entry::new(tenant_id, &id, event, now)
            .because(Some("The data product was deleted."))
            .record_quietly(conn)
            .await?;
    }
    counts.apply(conn).await?;
    impacted.sort_unstable();
    impacted.dedup();
    Ok(impacted)
}
