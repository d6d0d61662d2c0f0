use crate::agreements::create_agreement;
use crate::forms::{create_form, sales_form};
use crate::helpers::*;
use crate::products::{product, publish};
use marketplace_domain::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const CASEY: &str = "4fc16ea8-7180-4d42-9e95-a06b1c2d3e45";
pub const RILEY: &str = "50d27fb9-8291-4e53-8fa6-b17c2d3e4f56";
const PURPOSE: &str = "0c4b9a52-0001-4c1e-9a51-6c2d7e8f9a01";
pub(crate) const TEAM: &str = "0c4b9a52-0002-4c1e-9a51-6c2d7e8f9a01";
const DURATION: &str = "0c4b9a52-0004-4c1e-9a51-6c2d7e8f9a01";

/// Publishes a Sales product whose form has `policy`, and returns (product id, agreement id).
pub async fn product_with_policy(app: &TestApp, dana: &str, name: &str, policy: Value) -> (String, String) {
    let terms = create_agreement(app, dana, &format!("{name} terms"), "No exports.").await;
    let agreement = terms["id"].as_str().unwrap().to_owned();
    let mut form = sales_form(&format!("{name} form"), &[agreement.as_str()]);
    form["policy"] = policy;
    let form = create_form(app, dana, &form).await;
    let mut body = product(name, SALES, &["1"]);
    body["dataAccessRequestFormId"] = form["id"].clone();
    let published = publish(app, dana, &body).await;
    (published["id"].as_str().unwrap().to_owned(), agreement)
}

