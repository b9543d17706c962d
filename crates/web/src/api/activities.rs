//! API endpoints of activities, «my day», referrals and reassignment.

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use peyvand_services::sales::activities::{self, ActivityInput, ActivityView, Locale};
use peyvand_services::sales::my_day;
use peyvand_services::sales::referrals::{self, ReferralInput};
use peyvand_store::ReferralRecord;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiError, ApiJson, ApiResult, Page, list_request, path_id};
use crate::AppState;
use crate::auth::Authed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list).post(create))
        .route("/activities/{id}", get(show).patch(update).delete(delete))
        .route("/activities/{id}/complete", post(complete))
        .route("/activities/{id}/reopen", post(reopen))
        .route("/my-day", get(day))
        .route("/referrals", get(trail).post(refer))
        .route("/users/{id}/reassign", post(reassign))
}

/// The API reads form-style dates (`due_date`) in ISO form and the key owner's time zone.
fn locale(me: &Authed) -> Locale {
    Locale {
        tz: me.prefs.time_zone,
        ..Locale::api()
    }
}

async fn list(
    State(state): State<AppState>,
    me: Authed,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Page<ActivityView>>> {
    let req = list_request(q.as_deref().unwrap_or(""))?;
    let page = activities::list(&state.store, &me.actor, &req).await?;
    Ok(Json(Page {
        data: page.rows.iter().map(ActivityView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

async fn create(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(input): ApiJson<ActivityInput>,
) -> ApiResult<impl IntoResponse> {
    let a = activities::create(&state.store, &me.ctx(), &me.actor, &input, locale(&me)).await?;
    Ok((StatusCode::CREATED, Json(ActivityView::from(&a))))
}

async fn show(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ActivityView>> {
    let a = activities::get(&state.store, &me.actor, path_id(&id)?).await?;
    Ok(Json(ActivityView::from(&a)))
}

async fn update(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActivityInput>,
) -> ApiResult<Json<ActivityView>> {
    let a = activities::update(
        &state.store,
        &me.ctx(),
        &me.actor,
        path_id(&id)?,
        &input,
        locale(&me),
    )
    .await?;
    Ok(Json(ActivityView::from(&a)))
}

async fn delete(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    activities::set_deleted(&state.store, &me.ctx(), &me.actor, path_id(&id)?, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    #[serde(default)]
    outcome: Option<String>,
}

async fn complete(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ActivityView>> {
    // The body is optional: `{"outcome": "connected"}` records how a call went.
    let input: CompleteInput = if body.iter().all(u8::is_ascii_whitespace) {
        CompleteInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError {
            detail: Some(e.to_string()),
            ..ApiError::field("body", "json.invalid")
        })?
    };
    let a = activities::complete(
        &state.store,
        &me.ctx(),
        &me.actor,
        path_id(&id)?,
        true,
        input.outcome.as_deref(),
    )
    .await?;
    Ok(Json(ActivityView::from(&a)))
}

async fn reopen(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ActivityView>> {
    let a = activities::complete(
        &state.store,
        &me.ctx(),
        &me.actor,
        path_id(&id)?,
        false,
        None,
    )
    .await?;
    Ok(Json(ActivityView::from(&a)))
}

#[derive(Deserialize, Default)]
pub struct DayParams {
    #[serde(default)]
    user: Option<String>,
}

#[derive(Serialize)]
pub struct StageOut {
    stage_id: Uuid,
    stage_name: String,
    deals: Vec<DealOut>,
    totals: Vec<TotalOut>,
}

#[derive(Serialize)]
pub struct DealOut {
    id: Uuid,
    title: String,
    amount_minor: i64,
    currency: String,
    expected_close_date: Option<chrono::NaiveDate>,
}

#[derive(Serialize)]
pub struct TotalOut {
    currency: String,
    amount_minor: i64,
}

#[derive(Serialize)]
pub struct DayOut {
    user_id: Uuid,
    day_start: DateTime<Utc>,
    overdue: Vec<ActivityView>,
    today: Vec<ActivityView>,
    upcoming_meetings: Vec<ActivityView>,
    deals_by_stage: Vec<StageOut>,
}

async fn day(
    State(state): State<AppState>,
    me: Authed,
    Query(p): Query<DayParams>,
) -> ApiResult<Json<DayOut>> {
    let user = match p.user.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => Uuid::parse_str(u).map_err(|_| ApiError::field("user", "uuid.invalid"))?,
        None => me.user.id,
    };
    let d = my_day::my_day(
        &state.store,
        &me.actor,
        user,
        Utc::now(),
        me.prefs.time_zone,
    )
    .await?;
    let views = |v: &[peyvand_store::ActivityRecord]| v.iter().map(ActivityView::from).collect();
    Ok(Json(DayOut {
        user_id: d.user_id,
        day_start: d.day_start,
        overdue: views(&d.overdue),
        today: views(&d.today),
        upcoming_meetings: views(&d.upcoming_meetings),
        deals_by_stage: d
            .deals_by_stage
            .into_iter()
            .map(|g| StageOut {
                stage_id: g.stage_id,
                stage_name: g.stage_name,
                deals: g
                    .deals
                    .into_iter()
                    .map(|d| DealOut {
                        id: d.id,
                        title: d.title,
                        amount_minor: d.amount_minor,
                        currency: d.currency,
                        expected_close_date: d.expected_close_date,
                    })
                    .collect(),
                totals: g
                    .totals
                    .into_iter()
                    .map(|(currency, amount_minor)| TotalOut {
                        currency,
                        amount_minor,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Serialize)]
pub struct ReferralOut {
    id: Uuid,
    record_type: String,
    record_id: Uuid,
    from_user_id: Option<Uuid>,
    to_user_id: Uuid,
    to_team_id: Option<Uuid>,
    comment: String,
    created_at: DateTime<Utc>,
}

impl From<ReferralRecord> for ReferralOut {
    fn from(r: ReferralRecord) -> Self {
        ReferralOut {
            id: r.id,
            record_type: r.record_type,
            record_id: r.record_id,
            from_user_id: r.from_user_id,
            to_user_id: r.to_user_id,
            to_team_id: r.to_team_id,
            comment: r.comment,
            created_at: r.created_at,
        }
    }
}

async fn refer(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(input): ApiJson<ReferralInput>,
) -> ApiResult<impl IntoResponse> {
    let r = referrals::refer(&state.store, &me.ctx(), &me.actor, &input).await?;
    Ok((StatusCode::CREATED, Json(ReferralOut::from(r))))
}

#[derive(Deserialize)]
pub struct TrailParams {
    record_type: String,
    record_id: String,
}

async fn trail(
    State(state): State<AppState>,
    me: Authed,
    Query(p): Query<TrailParams>,
) -> ApiResult<Json<Page<ReferralOut>>> {
    let id =
        Uuid::parse_str(&p.record_id).map_err(|_| ApiError::field("record_id", "uuid.invalid"))?;
    let rows = referrals::trail(&state.store, &me.actor, &p.record_type, id).await?;
    Ok(Json(Page {
        data: rows.into_iter().map(ReferralOut::from).collect(),
        next_cursor: None,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReassignInput {
    to_user_id: Uuid,
}

#[derive(Serialize)]
pub struct ReassignOut {
    moved: std::collections::BTreeMap<String, u64>,
}

async fn reassign(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReassignInput>,
) -> ApiResult<Json<ReassignOut>> {
    let moved = referrals::reassign_all(
        &state.store,
        &me.ctx(),
        &me.actor,
        path_id(&id)?,
        input.to_user_id,
    )
    .await?;
    Ok(Json(ReassignOut {
        moved: moved.into_iter().map(|(t, n)| (t.to_owned(), n)).collect(),
    }))
}
