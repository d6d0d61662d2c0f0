//! Writing a form's rows: the agreements it links, each version saved, the form itself, and the Standard
//! Request Form every tenant has. Apart from the `Store` methods, which compose these in their transactions.

use super::{STANDARD_FORM_NAME, find_for_update};
use crate::StoreError;
use crate::db::Conn;
use crate::query::one_of;
use crate::schema::{DataUseAgreements, RequestFormAgreements, RequestFormVersions, RequestForms};
use marketplace_domain::Timestamp;
use marketplace_domain::ids::{AgreementId, FormId, TenantId, new_cuid};
use marketplace_domain::problem::Problem;
use marketplace_domain::request_form::{AgreementText, AuditUser, FormField, FormSnapshot};
use marketplace_domain::review_flow::{Event, ReviewFlow};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

/// The ids once each, in the order first given.
pub(super) fn distinct<T: Copy + Eq + std::hash::Hash>(ids: Vec<T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

/// The agreements with these ids, in this order; a missing one is a bad request.
pub(super) async fn agreement_texts(
    conn: &mut Conn,
    tenant_id: TenantId,
    ids: &[AgreementId],
) -> Result<Vec<AgreementText>, StoreError> {
    let query = Query::select()
        .columns([DataUseAgreements::Id, DataUseAgreements::Name, DataUseAgreements::Body])
        .from(DataUseAgreements::Table)
        .and_where(Expr::col(DataUseAgreements::TenantId).eq(tenant_id.to_string()))
        .and_where(one_of(DataUseAgreements::Id, ids.iter().map(ToString::to_string)))
        .take();
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

pub(super) async fn linked_agreement_ids(
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
        .take();
    conn.query(&query).await?.iter().map(|row| row.get(0)).collect()
}

pub(super) async fn link_agreements(
    conn: &mut Conn,
    tenant_id: TenantId,
    form_id: FormId,
    ids: &[AgreementId],
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table(RequestFormAgreements::Table)
        .and_where(Expr::col(RequestFormAgreements::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(RequestFormAgreements::FormId).eq(form_id.to_string()))
        .take();
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
        .take();
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
pub(super) async fn save_version(
    conn: &mut Conn,
    tenant_id: TenantId,
    snapshot: &mut FormSnapshot,
) -> Result<(), StoreError> {
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
        .take();
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
        .take();
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

pub(super) async fn insert_form(
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
        .take();
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
        .take();
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
