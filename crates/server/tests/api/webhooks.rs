//! Webhooks: each event reaches a receiver once as a signed CloudEvent, also with two instances; failures are
//! retried with backoff for a day, then the webhook is suppressed; a receiver that never answers holds up nobody.

use crate::helpers::*;
use crate::metrics::{sample, scrape};
use crate::requests::{CASEY, answers, decide, records, stewarded_product, submit};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use hmac::{Hmac, Mac};
use marketplace_server::jobs::send_notifications;
use marketplace_server::webhook_delivery::deliver_webhooks;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

const WEBHOOKS: &str = "/api/notification/webhook";

/// What a receiver does with a post.
#[derive(Clone, Copy)]
pub(crate) enum Behaviour {
    /// Fails (500) this many posts, then answers 200.
    FailFirst(usize),
    /// Never answers.
    Hang,
}

/// A post as received: its signature header and its body.
type Post = (Option<String>, String);

/// A local HTTP receiver started by the test: it keeps every post.
pub(crate) struct Receiver {
    pub(crate) url: String,
    posts: Arc<Mutex<Vec<Post>>>,
}

impl Receiver {
    pub(crate) async fn start(behaviour: Behaviour) -> Receiver {
        let posts: Arc<Mutex<Vec<Post>>> = Arc::default();
        let kept = posts.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let kept = kept.clone();
                async move {
                    let signature = headers
                        .get("Marketplace-Signature")
                        .map(|value| value.to_str().unwrap().to_owned());
                    let seen = {
                        let mut posts = kept.lock().unwrap();
                        posts.push((signature, body));
                        posts.len()
                    };
                    match behaviour {
                        Behaviour::FailFirst(failures) if seen <= failures => AxumStatus::INTERNAL_SERVER_ERROR,
                        Behaviour::FailFirst(_) => AxumStatus::OK,
                        Behaviour::Hang => {
                            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                            AxumStatus::OK
                        }
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, posts }
    }

    pub(crate) fn documents(&self) -> Vec<Value> {
        let posts = self.posts.lock().unwrap();
        posts
            .iter()
            .map(|(_, body)| serde_json::from_str(body).unwrap())
            .collect()
    }
}

async fn create_webhook(app: &TestApp, admin: &str, body: &Value) -> Value {
    expect(app.post(WEBHOOKS).bearer_auth(admin).json(body), StatusCode::OK).await
}

async fn history(app: &TestApp, admin: &str, webhook: &Value) -> Vec<Value> {
    let path = format!("{WEBHOOKS}/{}/history?limit=100", webhook["id"].as_str().unwrap());
    let page = expect(app.get(&path).bearer_auth(admin), StatusCode::OK).await;
    page["data"].as_array().unwrap().clone()
}

/// A product reviewed by the Sales Stewards: its id and its agreement.
async fn a_product(app: &TestApp, name: &str) -> (String, String) {
    stewarded_product(app, name).await
}

/// Casey's request for the product.
async fn casey_requests(app: &TestApp, (product, agreement): &(String, String)) -> Value {
    let casey = app.token("casey").await;
    let body = json!({"user": CASEY, "form": answers("Marketing", agreement)});
    submit(app, &casey, product, &body, StatusCode::CREATED).await
}

/// A product, and Casey's request for it.
async fn a_request(app: &TestApp, name: &str) -> Value {
    let product = a_product(app, name).await;
    casey_requests(app, &product).await
}

#[tokio::test]
async fn each_event_reaches_the_receiver_once_signed_also_with_two_instances() {
    let app = spawn_app().await;
    let second = app.another_instance().await;
    let (admin, sam) = (app.token("admin").await, app.token("sam").await);
    let receiver = Receiver::start(Behaviour::FailFirst(0)).await;
    let hook = create_webhook(&app, &admin, &json!({"url": receiver.url, "signingKey": "s3cret"})).await;
    assert_eq!(
        (
            hook["signingKey"].clone(),
            hook["verifyTls"].clone(),
            hook["suppressed"].clone()
        ),
        (json!(true), json!(true), json!(false))
    );

    let request = a_request(&app, "Churn").await;
    let record = records(&app, &sam, request["id"].as_str().unwrap()).await.remove(0);
    decide(
        &app,
        &sam,
        &record,
        json!({"status": "APPROVED", "reason": "ok"}),
        StatusCode::OK,
    )
    .await;
    let (a, b) = tokio::join!(send_notifications(&app.state), send_notifications(&second.state));
    assert_eq!(a.unwrap() + b.unwrap(), 3);
    let (a, b) = tokio::join!(deliver_webhooks(&app.state), deliver_webhooks(&second.state));
    assert_eq!(a.unwrap() + b.unwrap(), 3, "one attempt per event");
    assert_eq!(deliver_webhooks(&app.state).await.unwrap(), 0);

    let mut documents = receiver.documents();
    let types: Vec<&str> = documents
        .iter()
        .map(|document| document["type"].as_str().unwrap())
        .collect();
    let expected = ["published", "submitted", "approved"];
    assert_eq!(
        types,
        expected.map(|happened| match happened {
            "published" => "marketplace.data_product.published".to_owned(),
            other => format!("marketplace.access_request.{other}"),
        })
    );
    assert_eq!(documents[0]["data"]["name"], "Churn");
    assert_eq!(
        documents[0]["subject"],
        format!("data-products/{}", documents[0]["data"]["id"].as_str().unwrap())
    );
    documents.remove(0);
    let subject = format!("access-requests/{}", request["id"].as_str().unwrap());
    for document in &documents {
        assert_eq!(document["specversion"], "1.0");
        assert_eq!(document["source"], "/marketplace/demo");
        assert_eq!(document["subject"], subject.as_str());
        assert!(document["time"].is_string() && document["id"].is_string());
        assert_eq!(document["data"]["user"]["username"], "casey");
    }
    assert_ne!(documents[0]["id"], documents[1]["id"]);
    assert_eq!(documents[1]["data"]["status"], "APPROVED");
    for (signature, body) in receiver.posts.lock().unwrap().iter() {
        let signature = signature.as_deref().expect("signed");
        let (t, v1) = signature.split_once(",v1=").unwrap();
        let t = t.strip_prefix("t=").unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(format!("{t}.{body}").as_bytes());
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(v1, expected);
    }
    let attempts = history(&app, &admin, &hook).await;
    assert_eq!(attempts.len(), 3);
    assert!(
        attempts
            .iter()
            .all(|attempt| attempt["status"] == "SUCCESS" && attempt["httpStatusCode"] == 200)
    );
}

#[tokio::test]
async fn failures_are_retried_with_backoff_for_a_day_then_the_webhook_is_suppressed() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let churn = a_product(&app, "Churn").await;
    send_notifications(&app.state).await.unwrap();
    let flaky = Receiver::start(Behaviour::FailFirst(2)).await;
    let hook = create_webhook(&app, &admin, &json!({"url": flaky.url})).await;
    casey_requests(&app, &churn).await;
    send_notifications(&app.state).await.unwrap();
    assert_eq!(deliver_webhooks(&app.state).await.unwrap(), 1);
    assert_eq!(deliver_webhooks(&app.state).await.unwrap(), 0, "not due again yet");
    app.state.app.clock().advance(30);
    assert_eq!(deliver_webhooks(&app.state).await.unwrap(), 1);
    app.state.app.clock().advance(60);
    assert_eq!(deliver_webhooks(&app.state).await.unwrap(), 1);
    let documents = flaky.documents();
    assert_eq!(documents.len(), 3);
    assert!(
        documents.iter().all(|document| document["id"] == documents[0]["id"]),
        "the same event each time"
    );
    // Counted for operators too (the counters are the process's, shared with the other tests: at least these).
    let metrics = scrape(&app).await;
    for (outcome, least) in [("failed", 2.0), ("delivered", 1.0)] {
        let series = format!(r#"marketplace_webhook_attempts_total{{outcome="{outcome}"}}"#);
        assert!(sample(&metrics, &series) >= least, "{series}");
    }
    let attempts = history(&app, &admin, &hook).await;
    let outcomes: Vec<(Value, Value)> = attempts
        .iter()
        .map(|attempt| (attempt["status"].clone(), attempt["httpStatusCode"].clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (json!("SUCCESS"), json!(200)),
            (json!("FAILED"), json!(500)),
            (json!("FAILED"), json!(500))
        ]
    );

    // A receiver that keeps failing: retried until a day has passed, then failed, and the webhook suppressed.
    let broken = Receiver::start(Behaviour::FailFirst(usize::MAX)).await;
    let path = format!("{WEBHOOKS}/{}", hook["id"].as_str().unwrap());
    expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&admin)
            .json(&json!({"url": broken.url})),
        StatusCode::OK,
    )
    .await;
    a_request(&app, "Returns").await;
    send_notifications(&app.state).await.unwrap();
    let mut tries = 0;
    for _ in 0..60 {
        tries += deliver_webhooks(&app.state).await.unwrap();
        app.state.app.clock().advance(3600);
    }
    assert!(tries > 20, "retried through the day: {tries}");
    assert_eq!(deliver_webhooks(&app.state).await.unwrap(), 0, "failed for good");
    let suppressed = expect(app.get(&path).bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(suppressed["suppressed"], true);
    a_request(&app, "Stores").await;
    send_notifications(&app.state).await.unwrap();
    assert_eq!(
        deliver_webhooks(&app.state).await.unwrap(),
        0,
        "a suppressed webhook gets nothing new"
    );
    let saved = expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&admin)
            .json(&json!({"verifyTls": false})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (saved["suppressed"].clone(), saved["verifyTls"].clone()),
        (json!(false), json!(false))
    );
}

