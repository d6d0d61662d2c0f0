//! The masked views: `<schema>_masked.<table>`, every column of the table in its order, a masked one shown
//! through its masking. Each view carries its own definition as its comment, so a cycle rewrites only the views
//! whose table or masking changed.

use super::{message, quote, relation, statement_error};
use crate::PlatformError;
use marketplace_domain::provisioning::{MaskedView, Masking};
use tokio_postgres::Client;

const COLUMNS: &str = "
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum";

const COMMENT: &str = "SELECT obj_description(to_regclass($1), 'pg_class')";

/// The comment that marks a view as ours and says what it shows.
const MARK: &str = "Kept by the marketplace's provisioner: ";

pub(super) async fn prepare(
    client: &mut Client,
    views: &[MaskedView],
) -> Result<Vec<(MaskedView, PlatformError)>, PlatformError> {
    let mut failed = Vec::new();
    for view in views {
        let table = relation(&view.schema, &view.table);
        let columns = client.query(COLUMNS, &[&table]).await.map_err(statement_error)?;
        if columns.is_empty() {
            // No such table: the grants through it fail with that reason.
            continue;
        }
        let shown: Vec<String> = columns
            .iter()
            .map(|row| {
                let (name, data_type): (String, String) = (row.get(0), row.get(1));
                let masking = view
                    .columns
                    .iter()
                    .find(|(column, _)| *column == name)
                    .and_then(|(_, masking)| *masking);
                show(&name, &data_type, masking)
            })
            .collect();
        let select = format!("SELECT {} FROM {table}", shown.join(", "));
        let name = relation(&view.view_schema, &view.table);
        let comment: Option<String> = client
            .query_one(COMMENT, &[&name])
            .await
            .map_err(statement_error)?
            .get(0);
        if comment.as_deref() == Some(&format!("{MARK}{select}")) {
            continue;
        }
        if let Err(error) = replace(client, &view.view_schema, &name, &select).await {
            failed.push((view.clone(), error));
        }
    }
    Ok(failed)
}

fn show(name: &str, data_type: &str, masking: Option<Masking>) -> String {
    let column = quote(name);
    match masking {
        None => column,
        Some(Masking::Hash) => format!("encode(sha256(convert_to({column}::text, 'UTF8')), 'hex') AS {column}"),
        Some(Masking::Null) => format!("NULL::{data_type} AS {column}"),
    }
}

/// Creates the view, or replaces it keeping its grants; a view whose columns changed type is dropped and created
/// again (its grants are then put back by the same cycle).
async fn replace(client: &mut Client, schema: &str, name: &str, select: &str) -> Result<(), PlatformError> {
    let comment = format!(
        "COMMENT ON VIEW {name} IS '{}'",
        format!("{MARK}{select}").replace('\'', "''")
    );
    let schema = format!("CREATE SCHEMA IF NOT EXISTS {}", quote(schema));
    let create = format!("{schema}; CREATE OR REPLACE VIEW {name} AS {select}; {comment}");
    let transaction = client.transaction().await.map_err(statement_error)?;
    if transaction.batch_execute(&create).await.is_ok() {
        return transaction.commit().await.map_err(statement_error);
    }
    drop(transaction);
    let recreate = format!("{schema}; DROP VIEW IF EXISTS {name}; CREATE VIEW {name} AS {select}; {comment}");
    let transaction = client.transaction().await.map_err(statement_error)?;
    transaction
        .batch_execute(&recreate)
        .await
        .map_err(|error| PlatformError::Statement(message(&error)))?;
    transaction.commit().await.map_err(statement_error)
}
