//! CSRF protection for the HTML UI: a double-submit token.
//!
//! Every UI response carries a random `pv_csrf` cookie; every form embeds the same value in a
//! hidden `_csrf` field (or a script sends it as `x-csrf-token`). A state-changing request whose
//! token does not match the cookie is refused before any handler runs. Together with the
//! `SameSite=Lax` session cookie this stops cross-site form posts.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::auth::{cookie, set_cookie};
use crate::error::PageError;

pub const CSRF_COOKIE: &str = "pv_csrf";
pub const CSRF_FIELD: &str = "_csrf";
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// The request's CSRF token, for templates to embed.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|t| t.len() >= 32);
    let token = existing
        .clone()
        .unwrap_or_else(peyvand_services::auth::random_token);
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let (mut parts, body) = req.into_parts();
    let body = if unsafe_method {
        let Some(expected) = existing.as_deref() else {
            return PageError::Csrf.into_response();
        };
        let mut given = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| {
                parts
                    .uri
                    .query()
                    .and_then(|q| form_value(q.as_bytes(), CSRF_FIELD))
            });
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        // Form bodies are small: read them to find the field, then hand them on unchanged.
        // Other bodies (uploads) are passed through and carry the token in a header or query.
        let body = if is_form {
            let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
                return PageError::TooLarge.into_response();
            };
            if given.is_none() {
                given = form_value(&bytes, CSRF_FIELD);
            }
            Body::from(bytes)
        } else {
            body
        };
        let valid = given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.as_bytes())));
        if !valid {
            tracing::warn!(path = %parts.uri.path(), "refused a request without a valid CSRF token");
            return PageError::Csrf.into_response();
        }
        body
    } else {
        body
    };
    parts.extensions.insert(CsrfToken(token.clone()));
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if existing.is_none() {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(
                CSRF_COOKIE,
                &token,
                60 * 60 * 24 * 365,
                true,
                state.config.secure_cookies,
            ),
        );
    }
    res
}

/// The first value of `name` in an `application/x-www-form-urlencoded` body or query.
fn form_value(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_in_a_form_body() {
        assert_eq!(
            form_value(b"a=1&_csrf=abc%2Bd&b=2", "_csrf").as_deref(),
            Some("abc+d")
        );
        assert_eq!(form_value(b"a=1", "_csrf"), None);
    }
}
