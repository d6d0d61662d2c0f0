//! Request forms. Every save writes a new immutable version — the whole form as saved, agreement text
//! included — and points the form at it; a version is never changed or deleted.

use super::listing::Listing;
use super::unknown_references;
use crate::db::{Conn, Row, Template};
use crate::query::{count, one_of};
use crate::schema::{DataProducts, RequestFormVersions, RequestForms};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{AgreementId, FormId, ProductId, TenantId};
use marketplace_domain::problem::Problem;
use marketplace_domain::request_form::{AuditUser, FormField, FormSnapshot};
use marketplace_domain::review_flow::ReviewFlow;
use sea_query::{Expr, ExprTrait, LockType, Query, SelectStatement, Value};
use uuid::Uuid;

mod usage;
mod versions;

use usage::{form_domains, products_using};
use versions::{agreement_texts, distinct, insert_form, link_agreements, linked_agreement_ids, save_version};
pub(crate) use versions::{ensure_standard_form, resave};

/// The name of the form every tenant has, which nobody can edit or delete.
pub const STANDARD_FORM_NAME: &str = "Standard Request Form";

#[derive(Debug, Clone, PartialEq)]
pub struct FormRecord {
    pub snapshot: FormSnapshot,
    /// The built-in Standard Request Form.
    pub standard: bool,
}

pub struct FormDraft {
    pub id: Option<FormId>,
    pub name: String,
    pub fields: Vec<FormField>,
    pub policy: ReviewFlow,
    pub agreement_ids: Vec<AgreementId>,
}

#[derive(Default)]
pub struct FormChanges {
    pub name: Option<String>,
    pub fields: Option<Vec<FormField>>,
    pub policy: Option<ReviewFlow>,
    pub agreement_ids: Option<Vec<AgreementId>>,
}

/// A data product that uses a form, and for which kinds of request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedProduct {
    pub id: ProductId,
    pub name: String,
    pub request_types: Vec<&'static str>,
}

fn select() -> SelectStatement {
    Query::select()
        .columns([(RequestFormVersions::Table, RequestFormVersions::Snapshot)])
        .column((RequestForms::Table, RequestForms::Standard))
        .from(RequestForms::Table)
        .inner_join(
            RequestFormVersions::Table,
            Expr::col((RequestFormVersions::Table, RequestFormVersions::TenantId))
                .equals((RequestForms::Table, RequestForms::TenantId))
                .and(
                    Expr::col((RequestFormVersions::Table, RequestFormVersions::Version))
                        .equals((RequestForms::Table, RequestForms::Version)),
                ),
        )
        .take()
}

fn decode_snapshot(text: String) -> Result<FormSnapshot, StoreError> {
    serde_json::from_str(&text).map_err(|error| StoreError::Decode {
        index: 0,
        detail: format!("a stored form version does not parse: {error}"),
    })
}

fn decode(row: &Row) -> Result<FormRecord, StoreError> {
    Ok(FormRecord {
        snapshot: decode_snapshot(row.get(0)?)?,
        standard: row.get(1)?,
    })
}

fn form_by_id(tenant: Value, id: Value) -> SelectStatement {
    select()
        .and_where(Expr::col((RequestForms::Table, RequestForms::TenantId)).eq(tenant))
        .and_where(Expr::col((RequestForms::Table, RequestForms::Id)).eq(id))
        .take()
}

/// The review flows of forms by id, decoded by [`decode_flows`].
pub(crate) fn flows(tenant_id: TenantId, ids: &[FormId]) -> SelectStatement {
    select()
        .column((RequestForms::Table, RequestForms::Id))
        .and_where(Expr::col((RequestForms::Table, RequestForms::TenantId)).eq(tenant_id.to_string()))
        .and_where(one_of(
            (RequestForms::Table, RequestForms::Id),
            ids.iter().map(ToString::to_string),
        ))
        .take()
}

/// The review flows of a product's two forms, as [`flows`] reads them: found through the product, so that they can
/// be read beside it rather than after it.
pub(crate) fn flows_of_product(tenant_id: TenantId, product: &ProductId) -> SelectStatement {
    let form = || Expr::col((RequestForms::Table, RequestForms::Id));
    select()
        .column((RequestForms::Table, RequestForms::Id))
        .inner_join(
            DataProducts::Table,
            Expr::col((DataProducts::Table, DataProducts::TenantId))
                .equals((RequestForms::Table, RequestForms::TenantId))
                .and(
                    form()
                        .equals((DataProducts::Table, DataProducts::DataAccessFormId))
                        .or(form().equals((DataProducts::Table, DataProducts::MaskingExceptionFormId))),
                ),
        )
        .and_where(Expr::col((DataProducts::Table, DataProducts::TenantId)).eq(tenant_id.to_string()))
        .and_where(Expr::col((DataProducts::Table, DataProducts::Id)).eq(product.as_str()))
        .take()
}

