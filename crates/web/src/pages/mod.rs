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
mod companies;
mod contacts;
mod deals;
mod fields;
mod files;
mod home;
pub(crate) mod imports;
mod inline;
mod leads;
mod notifications;
mod profile;
mod records;
mod session;
mod settings;
mod views;

pub use files::{file_response, read_file as read_upload};

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
        .route("/contacts", get(contacts::list).post(contacts::create))
        .route("/contacts/new", get(contacts::new_form))
        .route("/contacts/{id}", get(contacts::show))
        .route(
            "/contacts/{id}/edit",
            get(contacts::edit_form).post(contacts::update),
        )
        .route("/contacts/{id}/delete", post(contacts::delete))
        .route("/contacts/{id}/restore", post(contacts::restore))
        .route("/contacts/{id}/merge", post(contacts::merge))
        .route("/contacts/{id}/cell", post(inline::contact_cell))
        .route("/companies/{id}/cell", post(inline::company_cell))
        .route("/leads/{id}/cell", post(inline::lead_cell))
        .route("/deals/{id}/cell", post(inline::deal_cell))
        .route("/companies", get(companies::list).post(companies::create))
        .route("/companies/new", get(companies::new_form))
        .route("/companies/{id}", get(companies::show))
        .route(
            "/companies/{id}/edit",
            get(companies::edit_form).post(companies::update),
        )
        .route("/companies/{id}/delete", post(companies::delete))
        .route("/companies/{id}/restore", post(companies::restore))
        .route("/leads", get(leads::list).post(leads::create))
        .route("/leads/new", get(leads::new_form))
        .route("/leads/{id}", get(leads::show))
        .route(
            "/leads/{id}/edit",
            get(leads::edit_form).post(leads::update),
        )
        .route("/leads/{id}/delete", post(leads::delete))
        .route("/leads/{id}/restore", post(leads::restore))
        .route("/leads/{id}/disqualify", post(leads::disqualify))
        .route("/leads/{id}/convert", post(leads::convert))
        .route("/files", post(files::upload))
        .route("/files/{id}", get(files::download))
        .route("/files/{id}/delete", post(files::delete))
        .route("/views", post(views::save))
        .route("/views/{id}/delete", post(views::delete))
        .route("/contacts/bulk", post(views::bulk_contacts))
        .route("/companies/bulk", post(views::bulk_companies))
        .route("/leads/bulk", post(views::bulk_leads))
        .route("/deals/bulk", post(views::bulk_deals))
        .route("/settings/fields", get(fields::list).post(fields::create))
        .route("/settings/fields/{id}/delete", post(fields::delete))
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
        .route("/notifications", get(notifications::list))
        .route(
            "/notifications/read-all",
            post(notifications::mark_all_read),
        )
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .merge(deals_routes())
        .merge(imports::routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            notifications::count_unread,
        ))
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

fn deals_routes() -> Router<AppState> {
    Router::new()
        .route("/deals", get(deals::board).post(deals::create))
        .route("/deals/list", get(deals::list))
        .route("/deals/new", get(deals::new_form))
        .route("/deals/money-unit", post(deals::money_unit))
        .route("/deals/{id}", get(deals::show).post(deals::update))
        .route("/deals/{id}/move", post(deals::move_deal))
        .route("/deals/{id}/delete", post(deals::delete))
        .route("/deals/{id}/restore", post(deals::restore))
        .route(
            "/settings/pipelines",
            get(deals::pipelines_settings).post(deals::create_pipeline),
        )
        .route("/settings/pipelines/{id}", post(deals::rename_pipeline))
        .route("/settings/pipelines/{id}/stages", post(deals::add_stage))
        .route("/settings/stages/{id}", post(deals::update_stage))
        .route("/settings/stages/{id}/up", post(deals::stage_up))
        .route("/settings/stages/{id}/down", post(deals::stage_down))
        .route("/settings/stages/{id}/delete", post(deals::delete_stage))
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

    /// Whether anything was refused: forms say so at the top, so a problem is never silent even
    /// when its field shows no message of its own.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
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
