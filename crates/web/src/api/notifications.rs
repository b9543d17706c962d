//! The caller's own notifications: list, mark one read, mark all read. Nobody reaches another
//! user's notifications (they are "not found").

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use peyvand_services::notifications;
use peyvand_store::NotificationRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{ApiError, ApiResult, path_id};
use crate::AppState;
use crate::auth::Authed;
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", post(read))
}

/// A notification with its text in the caller's language (times in their calendar and time
/// zone) and the structured data it was made from.
#[derive(Serialize)]
pub struct NotificationOut {
    id: Uuid,
    kind: String,
    record_type: String,
    record_id: Option<Uuid>,
    title: String,
    body: String,
    /// The page of the web UI it is about.
    link: Option<String>,
    data: Value,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

fn out(state: &AppState, me: &Authed, n: NotificationRecord) -> NotificationOut {
    let tr = Tr::new(state.catalogues.clone(), me.prefs.language);
    let r = crate::notifications::render(&tr, &me.prefs, &n);
    NotificationOut {
        id: n.id,
        kind: n.kind,
        record_type: n.record_type,
        record_id: n.record_id,
        title: r.title,
        body: r.body,
        link: r.link,
        data: n.data.0,
        created_at: n.created_at,
        read_at: n.read_at,
    }
}

#[derive(Serialize)]
pub struct ListOut {
    data: Vec<NotificationOut>,
    next_cursor: Option<String>,
    unread_count: i64,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListParams {
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    me: Authed,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<ListOut>> {
    let params: ListParams =
        serde_urlencoded::from_str(q.as_deref().unwrap_or("")).map_err(|e| ApiError {
            detail: Some(e.to_string()),
            ..ApiError::field("query", "query.invalid")
        })?;
    let unread_only = match params.unread.as_deref().unwrap_or("") {
        "" | "false" | "0" => false,
        "true" | "1" => true,
        _ => return Err(ApiError::field("unread", "filter.bad_value")),
    };
    let limit = match params.limit.as_deref().filter(|l| !l.is_empty()) {
        None => 50,
        Some(l) => l
            .parse::<i64>()
            .map_err(|_| ApiError::field("limit", "limit.invalid"))?,
    };
    let before = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            Some(Uuid::parse_str(c).map_err(|_| ApiError::field("cursor", "cursor.invalid"))?)
        }
    };
    let (rows, next) =
        notifications::list(&state.store, &me.actor, unread_only, before, limit).await?;
    let next_cursor = next.map(|id| id.to_string());
    let unread_count = notifications::unread_count(&state.store, &me.actor).await?;
    Ok(Json(ListOut {
        data: rows.into_iter().map(|n| out(&state, &me, n)).collect(),
        next_cursor,
        unread_count,
    }))
}

async fn read(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<NotificationOut>> {
    let n = notifications::mark_read(&state.store, &me.actor, path_id(&id)?).await?;
    Ok(Json(out(&state, &me, n)))
}

#[derive(Serialize)]
pub struct ReadAllOut {
    marked: u64,
}

async fn read_all(State(state): State<AppState>, me: Authed) -> ApiResult<Json<ReadAllOut>> {
    let marked = notifications::mark_all_read(&state.store, &me.actor).await?;
    Ok(Json(ReadAllOut { marked }))
}
