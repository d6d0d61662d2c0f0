//! Data use agreements: the terms a requester accepts. Editing one gives every form that carries it a new
//! version, so new requests record the new text and earlier requests keep the text they accepted.

use super::forms;
use super::listing::Listing;
use crate::db::{Conn, Row};
use crate::query::count;
use crate::schema::{DataUseAgreements, RequestFormAgreements, RequestForms};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{AgreementId, FormId, TenantId};
use marketplace_domain::request_form::AuditUser;
use sea_query::{Expr, ExprTrait, LockType, Order, Query, SelectStatement};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: AgreementId,
    pub name: String,
    pub body: String,
    pub created_by: AuditUser,
    pub created_at: Timestamp,
    pub updated_by: AuditUser,
    pub updated_at: Timestamp,
}

pub struct NewAgreement {
    /// A client-chosen id, or `None` for a new one.
    pub id: Option<AgreementId>,
    pub name: String,
    pub body: String,
}

fn select() -> SelectStatement {
    Query::select()
        .columns([
            DataUseAgreements::Id,
            DataUseAgreements::Name,
            DataUseAgreements::Body,
            DataUseAgreements::CreatedBy,
            DataUseAgreements::CreatedByName,
            DataUseAgreements::CreatedAt,
            DataUseAgreements::UpdatedBy,
            DataUseAgreements::UpdatedByName,
            DataUseAgreements::UpdatedAt,
        ])
        .from(DataUseAgreements::Table)
        .take()
}

fn decode(row: &Row) -> Result<Agreement, StoreError> {
    Ok(Agreement {
        id: row.get(0)?,
        name: row.get(1)?,
        body: row.get(2)?,
        created_by: AuditUser {
            global_user_id: row.get(3)?,
            name: row.get(4)?,
        },
        created_at: row.get(5)?,
        updated_by: AuditUser {
            global_user_id: row.get(6)?,
            name: row.get(7)?,
        },
        updated_at: row.get(8)?,
    })
}

