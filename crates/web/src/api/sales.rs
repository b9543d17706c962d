//! API endpoints of the sales records.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use peyvand_domain::calendar::CalendarKind;
use peyvand_services::sales::companies::{self, CompanyInput, CompanyView};
use peyvand_services::sales::contacts::{self, ContactInput, ContactView, CreateOptions};
use peyvand_services::sales::custom_fields::{self, FieldInput};
use peyvand_services::sales::leads::{self, LeadInput, LeadView};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiError, ApiJson, ApiResult, Page, path_id};
use crate::AppState;
use crate::auth::Authed;

super::record_endpoints!(
    contacts,
    ContactInput,
    ContactView,
    list_contacts,
    get_contact,
    update_contact,
    delete_contact,
    restore_contact
);
super::record_endpoints!(
    companies,
    CompanyInput,
    CompanyView,
    list_companies,
    get_company,
    update_company,
    delete_company,
    restore_company
);
super::record_endpoints!(
    leads,
    LeadInput,
    LeadView,
    list_leads,
    get_lead,
    update_lead,
    delete_lead,
    restore_lead
);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list_contacts).post(create_contact))
        .route(
            "/contacts/{id}",
            get(get_contact)
                .patch(update_contact)
                .delete(delete_contact),
        )
        .route("/contacts/{id}/restore", post(restore_contact))
        .route("/contacts/{id}/duplicates", get(contact_duplicates))
        .route("/contacts/{id}/merge", post(merge_contact))
        .route("/companies", get(list_companies).post(create_company))
        .route(
            "/companies/{id}",
            get(get_company)
                .patch(update_company)
                .delete(delete_company),
        )
        .route("/companies/{id}/restore", post(restore_company))
        .route("/leads", get(list_leads).post(create_lead))
        .route(
            "/leads/{id}",
            get(get_lead).patch(update_lead).delete(delete_lead),
        )
        .route("/leads/{id}/restore", post(restore_lead))
        .route("/leads/{id}/disqualify", post(disqualify_lead))
        .route("/leads/{id}/convert", post(convert_lead))
        .route(
            "/attachments",
            get(list_attachments).post(upload_attachment),
        )
        .route(
            "/attachments/{id}",
            axum::routing::delete(delete_attachment),
        )
        .route("/attachments/{id}/content", get(attachment_content))
        .route("/search", get(search))
        .route("/custom-fields", get(list_fields).post(create_field))
        .route(
            "/custom-fields/{id}",
            axum::routing::patch(update_field).delete(delete_field),
        )
}

#[derive(Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    limit: Option<i64>,
}

#[derive(Serialize)]
pub struct SearchOut {
    data: Vec<peyvand_services::sales::search::SearchHit>,
}

/// `GET /api/v1/search?q=…&limit=…`: contacts, companies, leads and deals the caller may read,
/// by name (Persian-normalised word prefixes), phone in any format, email or national ID; at
/// most `limit` (default 10, at most 50) of each type.
async fn search(
    State(state): State<AppState>,
    me: Authed,
    Query(params): Query<SearchParams>,
) -> ApiResult<Json<SearchOut>> {
    let limit = params.limit.unwrap_or(10);
    if !(1..=peyvand_services::sales::search::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field("limit", "limit.invalid"));
    }
    let data =
        peyvand_services::sales::search::global(&state.store, &me.actor, &params.q, limit).await?;
    Ok(Json(SearchOut { data }))
}

#[derive(Deserialize, Default)]
pub struct CreateParams {
    #[serde(default)]
    allow_duplicate: Option<String>,
}

async fn create_contact(
    State(state): State<AppState>,
    me: Authed,
    Query(params): Query<CreateParams>,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<impl IntoResponse> {
    let opts = CreateOptions {
        allow_duplicate: params.allow_duplicate.as_deref() == Some("true"),
        // The API speaks ISO dates whatever the key owner's calendar.
        calendar: CalendarKind::Gregorian,
    };
    let c = contacts::create(&state.store, &me.ctx(), &me.actor, &input, &opts).await?;
    Ok((StatusCode::CREATED, Json(ContactView::from(&c))))
}

async fn create_company(
    State(state): State<AppState>,
    me: Authed,
    Query(params): Query<CreateParams>,
    ApiJson(input): ApiJson<CompanyInput>,
) -> ApiResult<impl IntoResponse> {
    let allow = params.allow_duplicate.as_deref() == Some("true");
    let c = companies::create(
        &state.store,
        &me.ctx(),
        &me.actor,
        &input,
        allow,
        CalendarKind::Gregorian,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CompanyView::from(&c))))
}

