//! Data products: a curated bundle of data sources from the caller's domains, with the forms and review flows
//! that govern requests for it.

use super::{forms, unknown_references};
use crate::db::{Conn, Row};
use crate::query::one_of;
use crate::schema::{DataProductDomains, DataProductSources, DataProducts, DataSources};
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use marketplace_domain::catalog::ProductMetadata;
use marketplace_domain::ids::{FormId, GlobalUserId, ProductId, TenantId, UserId, new_cuid};
use marketplace_domain::notifications::NotificationType;
use marketplace_domain::problem::Problem;
use marketplace_domain::review_flow::{References, ReviewFlow};
use sea_query::{Expr, ExprTrait, LockType, Order, Query, SelectStatement};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub description: Option<String>,
    pub metadata: Option<ProductMetadata>,
    pub suspended: bool,
    pub created_by: GlobalUserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub domains: Vec<String>,
    pub data_access_form_id: FormId,
    pub masking_exception_form_id: FormId,
    pub data_access_policy: ReviewFlow,
    pub masking_exception_policy: ReviewFlow,
}

/// What a product is made of and how requests for it went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductStats {
    pub data_sources: u64,
    pub source_types: Vec<String>,
    /// Request counts by status.
    pub requests: BTreeMap<String, u64>,
}

/// A product to create, or the whole of one to save.
pub struct ProductDraft {
    pub id: Option<ProductId>,
    pub name: String,
    pub description: Option<String>,
    pub metadata: Option<ProductMetadata>,
    pub suspended: bool,
    pub domains: Vec<String>,
    /// `None` means the tenant's Standard Request Form.
    pub data_access_form_id: Option<FormId>,
    pub masking_exception_form_id: Option<FormId>,
    pub data_access_policy: ReviewFlow,
    pub masking_exception_policy: ReviewFlow,
    /// `None` on update keeps the current sources.
    pub data_sources: Option<Vec<i64>>,
}

pub(crate) fn select() -> SelectStatement {
    Query::select()
        .columns([
            DataProducts::Id,
            DataProducts::Name,
            DataProducts::Description,
            DataProducts::SubjectMatterExpert,
            DataProducts::Suspended,
            DataProducts::CreatedBy,
            DataProducts::CreatedAt,
            DataProducts::UpdatedAt,
            DataProducts::DataAccessFormId,
            DataProducts::MaskingExceptionFormId,
            DataProducts::DataAccessPolicy,
            DataProducts::MaskingExceptionPolicy,
        ])
        .from(DataProducts::Table)
        .to_owned()
}

fn json<T: serde::de::DeserializeOwned>(text: String) -> Result<T, StoreError> {
    serde_json::from_str(&text).map_err(|error| StoreError::Decode {
        index: 0,
        detail: format!("stored JSON does not parse: {error}"),
    })
}

/// Decodes a row of [`select`]; the domains are filled in by [`with_domains`].
pub(crate) fn decode(row: &Row) -> Result<Product, StoreError> {
    Ok(Product {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        metadata: row.get::<Option<String>>(3)?.map(json).transpose()?,
        suspended: row.get(4)?,
        created_by: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        domains: Vec::new(),
        data_access_form_id: row.get(8)?,
        masking_exception_form_id: row.get(9)?,
        data_access_policy: json(row.get(10)?)?,
        masking_exception_policy: json(row.get(11)?)?,
    })
}

/// Fills in the domains of `products`.
pub(crate) async fn with_domains(
    conn: &mut Conn,
    tenant_id: TenantId,
    products: &mut [Product],
) -> Result<(), StoreError> {
    let query = Query::select()
        .columns([DataProductDomains::ProductId, DataProductDomains::DomainId])
        .from(DataProductDomains::Table)
        .and_where(Expr::col(DataProductDomains::TenantId).eq(tenant_id.to_string()))
        .and_where(one_of(
            DataProductDomains::ProductId,
            products.iter().map(|p| p.id.0.clone()),
        ))
        .to_owned();
    for row in conn.query(&query).await? {
        let product_id: ProductId = row.get(0)?;
        if let Some(product) = products.iter_mut().find(|product| product.id == product_id) {
            product.domains.push(row.get(1)?);
        }
    }
    // Sorted here: an ORDER BY on the domain tempts the planner to walk the domain index over every product.
    for product in products.iter_mut() {
        product.domains.sort();
    }
    Ok(())
}

