//! Masking exceptions: only masked columns of the product's sources, kept as they were asked for, and held by
//! the user once approved.

use crate::agreements::create_agreement;
use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use crate::products::{product, publish};
use crate::requests::{CASEY, answers, decide, records};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_masking_exception_names_masked_columns_and_grants_exactly_those() {
    let app = spawn_app().await;
    let (dana, casey, sam, admin, riley) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
        app.token("admin").await,
        app.token("riley").await,
    );
    let terms = create_agreement(&app, &dana, "Unmasking terms", "Look, do not copy.").await;
    let agreement = terms["id"].as_str().unwrap().to_owned();
    let form = create_form(&app, &dana, &sales_form("Unmasking", &[agreement.as_str()])).await;
    let mut body = product("Customer contacts", SALES, &["3"]);
    body["maskingExceptionRequestFormId"] = form["id"].clone();
    let product = publish(&app, &dana, &body).await;
    let path = format!(
        "/api/data-product/{}/request/masking-exception",
        product["id"].as_str().unwrap()
    );

    let columns = json!([{"columnName": "city", "sourceId": "3"}, {"columnName": "email", "sourceId": "6"},
                         {"columnName": "email", "sourceId": "x"}]);
    let refused = expect(
        app.post(&path)
            .bearer_auth(&casey)
            .json(&json!({"user": CASEY, "form": answers("Marketing", &agreement), "columns": columns})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&refused, 400),
        json!(["columns[2].sourceId `x` is not a data source id"])
    );
    let columns = json!([{"columnName": "city", "sourceId": "3"}, {"columnName": "email", "sourceId": "6"}]);
    let refused = expect(
        app.post(&path)
            .bearer_auth(&casey)
            .json(&json!({"user": CASEY, "form": answers("Marketing", &agreement), "columns": columns})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&refused, 400),
        json!([
            "columns[0]: `city` is not a masked column of data source 3 in this data product",
            "columns[1]: `email` is not a masked column of data source 6 in this data product"
        ])
    );
    let empty = json!({"user": CASEY, "form": answers("Marketing", &agreement), "columns": []});
    expect(
        app.post(&path).bearer_auth(&casey).json(&empty),
        StatusCode::BAD_REQUEST,
    )
    .await;

    let columns = json!([{"columnName": "email", "sourceId": "3"}, {"columnName": "phone", "sourceId": 3}]);
    let ask = json!({"user": CASEY, "form": answers("Marketing", &agreement), "columns": columns});
    expect(app.post(&path).bearer_auth(&casey).json(&ask), StatusCode::BAD_REQUEST).await;
    let columns = json!([{"columnName": "email", "sourceId": "3"}, {"columnName": "phone", "sourceId": "3"}]);
    let ask = json!({"user": CASEY, "form": answers("Marketing", &agreement), "columns": columns});
    let created = expect(app.post(&path).bearer_auth(&casey).json(&ask), StatusCode::CREATED).await;
    assert_eq!(
        (created["type"].clone(), created["status"].clone()),
        (json!("MASKING_EXCEPTION"), json!("PENDING"))
    );
    let id = created["id"].as_str().unwrap();

    let listed = expect(
        app.get(&format!("/api/access-request/{id}/masking-exception-columns?limit=1"))
            .bearer_auth(&sam),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listed["data"],
        json!([{"name": "email", "sourceId": "3", "sourceName": "Customers", "tags": ["PII.Email"], "type": "Snowflake",
                "globalPolicyInfo": {"maskingType": "Hashing", "matchingTag": null, "matchingRegex": null}}])
    );
    assert_eq!(
        (
            listed["meta"]["totalCount"].clone(),
            listed["meta"]["totalPages"].clone()
        ),
        (json!(2), json!(2))
    );

    let held = "/api/access-request/approved-masking-exception-columns";
    let none = expect(
        app.get(&format!("{held}?userId={CASEY}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(none, json!([]), "nothing until approved");
    let record = records(&app, &sam, id).await.remove(0);
    decide(
        &app,
        &sam,
        &record,
        json!({"status": "APPROVED", "reason": "Campaign QA"}),
        StatusCode::OK,
    )
    .await;
    let granted = expect(
        app.get(&format!("{held}?userId={CASEY}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        granted,
        json!([{"columnName": "email", "sourceId": "3"}, {"columnName": "phone", "sourceId": "3"}])
    );
    let same = expect(
        app.get(&format!("{held}?userId={CASEY}")).bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(same, granted, "GOVERNANCE may look");
    let refused = expect(
        app.get(&format!("{held}?userId={CASEY}")).bearer_auth(&riley),
        StatusCode::FORBIDDEN,
    )
    .await;
    error_message(&refused, 403);
    let refused = expect(
        app.get(&format!("{held}?userId=casey")).bearer_auth(&casey),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&refused, 400),
        json!(["userId `casey` must be a global user id"])
    );
}
