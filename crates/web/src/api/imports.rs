//! Imports (multipart upload, progress, failure report) and exports of the record lists.

use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use peyvand_domain::access::RecordType;
use peyvand_services::sales::export;
use peyvand_services::sales::imports::{self, DuplicateMode, Mapping, NewImport};
use peyvand_store::ImportRecord;
use serde::Serialize;
use uuid::Uuid;

use super::{ApiError, ApiResult, list_request, path_id};
use crate::AppState;
use crate::auth::Authed;
use crate::i18n::Tr;

/// Largest file an import accepts.
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/imports",
            get(list_imports)
                .post(create_import)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route(
            "/imports/preview",
            post(preview_import).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/imports/{id}", get(get_import).delete(discard_import))
        .route("/imports/{id}/failures.csv", get(failures_csv))
        .route("/contacts/export", get(export_contacts))
        .route("/companies/export", get(export_companies))
        .route("/leads/export", get(export_leads))
        .route("/deals/export", get(export_deals))
}

#[derive(Serialize)]
pub struct ImportView {
    pub id: Uuid,
    pub record_type: String,
    pub file_name: String,
    pub duplicate_mode: String,
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub imported: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    pub error: Option<String>,
    pub mapping: serde_json::Value,
    /// Who the created records belong to (the importer when not chosen).
    pub owner_id: Uuid,
    pub created_by: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<&ImportRecord> for ImportView {
    fn from(i: &ImportRecord) -> Self {
        ImportView {
            id: i.id,
            record_type: i.record_type.clone(),
            file_name: i.file_name.clone(),
            duplicate_mode: i.duplicate_mode.clone(),
            status: i.status.clone(),
            total_rows: i.total_rows,
            processed_rows: i.processed_rows,
            imported: i.imported,
            updated: i.updated,
            skipped: i.skipped,
            failed: i.failed,
            error: i.error.clone(),
            mapping: i.mapping.0.clone(),
            owner_id: i.owner_id.unwrap_or(i.created_by),
            created_by: i.created_by,
            created_at: i.created_at,
            finished_at: i.finished_at,
        }
    }
}

/// `contact` or `contacts` (and the others) to a record type that can be imported.
pub fn importable_type(s: &str) -> Option<RecordType> {
    let rt = match s.trim() {
        "contact" | "contacts" => RecordType::Contact,
        "company" | "companies" => RecordType::Company,
        "lead" | "leads" => RecordType::Lead,
        "deal" | "deals" => RecordType::Deal,
        _ => return None,
    };
    Some(rt)
}

/// A mapping as a JSON object `{"Column": "field"}` or array `[["Column", "field"]]`.
pub fn parse_mapping(s: &str) -> Result<Option<Mapping>, ApiError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let v: serde_json::Value =
        serde_json::from_str(s).map_err(|_| ApiError::field("mapping", "json.invalid"))?;
    Ok(Some(imports::mapping_of(&v)))
}

/// The fields of an import upload (for the import itself and for its preview).
#[derive(Default)]
struct Upload {
    file: Option<(String, Vec<u8>)>,
    record_type: String,
    mapping: String,
    owner: String,
    mode: String,
}

impl Upload {
    async fn read(mut form: Multipart) -> Result<Upload, ApiError> {
        let mut u = Upload::default();
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|_| ApiError::field("file", "import.file_unreadable"))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "file" => {
                    let file_name = field.file_name().unwrap_or("import.csv").to_owned();
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|_| ApiError::field("file", "import.file_unreadable"))?;
                    u.file = Some((file_name, bytes.to_vec()));
                }
                other => {
                    let text = field.text().await.unwrap_or_default();
                    match other {
                        "record_type" => u.record_type = text,
                        "mapping" => u.mapping = text,
                        "duplicate_mode" => u.mode = text,
                        "owner_id" => u.owner = text,
                        _ => {}
                    }
                }
            }
        }
        Ok(u)
    }

    fn file_and_type(&mut self) -> Result<((String, Vec<u8>), RecordType), ApiError> {
        let file = self
            .file
            .take()
            .ok_or_else(|| ApiError::field("file", "field.required"))?;
        let rt = importable_type(&self.record_type)
            .ok_or_else(|| ApiError::field("record_type", "import.bad_record_type"))?;
        Ok((file, rt))
    }
}

/// What an import of this file would do with its first rows — each row's problems, the
/// record it matches — without importing anything.
async fn preview_import(
    State(state): State<AppState>,
    me: Authed,
    form: Multipart,
) -> ApiResult<Json<imports::Preview>> {
    let mut u = Upload::read(form).await?;
    let ((file_name, bytes), rt) = u.file_and_type()?;
    let preview = imports::preview(
        &state.store,
        &me.actor,
        rt,
        &file_name,
        &bytes,
        parse_mapping(&u.mapping)?,
        me.prefs.calendar,
    )
    .await?;
    Ok(Json(preview))
}

async fn create_import(
    State(state): State<AppState>,
    me: Authed,
    form: Multipart,
) -> ApiResult<Response> {
    let mut u = Upload::read(form).await?;
    let ((file_name, bytes), rt) = u.file_and_type()?;
    let (mapping, owner) = (u.mapping, u.owner);
    let duplicate_mode = DuplicateMode::parse(&u.mode)
        .ok_or_else(|| ApiError::field("duplicate_mode", "import.bad_duplicate_mode"))?;
    let import = imports::start_import(
        &state.store,
        &me.ctx(),
        &me.actor,
        NewImport {
            record_type: rt,
            file_name: &file_name,
            bytes,
            mapping: parse_mapping(&mapping)?,
            duplicate_mode,
            calendar: me.prefs.calendar,
            enqueue: true,
            draft: false,
            owner_id: match owner.trim() {
                "" => None,
                s => Some(
                    uuid::Uuid::parse_str(s)
                        .map_err(|_| ApiError::field("owner_id", "owner.not_found"))?,
                ),
            },
        },
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(ImportView::from(&import))).into_response())
}

