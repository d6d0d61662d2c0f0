//! Clients that are slow, silent, careless or hostile: what the server allows them, and that every refusal
//! answers in the error shape.

use crate::helpers::*;
use crate::notifications::INBOX;
use crate::requests::{CASEY, answers, stewarded_product, submit};
use marketplace_server::app::HttpLimits;
use marketplace_server::jobs::send_notifications;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous: the limits under test are a second.
const PATIENCE: Duration = Duration::from_secs(15);

fn impatient(limits: &mut HttpLimits) {
    limits.connections.header_timeout = Duration::from_secs(1);
    limits.connections.keep_alive_timeout = Duration::from_secs(1);
    limits.connections.body_timeout = Duration::from_secs(1);
}

/// Sends `bytes` on a new connection and reads until the server closes it.
async fn exchange(app: &TestApp, bytes: &[u8]) -> String {
    let mut connection = TcpStream::connect(app.address).await.unwrap();
    connection.write_all(bytes).await.unwrap();
    read_to_close(&mut connection).await
}

async fn read_to_close(connection: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, connection.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection")
        .expect("read the answer");
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status and JSON body of a raw HTTP/1.1 answer.
fn parse(answer: &str) -> (u16, Value) {
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let status = head[9..12].parse().unwrap();
    (
        status,
        serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {answer}")),
    )
}

#[tokio::test]
async fn connections_waiting_on_their_client_are_closed_after_their_limits() {
    let app = spawn_app_with(|_, limits| impatient(limits)).await;
    let token = app.token("casey").await;

    assert_eq!(exchange(&app, b"").await, "", "a silent connection is closed");
    assert_eq!(
        exchange(&app, b"GET /marketplace/health HTTP/1.1\r\nHost: x\r\nX-Slow: ").await,
        "",
        "so is one whose head never ends"
    );
    let slow_body = format!(
        "POST /marketplace/api/auth/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"descr"
    );
    let (status, body) = parse(&exchange(&app, slow_body.as_bytes()).await);
    assert_eq!(status, 408);
    assert_eq!(body["message"], "The request body did not arrive in time.");
    // The same on a connection's later request, which the HTTP machinery reads.
    let mut connection = TcpStream::connect(app.address).await.unwrap();
    connection
        .write_all(b"GET /marketplace/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0; 512];
    let read = connection.read(&mut answer).await.unwrap();
    assert!(answer[..read].starts_with(b"HTTP/1.1 200 OK"));
    connection.write_all(slow_body.as_bytes()).await.unwrap();
    let (status, body) = parse(&read_to_close(&mut connection).await);
    assert_eq!((status, body["statusCode"].as_u64()), (408, Some(408)), "{body}");

    // A kept-alive connection answers requests until it has been idle too long.
    let mut connection = TcpStream::connect(app.address).await.unwrap();
    for _ in 0..2 {
        connection
            .write_all(b"GET /marketplace/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = [0; 512];
        let read = connection.read(&mut answer).await.unwrap();
        assert!(answer[..read].starts_with(b"HTTP/1.1 200 OK"));
    }
    assert!(read_to_close(&mut connection).await.is_empty());
    let tokens = expect(app.get("/api/auth/tokens").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(tokens.as_array().unwrap().len(), 1, "the slow body created nothing");
}

#[tokio::test]
async fn a_full_server_closes_the_connection_waiting_longest_to_serve_a_new_one() {
    let app = spawn_app_with(|_, limits| limits.connections.max_connections = 3).await;
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(TcpStream::connect(app.address).await.unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = expect(app.get("/health/live"), StatusCode::OK).await;
    assert_eq!(answer["status"], "ok");
    assert_eq!(
        read_to_close(&mut silent[0]).await,
        "",
        "the oldest silent connection made room"
    );
}

#[tokio::test]
async fn requests_the_http_stack_refuses_answer_in_the_error_shape() {
    let app = spawn_app().await;
    let long_uri = format!("GET /marketplace/{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let (status, body) = parse(&exchange(&app, long_uri.as_bytes()).await);
    assert_eq!((status, body["statusCode"].as_u64()), (431, Some(431)), "{body}");
    assert_eq!(body["error"], "Request Header Fields Too Large");

    let big_header = format!(
        "GET /marketplace/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        "t".repeat(3_000_000)
    );
    let (status, body) = parse(&exchange(&app, big_header.as_bytes()).await);
    assert_eq!((status, body["statusCode"].as_u64()), (431, Some(431)), "{body}");

    let (status, body) = parse(&exchange(&app, b"GET /marketplace/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n").await);
    assert_eq!((status, body["statusCode"].as_u64()), (400, Some(400)), "{body}");
    let (status, body) = parse(&exchange(&app, b"NOT HTTP AT ALL\r\n\r\n").await);
    assert_eq!((status, body["error"].as_str()), (400, Some("Bad Request")), "{body}");
}

#[tokio::test]
async fn text_with_nul_is_refused_naming_the_field_wherever_it_arrives() {
    let app = spawn_app().await;
    let token = app.token("admin").await;
    let refused = |field: &str| json!([format!("{field} must not contain the NUL character (\\u0000)")]);

    let answer = expect(
        app.get("/api/data-product?nameFilter=a%00b").bearer_auth(&token),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error_message(&answer, 400), refused("nameFilter"));
    let answer = expect(
        app.get("/api/data-use-agreement/a%00b").bearer_auth(&token),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error_message(&answer, 400), refused("id"));
    let answer = expect(
        app.post("/api/data-use-agreement")
            .bearer_auth(&token)
            .json(&json!({"name": "Terms\u{0}", "body": "Be nice."})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error_message(&answer, 400), refused("name"));
    let answer = expect(
        app.post("/api/auth/tokens")
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(r#"{"description": "fine", "nested": [{"x": "a\u0000"}]}"#),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error_message(&answer, 400), refused("nested[0].x"));
    // An escaped backslash before `u0000` is text, not NUL.
    expect(
        app.post("/api/data-use-agreement")
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(r#"{"name": "Slashes", "body": "C:\\u0000"}"#),
        StatusCode::CREATED,
    )
    .await;
    let agreements = expect(app.get("/api/data-use-agreement").bearer_auth(&token), StatusCode::OK).await;
    assert_eq!(
        agreements["meta"]["totalCount"], 1,
        "only the last agreement was created"
    );
}

#[tokio::test]
async fn unknown_body_fields_and_absurd_offsets_are_refused_naming_them() {
    let app = spawn_app().await;
    let token = app.token("admin").await;
    let answer = expect(
        app.post("/api/data-use-agreement")
            .bearer_auth(&token)
            .json(&json!({"name": "Terms", "body": "Be nice.", "bdoy": "typo"})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let message = error_message(&answer, 400)[0].as_str().unwrap().to_owned();
    assert!(message.contains("unknown field `bdoy`"), "{message}");

    let answer = expect(
        app.get("/api/data-use-agreement?offset=99999999999999999999999")
            .bearer_auth(&token),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        error_message(&answer, 400),
        json!(["offset must not be greater than 9223372036854775807"])
    );
}

#[tokio::test]
async fn inbox_links_are_absolute_under_the_public_url() {
    let app = spawn_app_with(|state, _| state.public_url = Some("https://data.example.com/".into())).await;
    let (casey, sam) = (app.token("casey").await, app.token("sam").await);
    let (product, agreement) = stewarded_product(&app, "Churn").await;
    let body = json!({"user": CASEY, "form": answers("Marketing", &agreement)});
    let request = submit(&app, &casey, &product, &body, StatusCode::CREATED).await;
    send_notifications(&app.state).await.unwrap();
    let page = expect(app.get(INBOX).bearer_auth(&sam), StatusCode::OK).await;
    assert_eq!(
        page["data"][0]["data"]["actionLink"],
        format!(
            "https://data.example.com/marketplace/requests/{}",
            request["id"].as_str().unwrap()
        )
    );
}
