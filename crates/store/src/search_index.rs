//! Rebuilding the stored `search_text` of contacts, companies, leads and deals, and the
//! `settings` table (migration 0013) where the database remembers which recipe built it.
//!
//! The services compute the text; this module only pages through the rows in id order and
//! writes back the texts that changed.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::Row;
use crate::query::Table;
use crate::sales::{COMPANIES, CONTACTS, DEALS, LEADS};
use crate::{CompanyRecord, ContactRecord, DealRecord, LeadRecord, Store, StoreResult, Tx, args};

/// A record type whose rows carry a `search_text`.
pub trait Searchable: Row {
    const TABLE: &'static Table;
    fn id(&self) -> Uuid;
}

macro_rules! searchable {
    ($rec:ty, $table:expr) => {
        impl Searchable for $rec {
            const TABLE: &'static Table = &$table;
            fn id(&self) -> Uuid {
                self.id
            }
        }
    };
}
searchable!(CompanyRecord, COMPANIES);
searchable!(ContactRecord, CONTACTS);
searchable!(LeadRecord, LEADS);
searchable!(DealRecord, DEALS);

/// A record with the search text stored for it.
#[derive(Clone, Debug)]
pub struct Indexed<T> {
    pub row: T,
    pub search_text: String,
}

impl<'r, T: sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    for Indexed<T>
{
    fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Indexed {
            row: T::from_row(row)?,
            search_text: row.try_get("search_text")?,
        })
    }
}

impl<'r, T: sqlx::FromRow<'r, sqlx::postgres::PgRow>> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    for Indexed<T>
{
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Indexed {
            row: T::from_row(row)?,
            search_text: row.try_get("search_text")?,
        })
    }
}

/// A record's search text as it was read (`old`) and as it should be (`new`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchTextChange {
    pub id: Uuid,
    pub old: String,
    pub new: String,
}

impl Store {
    /// Up to `limit` records with ids above `after` (from the first with `None`), in id order,
    /// deleted ones included, each with its stored search text: one keyset page of a reindex.
    pub async fn search_text_page<T: Searchable>(
        &self,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Indexed<T>>> {
        let table = T::TABLE;
        match after {
            Some(after) => {
                self.db
                    .fetch_all(
                        format!(
                            "SELECT {}, search_text FROM {} WHERE id > $1 ORDER BY id LIMIT $2",
                            table.select, table.name
                        ),
                        args![after, limit],
                    )
                    .await
            }
            None => {
                self.db
                    .fetch_all(
                        format!(
                            "SELECT {}, search_text FROM {} ORDER BY id LIMIT $1",
                            table.select, table.name
                        ),
                        args![limit],
                    )
                    .await
            }
        }
    }

    /// Writes each record's new search text if it still holds the text it was read with; a
    /// record saved in between already has its text from the running code and is left alone.
    /// Returns how many rows were rewritten. `updated_at` is not touched: the record did not
    /// change, only what the index holds of it.
    pub async fn replace_search_texts<T: Searchable>(
        &self,
        tx: &mut Tx,
        changes: &[SearchTextChange],
    ) -> StoreResult<u64> {
        let sql = format!(
            "UPDATE {} SET search_text = $1 WHERE id = $2 AND search_text = $3",
            T::TABLE.name
        );
        let mut written = 0;
        for c in changes {
            written += tx
                .execute(sql.clone(), args![c.new.clone(), c.id, c.old.clone()])
                .await?;
        }
        Ok(written)
    }

    // ---- settings ----

    /// The value stored under `key` in `settings`, if any.
    pub async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let row: Option<(String,)> = self
            .db
            .fetch_optional("SELECT value FROM settings WHERE key = $1", args![key])
            .await?;
        Ok(row.map(|(v,)| v))
    }

    /// Stores `value` under `key`, replacing what was there.
    pub async fn set_setting(
        &self,
        tx: &mut Tx,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            args![key, value, now],
        )
        .await?;
        Ok(())
    }
}
