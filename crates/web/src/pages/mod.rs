//! The HTML UI.

use std::collections::HashMap;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use peyvand_services::{FieldError, ServiceError};

use crate::AppState;
use crate::error::PageError;
use crate::i18n::Tr;

mod activities;
mod audit_view;
mod home;
mod profile;
mod session;
mod settings;

/// Public pages (no sign-in): the sign-in page, first-run setup, the language switch.
/// Everything else requires a session.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/login", get(session::login_form).post(session::login))
        .route("/setup", get(session::setup_form).post(session::setup))
        .route("/lang", get(session::switch_language));
    let protected = Router::new()
        .route("/", get(home::home))
        .route("/my-day", get(activities::my_day_page))
        .route(
            "/activities",
            get(activities::list).post(activities::create),
        )
        .route("/activities/new", get(activities::new_form))
        .route(
            "/activities/{id}",
            get(activities::show).post(activities::update),
        )
        .route("/activities/{id}/complete", post(activities::complete))
        .route("/activities/{id}/reopen", post(activities::reopen))
        .route("/activities/{id}/refer", post(activities::refer))
        .route("/activities/{id}/delete", post(activities::delete))
        .route("/settings/users/{id}/reassign", post(activities::reassign))
        .route("/search", get(home::search))
        .route("/logout", post(session::logout))
        .route("/profile", get(profile::show).post(profile::save))
        .route("/profile/password", post(profile::change_password))
        .route(
            "/profile/api-keys",
            get(profile::api_keys).post(profile::create_api_key),
        )
        .route(
            "/profile/api-keys/{id}/revoke",
            post(profile::revoke_api_key),
        )
        .route("/settings", get(settings::index))
        .route(
            "/settings/users",
            get(settings::users).post(settings::create_user),
        )
        .route(
            "/settings/users/{id}",
            get(settings::user_form).post(settings::update_user),
        )
        .route(
            "/settings/teams",
            get(settings::teams).post(settings::create_team),
        )
        .route("/settings/teams/{id}", post(settings::rename_team))
        .route("/settings/teams/{id}/delete", post(settings::delete_team))
        .route(
            "/settings/roles",
            get(settings::roles).post(settings::create_role),
        )
        .route(
            "/settings/roles/{id}",
            get(settings::role_form).post(settings::save_role),
        )
        .route("/settings/audit", get(settings::audit))
        .route_layer(middleware::from_fn(crate::auth::require_ui));
    Router::new()
        .merge(public)
        .merge(protected)
        .fallback(|| async { PageError::NotFound })
        // Order matters: the caller is resolved first, then errors (including a refused CSRF
        // check) are rendered in their language.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::csrf::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::error::render,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::resolve,
        ))
        .with_state(state)
}

/// Translated field errors for a form.
#[derive(Debug, Default)]
pub struct Errs(HashMap<String, String>);

impl Errs {
    pub fn from_fields(tr: &Tr, fields: &[FieldError]) -> Errs {
        let mut m = HashMap::new();
        for f in fields {
            m.entry(f.field.clone())
                .or_insert_with(|| tr.error(&f.code));
        }
        Errs(m)
    }

    pub fn one(tr: &Tr, field: &str, code: &str) -> Errs {
        Errs::from_fields(tr, &[FieldError::new(field, code)])
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }
}

/// Splits a service result into form errors (shown on the form) and page errors.
pub fn form_errors(tr: &Tr, e: ServiceError) -> Result<Errs, PageError> {
    match e {
        ServiceError::Validation(fields) => Ok(Errs::from_fields(tr, &fields)),
        other => Err(other.into()),
    }
}

pub type PageResult = Result<axum::response::Response, PageError>;

/// Renders a template into a response.
pub fn html(t: impl askama::Template) -> PageResult {
    use axum::response::IntoResponse;
    Ok(axum::response::Html(t.render()?).into_response())
}
