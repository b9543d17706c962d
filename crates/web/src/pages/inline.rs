//! Inline edit of a list cell, for every record list (contacts, companies, leads, deals).
//!
//! The list marks the cells the caller may change: the column's header says which field it
//! sets and how it is typed (`data-field`, `data-kind`, choices in a `<template>`), the cell
//! holds the value as the edit form would show it (`data-value`; a multi-select's option keys
//! joined by commas, an owner's user id). Without script each such cell is a link to the
//! record; `app.js` turns it into a button that opens an editor in place and posts `field` +
//! `value` (+ the CSRF token) to `POST {base}/{id}/cell`, which saves through
//! `services::sales::cells::update_cell` — the record type's own update, so permissions,
//! validation and the audit entry are those of the edit form — and answers JSON: the new
//! display text, or the field's error in the user's language.

use std::collections::HashMap;

use axum::Extension;
use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::sales::{self as domain_sales, FieldType, LEAD_SOURCES};
use peyvand_services::ServiceError;
use peyvand_services::sales::cells::{self, Updated};
use peyvand_store::{CompanyRecord, ContactRecord, CustomFieldRecord, DealRecord, LeadRecord};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::PageResult;
use super::contacts::{Cell, Column};
use super::records::{self, ListState};
use crate::AppState;
use crate::auth::Authed;
use crate::page::Page;

/// How a column's cells are edited: the field they set, the input, and choices
/// (value, label, group — a stage's pipeline, so a deal offers only its own pipeline's stages).
pub struct Editor {
    pub field: String,
    /// text, number, date, tel, email, select or multi (several choices, sent as their keys
    /// joined by commas).
    pub kind: &'static str,
    pub placeholder: String,
    pub options: Vec<(String, String, String)>,
}

/// A list column header: its label, sort link and editor.
pub struct Header {
    pub label: String,
    pub href: Option<String>,
    pub editor: Option<Editor>,
    /// `aria-sort` of the column the list is sorted on (`ascending`, `descending`), else empty.
    pub sorted: &'static str,
}

/// A list cell: its text, link, and — when the caller may edit it — the value to edit and the
/// group its choices are limited to.
pub struct ListCell {
    pub text: String,
    pub href: Option<String>,
    pub edit: Option<String>,
    pub group: String,
}

/// The built-in list columns a cell may edit: column → (field, input kind).
fn builtin(rt: RecordType, col: &str) -> Option<(&'static str, &'static str)> {
    Some(match (rt, col) {
        (RecordType::Contact, "city") => ("city", "text"),
        (RecordType::Contact, "birth_date") => ("birth_date", "date"),
        (RecordType::Contact, "tags") => ("tags", "text"),
        (RecordType::Company, "industry") => ("industry", "text"),
        (RecordType::Company, "city") => ("city", "text"),
        (RecordType::Company, "employees") => ("employees", "number"),
        (RecordType::Company, "tags") => ("tags", "text"),
        (RecordType::Lead, "company") => ("company_name", "text"),
        (RecordType::Lead, "phone") => ("phone", "tel"),
        (RecordType::Lead, "email") => ("email", "email"),
        (RecordType::Lead, "source") => ("source", "select"),
        (RecordType::Lead, "status") => ("status", "select"),
        (RecordType::Lead, "campaign") => ("campaign", "text"),
        (RecordType::Deal, "stage") => ("stage_id", "select"),
        (RecordType::Deal, "amount") => ("amount", "number"),
        (RecordType::Deal, "expected_close_date") => ("expected_close_date", "date"),
        (RecordType::Deal, "lost_reason") => ("lost_reason", "text"),
        (
            RecordType::Contact | RecordType::Company | RecordType::Lead | RecordType::Deal,
            "owner",
        ) => ("owner_id", "select"),
        _ => return None,
    })
}

