//! The bell's page: the signed-in user's notifications, newest first, with "mark read" and
//! "mark all read"; and the middleware that counts the unread ones for the top bar.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use peyvand_services::notifications;
use serde::Deserialize;
use uuid::Uuid;

use super::{PageResult, html};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::page::{Page, Unread};

/// Counts the signed-in user's unread notifications for the bell of every page shown
/// (GET only: other requests redirect or answer in other ways).
pub async fn count_unread(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.method() == Method::GET
        && let Some(me) = req.extensions().get::<Authed>()
    {
        match notifications::unread_count(&state.store, &me.actor).await {
            Ok(n) => {
                req.extensions_mut().insert(Unread(n));
            }
            // The page still shows; only the count is missing.
            Err(e) => tracing::warn!(error = %e, "cannot count unread notifications"),
        }
    }
    next.run(req).await
}

pub struct Item {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    p: Page,
    items: Vec<Item>,
    unread_only: bool,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    unread: String,
    #[serde(default)]
    before: String,
}

const PER_PAGE: i64 = 50;

pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let unread_only = q.unread == "1";
    // A stale or mangled cursor starts from the newest.
    let before = Uuid::parse_str(q.before.trim()).ok();
    let (rows, more) =
        notifications::list(&state.store, &me.actor, unread_only, before, PER_PAGE).await?;
    let next = more.map(|last| {
        let last = last.to_string();
        let q = serde_urlencoded::to_string([
            ("unread", if unread_only { "1" } else { "" }),
            ("before", last.as_str()),
        ])
        .unwrap_or_default();
        format!("/notifications?{q}")
    });
    let items = rows
        .iter()
        .map(|n| {
            let r = crate::notifications::render(&p.tr, &p.prefs, n);
            Item {
                id: n.id,
                title: r.title,
                body: r.body,
                link: r.link,
                when: r.when,
                unread: n.read_at.is_none(),
            }
        })
        .collect();
    html(ListPage {
        items,
        unread_only,
        next,
        p: p.titled("notifications-title", "notifications"),
    })
}

pub async fn mark_read(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    notifications::mark_read(&state.store, &me.actor, id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

pub async fn mark_all_read(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
) -> PageResult {
    notifications::mark_all_read(&state.store, &me.actor).await?;
    Ok(Redirect::to("/notifications").into_response())
}
