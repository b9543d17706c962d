//! CSRF protection for the HTML UI: a double-submit token.
//!
//! Every UI response carries a random `pv_csrf` cookie; every form embeds the same value in a
//! hidden `_csrf` field (or a script sends it as `x-csrf-token`); never in a URL, where it
//! would end up in history and logs. A state-changing request whose
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
            .map(str::to_owned);
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // Form bodies are small: read them to find the field, then hand them on unchanged.
        // Uploads are read only as far as the token field, which forms put first.
        let body = if content_type.starts_with("application/x-www-form-urlencoded") {
            let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
                return PageError::TooLarge.into_response();
            };
            if given.is_none() {
                given = form_value(&bytes, CSRF_FIELD);
            }
            Body::from(bytes)
        } else if given.is_none() && content_type.starts_with("multipart/form-data") {
            let (token, body) = multipart_token(&content_type, body).await;
            given = token;
            body
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

/// How far into a multipart body the token field is looked for.
const MULTIPART_TOKEN_WINDOW: usize = 64 * 1024;

/// The `_csrf` field of a multipart upload, when it comes before the file (as every form of
/// ours puts it), and the body, whole, to hand on. Only the first
/// [`MULTIPART_TOKEN_WINDOW`] bytes are held: a large file streams on untouched.
async fn multipart_token(content_type: &str, body: Body) -> (Option<String>, Body) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut head: Vec<bytes::Bytes> = vec![];
    let mut held = 0;
    let mut failed = None;
    while held < MULTIPART_TOKEN_WINDOW {
        match stream.next().await {
            Some(Ok(chunk)) => {
                held += chunk.len();
                head.push(chunk);
            }
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
    }
    let token = match multer::parse_boundary(content_type) {
        Ok(boundary) => token_in_parts(&head, boundary).await,
        Err(_) => None,
    };
    let replay = futures_util::stream::iter(head.into_iter().map(Ok::<_, axum::Error>));
    let rest = futures_util::stream::iter(failed.map(Err)).chain(stream);
    (token, Body::from_stream(replay.chain(rest)))
}

/// The token among the parts that lie whole within `head`.
async fn token_in_parts(head: &[bytes::Bytes], boundary: String) -> Option<String> {
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = head.iter().cloned().map(Ok).collect();
    let mut parts = multer::Multipart::new(futures_util::stream::iter(chunks), boundary);
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some(CSRF_FIELD) {
            return field.text().await.ok();
        }
        if field.file_name().is_some() {
            // Files come after the fields a form sends first; the token was not among them.
            return None;
        }
    }
    None
}

/// The first value of `name` in an `application/x-www-form-urlencoded` body.
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

    fn upload_body(first: &str, file: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(first.as_bytes());
        b.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n",
        );
        b.extend_from_slice(file);
        b.extend_from_slice(b"\r\n--XyZ--\r\n");
        b
    }

    async fn read_token(body: Vec<u8>) -> (Option<String>, Vec<u8>) {
        let (token, body) =
            multipart_token("multipart/form-data; boundary=XyZ", Body::from(body)).await;
        let rest = to_bytes(body, usize::MAX).await.unwrap();
        (token, rest.to_vec())
    }

    #[tokio::test]
    async fn finds_the_token_before_the_file_and_hands_the_whole_body_on() {
        let file = vec![b'x'; 300 * 1024];
        let body = upload_body(
            "--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok123\r\n",
            &file,
        );
        let (token, rest) = read_token(body.clone()).await;
        assert_eq!(token.as_deref(), Some("tok123"));
        assert_eq!(rest, body);
    }

    #[tokio::test]
    async fn no_token_when_the_file_comes_first_or_it_is_missing() {
        let body = upload_body("", b"a,b\n1,2\n");
        assert_eq!(read_token(body.clone()).await, (None, body));
        let late = [
            upload_body("", b"x")
                .strip_suffix(b"--XyZ--\r\n")
                .unwrap()
                .to_vec(),
            b"--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok\r\n--XyZ--\r\n"
                .to_vec(),
        ]
        .concat();
        assert_eq!(read_token(late).await.0, None);
    }
}