async fn find_where(
    conn: &mut Conn,
    tenant_id: TenantId,
    mut query: SelectStatement,
) -> Result<Option<Product>, StoreError> {
    let query = query
        .and_where(Expr::col(DataProducts::TenantId).eq(tenant_id.to_string()))
        .to_owned();
    let Some(row) = conn.query_opt(&query).await? else {
        return Ok(None);
    };
    let mut products = [decode(&row)?];
    with_domains(conn, tenant_id, &mut products).await?;
    let [product] = products;
    Ok(Some(product))
}

/// The product, locked until the transaction ends (on PostgreSQL; SQLite's single writer needs no lock).
async fn find_for_update(conn: &mut Conn, tenant_id: TenantId, id: &ProductId) -> Result<Option<Product>, StoreError> {
    let query = select()
        .and_where(Expr::col(DataProducts::Id).eq(id.as_str()))
        .lock(LockType::Update)
        .to_owned();
    find_where(conn, tenant_id, query).await
}

pub(crate) async fn find(conn: &mut Conn, tenant_id: TenantId, id: &ProductId) -> Result<Option<Product>, StoreError> {
    find_where(
        conn,
        tenant_id,
        select()
            .and_where(Expr::col(DataProducts::Id).eq(id.as_str()))
            .to_owned(),
    )
    .await
}

/// The data sources of the product, by id.
pub(crate) async fn source_ids(
    conn: &mut Conn,
    tenant_id: TenantId,
    product_id: &ProductId,
) -> Result<Vec<i64>, StoreError> {
    let query = Query::select()
        .column(DataProductSources::DataSourceId)
        .from(DataProductSources::Table)
        .and_where(Expr::col(DataProductSources::TenantId).eq(tenant_id.to_string()))
        .and_where(Expr::col(DataProductSources::ProductId).eq(product_id.as_str()))
        .order_by(DataProductSources::DataSourceId, Order::Asc)
        .to_owned();
    conn.query(&query).await?.iter().map(|row| row.get(0)).collect()
}

/// Checks that every data source exists and belongs to one of the product's domains.
async fn check_sources(
    conn: &mut Conn,
    tenant_id: TenantId,
    domains: &[String],
    sources: &[i64],
) -> Result<(), StoreError> {
    let query = Query::select()
        .columns([DataSources::Id, DataSources::DomainId, DataSources::Name])
        .from(DataSources::Table)
        .and_where(Expr::col(DataSources::TenantId).eq(tenant_id.to_string()))
        .and_where(one_of(DataSources::Id, sources.iter().copied()))
        .to_owned();
    let found: Vec<(i64, String, String)> = conn
        .query(&query)
        .await?
        .iter()
        .map(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .collect::<Result<_, StoreError>>()?;
    let mut problems = Vec::new();
    for source in sources {
        match found.iter().find(|(id, _, _)| id == source) {
            None => problems.push(format!("dataSources: no data source has the id {source}")),
            Some((_, domain, name)) if !domains.contains(domain) => problems.push(format!(
                "dataSources: data source {source} ({name}) is not in the product's domains"
            )),
            Some(_) => {}
        }
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(StoreError::Invalid(
            problems.into_iter().map(Problem::from_message).collect(),
        )),
    }
}

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
        .to_owned();
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
        .to_owned();
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
        .to_owned();
    conn.execute(&delete).await?;
    let mut insert = Query::insert()
        .into_table(DataProductDomains::Table)
        .columns([
            DataProductDomains::TenantId,
            DataProductDomains::ProductId,
            DataProductDomains::DomainId,
        ])
        .to_owned();
    for domain in domains {
        insert.values_panic([
            tenant_id.to_string().into(),
            product_id.as_str().into(),
            domain.clone().into(),
        ]);
    }
    conn.execute(&insert).await.map(drop)
}

