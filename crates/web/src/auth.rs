//! Who is calling: a session cookie (the UI) or a bearer API key (`/api/v1`).
//!
//! [`resolve`] runs on every request and leaves an [`Authed`] in the request's extensions when
//! the caller proved who they are. Protected routers add [`require_ui`] / [`require_api`], and
//! handlers take `Authed` as an extractor, so a route cannot be reached signed-out by accident.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use peyvand_domain::access::Actor;
use peyvand_domain::prefs::UserPrefs;
use peyvand_services::audit::{Ctx, Who};
use peyvand_services::{Origin, accounts, auth};
use peyvand_store::UserRecord;

use crate::AppState;
use crate::api::ApiError;

pub const SESSION_COOKIE: &str = "pv_session";

/// A caller who proved who they are.
#[derive(Clone, Debug)]
pub struct Authed {
    pub user: UserRecord,
    pub actor: Actor,
    pub prefs: UserPrefs,
    /// "web" for a session, "api" for an API key.
    pub via: &'static str,
    pub session_token: Option<String>,
    pub client_ip: Option<String>,
}

impl Authed {
    /// The audit context of this caller's changes.
    pub fn ctx(&self) -> Ctx {
        Ctx {
            who: Who::user(self.user.id, &self.user.email),
            origin: Origin {
                via: self.via,
                client_ip: self.client_ip.clone(),
            },
        }
    }
}

/// Reads one cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with the flags every Peyvand cookie carries.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: i64,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age_secs}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie values are ASCII")
}

pub fn client_ip(req: &Request) -> Option<String> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Resolves the caller from a bearer key or the session cookie.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req);
    let origin = Origin {
        via: "api",
        client_ip: ip.clone(),
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_owned());
    // Inside the nested API router the path has lost its `/api/v1` prefix: ask the original.
    let is_api = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or(req.uri().path(), |u| u.0.path())
        .starts_with("/api/");
    let found = if let Some(key) = bearer {
        match auth::api_key_user(&state.store, &key, &origin).await {
            Ok(Some((user, _))) => Some((user, "api", None)),
            Ok(None) => None,
            Err(e) => return internal(e, is_api),
        }
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE).filter(|_| !is_api) {
        match auth::session_user(&state.store, &token).await {
            Ok(Some(user)) => Some((user, "web", Some(token))),
            Ok(None) => None,
            Err(e) => return internal(e, is_api),
        }
    } else {
        None
    };
    if let Some((user, via, session_token)) = found {
        let actor = match auth::actor_for(&state.store, &user).await {
            Ok(a) => a,
            Err(e) => return internal(e, is_api),
        };
        let prefs = accounts::prefs_of(&user);
        req.extensions_mut().insert(Authed {
            user,
            actor,
            prefs,
            via,
            session_token,
            client_ip: ip,
        });
    }
    next.run(req).await
}

fn internal(e: peyvand_services::ServiceError, is_api: bool) -> Response {
    tracing::error!(error = %e, "resolving the caller failed");
    if is_api {
        ApiError::internal().into_response()
    } else {
        crate::error::PageError::Internal.into_response()
    }
}

/// UI routes: signed-out callers go to the sign-in page and come back afterwards.
pub async fn require_ui(req: Request, next: Next) -> Response {
    if req.extensions().get::<Authed>().is_some() {
        return next.run(req).await;
    }
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next_param = if path == "/" {
        String::new()
    } else {
        format!("?next={}", urlencode(path))
    };
    Redirect::to(&format!("/login{next_param}")).into_response()
}

/// API routes: a bearer key is required.
pub async fn require_api(req: Request, next: Next) -> Response {
    if req.extensions().get::<Authed>().is_some() {
        return next.run(req).await;
    }
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated").into_response()
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(a) = parts.extensions.get::<Authed>() {
            return Ok(a.clone());
        }
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|| parts.uri.path().to_owned());
        Err(if path.starts_with("/api/") {
            ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated").into_response()
        } else {
            Redirect::to("/login").into_response()
        })
    }
}
