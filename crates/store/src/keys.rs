use crate::schema::SigningKeys;
use crate::{Store, StoreError};
use marketplace_domain::Timestamp;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

/// A key that signs this deployment's tokens. Kept in the database so that every instance verifies what any
/// instance signed; `kid` in a token's header names the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    pub secret: Vec<u8>,
    pub created_at: Timestamp,
}

impl Store {
    /// The newest key, which signs new tokens.
    pub async fn newest_signing_key(&self) -> Result<Option<SigningKey>, StoreError> {
        let query = Query::select()
            .columns([SigningKeys::Kid, SigningKeys::Secret, SigningKeys::CreatedAt])
            .from(SigningKeys::Table)
            .order_by(SigningKeys::CreatedAt, Order::Desc)
            .order_by(SigningKeys::Kid, Order::Desc)
            .limit(1)
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| {
            Ok(SigningKey {
                kid: row.get(0)?,
                secret: row.get(1)?,
                created_at: row.get(2)?,
            })
        })
        .transpose()
    }

    pub async fn signing_key(&self, kid: &str) -> Result<Option<SigningKey>, StoreError> {
        let query = Query::select()
            .columns([SigningKeys::Secret, SigningKeys::CreatedAt])
            .from(SigningKeys::Table)
            .and_where(Expr::col(SigningKeys::Kid).eq(kid))
            .take();
        let row = self.backend.read().await?.query_opt(&query).await?;
        row.map(|row| {
            Ok(SigningKey {
                kid: kid.to_owned(),
                secret: row.get(0)?,
                created_at: row.get(1)?,
            })
        })
        .transpose()
    }

    /// Stores a key; a key with the same `kid` already stored is kept as it is.
    pub async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        let insert = Query::insert()
            .into_table(SigningKeys::Table)
            .columns([SigningKeys::Kid, SigningKeys::Secret, SigningKeys::CreatedAt])
            .values_panic([
                key.kid.clone().into(),
                key.secret.clone().into(),
                key.created_at.millis().into(),
            ])
            .on_conflict(OnConflict::column(SigningKeys::Kid).do_nothing().to_owned())
            .take();
        let mut tx = self.backend.begin().await?;
        tx.execute(&insert).await?;
        tx.commit().await
    }
}
