//! Data objects (assets of type `DATA_OBJECT`): kept in step with the directory's data sources, carrying the
//! forms, review flows and descriptions set on them. A table without its own form or flow inherits its
//! schema's, a schema its database's.

use super::{forms, unknown_references};
use crate::db::{Conn, Row};
use crate::query::{one_of, starts_with};
use crate::schema::DataObjects;
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::catalog::SubjectMatterExpert;
use marketplace_domain::directory::DataObject;
use marketplace_domain::ids::{FormId, TenantId};
use marketplace_domain::problem::Problem;
use marketplace_domain::review_flow::ReviewFlow;
use sea_query::{Cond, Expr, ExprTrait, Func, OnConflict, Order, Query, SelectStatement, SimpleExpr};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRecord {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub object_path: Vec<String>,
    pub technology: String,
    pub host: Option<String>,
    pub legacy_type: String,
    pub data_source_id: Option<i64>,
    pub data_source_count: u64,
    pub settings: ObjectSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What is set on a data object; `None` inherits from the parent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectSettings {
    pub description: Option<String>,
    pub external_link: Option<String>,
    pub subject_matter_experts: Vec<SubjectMatterExpert>,
    pub data_access_form_id: Option<FormId>,
    pub masking_exception_form_id: Option<FormId>,
    pub data_access_review_flow: Option<ReviewFlow>,
    pub masking_exception_review_flow: Option<ReviewFlow>,
}

const COLUMNS: [DataObjects; 20] = [
    DataObjects::Id,
    DataObjects::ParentId,
    DataObjects::Name,
    DataObjects::ObjectPath,
    DataObjects::Technology,
    DataObjects::Host,
    DataObjects::LegacyType,
    DataObjects::DataSourceId,
    DataObjects::DataSourceCount,
    DataObjects::Description,
    DataObjects::ExternalLink,
    DataObjects::SubjectMatterExperts,
    DataObjects::DataAccessFormId,
    DataObjects::MaskingExceptionFormId,
    DataObjects::DataAccessReviewFlow,
    DataObjects::MaskingExceptionReviewFlow,
    DataObjects::CreatedAt,
    DataObjects::UpdatedAt,
    DataObjects::PathKey,
    DataObjects::TenantId,
];

fn select(tenant_id: TenantId) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(DataObjects::Table)
        .and_where(Expr::col(DataObjects::TenantId).eq(tenant_id.to_string()))
        .take()
}