/// Resolves the forms (a missing form is a bad request) and checks the flows' approvers exist.
async fn resolve(conn: &mut Conn, tenant_id: TenantId, draft: &ProductDraft) -> Result<(FormId, FormId), StoreError> {
    let mut problems = unknown_references(
        conn,
        tenant_id,
        &draft.data_access_policy.references(),
        "dataAccessReviewFlow",
    )
    .await?;
    problems.extend(
        unknown_references(
            conn,
            tenant_id,
            &draft.masking_exception_policy.references(),
            "maskingExceptionReviewFlow",
        )
        .await?,
    );
    let domains = References {
        domains: draft.domains.iter().cloned().collect(),
        ..References::default()
    };
    problems.extend(unknown_references(conn, tenant_id, &domains, "domains").await?);
    let standard = forms::standard_form_id(conn, tenant_id).await?;
    let access = draft.data_access_form_id.unwrap_or(standard);
    let masking = draft.masking_exception_form_id.unwrap_or(standard);
    for (field, id) in [
        ("dataAccessRequestFormId", access),
        ("maskingExceptionRequestFormId", masking),
    ] {
        if forms::find(conn, tenant_id, id).await?.is_none() {
            problems.push(format!("{field}: no request form has the id {id}"));
        }
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(
            problems.into_iter().map(Problem::from_message).collect(),
        ));
    }
    if let Some(sources) = &draft.data_sources {
        check_sources(conn, tenant_id, &draft.domains, sources).await?;
    }
    Ok((access, masking))
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
            .to_owned();
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

    pub async fn product(&self, tenant_id: TenantId, id: &ProductId) -> Result<Option<Product>, StoreError> {
        find(&mut self.backend.read().await?, tenant_id, id).await
    }

    pub async fn product_by_name(&self, tenant_id: TenantId, name: &str) -> Result<Option<Product>, StoreError> {
        let query = select().and_where(Expr::col(DataProducts::Name).eq(name)).to_owned();
        find_where(&mut self.backend.read().await?, tenant_id, query).await
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
            .to_owned();
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
            .to_owned();
        tx.execute(&delete).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Source counts, source types and request counts of products.
    pub async fn product_stats(
        &self,
        tenant_id: TenantId,
        ids: &[ProductId],
    ) -> Result<BTreeMap<ProductId, ProductStats>, StoreError> {
        let mut conn = self.backend.read().await?;
        let mut stats: BTreeMap<ProductId, ProductStats> =
            ids.iter().map(|id| (id.clone(), ProductStats::default())).collect();
        // Two indexed lookups rather than a join, whose planner may drive from the sources' side and visit
        // every product that shares one.
        let links = Query::select()
            .columns([DataProductSources::ProductId, DataProductSources::DataSourceId])
            .from(DataProductSources::Table)
            .and_where(Expr::col(DataProductSources::TenantId).eq(tenant_id.to_string()))
            .and_where(one_of(DataProductSources::ProductId, ids.iter().map(|id| id.0.clone())))
            .to_owned();
        let links: Vec<(ProductId, i64)> = conn
            .query(&links)
            .await?
            .iter()
            .map(|row| Ok((row.get(0)?, row.get(1)?)))
            .collect::<Result<_, StoreError>>()?;
        let platforms = Query::select()
            .columns([DataSources::Id, DataSources::Platform])
            .from(DataSources::Table)
            .and_where(Expr::col(DataSources::TenantId).eq(tenant_id.to_string()))
            .and_where(one_of(DataSources::Id, links.iter().map(|(_, source)| *source)))
            .to_owned();
        let platforms: BTreeMap<i64, String> = conn
            .query(&platforms)
            .await?
            .iter()
            .map(|row| Ok((row.get(0)?, row.get(1)?)))
            .collect::<Result<_, StoreError>>()?;
        for (product, source) in &links {
            if let (Some(entry), Some(platform)) = (stats.get_mut(product), platforms.get(source)) {
                entry.data_sources += 1;
                if !entry.source_types.contains(platform) {
                    entry.source_types.push(platform.clone());
                }
            }
        }
        for (product, status, count) in crate::requests::counts::per_product_status(&mut conn, tenant_id, ids).await? {
            if let Some(entry) = stats.get_mut(&product) {
                entry.requests.insert(status, count);
            }
        }
        for entry in stats.values_mut() {
            entry.source_types.sort();
        }
        Ok(stats)
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
            .to_owned();
        tx.execute(&touch).await?;
        let product = find(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(product)
    }
}

mod notices;
#[cfg(test)]
mod tests;