/// Each form's id and review flow from the rows of [`flows`].
pub(crate) fn decode_flows(rows: &[Row]) -> Result<Vec<(FormId, ReviewFlow)>, StoreError> {
    rows.iter()
        .map(|row| Ok((row.get(2)?, decode(row)?.snapshot.policy)))
        .collect()
}

static FORM: Template<2> = Template::new(|[tenant, id]| form_by_id(tenant, id));
/// Locked until the transaction ends (on PostgreSQL).
static FORM_TO_CHANGE: Template<2> = Template::new(|[tenant, id]| form_by_id(tenant, id).lock(LockType::Update).take());

async fn find_with(
    conn: &mut Conn,
    tenant_id: TenantId,
    template: &Template<2>,
    id: FormId,
) -> Result<Option<FormRecord>, StoreError> {
    let query = template.with([tenant_id.to_string().into(), id.to_string().into()]);
    conn.query_opt(&query).await?.as_ref().map(decode).transpose()
}

async fn find_for_update(conn: &mut Conn, tenant_id: TenantId, id: FormId) -> Result<Option<FormRecord>, StoreError> {
    find_with(conn, tenant_id, &FORM_TO_CHANGE, id).await
}

pub(crate) async fn find(conn: &mut Conn, tenant_id: TenantId, id: FormId) -> Result<Option<FormRecord>, StoreError> {
    find_with(conn, tenant_id, &FORM, id).await
}

async fn reject_unknown_references(
    conn: &mut Conn,
    tenant_id: TenantId,
    policy: &ReviewFlow,
) -> Result<(), StoreError> {
    let problems = unknown_references(conn, tenant_id, &policy.references(), "policy").await?;
    match problems.is_empty() {
        true => Ok(()),
        false => Err(StoreError::Invalid(
            problems.into_iter().map(Problem::from_message).collect(),
        )),
    }
}