#[tokio::test]
async fn a_receiver_that_never_answers_holds_up_nobody() {
    let app = spawn_app().await;
    let admin = app.token("admin").await;
    let silent = Receiver::start(Behaviour::Hang).await;
    let prompt = Receiver::start(Behaviour::FailFirst(0)).await;
    let churn = a_product(&app, "Churn").await;
    send_notifications(&app.state).await.unwrap();
    let silent_hook = create_webhook(&app, &admin, &json!({"url": silent.url})).await;
    create_webhook(&app, &admin, &json!({"url": prompt.url})).await;
    casey_requests(&app, &churn).await;
    send_notifications(&app.state).await.unwrap();
    assert_eq!(deliver_webhooks(&app.state).await.unwrap(), 2);
    assert_eq!(prompt.documents().len(), 1);
    let attempts = history(&app, &admin, &silent_hook).await;
    assert_eq!(attempts[0]["message"], "no answer within 10 s");
    assert_eq!(attempts[0]["httpStatusCode"], 0);
}

#[tokio::test]
async fn webhooks_are_managed_and_tested_by_application_admins_only() {
    let app = spawn_app().await;
    let (admin, casey) = (app.token("admin").await, app.token("casey").await);
    let receiver = Receiver::start(Behaviour::FailFirst(0)).await;
    expect(app.get(WEBHOOKS).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    expect(
        app.post(WEBHOOKS)
            .bearer_auth(&casey)
            .json(&json!({"url": receiver.url})),
        StatusCode::FORBIDDEN,
    )
    .await;
    for bad in [
        json!({"url": "ftp://example.com"}),
        json!({"url": "not a url"}),
        json!({}),
        json!({"url": receiver.url, "x": 1}),
    ] {
        expect(
            app.post(WEBHOOKS).bearer_auth(&admin).json(&bad),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let hook = create_webhook(&app, &admin, &json!({"url": receiver.url, "verifyTls": false})).await;
    assert_eq!(hook["signingKey"], false);
    let listed = expect(app.get(WEBHOOKS).bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(listed, json!([hook]));
    let path = format!("{WEBHOOKS}/{}", hook["id"].as_str().unwrap());
    let keyed = expect(
        app.request(Method::PUT, &path)
            .bearer_auth(&admin)
            .json(&json!({"signingKey": "k"})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(keyed["signingKey"], true);
    assert!(!keyed.to_string().contains("\"k\""), "the key is never returned");

    let tested = expect(app.post(&format!("{path}/test")).bearer_auth(&admin), StatusCode::OK).await;
    assert_eq!(tested, json!({"status": "SUCCESS", "httpStatusCode": 200}));
    assert_eq!(receiver.documents()[0]["type"], "marketplace.webhook.test");
    assert!(
        receiver.posts.lock().unwrap()[0].0.is_some(),
        "signed with the saved key"
    );
    assert_eq!(
        history(&app, &admin, &hook).await.len(),
        1,
        "a test is part of the history"
    );
    let closed = "http://127.0.0.1:9/hook";
    let unreachable = expect(
        app.post(&format!("{WEBHOOKS}/test"))
            .bearer_auth(&admin)
            .json(&json!({"url": closed})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (unreachable["status"].clone(), unreachable["httpStatusCode"].clone()),
        (json!("FAILED"), json!(0))
    );
    assert!(
        unreachable["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("could not post")
    );

    let slack = expect(
        app.get("/api/notification/slack/configuration").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(slack, json!({"isConfigured": false, "configuration": {}}));
    let slack_test = expect(
        app.get("/api/notification/slack/test").bearer_auth(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(slack_test["isValid"], false);
    assert!(
        slack_test["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Slack is not configured")
    );
    expect(
        app.get("/api/notification/slack/configuration").bearer_auth(&casey),
        StatusCode::FORBIDDEN,
    )
    .await;

    expect(app.delete(&path).bearer_auth(&casey), StatusCode::FORBIDDEN).await;
    expect(app.delete(&path).bearer_auth(&admin), StatusCode::NO_CONTENT).await;
    expect(app.get(&path).bearer_auth(&admin), StatusCode::NOT_FOUND).await;
    expect(
        app.get(&format!("{WEBHOOKS}/not-a-uuid")).bearer_auth(&admin),
        StatusCode::NOT_FOUND,
    )
    .await;
}
