//! Masking exceptions: the masked columns a request names, and the columns a user holds through approved ones.

use crate::{Actor, App, AppError, Problems};
use marketplace_domain::ids::{ProductId, RequestId};
use marketplace_domain::pagination::{MAX_LIMIT, OffsetPage};
use marketplace_store::{ColumnFilter, RequestedColumn};
use uuid::Uuid;

/// A masking exception names at most this many columns.
pub const MAX_COLUMNS: usize = 500;

/// A column as a requester names it: its data source (by id, as sent) and its name.
pub struct ColumnRef {
    pub source_id: String,
    pub column_name: String,
}

/// Where requested columns must be found.
pub(crate) enum ColumnScope<'a> {
    /// The data sources of a product.
    Product(&'a ProductId),
    /// These data sources (those a data object holds).
    Sources(&'a [i64]),
}

impl App {
    /// The requested columns as they are now; each must be a masked column in scope, named once.
    pub(crate) async fn masked_columns(
        &self,
        actor: &Actor,
        scope: ColumnScope<'_>,
        requested: &[ColumnRef],
    ) -> Result<Vec<RequestedColumn>, AppError> {
        let mut problems = Problems::default();
        if requested.is_empty() || requested.len() > MAX_COLUMNS {
            problems.add(
                "columns",
                format!("columns must name between 1 and {MAX_COLUMNS} columns"),
            );
        }
        let wanted: Vec<(usize, i64, &str)> = requested
            .iter()
            .enumerate()
            .filter_map(|(index, column)| match column.source_id.trim().parse::<i64>() {
                Ok(source) => Some((index, source, column.column_name.as_str())),
                Err(_) => {
                    problems.add(
                        format!("columns[{index}].sourceId"),
                        format!(
                            "columns[{index}].sourceId `{}` is not a data source id",
                            column.source_id
                        ),
                    );
                    None
                }
            })
            .collect();
        std::mem::take(&mut problems).check()?;
        let mut sources: Vec<i64> = wanted.iter().map(|(_, source, _)| *source).collect();
        sources.sort_unstable();
        sources.dedup();
        let (product, what) = match scope {
            ColumnScope::Product(id) => (Some(id), "data product"),
            ColumnScope::Sources(held) => {
                sources.retain(|source| held.contains(source));
                (None, "asset")
            }
        };
        let filter = ColumnFilter {
            search_text: None,
            masked_only: true,
            tag_ids: Vec::new(),
            data_source_ids: sources,
            descending: false,
            page: OffsetPage::new(0, MAX_LIMIT),
        };
        let (masked, _) = self.store.columns(actor.tenant_id, product, &filter).await?;
        let mut columns: Vec<RequestedColumn> = Vec::new();
        for (index, source, name) in wanted {
            let field = format!("columns[{index}]");
            match masked
                .iter()
                .find(|column| column.source_id == source && column.name == name)
            {
                Some(column)
                    if !columns
                        .iter()
                        .any(|c| c.data_source_id == source && c.column_name == name) =>
                {
                    columns.push(RequestedColumn {
                        data_source_id: source,
                        column_name: column.name.clone(),
                        source_name: column.source_name.clone(),
                        column_type: Some(column.platform.clone()),
                        tags: column.tags.clone(),
                        masking_type: column.global_masking.clone().or_else(|| column.local_masking.clone()),
                    });
                }
                Some(_) => problems.add(
                    &field,
                    format!("{field}: `{name}` of data source {source} is named twice"),
                ),
                None => problems.add(
                    &field,
                    format!("{field}: `{name}` is not a masked column of data source {source} in this {what}"),
                ),
            }
        }
        problems.check()?;
        Ok(columns)
    }

    /// The columns a request asks to see unmasked (at most `MAX_COLUMNS`, 500), for those who may see it.
    pub async fn request_columns(&self, actor: &Actor, id: &RequestId) -> Result<Vec<RequestedColumn>, AppError> {
        let person = self.person(actor).await?;
        self.visible_request(actor, &person, id).await?;
        Ok(self.store.request_columns(actor.tenant_id, id).await?)
    }

    /// The columns a user holds unmasked through approved masking exceptions: for the user, `GOVERNANCE` and
    /// `AUDIT`.
    pub async fn approved_masking_columns(&self, actor: &Actor, user: Uuid) -> Result<Vec<(i64, String)>, AppError> {
        if !self.may_audit(actor, user).await? {
            return Err(AppError::Forbidden(
                "Another user's masking exceptions are visible to GOVERNANCE and AUDIT only.".into(),
            ));
        }
        let users = self.store.search_users(actor.tenant_id, None, &[user], 1).await?;
        let Some((user, _)) = users.into_iter().next() else {
            return Ok(Vec::new());
        };
        Ok(self.store.approved_masking_columns(actor.tenant_id, user.id).await?)
    }
}