fn json<T: serde::de::DeserializeOwned>(text: String) -> Result<T, StoreError> {
    serde_json::from_str(&text).map_err(|error| StoreError::Decode {
        index: 0,
        detail: format!("stored JSON does not parse: {error}"),
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("stored values serialise")
}

fn decode(row: &Row) -> Result<ObjectRecord, StoreError> {
    Ok(ObjectRecord {
        id: row.get(0)?,
        parent_id: row.get(1)?,
        name: row.get(2)?,
        object_path: json(row.get(3)?)?,
        technology: row.get(4)?,
        host: row.get(5)?,
        legacy_type: row.get(6)?,
        data_source_id: row.get(7)?,
        data_source_count: row.get(8)?,
        settings: ObjectSettings {
            description: row.get(9)?,
            external_link: row.get(10)?,
            subject_matter_experts: json(row.get(11)?)?,
            data_access_form_id: row.get(12)?,
            masking_exception_form_id: row.get(13)?,
            data_access_review_flow: row.get::<Option<String>>(14)?.map(json).transpose()?,
            masking_exception_review_flow: row.get::<Option<String>>(15)?.map(json).transpose()?,
        },
        created_at: row.get(16)?,
        updated_at: row.get(17)?,
    })
}

/// The dot-joined path, lowercased, by which catalogs look objects up.
fn path_key(path: &[String]) -> String {
    path.join(".").to_lowercase()
}

/// Makes the tenant's data objects those of the directory: new ones are added, vanished ones removed, and what
/// was set on the others is kept.
pub(crate) async fn sync(
    conn: &mut Conn,
    tenant_id: TenantId,
    objects: &[DataObject],
    now: Timestamp,
) -> Result<(), StoreError> {
    let tenant = tenant_id.to_string();
    let existing: Vec<Uuid> = conn
        .query(
            &Query::select()
                .column(DataObjects::Id)
                .from(DataObjects::Table)
                .and_where(Expr::col(DataObjects::TenantId).eq(tenant.as_str()))
                .take(),
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect::<Result<_, _>>()?;
    let kept: std::collections::HashSet<Uuid> = objects.iter().map(|object| object.id).collect();
    let gone: Vec<String> = existing
        .iter()
        .filter(|id| !kept.contains(id))
        .map(Uuid::to_string)
        .collect();
    // A statement binds at most 32,766 values on SQLite.
    for chunk in gone.chunks(10_000) {
        let delete = Query::delete()
            .from_table(DataObjects::Table)
            .and_where(Expr::col(DataObjects::TenantId).eq(tenant.as_str()))
            .and_where(one_of(DataObjects::Id, chunk.iter().cloned()))
            .take();
        conn.execute(&delete).await?;
    }
    for chunk in objects.chunks(200) {
        let mut insert = Query::insert()
            .into_table(DataObjects::Table)
            .columns(COLUMNS)
            .on_conflict(
                OnConflict::columns([DataObjects::TenantId, DataObjects::Id])
                    .update_columns([
                        DataObjects::ParentId,
                        DataObjects::Name,
                        DataObjects::ObjectPath,
                        DataObjects::PathKey,
                        DataObjects::DataSourceId,
                        DataObjects::DataSourceCount,
                    ])
                    .to_owned(),
            )
            .take();
        for object in chunk {
            let values: [SimpleExpr; 20] = [
                object.id.to_string().into(),
                object.parent_id.map(|id| id.to_string()).into(),
                object.name.clone().into(),
                to_json(&object.object_path).into(),
                object.technology.clone().into(),
                object.host.clone().into(),
                object.legacy_type.into(),
                object.data_source_id.into(),
                (object.data_source_count as i64).into(),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                "[]".into(),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                now.millis().into(),
                now.millis().into(),
                path_key(&object.object_path).into(),
                tenant.clone().into(),
            ];
            insert.values_panic(values);
        }
        if !chunk.is_empty() {
            conn.execute(&insert).await?;
        }
    }
    Ok(())
}

pub(crate) async fn find(conn: &mut Conn, tenant_id: TenantId, id: Uuid) -> Result<Option<ObjectRecord>, StoreError> {
    let query = select(tenant_id)
        .and_where(Expr::col(DataObjects::Id).eq(id.to_string()))
        .take();
    conn.query_opt(&query).await?.as_ref().map(decode).transpose()
}

/// Where to look up an object by what a catalog knows of it.
#[derive(Debug, Clone, Default)]
pub struct ObjectLookup {
    pub fully_qualified_name: String,
    pub legacy_type: Option<String>,
    pub host: Option<String>,
    pub technology: Option<String>,
}

impl Store {
    pub async fn data_object(&self, tenant_id: TenantId, id: Uuid) -> Result<Option<ObjectRecord>, StoreError> {
        find(&mut self.backend.read().await?, tenant_id, id).await
    }

    /// The objects with these ids that still exist.
    pub async fn data_objects(&self, tenant_id: TenantId, ids: &[Uuid]) -> Result<Vec<ObjectRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let query = select(tenant_id)
            .and_where(one_of(DataObjects::Id, ids.iter().map(Uuid::to_string)))
            .take();
        let rows = self.backend.read().await?.query(&query).await?;
        rows.iter().map(decode).collect()
    }

    /// The object with this dot-delimited name (any case), narrowed by type, host and technology.
    pub async fn data_object_by_metadata(
        &self,
        tenant_id: TenantId,
        lookup: &ObjectLookup,
    ) -> Result<Option<ObjectRecord>, StoreError> {
        let mut query = select(tenant_id)
            .and_where(Expr::col(DataObjects::PathKey).eq(lookup.fully_qualified_name.to_lowercase()))
            .order_by(DataObjects::Host, Order::Asc)
            .order_by(DataObjects::Technology, Order::Asc)
            .order_by(DataObjects::Id, Order::Asc)
            .limit(1)
            .take();
        let lower = |column| SimpleExpr::from(Func::lower(Expr::col(column)));
        if let Some(kind) = lookup.legacy_type.as_deref() {
            query.and_where(lower(DataObjects::LegacyType).eq(kind.to_lowercase()));
        }
        if let Some(host) = lookup.host.as_deref() {
            query.and_where(lower(DataObjects::Host).eq(host.to_lowercase()));
        }
        if let Some(technology) = lookup.technology.as_deref() {
            query.and_where(lower(DataObjects::Technology).eq(technology.to_lowercase()));
        }
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.as_ref().map(decode).transpose()
    }

    /// The object and its ancestors, nearest first.
    pub async fn data_object_lineage(&self, tenant_id: TenantId, id: Uuid) -> Result<Vec<ObjectRecord>, StoreError> {
        let mut conn = self.backend.read().await?;
        let mut lineage = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next.take() {
            let Some(object) = find(&mut conn, tenant_id, id).await? else {
                break;
            };
            next = object.parent_id;
            lineage.push(object);
        }
        Ok(lineage)
    }

    /// Replaces what is set on an object. Forms and flows are checked against the tenant's.
    pub async fn save_data_object_settings(
        &self,
        tenant_id: TenantId,
        id: Uuid,
        settings: &ObjectSettings,
        now: Timestamp,
    ) -> Result<Option<ObjectRecord>, StoreError> {
        let mut tx = self.backend.begin().await?;
        if find(&mut tx, tenant_id, id).await?.is_none() {
            return Ok(None);
        }
        let mut problems = Vec::new();
        for (field, form) in [
            ("dataAccessRequestFormId", settings.data_access_form_id),
            ("maskingExceptionRequestFormId", settings.masking_exception_form_id),
        ] {
            if let Some(form) = form
                && forms::find(&mut tx, tenant_id, form).await?.is_none()
            {
                problems.push(format!("{field}: no request form has the id {form}"));
            }
        }
        for (field, flow) in [
            ("dataAccessReviewFlow", &settings.data_access_review_flow),
            ("maskingExceptionReviewFlow", &settings.masking_exception_review_flow),
        ] {
            if let Some(flow) = flow {
                problems.extend(unknown_references(&mut tx, tenant_id, &flow.references(), field).await?);
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(
                problems.into_iter().map(Problem::from_message).collect(),
            ));
        }
        let update = Query::update()
            .table(DataObjects::Table)
            .values([
                (DataObjects::Description, settings.description.clone().into()),
                (DataObjects::ExternalLink, settings.external_link.clone().into()),
                (
                    DataObjects::SubjectMatterExperts,
                    to_json(&settings.subject_matter_experts).into(),
                ),
                (
                    DataObjects::DataAccessFormId,
                    settings.data_access_form_id.map(|id| id.to_string()).into(),
                ),
                (
                    DataObjects::MaskingExceptionFormId,
                    settings.masking_exception_form_id.map(|id| id.to_string()).into(),
                ),
                (
                    DataObjects::DataAccessReviewFlow,
                    settings.data_access_review_flow.as_ref().map(to_json).into(),
                ),
                (
                    DataObjects::MaskingExceptionReviewFlow,
                    settings.masking_exception_review_flow.as_ref().map(to_json).into(),
                ),
                (DataObjects::UpdatedAt, now.millis().into()),
            ])
            .and_where(Expr::col(DataObjects::TenantId).eq(tenant_id.to_string()))
            .and_where(Expr::col(DataObjects::Id).eq(id.to_string()))
            .take();
        tx.execute(&update).await?;
        let object = find(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(object)
    }

    /// The data sources an object holds: its own, or those of the objects below it.
    pub async fn data_object_source_ids(
        &self,
        tenant_id: TenantId,
        object: &ObjectRecord,
    ) -> Result<Vec<i64>, StoreError> {
        source_ids(&mut self.backend.read().await?, tenant_id, object).await
    }

    /// The data objects that set this form themselves, by name.
    pub async fn form_objects(&self, tenant_id: TenantId, form_id: FormId) -> Result<Vec<ObjectRecord>, StoreError> {
        objects_using(&mut self.backend.read().await?, tenant_id, form_id).await
    }
}

/// [`Store::data_object_source_ids`], on a connection the caller holds.
pub(crate) async fn source_ids(
    conn: &mut Conn,
    tenant_id: TenantId,
    object: &ObjectRecord,
) -> Result<Vec<i64>, StoreError> {
    let key = path_key(&object.object_path);
    let below = starts_with(DataObjects::PathKey, &format!("{key}."));
    let query = Query::select()
        .column(DataObjects::DataSourceId)
        .from(DataObjects::Table)
        .and_where(Expr::col(DataObjects::TenantId).eq(tenant_id.to_string()))
        .cond_where(
            Cond::any()
                .add(Expr::col(DataObjects::PathKey).eq(key.as_str()))
                .add(below),
        )
        .and_where(Expr::col(DataObjects::Technology).eq(object.technology.as_str()))
        .and_where(Expr::col(DataObjects::DataSourceId).is_not_null())
        .order_by(DataObjects::DataSourceId, Order::Asc)
        .take();
    let rows = conn.query(&query).await?;
    let mut ids: Vec<i64> = rows.iter().map(|row| row.get(0)).collect::<Result<_, _>>()?;
    ids.dedup();
    Ok(ids)
}

pub(crate) async fn objects_using(
    conn: &mut Conn,
    tenant_id: TenantId,
    form_id: FormId,
) -> Result<Vec<ObjectRecord>, StoreError> {
    let form = form_id.to_string();
    let query = select(tenant_id)
        .cond_where(
            Cond::any()
                .add(Expr::col(DataObjects::DataAccessFormId).eq(form.as_str()))
                .add(Expr::col(DataObjects::MaskingExceptionFormId).eq(form.as_str())),
        )
        .order_by(DataObjects::PathKey, Order::Asc)
        .take();
    conn.query(&query).await?.iter().map(decode).collect()
}