/// The list column showing `field` (custom fields are their own column).
fn column_of(rt: RecordType, field: &str) -> String {
    const COLS: [&str; 12] = [
        "owner",
        "city",
        "birth_date",
        "tags",
        "industry",
        "employees",
        "company",
        "phone",
        "email",
        "source",
        "status",
        "campaign",
    ];
    const DEAL_COLS: [&str; 4] = ["stage", "amount", "expected_close_date", "lost_reason"];
    COLS.iter()
        .chain(DEAL_COLS.iter())
        .find(|c| builtin(rt, c).is_some_and(|(f, _)| f == field))
        .map(|c| (*c).to_owned())
        .unwrap_or_else(|| field.to_owned())
}

fn custom_editor(p: &Page, d: &CustomFieldRecord) -> Option<Editor> {
    let none = || (String::new(), "—".to_owned(), String::new());
    let choices = || {
        d.options.0.iter().map(|o| {
            (
                o.key.clone(),
                p.role_name(&o.label_fa, &o.label_en),
                String::new(),
            )
        })
    };
    let (kind, options) = match FieldType::parse(&d.field_type)? {
        // Nothing ticked clears it.
        FieldType::MultiSelect => ("multi", choices().collect()),
        FieldType::Select => ("select", std::iter::once(none()).chain(choices()).collect()),
        FieldType::Boolean => (
            "select",
            vec![
                none(),
                ("true".into(), p.t("yes"), String::new()),
                ("false".into(), p.t("no"), String::new()),
            ],
        ),
        FieldType::Date => ("date", vec![]),
        FieldType::Number | FieldType::Money => ("number", vec![]),
        FieldType::Email => ("email", vec![]),
        FieldType::Phone => ("tel", vec![]),
        _ => ("text", vec![]),
    };
    Some(Editor {
        field: format!("custom.{}", d.key),
        kind,
        placeholder: if kind == "date" {
            p.date_placeholder()
        } else {
            String::new()
        },
        options,
    })
}

/// The choices of editors that depend on the data or on the caller: (value, label, group).
#[derive(Default)]
pub struct Choices {
    /// A deal's stages: (id, label, pipeline id).
    pub stages: Vec<(String, String, String)>,
    /// Whom the caller may give records to: (user id, name, "").
    pub owners: Vec<(String, String, String)>,
}

/// Whom the caller may give records of type `rt` to from the list, when its owner column is
/// shown: the people the edit form offers (`records::owner_choices`). The owner column is not
/// editable when that is the caller alone (an own scope): there is nothing to choose.
pub fn owner_choices(
    people: &records::People,
    actor: &Actor,
    rt: RecordType,
    shown: &[&Column],
) -> Vec<(String, String, String)> {
    if !shown.iter().any(|c| c.key == "owner") || !actor.can(rt, Action::Update) {
        return vec![];
    }
    let choices = people.owner_choices(actor, rt, actor.user_id);
    if choices.len() < 2 {
        return vec![];
    }
    choices
        .into_iter()
        .map(|(id, name, _)| (id.to_string(), name, String::new()))
        .collect()
}

/// The editor of each shown column (None: read-only).
pub fn editors(
    p: &Page,
    rt: RecordType,
    shown: &[&Column],
    defs: &[CustomFieldRecord],
    choices: &Choices,
) -> Vec<Option<Editor>> {
    shown
        .iter()
        .map(|c| {
            if let Some(key) = c.key.strip_prefix("custom.") {
                return defs
                    .iter()
                    .find(|d| d.key == key)
                    .and_then(|d| custom_editor(p, d));
            }
            let (field, kind) = builtin(rt, &c.key)?;
            let options = match field {
                "source" => LEAD_SOURCES
                    .iter()
                    .map(|s| {
                        (
                            (*s).to_owned(),
                            p.t(&format!("lead-source-{}", s.replace('_', "-"))),
                            String::new(),
                        )
                    })
                    .collect(),
                // Converted and disqualified are reached by their own actions.
                "status" => ["new", "working", "qualified"]
                    .iter()
                    .map(|s| {
                        (
                            (*s).to_owned(),
                            p.t(&format!("lead-status-{s}")),
                            String::new(),
                        )
                    })
                    .collect(),
                "stage_id" => choices.stages.clone(),
                "owner_id" if choices.owners.is_empty() => return None,
                "owner_id" => choices.owners.clone(),
                _ => vec![],
            };
            Some(Editor {
                field: field.to_owned(),
                kind,
                placeholder: if kind == "date" {
                    p.date_placeholder()
                } else {
                    String::new()
                },
                options,
            })
        })
        .collect()
}

