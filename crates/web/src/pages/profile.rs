//! The user's own profile: preferences, password, API keys.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use peyvand_services::accounts::{self, ProfileChanges};
use peyvand_services::auth;
use serde::Deserialize;
use uuid::Uuid;

use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::page::Page;

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    p: Page,
    display_name: String,
    language: String,
    calendar: String,
    time_zone: String,
    digits: String,
    money_unit: String,
    errs: Errs,
    saved: bool,
    password_saved: bool,
}

#[derive(Deserialize, Default)]
pub struct Flags {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

pub async fn show(
    Extension(me): Extension<Authed>,
    p: Page,
    axum::extract::Query(f): axum::extract::Query<Flags>,
) -> PageResult {
    let u = &me.user;
    html(ProfilePage {
        display_name: u.display_name.clone(),
        language: u.language.clone(),
        calendar: u.calendar.clone(),
        time_zone: u.time_zone.clone(),
        digits: u.digits.clone(),
        money_unit: u.money_unit.clone(),
        errs: Errs::default(),
        saved: f.saved.is_some(),
        password_saved: f.password.is_some(),
        p: p.titled("profile-title", "profile"),
    })
}

#[derive(Deserialize)]
pub struct PrefsForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    calendar: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    digits: String,
    #[serde(default)]
    money_unit: String,
    /// Set by the page's script, which moves the calendar and digits along with the language
    /// in front of the user: what is sent is what they chose.
    #[serde(default)]
    exact: String,
}

pub async fn save(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<PrefsForm>,
) -> PageResult {
    let changes = ProfileChanges {
        display_name: Some(f.display_name.clone()),
        language: Some(f.language.clone()),
        calendar: Some(f.calendar.clone()),
        time_zone: Some(f.time_zone.clone()),
        digits: Some(f.digits.clone()),
        // A form without the field (an older page) leaves the unit as it is.
        money_unit: (!f.money_unit.is_empty()).then(|| f.money_unit.clone()),
        exact: f.exact == "1",
    };
    match accounts::update_profile(&state.store, &me.ctx(), me.user.id, &changes).await {
        Ok(user) => {
            let mut res = Redirect::to("/profile?saved=1").into_response();
            res.headers_mut().append(
                axum::http::header::SET_COOKIE,
                crate::auth::set_cookie(
                    crate::page::LANG_COOKIE,
                    &user.language,
                    3600 * 24 * 365,
                    false,
                    state.config.secure_cookies,
                ),
            );
            Ok(res)
        }
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let mut res = html(ProfilePage {
                display_name: f.display_name,
                language: f.language,
                calendar: f.calendar,
                time_zone: f.time_zone,
                digits: f.digits,
                money_unit: f.money_unit,
                errs,
                saved: false,
                password_saved: false,
                p: p.titled("profile-title", "profile"),
            })?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    match accounts::change_password(
        &state.store,
        &me.ctx(),
        me.user.id,
        &f.current_password,
        &f.new_password,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/profile?password=1").into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let u = &me.user;
            let mut res = html(ProfilePage {
                display_name: u.display_name.clone(),
                language: u.language.clone(),
                calendar: u.calendar.clone(),
                time_zone: u.time_zone.clone(),
                digits: u.digits.clone(),
                money_unit: u.money_unit.clone(),
                errs,
                saved: false,
                password_saved: false,
                p: p.titled("profile-title", "profile"),
            })?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

pub struct KeyRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "api_keys.html")]
struct ApiKeysPage {
    p: Page,
    keys: Vec<KeyRow>,
    new_secret: Option<String>,
    errs: Errs,
}

async fn api_keys_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    new_secret: Option<String>,
    errs: Errs,
) -> PageResult {
    let keys = state
        .store
        .api_keys_of(me.user.id)
        .await
        .map_err(peyvand_services::ServiceError::from)?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created: p.datetime(k.created_at),
            last_used: p.opt_datetime(k.last_used_at),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    html(ApiKeysPage {
        p: p.titled("api-keys-title", "profile"),
        keys,
        new_secret,
        errs,
    })
}

/// The new key travels from the POST to the page in a short-lived, path-limited HttpOnly cookie,
/// so a reload neither shows it again nor creates a second key.
const NEW_KEY_COOKIE: &str = "pv_new_key";

pub async fn api_keys(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let secret = crate::auth::cookie(&headers, NEW_KEY_COOKIE)
        .filter(|s| s.starts_with(auth::API_KEY_PREFIX));
    let mut res = api_keys_page(&state, &me, p, secret.clone(), Errs::default()).await?;
    if secret.is_some() {
        res.headers_mut().append(
            axum::http::header::SET_COOKIE,
            key_cookie("", 0, state.config.secure_cookies),
        );
    }
    Ok(res)
}

fn key_cookie(value: &str, max_age: i64, secure: bool) -> axum::http::HeaderValue {
    let mut c = format!(
        "{NEW_KEY_COOKIE}={value}; Path=/profile/api-keys; SameSite=Strict; HttpOnly; Max-Age={max_age}"
    );
    if secure {
        c.push_str("; Secure");
    }
    axum::http::HeaderValue::from_str(&c).expect("key cookies are ASCII")
}

#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
}

pub async fn create_api_key(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<KeyForm>,
) -> PageResult {
    match auth::create_api_key(&state.store, &me.ctx(), me.user.id, &f.name).await {
        // The secret is shown once on the next page; the server keeps only its hash.
        Ok((secret, _)) => {
            let mut res = Redirect::to("/profile/api-keys").into_response();
            res.headers_mut().append(
                axum::http::header::SET_COOKIE,
                key_cookie(&secret, 120, state.config.secure_cookies),
            );
            Ok(res)
        }
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let mut res = api_keys_page(&state, &me, p, None, errs).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

pub async fn revoke_api_key(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    auth::revoke_api_key(&state.store, &me.ctx(), &me.actor, id).await?;
    Ok(Redirect::to("/profile/api-keys?revoked=1").into_response())
}
