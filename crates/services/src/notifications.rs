//! In-app notifications (the bell) and the delivery of activity reminders.
//!
//! Delivery is a sweep, not a queue of timers: the background worker asks every few seconds for
//! armed reminders whose time has come (`activities.remind_at <= now`, `reminded_at IS NULL`,
//! open, not deleted) and delivers each in its own transaction: one conditional `UPDATE`
//! claims the reminder (sets `reminded_at`) and the notification is inserted with it. The
//! state lives in the database, so a restart loses nothing, a reminder missed while the server
//! was down goes out (once) when it is back, and several instances sweeping at the same time
//! cannot deliver one reminder twice. Editing the reminder or due time re-arms it
//! (`activities::update`); completing or deleting the activity keeps it from being claimed.

use chrono::{DateTime, Utc};
use peyvand_domain::access::Actor;
use peyvand_store::{ActivityRecord, Json, NotificationRecord, Store};
use serde_json::json;
use uuid::Uuid;

use crate::{ServiceError, ServiceResult};

/// The kind of a notification that reminds of an activity.
pub const ACTIVITY_REMINDER: &str = "activity_reminder";

/// How often the background worker sweeps for due reminders.
pub const SWEEP_EVERY_SECS: u64 = 20;

/// Reminders claimed per query; a sweep goes on until none is left (within `MAX_BATCHES`).
const BATCH: i64 = 200;
const MAX_BATCHES: usize = 50;

pub const MAX_PAGE: i64 = 200;

fn reminder_of(a: &ActivityRecord, now: DateTime<Utc>) -> NotificationRecord {
    NotificationRecord {
        id: Uuid::now_v7(),
        user_id: a.owner_id,
        kind: ACTIVITY_REMINDER.into(),
        record_type: "activity".into(),
        record_id: Some(a.id),
        // What the activity was when reminded; the text is rendered in the reader's language.
        data: Json(json!({
            "subject": a.subject,
            "activity_kind": a.kind,
            "due_at": a.due_at,
            "remind_at": a.remind_at,
        })),
        created_at: now,
        read_at: None,
    }
}

/// Delivers every reminder due at `now`; returns how many were delivered by this call.
/// Running it again (or on another instance at the same time) delivers nothing twice.
pub async fn sweep_reminders(store: &Store, now: DateTime<Utc>) -> ServiceResult<usize> {
    let mut sent = 0;
    for _ in 0..MAX_BATCHES {
        let due = store.due_reminders(now, BATCH).await?;
        let mut claimed = 0;
        for (id, remind_at) in &due {
            let mut tx = store.begin().await?;
            if let Some(a) = store.claim_reminder(&mut tx, *id, *remind_at, now).await? {
                store
                    .insert_notification(&mut tx, &reminder_of(&a, now))
                    .await?;
                claimed += 1;
            }
            tx.commit().await?;
        }
        sent += claimed;
        // Fewer than a batch: that was all. None claimed: others are on it.
        if (due.len() as i64) < BATCH || claimed == 0 {
            break;
        }
    }
    if sent > 0 {
        tracing::info!(sent, "activity reminders delivered");
    }
    Ok(sent)
}

/// A page of the actor's own notifications, newest first, and the cursor of the next page
/// (the id of the last one shown). Nobody reads another user's notifications.
pub async fn list(
    store: &Store,
    actor: &Actor,
    unread_only: bool,
    before: Option<Uuid>,
    limit: i64,
) -> ServiceResult<(Vec<NotificationRecord>, Option<Uuid>)> {
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ServiceError::Validation(vec![crate::FieldError::new(
            "limit",
            "limit.invalid",
        )]));
    }
    let mut rows = store
        .notifications_of(actor.user_id, unread_only, before, limit + 1)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|n| n.id)
    } else {
        None
    };
    Ok((rows, next))
}

pub async fn unread_count(store: &Store, actor: &Actor) -> ServiceResult<i64> {
    Ok(store.unread_notifications(actor.user_id).await?)
}

/// One of the actor's notifications; another user's is "not found".
pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<NotificationRecord> {
    store
        .notification_of(actor.user_id, id)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Marks one of the actor's notifications read; another user's is "not found".
pub async fn mark_read(
    store: &Store,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<NotificationRecord> {
    if !store
        .mark_notification_read(actor.user_id, id, Utc::now())
        .await?
    {
        return Err(ServiceError::NotFound);
    }
    get(store, actor, id).await
}

/// Marks all of the actor's notifications read; returns how many were unread.
pub async fn mark_all_read(store: &Store, actor: &Actor) -> ServiceResult<u64> {
    Ok(store
        .mark_all_notifications_read(actor.user_id, Utc::now())
        .await?)
}
