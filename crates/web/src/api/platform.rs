//! API endpoints of the platform: the caller, users, teams, roles and the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use peyvand_services::accounts::{self, NewUser, UserChanges};
use peyvand_services::audit;
use peyvand_store::{AuditQuery, RoleRecord, TeamRecord, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::{ApiError, ApiJson, ApiResult, ErrorBody, Page};
use crate::AppState;
use crate::auth::Authed;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[derive(OpenApi)]
#[openapi(
    info(title = "Peyvand CRM API", version = "1", description = "Authenticate with `Authorization: Bearer pvk_…` (create a key on your profile page or with `peyvand api-key create`). Errors share one shape (`ErrorBody`). Lists are keyset-paged: pass `next_cursor` back as `cursor`."),
    paths(me, list_users, create_user, get_user, update_user, list_teams, create_team, list_roles, list_audit),
    components(schemas(UserOut, NewUserIn, UserPatchIn, TeamOut, NewTeamIn, RoleOut, AuditOut, ErrorBody, super::ErrorDetail, super::FieldMessage)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi() -> impl IntoResponse {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    super::openapi_sales::add_paths(&mut doc);
    Json(doc)
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// Role key: admin, manager, sales, support, marketing or a custom one.
    pub role: String,
    pub active: bool,
    pub language: String,
    pub calendar: String,
    pub time_zone: String,
    pub digits: String,
    /// `rial` or `toman`: how the user reads IRR amounts.
    pub money_unit: String,
    pub team_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn user_out(state: &AppState, u: UserRecord, roles: &[RoleRecord]) -> ApiResult<UserOut> {
    let team_ids = state
        .store
        .user_team_ids(u.id)
        .await
        .map_err(peyvand_services::ServiceError::from)?;
    Ok(UserOut {
        role: roles
            .iter()
            .find(|r| r.id == u.role_id)
            .map(|r| r.key.clone())
            .unwrap_or_default(),
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        active: u.active,
        language: u.language,
        calendar: u.calendar,
        time_zone: u.time_zone,
        digits: u.digits,
        money_unit: u.money_unit,
        team_ids,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Page size, 1–200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Search text (Persian-normalised).
    pub q: Option<String>,
}

fn parse_limit(s: &Option<String>) -> ApiResult<i64> {
    match s.as_deref() {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::field("limit", "limit.invalid")),
        },
    }
}

fn parse_cursor(s: &Option<String>) -> ApiResult<Option<Uuid>> {
    match s.as_deref() {
        None | Some("") => Ok(None),
        Some(v) => Uuid::parse_str(v)
            .map(Some)
            .map_err(|_| ApiError::field("cursor", "cursor.invalid")),
    }
}

fn parse_path_id(s: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found"))
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = UserOut), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, me: Authed) -> ApiResult<Json<UserOut>> {
    let roles = accounts::list_roles(&state.store).await?;
    Ok(Json(user_out(&state, me.user, &roles).await?))
}

#[utoipa::path(get, path = "/api/v1/users", params(ListParams), responses((status = 200, body = Page<UserOut>), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    me: Authed,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<UserOut>>> {
    let limit = parse_limit(&p.limit)?;
    let after = parse_cursor(&p.cursor)?;
    let mut users =
        accounts::list_users(&state.store, &me.actor, p.q.as_deref(), after, limit + 1).await?;
    let next_cursor = if users.len() as i64 > limit {
        users.truncate(limit as usize);
        users.last().map(|u| u.id.to_string())
    } else {
        None
    };
    let roles = accounts::list_roles(&state.store).await?;
    let mut data = Vec::with_capacity(users.len());
    for u in users {
        data.push(user_out(&state, u, &roles).await?);
    }
    Ok(Json(Page { data, next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub email: String,
    pub display_name: String,
    /// At least 10 characters.
    pub password: String,
    pub role: String,
    /// fa (default) or en.
    pub language: Option<String>,
    #[serde(default)]
    pub team_ids: Vec<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserIn, responses((status = 201, body = UserOut), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(body): ApiJson<NewUserIn>,
) -> ApiResult<impl IntoResponse> {
    let input = NewUser {
        email: body.email,
        display_name: body.display_name,
        password: body.password,
        role: body.role,
        language: body.language,
        team_ids: body.team_ids,
    };
    let user = accounts::create_user(&state.store, &me.ctx(), Some(&me.actor), &input).await?;
    let roles = accounts::list_roles(&state.store).await?;
    Ok((
        StatusCode::CREATED,
        Json(user_out(&state, user, &roles).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = String, Path)), responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<UserOut>> {
    let id = parse_path_id(&id)?;
    let user = accounts::get_user(&state.store, &me.actor, id).await?;
    let roles = accounts::list_roles(&state.store).await?;
    Ok(Json(user_out(&state, user, &roles).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchIn {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Option<String>,
    /// false deactivates the account (its records are kept).
    pub active: Option<bool>,
    pub team_ids: Option<Vec<Uuid>>,
    pub password: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", params(("id" = String, Path)), request_body = UserPatchIn, responses((status = 200, body = UserOut), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserPatchIn>,
) -> ApiResult<Json<UserOut>> {
    let id = parse_path_id(&id)?;
    let changes = UserChanges {
        email: body.email,
        display_name: body.display_name,
        role: body.role,
        active: body.active,
        team_ids: body.team_ids,
        password: body.password,
    };
    let user = accounts::update_user(&state.store, &me.ctx(), &me.actor, id, &changes).await?;
    let roles = accounts::list_roles(&state.store).await?;
    Ok(Json(user_out(&state, user, &roles).await?))
}

#[derive(Serialize, ToSchema)]
pub struct TeamOut {
    pub id: Uuid,
    pub name: String,
    pub member_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

async fn team_out(state: &AppState, t: TeamRecord) -> ApiResult<TeamOut> {
    let member_ids = state
        .store
        .team_member_ids(t.id)
        .await
        .map_err(peyvand_services::ServiceError::from)?;
    Ok(TeamOut {
        id: t.id,
        name: t.name,
        member_ids,
        created_at: t.created_at,
    })
}

#[utoipa::path(get, path = "/api/v1/teams", responses((status = 200, body = Page<TeamOut>)))]
pub async fn list_teams(
    State(state): State<AppState>,
    me: Authed,
) -> ApiResult<Json<Page<TeamOut>>> {
    let mut data = vec![];
    for t in accounts::list_teams(&state.store, &me.actor).await? {
        data.push(team_out(&state, t).await?);
    }
    Ok(Json(Page {
        data,
        next_cursor: None,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeamIn {
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/teams", request_body = NewTeamIn, responses((status = 201, body = TeamOut), (status = 422, body = ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(body): ApiJson<NewTeamIn>,
) -> ApiResult<impl IntoResponse> {
    let team = accounts::create_team(&state.store, &me.ctx(), &me.actor, &body.name).await?;
    Ok((StatusCode::CREATED, Json(team_out(&state, team).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    pub id: Uuid,
    pub key: String,
    pub name_fa: String,
    pub name_en: String,
    pub builtin: bool,
    /// `{record_type: {action: scope}}` with scope none/own/team/all.
    #[schema(value_type = Object)]
    pub permissions: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/roles", responses((status = 200, body = Page<RoleOut>)))]
pub async fn list_roles(
    State(state): State<AppState>,
    me: Authed,
) -> ApiResult<Json<Page<RoleOut>>> {
    me.actor
        .require(
            peyvand_domain::access::RecordType::User,
            peyvand_domain::access::Action::Read,
        )
        .map_err(peyvand_services::ServiceError::from)?;
    let data = accounts::list_roles(&state.store)
        .await?
        .into_iter()
        .map(|r| RoleOut {
            id: r.id,
            key: r.key,
            name_fa: r.name_fa,
            name_en: r.name_en,
            builtin: r.builtin,
            permissions: serde_json::to_value(&r.permissions.0).unwrap_or_default(),
        })
        .collect();
    Ok(Json(Page {
        data,
        next_cursor: None,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor: String,
    pub via: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    /// `{field: [old, new]}`
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit-log", params(AuditParams), responses((status = 200, body = Page<AuditOut>), (status = 403, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    me: Authed,
    Query(p): Query<AuditParams>,
) -> ApiResult<Json<Page<AuditOut>>> {
    let limit = parse_limit(&p.limit)?;
    let q = AuditQuery {
        record_type: p.record_type.filter(|s| !s.is_empty()),
        record_id: p.record_id.filter(|s| !s.is_empty()),
        actor_user_id: None,
        before: parse_cursor(&p.cursor)?,
        limit: limit + 1,
    };
    let mut entries = audit::list(&state.store, &me.actor, &q).await?;
    let next_cursor = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id.to_string())
    } else {
        None
    };
    let data = entries
        .into_iter()
        .map(|e| AuditOut {
            id: e.id,
            at: e.at,
            actor_user_id: e.actor_user_id,
            actor: e.actor_label,
            via: e.via,
            action: e.action,
            record_type: e.record_type,
            record_id: e.record_id,
            changes: e.changes.0,
        })
        .collect();
    Ok(Json(Page { data, next_cursor }))
}
