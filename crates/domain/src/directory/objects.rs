//! The data objects of a directory: every database, schema and table its data sources live in. They are what
//! the Request app calls assets of type `DATA_OBJECT`; their ids derive from where they are, so they stay the
//! same across imports.

use super::Directory;
use crate::ids::TenantId;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataObject {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    /// `[database]`, `[database, schema]` or `[database, schema, table]`.
    pub object_path: Vec<String>,
    pub technology: String,
    pub host: Option<String>,
    /// `database`, `schema` or `table`.
    pub legacy_type: &'static str,
    /// The data source a table is.
    pub data_source_id: Option<i64>,
    /// How many data sources it holds.
    pub data_source_count: u64,
}

const LEVELS: [&str; 3] = ["database", "schema", "table"];

/// The id of the object at `path` on `host` in `technology`, within a tenant.
pub fn object_id(tenant_id: TenantId, technology: &str, host: Option<&str>, path: &[String]) -> Uuid {
    let key = format!(
        "{technology}\u{0}{}\u{0}{}",
        host.unwrap_or_default(),
        path.join("\u{0}")
    );
    Uuid::new_v5(&tenant_id.0, key.as_bytes())
}

/// Every data object of the directory, parents before children.
pub fn data_objects(tenant_id: TenantId, directory: &Directory) -> Vec<DataObject> {
    let mut objects: BTreeMap<(usize, Uuid), DataObject> = BTreeMap::new();
    for source in directory.data_sources.values() {
        let levels = [&source.database, &source.schema, &source.table];
        let mut path = Vec::new();
        let mut parent = None;
        for (depth, part) in levels.iter().enumerate() {
            let Some(part) = part.as_ref().filter(|part| !part.is_empty()) else {
                break;
            };
            path.push(part.clone());
            let id = object_id(tenant_id, &source.platform, source.hostname.as_deref(), &path);
            let is_table = depth == 2;
            let object = objects.entry((depth, id)).or_insert_with(|| DataObject {
                id,
                parent_id: parent,
                name: part.clone(),
                object_path: path.clone(),
                technology: source.platform.clone(),
                host: source.hostname.clone(),
                legacy_type: LEVELS[depth],
                data_source_id: is_table.then_some(source.id),
                data_source_count: 0,
            });
            object.data_source_count += 1;
            parent = Some(id);
        }
    }
    objects.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::parse_directory;

    #[test]
    fn databases_schemas_and_tables_with_stable_ids() {
        let directory = parse_directory(
            r#"
tenant: {shortKey: t, name: T}
domains: [{id: d, name: D}]
dataSources:
  - {id: 1, name: A, domain: D, platform: Snowflake, hostname: h, database: DB, schema: S, table: A}
  - {id: 2, name: B, domain: D, platform: Snowflake, hostname: h, database: DB, schema: S, table: B}
  - {id: 3, name: C, domain: D, platform: S3, prefix: "s3://bucket/"}
"#,
        )
        .unwrap();
        let tenant = TenantId(Uuid::nil());
        let objects = data_objects(tenant, &directory);
        assert_eq!(objects.len(), 4);
        assert_eq!(objects[0].legacy_type, "database");
        assert_eq!(objects[0].data_source_count, 2);
        assert_eq!(objects[1].object_path, vec!["DB", "S"]);
        assert_eq!(objects[1].parent_id, Some(objects[0].id));
        let tables: Vec<_> = objects.iter().filter(|o| o.legacy_type == "table").collect();
        assert_eq!(tables.len(), 2);
        assert!(tables.iter().all(|t| t.parent_id == Some(objects[1].id)));
        assert_eq!(data_objects(tenant, &directory), objects, "ids are stable");
        assert_ne!(
            data_objects(TenantId(Uuid::max()), &directory)[0].id,
            objects[0].id,
            "ids differ per tenant"
        );
    }
}
