//! Signing in and out, first-run setup, and the language switch for visitors.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use peyvand_services::accounts::{self, NewUser};
use peyvand_services::{Origin, ServiceError, auth};
use serde::Deserialize;

use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::{Authed, SESSION_COOKIE, set_cookie};
use crate::page::{LANG_COOKIE, Page};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    p: Page,
    email: String,
    next: String,
    failure: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after sign-in, never another site.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<NextQuery>,
) -> PageResult {
    if accounts::needs_setup(&state.store).await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    if p.user.is_some() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    html(LoginPage {
        p: p.titled("login-title", ""),
        email: String::new(),
        next: q.next,
        failure: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    p: Page,
    ip: ClientIp,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let origin = Origin {
        via: "web",
        client_ip: ip.0,
    };
    match auth::sign_in(&state.store, &f.email, &f.password, &origin).await {
        Ok((token, user)) => {
            let mut res = Redirect::to(&safe_next(&f.next)).into_response();
            // The sign-in page speaks the user's language next time, too.
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    LANG_COOKIE,
                    &user.language,
                    3600 * 24 * 365,
                    false,
                    state.config.secure_cookies,
                ),
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &token,
                    auth::SESSION_IDLE_DAYS * 24 * 3600,
                    true,
                    state.config.secure_cookies,
                ),
            );
            Ok(res)
        }
        Err(e @ (ServiceError::BadCredentials | ServiceError::TooManyAttempts)) => {
            let throttled = matches!(e, ServiceError::TooManyAttempts);
            let failure = Some(p.t(if throttled {
                "login-throttled"
            } else {
                "login-failed"
            }));
            let mut res = html(LoginPage {
                p: p.titled("login-title", ""),
                email: f.email,
                next: f.next,
                failure,
            })?;
            *res.status_mut() = if throttled {
                axum::http::StatusCode::TOO_MANY_REQUESTS
            } else {
                axum::http::StatusCode::UNAUTHORIZED
            };
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(who): Extension<Authed>,
) -> PageResult {
    if let Some(token) = &who.session_token {
        auth::sign_out(&state.store, token, &who.ctx()).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, true, state.config.secure_cookies),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    p: Page,
    display_name: String,
    email: String,
    errs: Errs,
}

pub async fn setup_form(State(state): State<AppState>, p: Page) -> PageResult {
    if !accounts::needs_setup(&state.store).await? {
        return Ok(Redirect::to("/login").into_response());
    }
    html(SetupPage {
        p: p.titled("setup-title", ""),
        display_name: String::new(),
        email: String::new(),
        errs: Errs::default(),
    })
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    language: String,
}

pub async fn setup(
    State(state): State<AppState>,
    p: Page,
    ip: ClientIp,
    Form(f): Form<SetupForm>,
) -> PageResult {
    let origin = Origin {
        via: "web",
        client_ip: ip.0,
    };
    let input = NewUser {
        email: f.email.clone(),
        display_name: f.display_name.clone(),
        password: f.password.clone(),
        role: String::new(),
        language: Some(f.language.clone()),
        team_ids: vec![],
    };
    let result = if f.password != f.password_confirm {
        // Report the mismatch together with every other problem of the form.
        let mut fields = match accounts::check_new_user(&state.store, &input, Some("admin")).await {
            Err(ServiceError::Validation(fields)) => fields,
            Err(other) => return Err(other.into()),
            Ok(()) => vec![],
        };
        fields.push(peyvand_services::FieldError::new(
            "password_confirm",
            "password.mismatch",
        ));
        Err(ServiceError::Validation(fields))
    } else {
        accounts::setup_first_admin(&state.store, &input, &origin).await
    };
    match result {
        Ok(user) => {
            // Sign the new administrator straight in.
            let (token, _) = auth::sign_in(&state.store, &user.email, &f.password, &origin).await?;
            let mut res = Redirect::to("/").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &token,
                    auth::SESSION_IDLE_DAYS * 24 * 3600,
                    true,
                    state.config.secure_cookies,
                ),
            );
            Ok(res)
        }
        Err(ServiceError::SetupDone) => Ok(Redirect::to("/login").into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let mut res = html(SetupPage {
                p: p.titled("setup-title", ""),
                display_name: f.display_name,
                email: f.email,
                errs,
            })?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
}

/// Signed-out visitors choose the language of the sign-in and setup pages.
pub async fn switch_language(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang =
        q.to.parse::<peyvand_domain::prefs::Language>()
            .unwrap_or_default();
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.as_str(),
            3600 * 24 * 365,
            false,
            state.config.secure_cookies,
        ),
    );
    res
}

/// The caller's address, when the server knows it.
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
        ))
    }
}
