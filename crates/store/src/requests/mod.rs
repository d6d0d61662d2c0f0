//! Access requests and their approval records. A request is written with its records, approver keys and first
//! history events in one transaction; every later transition locks the request row first, so two deciders (or
//! two expiry jobs) never both change it.

mod columns;
pub(crate) mod counts;
mod create;
mod history;
mod per_target;
mod product_deletion;
mod search;
mod shown;
mod transitions;

pub(crate) use columns::columns_of_request;
pub use create::{NewAccessRequest, RequestTarget, RequestedColumn};
pub(crate) use product_deletion::end_product_requests;
pub use search::{RequestRole, RequestSearch, RequestSort, ReviewStatus, Searcher};
pub use shown::ShownRequest;
pub use transitions::{Determination, Transition};

use crate::db::{Conn, Row, Template};
use crate::schema::{AccessRequests, ApprovalRecords};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::access_request::{RecordStatus, RequestStatus, RequestType};
use marketplace_domain::ids::{ProductId, RecordId, RequestId, TenantId, UserId};
use marketplace_domain::review_flow::{Approver, DurationUnit};
use sea_query::{Expr, ExprTrait, LockType, Order, Query, SelectStatement, SimpleExpr, Value};
use serde_json::Value as Json;
use serde_json::value::RawValue;