/// The header row: labels, sort links and editors.
pub fn headers(shown: &[&Column], ls: &ListState, editors: Vec<Option<Editor>>) -> Vec<Header> {
    shown
        .iter()
        .zip(editors)
        .map(|(c, editor)| Header {
            label: c.label.clone(),
            href: c.sort.as_ref().map(|s| ls.sort_href(s)),
            editor,
            sorted: c.sort.as_deref().map_or("", |s| ls.sort_state(s)),
        })
        .collect()
}

/// Whether the caller may change a record from the list (live, and in their update scope).
pub fn may_edit(actor: &Actor, rt: RecordType, owner: Uuid, deleted: bool) -> bool {
    !deleted
        && actor
            .require_record(rt, Action::Update, Some(owner))
            .is_ok()
}

/// A row of the list: editable cells carry the value to edit and, without script, link to
/// the record.
pub fn row(
    id: Uuid,
    record_href: &str,
    cells: Vec<Cell>,
    editors: &[Option<Editor>],
    may_edit: bool,
    group: &str,
    value: impl Fn(&str) -> String,
) -> (Uuid, Vec<ListCell>) {
    let cells = cells
        .into_iter()
        .zip(editors)
        .map(|((text, href), editor)| match editor {
            Some(e) if may_edit => ListCell {
                // Without script the cell leads to the record (an empty one has nothing to
                // click; the editor still opens on it with script).
                href: href.or_else(|| (!text.is_empty()).then(|| record_href.to_owned())),
                text,
                edit: Some(value(&e.field)),
                group: group.to_owned(),
            },
            _ => ListCell {
                text,
                href,
                edit: None,
                group: String::new(),
            },
        })
        .collect();
    (id, cells)
}

