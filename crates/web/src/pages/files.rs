//! Uploading, downloading and removing files attached to records.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use peyvand_services::ServiceError;
use peyvand_services::sales::attachments;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;

/// Where a record's page is, to go back after an upload.
pub fn record_href(record_type: &str, id: Uuid) -> String {
    let base = match record_type {
        "company" => "companies",
        "lead" => "leads",
        "deal" => "deals",
        "activity" => "activities",
        _ => "contacts",
    };
    format!("/{base}/{id}")
}

#[derive(Deserialize)]
pub struct Target {
    record_type: String,
    record_id: String,
}

/// Reads the `file` part of a multipart upload: (name, content type, bytes).
pub async fn read_file(
    mut multipart: Multipart,
) -> Result<Option<(String, String, Vec<u8>)>, PageError> {
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| PageError::TooLarge)?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            let content_type = field.content_type().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| PageError::TooLarge)?;
            return Ok(Some((name, content_type, bytes.to_vec())));
        }
    }
    Ok(None)
}

pub async fn upload(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Query(t): Query<Target>,
    multipart: Multipart,
) -> PageResult {
    let id = Uuid::parse_str(&t.record_id).map_err(|_| PageError::NotFound)?;
    let back = record_href(&t.record_type, id);
    // The form sent without a chosen file still has the part, nameless and empty.
    let chosen = read_file(multipart)
        .await?
        .filter(|(name, _, bytes)| !(name.is_empty() && bytes.is_empty()));
    let Some((name, content_type, bytes)) = chosen else {
        return Ok(
            Redirect::to(&format!("{back}?file_error=attachment.empty#files")).into_response(),
        );
    };
    match attachments::upload(
        &state.store,
        &me.ctx(),
        &me.actor,
        &t.record_type,
        id,
        attachments::Upload {
            file_name: name,
            content_type,
            bytes,
        },
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{back}?file_saved=1#files")).into_response()),
        Err(ServiceError::Validation(f)) => Ok(Redirect::to(&format!(
            "{back}?file_error={}#files",
            f.first()
                .map(|f| f.code.as_str())
                .unwrap_or("attachment.empty")
        ))
        .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// Types a browser may show inline without risk; everything else is a plain download.
const SAFE_TYPES: [&str; 6] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
];

fn disposition(name: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}")
}

pub fn file_response(name: &str, content_type: &str, content: Vec<u8>) -> Response {
    let ct = if SAFE_TYPES.contains(&content_type) {
        content_type.to_owned()
    } else {
        "application/octet-stream".to_owned()
    };
    (
        [
            (header::CONTENT_TYPE, ct),
            (header::CONTENT_DISPOSITION, disposition(name)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
        ],
        content,
    )
        .into_response()
}

pub async fn download(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let (a, content) = attachments::download(&state.store, &me.actor, id).await?;
    Ok(file_response(&a.file_name, &a.content_type, content))
}

#[derive(Deserialize)]
pub struct Nothing {}

pub async fn delete(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
    Form(_): Form<Nothing>,
) -> PageResult {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let a = attachments::delete(&state.store, &me.ctx(), &me.actor, id).await?;
    Ok(Redirect::to(&record_href(&a.record_type, a.record_id)).into_response())
}

/// The files section of a record page: (name, size, when, id), and the last upload's error.
pub async fn files_for(
    state: &AppState,
    me: &Authed,
    p: &crate::page::Page,
    record_type: &str,
    id: Uuid,
) -> Result<Vec<(String, String, String, Uuid)>, PageError> {
    let files = match attachments::list(&state.store, &me.actor, record_type, id).await {
        Ok(f) => f,
        Err(ServiceError::NotFound | ServiceError::Forbidden) => vec![],
        Err(e) => return Err(e.into()),
    };
    Ok(files
        .into_iter()
        .map(|f| {
            let size = if f.size >= 1024 * 1024 {
                p.t_with(
                    "files-size-mb",
                    "n",
                    p.digits(format!("{:.1}", f.size as f64 / 1_048_576.0)),
                )
            } else {
                p.t_with("files-size-kb", "n", p.digits((f.size + 1023) / 1024))
            };
            (f.file_name, size, p.datetime(f.created_at), f.id)
        })
        .collect())
}

#[derive(Deserialize, Default)]
pub struct FileError {
    #[serde(default)]
    file_error: String,
    #[serde(default)]
    file_saved: String,
}

impl FileError {
    /// What the files section says after an upload: (is it a problem, text).
    pub fn message(&self, p: &crate::page::Page) -> Option<(bool, String)> {
        if !self.file_error.is_empty() {
            Some((true, p.tr.error(&self.file_error)))
        } else if !self.file_saved.is_empty() {
            Some((false, p.t("files-saved")))
        } else {
            None
        }
    }
}
