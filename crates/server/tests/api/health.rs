use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn health_reports_the_database() {
    let app = spawn_app().await;
    let up = json!({"status": "ok", "info": {"database": {"status": "up"}}, "error": {}, "details": {"database": {"status": "up"}}});
    assert_eq!(expect(app.get("/health"), StatusCode::OK).await, up);
    assert_eq!(expect(app.get("/health/ready"), StatusCode::OK).await, up);
    assert_eq!(
        expect(app.get("/health/live"), StatusCode::OK).await,
        json!({"status": "ok", "info": {}, "error": {}, "details": {}})
    );
}

/// PostgreSQL can go away under a running server; readiness must then say so (an open SQLite file cannot).
#[tokio::test]
async fn readiness_is_503_when_the_database_is_unreachable() {
    let app = spawn_app().await;
    if !app.db.is_postgres() {
        return;
    }
    let server = std::env::var("MARKETPLACE_TEST_DATABASE_URL").unwrap();
    let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let name = app.db.url.rsplit('/').next().unwrap().to_owned();
    client
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();

    let down = expect(app.get("/health/ready"), StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(down["status"], "error");
    assert_eq!(down["error"]["database"]["status"], "down");
    assert_eq!(down["details"]["database"]["status"], "down");
    expect(app.get("/health"), StatusCode::SERVICE_UNAVAILABLE).await;
    expect(app.get("/health/live"), StatusCode::OK).await;
}
