//! In-app notifications (the bell) and the storage side of delivering activity reminders.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::sales::{ACTIVITIES, ActivityRecord};
use crate::{Store, StoreResult, Tx, args};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub record_type: String,
    pub record_id: Option<Uuid>,
    pub data: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

const NOTE_COLS: &str = "id, user_id, kind, record_type, record_id, data, created_at, read_at";

#[derive(Debug, sqlx::FromRow)]
struct Due {
    id: Uuid,
    remind_at: DateTime<Utc>,
}

#[derive(Debug, sqlx::FromRow)]
struct Count {
    n: i64,
}

impl Store {
    /// Armed reminders whose time has come (however long ago) on open, live activities:
    /// (activity id, reminder time), oldest first.
    pub async fn due_reminders(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
        let rows: Vec<Due> = self
            .db
            .fetch_all(
                "SELECT id, remind_at FROM activities WHERE reminded_at IS NULL AND done_at IS NULL \
                 AND deleted_at IS NULL AND remind_at IS NOT NULL AND remind_at <= $1 \
                 ORDER BY remind_at, id LIMIT $2",
                args![now, limit],
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.remind_at)).collect())
    }

    /// Marks one reminder delivered, if it still is armed, due at `remind_at` and its activity
    /// open and live; returns the activity as it is now, or `None` when another worker got
    /// there first or the activity changed meanwhile. One conditional statement: two workers
    /// (or a user's edit) racing on the same row cannot both win.
    pub async fn claim_reminder(
        &self,
        tx: &mut Tx,
        activity_id: Uuid,
        remind_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ActivityRecord>> {
        tx.fetch_optional(
            format!(
                "UPDATE activities SET reminded_at = $1 WHERE id = $2 AND remind_at = $3 \
                 AND reminded_at IS NULL AND done_at IS NULL AND deleted_at IS NULL \
                 RETURNING {}",
                ACTIVITIES.select
            ),
            args![now, activity_id, remind_at],
        )
        .await
    }

    /// Arms an activity's reminder again (its reminder or due time changed).
    pub async fn rearm_reminder(&self, tx: &mut Tx, activity_id: Uuid) -> StoreResult<()> {
        tx.execute(
            "UPDATE activities SET reminded_at = NULL WHERE id = $1",
            args![activity_id],
        )
        .await?;
        Ok(())
    }

    pub async fn insert_notification(
        &self,
        tx: &mut Tx,
        n: &NotificationRecord,
    ) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO notifications (id, user_id, kind, record_type, record_id, data, created_at, read_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![
                n.id,
                n.user_id,
                n.kind.clone(),
                n.record_type.clone(),
                n.record_id,
                n.data.0.clone(),
                n.created_at,
                n.read_at
            ],
        )
        .await?;
        Ok(())
    }

    /// One user's notifications, newest first; `before` is the id of the last one already
    /// shown (ids are time-ordered).
    pub async fn notifications_of(
        &self,
        user_id: Uuid,
        unread_only: bool,
        before: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<NotificationRecord>> {
        let unread = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        match before {
            Some(b) => {
                self.db
                    .fetch_all(
                        format!(
                            "SELECT {NOTE_COLS} FROM notifications WHERE user_id = $1{unread} \
                             AND id < $2 ORDER BY id DESC LIMIT $3"
                        ),
                        args![user_id, b, limit],
                    )
                    .await
            }
            None => {
                self.db
                    .fetch_all(
                        format!(
                            "SELECT {NOTE_COLS} FROM notifications WHERE user_id = $1{unread} \
                             ORDER BY id DESC LIMIT $2"
                        ),
                        args![user_id, limit],
                    )
                    .await
            }
        }
    }

    /// One notification, only if it belongs to `user_id`.
    pub async fn notification_of(
        &self,
        user_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<NotificationRecord>> {
        self.db
            .fetch_optional(
                format!("SELECT {NOTE_COLS} FROM notifications WHERE id = $1 AND user_id = $2"),
                args![id, user_id],
            )
            .await
    }

    pub async fn unread_notifications(&self, user_id: Uuid) -> StoreResult<i64> {
        let c: Count = self
            .db
            .fetch_one(
                "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL",
                args![user_id],
            )
            .await?;
        Ok(c.n)
    }

    /// Marks one of the user's notifications read (kept if already read); false when the
    /// user has no such notification.
    pub async fn mark_notification_read(
        &self,
        user_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let n = self
            .db
            .execute(
                "UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2",
                args![id, user_id, now],
            )
            .await?;
        Ok(n == 1)
    }

    /// Marks every unread notification of the user read; returns how many.
    pub async fn mark_all_notifications_read(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.db
            .execute(
                "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
                args![user_id, now],
            )
            .await
    }
}
