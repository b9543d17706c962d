//! Saved views and bulk actions, shared by the contact, company, lead and deal lists.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use peyvand_services::ServiceError;
use peyvand_services::sales::views::{self, Bulk};
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use super::records::Pairs;
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;

fn base_of(record_type: &str) -> &'static str {
    match record_type {
        "company" => "/companies",
        "lead" => "/leads",
        "deal" => "/deals/list",
        _ => "/contacts",
    }
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    shared: Option<String>,
}

pub async fn save(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Form(f): Form<SaveForm>,
) -> PageResult {
    match views::save(
        &state.store,
        &me.ctx(),
        &me.actor,
        &f.record_type,
        &f.name,
        &f.query,
        f.shared.is_some(),
    )
    .await
    {
        Ok(v) => {
            Ok(Redirect::to(&format!("{}?{}", base_of(&v.record_type), v.query)).into_response())
        }
        // An empty name: back to the list as it was, saying what is missing.
        Err(ServiceError::Validation(_)) => {
            let sep = if f.query.is_empty() { "" } else { "&" };
            Ok(Redirect::to(&format!(
                "{}?{}{sep}done=noname",
                base_of(&f.record_type),
                f.query
            ))
            .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let v = views::delete(&state.store, &me.ctx(), &me.actor, id).await?;
    Ok(Redirect::to(base_of(&v.record_type)).into_response())
}

/// Only local list pages are returned to after a bulk action.
fn safe_back(back: &str, base: &str) -> String {
    if back.starts_with(base) && !back.contains("//") {
        back.to_owned()
    } else {
        base.to_owned()
    }
}

async fn bulk(
    state: &AppState,
    me: &Authed,
    record_type: &str,
    pairs: Vec<(String, String)>,
) -> PageResult {
    let base = base_of(record_type);
    let f = Pairs(pairs);
    let ids: Vec<Uuid> = f
        .all("ids")
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
    let action = match f.get("action").as_deref() {
        Some("assign") => Bulk::Assign(
            f.get("owner_id")
                .and_then(|s| Uuid::parse_str(&s).ok())
                .ok_or(PageError::NotFound)?,
        ),
        Some("tag") => Bulk::AddTag(f.get("tag").unwrap_or_default()),
        Some("delete") => Bulk::Delete,
        _ => return Err(PageError::NotFound),
    };
    let back = safe_back(&f.get("back").unwrap_or_default(), base);
    let sep = if back.contains('?') { '&' } else { '?' };
    if ids.is_empty() {
        return Ok(Redirect::to(&format!("{back}{sep}done=none")).into_response());
    }
    match views::bulk(
        &state.store,
        &me.ctx(),
        &me.actor,
        record_type,
        &ids,
        &action,
    )
    .await
    {
        Ok(r) => Ok(
            Redirect::to(&format!("{back}{sep}done={}-{}", r.changed, r.refused)).into_response(),
        ),
        Err(ServiceError::Validation(_)) => {
            Ok(Redirect::to(&format!("{back}{sep}done=0-{}", ids.len())).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn bulk_contacts(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    bulk(&state, &me, "contact", pairs).await
}

pub async fn bulk_companies(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    bulk(&state, &me, "company", pairs).await
}

pub async fn bulk_leads(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    bulk(&state, &me, "lead", pairs).await
}

pub async fn bulk_deals(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    bulk(&state, &me, "deal", pairs).await
}
