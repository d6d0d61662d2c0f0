//! Which data products use a form, and the domains they are in: what deleting and listing forms need to know.

use super::LinkedProduct;
use crate::StoreError;
use crate::db::Conn;
use crate::query::one_of;
use crate::schema::{DataProductDomains, DataProducts};
use marketplace_domain::ids::{FormId, TenantId};
use sea_query::{Cond, Expr, ExprTrait, Order, Query};

pub(super) async fn products_using(
    conn: &mut Conn,
    tenant_id: TenantId,
    form_id: FormId,
) -> Result<Vec<LinkedProduct>, StoreError> {
    let form = form_id.to_string();
    let query = Query::select()
        .columns([
            DataProducts::Id,
            DataProducts::Name,
            DataProducts::DataAccessFormId,
            DataProducts::MaskingExceptionFormId,
        ])
        .from(DataProducts::Table)
        .and_where(Expr::col(DataProducts::TenantId).eq(tenant_id.to_string()))
        .cond_where(
            Cond::any()
                .add(Expr::col(DataProducts::DataAccessFormId).eq(form.as_str()))
                .add(Expr::col(DataProducts::MaskingExceptionFormId).eq(form.as_str())),
        )
        .order_by(DataProducts::Name, Order::Asc)
        .take();
    conn.query(&query)
        .await?
        .iter()
        .map(|row| {
            let (access, masking): (String, String) = (row.get(2)?, row.get(3)?);
            let mut request_types = Vec::new();
            if access == form {
                request_types.push("DATA_ACCESS");
            }
            if masking == form {
                request_types.push("MASKING_EXCEPTION");
            }
            Ok(LinkedProduct {
                id: row.get(0)?,
                name: row.get(1)?,
                request_types,
            })
        })
        .collect()
}

/// The domains of the products that use a form.
pub(super) async fn form_domains(
    conn: &mut Conn,
    tenant_id: TenantId,
    form_id: FormId,
) -> Result<Vec<String>, StoreError> {
    let product_ids: Vec<String> = products_using(conn, tenant_id, form_id)
        .await?
        .into_iter()
        .map(|product| product.id.0)
        .collect();
    let query = Query::select()
        .distinct()
        .column(DataProductDomains::DomainId)
        .from(DataProductDomains::Table)
        .and_where(Expr::col(DataProductDomains::TenantId).eq(tenant_id.to_string()))
        .and_where(one_of(DataProductDomains::ProductId, product_ids))
        .order_by(DataProductDomains::DomainId, Order::Asc)
        .take();
    conn.query(&query).await?.iter().map(|row| row.get(0)).collect()
}
