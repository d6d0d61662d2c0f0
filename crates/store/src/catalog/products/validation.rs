//! Checking a product draft before it is written: its forms, its review flows' approvers, its domains and its
//! data sources must all exist. Kept apart from the writes, which only ever run on a draft that passed.

use super::ProductDraft;
use crate::StoreError;
use crate::catalog::{forms, unknown_references};
use crate::db::Conn;
use crate::query::one_of;
use crate::schema::DataSources;
use marketplace_domain::ids::{FormId, TenantId};
use marketplace_domain::problem::Problem;
use marketplace_domain::review_flow::References;
use sea_query::{Expr, ExprTrait, Query};

/// Checks that every data source exists and belongs to one of the product's domains.
pub(super) async fn check_sources(
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
        .take();
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

/// Resolves the forms (a missing form is a bad request) and checks the flows' approvers exist.
pub(super) async fn resolve(
    conn: &mut Conn,
    tenant_id: TenantId,
    draft: &ProductDraft,
) -> Result<(FormId, FormId), StoreError> {
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