impl Store {
    pub async fn create_form(
        &self,
        tenant_id: TenantId,
        draft: FormDraft,
        actor: &AuditUser,
        now: Timestamp,
    ) -> Result<FormSnapshot, StoreError> {
        let id = draft.id.unwrap_or_else(|| FormId(Uuid::now_v7()));
        let mut tx = self.backend.begin().await?;
        if find(&mut tx, tenant_id, id).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "A request form with the id {id} exists already."
            )));
        }
        reject_unknown_references(&mut tx, tenant_id, &draft.policy).await?;
        let agreement_ids = distinct(draft.agreement_ids);
        let mut snapshot = FormSnapshot {
            id,
            name: draft.name,
            fields: draft.fields,
            policy: draft.policy,
            data_use_agreements: agreement_texts(&mut tx, tenant_id, &agreement_ids).await?,
            created_by: actor.clone(),
            created_at: now,
            updated_by: actor.clone(),
            updated_at: now,
            version: String::new(),
        };
        insert_form(&mut tx, tenant_id, &mut snapshot, false, &agreement_ids).await?;
        tx.commit().await?;
        Ok(snapshot)
    }

    pub async fn form(&self, tenant_id: TenantId, id: FormId) -> Result<Option<FormRecord>, StoreError> {
        find(&mut self.backend.read().await?, tenant_id, id).await
    }

    /// The tenant's Standard Request Form, which assets without a form of their own use.
    pub async fn standard_form(&self, tenant_id: TenantId) -> Result<FormSnapshot, StoreError> {
        let mut conn = self.backend.read().await?;
        let id = standard_form_id(&mut conn, tenant_id).await?;
        find(&mut conn, tenant_id, id)
            .await?
            .map(|form| form.snapshot)
            .ok_or_else(|| StoreError::Missing("the tenant has no Standard Request Form".into()))
    }

    /// A version of a form of this tenant, even one since replaced or deleted.
    pub async fn form_version(&self, tenant_id: TenantId, version: &str) -> Result<Option<FormSnapshot>, StoreError> {
        let query = Query::select()
            .column(RequestFormVersions::Snapshot)
            .from(RequestFormVersions::Table)
            .and_where(Expr::col(RequestFormVersions::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(RequestFormVersions::Version).eq(version))
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| decode_snapshot(row.get(0)?)).transpose()
    }

    /// A page of forms, each with the domains of the products that use it.
    pub async fn search_forms(
        &self,
        tenant_id: TenantId,
        listing: &Listing,
    ) -> Result<(Vec<(FormSnapshot, Vec<String>)>, u64), StoreError> {
        let mut query = select()
            .and_where(Expr::col((RequestForms::Table, RequestForms::TenantId)).eq(tenant_id.to_string()))
            .take();
        listing.apply(
            &mut query,
            (RequestForms::Table, RequestForms::Name),
            (RequestForms::Table, RequestForms::CreatedAt),
            (RequestForms::Table, RequestForms::UpdatedAt),
            (RequestForms::Table, RequestForms::Id),
        );
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let paged = query.limit(listing.page.limit).offset(listing.page.offset).take();
        let forms: Vec<FormRecord> = conn.query(&paged).await?.iter().map(decode).collect::<Result<_, _>>()?;
        let mut result = Vec::with_capacity(forms.len());
        for form in forms {
            let domains = form_domains(&mut conn, tenant_id, form.snapshot.id).await?;
            result.push((form.snapshot, domains));
        }
        Ok((result, total))
    }

    /// Saves changes as a new version. `Ok(None)` if there is no such form.
    pub async fn update_form(
        &self,
        tenant_id: TenantId,
        id: FormId,
        changes: FormChanges,
        actor: &AuditUser,
        now: Timestamp,
    ) -> Result<Option<FormSnapshot>, StoreError> {
        let mut tx = self.backend.begin().await?;
        let Some(FormRecord { mut snapshot, .. }) = find_for_update(&mut tx, tenant_id, id).await? else {
            return Ok(None);
        };
        if let Some(policy) = changes.policy {
            reject_unknown_references(&mut tx, tenant_id, &policy).await?;
            snapshot.policy = policy;
        }
        snapshot.name = changes.name.unwrap_or(snapshot.name);
        snapshot.fields = changes.fields.unwrap_or(snapshot.fields);
        let agreement_ids = match &changes.agreement_ids {
            Some(ids) => distinct(ids.clone()),
            None => linked_agreement_ids(&mut tx, tenant_id, id).await?,
        };
        // Reading the texts checks that every agreement exists, before any link names it.
        snapshot.data_use_agreements = agreement_texts(&mut tx, tenant_id, &agreement_ids).await?;
        if changes.agreement_ids.is_some() {
            link_agreements(&mut tx, tenant_id, id, &agreement_ids).await?;
        }
        snapshot.updated_by = actor.clone();
        snapshot.updated_at = now;
        save_version(&mut tx, tenant_id, &mut snapshot).await?;
        tx.commit().await?;
        Ok(Some(snapshot))
    }

    /// Deletes a form no data product uses; its versions stay for the requests made under them.
    pub async fn delete_form(&self, tenant_id: TenantId, id: FormId) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin().await?;
        if find_for_update(&mut tx, tenant_id, id).await?.is_none() {
            return Ok(false);
        }
        let products = products_using(&mut tx, tenant_id, id).await?;
        let objects = super::data_objects::objects_using(&mut tx, tenant_id, id).await?;
        if !products.is_empty() || !objects.is_empty() {
            let names: Vec<_> = products
                .iter()
                .map(|product| format!("`{}`", product.name))
                .chain(
                    objects
                        .iter()
                        .map(|object| format!("`{}`", object.object_path.join("."))),
                )
                .collect();
            return Err(StoreError::Conflict(format!(
                "The request form is used by {}; assign them another form first.",
                names.join(", ")
            )));
        }
        let delete = Query::delete()
            .from_table(RequestForms::Table)
            .and_where(Expr::col(RequestForms::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(RequestForms::Id).eq(id.to_string()))
            .take();
        tx.execute(&delete).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The data products that use a form, by name.
    pub async fn form_products(&self, tenant_id: TenantId, id: FormId) -> Result<Vec<LinkedProduct>, StoreError> {
        products_using(&mut self.backend.read().await?, tenant_id, id).await
    }
}

/// The id of a tenant's Standard Request Form.
pub(crate) async fn standard_form_id(conn: &mut Conn, tenant_id: TenantId) -> Result<FormId, StoreError> {
    let query = Query::select()
        .column(RequestForms::Id)
        .from(RequestForms::Table)
        .and_where(Expr::col(RequestForms::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(RequestForms::Standard).eq(true))
        .take();
    match conn.query_opt(&query).await? {
        Some(row) => row.get(0),
        None => Err(StoreError::Missing("the tenant has no Standard Request Form".into())),
    }
}
