//! Submitting a request: the request, its domains, its approval records with their approver keys, the columns
//! of a masking exception and the first history events (`history.rs`), in one transaction.

use super::history::Entry;
use super::{AccessRequestRecord, REQUEST, decode_request};
use crate::db::Statement;
use crate::query::approved_data_access;
use crate::schema::{AccessRequestColumns, AccessRequestDomains, AccessRequests, ApprovalRecordKeys, ApprovalRecords};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::access_request::{Decision, RequestEvent, RequestStatus, RequestType, approver_keys};
use marketplace_domain::ids::{ProductId, RequestId, TenantId, UserId};
use sea_query::{Expr, ExprTrait, InsertStatement, Query, SimpleExpr};
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// What a request is for.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestTarget {
    Product(ProductId),
    Asset(String),
}

impl RequestTarget {
    /// The condition that picks the requests for this target.
    pub(crate) fn matches(&self) -> SimpleExpr {
        match self {
            RequestTarget::Product(id) => {
                Expr::col((AccessRequests::Table, AccessRequests::DataProductId)).eq(id.as_str())
            }
            RequestTarget::Asset(id) => Expr::col((AccessRequests::Table, AccessRequests::AssetId)).eq(id.as_str()),
        }
    }
}

/// A masked column a masking exception asks for, as it is when asked.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestedColumn {
    pub data_source_id: i64,
    pub column_name: String,
    pub source_name: String,
    pub column_type: Option<String>,
    pub tags: Vec<String>,
    pub masking_type: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewAccessRequest {
    pub id: RequestId,
    pub request_type: RequestType,
    pub target: RequestTarget,
    pub target_name: String,
    pub target_description: Option<String>,
    /// `DATA_PRODUCT`, or the data object's legacy type.
    pub target_type: String,
    pub domains: Vec<String>,
    pub requesting_user_id: UserId,
    pub user_id: UserId,
    pub form_version: String,
    pub form: Json,
    pub columns: Vec<RequestedColumn>,
    pub decision: Decision,
}

impl Store {
    /// Stores a submitted request as its review flow decided it. A second pending request of the same type by
    /// the same user for the same target, or a second data access request while one is approved, is a
    /// [`StoreError::Conflict`].
    pub async fn create_access_request(
        &self,
        tenant_id: TenantId,
        new: NewAccessRequest,
        now: Timestamp,
    ) -> Result<AccessRequestRecord, StoreError> {
        let mut tx = self.backend.begin().await?;
        let tenant = tenant_id.to_string();
        let (product_id, asset_id) = match &new.target {
            RequestTarget::Product(id) => (Some(id.clone()), None),
            RequestTarget::Asset(id) => (None, Some(id.clone())),
        };
        // A second data access request while one is approved is refused; the check goes out with the writes, which
        // are undone if it finds one.
        let approved = (new.request_type == RequestType::DataAccess).then(|| {
            Query::select()
                .column(AccessRequests::Id)
                .from(AccessRequests::Table)
                .and_where(Expr::col(AccessRequests::TenantId).eq(tenant.as_str()))
                .and_where(Expr::col(AccessRequests::UserId).eq(new.user_id.0))
                .and_where(new.target.matches())
                .cond_where(approved_data_access(AccessRequests::Table))
                .take()
        });
        let (status, expiration) = match &new.decision {
            Decision::Approved { expiration, .. } => (RequestStatus::Approved, *expiration),
            Decision::Denied { .. } => (RequestStatus::Denied, None),
            Decision::Review(_) => (RequestStatus::Pending, None),
        };
        let insert = Query::insert()
            .into_table(AccessRequests::Table)
            .columns([
                AccessRequests::TenantId,
                AccessRequests::Id,
                AccessRequests::RequestType,
                AccessRequests::Status,
                AccessRequests::DataProductId,
                AccessRequests::AssetId,
                AccessRequests::RequestingUserId,
                AccessRequests::UserId,
                AccessRequests::FormVersion,
                AccessRequests::Form,
                AccessRequests::Expiration,
                AccessRequests::CreatedAt,
                AccessRequests::UpdatedAt,
                AccessRequests::TargetName,
                AccessRequests::TargetDescription,
                AccessRequests::TargetType,
                AccessRequests::Domains,
            ])
            .values_panic([
                tenant.as_str().into(),
                new.id.as_str().into(),
                new.request_type.as_str().into(),
                status.as_str().into(),
                product_id.map(|id| id.0).into(),
                asset_id.into(),
                new.requesting_user_id.0.into(),
                new.user_id.0.into(),
                new.form_version.as_str().into(),
                new.form.to_string().into(),
                expiration.map(Timestamp::millis).into(),
                now.millis().into(),
                now.millis().into(),
                new.target_name.as_str().into(),
                new.target_description.clone().into(),
                new.target_type.as_str().into(),
                serde_json::to_string(&new.domains).expect("strings serialise").into(),
            ])
            .take();
        // Everything else the request is made of.
        let (records, keys) = record_inserts(tenant_id, &new, now);
        let mut writes = domain_inserts(tenant_id, &new);
        writes.extend(records);
        writes.extend(column_inserts(tenant_id, &new));
        let submitted = Some(new.requesting_user_id);
        writes.extend(
            Entry::new(tenant_id, &new.id, RequestEvent::Submitted, now)
                .by(submitted)
                .inserts()?,
        );
        let decided = match &new.decision {
            Decision::Approved { reason, .. } => Some((RequestEvent::AutoApproved, reason)),
            Decision::Denied { reason } => Some((RequestEvent::AutoDenied, reason)),
            Decision::Review(_) => None,
        };
        if let Some((event, reason)) = decided {
            writes.extend(
                Entry::new(tenant_id, &new.id, event, now)
                    .because(Some(reason))
                    .inserts()?,
            );
        }
        let mut counts = super::counts::CountChanges::default();
        let scopes = super::counts::request_scopes(
            Some(&new.target),
            [new.requesting_user_id, new.user_id],
            &keys,
            &new.domains,
        );
        counts.created(tenant_id, &scopes, new.request_type, status);
        writes.extend(counts.upsert());
        // The check, the writes and the request read back, in order and in one round trip on PostgreSQL (with
        // the transaction's BEGIN).
        let written = REQUEST.with([tenant.as_str().into(), new.id.as_str().into()]);
        let mut statements: Vec<&(dyn Statement + Sync)> = Vec::new();
        statements.extend(approved.iter().map(|check| check as &(dyn Statement + Sync)));
        statements.push(&insert);
        statements.extend(writes.iter().map(|write| write as &(dyn Statement + Sync)));
        statements.push(&written);
        let answers = tx.query_all(&statements).await.map_err(|error| match error {
            // Only the request's own insert can meet a unique index: its ids are new, the counts are upserted.
            StoreError::Duplicate => {
                StoreError::Conflict("The user already has a pending request of this type for it.".into())
            }
            other => other,
        })?;
        if approved.is_some() && answers.first().is_some_and(|rows| !rows.is_empty()) {
            return Err(StoreError::Conflict("The user already has approved access.".into()));
        }
        let request = answers
            .last()
            .and_then(|rows| rows.first())
            .map(decode_request)
            .transpose()?
            .ok_or_else(|| StoreError::Missing("the request just written is missing".into()))?;
        tx.commit().await?;
        Ok(request)
    }
}

