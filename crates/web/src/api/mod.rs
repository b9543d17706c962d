//! The REST API under `/api/v1`: JSON in and out, bearer API keys, one error shape, keyset
//! pagination, and the OpenAPI document at `/api/v1/openapi.json`.

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use peyvand_domain::prefs::Language;
use peyvand_services::{FieldError, ServiceError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::i18n::Tr;

mod activities;
mod deals;
pub mod imports;
mod notifications;
mod openapi_sales;
mod platform;
mod sales;

pub use platform::ApiDoc;

pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .route("/me", get(platform::me))
        .route(
            "/users",
            get(platform::list_users).post(platform::create_user),
        )
        .route(
            "/users/{id}",
            get(platform::get_user).patch(platform::update_user),
        )
        .route(
            "/teams",
            get(platform::list_teams).post(platform::create_team),
        )
        .route("/roles", get(platform::list_roles))
        .route("/audit-log", get(platform::list_audit))
        .merge(sales::routes())
        .merge(deals::routes())
        .merge(activities::routes())
        .merge(imports::routes())
        .merge(notifications::routes())
        .route_layer(middleware::from_fn(crate::auth::require_api));
    Router::new()
        .route("/openapi.json", get(platform::openapi))
        .merge(protected)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found") })
        .layer(middleware::from_fn_with_state(state.clone(), translate))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::resolve,
        ))
        .with_state(state)
}

/// The one error shape of the API:
/// `{"error": {"code": "validation_failed", "message": "…", "fields": [{"field", "code", "message"}]}}`.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub fields: Vec<FieldError>,
    /// Extra detail for malformed JSON (the parser's own words, which name the field).
    pub detail: Option<String>,
    /// Existing records a new one resembles (code `duplicate`).
    pub duplicates: Vec<peyvand_services::Duplicate>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`, `forbidden`.
    pub code: String,
    /// Human-readable, in the caller's language.
    pub message: String,
    pub fields: Vec<FieldMessage>,
    /// With code `duplicate`: the existing records that match (send `allow_duplicate=true` to
    /// create anyway).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub duplicates: Vec<peyvand_services::Duplicate>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldMessage {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> ApiError {
        ApiError {
            status,
            code,
            fields: vec![],
            detail: None,
            duplicates: vec![],
        }
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }

    pub fn field(field: &str, code: &str) -> ApiError {
        ApiError {
            fields: vec![FieldError::new(field, code)],
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        }
    }

    fn body(&self, tr: &Tr) -> ErrorBody {
        let mut message = tr.t(&format!("api-error-{}", self.code.replace('_', "-")));
        if let Some(d) = &self.detail {
            message = format!("{message} ({d})");
        }
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message,
                fields: self
                    .fields
                    .iter()
                    .map(|f| FieldMessage {
                        field: f.field.clone(),
                        code: f.code.clone(),
                        message: tr.error(&f.code),
                    })
                    .collect(),
                duplicates: self.duplicates.clone(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The body is written by `translate`, which knows the caller's language.
        let mut res = self.status.into_response();
        res.extensions_mut().insert(self);
        res
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Validation(fields) => ApiError {
                fields,
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            },
            ServiceError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found"),
            ServiceError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden"),
            ServiceError::BadCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated")
            }
            ServiceError::TooManyAttempts => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
            }
            ServiceError::SetupDone => ApiError::new(StatusCode::CONFLICT, "conflict"),
            ServiceError::Duplicate(dups) => ApiError {
                duplicates: dups,
                ..ApiError::new(StatusCode::CONFLICT, "duplicate")
            },
            ServiceError::Store(e) => {
                tracing::error!(error = %e, "API request failed");
                ApiError::internal()
            }
        }
    }
}

fn caller_language(headers: &HeaderMap, authed: Option<&Authed>) -> Language {
    if let Some(a) = authed {
        return a.prefs.language;
    }
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.trim_start().to_ascii_lowercase().starts_with("fa") {
        Language::Fa
    } else {
        Language::En
    }
}

/// Writes the JSON body of an [`ApiError`] in the caller's language.
async fn translate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = caller_language(req.headers(), req.extensions().get::<Authed>());
    let res = next.run(req).await;
    let Some(err) = res.extensions().get::<ApiError>().cloned() else {
        return res;
    };
    let tr = Tr::new(state.catalogues.clone(), lang);
    (err.status, Json(err.body(&tr))).into_response()
}

/// JSON body extractor whose failures use the API's error shape and name the field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let text = rejection.body_text();
                let field = text
                    .split('`')
                    .nth(1)
                    .map(str::to_owned)
                    .unwrap_or_else(|| "body".to_owned());
                Err(ApiError {
                    fields: vec![FieldError::new(&field, "json.invalid")],
                    detail: Some(text),
                    ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
                })
            }
        }
    }
}