#[derive(Serialize)]
struct ImportList {
    data: Vec<ImportView>,
}

async fn list_imports(State(state): State<AppState>, me: Authed) -> ApiResult<impl IntoResponse> {
    let rows = imports::list(&state.store, &me.actor).await?;
    Ok(Json(ImportList {
        data: rows.iter().map(ImportView::from).collect(),
    }))
}

async fn get_import(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ImportView>> {
    let import = imports::get(&state.store, &me.actor, path_id(&id)?).await?;
    Ok(Json(ImportView::from(&import)))
}

/// Discards a draft: an upload whose mapping was never confirmed.
async fn discard_import(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    imports::discard_draft(&state.store, &me.ctx(), &me.actor, path_id(&id)?).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The report of an import's failed rows. The API keeps the stable field names (`phones[0]`)
/// for integrations; the UI (`label_fields`) names the fields as the forms do, in the user's
/// language.
pub async fn failure_report(
    state: &AppState,
    me: &Authed,
    id: Uuid,
    label_fields: bool,
) -> Result<Response, peyvand_services::ServiceError> {
    let (import, headers, mut failures) = imports::failures(&state.store, &me.actor, id).await?;
    let tr = Tr::new(state.catalogues.clone(), me.prefs.language);
    if label_fields {
        let labels =
            crate::pages::imports::custom_labels(state, me.prefs.language, &import.record_type)
                .await?;
        for f in &mut failures {
            f.field =
                crate::pages::imports::field_label(&tr, &import.record_type, &f.field, &labels);
        }
    }
    let labels = [
        tr.t("import-report-row"),
        tr.t("import-report-field"),
        tr.t("import-report-reason"),
    ];
    let body = imports::failures_csv(
        &headers,
        &failures,
        [&labels[0], &labels[1], &labels[2]],
        &|code| tr.error(code),
    );
    Ok(file_response(
        body,
        "text/csv; charset=utf-8",
        &format!("import-{}-failures.csv", import.id),
    ))
}

async fn failures_csv(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(failure_report(&state, &me, path_id(&id)?, false).await?)
}

pub fn file_response(body: Vec<u8>, content_type: &str, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// A list's export as CSV or xlsx (`format`), with the list's own filters and sort.
///
/// People get the table in their language: field labels as headers, dates in their calendar,
/// choices, stages and linked records by name. `raw=1` keeps the machine form (field keys,
/// ISO dates, keys and ids) for scripts and for importing back.
pub async fn export_response(
    state: &AppState,
    me: &Authed,
    rt: RecordType,
    query: &str,
) -> ApiResult<Response> {
    let mut format = "csv".to_owned();
    let mut raw = false;
    let rest: Vec<(String, String)> = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| match k.as_str() {
            "format" => {
                format = v.clone();
                false
            }
            "raw" => {
                raw = matches!(v.as_str(), "1" | "true");
                false
            }
            k => !matches!(k, "cursor" | "limit" | "_csrf" | "cols"),
        })
        .collect();
    let req = list_request(&serde_urlencoded::to_string(&rest).unwrap_or_default())?;
    let mut table = export::export_table(&state.store, &me.actor, rt, &req).await?;
    if !raw {
        let tr = crate::i18n::Tr::new(state.catalogues.clone(), me.prefs.language);
        let defs = state
            .store
            .custom_fields(rt.as_str())
            .await
            .map_err(peyvand_services::ServiceError::from)?;
        let mut stages = std::collections::HashMap::new();
        if rt == RecordType::Deal {
            for pl in peyvand_services::sales::pipelines::list(&state.store, &me.actor).await? {
                let name = pl
                    .name_key
                    .as_deref()
                    .and_then(|k| tr.known(&format!("pipeline-name-{}", k.replace('_', "-"))))
                    .unwrap_or(pl.name);
                stages.insert(pl.id, name);
                for s in pl.stages {
                    let name = s
                        .name_key
                        .as_deref()
                        .and_then(|k| tr.known(&format!("stage-name-{}", k.replace('_', "-"))))
                        .unwrap_or(s.name);
                    stages.insert(s.id, name);
                }
            }
        }
        table = crate::labels::present(&tr, &me.prefs, rt, table, &defs, &stages);
    }
    let name = match rt {
        RecordType::Contact => "contacts",
        RecordType::Company => "companies",
        RecordType::Lead => "leads",
        _ => "deals",
    };
    match format.as_str() {
        "csv" => Ok(file_response(
            export::csv_bytes(&table.headers, table.rows),
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
        )),
        "xlsx" => {
            let rtl = me.prefs.language.as_str() == "fa";
            let body = export::xlsx_bytes(&table, rtl, name)?;
            Ok(file_response(
                body,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{name}.xlsx"),
            ))
        }
        _ => Err(ApiError::field("format", "export.bad_format")),
    }
}

async fn export_contacts(
    State(s): State<AppState>,
    me: Authed,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    export_response(&s, &me, RecordType::Contact, q.as_deref().unwrap_or("")).await
}
async fn export_companies(
    State(s): State<AppState>,
    me: Authed,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    export_response(&s, &me, RecordType::Company, q.as_deref().unwrap_or("")).await
}
async fn export_leads(
    State(s): State<AppState>,
    me: Authed,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    export_response(&s, &me, RecordType::Lead, q.as_deref().unwrap_or("")).await
}
async fn export_deals(
    State(s): State<AppState>,
    me: Authed,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    export_response(&s, &me, RecordType::Deal, q.as_deref().unwrap_or("")).await
}