/// Publishes a Sales product that the Sales Stewards review, as Dana; returns (product id, agreement id).
pub async fn stewarded_product(app: &TestApp, name: &str) -> (String, String) {
    let dana = app.token("dana").await;
    let stages = json!([{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]);
    product_with_policy(app, &dana, name, review(stages)).await
}

pub fn answers(team: &str, agreement: &str) -> Value {
    json!({"answers": [
        {"fieldId": PURPOSE, "value": "Quarterly churn report"},
        {"fieldId": TEAM, "value": team},
        {"fieldId": DURATION, "value": {"duration": 30, "durationUnit": "DAYS"}}],
        "acceptedDataUseAgreementIds": [agreement]})
}

pub fn review(stages: Value) -> Value {
    json!({"rules": [], "defaultEvent": {"type": "review", "params": {"stages": stages}}})
}

pub async fn submit(app: &TestApp, token: &str, product: &str, body: &Value, status: StatusCode) -> Value {
    let path = format!("/api/data-product/{product}/request");
    expect(app.post(&path).bearer_auth(token).json(body), status).await
}

pub async fn records(app: &TestApp, token: &str, request: &str) -> Vec<Value> {
    let path = format!("/api/access-request/{request}/records");
    let body = expect(app.get(&path).bearer_auth(token), StatusCode::OK).await;
    body["approvalRecords"].as_array().unwrap().clone()
}

pub async fn decide(app: &TestApp, token: &str, record: &Value, body: Value, status: StatusCode) -> Value {
    let path = format!("/api/approval-record/{}", record["id"].as_str().unwrap());
    expect(app.request(Method::PUT, &path).bearer_auth(token).json(&body), status).await
}

pub async fn request(app: &TestApp, token: &str, id: &str) -> Value {
    expect(
        app.get(&format!("/api/access-request/{id}")).bearer_auth(token),
        StatusCode::OK,
    )
    .await
}

/// `GET /api/access-request{suffix}`.
async fn search(app: &TestApp, token: &str, suffix: &str) -> Value {
    let path = format!("/api/access-request{suffix}");
    expect(app.get(&path).bearer_auth(token), StatusCode::OK).await
}

/// The request counts, which answer a `GOVERNANCE` search with no filter but status (in the tenant, or of one
/// product), agree with counting the requests (which a filter every request matches forces).
pub async fn assert_counts_agree(app: &TestApp, admin: &str, product: Option<&str>) {
    let scopes = std::iter::once("/api/access-request".to_owned())
        .chain(product.map(|id| format!("/api/data-product/{id}/request")));
    for scope in scopes {
        for status in ["", "PENDING", "APPROVED", "DENIED", "CANCELED", "REVOKED", "EXPIRED"] {
            let status = match status {
                "" => String::new(),
                status => format!("&status={status}"),
            };
            let counted = format!("{scope}?limit=1{status}");
            let counted = expect(app.get(&counted).bearer_auth(admin), StatusCode::OK).await;
            let scanned = format!("{scope}?limit=1{status}&assetType=DATA_PRODUCT,DATA_OBJECT");
            let scanned = expect(app.get(&scanned).bearer_auth(admin), StatusCode::OK).await;
            assert_eq!(counted["meta"], scanned["meta"], "{scope}{status}");
        }
    }
}

/// For searchers who see part of the tenant — a steward, a domain manager, requesters — in each role: the total
/// the kept counts give (no filter but status) agrees with counting the requests (a filter every request matches
/// forces that), and a page of one (read by walking the sort index and checking each row) starts where a page of
/// a hundred (read as a set and sorted) does.
pub async fn assert_visible_counts_agree(app: &TestApp) {
    for user in ["sam", "dana", "casey", "riley"] {
        let token = app.token(user).await;
        for role in [
            "",
            "&role=steward",
            "&role=manager",
            "&role=requestor",
            "&role=steward,requestor",
        ] {
            for status in ["", "&status=PENDING", "&status=APPROVED,DENIED", "&status=CANCELED"] {
                let path = format!("/api/access-request?limit=100{role}{status}");
                let counted = expect(app.get(&path).bearer_auth(&token), StatusCode::OK).await;
                let scanned = format!("{path}&assetType=DATA_PRODUCT,DATA_OBJECT");
                let scanned = expect(app.get(&scanned).bearer_auth(&token), StatusCode::OK).await;
                assert_eq!(
                    counted["meta"]["totalCount"], scanned["meta"]["totalCount"],
                    "{user}: {path}"
                );
                assert_eq!(ids(&counted), ids(&scanned), "{user}: {path}");
                let first = path.replace("limit=100", "limit=1");
                let first = expect(app.get(&first).bearer_auth(&token), StatusCode::OK).await;
                assert_eq!(
                    ids(&first),
                    ids(&counted).into_iter().take(1).collect::<Vec<_>>(),
                    "{user}: {path}"
                );
                assert_eq!(
                    first["meta"]["totalCount"], counted["meta"]["totalCount"],
                    "{user}: {path}"
                );
                assert_pages_agree(app, &token, &path, &counted).await;
            }
        }
    }
}

/// The page of 100 at `path` (newest first) against the same search read other ways: pages of two, oldest
/// first, and sorted on another column (so that another plan reads it).
async fn assert_pages_agree(app: &TestApp, token: &str, path: &str, page: &Value) {
    let all = ids(page);
    let created: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| request["createdAt"].as_str().unwrap())
        .collect();
    assert!(created.is_sorted_by(|a, b| a >= b), "newest first: {path}: {created:?}");
    let mut paged = Vec::new();
    for offset in (0..all.len().min(6)).step_by(2) {
        let two = path.replace("limit=100", &format!("limit=2&offset={offset}"));
        paged.extend(ids(&expect(app.get(&two).bearer_auth(token), StatusCode::OK).await));
    }
    assert_eq!(
        paged,
        all.iter().take(6).cloned().collect::<Vec<_>>(),
        "pages of two: {path}"
    );
    let oldest = expect(
        app.get(&format!("{path}&sortOrder=asc")).bearer_auth(token),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        ids(&oldest),
        all.iter().rev().cloned().collect::<Vec<_>>(),
        "oldest first: {path}"
    );
    let updated = expect(
        app.get(&format!("{path}&sortBy=updatedAt")).bearer_auth(token),
        StatusCode::OK,
    )
    .await;
    let (mut updated, mut all) = (ids(&updated), all);
    updated.sort();
    all.sort();
    assert_eq!(updated, all, "sorted by update: {path}");
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| request["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_request_passes_two_stages_and_its_temporary_access_expires() {
    let app = spawn_app().await;
    let (dana, casey, sam, admin, riley) = (
        app.token("dana").await,
        app.token("casey").await,
        app.token("sam").await,
        app.token("admin").await,
        app.token("riley").await,
    );
    let stages = json!([{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]},
                        {"any": [{"type": "PERMISSION", "permission": "GOVERNANCE"}]}]);
    let (product, agreement) = product_with_policy(&app, &dana, "Churn", review(stages)).await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let created = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["type"], "DATA_ACCESS");
    assert_eq!(created["requestingUser"]["username"], "casey");
    assert_eq!(created["user"]["globalUserId"], CASEY);
    assert_eq!(created["dataProduct"]["name"], "Churn");
    assert_eq!(created["form"]["acceptedDataUseAgreementIds"], json!([agreement]));
    assert!(
        created["formVersion"]
            .as_str()
            .is_some_and(|version| !version.is_empty())
    );

    // Someone with no part in it does not learn it exists.
    expect(
        app.get(&format!("/api/access-request/{id}")).bearer_auth(&riley),
        StatusCode::NOT_FOUND,
    )
    .await;
    let stage = records(&app, &sam, &id).await;
    assert_eq!(stage.len(), 2);
    assert_eq!(stage[0]["status"], "PENDING");
    assert_eq!(stage[1]["status"], "BLOCKED");
    assert_eq!(stage[1]["prerequisites"], json!([stage[0]["id"]]));
    assert_eq!(stage[0]["approverCriteriaMet"], Value::Null);

    let approve = json!({"status": "APPROVED", "reason": "Needed for the churn report"});
    let refused = decide(&app, &admin, &stage[1], approve.clone(), StatusCode::CONFLICT).await;
    assert_eq!(
        error_message(&refused, 409),
        "Only a pending approval record can be decided."
    );
    let refused = decide(&app, &casey, &stage[0], approve.clone(), StatusCode::FORBIDDEN).await;
    assert_eq!(
        error_message(&refused, 403),
        "Nobody may decide a request they made or that is for them."
    );
    let refused = decide(&app, &dana, &stage[0], approve.clone(), StatusCode::FORBIDDEN).await;
    assert_eq!(
        error_message(&refused, 403),
        "You are not an approver of this approval record."
    );
    let invalid = decide(
        &app,
        &sam,
        &stage[0],
        json!({"status": "PENDING", "duration": 0}),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&invalid, 400),
        json!([
            "status must be one of the following values: APPROVED, DENIED",
            "reason should not be empty",
            "duration must not be less than 1"
        ])
    );

    let temporary =
        json!({"status": "APPROVED", "reason": "One week is enough", "duration": 7.0, "durationUnit": "DAYS"});
    let decided = decide(&app, &sam, &stage[0], temporary, StatusCode::OK).await;
    assert_eq!(decided["status"], "APPROVED");
    assert_eq!(decided["actionBy"]["username"], "sam");
    assert_eq!(
        decided["approverCriteriaMet"],
        json!([{"type": "GROUP", "id": 1, "name": "Sales Stewards"}])
    );
    assert_eq!(
        (decided["duration"].clone(), decided["durationUnit"].clone()),
        (json!(7), json!("DAYS"))
    );
    let stage = records(&app, &admin, &id).await;
    assert_eq!(stage[1]["status"], "PENDING", "the second stage opens");
    assert_eq!(
        ids(&search(&app, &sam, "?reviewStatus=reviewedByYou").await),
        vec![id.clone()]
    );
    assert!(ids(&search(&app, &sam, "?reviewStatus=awaitingReviewFromYou").await).is_empty());
    assert_eq!(
        ids(&search(&app, &admin, "?reviewStatus=awaitingReviewFromYou").await),
        vec![id.clone()]
    );
    assert_eq!(request(&app, &casey, &id).await["status"], "PENDING");

    decide(&app, &admin, &stage[1], approve, StatusCode::OK).await;
    let approved = request(&app, &casey, &id).await;
    assert_eq!(approved["status"], "APPROVED");
    let expiration = Timestamp::parse(approved["expiration"].as_str().unwrap()).unwrap();
    let decided_at = Timestamp::parse(decided["updatedAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        expiration,
        decided_at.plus_seconds(7 * 24 * 3600),
        "sam's temporary approval ends it"
    );
    let seen = expect(
        app.get(&format!("/api/data-product/{product}")).bearer_auth(&casey),
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["status"], "APPROVED");

    assert_eq!(
        marketplace_server::jobs::expire_due(&app.state).await.unwrap(),
        0,
        "not yet"
    );
    app.state.app.clock().advance(8 * 24 * 3600);
    assert_eq!(marketplace_server::jobs::expire_due(&app.state).await.unwrap(), 1);
    assert_eq!(
        marketplace_server::jobs::expire_due(&app.state).await.unwrap(),
        0,
        "each request expires once"
    );
    assert_eq!(request(&app, &casey, &id).await["status"], "EXPIRED");
    assert_counts_agree(&app, &app.token("admin").await, Some(&product)).await;
    assert_visible_counts_agree(&app).await;
}