/// Reads list parameters from a query string: `q`, `sort` (`field` or `-field`), `cursor`,
/// `limit`, `deleted=true`, and filters as `filter[field][op]=value` (op: eq, ne, lt, le, gt,
/// ge, contains, empty, not_empty, has; custom fields as `custom.key`).
pub fn list_request(query: &str) -> Result<peyvand_services::sales::common::ListRequest, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| ApiError::field("query", "filter.bad_value"))?;
    let mut req = peyvand_services::sales::common::ListRequest::default();
    for (k, v) in pairs {
        match k.as_str() {
            "q" => req.q = Some(v),
            "sort" => req.sort = Some(v),
            "cursor" => req.cursor = Some(v),
            "deleted" => req.deleted = v == "true" || v == "1",
            "limit" => {
                req.limit = Some(
                    v.parse()
                        .map_err(|_| ApiError::field("limit", "limit.invalid"))?,
                );
            }
            _ => {
                if let Some(rest) = k.strip_prefix("filter[").and_then(|r| r.strip_suffix(']')) {
                    let (field, op) = rest.split_once("][").unwrap_or((rest, "eq"));
                    req.filters.push((
                        field.to_owned(),
                        op.to_owned(),
                        serde_json::Value::String(v),
                    ));
                }
            }
        }
    }
    Ok(req)
}

/// A record id from the path; one that does not parse names no record (404).
pub fn path_id(s: &str) -> ApiResult<uuid::Uuid> {
    uuid::Uuid::parse_str(s).map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found"))
}

/// The list, read, update (PATCH), delete and restore endpoints of a sales record type: they
/// differ only in the service module they call and the view they answer with. The API speaks
/// ISO dates whatever the key owner's calendar.
macro_rules! record_endpoints {
    ($module:ident, $input:ty, $view:ty, $list:ident, $get:ident, $update:ident, $delete:ident, $restore:ident) => {
        async fn $list(
            axum::extract::State(state): axum::extract::State<crate::AppState>,
            me: crate::auth::Authed,
            axum::extract::RawQuery(q): axum::extract::RawQuery,
        ) -> super::ApiResult<axum::Json<super::Page<$view>>> {
            let req = super::list_request(q.as_deref().unwrap_or(""))?;
            let page = $module::list(&state.store, &me.actor, &req).await?;
            Ok(axum::Json(super::Page {
                data: page.rows.iter().map(<$view>::from).collect(),
                next_cursor: page.next_cursor,
            }))
        }

        async fn $get(
            axum::extract::State(state): axum::extract::State<crate::AppState>,
            me: crate::auth::Authed,
            axum::extract::Path(id): axum::extract::Path<String>,
        ) -> super::ApiResult<axum::Json<$view>> {
            let r = $module::get(&state.store, &me.actor, super::path_id(&id)?).await?;
            Ok(axum::Json(<$view>::from(&r)))
        }

        async fn $update(
            axum::extract::State(state): axum::extract::State<crate::AppState>,
            me: crate::auth::Authed,
            axum::extract::Path(id): axum::extract::Path<String>,
            super::ApiJson(input): super::ApiJson<$input>,
        ) -> super::ApiResult<axum::Json<$view>> {
            let r = $module::update(
                &state.store,
                &me.ctx(),
                &me.actor,
                super::path_id(&id)?,
                &input,
                peyvand_domain::calendar::CalendarKind::Gregorian,
            )
            .await?;
            Ok(axum::Json(<$view>::from(&r)))
        }

        async fn $delete(
            axum::extract::State(state): axum::extract::State<crate::AppState>,
            me: crate::auth::Authed,
            axum::extract::Path(id): axum::extract::Path<String>,
        ) -> super::ApiResult<axum::http::StatusCode> {
            let id = super::path_id(&id)?;
            $module::set_deleted(&state.store, &me.ctx(), &me.actor, id, true).await?;
            Ok(axum::http::StatusCode::NO_CONTENT)
        }

        async fn $restore(
            axum::extract::State(state): axum::extract::State<crate::AppState>,
            me: crate::auth::Authed,
            axum::extract::Path(id): axum::extract::Path<String>,
        ) -> super::ApiResult<axum::Json<$view>> {
            let id = super::path_id(&id)?;
            $module::set_deleted(&state.store, &me.ctx(), &me.actor, id, false).await?;
            let r = $module::get(&state.store, &me.actor, id).await?;
            Ok(axum::Json(<$view>::from(&r)))
        }
    };
}
pub(crate) use record_endpoints;

/// A page of a list, with the cursor of the next page (absent on the last).
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Opaque; pass as `cursor` to get the next page.
    pub next_cursor: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;
