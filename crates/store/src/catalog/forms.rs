//! Request forms. Every save writes a new immutable version — the whole form as saved, agreement text
//! included — and points the form at it; a version is never changed or deleted.

use super::listing::Listing;
use super::unknown_references;
use crate::db::{Conn, Row};
use crate::query::{count, one_of};
use crate::schema::{
    DataProductDomains, DataProducts, DataUseAgreements, RequestFormAgreements, RequestFormVersions, RequestForms,
};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{AgreementId, FormId, ProductId, TenantId, new_cuid};
use marketplace_domain::problem::Problem;
use marketplace_domain::request_form::{AgreementText, AuditUser, FormField, FormSnapshot};
use marketplace_domain::review_flow::{Event, ReviewFlow};
use sea_query::{Cond, Expr, ExprTrait, LockType, Order, Query, SelectStatement};
use uuid::Uuid;

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
        .to_owned()
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

/// The form, locked until the transaction ends (on PostgreSQL).
async fn find_for_update(conn: &mut Conn, tenant_id: TenantId, id: FormId) -> Result<Option<FormRecord>, StoreError> {
    let query = select()
        .and_where(Expr::col((RequestForms::Table, RequestForms::TenantId)).eq(tenant_id.to_string()))
        .and_where(Expr::col((RequestForms::Table, RequestForms::Id)).eq(id.to_string()))
        .lock(LockType::Update)
        .to_owned();
    conn.query_opt(&query).await?.as_ref().map(decode).transpose()
}

pub(crate) async fn find(conn: &mut Conn, tenant_id: TenantId, id: FormId) -> Result<Option<FormRecord>, StoreError> {
    let query = select()
        .and_where(Expr::col((RequestForms::Table, RequestForms::TenantId)).eq(tenant_id.to_string()))
        .and_where(Expr::col((RequestForms::Table, RequestForms::Id)).eq(id.to_string()))
        .to_owned();
    conn.query_opt(&query).await?.as_ref().map(decode).transpose()
}

