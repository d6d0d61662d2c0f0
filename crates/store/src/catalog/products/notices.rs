//! The notifications a product's changes cause: published, data sources changed, deleted.

use super::Product;
use crate::StoreError;
use crate::db::Conn;
use crate::notifications::{About, event_insert};
use crate::schema::Users;
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{GlobalUserId, TenantId, UserId};
use marketplace_domain::notifications::NotificationType;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;

/// Records that `product` changed as `kind` says; `impacted` are the users whose requests the change ended.
pub(super) async fn notify(
    conn: &mut Conn,
    tenant_id: TenantId,
    kind: NotificationType,
    product: &Product,
    impacted: &[UserId],
    actor_id: Option<UserId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let detail = json!({"name": product.name, "domains": product.domains, "impacted": impacted});
    let about = About::Product {
        id: &product.id,
        detail,
    };
    let insert = event_insert(tenant_id, None, kind, about, actor_id, now);
    conn.execute(&insert).await.map(drop)
}

/// The directory id of the user with this global id, if they are still there.
pub(super) async fn user_id_of(
    conn: &mut Conn,
    tenant_id: TenantId,
    global_user_id: GlobalUserId,
) -> Result<Option<UserId>, StoreError> {
    let query = Query::select()
        .column(Users::Id)
        .from(Users::Table)
        .and_where(Expr::col(Users::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(Users::GlobalUserId).eq(global_user_id.to_string()))
        .take();
    conn.query_opt(&query).await?.map(|row| row.get(0)).transpose()
}

/// Whether two lists of data source ids name different sources.
pub(super) fn sources_differ(before: &[i64], after: &[i64]) -> bool {
    let mut before = before.to_vec();
    let mut after = after.to_vec();
    before.sort_unstable();
    before.dedup();
    after.sort_unstable();
    after.dedup();
    before != after
}
