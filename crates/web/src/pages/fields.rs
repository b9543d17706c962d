//! Settings → custom fields: an administrator adds fields to contacts, companies, leads, deals
//! and activities; they appear in forms, lists, filters and exports at once.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use peyvand_domain::access::{Action, RecordType};
use peyvand_domain::sales::{FieldType, SelectOption};
use peyvand_services::ServiceError;
use peyvand_services::sales::custom_fields::{self, FieldInput, WITH_CUSTOM_FIELDS};
use serde::Deserialize;
use uuid::Uuid;

use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::page::Page;

pub struct FieldRow {
    pub id: Uuid,
    pub label: String,
    pub key: String,
    pub kind: String,
    pub required: bool,
    pub options: String,
}

#[derive(Default, Deserialize)]
pub struct FieldForm {
    #[serde(default)]
    pub record_type: String,
    #[serde(default)]
    pub label_fa: String,
    #[serde(default)]
    pub label_en: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub field_type: String,
    /// One option per line: `key | Persian label | English label`.
    #[serde(default)]
    pub options: String,
    #[serde(default)]
    pub required: Option<String>,
}

struct FormView {
    label_fa: String,
    label_en: String,
    key: String,
    field_type: String,
    options: String,
    required: bool,
}

#[derive(Template)]
#[template(path = "custom_fields.html")]
struct FieldsPage {
    p: Page,
    record_type: String,
    types: Vec<(&'static str, String)>,
    fields: Vec<FieldRow>,
    can_edit: bool,
    form: FormView,
    field_types: Vec<(&'static str, String)>,
    errs: Errs,
}

#[derive(Deserialize, Default)]
pub struct TypeQuery {
    #[serde(default)]
    record_type: String,
}

fn parse_options(text: &str) -> Vec<SelectOption> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split('|').map(str::trim);
            let key = parts.next().unwrap_or_default().to_owned();
            let label_fa = parts.next().unwrap_or_default().to_owned();
            let label_en = parts.next().unwrap_or_default().to_owned();
            SelectOption {
                key,
                label_fa,
                label_en,
            }
        })
        .collect()
}

async fn page(
    state: &AppState,
    me: &Authed,
    p: Page,
    record_type: String,
    form: FormView,
    errs: Errs,
) -> PageResult {
    let rt = RecordType::parse(&record_type)
        .filter(|r| WITH_CUSTOM_FIELDS.contains(r))
        .unwrap_or(RecordType::Contact);
    let record_type = rt.as_str().to_owned();
    let fields = custom_fields::list(&state.store, &record_type)
        .await?
        .into_iter()
        .map(|f| FieldRow {
            id: f.id,
            label: p.role_name(&f.label_fa, &f.label_en),
            kind: p.t(&format!("field-type-{}", f.field_type.replace('_', "-"))),
            options: f
                .options
                .0
                .iter()
                .map(|o| p.role_name(&o.label_fa, &o.label_en))
                .collect::<Vec<_>>()
                .join(p.list_sep()),
            key: f.key,
            required: f.required,
        })
        .collect();
    html(FieldsPage {
        types: WITH_CUSTOM_FIELDS
            .iter()
            .map(|r| (r.as_str(), p.t(&format!("record-type-{}", r.as_str()))))
            .collect(),
        field_types: FieldType::ALL
            .iter()
            .map(|t| {
                (
                    t.as_str(),
                    p.t(&format!("field-type-{}", t.as_str().replace('_', "-"))),
                )
            })
            .collect(),
        can_edit: me.actor.can(RecordType::Role, Action::Update),
        p: p.titled("fields-title", "settings"),
        record_type,
        fields,
        form,
        errs,
    })
}

fn empty_form() -> FormView {
    FormView {
        label_fa: String::new(),
        label_en: String::new(),
        key: String::new(),
        field_type: "text".into(),
        options: String::new(),
        required: false,
    }
}

pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(q): Query<TypeQuery>,
) -> PageResult {
    me.actor
        .require(RecordType::Role, Action::Read)
        .map_err(|_| PageError::Forbidden)?;
    page(&state, &me, p, q.record_type, empty_form(), Errs::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<FieldForm>,
) -> PageResult {
    let input = FieldInput {
        record_type: f.record_type.clone(),
        key: f.key.clone(),
        label_fa: f.label_fa.clone(),
        label_en: f.label_en.clone(),
        field_type: f.field_type.clone(),
        options: parse_options(&f.options),
        required: f.required.is_some(),
        position: 0,
    };
    match custom_fields::create(&state.store, &me.ctx(), &me.actor, &input).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/settings/fields?record_type={}", f.record_type))
                .into_response(),
        ),
        Err(e @ ServiceError::Validation(_)) => {
            let errs = form_errors(&p.tr, e)?;
            let form = FormView {
                label_fa: f.label_fa,
                label_en: f.label_en,
                key: f.key,
                field_type: f.field_type,
                options: f.options,
                required: f.required.is_some(),
            };
            let mut res = page(&state, &me, p, f.record_type, form, errs).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let field = state
        .store
        .custom_field(id)
        .await
        .map_err(ServiceError::from)?
        .ok_or(PageError::NotFound)?;
    custom_fields::delete(&state.store, &me.ctx(), &me.actor, id).await?;
    Ok(Redirect::to(&format!(
        "/settings/fields?record_type={}",
        field.record_type
    ))
    .into_response())
}
