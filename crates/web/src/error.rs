//! Errors of the HTML UI, rendered as a page in the user's language.
//!
//! A handler returns a [`PageError`]; it becomes an empty response carrying the kind, and
//! [`render`] (a middleware that knows the caller's language) turns it into the page.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use peyvand_services::ServiceError;

use crate::AppState;
use crate::page::Page;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageError {
    NotFound,
    Forbidden,
    Csrf,
    TooLarge,
    Internal,
}

impl PageError {
    fn status(self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_id(self) -> &'static str {
        match self {
            PageError::NotFound => "error-not-found",
            PageError::Forbidden => "error-forbidden",
            PageError::Csrf => "error-csrf",
            PageError::TooLarge => "error-too-large",
            PageError::Internal => "error-internal",
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => PageError::NotFound,
            ServiceError::Forbidden => PageError::Forbidden,
            other => {
                tracing::error!(error = %other, "request failed");
                PageError::Internal
            }
        }
    }
}

impl From<peyvand_store::StoreError> for PageError {
    fn from(e: peyvand_store::StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template failed");
        PageError::Internal
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    p: Page,
    status: u16,
    message: String,
}

/// Turns a [`PageError`] marker into the error page, in the caller's language.
pub async fn render(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let page = Page::from_request(&state, &req);
    let res = next.run(req).await;
    let Some(kind) = res.extensions().get::<PageError>().copied() else {
        return res;
    };
    let message = page.t(kind.message_id());
    let status = kind.status();
    let mut p = page;
    p.title = p.t(if kind == PageError::NotFound {
        "error-title-not-found"
    } else {
        "error-title"
    });
    let body = ErrorPage {
        p,
        status: status.as_u16(),
        message,
    }
    .render()
    .unwrap_or_else(|_| "error".to_owned());
    (status, Html(body)).into_response()
}
