//! The catalog's persistence: data use agreements, request forms and their versions, data products.

mod agreements;
pub(crate) mod data_objects;
mod forms;
mod listing;
mod product_search;
mod products;

pub use agreements::{Agreement, NewAgreement};
pub(crate) use data_objects::sync as sync_data_objects;
pub use data_objects::{ObjectLookup, ObjectRecord, ObjectSettings};
pub(crate) use forms::ensure_standard_form;
pub use forms::{FormChanges, FormDraft, FormRecord, LinkedProduct, STANDARD_FORM_NAME};
pub use listing::{Listing, SortKey};
pub use product_search::{CallerView, ColumnFilter, ColumnRecord, ProductSearch, ProductSource, ShownProduct};
pub use products::{Product, ProductDraft, ProductStats};

use crate::StoreError;
use crate::db::Conn;
use crate::query::one_of;
use crate::schema::{Domains, UserGroups, Users};
use marketplace_domain::ids::TenantId;
use marketplace_domain::review_flow::References;
use sea_query::{Cond, Expr, ExprTrait, Query};

/// The users, groups and domains a review flow names that the tenant's directory does not hold.
pub(crate) async fn unknown_references(
    conn: &mut Conn,
    tenant_id: TenantId,
    references: &References,
    field: &str,
) -> Result<Vec<String>, StoreError> {
    let tenant = tenant_id.to_string();
    let mut problems = Vec::new();
    if !references.users.is_empty() {
        let query = Query::select()
            .column(Users::GlobalUserId)
            .from(Users::Table)
            .and_where(Expr::col(Users::TenantId).eq(tenant.as_str()))
            .and_where(one_of(
                Users::GlobalUserId,
                references.users.iter().map(|id| id.to_lowercase()),
            ))
            .take();
        let found: Vec<String> = conn
            .query(&query)
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect::<Result<_, _>>()?;
        for user in &references.users {
            if !found.contains(&user.to_lowercase()) {
                problems.push(format!("{field}: no user has the global user id `{user}`"));
            }
        }
    }
    for group in &references.groups {
        let matches = match group.parse::<i64>() {
            Ok(id) => Cond::any().add(Expr::col(UserGroups::Id).eq(id)),
            Err(_) => Cond::any().add(Expr::col(UserGroups::Name).eq(group.as_str())),
        };
        let query = Query::select()
            .column(UserGroups::Id)
            .from(UserGroups::Table)
            .and_where(Expr::col(UserGroups::TenantId).eq(tenant.as_str()))
            .cond_where(matches)
            .take();
        if conn.query_opt(&query).await?.is_none() {
            problems.push(format!("{field}: no group is `{group}`"));
        }
    }
    if !references.domains.is_empty() {
        let query = Query::select()
            .column(Domains::Id)
            .from(Domains::Table)
            .and_where(Expr::col(Domains::TenantId).eq(tenant.as_str()))
            .and_where(one_of(Domains::Id, references.domains.iter().cloned()))
            .take();
        let found: Vec<String> = conn
            .query(&query)
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect::<Result<_, _>>()?;
        for domain in &references.domains {
            if !found.contains(domain) {
                problems.push(format!("{field}: no domain has the id `{domain}`"));
            }
        }
    }
    Ok(problems)
}