async fn create_lead(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(input): ApiJson<LeadInput>,
) -> ApiResult<impl IntoResponse> {
    let l = leads::create(
        &state.store,
        &me.ctx(),
        &me.actor,
        &input,
        CalendarKind::Gregorian,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(LeadView::from(&l))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisqualifyIn {
    reason: String,
}

async fn disqualify_lead(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DisqualifyIn>,
) -> ApiResult<Json<LeadView>> {
    let l = leads::disqualify(
        &state.store,
        &me.ctx(),
        &me.actor,
        path_id(&id)?,
        &body.reason,
    )
    .await?;
    Ok(Json(LeadView::from(&l)))
}

async fn convert_lead(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<leads::ConvertInput>,
) -> ApiResult<Json<leads::Conversion>> {
    Ok(Json(
        leads::convert(&state.store, &me.ctx(), &me.actor, path_id(&id)?, &body).await?,
    ))
}

async fn contact_duplicates(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<ContactView>>> {
    let c = contacts::get(&state.store, &me.actor, path_id(&id)?).await?;
    let dups = contacts::duplicates(&state.store, &me.actor, &c).await?;
    Ok(Json(Page {
        data: dups.iter().map(ContactView::from).collect(),
        next_cursor: None,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The duplicate to fold into this record; it goes to the recycle bin.
    other_id: Uuid,
}

async fn merge_contact(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MergeIn>,
) -> ApiResult<Json<ContactView>> {
    let c = contacts::merge(
        &state.store,
        &me.ctx(),
        &me.actor,
        path_id(&id)?,
        body.other_id,
    )
    .await?;
    Ok(Json(ContactView::from(&c)))
}

#[derive(Deserialize)]
pub struct AttachmentTarget {
    record_type: String,
    record_id: String,
}

#[derive(Serialize)]
pub struct AttachmentOut {
    id: Uuid,
    record_type: String,
    record_id: Uuid,
    file_name: String,
    content_type: String,
    size: i64,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<peyvand_store::AttachmentRecord> for AttachmentOut {
    fn from(a: peyvand_store::AttachmentRecord) -> Self {
        AttachmentOut {
            id: a.id,
            record_type: a.record_type,
            record_id: a.record_id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            created_at: a.created_at,
        }
    }
}

async fn list_attachments(
    State(state): State<AppState>,
    me: Authed,
    Query(t): Query<AttachmentTarget>,
) -> ApiResult<Json<Page<AttachmentOut>>> {
    let files = peyvand_services::sales::attachments::list(
        &state.store,
        &me.actor,
        &t.record_type,
        path_id(&t.record_id)?,
    )
    .await?;
    Ok(Json(Page {
        data: files.into_iter().map(AttachmentOut::from).collect(),
        next_cursor: None,
    }))
}

/// `multipart/form-data` with a `file` part.
async fn upload_attachment(
    State(state): State<AppState>,
    me: Authed,
    Query(t): Query<AttachmentTarget>,
    multipart: axum::extract::Multipart,
) -> ApiResult<impl IntoResponse> {
    let id = path_id(&t.record_id)?;
    let Some((name, content_type, bytes)) = crate::pages::read_upload(multipart)
        .await
        .map_err(|_| ApiError::field("file", "attachment.too_large"))?
    else {
        return Err(ApiError::field("file", "attachment.empty"));
    };
    let a = peyvand_services::sales::attachments::upload(
        &state.store,
        &me.ctx(),
        &me.actor,
        &t.record_type,
        id,
        peyvand_services::sales::attachments::Upload {
            file_name: name,
            content_type,
            bytes,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(AttachmentOut::from(a))))
}

async fn attachment_content(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    let (a, content) =
        peyvand_services::sales::attachments::download(&state.store, &me.actor, path_id(&id)?)
            .await?;
    Ok(crate::pages::file_response(
        &a.file_name,
        &a.content_type,
        content,
    ))
}

async fn delete_attachment(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    peyvand_services::sales::attachments::delete(&state.store, &me.ctx(), &me.actor, path_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct FieldOut {
    id: Uuid,
    record_type: String,
    key: String,
    label_fa: String,
    label_en: String,
    field_type: String,
    options: Vec<peyvand_domain::sales::SelectOption>,
    required: bool,
    position: i64,
}

impl From<peyvand_store::CustomFieldRecord> for FieldOut {
    fn from(f: peyvand_store::CustomFieldRecord) -> Self {
        FieldOut {
            id: f.id,
            record_type: f.record_type,
            key: f.key,
            label_fa: f.label_fa,
            label_en: f.label_en,
            field_type: f.field_type,
            options: f.options.0,
            required: f.required,
            position: f.position,
        }
    }
}

#[derive(Deserialize)]
pub struct FieldsParams {
    record_type: String,
}

async fn list_fields(
    State(state): State<AppState>,
    _me: Authed,
    Query(p): Query<FieldsParams>,
) -> ApiResult<Json<Page<FieldOut>>> {
    let fields = custom_fields::list(&state.store, &p.record_type).await?;
    Ok(Json(Page {
        data: fields.into_iter().map(FieldOut::from).collect(),
        next_cursor: None,
    }))
}

async fn create_field(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(input): ApiJson<FieldInput>,
) -> ApiResult<impl IntoResponse> {
    let f = custom_fields::create(&state.store, &me.ctx(), &me.actor, &input).await?;
    Ok((StatusCode::CREATED, Json(FieldOut::from(f))))
}

async fn update_field(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FieldInput>,
) -> ApiResult<Json<FieldOut>> {
    let f =
        custom_fields::update(&state.store, &me.ctx(), &me.actor, path_id(&id)?, &input).await?;
    Ok(Json(FieldOut::from(f)))
}

async fn delete_field(
    State(state): State<AppState>,
    me: Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    custom_fields::delete(&state.store, &me.ctx(), &me.actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