/// The agreement, locked until the transaction ends (on PostgreSQL).
async fn find_for_update(
    conn: &mut Conn,
    tenant_id: TenantId,
    id: AgreementId,
) -> Result<Option<Agreement>, StoreError> {
    let query = select()
        .and_where(Expr::col(DataUseAgreements::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(DataUseAgreements::Id).eq(id.to_string()))
        .lock(LockType::Update)
        .take();
    conn.query_opt(&query).await?.as_ref().map(decode).transpose()
}

pub(crate) async fn find(
    conn: &mut Conn,
    tenant_id: TenantId,
    id: AgreementId,
) -> Result<Option<Agreement>, StoreError> {
    let query = select()
        .and_where(Expr::col(DataUseAgreements::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(DataUseAgreements::Id).eq(id.to_string()))
        .take();
    conn.query_opt(&query).await?.as_ref().map(decode).transpose()
}

impl Store {
    pub async fn create_agreement(
        &self,
        tenant_id: TenantId,
        agreement: NewAgreement,
        actor: &AuditUser,
        now: Timestamp,
    ) -> Result<Agreement, StoreError> {
        let id = agreement.id.unwrap_or_else(|| AgreementId(Uuid::now_v7()));
        let mut tx = self.backend.begin().await?;
        if find(&mut tx, tenant_id, id).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "A data use agreement with the id {id} exists already."
            )));
        }
        let insert = Query::insert()
            .into_table(DataUseAgreements::Table)
            .columns([
                DataUseAgreements::TenantId,
                DataUseAgreements::Id,
                DataUseAgreements::Name,
                DataUseAgreements::Body,
                DataUseAgreements::CreatedBy,
                DataUseAgreements::CreatedByName,
                DataUseAgreements::CreatedAt,
                DataUseAgreements::UpdatedBy,
                DataUseAgreements::UpdatedByName,
                DataUseAgreements::UpdatedAt,
            ])
            .values_panic([
                tenant_id.to_string().into(),
                id.to_string().into(),
                agreement.name.clone().into(),
                agreement.body.clone().into(),
                actor.global_user_id.to_string().into(),
                actor.name.clone().into(),
                now.millis().into(),
                actor.global_user_id.to_string().into(),
                actor.name.clone().into(),
                now.millis().into(),
            ])
            .take();
        tx.execute(&insert).await?;
        tx.commit().await?;
        Ok(Agreement {
            id,
            name: agreement.name,
            body: agreement.body,
            created_by: actor.clone(),
            created_at: now,
            updated_by: actor.clone(),
            updated_at: now,
        })
    }

    pub async fn agreement(&self, tenant_id: TenantId, id: AgreementId) -> Result<Option<Agreement>, StoreError> {
        find(&mut self.backend.read().await?, tenant_id, id).await
    }

    pub async fn search_agreements(
        &self,
        tenant_id: TenantId,
        listing: &Listing,
    ) -> Result<(Vec<Agreement>, u64), StoreError> {
        let mut query = select()
            .and_where(Expr::col(DataUseAgreements::TenantId).eq(tenant_id.to_string()))
            .take();
        listing.apply(
            &mut query,
            DataUseAgreements::Name,
            DataUseAgreements::CreatedAt,
            DataUseAgreements::UpdatedAt,
            DataUseAgreements::Id,
        );
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let paged = query.limit(listing.page.limit).offset(listing.page.offset).take();
        let agreements = conn.query(&paged).await?.iter().map(decode).collect::<Result<_, _>>()?;
        Ok((agreements, total))
    }

    /// Changes the name and/or body; every form carrying the agreement gets a new version with the new text.
    pub async fn update_agreement(
        &self,
        tenant_id: TenantId,
        id: AgreementId,
        name: Option<String>,
        body: Option<String>,
        actor: &AuditUser,
        now: Timestamp,
    ) -> Result<Option<Agreement>, StoreError> {
        let mut tx = self.backend.begin().await?;
        let Some(mut agreement) = find_for_update(&mut tx, tenant_id, id).await? else {
            return Ok(None);
        };
        agreement.name = name.unwrap_or(agreement.name);
        agreement.body = body.unwrap_or(agreement.body);
        agreement.updated_by = actor.clone();
        agreement.updated_at = now;
        let update = Query::update()
            .table(DataUseAgreements::Table)
            .values([
                (DataUseAgreements::Name, agreement.name.clone().into()),
                (DataUseAgreements::Body, agreement.body.clone().into()),
                (DataUseAgreements::UpdatedBy, actor.global_user_id.to_string().into()),
                (DataUseAgreements::UpdatedByName, actor.name.clone().into()),
                (DataUseAgreements::UpdatedAt, now.millis().into()),
            ])
            .and_where(Expr::col(DataUseAgreements::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(DataUseAgreements::Id).eq(id.to_string()))
            .take();
        tx.execute(&update).await?;
        for (form_id, _) in forms_with(&mut tx, tenant_id, id).await? {
            forms::resave(&mut tx, tenant_id, form_id, now).await?;
        }
        tx.commit().await?;
        Ok(Some(agreement))
    }

    /// Deletes an agreement no form carries. `Ok(false)` if there is none.
    pub async fn delete_agreement(&self, tenant_id: TenantId, id: AgreementId) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin().await?;
        if find_for_update(&mut tx, tenant_id, id).await?.is_none() {
            return Ok(false);
        }
        let forms = forms_with(&mut tx, tenant_id, id).await?;
        if !forms.is_empty() {
            let names: Vec<_> = forms.iter().map(|(_, name)| format!("`{name}`")).collect();
            return Err(StoreError::Conflict(format!(
                "The data use agreement is attached to the request form(s) {}; remove it from them first.",
                names.join(", ")
            )));
        }
        let delete = Query::delete()
            .from_table(DataUseAgreements::Table)
            .and_where(Expr::col(DataUseAgreements::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(DataUseAgreements::Id).eq(id.to_string()))
            .take();
        tx.execute(&delete).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The forms that carry an agreement, by name.
    pub async fn agreement_forms(
        &self,
        tenant_id: TenantId,
        id: AgreementId,
    ) -> Result<Vec<(FormId, String)>, StoreError> {
        forms_with(&mut self.backend.read().await?, tenant_id, id).await
    }
}

async fn forms_with(
    conn: &mut Conn,
    tenant_id: TenantId,
    agreement_id: AgreementId,
) -> Result<Vec<(FormId, String)>, StoreError> {
    let query = Query::select()
        .columns([
            (RequestForms::Table, RequestForms::Id),
            (RequestForms::Table, RequestForms::Name),
        ])
        .from(RequestFormAgreements::Table)
        .inner_join(
            RequestForms::Table,
            Expr::col((RequestForms::Table, RequestForms::TenantId))
                .equals((RequestFormAgreements::Table, RequestFormAgreements::TenantId))
                .and(
                    Expr::col((RequestForms::Table, RequestForms::Id))
                        .equals((RequestFormAgreements::Table, RequestFormAgreements::FormId)),
                ),
        )
        .and_where(Expr::col((RequestFormAgreements::Table, RequestFormAgreements::TenantId)).eq(tenant_id.to_string()))
        .and_where(
            Expr::col((RequestFormAgreements::Table, RequestFormAgreements::AgreementId)).eq(agreement_id.to_string()),
        )
        .order_by((RequestForms::Table, RequestForms::Name), Order::Asc)
        .take();
    conn.query(&query)
        .await?
        .iter()
        .map(|row| Ok((row.get(0)?, row.get(1)?)))
        .collect()
}