/// A stored access request.
#[derive(Debug, Clone)]
pub struct AccessRequestRecord {
    pub id: RequestId,
    pub request_type: RequestType,
    pub status: RequestStatus,
    pub data_product_id: Option<ProductId>,
    pub asset_id: Option<String>,
    pub target_name: String,
    pub target_description: Option<String>,
    pub target_type: String,
    pub domains: Vec<String>,
    pub requesting_user_id: UserId,
    pub user_id: UserId,
    pub form_version: String,
    /// The submitted form and the request's metadata, as stored: shown as they are, read only by the web app.
    pub form: Option<Box<RawValue>>,
    pub metadata: Option<Box<RawValue>>,
    pub expiration: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl AccessRequestRecord {
    /// What the request is for; every stored request names a product or a data object.
    pub fn target(&self) -> Option<RequestTarget> {
        target_of(self.data_product_id.clone(), self.asset_id.clone())
    }
}

/// The target a stored request names, from its product and asset columns.
pub(crate) fn target_of(product_id: Option<ProductId>, asset_id: Option<String>) -> Option<RequestTarget> {
    match (product_id, asset_id) {
        (Some(id), _) => Some(RequestTarget::Product(id)),
        (None, Some(id)) => Some(RequestTarget::Asset(id)),
        (None, None) => None,
    }
}

/// One approval record of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRecordRow {
    pub id: RecordId,
    pub request_id: RequestId,
    pub approvers: Vec<Approver>,
    pub prerequisites: Vec<RecordId>,
    pub status: RecordStatus,
    pub action_by: Option<UserId>,
    pub reason: Option<String>,
    pub criteria_met: Option<Vec<Approver>>,
    pub duration: Option<u32>,
    pub duration_unit: Option<DurationUnit>,
    pub ends_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const REQUEST_COLUMNS: [AccessRequests; 17] = [
    AccessRequests::Id,
    AccessRequests::RequestType,
    AccessRequests::Status,
    AccessRequests::DataProductId,
    AccessRequests::AssetId,
    AccessRequests::TargetName,
    AccessRequests::TargetDescription,
    AccessRequests::TargetType,
    AccessRequests::Domains,
    AccessRequests::RequestingUserId,
    AccessRequests::UserId,
    AccessRequests::FormVersion,
    AccessRequests::Form,
    AccessRequests::Metadata,
    AccessRequests::Expiration,
    AccessRequests::CreatedAt,
    AccessRequests::UpdatedAt,
];

pub(crate) fn select_requests(tenant_id: TenantId) -> SelectStatement {
    select_requests_in(tenant_id.to_string().into())
}

fn select_requests_in(tenant: Value) -> SelectStatement {
    select_requests_of_every_tenant()
        .and_where(Expr::col((AccessRequests::Table, AccessRequests::TenantId)).eq(tenant))
        .take()
}

fn request_by_id(tenant: Value, id: impl Into<SimpleExpr>) -> SelectStatement {
    select_requests_in(tenant)
        .and_where(Expr::col((AccessRequests::Table, AccessRequests::Id)).eq(id))
        .take()
}

/// A request by tenant and id, read on nearly every call about one request; for changing it, locked.
static REQUEST: Template<2> = Template::new(|[tenant, id]| request_by_id(tenant, id));
static REQUEST_TO_CHANGE: Template<2> =
    Template::new(|[tenant, id]| request_by_id(tenant, id).lock(LockType::Update).take());

/// For deciding a record: its request, locked, found through the record so that it need not wait for the
/// record's row; read with [`RECORDS_BESIDE_RECORD`] after it, under its lock (one round trip on PostgreSQL).
pub(super) static REQUEST_OF_RECORD_TO_CHANGE: Template<2> = Template::new(|[tenant, record]| {
    request_by_id(tenant.clone(), request_of_record(tenant, record))
        .lock(LockType::Update)
        .take()
});

/// The records of a record's request, in order.
pub(super) static RECORDS_BESIDE_RECORD: Template<2> = Template::new(|[tenant, record]| {
    select_records(tenant.clone())
        .and_where(Expr::col(ApprovalRecords::RequestId).eq(request_of_record(tenant, record)))
        .take()
});

/// The id of the request a record belongs to, as a value computed once before the statement that holds it.
pub(super) fn request_of_record(tenant: Value, record: Value) -> SimpleExpr {
    let request = Query::select()
        .column(ApprovalRecords::RequestId)
        .from(ApprovalRecords::Table)
        .and_where(Expr::col(ApprovalRecords::TenantId).eq(tenant))
        .and_where(Expr::col(ApprovalRecords::Id).eq(record))
        .take();
    SimpleExpr::SubQuery(None, Box::new(request.into()))
}

/// Requests across tenants, for background jobs: [`decode_request`] reads the row, and the tenant id follows
/// the request's columns.
pub(crate) fn select_requests_of_every_tenant() -> SelectStatement {
    Query::select()
        .columns(REQUEST_COLUMNS.map(|column| (AccessRequests::Table, column)))
        .column((AccessRequests::Table, AccessRequests::TenantId))
        .from(AccessRequests::Table)
        .take()
}

/// Where the tenant id stands in a row of [`select_requests_of_every_tenant`].
pub(crate) const TENANT_COLUMN: usize = REQUEST_COLUMNS.len();

fn decode_error(index: usize, detail: impl ToString) -> StoreError {
    StoreError::Decode {
        index,
        detail: detail.to_string(),
    }
}

fn json<T: serde::de::DeserializeOwned>(row: &Row, index: usize) -> Result<T, StoreError> {
    serde_json::from_str(&row.get::<String>(index)?).map_err(|error| decode_error(index, error))
}

fn optional_json<T: serde::de::DeserializeOwned>(row: &Row, index: usize) -> Result<Option<T>, StoreError> {
    row.get::<Option<String>>(index)?
        .map(|text| serde_json::from_str(&text).map_err(|error| decode_error(index, error)))
        .transpose()
}

/// A stored JSON document, checked but not parsed into a tree.
fn optional_raw_json(row: &Row, index: usize) -> Result<Option<Box<RawValue>>, StoreError> {
    row.get::<Option<String>>(index)?
        .map(|text| RawValue::from_string(text).map_err(|error| decode_error(index, error)))
        .transpose()
}

pub(crate) fn decode_request(row: &Row) -> Result<AccessRequestRecord, StoreError> {
    let request_type = row.get::<String>(1)?;
    let status = row.get::<String>(2)?;
    Ok(AccessRequestRecord {
        id: row.get(0)?,
        request_type: RequestType::parse(&request_type).ok_or_else(|| decode_error(1, request_type))?,
        status: RequestStatus::parse(&status).ok_or_else(|| decode_error(2, status))?,
        data_product_id: row.get(3)?,
        asset_id: row.get(4)?,
        target_name: row.get(5)?,
        target_description: row.get(6)?,
        target_type: row.get(7)?,
        domains: json(row, 8)?,
        requesting_user_id: row.get(9)?,
        user_id: row.get(10)?,
        form_version: row.get(11)?,
        form: optional_raw_json(row, 12)?,
        metadata: optional_raw_json(row, 13)?,
        expiration: row.get(14)?,
        created_at: row.get(15)?,
        updated_at: row.get(16)?,
    })
}

const RECORD_COLUMNS: [ApprovalRecords; 13] = [
    ApprovalRecords::Id,
    ApprovalRecords::RequestId,
    ApprovalRecords::Approvers,
    ApprovalRecords::Prerequisites,
    ApprovalRecords::Status,
    ApprovalRecords::ActionBy,
    ApprovalRecords::Reason,
    ApprovalRecords::CriteriaMet,
    ApprovalRecords::Duration,
    ApprovalRecords::DurationUnit,
    ApprovalRecords::EndsAt,
    ApprovalRecords::CreatedAt,
    ApprovalRecords::UpdatedAt,
];

fn select_records(tenant: Value) -> SelectStatement {
    Query::select()
        .columns(RECORD_COLUMNS)
        .from(ApprovalRecords::Table)
        .and_where(Expr::col(ApprovalRecords::TenantId).eq(tenant))
        .order_by(ApprovalRecords::Position, Order::Asc)
        .take()
}

/// A request's approval records, in order.
static RECORDS_OF_REQUEST: Template<2> = Template::new(|[tenant, request]| {
    select_records(tenant)
        .and_where(Expr::col(ApprovalRecords::RequestId).eq(request))
        .take()
});

fn decode_record(row: &Row) -> Result<ApprovalRecordRow, StoreError> {
    let status = row.get::<String>(4)?;
    let unit: Option<String> = row.get(9)?;
    Ok(ApprovalRecordRow {
        id: row.get(0)?,
        request_id: row.get(1)?,
        approvers: json(row, 2)?,
        prerequisites: json(row, 3)?,
        status: RecordStatus::parse(&status).ok_or_else(|| decode_error(4, status))?,
        action_by: row.get(5)?,
        reason: row.get(6)?,
        criteria_met: optional_json(row, 7)?,
        duration: row
            .get::<Option<i64>>(8)?
            .map(|amount| u32::try_from(amount).map_err(|error| decode_error(8, error)))
            .transpose()?,
        duration_unit: unit
            .map(|unit| serde_json::from_value(Json::String(unit)).map_err(|error| decode_error(9, error)))
            .transpose()?,
        ends_at: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
    })
}

/// A request, locked for the rest of the transaction where the database locks rows (SQLite's single writer
/// already serialises every transaction).
pub(crate) async fn find_request(
    conn: &mut Conn,
    tenant_id: TenantId,
    id: &RequestId,
    lock: bool,
) -> Result<Option<AccessRequestRecord>, StoreError> {
    let template = if lock { &REQUEST_TO_CHANGE } else { &REQUEST };
    let query = template.with([tenant_id.to_string().into(), id.as_str().into()]);
    conn.query_opt(&query).await?.as_ref().map(decode_request).transpose()
}

pub(crate) async fn records_of(
    conn: &mut Conn,
    tenant_id: TenantId,
    request_id: &RequestId,
) -> Result<Vec<ApprovalRecordRow>, StoreError> {
    let query = RECORDS_OF_REQUEST.with([tenant_id.to_string().into(), request_id.as_str().into()]);
    conn.query(&query).await?.iter().map(decode_record).collect()
}

pub(crate) async fn find_record(
    conn: &mut Conn,
    tenant_id: TenantId,
    id: &RecordId,
) -> Result<Option<ApprovalRecordRow>, StoreError> {
    let query = select_records(tenant_id.to_string().into())
        .and_where(Expr::col(ApprovalRecords::Id).eq(id.as_str()))
        .take();
    conn.query_opt(&query).await?.as_ref().map(decode_record).transpose()
}

impl Store {
    /// A request with its approval records, in the order the review flow made them (read together: on
    /// PostgreSQL one round trip).
    pub async fn request_with_records(
        &self,
        tenant_id: TenantId,
        id: &RequestId,
    ) -> Result<Option<(AccessRequestRecord, Vec<ApprovalRecordRow>)>, StoreError> {
        let arguments = || [tenant_id.to_string().into(), id.as_str().into()];
        let (request, records) = self
            .backend
            .read()
            .await?
            .query_both(&REQUEST.with(arguments()), &RECORDS_OF_REQUEST.with(arguments()))
            .await?;
        let Some(request) = request.first() else {
            return Ok(None);
        };
        let records = records.iter().map(decode_record).collect::<Result<_, _>>()?;
        Ok(Some((decode_request(request)?, records)))
    }

    pub async fn approval_record(
        &self,
        tenant_id: TenantId,
        id: &RecordId,
    ) -> Result<Option<ApprovalRecordRow>, StoreError> {
        let mut conn = self.backend.read().await?;
        find_record(&mut conn, tenant_id, id).await
    }
}
