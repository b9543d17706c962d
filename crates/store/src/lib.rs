//! Persistence for Peyvand: one interface over SQLite (embedded default) and PostgreSQL.
//!
//! Knows nothing of HTTP. Reads take `&Store`; writes take an open [`Tx`] so the layer above
//! can put a change and its audit entry in one transaction.
#![forbid(unsafe_code)]

pub mod activities;
pub mod backup;
pub mod db;
pub mod error;
pub mod imports;
pub mod jobs;
pub mod notifications;
pub mod platform;
pub mod query;
pub mod sales;
pub mod search_index;

pub use db::{Backend, Db, DbLocation, Tx, Val};
pub use error::{StoreError, StoreResult};
pub use imports::*;
pub use jobs::*;
pub use notifications::*;
pub use platform::*;
pub use sales::*;
pub use search_index::*;
pub use sqlx::types::Json;

/// The storage handle the services use.
#[derive(Clone, Debug)]
pub struct Store {
    pub db: Db,
}

impl Store {
    pub fn new(db: Db) -> Self {
        Store { db }
    }

    pub async fn begin(&self) -> StoreResult<Tx> {
        self.db.begin().await
    }
}
