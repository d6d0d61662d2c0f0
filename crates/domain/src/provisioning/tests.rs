use super::*;
use crate::directory::parse_directory;

const WAREHOUSE: &str = r#"
tenant: {shortKey: acme, name: Acme}
domains: [{id: d-sales, name: Sales}]
connections:
  - {name: warehouse, platform: PostgreSQL, urlEnv: MARKETPLACE_CONNECTION_WAREHOUSE}
users:
  - {id: 1, globalUserId: 1b4e28ba-2fa1-11d2-883f-0016d3cca427, username: casey, name: Casey, accounts: {warehouse: casey_ro}}
  - {id: 2, globalUserId: 2b4e28ba-2fa1-11d2-883f-0016d3cca427, username: sam, name: Sam}
dataSources:
  - id: 1
    name: Customers
    domain: Sales
    platform: PostgreSQL
    schema: sales
    table: customers
    connection: warehouse
    columns:
      - {name: id, type: integer}
      - {name: email, type: text, globalMasking: Hashing}
      - {name: phone, type: text, localMasking: Nullify}
  - id: 2
    name: Orders
    domain: Sales
    platform: PostgreSQL
    schema: sales
    table: orders
    connection: warehouse
    columns: [{name: id, type: integer}, {name: total, type: numeric}]
  - {id: 3, name: Elsewhere, domain: Sales, platform: Snowflake, schema: s, table: t}
"#;

fn data(user_id: i64, data_source_id: i64) -> Access {
    Access {
        request_id: RequestId(format!("r{user_id}-{data_source_id}")),
        user_id,
        data_source_id,
        reach: Reach::Data,
    }
}

fn privileges(access: &[Access]) -> Vec<(String, String)> {
    let directory = parse_directory(WAREHOUSE).unwrap();
    let wanted = desired_privileges(&directory, access);
    assert!(wanted.keys().all(|connection| connection == "warehouse"));
    let describe = |privilege: &Privilege| {
        let on = match &privilege.target {
            Target::Schema { schema } => format!("USAGE {schema}"),
            Target::Table { schema, table } => format!("SELECT {schema}.{table}"),
            Target::Column { schema, table, column } => format!("SELECT ({column}) {schema}.{table}"),
        };
        (privilege.role.clone(), on)
    };
    wanted
        .values()
        .flat_map(|privileges| privileges.keys())
        .map(describe)
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(role, on)| (role.to_string(), on.to_string()))
        .collect()
}

#[test]
fn an_unmasked_table_is_read_whole_by_the_users_account() {
    assert_eq!(
        privileges(&[data(2, 2)]),
        pairs(&[("sam", "USAGE sales"), ("sam", "SELECT sales.orders")])
    );
}

#[test]
fn masked_columns_are_withheld_and_read_through_the_masked_view() {
    assert_eq!(
        privileges(&[data(1, 1)]),
        pairs(&[
            ("casey_ro", "USAGE sales"),
            ("casey_ro", "USAGE sales_masked"),
            ("casey_ro", "SELECT sales_masked.customers"),
            ("casey_ro", "SELECT (id) sales.customers"),
        ])
    );
    let directory = parse_directory(WAREHOUSE).unwrap();
    let view = masked_view(&directory.data_sources[&1]).unwrap();
    assert_eq!(view.view_schema, "sales_masked");
    assert_eq!(
        view.columns,
        vec![
            ("id".to_owned(), None),
            ("email".to_owned(), Some(Masking::Hash)),
            ("phone".to_owned(), Some(Masking::Null)),
        ]
    );
    assert_eq!(masked_view(&directory.data_sources[&2]), None);
}

#[test]
fn a_masking_exception_adds_exactly_its_raw_columns() {
    let exception = Access {
        request_id: RequestId("exception".into()),
        user_id: 1,
        data_source_id: 1,
        // `id` is not masked and `nope` does not exist: neither is granted through the exception.
        reach: Reach::RawColumns(["email", "id", "nope"].map(String::from).into()),
    };
    assert_eq!(
        privileges(std::slice::from_ref(&exception)),
        pairs(&[
            ("casey_ro", "USAGE sales"),
            ("casey_ro", "SELECT (email) sales.customers")
        ])
    );
    let with_data = privileges(&[data(1, 1), exception]);
    assert!(with_data.contains(&("casey_ro".into(), "SELECT (email) sales.customers".into())));
    assert!(!with_data.contains(&("casey_ro".into(), "SELECT (phone) sales.customers".into())));
}

#[test]
fn sources_without_a_connection_and_unknown_users_get_nothing() {
    assert_eq!(privileges(&[data(1, 3), data(9, 2), data(1, 9)]), pairs(&[]));
}
