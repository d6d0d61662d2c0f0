//! The reference servers of the load benchmark (`scripts/bench.py`): what the same machine does with no
//! marketplace in the way, so that every figure the benchmark prints has a limit beside it.
//!
//! - `bare`: axum answering `GET /<name>` with the JSON in `<body-dir>/<name>.json` (what the marketplace
//!   answered to the request measured under that name).
//! - `hs256`: the same, after checking an HS256 bearer token — authentication at its cheapest.
//! - `insert-sqlite`: each POST inserts its body as one row, one transaction, SQLite in WAL mode with
//!   `synchronous=FULL` (what the marketplace runs with by default).
//! - `insert-postgres`: the same into PostgreSQL, through a pool of 16 connections.

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::{Parser, Subcommand};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Parser)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Answers `GET /<name>` with `<body-dir>/<name>.json`.
    Bare {
        #[arg(long)]
        body_dir: PathBuf,
    },
    /// Checks `Authorization: Bearer <HS256 JWT>` signed with the secret, then answers like `bare`.
    Hs256 {
        #[arg(long)]
        body_dir: PathBuf,
        #[arg(long)]
        secret: String,
    },
    /// Inserts each POST's body as one row into a SQLite file (WAL, synchronous=FULL).
    InsertSqlite {
        #[arg(long)]
        path: PathBuf,
    },
    /// Inserts each POST's body as one row into PostgreSQL.
    InsertPostgres {
        #[arg(long)]
        url: String,
    },
}

#[derive(Clone)]
struct Fixed {
    bodies: Arc<HashMap<String, Bytes>>,
    key: Option<Arc<(DecodingKey, Validation)>>,
}

#[derive(serde::Deserialize)]
struct Claims {
    #[allow(
        dead_code,
        reason = "decoded so that the check reads the claim, as a real server would"
    )]
    sub: String,
}

async fn answer(State(fixed): State<Fixed>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    if let Some(key) = &fixed.key {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        let valid = token.is_some_and(|token| jsonwebtoken::decode::<Claims>(token, &key.0, &key.1).is_ok());
        if !valid {
            return StatusCode::UNAUTHORIZED.into_response();
        }
    }
    match fixed.bodies.get(&name) {
        Some(body) => ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

fn inserted(id: i64) -> Response {
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"id\":{id}}}"),
    )
        .into_response()
}

fn failed(error: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
}

async fn insert_sqlite(State(connection): State<Arc<Mutex<rusqlite::Connection>>>, body: Bytes) -> Response {
    // The commit waits for the disk: off the async workers, as a careful server does it.
    let outcome = tokio::task::spawn_blocking(move || {
        let connection = connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        connection.execute(
            "INSERT INTO requests (body, created_at) VALUES (?1, ?2)",
            (String::from_utf8_lossy(&body), now_millis()),
        )?;
        Ok::<_, rusqlite::Error>(connection.last_insert_rowid())
    })
    .await;
    match outcome {
        Ok(Ok(id)) => inserted(id),
        Ok(Err(error)) => failed(error),
        Err(error) => failed(error),
    }
}

async fn insert_postgres(State(pool): State<deadpool_postgres::Pool>, body: Bytes) -> Response {
    let client = match pool.get().await {
        Ok(client) => client,
        Err(error) => return failed(error),
    };
    let text = String::from_utf8_lossy(&body);
    match client
        .query_one(
            "INSERT INTO requests (body, created_at) VALUES ($1, $2) RETURNING id",
            &[&text.as_ref(), &now_millis()],
        )
        .await
    {
        Ok(row) => inserted(row.get(0)),
        Err(error) => failed(error),
    }
}

fn sqlite(path: &PathBuf) -> anyhow::Result<Router> {
    let connection = rusqlite::Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)",
    )?;
    Ok(Router::new()
        .route("/insert", post(insert_sqlite))
        .with_state(Arc::new(Mutex::new(connection))))
}

async fn postgres(url: &str) -> anyhow::Result<Router> {
    let config: tokio_postgres::Config = url.parse().context("the PostgreSQL URL")?;
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    let pool = deadpool_postgres::Pool::builder(manager).max_size(16).build()?;
    pool.get()
        .await?
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS requests (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, created_at BIGINT NOT NULL)",
        )
        .await?;
    Ok(Router::new().route("/insert", post(insert_postgres)).with_state(pool))
}

fn answering(dir: &PathBuf, key: Option<(DecodingKey, Validation)>) -> anyhow::Result<Router> {
    let mut bodies = HashMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if let Some(name) = path.file_name().and_then(|name| name.to_str()?.strip_suffix(".json")) {
            bodies.insert(name.to_owned(), Bytes::from(std::fs::read(&path)?));
        }
    }
    let fixed = Fixed {
        bodies: Arc::new(bodies),
        key: key.map(Arc::new),
    };
    Ok(Router::new().route("/{name}", get(answer)).with_state(fixed))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let router = match &cli.mode {
        Mode::Bare { body_dir } => answering(body_dir, None)?,
        Mode::Hs256 { body_dir, secret } => {
            let validation = Validation::new(Algorithm::HS256);
            answering(
                body_dir,
                Some((DecodingKey::from_secret(secret.as_bytes()), validation)),
            )?
        }
        Mode::InsertSqlite { path } => sqlite(path)?,
        Mode::InsertPostgres { url } => postgres(url).await?,
    };
    let listener = tokio::net::TcpListener::bind(&cli.listen).await?;
    // The benchmark reads the port from this line.
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}
