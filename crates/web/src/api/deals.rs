//! API endpoints of pipelines, stages and deals.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use peyvand_domain::calendar::CalendarKind;
use peyvand_services::sales::deals::{self, Board, DealInput, DealView, StageChangeView};
use peyvand_services::sales::pipelines::{
    self, PipelineInput, PipelineView, StageInput, StageView,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiJson, ApiResult, Page, path_id};
use crate::AppState;
use crate::auth::Authed;

super::record_endpoints!(
    deals,
    DealInput,
    DealView,
    list_deals,
    get_deal,
    update_deal,
    delete_deal,
    restore_deal
);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pipelines", get(list_pipelines).post(create_pipeline))
        .route("/pipelines/{id}", patch(update_pipeline))
        .route("/pipelines/{id}/stages", post(add_stage))
        .route("/pipelines/{id}/board", get(board))
        .route("/stages/{id}", patch(update_stage).delete(delete_stage))
        .route("/deals", get(list_deals).post(create_deal))
        .route(
            "/deals/{id}",
            get(get_deal).patch(update_deal).delete(delete_deal),
        )
        .route("/deals/{id}/restore", post(restore_deal))
        .route("/deals/{id}/move", post(move_deal))
        .route("/deals/{id}/stage-history", get(stage_history))
}

async fn list_pipelines(
    State(state): State<AppState>,
    me: Authed,
) -> ApiResult<Json<Page<PipelineView>>> {
    let data = pipelines::list(&state.store, &me.actor).await?;
    Ok(Json(Page {
        data,
        next_cursor: None,
    }))
}

async fn create_pipeline(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(input): ApiJson<PipelineInput>,
) -> ApiResult<impl IntoResponse> {
    let p = pipelines::create(&state.store, &me.ctx(), &me.actor, &input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

async fn update_pipeline(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PipelineInput>,
) -> ApiResult<Json<PipelineView>> {
    let p = pipelines::update(&state.store, &me.ctx(), &me.actor, path_id(&id)?, &input).await?;
    Ok(Json(p))
}

async fn add_stage(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StageInput>,
) -> ApiResult<impl IntoResponse> {
    let s = pipelines::add_stage(&state.store, &me.ctx(), &me.actor, path_id(&id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

async fn update_stage(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StageInput>,
) -> ApiResult<Json<StageView>> {
    let s =
        pipelines::update_stage(&state.store, &me.ctx(), &me.actor, path_id(&id)?, &input).await?;
    Ok(Json(s))
}

async fn delete_stage(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    pipelines::delete_stage(&state.store, &me.ctx(), &me.actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn board(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Board>> {
    let (b, _) = deals::board(&state.store, &me.actor, Some(path_id(&id)?)).await?;
    Ok(Json(b))
}

async fn create_deal(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(input): ApiJson<DealInput>,
) -> ApiResult<impl IntoResponse> {
    // The API speaks ISO dates whatever the key owner's calendar.
    let d = deals::create(
        &state.store,
        &me.ctx(),
        &me.actor,
        &input,
        CalendarKind::Gregorian,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(DealView::from(&d))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    stage_id: Uuid,
    #[serde(default)]
    lost_reason: Option<String>,
}

async fn move_deal(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MoveInput>,
) -> ApiResult<Json<DealView>> {
    let d = deals::move_to_stage(
        &state.store,
        &me.ctx(),
        &me.actor,
        path_id(&id)?,
        input.stage_id,
        input.lost_reason,
    )
    .await?;
    Ok(Json(DealView::from(&d)))
}

async fn stage_history(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<StageChangeView>>> {
    let data = deals::stage_history(&state.store, &me.actor, path_id(&id)?).await?;
    Ok(Json(Page {
        data,
        next_cursor: None,
    }))
}