/// The request's domains, each once.
fn domain_inserts(tenant_id: TenantId, new: &NewAccessRequest) -> Vec<InsertStatement> {
    let tenant = tenant_id.to_string();
    new.domains
        .iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|domain| {
            Query::insert()
                .into_table(AccessRequestDomains::Table)
                .columns([
                    AccessRequestDomains::TenantId,
                    AccessRequestDomains::DomainId,
                    AccessRequestDomains::RequestId,
                ])
                .values_panic([tenant.as_str().into(), domain.as_str().into(), new.id.as_str().into()])
                .take()
        })
        .collect()
}

/// The records a review needs, each followed by its filings under its approvers' keys; and the keys.
fn record_inserts(
    tenant_id: TenantId,
    new: &NewAccessRequest,
    now: Timestamp,
) -> (Vec<InsertStatement>, BTreeSet<String>) {
    let mut inserts = Vec::new();
    let mut filed = BTreeSet::new();
    let Decision::Review(records) = &new.decision else {
        return (inserts, filed);
    };
    let tenant = tenant_id.to_string();
    for (position, record) in records.iter().enumerate() {
        let insert = Query::insert()
            .into_table(ApprovalRecords::Table)
            .columns([
                ApprovalRecords::TenantId,
                ApprovalRecords::Id,
                ApprovalRecords::RequestId,
                ApprovalRecords::Position,
                ApprovalRecords::Approvers,
                ApprovalRecords::Prerequisites,
                ApprovalRecords::Status,
                ApprovalRecords::CreatedAt,
                ApprovalRecords::UpdatedAt,
            ])
            .values_panic([
                tenant.as_str().into(),
                record.id.as_str().into(),
                new.id.as_str().into(),
                (position as i64).into(),
                serde_json::to_string(&record.approvers)
                    .expect("approvers serialise")
                    .into(),
                serde_json::to_string(&record.prerequisites)
                    .expect("ids serialise")
                    .into(),
                record.status.as_str().into(),
                now.millis().into(),
                now.millis().into(),
            ])
            .take();
        inserts.push(insert);
        let keys: BTreeSet<String> = record
            .approvers
            .iter()
            .flat_map(|approver| approver_keys(approver, &new.domains))
            .collect();
        for key in keys {
            let insert = Query::insert()
                .into_table(ApprovalRecordKeys::Table)
                .columns([
                    ApprovalRecordKeys::TenantId,
                    ApprovalRecordKeys::ApproverKey,
                    ApprovalRecordKeys::RequestId,
                    ApprovalRecordKeys::RecordId,
                ])
                .values_panic([
                    tenant.as_str().into(),
                    key.as_str().into(),
                    new.id.as_str().into(),
                    record.id.as_str().into(),
                ])
                .take();
            inserts.push(insert);
            filed.insert(key);
        }
    }
    (inserts, filed)
}

/// The masked columns a masking exception asks for.
fn column_inserts(tenant_id: TenantId, new: &NewAccessRequest) -> Vec<InsertStatement> {
    let mut inserts = Vec::with_capacity(new.columns.len());
    for (position, column) in new.columns.iter().enumerate() {
        let insert = Query::insert()
            .into_table(AccessRequestColumns::Table)
            .columns([
                AccessRequestColumns::TenantId,
                AccessRequestColumns::RequestId,
                AccessRequestColumns::DataSourceId,
                AccessRequestColumns::ColumnName,
                AccessRequestColumns::Position,
                AccessRequestColumns::SourceName,
                AccessRequestColumns::ColumnType,
                AccessRequestColumns::Tags,
                AccessRequestColumns::MaskingType,
            ])
            .values_panic([
                tenant_id.to_string().into(),
                new.id.as_str().into(),
                column.data_source_id.into(),
                column.column_name.as_str().into(),
                (position as i64).into(),
                column.source_name.as_str().into(),
                column.column_type.clone().into(),
                serde_json::to_string(&column.tags).expect("tags serialise").into(),
                column.masking_type.clone().into(),
            ])
            .take();
        inserts.push(insert);
    }
    inserts
}