#[tokio::test]
async fn submissions_are_checked_against_the_form_and_the_product() {
    let app = spawn_app().await;
    let (dana, casey) = (app.token("dana").await, app.token("casey").await);
    let stages = json!([{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]);
    let (product, agreement) = product_with_policy(&app, &dana, "Orders", review(stages)).await;

    let missing = json!({"user": CASEY, "form": {"answers": [{"fieldId": TEAM, "value": "Legal"}]}});
    let refused = submit(&app, &casey, &product, &missing, StatusCode::BAD_REQUEST).await;
    let problems = error_message(&refused, 400);
    let problems: Vec<&str> = problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(problems[0].contains("\"What will you use the data for?\" must be answered"));
    assert!(problems[1].contains("`Legal` is not one of the options"));
    assert!(problems[2].contains(DURATION));
    assert!(problems[3].contains("data use agreement \"Orders terms\""));

    let stranger = json!({"user": "00000000-0000-4000-8000-000000000000", "form": answers("Marketing", &agreement)});
    let refused = submit(&app, &casey, &product, &stranger, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        error_message(&refused, 400),
        json!(["user: no user has the global user id 00000000-0000-4000-8000-000000000000"])
    );

    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let first = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    let again = submit(&app, &casey, &product, &body, StatusCode::CONFLICT).await;
    assert_eq!(
        error_message(&again, 409),
        "The user already has a pending request of this type for it."
    );
    // A request for someone else: the requester is the caller, the user the one who would get access.
    let for_riley = json!({"user": RILEY, "form": answers("Finance", &agreement)});
    let other = submit(&app, &casey, &product, &for_riley, StatusCode::CREATED).await;
    assert_eq!(
        (
            other["requestingUser"]["username"].clone(),
            other["user"]["username"].clone()
        ),
        (json!("casey"), json!("riley"))
    );
    assert_eq!(
        request(&app, &casey, other["id"].as_str().unwrap()).await,
        other,
        "read back, it shows both users, with their attributes, as it did when made"
    );

    // Only the requester or the user may cancel, and only while it is pending.
    let path = format!("/api/access-request/{}", first["id"].as_str().unwrap());
    let refused = expect(app.delete(&path).bearer_auth(&dana), StatusCode::FORBIDDEN).await;
    assert_eq!(
        error_message(&refused, 403),
        "Only the requester or the user it is for may cancel an access request."
    );
    expect(app.delete(&path).bearer_auth(&casey), StatusCode::NO_CONTENT).await;
    assert_eq!(
        request(&app, &casey, first["id"].as_str().unwrap()).await["status"],
        "CANCELED"
    );
    let records = records(&app, &dana, first["id"].as_str().unwrap()).await;
    assert_eq!(records[0]["status"], "CANCELED", "the cancel cascades to its records");
    let refused = expect(app.delete(&path).bearer_auth(&casey), StatusCode::CONFLICT).await;
    assert_eq!(
        error_message(&refused, 409),
        "Only a pending access request can be canceled; this one is CANCELED."
    );

    let product_path = format!("/api/data-product/{product}");
    expect(
        app.request(Method::PUT, &product_path)
            .bearer_auth(&dana)
            .json(&json!({"suspended": true})),
        StatusCode::OK,
    )
    .await;
    let refused = submit(&app, &casey, &product, &body, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        error_message(&refused, 400),
        "The data product is suspended and does not accept access requests."
    );
    expect(app.delete(&product_path).bearer_auth(&dana), StatusCode::OK).await;
    submit(&app, &casey, &product, &body, StatusCode::NOT_FOUND).await;
    let canceled = request(&app, &casey, other["id"].as_str().unwrap()).await;
    assert_eq!(
        canceled["status"], "CANCELED",
        "deleting the product cancels its pending requests"
    );
}
