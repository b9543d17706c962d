//! Deals in the UI: the kanban board, the list, the form, the details page and the pipeline
//! settings.

use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form, Json};
use chrono::{DateTime, NaiveDate, Utc};
use peyvand_domain::calendar::{self, DateStyle};
use peyvand_domain::money::Currency;
use peyvand_services::sales::deals::{self, DealInput, Names};
use peyvand_services::sales::pipelines::{
    self, PipelineInput, PipelineView, StageInput, StageView,
};
use peyvand_services::{FieldError, ServiceError, accounts};
use peyvand_store::DealRecord;
use serde::Deserialize;
use uuid::Uuid;

use std::collections::HashMap;

use peyvand_domain::access::{Action, RecordType};
use peyvand_store::CustomFieldRecord;

use super::contacts::{
    Cell, Column, Frame, ListPage, chosen_columns, custom_columns, list_extras, list_frame,
    list_outcome, next_href,
};
use super::inline;
use super::records::{self, ListState, Pairs, QuickFilter, Widget};
use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::page::Page;

fn parse_id(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::NotFound)
}

fn unprocessable(mut res: axum::response::Response) -> PageResult {
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

fn date(p: &Page, d: Option<NaiveDate>) -> String {
    d.map(|d| {
        calendar::format_date(
            d,
            p.prefs.calendar,
            p.prefs.language,
            p.prefs.digits,
            DateStyle::Numeric,
        )
    })
    .unwrap_or_default()
}

/// An amount as a person would type it back into the form (no grouping).
pub(super) fn amount_text(amount_minor: i64, currency: &str) -> String {
    let digits = Currency::new(currency).unwrap_or_default().minor_digits();
    if digits == 0 {
        return amount_minor.to_string();
    }
    let scale = 10i64.pow(digits);
    format!(
        "{}.{:0width$}",
        amount_minor / scale,
        (amount_minor % scale).abs(),
        width = digits as usize
    )
}

/// A rial amount as typed back in toman (a leftover rial is the one decimal).
pub(super) fn toman_text(rials: i64) -> String {
    match rials % 10 {
        0 => (rials / 10).to_string(),
        r => format!("{}.{}", rials / 10, r.abs()),
    }
}

fn kind_label(p: &Page, kind: &str) -> String {
    p.t(&format!("stage-kind-{kind}"))
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn pipeline_opts(p: &Page, list: &[PipelineView], current: Uuid) -> Vec<Opt> {
    list.iter()
        .map(|pl| Opt {
            value: pl.id.to_string(),
            label: p.pipeline_name(pl),
            selected: pl.id == current,
        })
        .collect()
}

fn stage_opts(p: &Page, pl: &PipelineView, current: Uuid) -> Vec<Opt> {
    pl.stages
        .iter()
        .map(|s| Opt {
            value: s.id.to_string(),
            label: p.stage_name(s),
            selected: s.id == current,
        })
        .collect()
}

// ---- the board ----

pub struct Card {
    pub id: Uuid,
    pub title: String,
    pub amount: String,
    pub contact: String,
    pub company: String,
    pub owner: String,
    pub stages: Vec<Opt>,
}

pub struct BoardColumn {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub probability: String,
    pub count: String,
    pub sums: String,
    pub more: bool,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "deals_board.html")]
struct BoardPage {
    p: Page,
    pipelines: Vec<Opt>,
    pipeline_id: Uuid,
    columns: Vec<BoardColumn>,
    back: String,
    /// The rial/toman switch, as on the list.
    money_toggle: Option<(&'static str, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    pipeline: String,
}

pub async fn board(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let wanted = if q.pipeline.is_empty() {
        None
    } else {
        Some(parse_id(&q.pipeline)?)
    };
    let all = pipelines::list(&state.store, &me.actor).await?;
    let (b, records) = deals::board(&state.store, &me.actor, wanted).await?;
    let names = deals::names_of(&state.store, &records).await?;
    let pl = all
        .iter()
        .find(|x| x.id == b.pipeline_id)
        .ok_or(PageError::NotFound)?;
    let columns = b
        .columns
        .iter()
        .map(|c| BoardColumn {
            id: c.stage.id,
            name: p.stage_name(&c.stage),
            kind: c.stage.kind.clone(),
            kind_label: kind_label(&p, &c.stage.kind),
            probability: p.percent(c.stage.probability),
            count: p.count("deal-count", "count", c.count),
            sums: c
                .sums
                .iter()
                .map(|s| p.money(s.amount_minor, &s.currency))
                .collect::<Vec<_>>()
                .join(" + "),
            more: c.count > c.shown as i64,
            cards: c
                .deals
                .iter()
                .map(|d| Card {
                    id: d.id,
                    title: d.title.clone(),
                    amount: p.deal_amount(d.amount_minor, &d.currency),
                    contact: names.contact(d.contact_id),
                    company: names.company(d.company_id),
                    owner: names.user(d.owner_id),
                    stages: stage_opts(&p, pl, d.stage_id),
                })
                .collect(),
        })
        .collect();
    let back = format!("/deals?pipeline={}", b.pipeline_id);
    let money_toggle = money_toggle(&p, back.clone());
    html(BoardPage {
        pipelines: pipeline_opts(&p, &all, b.pipeline_id),
        pipeline_id: b.pipeline_id,
        p: p.titled("deals-title", "deals"),
        columns,
        back,
        money_toggle,
    })
}

#[derive(Deserialize, Default)]
pub struct MoneyUnit {
    #[serde(default)]
    toman: String,
    #[serde(default)]
    back: String,
}

/// The rial/toman switch of the deals pages: (`toman` value it sets, page to return to, label).
fn money_toggle(p: &Page, back: String) -> Option<(&'static str, String, String)> {
    Some(if p.toman {
        ("0", back, p.t("deals-show-rial"))
    } else {
        ("1", back, p.t("deals-show-toman"))
    })
}

/// Switches IRR amounts between rial and toman: the user's profile preference, so it holds
/// on every page and device.
pub async fn money_unit(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Form(q): Form<MoneyUnit>,
) -> PageResult {
    let back = if q.back.starts_with("/deals") && !q.back.starts_with("/deals/money-unit") {
        q.back
    } else {
        "/deals".into()
    };
    let unit = if q.toman == "1" { "toman" } else { "rial" };
    accounts::update_profile(
        &state.store,
        &me.ctx(),
        me.user.id,
        &accounts::ProfileChanges {
            money_unit: Some(unit.to_owned()),
            ..Default::default()
        },
    )
    .await?;
    Ok(Redirect::to(&back).into_response())
}

// ---- moving a card ----

#[derive(Deserialize, Default)]
pub struct MoveForm {
    #[serde(default)]
    stage_id: String,
    #[serde(default)]
    lost_reason: String,
    #[serde(default)]
    back: String,
}

/// Moves a card: the board's script posts here (and gets JSON), and every card's small form
/// posts here without script (and is redirected back).
pub async fn move_deal(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let result = match Uuid::parse_str(f.stage_id.trim()) {
        Ok(stage) => {
            let reason = Some(f.lost_reason.clone()).filter(|r| !r.trim().is_empty());
            deals::move_to_stage(&state.store, &me.ctx(), &me.actor, id, stage, reason).await
        }
        Err(_) => Err(ServiceError::Validation(vec![FieldError::new(
            "stage_id",
            "stage.not_found",
        )])),
    };
    match result {
        Ok(_) if wants_json => Ok(Json(serde_json::json!({"ok": true})).into_response()),
        Ok(_) => {
            let back = if f.back.starts_with("/deals") {
                f.back
            } else {
                format!("/deals/{id}")
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(ServiceError::Validation(fields)) if wants_json => {
            let first = fields.first().cloned();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({
                    "field": first.as_ref().map(|f| f.field.clone()),
                    "message": first.map(|f| p.tr.error(&f.code)),
                })),
            )
                .into_response())
        }
        Err(ServiceError::Validation(fields)) => {
            // The move form comes back as the user left it: the stage they chose (not the
            // deal's current one, which a second submit would silently keep), what they typed,
            // and where to return afterwards.
            let errs = Errs::from_fields(&p.tr, &fields);
            let opts = ShowOpts {
                move_errs: errs,
                move_stage: Uuid::parse_str(f.stage_id.trim()).ok(),
                move_reason: f.lost_reason,
                move_back: Some(f.back).filter(|b| b.starts_with("/deals")),
                ..Default::default()
            };
            unprocessable(show_page(&state, &me, p, id, opts).await?)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the list ----

/// The deals list's columns: (key, label id, sortable field).
const DEAL_COLUMNS: [(&str, &str, Option<&str>); 13] = [
    ("title", "deal-title", Some("title")),
    ("pipeline", "deal-pipeline", Some("pipeline_id")),
    ("stage", "deal-stage", Some("stage_id")),
    ("status", "deal-status", Some("status")),
    ("amount", "deal-amount", Some("amount_minor")),
    ("contact", "deal-contact", None),
    ("company", "deal-company", None),
    ("owner", "deal-owner", Some("owner_id")),
    (
        "expected_close_date",
        "deal-expected-close",
        Some("expected_close_date"),
    ),
    (
        "stage_changed_at",
        "deal-stage-changed",
        Some("stage_changed_at"),
    ),
    ("closed_at", "deal-closed-at", Some("closed_at")),
    ("lost_reason", "deal-lost-reason", None),
    ("created_at", "deal-created-at", Some("created_at")),
];

const DEFAULT_DEAL_COLUMNS: [&str; 7] = [
    "title",
    "stage",
    "amount",
    "contact",
    "company",
    "owner",
    "expected_close_date",
];

const STATUSES: [&str; 3] = ["open", "won", "lost"];

/// The deals list: the same toolbar as the other record lists (search, filters on any field
/// with Jalali date ranges, quick filters for pipeline, stage, owner and status, sort, columns,
/// saved views, bulk actions, recycle bin, keyset paging), plus the board link and toman.
pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    RawQuery(raw): RawQuery,
) -> PageResult {
    const BASE: &str = "/deals/list";
    let ls = ListState::from_query(BASE, raw.as_deref().unwrap_or(""));
    if let Some(to) = ls.normalised(&p) {
        return Ok(Redirect::to(&to).into_response());
    }
    me.actor
        .require(RecordType::Deal, Action::Read)
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("deal").await?;
    let all = pipelines::list(&state.store, &me.actor).await?;
    let mut columns: Vec<Column> = DEAL_COLUMNS
        .iter()
        .map(|(key, label, sort)| Column {
            key: (*key).to_owned(),
            label: p.t(label),
            sort: sort.map(str::to_owned),
        })
        .collect();
    columns.extend(custom_columns(&p, &defs));
    let chosen = chosen_columns(&ls, &DEFAULT_DEAL_COLUMNS);
    let shown: Vec<&Column> = columns.iter().filter(|c| chosen.contains(&c.key)).collect();
    let req = ls.request();
    let result = match &req {
        Ok(r) => Some(deals::list(&state.store, &me.actor, r).await),
        Err(_) => None,
    };
    let (rows, next_cursor, list_error) = list_outcome(&p, &columns, req, |_| {
        result.expect("run when the request parsed")
    })?;
    let names = deals::names_of(&state.store, &rows).await?;
    let people = records::People::load(&state.store).await?;
    let stages: HashMap<Uuid, (&StageView, &PipelineView)> = all
        .iter()
        .flat_map(|pl| pl.stages.iter().map(move |s| (s.id, (s, pl))))
        .collect();
    let several = all.len() > 1;
    let stage_choices: Vec<(String, String)> = all
        .iter()
        .flat_map(|pl| {
            let p = &p;
            pl.stages.iter().map(move |s| {
                let label = if several {
                    format!("{} › {}", p.pipeline_name(pl), p.stage_name(s))
                } else {
                    p.stage_name(s)
                };
                (s.id.to_string(), label)
            })
        })
        .collect();
    // A deal's stage cell offers its own pipeline's stages only.
    let choices = inline::Choices {
        stages: all
            .iter()
            .flat_map(|pl| {
                let p = &p;
                pl.stages
                    .iter()
                    .map(move |s| (s.id.to_string(), p.stage_name(s), pl.id.to_string()))
            })
            .collect(),
        owners: inline::owner_choices(&people, &me.actor, RecordType::Deal, &shown),
    };
    let editors = inline::editors(&p, RecordType::Deal, &shown, &defs, &choices);
    let table: Vec<(Uuid, Vec<inline::ListCell>)> = rows
        .iter()
        .map(|d| {
            let cells: Vec<Cell> = shown
                .iter()
                .map(|c| deal_cell(&p, d, &c.key, &defs, &names, &stages, &all))
                .collect();
            inline::row(
                d.id,
                &format!("/deals/{}", d.id),
                cells,
                &editors,
                inline::may_edit(
                    &me.actor,
                    RecordType::Deal,
                    d.owner_id,
                    d.deleted_at.is_some(),
                ),
                &d.pipeline_id.to_string(),
                |f| inline::deal_value(&p, d, &defs, f),
            )
        })
        .collect();
    let extras = list_extras(&state, &me, &p, &people, "deal", BASE, &ls).await?;
    let headers = inline::headers(&shown, &ls, editors);
    let mut filter_fields: Vec<(String, String)> = [
        ("title", "deal-title"),
        ("amount_minor", "deal-amount-minor"),
        ("currency", "deal-currency"),
        ("expected_close_date", "deal-expected-close"),
        ("closed_at", "deal-closed-at"),
        ("stage_changed_at", "deal-stage-changed"),
        ("created_at", "deal-created-at"),
        ("status", "deal-status"),
    ]
    .iter()
    .map(|(k, l)| ((*k).to_owned(), p.t(l)))
    .collect();
    filter_fields.extend(
        defs.iter()
            .map(|d| (format!("custom.{}", d.key), records::label_of(&p, d))),
    );
    let date_fields: Vec<(String, String)> = [
        ("expected_close_date", "deal-expected-close"),
        ("created_at", "deal-created-at"),
        ("closed_at", "deal-closed-at"),
    ]
    .iter()
    .map(|(k, l)| ((*k).to_owned(), p.t(l)))
    .collect();
    // The people whose deals the reader may see (leavers included), as the other lists offer.
    let owner_list = people.visible_owners(&me.actor, RecordType::Deal);
    let status_choices: Vec<(String, String)> = STATUSES
        .iter()
        .map(|s| ((*s).to_owned(), p.t(&format!("deal-status-{s}"))))
        .collect();
    let owner_choices: Vec<(String, String)> = owner_list
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect();
    let pipeline_choices: Vec<(String, String)> = all
        .iter()
        .map(|pl| (pl.id.to_string(), p.pipeline_name(pl)))
        .collect();
    let mut quick = vec![
        QuickFilter::eq(
            &ls,
            "pipeline_id",
            p.t("deal-pipeline"),
            pipeline_choices.clone(),
        ),
        QuickFilter::eq(&ls, "stage_id", p.t("deal-stage"), stage_choices.clone()),
        QuickFilter::eq(&ls, "status", p.t("deal-status"), status_choices.clone()),
        QuickFilter::eq(&ls, "owner_id", p.t("deal-owner"), owner_choices.clone()),
    ];
    // Choice custom fields are picked by name too (the owner filter is the one above).
    quick.extend(records::choice_filters(&p, &ls, &defs, &[], String::new()));
    let quick_keep = records::quick_keep(&ls, &quick);
    let field_label = |f: &str| match f {
        "pipeline_id" => p.t("deal-pipeline"),
        "stage_id" => p.t("deal-stage"),
        "owner_id" => p.t("deal-owner"),
        _ => filter_fields
            .iter()
            .find(|(k, _)| k == f)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| f.to_owned()),
    };
    let value_label = |f: &str, v: &str| {
        let list = match f {
            "pipeline_id" => &pipeline_choices,
            "stage_id" => &stage_choices,
            "status" => &status_choices,
            "owner_id" => &owner_choices,
            _ => return records::choice_value_label(&p, &defs, &[], f, v),
        };
        list.iter().find(|(k, _)| k == v).map(|(_, l)| l.clone())
    };
    let chips = ls.chips_with(&p, field_label, value_label);
    let Frame {
        hidden,
        keep,
        keep_no_cols,
        operators,
    } = list_frame(&p, &ls);
    let in_bin = ls.get("deleted") == "true";
    let bulk = me.actor.can(RecordType::Deal, Action::Update);
    let links = vec![(
        "board-view".to_owned(),
        "/deals".to_owned(),
        p.t("deals-view-board"),
    )];
    let money_toggle = money_toggle(&p, extras.back.clone());
    html(ListPage {
        record_type: "deal",
        views: extras.views,
        current_query: extras.current_query,
        bulk,
        owners: extras.owners,
        back: extras.back,
        notice: extras.notice,
        base: BASE,
        actions_base: "/deals",
        links,
        money_toggle,
        quick,
        quick_keep,
        date_fields,
        q: ls.get("q"),
        hidden,
        keep,
        keep_no_cols,
        can_create: me.actor.can(RecordType::Deal, Action::Create),
        new_label: p.t("deals-new"),
        filter_fields,
        operators,
        column_choices: columns
            .iter()
            .map(|c| (c.key.clone(), c.label.clone(), chosen.contains(&c.key)))
            .collect(),
        chips,
        headers,
        rows: table,
        next_href: next_href(&ls, BASE, next_cursor),
        bin_href: if in_bin {
            BASE.into()
        } else {
            format!("{BASE}?deleted=true")
        },
        in_bin,
        list_error,
        p: p.titled("deals-list-title", "deals"),
    })
}

/// The text of one cell of one deal (after an inline edit).
pub(super) async fn one_cell(
    state: &AppState,
    me: &Authed,
    p: &Page,
    d: &DealRecord,
    col: &str,
    defs: &[CustomFieldRecord],
) -> Result<String, PageError> {
    let all = pipelines::list(&state.store, &me.actor).await?;
    let stages: HashMap<Uuid, (&StageView, &PipelineView)> = all
        .iter()
        .flat_map(|pl| pl.stages.iter().map(move |s| (s.id, (s, pl))))
        .collect();
    let names = deals::names_of(&state.store, [d]).await?;
    Ok(deal_cell(p, d, col, defs, &names, &stages, &all).0)
}

fn deal_cell(
    p: &Page,
    d: &DealRecord,
    key: &str,
    defs: &[CustomFieldRecord],
    names: &Names,
    stages: &HashMap<Uuid, (&StageView, &PipelineView)>,
    all: &[PipelineView],
) -> Cell {
    let stage = stages.get(&d.stage_id);
    match key {
        "title" => (d.title.clone(), Some(format!("/deals/{}", d.id))),
        "pipeline" => (
            all.iter()
                .find(|pl| pl.id == d.pipeline_id)
                .map(|pl| p.pipeline_name(pl))
                .unwrap_or_default(),
            None,
        ),
        "stage" => (
            stage.map(|(s, _)| p.stage_name(s)).unwrap_or_default(),
            None,
        ),
        "status" => (
            stage
                .map(|(s, _)| p.t(&format!("deal-status-{}", s.kind)))
                .unwrap_or_default(),
            None,
        ),
        "amount" => (p.deal_amount(d.amount_minor, &d.currency), None),
        "contact" => (
            names.contact(d.contact_id),
            d.contact_id.map(|id| format!("/contacts/{id}")),
        ),
        "company" => (
            names.company(d.company_id),
            d.company_id.map(|id| format!("/companies/{id}")),
        ),
        "owner" => (names.user(d.owner_id), None),
        "expected_close_date" => (date(p, d.expected_close_date), None),
        "stage_changed_at" => (p.datetime(d.stage_changed_at), None),
        "closed_at" => (p.opt_datetime(d.closed_at), None),
        "lost_reason" => (d.lost_reason.clone(), None),
        "created_at" => (p.datetime(d.created_at), None),
        k => {
            let text = k
                .strip_prefix("custom.")
                .and_then(|ck| Some((defs.iter().find(|x| x.key == ck)?, d.custom.0.get(ck)?)))
                .map(|(def, v)| records::show_custom(p, def, v))
                .unwrap_or_default();
            (text, None)
        }
    }
}

// ---- the form ----

#[derive(Clone, Debug, Default)]
pub struct DealForm {
    pub title: String,
    pub stage_id: String,
    pub amount: String,
    pub currency: String,
    pub expected_close_date: String,
    pub contact_id: String,
    pub company_id: String,
    pub owner_id: String,
    pub lost_reason: String,
    /// `toman` when the reader shows rials as toman: the amount is typed in toman too.
    pub amount_unit: String,
}

impl DealForm {
    fn of(p: &Page, d: &DealRecord) -> DealForm {
        let in_toman = p.toman && d.currency == "IRR";
        DealForm {
            title: d.title.clone(),
            stage_id: d.stage_id.to_string(),
            amount: match (in_toman, d.amount_minor) {
                (_, 0) => String::new(),
                (true, a) => toman_text(a),
                (false, a) => amount_text(a, &d.currency),
            },
            amount_unit: if in_toman {
                "toman".into()
            } else {
                String::new()
            },
            currency: d.currency.clone(),
            expected_close_date: date(p, d.expected_close_date),
            contact_id: d.contact_id.map(|i| i.to_string()).unwrap_or_default(),
            company_id: d.company_id.map(|i| i.to_string()).unwrap_or_default(),
            owner_id: d.owner_id.to_string(),
            lost_reason: d.lost_reason.clone(),
        }
    }

    /// What the user sent, as typed (custom fields are read from the same pairs).
    fn from_pairs(f: &Pairs) -> DealForm {
        let g = |k: &str| f.get(k).unwrap_or_default();
        DealForm {
            title: g("title"),
            stage_id: g("stage_id"),
            amount: g("amount"),
            currency: g("currency"),
            expected_close_date: g("expected_close_date"),
            contact_id: g("contact_id"),
            company_id: g("company_id"),
            owner_id: g("owner_id"),
            lost_reason: g("lost_reason"),
            amount_unit: g("amount_unit"),
        }
    }

    /// The owner the form shows: what was sent, else `fallback`.
    fn owner(&self, fallback: Uuid) -> Uuid {
        Uuid::parse_str(self.owner_id.trim()).unwrap_or(fallback)
    }

    /// The service input; ids that do not parse become field errors. An absent owner keeps the
    /// current one (or the creator, for a new deal).
    fn input(
        &self,
        all: &[PipelineView],
        custom: serde_json::Map<String, serde_json::Value>,
    ) -> Result<DealInput, Vec<FieldError>> {
        let mut errs = vec![];
        let mut id = |field: &str, v: &str| -> Option<Option<Uuid>> {
            if v.trim().is_empty() {
                return Some(None);
            }
            match Uuid::parse_str(v.trim()) {
                Ok(u) => Some(Some(u)),
                Err(_) => {
                    errs.push(FieldError::new(field, "uuid.invalid"));
                    None
                }
            }
        };
        let stage = id("stage_id", &self.stage_id).flatten();
        let contact_id = id("contact_id", &self.contact_id);
        let company_id = id("company_id", &self.company_id);
        let owner_id = id("owner_id", &self.owner_id).flatten();
        if !errs.is_empty() {
            return Err(errs);
        }
        let pipeline_id = stage.and_then(|s| {
            all.iter()
                .find(|pl| pl.stages.iter().any(|x| x.id == s))
                .map(|pl| pl.id)
        });
        Ok(DealInput {
            title: Some(self.title.clone()),
            pipeline_id,
            stage_id: stage,
            amount_minor: None,
            amount: Some(self.amount.clone()),
            // Toman is a way of writing rials: another currency typed in the form is in its own
            // unit.
            amount_unit: (self.amount_unit == "toman"
                && matches!(self.currency.trim(), "" | "IRR" | "irr"))
            .then(|| "toman".to_owned()),
            currency: Some(self.currency.clone()),
            expected_close_date: Some(self.expected_close_date.clone()),
            contact_id,
            company_id,
            owner_id,
            lost_reason: Some(self.lost_reason.clone()),
            custom: Some(custom),
        })
    }
}

pub struct StageGroup {
    pub name: String,
    pub stages: Vec<Opt>,
}

/// The choices a deal form offers.
pub struct Choices {
    pub stage_groups: Vec<StageGroup>,
    pub contacts: Vec<Opt>,
    pub companies: Vec<Opt>,
    /// (id, name, chosen): whom the actor may give the deal to.
    pub owners: Vec<(Uuid, String, bool)>,
}

async fn choices(
    state: &AppState,
    me: &Authed,
    p: &Page,
    form: &DealForm,
    owner: Uuid,
) -> Result<Choices, PageError> {
    let all = pipelines::list(&state.store, &me.actor).await?;
    let (mut contacts, mut companies) = deals::link_options(&state.store, &me.actor).await?;
    // A link to a record the actor cannot list stays offered (and chosen), so saving the form
    // never drops it unseen.
    if let Ok(id) = Uuid::parse_str(form.contact_id.trim())
        && !contacts.iter().any(|(c, _)| *c == id)
        && let Some(c) = state.store.contact(id).await?
    {
        contacts.insert(0, (c.id, c.full_name()));
    }
    if let Ok(id) = Uuid::parse_str(form.company_id.trim())
        && !companies.iter().any(|(c, _)| *c == id)
        && let Some(c) = state.store.company(id).await?
    {
        companies.insert(0, (c.id, c.name));
    }
    let opts = |list: Vec<(Uuid, String)>, current: &str| -> Vec<Opt> {
        list.into_iter()
            .map(|(id, label)| Opt {
                selected: id.to_string() == current,
                value: id.to_string(),
                label,
            })
            .collect()
    };
    let owners = records::People::load(&state.store).await?.owner_choices(
        &me.actor,
        RecordType::Deal,
        owner,
    );
    Ok(Choices {
        stage_groups: all
            .iter()
            .map(|pl| StageGroup {
                name: p.pipeline_name(pl),
                stages: pl
                    .stages
                    .iter()
                    .map(|s| Opt {
                        value: s.id.to_string(),
                        label: p.stage_name(s),
                        selected: s.id.to_string() == form.stage_id,
                    })
                    .collect(),
            })
            .collect(),
        contacts: opts(contacts, &form.contact_id),
        companies: opts(companies, &form.company_id),
        owners,
    })
}

#[derive(Template)]
#[template(path = "deal_form.html")]
struct FormPage {
    p: Page,
    form: DealForm,
    choices: Choices,
    custom: Vec<Widget>,
    errs: Errs,
    action: String,
}

/// A new deal may start from a contact's or company's page (`?contact_id=…&company_id=…`).
#[derive(serde::Deserialize, Default)]
pub struct NewDealQuery {
    #[serde(default)]
    contact_id: String,
    #[serde(default)]
    company_id: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    axum::extract::Query(q): axum::extract::Query<NewDealQuery>,
) -> PageResult {
    if !p.can("deal", "create") {
        return Err(PageError::Forbidden);
    }
    let mut form = DealForm {
        currency: "IRR".into(),
        contact_id: q.contact_id,
        company_id: q.company_id,
        owner_id: me.user.id.to_string(),
        amount_unit: if p.toman {
            "toman".into()
        } else {
            String::new()
        },
        ..Default::default()
    };
    if let Ok(pl) = pipelines::default_pipeline(&state.store).await
        && let Some(s) = pipelines::view(&state.store, &pl)
            .await?
            .stages
            .into_iter()
            .find(|s| s.kind == "open")
    {
        form.stage_id = s.id.to_string();
    }
    let defs = state.store.custom_fields("deal").await?;
    let custom = records::widgets(&p, &defs, &Default::default(), None, &Errs::default());
    let choices = choices(&state, &me, &p, &form, me.user.id).await?;
    html(FormPage {
        p: p.titled("deals-new", "deals"),
        form,
        choices,
        custom,
        errs: Errs::default(),
        action: "/deals".into(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let pairs = Pairs(pairs);
    let f = DealForm::from_pairs(&pairs);
    let all = pipelines::list(&state.store, &me.actor).await?;
    let defs = state.store.custom_fields("deal").await?;
    let result = match f.input(&all, pairs.custom(&defs)) {
        Ok(input) => {
            deals::create(&state.store, &me.ctx(), &me.actor, &input, p.prefs.calendar).await
        }
        Err(fields) => Err(ServiceError::Validation(fields)),
    };
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/deals/{}", d.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let custom = records::widgets(&p, &defs, &Default::default(), Some(&pairs), &errs);
            let choices = choices(&state, &me, &p, &f, f.owner(me.user.id)).await?;
            unprocessable(html(FormPage {
                p: p.titled("deals-new", "deals"),
                form: f,
                choices,
                custom,
                errs,
                action: "/deals".into(),
            })?)
        }
    }
}

// ---- the details page ----

pub struct HistoryRow {
    pub from: String,
    pub to: String,
    pub when: String,
    pub duration: String,
    pub by: String,
}

pub struct Detail {
    pub id: Uuid,
    pub pipeline: String,
    pub stage: String,
    pub stage_kind: String,
    pub probability: String,
    pub amount: String,
    pub contact: String,
    pub company: String,
    pub owner: String,
    pub expected: String,
    pub closed: String,
    pub lost_reason: String,
    pub deleted: bool,
    /// (label, value) of the filled custom fields.
    pub custom: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "deal_show.html")]
struct ShowPage {
    p: Page,
    d: Detail,
    stages: Vec<Opt>,
    history: Vec<HistoryRow>,
    form: DealForm,
    choices: Choices,
    custom: Vec<Widget>,
    errs: Errs,
    move_errs: Errs,
    move_reason: String,
    move_back: String,
    action: String,
    can_edit: bool,
    can_delete: bool,
    saved: bool,
}

fn duration(p: &Page, seconds: i64) -> String {
    let (id, n) = if seconds >= 86_400 {
        ("duration-days", seconds / 86_400)
    } else if seconds >= 3_600 {
        ("duration-hours", seconds / 3_600)
    } else {
        ("duration-minutes", seconds / 60)
    };
    p.t_with(id, "n", p.digits(n))
}

/// What the details page shows besides the deal: the form as sent, errors, notices.
#[derive(Default)]
struct ShowOpts {
    /// The edit form as sent (with its custom fields), when it is shown again with errors.
    submitted: Option<Pairs>,
    errs: Errs,
    move_errs: Errs,
    /// The move form as sent: the stage chosen, the reason typed, where to go back to.
    move_stage: Option<Uuid>,
    move_reason: String,
    move_back: Option<String>,
    saved: bool,
}

async fn show_page(state: &AppState, me: &Authed, p: Page, id: Uuid, o: ShowOpts) -> PageResult {
    let ShowOpts {
        submitted,
        errs,
        move_errs,
        move_stage,
        move_reason,
        move_back,
        saved,
    } = o;
    let d = deals::get(&state.store, &me.actor, id).await?;
    let all = pipelines::list(&state.store, &me.actor).await?;
    let pl = all.iter().find(|x| x.id == d.pipeline_id);
    let stage = pl.and_then(|pl| pl.stages.iter().find(|s| s.id == d.stage_id));
    let names: Names = deals::names_of(&state.store, [&d]).await?;
    let history = deals::stage_history(&state.store, &me.actor, id).await?;
    let mut users = std::collections::HashMap::new();
    for h in &history {
        if let Some(u) = h.changed_by
            && !users.contains_key(&u)
        {
            let name = state
                .store
                .user_by_id(u)
                .await
                .map_err(ServiceError::from)?
                .map(|u| u.display_name)
                .unwrap_or_default();
            users.insert(u, name);
        }
    }
    let history = history
        .iter()
        .map(|h| HistoryRow {
            from: h
                .from_stage
                .as_deref()
                .map(|n| p.named("stage", n, h.from_stage_key.as_deref()))
                .unwrap_or_else(|| "—".into()),
            to: p.named("stage", &h.to_stage, h.to_stage_key.as_deref()),
            when: p.datetime(h.changed_at),
            duration: duration(&p, h.seconds_in_stage),
            by: h
                .changed_by
                .and_then(|u| users.get(&u).cloned())
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let can_edit = d.deleted_at.is_none()
        && me
            .actor
            .require_record(
                peyvand_domain::access::RecordType::Deal,
                peyvand_domain::access::Action::Update,
                Some(d.owner_id),
            )
            .is_ok();
    let can_delete = me
        .actor
        .require_record(
            peyvand_domain::access::RecordType::Deal,
            peyvand_domain::access::Action::Delete,
            Some(d.owner_id),
        )
        .is_ok();
    let defs = state.store.custom_fields("deal").await?;
    let (form, custom) = match &submitted {
        Some(pairs) => (
            DealForm::from_pairs(pairs),
            records::widgets(&p, &defs, &Default::default(), Some(pairs), &errs),
        ),
        None => (
            DealForm::of(&p, &d),
            records::widgets(&p, &defs, &d.custom.0, None, &errs),
        ),
    };
    let choices = choices(state, me, &p, &form, form.owner(d.owner_id)).await?;
    let custom_lines = records::custom_lines(&p, &defs, &d.custom.0);
    let detail = Detail {
        id: d.id,
        pipeline: pl.map(|x| p.pipeline_name(x)).unwrap_or_default(),
        stage: stage.map(|s| p.stage_name(s)).unwrap_or_default(),
        stage_kind: stage.map(|s| kind_label(&p, &s.kind)).unwrap_or_default(),
        probability: stage.map(|s| p.percent(s.probability)).unwrap_or_default(),
        amount: p.deal_amount(d.amount_minor, &d.currency),
        contact: names.contact(d.contact_id),
        company: names.company(d.company_id),
        owner: names.user(d.owner_id),
        expected: date(&p, d.expected_close_date),
        closed: d
            .closed_at
            .map(|t: DateTime<Utc>| p.datetime(t))
            .unwrap_or_default(),
        lost_reason: d.lost_reason.clone(),
        deleted: d.deleted_at.is_some(),
        custom: custom_lines,
    };
    let title = d.title.clone();
    let mut p = p.titled("deals-title", "deals");
    p.title = title;
    html(ShowPage {
        stages: pl
            .map(|pl| stage_opts(&p, pl, move_stage.unwrap_or(d.stage_id)))
            .unwrap_or_default(),
        d: detail,
        history,
        form,
        choices,
        custom,
        errs,
        move_errs,
        move_reason,
        move_back: move_back.unwrap_or_else(|| format!("/deals/{id}")),
        p,
        action: format!("/deals/{id}"),
        can_edit,
        can_delete,
        saved,
    })
}

#[derive(Deserialize, Default)]
pub struct SavedFlag {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Query(f): Query<SavedFlag>,
) -> PageResult {
    let id = parse_id(&id)?;
    let opts = ShowOpts {
        saved: f.saved.is_some(),
        ..Default::default()
    };
    show_page(&state, &me, p, id, opts).await
}

pub async fn update(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = parse_id(&id)?;
    let pairs = Pairs(pairs);
    let f = DealForm::from_pairs(&pairs);
    let all = pipelines::list(&state.store, &me.actor).await?;
    let defs = state.store.custom_fields("deal").await?;
    let result = match f.input(&all, pairs.custom(&defs)) {
        Ok(input) => {
            deals::update(
                &state.store,
                &me.ctx(),
                &me.actor,
                id,
                &input,
                p.prefs.calendar,
            )
            .await
        }
        Err(fields) => Err(ServiceError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/deals/{id}?saved=1")).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let opts = ShowOpts {
                submitted: Some(pairs),
                errs,
                ..Default::default()
            };
            unprocessable(show_page(&state, &me, p, id, opts).await?)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    deals::set_deleted(&state.store, &me.ctx(), &me.actor, id, true).await?;
    Ok(Redirect::to("/deals").into_response())
}

pub async fn restore(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    deals::set_deleted(&state.store, &me.ctx(), &me.actor, id, false).await?;
    Ok(Redirect::to(&format!("/deals/{id}")).into_response())
}

// ---- pipeline settings ----

pub struct StageRow {
    pub id: Uuid,
    pub name: String,
    pub probability: i64,
    pub kind: String,
    pub first: bool,
    pub last: bool,
}

#[derive(Template)]
#[template(path = "pipelines.html")]
struct PipelinesPage {
    p: Page,
    pipelines: Vec<Opt>,
    pipeline_id: Uuid,
    pipeline_name: String,
    stages: Vec<StageRow>,
    kinds: Vec<(String, String)>,
    can_edit: bool,
    errs: Errs,
}

async fn pipelines_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    wanted: Option<Uuid>,
    errs: Errs,
) -> PageResult {
    let all = pipelines::list(&state.store, &me.actor).await?;
    let current = match wanted {
        Some(id) => all.iter().find(|x| x.id == id),
        None => all.iter().find(|x| x.is_default).or(all.first()),
    }
    .ok_or(PageError::NotFound)?;
    let n = current.stages.len();
    let stages = current
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| StageRow {
            id: s.id,
            name: p.stage_name(s),
            probability: s.probability,
            kind: s.kind.clone(),
            first: i == 0,
            last: i + 1 == n,
        })
        .collect();
    let kinds = ["open", "won", "lost"]
        .iter()
        .map(|k| ((*k).to_owned(), kind_label(&p, k)))
        .collect();
    let can_edit = p.can("role", "update");
    html(PipelinesPage {
        pipelines: pipeline_opts(&p, &all, current.id),
        pipeline_id: current.id,
        pipeline_name: p.pipeline_name(current),
        stages,
        kinds,
        can_edit,
        errs,
        p: p.titled("pipelines-title", "settings"),
    })
}

pub async fn pipelines_settings(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let wanted = if q.pipeline.is_empty() {
        None
    } else {
        Some(parse_id(&q.pipeline)?)
    };
    pipelines_page(&state, &me, p, wanted, Errs::default()).await
}

#[derive(Deserialize, Default)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

fn back_to(pipeline: Uuid) -> PageResult {
    Ok(Redirect::to(&format!("/settings/pipelines?pipeline={pipeline}")).into_response())
}

async fn or_form_errors(
    state: &AppState,
    me: &Authed,
    p: Page,
    pipeline: Option<Uuid>,
    r: Result<Uuid, ServiceError>,
) -> PageResult {
    match r {
        Ok(id) => back_to(id),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            unprocessable(pipelines_page(state, me, p, pipeline, errs).await?)
        }
    }
}

pub async fn create_pipeline(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<NameForm>,
) -> PageResult {
    let input = PipelineInput {
        name: Some(f.name),
        position: None,
    };
    let r = pipelines::create(&state.store, &me.ctx(), &me.actor, &input)
        .await
        .map(|x| x.id);
    or_form_errors(&state, &me, p, None, r).await
}

pub async fn rename_pipeline(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<NameForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let input = PipelineInput {
        name: Some(f.name),
        position: None,
    };
    let r = pipelines::update(&state.store, &me.ctx(), &me.actor, id, &input)
        .await
        .map(|x| x.id);
    or_form_errors(&state, &me, p, Some(id), r).await
}

#[derive(Deserialize, Default)]
pub struct StageForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    probability: String,
    #[serde(default)]
    kind: String,
}

impl StageForm {
    fn input(&self) -> Result<StageInput, ServiceError> {
        let prob = peyvand_domain::digits::to_ascii(self.probability.trim());
        let probability = if prob.is_empty() {
            None
        } else {
            Some(prob.parse::<i64>().map_err(|_| {
                ServiceError::Validation(vec![FieldError::new(
                    "probability",
                    "stage.bad_probability",
                )])
            })?)
        };
        Ok(StageInput {
            name: Some(self.name.clone()),
            probability,
            kind: Some(self.kind.clone()).filter(|k| !k.is_empty()),
            position: None,
        })
    }
}

pub async fn add_stage(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<StageForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let r = match f.input() {
        Ok(input) => pipelines::add_stage(&state.store, &me.ctx(), &me.actor, id, &input)
            .await
            .map(|s| s.pipeline_id),
        Err(e) => Err(e),
    };
    or_form_errors(&state, &me, p, Some(id), r).await
}

async fn stage_pipeline(state: &AppState, id: Uuid) -> Result<Uuid, PageError> {
    Ok(state
        .store
        .stage(id)
        .await
        .map_err(ServiceError::from)?
        .ok_or(PageError::NotFound)?
        .pipeline_id)
}

pub async fn update_stage(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<StageForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let pipeline = stage_pipeline(&state, id).await?;
    let r = match f.input() {
        Ok(input) => pipelines::update_stage(&state.store, &me.ctx(), &me.actor, id, &input)
            .await
            .map(|s| s.pipeline_id),
        Err(e) => Err(e),
    };
    or_form_errors(&state, &me, p, Some(pipeline), r).await
}

pub async fn stage_up(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let pipeline = stage_pipeline(&state, id).await?;
    pipelines::shift_stage(&state.store, &me.ctx(), &me.actor, id, true).await?;
    back_to(pipeline)
}

pub async fn stage_down(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let pipeline = stage_pipeline(&state, id).await?;
    pipelines::shift_stage(&state.store, &me.ctx(), &me.actor, id, false).await?;
    back_to(pipeline)
}

pub async fn delete_stage(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let pipeline = stage_pipeline(&state, id).await?;
    let r = pipelines::delete_stage(&state.store, &me.ctx(), &me.actor, id)
        .await
        .map(|_| pipeline);
    or_form_errors(&state, &me, p, Some(pipeline), r).await
}
