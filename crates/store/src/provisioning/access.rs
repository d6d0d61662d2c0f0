//! The approved access a cycle derives what should exist from: each approved request, with the data sources it
//! reaches (a product's sources, a data object's, or a masking exception's columns).

use crate::catalog::data_objects;
use crate::query::{fixed, tenant_is};
use crate::requests::columns_of_request;
use crate::schema::{AccessRequestColumns, AccessRequests, DataProductSources};
use crate::{Store, StoreError};
use marketplace_domain::access_request::{RequestStatus, RequestType};
use marketplace_domain::ids::{RequestId, TenantId};
use marketplace_domain::provisioning::{Access, Reach};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use std::collections::BTreeMap;
use uuid::Uuid;

impl Store {
    /// Every approved request of the tenant as the access it gives, or only `request`'s (approved or not: what
    /// it gives, or gave).
    pub async fn approved_access(
        &self,
        tenant_id: TenantId,
        request: Option<&RequestId>,
    ) -> Result<Vec<Access>, StoreError> {
        let of_interest = |query: &mut SelectStatement| {
            query.and_where(tenant_is((AccessRequests::Table, AccessRequests::TenantId), tenant_id));
            match request {
                Some(id) => query.and_where(Expr::col((AccessRequests::Table, AccessRequests::Id)).eq(id.as_str())),
                None => query.and_where(
                    Expr::col((AccessRequests::Table, AccessRequests::Status))
                        .eq(fixed(RequestStatus::Approved.as_str())),
                ),
            };
        };
        let data_access = || {
            Expr::col((AccessRequests::Table, AccessRequests::RequestType)).eq(fixed(RequestType::DataAccess.as_str()))
        };
        let mut conn = self.backend.read().await?;
        let mut access = Vec::new();

        let mut products = Query::select()
            .columns([
                (AccessRequests::Table, AccessRequests::Id),
                (AccessRequests::Table, AccessRequests::UserId),
            ])
            .column((DataProductSources::Table, DataProductSources::DataSourceId))
            .from(AccessRequests::Table)
            .inner_join(
                DataProductSources::Table,
                Expr::col((DataProductSources::Table, DataProductSources::TenantId))
                    .equals((AccessRequests::Table, AccessRequests::TenantId))
                    .and(
                        Expr::col((DataProductSources::Table, DataProductSources::ProductId))
                            .equals((AccessRequests::Table, AccessRequests::DataProductId)),
                    ),
            )
            .and_where(data_access())
            .order_by((AccessRequests::Table, AccessRequests::Id), Order::Asc)
            .take();
        of_interest(&mut products);
        for row in conn.query(&products).await? {
            access.push(Access {
                request_id: row.get(0)?,
                user_id: row.get(1)?,
                data_source_id: row.get(2)?,
                reach: Reach::Data,
            });
        }

        let mut assets = Query::select()
            .columns([AccessRequests::Id, AccessRequests::UserId, AccessRequests::AssetId])
            .from(AccessRequests::Table)
            .and_where(data_access())
            .and_where(Expr::col((AccessRequests::Table, AccessRequests::AssetId)).is_not_null())
            .take();
        of_interest(&mut assets);
        let mut sources_of: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for row in conn.query(&assets).await? {
            let (request_id, user_id, asset_id): (RequestId, i64, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
            if !sources_of.contains_key(&asset_id) {
                // On the connection held: another from the pool, while this one is held, could wait forever.
                let object = match Uuid::parse_str(&asset_id) {
                    Ok(id) => data_objects::find(&mut conn, tenant_id, id).await?,
                    Err(_) => None,
                };
                let sources = match object {
                    Some(object) => data_objects::source_ids(&mut conn, tenant_id, &object).await?,
                    None => Vec::new(),
                };
                sources_of.insert(asset_id.clone(), sources);
            }
            for data_source_id in &sources_of[&asset_id] {
                access.push(Access {
                    request_id: request_id.clone(),
                    user_id,
                    data_source_id: *data_source_id,
                    reach: Reach::Data,
                });
            }
        }

        let mut columns = Query::select()
            .columns([
                (AccessRequests::Table, AccessRequests::Id),
                (AccessRequests::Table, AccessRequests::UserId),
            ])
            .columns([
                (AccessRequestColumns::Table, AccessRequestColumns::DataSourceId),
                (AccessRequestColumns::Table, AccessRequestColumns::ColumnName),
            ])
            .from(AccessRequests::Table)
            .inner_join(AccessRequestColumns::Table, columns_of_request())
            .and_where(
                Expr::col((AccessRequests::Table, AccessRequests::RequestType))
                    .eq(RequestType::MaskingException.as_str()),
            )
            .take();
        of_interest(&mut columns);
        let mut exceptions: BTreeMap<(RequestId, i64, i64), Vec<String>> = BTreeMap::new();
        for row in conn.query(&columns).await? {
            let key = (row.get(0)?, row.get(1)?, row.get(2)?);
            exceptions.entry(key).or_default().push(row.get(3)?);
        }
        for ((request_id, user_id, data_source_id), names) in exceptions {
            access.push(Access {
                request_id,
                user_id,
                data_source_id,
                reach: Reach::RawColumns(names.into_iter().collect()),
            });
        }
        Ok(access)
    }
}
