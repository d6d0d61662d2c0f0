//! The columns masking exceptions ask for, and those a user holds through approved ones.

use super::create::RequestedColumn;
use crate::query::tenant_is;
use crate::schema::{AccessRequestColumns, AccessRequests};
use crate::{Store, StoreError};
use marketplace_domain::access_request::{RequestStatus, RequestType};
use marketplace_domain::ids::{RequestId, TenantId, UserId};
use sea_query::{Expr, ExprTrait, Order, Query};

/// Joins `access_request_columns` to the request each row belongs to.
pub(crate) fn columns_of_request() -> sea_query::SimpleExpr {
    Expr::col((AccessRequestColumns::Table, AccessRequestColumns::TenantId))
        .equals((AccessRequests::Table, AccessRequests::TenantId))
        .and(
            Expr::col((AccessRequestColumns::Table, AccessRequestColumns::RequestId))
                .equals((AccessRequests::Table, AccessRequests::Id)),
        )
}

impl Store {
    /// The columns a request names, in the order it named them, as they were when it was made.
    pub async fn request_columns(
        &self,
        tenant_id: TenantId,
        request_id: &RequestId,
    ) -> Result<Vec<RequestedColumn>, StoreError> {
        let query = Query::select()
            .columns([
                AccessRequestColumns::DataSourceId,
                AccessRequestColumns::ColumnName,
                AccessRequestColumns::SourceName,
                AccessRequestColumns::ColumnType,
                AccessRequestColumns::Tags,
                AccessRequestColumns::MaskingType,
            ])
            .from(AccessRequestColumns::Table)
            .and_where(tenant_is(AccessRequestColumns::TenantId, tenant_id))
            .and_where(Expr::col(AccessRequestColumns::RequestId).eq(request_id.as_str()))
            .order_by(AccessRequestColumns::Position, Order::Asc)
            .take();
        let mut conn = self.backend.read().await?;
        conn.query(&query)
            .await?
            .iter()
            .map(|row| {
                let tags: String = row.get(4)?;
                Ok(RequestedColumn {
                    data_source_id: row.get(0)?,
                    column_name: row.get(1)?,
                    source_name: row.get(2)?,
                    column_type: row.get(3)?,
                    tags: serde_json::from_str(&tags).map_err(|error| StoreError::Decode {
                        index: 4,
                        detail: error.to_string(),
                    })?,
                    masking_type: row.get(5)?,
                })
            })
            .collect()
    }

    /// (data source id, column name) of every column the user may see unmasked through an approved masking
    /// exception.
    pub async fn approved_masking_columns(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let query = Query::select()
            .distinct()
            .columns([
                (AccessRequestColumns::Table, AccessRequestColumns::DataSourceId),
                (AccessRequestColumns::Table, AccessRequestColumns::ColumnName),
            ])
            .from(AccessRequests::Table)
            .inner_join(AccessRequestColumns::Table, columns_of_request())
            .and_where(tenant_is((AccessRequests::Table, AccessRequests::TenantId), tenant_id))
            .and_where(Expr::col((AccessRequests::Table, AccessRequests::UserId)).eq(user_id.0))
            .and_where(
                Expr::col((AccessRequests::Table, AccessRequests::RequestType))
                    .eq(RequestType::MaskingException.as_str()),
            )
            .and_where(Expr::col((AccessRequests::Table, AccessRequests::Status)).eq(RequestStatus::Approved.as_str()))
            .order_by(
                (AccessRequestColumns::Table, AccessRequestColumns::DataSourceId),
                Order::Asc,
            )
            .order_by(
                (AccessRequestColumns::Table, AccessRequestColumns::ColumnName),
                Order::Asc,
            )
            .take();
        let mut conn = self.backend.read().await?;
        conn.query(&query)
            .await?
            .iter()
            .map(|row| Ok((row.get(0)?, row.get(1)?)))
            .collect()
    }
}
