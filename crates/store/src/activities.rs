//! Storage for the activity use cases beyond plain CRUD: counting a lead's contacts, handing a
//! record to another owner, and how much open work each user carries.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::Val;
use crate::{Store, StoreError, StoreResult, Tx, args};

/// Tables whose records can change hands (the owner column), by record type.
fn owned_table(record_type: &str) -> Option<&'static str> {
    Some(match record_type {
        "contact" => "contacts",
        "company" => "companies",
        "lead" => "leads",
        "deal" => "deals",
        "activity" => "activities",
        _ => return None,
    })
}

#[derive(Debug, sqlx::FromRow)]
struct OwnerCount {
    owner_id: Uuid,
    n: i64,
}

impl Store {
    /// A call with the lead was logged: one more contact, and the first one's time if unset.
    pub async fn count_lead_contact(
        &self,
        tx: &mut Tx,
        lead_id: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        tx.execute(
            "UPDATE leads SET contact_count = contact_count + 1, \
             first_contact_at = COALESCE(first_contact_at, $2), updated_at = $3 WHERE id = $1",
            args![lead_id, at, Utc::now()],
        )
        .await?;
        Ok(())
    }

    /// Gives one record (contact, company, lead, deal or activity) to another owner.
    pub async fn set_owner(
        &self,
        tx: &mut Tx,
        record_type: &str,
        id: Uuid,
        owner: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let table = owned_table(record_type).ok_or(StoreError::NotFound)?;
        let n = tx
            .execute(
                format!("UPDATE {table} SET owner_id = $1, updated_at = $2 WHERE id = $3"),
                args![owner, now, id],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// How many open (not done, not deleted) activities each of `users` has; users with none
    /// are absent from the answer.
    pub async fn open_activity_counts(&self, users: &[Uuid]) -> StoreResult<Vec<(Uuid, i64)>> {
        if users.is_empty() {
            return Ok(vec![]);
        }
        let ps: Vec<String> = (1..=users.len()).map(|i| format!("${i}")).collect();
        let vals: Vec<Val> = users.iter().map(|u| Val::from(*u)).collect();
        let rows: Vec<OwnerCount> = self
            .db
            .fetch_all(
                format!(
                    "SELECT owner_id, COUNT(*) AS n FROM activities WHERE done_at IS NULL \
                     AND deleted_at IS NULL AND owner_id IN ({}) GROUP BY owner_id",
                    ps.join(", ")
                ),
                vals,
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.owner_id, r.n)).collect())
    }
}
