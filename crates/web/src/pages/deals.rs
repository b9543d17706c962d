//! Deals in the UI: the kanban board, the list, the form, the details page and the pipeline
//! settings.

use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form, Json};
use chrono::{DateTime, NaiveDate, Utc};
use peyvand_domain::calendar::{self, DateStyle};
use peyvand_domain::money::{Currency, Money, format_money};
use peyvand_services::sales::deals::{self, DealInput, Names};
use peyvand_services::sales::pipelines::{self, PipelineInput, PipelineView, StageInput};
use peyvand_services::{FieldError, ServiceError};
use peyvand_store::DealRecord;
use serde::Deserialize;
use uuid::Uuid;

use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::{Authed, cookie, set_cookie};
use crate::error::PageError;
use crate::page::Page;

/// Cookie holding the money display choice: `1` shows IRR amounts in toman.
pub const TOMAN_COOKIE: &str = "pv_toman";

fn parse_id(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::NotFound)
}

fn unprocessable(mut res: axum::response::Response) -> PageResult {
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

fn show_toman(headers: &HeaderMap) -> bool {
    cookie(headers, TOMAN_COOKIE).as_deref() == Some("1")
}

fn money(p: &Page, amount_minor: i64, currency: &str, toman: bool) -> String {
    let c = Currency::new(currency).unwrap_or_default();
    format_money(
        &Money::new(amount_minor, c),
        p.prefs.language,
        p.prefs.digits,
        toman,
    )
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
fn amount_text(amount_minor: i64, currency: &str) -> String {
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

fn kind_label(p: &Page, kind: &str) -> String {
    p.t(&format!("stage-kind-{kind}"))
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn pipeline_opts(list: &[PipelineView], current: Uuid) -> Vec<Opt> {
    list.iter()
        .map(|pl| Opt {
            value: pl.id.to_string(),
            label: pl.name.clone(),
            selected: pl.id == current,
        })
        .collect()
}

fn stage_opts(pl: &PipelineView, current: Uuid) -> Vec<Opt> {
    pl.stages
        .iter()
        .map(|s| Opt {
            value: s.id.to_string(),
            label: s.name.clone(),
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
    toman: bool,
    back: String,
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
    headers: HeaderMap,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let toman = show_toman(&headers);
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
            name: c.stage.name.clone(),
            kind: c.stage.kind.clone(),
            kind_label: kind_label(&p, &c.stage.kind),
            probability: p.digits(format!("{}%", c.stage.probability)),
            count: p.digits(c.count),
            sums: c
                .sums
                .iter()
                .map(|s| money(&p, s.amount_minor, &s.currency, toman))
                .collect::<Vec<_>>()
                .join(" + "),
            more: c.count > c.shown as i64,
            cards: c
                .deals
                .iter()
                .map(|d| Card {
                    id: d.id,
                    title: d.title.clone(),
                    amount: money(&p, d.amount_minor, &d.currency, toman),
                    contact: names.contact(d.contact_id),
                    company: names.company(d.company_id),
                    owner: names.user(d.owner_id),
                    stages: stage_opts(pl, d.stage_id),
                })
                .collect(),
        })
        .collect();
    let back = format!("/deals?pipeline={}", b.pipeline_id);
    html(BoardPage {
        pipelines: pipeline_opts(&all, b.pipeline_id),
        pipeline_id: b.pipeline_id,
        p: p.titled("deals-title", "deals"),
        columns,
        toman,
        back,
    })
}

#[derive(Deserialize, Default)]
pub struct MoneyUnit {
    #[serde(default)]
    toman: String,
    #[serde(default)]
    back: String,
}

/// Switches IRR amounts between rial and toman (a display choice kept in a cookie).
pub async fn money_unit(State(state): State<AppState>, Query(q): Query<MoneyUnit>) -> PageResult {
    let back = if q.back.starts_with("/deals") {
        q.back
    } else {
        "/deals".into()
    };
    let mut res = Redirect::to(&back).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            TOMAN_COOKIE,
            if q.toman == "1" { "1" } else { "0" },
            3600 * 24 * 365,
            true,
            state.config.secure_cookies,
        ),
    );
    Ok(res)
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
            let errs = Errs::from_fields(&p.tr, &fields);
            let toman = show_toman(&headers);
            let opts = ShowOpts {
                move_errs: errs,
                toman,
                ..Default::default()
            };
            unprocessable(show_page(&state, &me, p, id, opts).await?)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the list ----

pub struct Row {
    pub id: Uuid,
    pub title: String,
    pub stage: String,
    pub amount: String,
    pub contact: String,
    pub company: String,
    pub owner: String,
    pub expected: String,
    pub changed: String,
}

pub struct SortLink {
    pub label: String,
    pub href: String,
    /// "ascending", "descending" or "none", for aria-sort.
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "deals_list.html")]
struct ListPage {
    p: Page,
    q: String,
    rows: Vec<Row>,
    sorts: Vec<SortLink>,
    next: Option<String>,
    toman: bool,
    back: String,
}

fn list_href(q: &str, sort: &str, cursor: &str) -> String {
    let mut pairs = vec![];
    if !q.is_empty() {
        pairs.push(("q", q));
    }
    if !sort.is_empty() {
        pairs.push(("sort", sort));
    }
    if !cursor.is_empty() {
        pairs.push(("cursor", cursor));
    }
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if qs.is_empty() {
        "/deals/list".into()
    } else {
        format!("/deals/list?{qs}")
    }
}

pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let toman = show_toman(&headers);
    let req =
        crate::api::list_request(raw.as_deref().unwrap_or("")).map_err(|_| PageError::NotFound)?;
    let page = match deals::list(&state.store, &me.actor, &req).await {
        Ok(page) => page,
        Err(ServiceError::Validation(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let names = deals::names_of(&state.store, &page.rows).await?;
    let all = pipelines::list(&state.store, &me.actor).await?;
    let stage_name = |d: &DealRecord| {
        all.iter()
            .flat_map(|pl| pl.stages.iter())
            .find(|s| s.id == d.stage_id)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let q = req.q.clone().unwrap_or_default();
    let sort = req.sort.clone().unwrap_or_default();
    let rows = page
        .rows
        .iter()
        .map(|d| Row {
            id: d.id,
            title: d.title.clone(),
            stage: stage_name(d),
            amount: money(&p, d.amount_minor, &d.currency, toman),
            contact: names.contact(d.contact_id),
            company: names.company(d.company_id),
            owner: names.user(d.owner_id),
            expected: date(&p, d.expected_close_date),
            changed: p.datetime(d.stage_changed_at),
        })
        .collect();
    let sorts = [
        ("title", "deal-title"),
        ("amount_minor", "deal-amount"),
        ("expected_close_date", "deal-expected-close"),
        ("stage_changed_at", "deal-stage-changed"),
    ]
    .iter()
    .map(|(field, label)| {
        let (state, next) = if sort == *field {
            ("ascending", format!("-{field}"))
        } else if sort == format!("-{field}") {
            ("descending", (*field).to_owned())
        } else {
            ("none", (*field).to_owned())
        };
        SortLink {
            label: p.t(label),
            href: list_href(&q, &next, ""),
            state,
        }
    })
    .collect();
    let next = page.next_cursor.map(|c| list_href(&q, &sort, &c));
    html(ListPage {
        back: list_href(&q, &sort, ""),
        p: p.titled("deals-list-title", "deals"),
        q,
        rows,
        sorts,
        next,
        toman,
    })
}

// ---- the form ----

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DealForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub stage_id: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub expected_close_date: String,
    #[serde(default)]
    pub contact_id: String,
    #[serde(default)]
    pub company_id: String,
    #[serde(default)]
    pub lost_reason: String,
}

impl DealForm {
    fn of(p: &Page, d: &DealRecord) -> DealForm {
        DealForm {
            title: d.title.clone(),
            stage_id: d.stage_id.to_string(),
            amount: amount_text(d.amount_minor, &d.currency),
            currency: d.currency.clone(),
            expected_close_date: date(p, d.expected_close_date),
            contact_id: d.contact_id.map(|i| i.to_string()).unwrap_or_default(),
            company_id: d.company_id.map(|i| i.to_string()).unwrap_or_default(),
            lost_reason: d.lost_reason.clone(),
        }
    }

    /// The service input; ids that do not parse become field errors.
    fn input(&self, all: &[PipelineView]) -> Result<DealInput, Vec<FieldError>> {
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
            currency: Some(self.currency.clone()),
            expected_close_date: Some(self.expected_close_date.clone()),
            contact_id,
            company_id,
            owner_id: None,
            lost_reason: Some(self.lost_reason.clone()),
            custom: None,
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
}

async fn choices(state: &AppState, me: &Authed, form: &DealForm) -> Result<Choices, PageError> {
    let all = pipelines::list(&state.store, &me.actor).await?;
    let (contacts, companies) = deals::link_options(&state.store, &me.actor).await?;
    let opts = |list: Vec<(Uuid, String)>, current: &str| -> Vec<Opt> {
        list.into_iter()
            .map(|(id, label)| Opt {
                selected: id.to_string() == current,
                value: id.to_string(),
                label,
            })
            .collect()
    };
    Ok(Choices {
        stage_groups: all
            .iter()
            .map(|pl| StageGroup {
                name: pl.name.clone(),
                stages: pl
                    .stages
                    .iter()
                    .map(|s| Opt {
                        value: s.id.to_string(),
                        label: s.name.clone(),
                        selected: s.id.to_string() == form.stage_id,
                    })
                    .collect(),
            })
            .collect(),
        contacts: opts(contacts, &form.contact_id),
        companies: opts(companies, &form.company_id),
    })
}

#[derive(Template)]
#[template(path = "deal_form.html")]
struct FormPage {
    p: Page,
    form: DealForm,
    choices: Choices,
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
    let choices = choices(&state, &me, &form).await?;
    html(FormPage {
        p: p.titled("deals-new", "deals"),
        form,
        choices,
        errs: Errs::default(),
        action: "/deals".into(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<DealForm>,
) -> PageResult {
    let all = pipelines::list(&state.store, &me.actor).await?;
    let result = match f.input(&all) {
        Ok(input) => {
            deals::create(&state.store, &me.ctx(), &me.actor, &input, p.prefs.calendar).await
        }
        Err(fields) => Err(ServiceError::Validation(fields)),
    };
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/deals/{}", d.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let choices = choices(&state, &me, &f).await?;
            unprocessable(html(FormPage {
                p: p.titled("deals-new", "deals"),
                form: f,
                choices,
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
    errs: Errs,
    move_errs: Errs,
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
    submitted: Option<DealForm>,
    errs: Errs,
    move_errs: Errs,
    toman: bool,
    saved: bool,
}

async fn show_page(state: &AppState, me: &Authed, p: Page, id: Uuid, o: ShowOpts) -> PageResult {
    let ShowOpts {
        submitted,
        errs,
        move_errs,
        toman,
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
            from: h.from_stage.clone().unwrap_or_else(|| "—".into()),
            to: h.to_stage.clone(),
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
    let form = submitted.unwrap_or_else(|| DealForm::of(&p, &d));
    let choices = choices(state, me, &form).await?;
    let detail = Detail {
        id: d.id,
        pipeline: pl.map(|x| x.name.clone()).unwrap_or_default(),
        stage: stage.map(|s| s.name.clone()).unwrap_or_default(),
        stage_kind: stage.map(|s| kind_label(&p, &s.kind)).unwrap_or_default(),
        probability: stage
            .map(|s| p.digits(format!("{}%", s.probability)))
            .unwrap_or_default(),
        amount: money(&p, d.amount_minor, &d.currency, toman),
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
    };
    let title = d.title.clone();
    let mut p = p.titled("deals-title", "deals");
    p.title = title;
    html(ShowPage {
        stages: pl.map(|pl| stage_opts(pl, d.stage_id)).unwrap_or_default(),
        p,
        d: detail,
        history,
        form,
        choices,
        errs,
        move_errs,
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
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(f): Query<SavedFlag>,
) -> PageResult {
    let id = parse_id(&id)?;
    let toman = show_toman(&headers);
    let opts = ShowOpts {
        toman,
        saved: f.saved.is_some(),
        ..Default::default()
    };
    show_page(&state, &me, p, id, opts).await
}

pub async fn update(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<DealForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let all = pipelines::list(&state.store, &me.actor).await?;
    let result = match f.input(&all) {
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
            let toman = show_toman(&headers);
            let opts = ShowOpts {
                submitted: Some(f),
                errs,
                toman,
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
            name: s.name.clone(),
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
        pipelines: pipeline_opts(&all, current.id),
        pipeline_id: current.id,
        pipeline_name: current.name.clone(),
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
