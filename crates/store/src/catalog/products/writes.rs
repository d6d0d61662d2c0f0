//! Writing products: creating, saving, deleting one and replacing its data sources, each in one transaction
//! with the notifications it causes. Separate from the reads in the parent module, which the search shares.

use super::validation::{check_sources, resolve};
use super::{Product, ProductDraft, find, find_for_update, notices, source_ids};
use crate::db::Conn;
use crate::query::one_of;
use crate::schema::{DataProductDomains, DataProductSources, DataProducts};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{FormId, GlobalUserId, ProductId, TenantId, UserId, new_cuid};
use marketplace_domain::notifications::NotificationType;
use marketplace_domain::review_flow::ReviewFlow;
use sea_query::{Expr, ExprTrait, Query};

async fn replace_sources(
    conn: &mut Conn,
    tenant_id: TenantId,
    product_id: &ProductId,
    sources: &[i64],
    now: Timestamp,
) -> Result<(), StoreError> {
    let current = source_ids(conn, tenant_id, product_id).await?;
    let removed: Vec<i64> = current.iter().filter(|id| !sources.contains(id)).copied().collect();
    let delete = Query::delete()
        .from_table(DataProductSources::Table)
        .and_where(Expr::col(DataProductSources::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(DataProductSources::ProductId).eq(product_id.as_str()))
        .and_where(one_of(DataProductSources::DataSourceId, removed))
        .take();
    conn.execute(&delete).await?;
    let added: Vec<i64> = sources.iter().filter(|id| !current.contains(id)).copied().collect();
    if added.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(DataProductSources::Table)
        .columns([
            DataProductSources::TenantId,
            DataProductSources::ProductId,
            DataProductSources::DataSourceId,
            DataProductSources::LinkId,
            DataProductSources::CreatedAt,
        ])
        .take();
    for source in added {
        insert.values_panic([
            tenant_id.to_string().into(),
            product_id.as_str().into(),
            source.into(),
            new_cuid().into(),
            now.millis().into(),
        ]);
    }
    conn.execute(&insert).await.map(drop)
}

async fn replace_domains(
    conn: &mut Conn,
    tenant_id: TenantId,
    product_id: &ProductId,
    domains: &[String],
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table(DataProductDomains::Table)
        .and_where(Expr::col(DataProductDomains::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(DataProductDomains::ProductId).eq(product_id.as_str()))
        .take();
    conn.execute(&delete).await?;
    let mut insert = Query::insert()
        .into_table(DataProductDomains::Table)
        .columns([
            DataProductDomains::TenantId,
            DataProductDomains::ProductId,
            DataProductDomains::DomainId,
        ])
        .take();
    for domain in domains {
        insert.values_panic([
            tenant_id.to_string().into(),
            product_id.as_str().into(),
            domain.clone().into(),
        ]);
    }
    conn.execute(&insert).await.map(drop)
}

fn policy_text(policy: &ReviewFlow) -> String {
    serde_json::to_string(policy).expect("a review flow serialises")
}

/// The columns a product row is written with, and their values.
fn row_values(
    tenant_id: TenantId,
    id: &ProductId,
    draft: &ProductDraft,
    forms: (FormId, FormId),
    now: Timestamp,
) -> Vec<(DataProducts, sea_query::SimpleExpr)> {
    vec![
        (DataProducts::TenantId, tenant_id.to_string().into()),
        (DataProducts::Id, id.as_str().into()),
        (DataProducts::Name, draft.name.clone().into()),
        (DataProducts::Description, draft.description.clone().into()),
        (
            DataProducts::SubjectMatterExpert,
            draft
                .metadata
                .as_ref()
                .map(|m| serde_json::to_string(m).expect("metadata serialises"))
                .into(),
        ),
        (DataProducts::Suspended, draft.suspended.into()),
        (DataProducts::UpdatedAt, now.millis().into()),
        (DataProducts::DataAccessFormId, forms.0.to_string().into()),
        (DataProducts::MaskingExceptionFormId, forms.1.to_string().into()),
        (
            DataProducts::DataAccessPolicy,
            policy_text(&draft.data_access_policy).into(),
        ),
        (
            DataProducts::MaskingExceptionPolicy,
            policy_text(&draft.masking_exception_policy).into(),
        ),
    ]
}

impl Store {
    /// Publishes a product. Its name must be free (else [`StoreError::Duplicate`]).
    pub async fn create_product(
        &self,
        tenant_id: TenantId,
        draft: ProductDraft,
        created_by: GlobalUserId,
        now: Timestamp,
    ) -> Result<Product, StoreError> {
        let id = draft.id.clone().unwrap_or_else(|| ProductId(new_cuid()));
        let mut tx = self.backend.begin().await?;
        if find(&mut tx, tenant_id, &id).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "A data product with the id {id} exists already."
            )));
        }
        let forms = resolve(&mut tx, tenant_id, &draft).await?;
        let (columns, values): (Vec<_>, Vec<_>) = row_values(tenant_id, &id, &draft, forms, now)
            .into_iter()
            .chain([
                (DataProducts::CreatedBy, created_by.to_string().into()),
                (DataProducts::CreatedAt, now.millis().into()),
            ])
            .unzip();
        let insert = Query::insert()
            .into_table(DataProducts::Table)
            .columns(columns)
            .values_panic(values)
            .take();
        tx.execute(&insert).await?;
        replace_domains(&mut tx, tenant_id, &id, &draft.domains).await?;
        replace_sources(
            &mut tx,
            tenant_id,
            &id,
            draft.data_sources.as_deref().unwrap_or_default(),
            now,
        )
        .await?;
        let product = find(&mut tx, tenant_id, &id)
            .await?
            .expect("the product was just written");
        let actor = notices::user_id_of(&mut tx, tenant_id, created_by).await?;
        let published = NotificationType::ProductPublished;
        notices::notify(&mut tx, tenant_id, published, &product, &[], actor, now).await?;
        tx.commit().await?;
        Ok(product)
    }

    /// Saves the whole product as `draft` describes it. `Ok(None)` if there is none.
    pub async fn update_product(
        &self,
        tenant_id: TenantId,
        id: &ProductId,
        draft: ProductDraft,
        actor_id: UserId,
        now: Timestamp,
    ) -> Result<Option<Product>, StoreError> {
        let mut tx = self.backend.begin().await?;
        if find_for_update(&mut tx, tenant_id, id).await?.is_none() {
            return Ok(None);
        }
        let sources_before = source_ids(&mut tx, tenant_id, id).await?;
        let mut draft = draft;
        if draft.data_sources.is_none() {
            // The sources stay, so they must still fit the (possibly new) domains.
            draft.data_sources = Some(source_ids(&mut tx, tenant_id, id).await?);
        }
        let forms = resolve(&mut tx, tenant_id, &draft).await?;
        let values: Vec<_> = row_values(tenant_id, id, &draft, forms, now)
            .into_iter()
            .skip(2)
            .collect();
        let update = Query::update()
            .table(DataProducts::Table)
            .values(values)
            .and_where(Expr::col(DataProducts::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(DataProducts::Id).eq(id.as_str()))
            .take();
        tx.execute(&update).await?;
        replace_domains(&mut tx, tenant_id, id, &draft.domains).await?;
        let sources = draft.data_sources.as_deref().unwrap_or_default();
        replace_sources(&mut tx, tenant_id, id, sources, now).await?;
        let product = find(&mut tx, tenant_id, id).await?;
        if let Some(product) = &product
            && notices::sources_differ(&sources_before, sources)
        {
            let updated = NotificationType::ProductSourcesUpdated;
            notices::notify(&mut tx, tenant_id, updated, product, &[], Some(actor_id), now).await?;
        }
        tx.commit().await?;
        Ok(product)
    }

    /// Deletes a product, and in the same transaction cancels its pending requests and revokes the access it
    /// granted. Requests keep their history. `Ok(false)` if there is none.
    pub async fn delete_product(
        &self,
        tenant_id: TenantId,
        id: &ProductId,
        actor_id: UserId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin().await?;
        let Some(product) = find_for_update(&mut tx, tenant_id, id).await? else {
            return Ok(false);
        };
        let impacted = crate::requests::end_product_requests(&mut tx, tenant_id, id, now).await?;
        let actor = Some(actor_id);
        notices::notify(
            &mut tx,
            tenant_id,
            NotificationType::ProductDeleted,
            &product,
            &[],
            actor,
            now,
        )
        .await?;
        if !impacted.is_empty() {
            let ended = NotificationType::RequestedProductDeleted;
            notices::notify(&mut tx, tenant_id, ended, &product, &impacted, actor, now).await?;
        }
        let delete = Query::delete()
            .from_table(DataProducts::Table)
            .and_where(Expr::col(DataProducts::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(DataProducts::Id).eq(id.as_str()))
            .take();
        tx.execute(&delete).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces a product's data sources; each must be in one of its domains.
    pub async fn replace_product_sources(
        &self,
        tenant_id: TenantId,
        id: &ProductId,
        sources: &[i64],
        actor_id: UserId,
        now: Timestamp,
    ) -> Result<Option<Product>, StoreError> {
        let mut tx = self.backend.begin().await?;
        let Some(product) = find_for_update(&mut tx, tenant_id, id).await? else {
            return Ok(None);
        };
        check_sources(&mut tx, tenant_id, &product.domains, sources).await?;
        let sources_before = source_ids(&mut tx, tenant_id, id).await?;
        replace_sources(&mut tx, tenant_id, id, sources, now).await?;
        if notices::sources_differ(&sources_before, sources) {
            let updated = NotificationType::ProductSourcesUpdated;
            notices::notify(&mut tx, tenant_id, updated, &product, &[], Some(actor_id), now).await?;
        }
        let touch = Query::update()
            .table(DataProducts::Table)
            .value(DataProducts::UpdatedAt, now.millis())
            .and_where(Expr::col(DataProducts::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(DataProducts::Id).eq(id.as_str()))
            .take();
        tx.execute(&touch).await?;
        let product = find(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(product)
    }
}
