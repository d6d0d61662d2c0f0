//! Property: walking every page of a list, by offset or by cursor, meets every item exactly once and in order,
//! for any number of items and any page size, and the last page says it is the last.

use crate::helpers::*;
use crate::products::{product, publish};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Extra data sources in Sales: `Extra 01` … `Extra 30` (ids 101 …), with 0 to 3 columns each.
const EXTRA: usize = 30;
const COLUMNS: [&str; 3] = ["amount", "email", "id"];

fn with_extra_sources() -> String {
    let mut yaml = DEMO.to_owned();
    for n in 1..=EXTRA {
        yaml.push_str(&format!(
            "  - id: {}\n    name: Extra {n:02}\n    domain: Sales\n    platform: Snowflake\n    columns: [{}]\n",
            100 + n,
            COLUMNS[..n % 4]
                .iter()
                .map(|name| format!("{{name: {name}, type: varchar}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    yaml
}

/// Walks an offset-paginated list `limit` at a time: the items' `key`s, checking each page's `meta` on the way.
async fn walk_offsets(app: &TestApp, token: &str, path: &str, limit: u64, key: fn(&Value) -> String) -> Vec<String> {
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = format!("{path}{separator}offset={offset}&limit={limit}");
        let page = expect(app.get(&url).bearer_auth(token), StatusCode::OK).await;
        let (data, meta) = (page["data"].as_array().unwrap(), &page["meta"]);
        let total = meta["totalCount"].as_u64().unwrap();
        assert_eq!(meta["pageCount"], data.len(), "{url}: {meta}");
        assert_eq!(meta["currentPage"], offset / limit + 1, "{url}: {meta}");
        assert_eq!(meta["totalPages"], total.div_ceil(limit), "{url}: {meta}");
        seen.extend(data.iter().map(key));
        let last = meta["currentPage"] == meta["totalPages"];
        assert_eq!(last, total > 0 && seen.len() as u64 == total, "{url}: {meta}");
        if last || total == 0 {
            assert_eq!(seen.len() as u64, total, "{url}");
            return seen;
        }
        assert_eq!(data.len() as u64, limit, "{url}: a page before the last is full");
        offset += limit;
    }
}

/// Walks a cursor-paginated list `limit` at a time: the items' `key`s.
async fn walk_cursor(app: &TestApp, token: &str, path: &str, limit: u64, key: fn(&Value) -> String) -> Vec<String> {
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{separator}limit={limit}");
        if let Some(token) = &next {
            url.push_str(&format!("&nextToken={token}"));
        }
        let page = expect(app.get(&url).bearer_auth(token), StatusCode::OK).await;
        let data = page["data"].as_array().unwrap();
        assert!(data.len() as u64 <= limit, "{url}");
        seen.extend(data.iter().map(key));
        match page["meta"]["nextToken"].as_str() {
            Some(token) => {
                assert_eq!(data.len() as u64, limit, "{url}: a page before the last is full");
                next = Some(token.to_owned());
            }
            None => return seen,
        }
    }
}

fn name(item: &Value) -> String {
    item["name"].as_str().unwrap().to_owned()
}

fn source_id(item: &Value) -> String {
    item["sourceId"].as_str().unwrap().to_owned()
}

fn data_source_id(item: &Value) -> String {
    item["dataSourceId"].to_string()
}

fn column(item: &Value) -> String {
    format!(
        "{}/{}",
        item["name"].as_str().unwrap(),
        item["sourceId"].as_str().unwrap()
    )
}

#[test]
fn every_page_walk_meets_every_item_once_in_order() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(async {
        let app = spawn_app().await;
        app.import(&with_extra_sources()).await;
        app
    });
    let dana = runtime.block_on(app.token("dana"));
    let fran = runtime.block_on(app.token("fran"));
    let casey = runtime.block_on(app.token("casey"));
    let counter = AtomicUsize::new(0);
    // Every product the cases published, by name (lowercase letters and digits, which every collation sorts
    // alike), and whether it is in Sales, which Dana manages.
    let published = std::sync::Mutex::new(BTreeMap::new());
    let strategy = (
        prop::collection::btree_map("[a-y0-9]{0,5}", any::<bool>(), 0..14),
        prop::collection::btree_set(1..=EXTRA, 0..EXTRA),
        1u64..16,
        prop::sample::select(vec!["", "extra", "extra 1", "EXTRA 2", "nothing"]),
    );
    let mut runner = TestRunner::new(cases(10));
    let outcome = runner.run(&strategy, |(suffixes, sources, limit, search)| {
        let case = counter.fetch_add(1, Ordering::SeqCst);
        runtime.block_on(async {
            // Products of this case, told apart from the others' by a name part no other name contains.
            let names: Vec<String> = suffixes.keys().map(|suffix| format!("z{case}z{suffix}")).collect();
            for (name, in_sales) in names.iter().zip(suffixes.values()) {
                let (token, domain) = if *in_sales { (&dana, SALES) } else { (&fran, FINANCE) };
                publish(&app, token, &product(name, domain, &[])).await;
                published.lock().unwrap().insert(name.clone(), *in_sales);
            }
            let filter = format!("/api/data-product?nameFilter=z{case}z");
            prop_assert_eq!(&walk_cursor(&app, &casey, &filter, limit, name).await, &names);
            let mut reversed = names.clone();
            reversed.reverse();
            let descending = format!("{filter}&sortOrder=desc");
            prop_assert_eq!(walk_cursor(&app, &casey, &descending, limit, name).await, reversed);

            // All products, and those the caller manages (filtered a batch at a time, past the first batch).
            let (all, managed): (Vec<String>, Vec<String>) = {
                let published = published.lock().unwrap();
                let managed = published
                    .iter()
                    .filter(|(_, in_sales)| **in_sales)
                    .map(|(name, _)| name.clone());
                (published.keys().cloned().collect(), managed.collect())
            };
            prop_assert_eq!(walk_cursor(&app, &casey, "/api/data-product", limit, name).await, all);
            let path = "/api/data-product?roleFilter=manager";
            prop_assert_eq!(walk_cursor(&app, &dana, path, limit, name).await, managed);

            // A product's data sources, by id.
            let chosen: Vec<String> = sources.iter().map(|n| (100 + n).to_string()).collect();
            let refs: Vec<&str> = chosen.iter().map(String::as_str).collect();
            let sourced = publish(&app, &dana, &product(&format!("s{case}s"), SALES, &refs)).await;
            published.lock().unwrap().insert(format!("s{case}s"), true);
            let id = sourced["id"].as_str().unwrap();
            let path = format!("/api/data-product/{id}/datasources");
            let mut by_id = chosen.clone();
            by_id.sort_by_key(|id| id.parse::<i64>().unwrap());
            prop_assert_eq!(walk_cursor(&app, &casey, &path, limit, source_id).await, by_id);

            // Its columns, by offset, ordered by name and then data source.
            let mut columns: Vec<(String, i64)> = sources
                .iter()
                .flat_map(|n| {
                    COLUMNS[..n % 4]
                        .iter()
                        .map(move |name| ((*name).to_owned(), 100 + *n as i64))
                })
                .collect();
            columns.sort();
            let columns: Vec<String> = columns.into_iter().map(|(name, id)| format!("{name}/{id}")).collect();
            let path = format!("/api/data-product/{id}/columns");
            prop_assert_eq!(walk_offsets(&app, &casey, &path, limit, column).await, columns);

            // A domain's data sources, by offset, ordered by id.
            let path = format!("/api/metadata/domain/{SALES}/datasources?searchText={search}");
            let walked = walk_offsets(&app, &casey, &path, limit, data_source_id).await;
            let whole = walk_offsets(&app, &casey, &path, 1000, data_source_id).await;
            prop_assert_eq!(&walked, &whole);
            let ids: Vec<i64> = walked.iter().map(|id| id.parse().unwrap()).collect();
            prop_assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{:?}", ids);
            let extra = ids.iter().filter(|id| **id > 100).count();
            let expected = (1..=EXTRA)
                .filter(|n| format!("extra {n:02}").contains(&search.to_lowercase()))
                .count();
            prop_assert_eq!(extra, expected);
            Ok(())
        })
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