fn custom_value(
    p: &Page,
    defs: &[CustomFieldRecord],
    stored: &serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> String {
    field
        .strip_prefix("custom.")
        .and_then(|k| defs.iter().find(|d| d.key == k))
        .map(|d| records::form_text(p, d, stored.get(&d.key)))
        .unwrap_or_default()
}

/// A contact's field as the edit form shows it.
pub fn contact_value(p: &Page, r: &ContactRecord, defs: &[CustomFieldRecord], f: &str) -> String {
    match f {
        "city" => r.city.clone(),
        "birth_date" => records::show_opt_date(p, r.birth_date),
        "tags" => r.tags.0.join(p.list_sep()),
        "owner_id" => r.owner_id.to_string(),
        _ => custom_value(p, defs, &r.custom.0, f),
    }
}

pub fn company_value(p: &Page, r: &CompanyRecord, defs: &[CustomFieldRecord], f: &str) -> String {
    match f {
        "industry" => r.industry.clone(),
        "city" => r.city.clone(),
        "employees" => r.employees.map(|e| p.digits(e)).unwrap_or_default(),
        "tags" => r.tags.0.join(p.list_sep()),
        "owner_id" => r.owner_id.to_string(),
        _ => custom_value(p, defs, &r.custom.0, f),
    }
}

pub fn lead_value(p: &Page, r: &LeadRecord, defs: &[CustomFieldRecord], f: &str) -> String {
    match f {
        "company_name" => r.company_name.clone(),
        "phone" => r
            .phone
            .as_ref()
            .map(|n| {
                super::contacts::show_phone(
                    p,
                    &peyvand_domain::sales::PhoneEntry {
                        number: n.clone(),
                        label: String::new(),
                    },
                )
            })
            .unwrap_or_default(),
        "email" => r.email.clone().unwrap_or_default(),
        "source" => r.source.clone(),
        "status" => r.status.clone(),
        "campaign" => r.campaign.clone(),
        "owner_id" => r.owner_id.to_string(),
        _ => custom_value(p, defs, &r.custom.0, f),
    }
}

/// The value a deal's cell editor starts from; with toman display on, an IRR amount is edited
/// in toman, as the cell shows it.
pub fn deal_value(p: &Page, r: &DealRecord, defs: &[CustomFieldRecord], f: &str) -> String {
    match f {
        "stage_id" => r.stage_id.to_string(),
        "amount" if p.toman && r.currency == "IRR" => super::deals::toman_text(r.amount_minor),
        "amount" => super::deals::amount_text(r.amount_minor, &r.currency),
        "expected_close_date" => records::show_opt_date(p, r.expected_close_date),
        "lost_reason" => r.lost_reason.clone(),
        "owner_id" => r.owner_id.to_string(),
        _ => custom_value(p, defs, &r.custom.0, f),
    }
}

#[derive(Deserialize)]
pub struct CellForm {
    field: String,
    #[serde(default)]
    value: String,
    /// `toman` or `rial`: how the page showed amounts (what the user typed in); empty: the
    /// user's preference now.
    #[serde(default)]
    unit: String,
}

/// A multi-select refused for choices it does not have says which ones.
fn unknown_choices(
    p: &Page,
    defs: &[CustomFieldRecord],
    field: &str,
    value: &str,
) -> Option<String> {
    let d = field
        .strip_prefix("custom.")
        .and_then(|k| defs.iter().find(|d| d.key == k))?;
    if FieldType::parse(&d.field_type) != Some(FieldType::MultiSelect) {
        return None;
    }
    let unknown = domain_sales::unknown_options(&d.options.0, value);
    (!unknown.is_empty()).then(|| {
        p.t_with(
            "cell-unknown-choices",
            "choices",
            unknown.join(p.list_sep()),
        )
    })
}

fn refusal(status: StatusCode, message: String) -> PageResult {
    Ok((status, Json(json!({"ok": false, "message": message}))).into_response())
}

/// The new display text and edit value of the changed cell.
async fn shown(
    state: &AppState,
    me: &Authed,
    p: &Page,
    updated: &Updated,
    field: &str,
) -> Result<(String, String), crate::error::PageError> {
    let none = HashMap::new();
    let owner = |id: Uuid| records::user_names(&state.store, [id]);
    Ok(match updated {
        Updated::Contact(r) => {
            let defs = state.store.custom_fields("contact").await?;
            let col = column_of(RecordType::Contact, field);
            let owners = owner(r.owner_id).await?;
            let (text, _) = super::contacts::contact_cell(p, r, &col, &defs, &owners, &none);
            (text, contact_value(p, r, &defs, field))
        }
        Updated::Company(r) => {
            let defs = state.store.custom_fields("company").await?;
            let col = column_of(RecordType::Company, field);
            let owners = owner(r.owner_id).await?;
            let (text, _) = super::companies::cell(p, r, &col, &defs, &owners);
            (text, company_value(p, r, &defs, field))
        }
        Updated::Lead(r) => {
            let defs = state.store.custom_fields("lead").await?;
            let col = column_of(RecordType::Lead, field);
            let owners = owner(r.owner_id).await?;
            let (text, _) = super::leads::cell(p, r, &col, &defs, &owners);
            (text, lead_value(p, r, &defs, field))
        }
        Updated::Deal(r) => {
            let defs = state.store.custom_fields("deal").await?;
            let col = column_of(RecordType::Deal, field);
            let text = super::deals::one_cell(state, me, p, r, &col, &defs).await?;
            (text, deal_value(p, r, &defs, field))
        }
    })
}

/// A deal amount typed in toman (toman display on, an IRR deal) as rials for the service; None
/// when the cell is something else or the text is not a toman amount (the service then names
/// the problem).
async fn toman_typed(
    state: &AppState,
    me: &Authed,
    p: &Page,
    rt: RecordType,
    id: Uuid,
    f: &CellForm,
) -> Option<String> {
    let toman = match f.unit.as_str() {
        "toman" => true,
        "rial" => false,
        _ => p.toman,
    };
    if rt != RecordType::Deal || f.field.trim() != "amount" || !toman {
        return None;
    }
    // A deal the user may not see is refused by the service, as any other cell.
    let Ok(deal) = peyvand_services::sales::deals::get(&state.store, &me.actor, id).await else {
        return None;
    };
    if deal.currency != "IRR" || f.value.trim().is_empty() {
        return None;
    }
    peyvand_domain::money::parse_toman(&f.value)
        .ok()
        .map(|rials| rials.to_string())
}

/// `POST {base}/{id}/cell`: sets one field from its list cell; JSON either way.
pub async fn save(
    rt: RecordType,
    state: AppState,
    me: Authed,
    p: Page,
    id: String,
    f: CellForm,
) -> PageResult {
    let Ok(id) = Uuid::parse_str(&id) else {
        return refusal(StatusCode::NOT_FOUND, p.t("error-not-found"));
    };
    let in_rials = toman_typed(&state, &me, &p, rt, id, &f).await;
    let edit = cells::CellEdit {
        record_type: rt,
        id,
        field: f.field.trim(),
        value: in_rials.as_deref().unwrap_or(&f.value),
        calendar: p.prefs.calendar,
    };
    let result = cells::update_cell(&state.store, &me.ctx(), &me.actor, edit).await;
    match result {
        Ok(updated) => {
            let (text, value) = shown(&state, &me, &p, &updated, f.field.trim()).await?;
            Ok(Json(json!({"ok": true, "text": text, "value": value})).into_response())
        }
        Err(ServiceError::Validation(fields)) => {
            let first = fields.first().cloned();
            let (field, code) = first
                .map(|e| (e.field, e.code))
                .unwrap_or_else(|| (f.field.clone(), "invalid".into()));
            let mut message = p.tr.error(&code);
            // A problem elsewhere in the record (a required custom field left empty) names
            // the field it is about.
            if field != f.field.trim() {
                let defs = state.store.custom_fields(rt.as_str()).await?;
                let base = field.split('[').next().unwrap_or(&field);
                message = format!(
                    "{}: {message}",
                    crate::labels::field_label(&p.tr, rt, base, &defs)
                );
            } else if code == "custom.bad_option" {
                let defs = state.store.custom_fields(rt.as_str()).await?;
                if let Some(named) = unknown_choices(&p, &defs, &field, &f.value) {
                    message = named;
                }
            }
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"ok": false, "field": field, "message": message})),
            )
                .into_response())
        }
        Err(ServiceError::NotFound) => refusal(StatusCode::NOT_FOUND, p.t("error-not-found")),
        Err(ServiceError::Forbidden) => refusal(StatusCode::FORBIDDEN, p.t("error-forbidden")),
        Err(ServiceError::Duplicate(_)) => refusal(StatusCode::CONFLICT, p.t("duplicate-intro")),
        Err(e) => Err(e.into()),
    }
}

macro_rules! cell_route {
    ($name:ident, $rt:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            Extension(me): Extension<Authed>,
            p: Page,
            Path(id): Path<String>,
            Form(f): Form<CellForm>,
        ) -> PageResult {
            save($rt, state, me, p, id, f).await
        }
    };
}

cell_route!(contact_cell, RecordType::Contact);
cell_route!(company_cell, RecordType::Company);
cell_route!(lead_cell, RecordType::Lead);
cell_route!(deal_cell, RecordType::Deal);