/// The ids once each, in the order first given.
fn distinct<T: Copy + Eq + std::hash::Hash>(ids: Vec<T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

/// The agreements with these ids, in this order; a missing one is a bad request.
async fn agreement_texts(
    conn: &mut Conn,
    tenant_id: TenantId,
    ids: &[AgreementId],
) -> Result<Vec<AgreementText>, StoreError> {
    let query = Query::select()
        .columns([DataUseAgreements::Id, DataUseAgreements::Name, DataUseAgreements::Body])
        .from(DataUseAgreements::Table)
        .and_where(Expr::col(DataUseAgreements::TenantId).eq(tenant_id.to_string()))
        .and_where(one_of(DataUseAgreements::Id, ids.iter().map(ToString::to_string)))
        .to_owned();
    let found: Vec<AgreementText> = conn
        .query(&query)
        .await?
        .iter()
        .map(|row| {
            Ok(AgreementText {
                id: row.get(0)?,
                name: row.get(1)?,
                body: row.get(2)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    ids.iter()
        .map(|id| {
            found
                .iter()
                .find(|agreement| agreement.id == *id)
                .cloned()
                .ok_or_else(|| {
                    StoreError::Invalid(vec![Problem::new(
                        "dataUseAgreementIds",
                        format!("dataUseAgreementIds: no data use agreement has the id {id}"),
                    )])
                })
        })
        .collect()
}

async fn linked_agreement_ids(
    conn: &mut Conn,
    tenant_id: TenantId,
    form_id: FormId,
) -> Result<Vec<AgreementId>, StoreError> {
    let query = Query::select()
        .column(RequestFormAgreements::AgreementId)
        .from(RequestFormAgreements::Table)
        .and_where(Expr::col(RequestFormAgreements::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(RequestFormAgreements::FormId).eq(form_id.to_string()))
        .order_by(RequestFormAgreements::Position, Order::Asc)
        .to_owned();
    conn.query(&query).await?.iter().map(|row| row.get(0)).collect()
}

async fn link_agreements(
    conn: &mut Conn,
    tenant_id: TenantId,
    form_id: FormId,
    ids: &[AgreementId],
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table(RequestFormAgreements::Table)
        .and_where(Expr::col(RequestFormAgreements::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(RequestFormAgreements::FormId).eq(form_id.to_string()))
        .to_owned();
    conn.execute(&delete).await?;
    if ids.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(RequestFormAgreements::Table)
        .columns([
            RequestFormAgreements::TenantId,
            RequestFormAgreements::FormId,
            RequestFormAgreements::AgreementId,
            RequestFormAgreements::Position,
        ])
        .to_owned();
    for (position, id) in ids.iter().enumerate() {
        insert.values_panic([
            tenant_id.to_string().into(),
            form_id.to_string().into(),
            id.to_string().into(),
            (position as i64).into(),
        ]);
    }
    conn.execute(&insert).await.map(drop)
}

/// Writes `snapshot` as a new version (its `version` is set here) and makes it the form's current one.
async fn save_version(conn: &mut Conn, tenant_id: TenantId, snapshot: &mut FormSnapshot) -> Result<(), StoreError> {
    snapshot.version = new_cuid();
    let text = serde_json::to_string(&snapshot).expect("a form snapshot serialises");
    let insert = Query::insert()
        .into_table(RequestFormVersions::Table)
        .columns([
            RequestFormVersions::TenantId,
            RequestFormVersions::Version,
            RequestFormVersions::FormId,
            RequestFormVersions::Snapshot,
            RequestFormVersions::CreatedAt,
        ])
        .values_panic([
            tenant_id.to_string().into(),
            snapshot.version.clone().into(),
            snapshot.id.to_string().into(),
            text.into(),
            snapshot.updated_at.millis().into(),
        ])
        .to_owned();
    conn.execute(&insert).await?;
    let update = Query::update()
        .table(RequestForms::Table)
        .values([
            (RequestForms::Version, snapshot.version.clone().into()),
            (RequestForms::Name, snapshot.name.clone().into()),
            (
                RequestForms::UpdatedBy,
                snapshot.updated_by.global_user_id.to_string().into(),
            ),
            (RequestForms::UpdatedByName, snapshot.updated_by.name.clone().into()),
            (RequestForms::UpdatedAt, snapshot.updated_at.millis().into()),
        ])
        .and_where(Expr::col(RequestForms::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(RequestForms::Id).eq(snapshot.id.to_string()))
        .to_owned();
    conn.execute(&update).await.map(drop)
}

/// A new version of a form whose agreements changed their text.
pub(crate) async fn resave(
    conn: &mut Conn,
    tenant_id: TenantId,
    form_id: FormId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(mut form) = find_for_update(conn, tenant_id, form_id).await? else {
        return Ok(());
    };
    let ids = linked_agreement_ids(conn, tenant_id, form_id).await?;
    form.snapshot.data_use_agreements = agreement_texts(conn, tenant_id, &ids).await?;
    form.snapshot.updated_at = now;
    save_version(conn, tenant_id, &mut form.snapshot).await
}

async fn insert_form(
    conn: &mut Conn,
    tenant_id: TenantId,
    snapshot: &mut FormSnapshot,
    standard: bool,
    agreement_ids: &[AgreementId],
) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(RequestForms::Table)
        .columns([
            RequestForms::TenantId,
            RequestForms::Id,
            RequestForms::Name,
            RequestForms::Version,
            RequestForms::Standard,
            RequestForms::CreatedBy,
            RequestForms::CreatedByName,
            RequestForms::CreatedAt,
            RequestForms::UpdatedBy,
            RequestForms::UpdatedByName,
            RequestForms::UpdatedAt,
        ])
        .values_panic([
            tenant_id.to_string().into(),
            snapshot.id.to_string().into(),
            snapshot.name.clone().into(),
            "".into(),
            standard.into(),
            snapshot.created_by.global_user_id.to_string().into(),
            snapshot.created_by.name.clone().into(),
            snapshot.created_at.millis().into(),
            snapshot.updated_by.global_user_id.to_string().into(),
            snapshot.updated_by.name.clone().into(),
            snapshot.updated_at.millis().into(),
        ])
        .to_owned();
    conn.execute(&insert).await?;
    link_agreements(conn, tenant_id, snapshot.id, agreement_ids).await?;
    save_version(conn, tenant_id, snapshot).await
}

/// Creates the tenant's Standard Request Form if it has none: one free-text question, and review delegated to
/// the product's own flow.
pub(crate) async fn ensure_standard_form(
    conn: &mut Conn,
    tenant_id: TenantId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let query = Query::select()
        .column(RequestForms::Id)
        .from(RequestForms::Table)
        .and_where(Expr::col(RequestForms::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(RequestForms::Standard).eq(true))
        .to_owned();
    if conn.query_opt(&query).await?.is_some() {
        return Ok(());
    }
    let mut snapshot = FormSnapshot {
        id: FormId(Uuid::now_v7()),
        name: STANDARD_FORM_NAME.into(),
        fields: vec![FormField::ShortAnswer {
            id: Uuid::now_v7(),
            label: "What is the business purpose of this request?".into(),
            required: true,
        }],
        policy: ReviewFlow {
            version: None,
            rules: Vec::new(),
            default_event: Event::DataProductPolicy,
        },
        data_use_agreements: Vec::new(),
        created_by: AuditUser::system(),
        created_at: now,
        updated_by: AuditUser::system(),
        updated_at: now,
        version: String::new(),
    };
    insert_form(conn, tenant_id, &mut snapshot, true, &[]).await
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
            .to_owned();
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
            .to_owned();
        listing.apply(
            &mut query,
            (RequestForms::Table, RequestForms::Name),
            (RequestForms::Table, RequestForms::CreatedAt),
            (RequestForms::Table, RequestForms::UpdatedAt),
            (RequestForms::Table, RequestForms::Id),
        );
        let mut conn = self.backend.read().await?;
        let total = count(&mut conn, query.clone()).await?;
        let paged = query.limit(listing.page.limit).offset(listing.page.offset).to_owned();
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
            .to_owned();
        tx.execute(&delete).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The data products that use a form, by name.
    pub async fn form_products(&self, tenant_id: TenantId, id: FormId) -> Result<Vec<LinkedProduct>, StoreError> {
        products_using(&mut self.backend.read().await?, tenant_id, id).await
    }
}

async fn products_using(
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
        .to_owned();
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
async fn form_domains(conn: &mut Conn, tenant_id: TenantId, form_id: FormId) -> Result<Vec<String>, StoreError> {
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
        .to_owned();
    conn.query(&query).await?.iter().map(|row| row.get(0)).collect()
}
/// The id of a tenant's Standard Request Form.
pub(crate) async fn standard_form_id(conn: &mut Conn, tenant_id: TenantId) -> Result<FormId, StoreError> {
    let query = Query::select()
        .column(RequestForms::Id)
        .from(RequestForms::Table)
        .and_where(Expr::col(RequestForms::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(RequestForms::Standard).eq(true))
        .to_owned();
    match conn.query_opt(&query).await? {
        Some(row) => row.get(0),
        None => Err(StoreError::Missing("the tenant has no Standard Request Form".into())),
    }
}
