//! «امروز من» (my day), the activity list, the activity form and page with hand-offs, and the
//! "reassign all open work" action of the user settings.

use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use chrono::Utc;
use peyvand_domain::access::{Action, RecordType, Scope};
use peyvand_domain::calendar::{self, DateStyle};
use peyvand_domain::sales::FieldType;
use peyvand_domain::sales::{ACTIVITY_KINDS, CALL_OUTCOMES};
use peyvand_domain::{schedule, text};
use peyvand_services::sales::activities::{self, ActivityInput, Locale};
use peyvand_services::sales::common::ListRequest;
use peyvand_services::sales::referrals::{self, ReferralInput};
use peyvand_services::sales::{my_day, search};
use peyvand_services::{FieldError, ServiceError, accounts};
use peyvand_store::{ActivityRecord, CustomFieldRecord, ReferralRecord};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::records::{self, Pairs, Widget};
use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::page::Page;

fn parse_id(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::NotFound)
}

fn unprocessable(mut res: axum::response::Response) -> PageResult {
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

fn locale(p: &Page) -> Locale {
    Locale {
        calendar: p.prefs.calendar,
        tz: p.prefs.time_zone,
    }
}

/// A choice in a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Active users the actor may see, for pickers; `[]` when they may not read users.
async fn users(state: &AppState, me: &Authed) -> Result<Vec<peyvand_store::UserRecord>, PageError> {
    if !me.actor.can(RecordType::User, Action::Read) {
        return Ok(vec![me.user.clone()]);
    }
    Ok(
        accounts::list_users(&state.store, &me.actor, None, None, 500)
            .await?
            .into_iter()
            .filter(|u| u.active)
            .collect(),
    )
}

/// The colleagues a record can be given to by the actor (the assignee picker), by scope.
async fn assignees(state: &AppState, me: &Authed) -> Result<Vec<Choice>, PageError> {
    let scope = me.actor.scope(RecordType::Activity, Action::Create);
    Ok(users(state, me)
        .await?
        .into_iter()
        .filter(|u| match scope {
            Scope::All => true,
            Scope::Team => u.id == me.user.id || me.actor.teammates.contains(&u.id),
            _ => u.id == me.user.id,
        })
        .map(|u| Choice {
            value: u.id.to_string(),
            label: u.display_name,
        })
        .collect())
}

/// Everyone active except `except` (for hand-offs and reassignment).
pub async fn user_choices(
    state: &AppState,
    me: &Authed,
    except: Option<Uuid>,
) -> Result<Vec<Choice>, PageError> {
    Ok(users(state, me)
        .await?
        .into_iter()
        .filter(|u| Some(u.id) != except)
        .map(|u| Choice {
            value: u.id.to_string(),
            label: u.display_name,
        })
        .collect())
}

async fn names(state: &AppState, me: &Authed) -> Vec<(Uuid, String)> {
    users(state, me)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect()
}

fn name_of(names: &[(Uuid, String)], id: Uuid) -> String {
    names
        .iter()
        .find(|(u, _)| *u == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| "—".into())
}

/// One activity as lists show it.
pub struct Row {
    pub id: Uuid,
    pub kind: String,
    pub kind_label: String,
    pub subject: String,
    pub due: String,
    pub owner: String,
    pub done: bool,
    pub outcome: String,
}

fn row(p: &Page, names: &[(Uuid, String)], a: &ActivityRecord) -> Row {
    Row {
        id: a.id,
        kind: a.kind.clone(),
        kind_label: p.t(&format!("activity-kind-{}", a.kind)),
        subject: a.subject.clone(),
        due: p.opt_datetime(a.due_at),
        owner: name_of(names, a.owner_id),
        done: a.done_at.is_some(),
        outcome: if a.outcome.is_empty() {
            String::new()
        } else {
            p.t(&format!("call-outcome-{}", a.outcome.replace('_', "-")))
        },
    }
}

fn kind_choices(p: &Page) -> Vec<Choice> {
    ACTIVITY_KINDS
        .iter()
        .map(|k| Choice {
            value: (*k).to_owned(),
            label: p.t(&format!("activity-kind-{k}")),
        })
        .collect()
}

fn outcome_choices(p: &Page) -> Vec<Choice> {
    CALL_OUTCOMES
        .iter()
        .map(|o| Choice {
            value: (*o).to_owned(),
            label: p.t(&format!("call-outcome-{}", o.replace('_', "-"))),
        })
        .collect()
}

// ---- my day ----

pub struct StageBox {
    pub name: String,
    pub totals: String,
    pub deals: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "my_day.html")]
struct MyDayPage {
    p: Page,
    people: Vec<Choice>,
    selected: String,
    overdue: Vec<Row>,
    today: Vec<Row>,
    meetings: Vec<Row>,
    stages: Vec<StageBox>,
}

#[derive(Deserialize, Default)]
pub struct DayQuery {
    #[serde(default)]
    user: String,
}

pub async fn my_day_page(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(q): Query<DayQuery>,
) -> PageResult {
    let user = if q.user.is_empty() {
        me.user.id
    } else {
        parse_id(&q.user)?
    };
    let d = my_day::my_day(&state.store, &me.actor, user, Utc::now(), p.prefs.time_zone).await?;
    let names = names(&state, &me).await;
    // A manager picks whose day to see; a salesperson sees only their own.
    let people: Vec<Choice> = users(&state, &me)
        .await?
        .into_iter()
        .filter(|u| u.id != me.user.id && my_day::may_view(&me.actor, u.id))
        .map(|u| Choice {
            value: u.id.to_string(),
            label: u.display_name,
        })
        .collect();
    let rows = |v: &[ActivityRecord]| v.iter().map(|a| row(&p, &names, a)).collect();
    let stages = d
        .deals_by_stage
        .iter()
        .map(|g| StageBox {
            name: p.named("stage", &g.stage_name, g.stage_key.as_deref()),
            totals: g
                .totals
                .iter()
                .map(|(c, n)| p.money(*n, c))
                .collect::<Vec<_>>()
                .join(" + "),
            deals: g
                .deals
                .iter()
                .map(|d| (d.title.clone(), p.deal_amount(d.amount_minor, &d.currency)))
                .collect(),
        })
        .collect();
    let page = MyDayPage {
        overdue: rows(&d.overdue),
        today: rows(&d.today),
        meetings: rows(&d.upcoming_meetings),
        stages,
        people,
        selected: if user == me.user.id {
            String::new()
        } else {
            user.to_string()
        },
        p: p.titled("my-day-title", "my-day"),
    };
    html(page)
}

// ---- list ----

#[derive(Deserialize, Default)]
pub struct ListFilter {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    cursor: String,
}

/// A filter on a custom field of activities (`cf.KEY=value` in the URL): a choice for select
/// fields, text (contains) for text fields, the value itself for the others.
pub struct CustomFilter {
    pub name: String,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    /// (key, label, selected) of a select field's options.
    pub options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ListPage {
    p: Page,
    f: ListFilter,
    kinds: Vec<Choice>,
    custom_filters: Vec<CustomFilter>,
    rows: Vec<Row>,
    next: Option<String>,
}

impl ListPage {
    fn next_href(&self, cursor: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("scope", self.f.scope.as_str()),
            ("kind", self.f.kind.as_str()),
            ("state", self.f.state.as_str()),
            ("due", self.f.due.as_str()),
        ];
        for c in &self.custom_filters {
            if !c.value.is_empty() {
                pairs.push((c.name.as_str(), c.value.as_str()));
            }
        }
        pairs.push(("cursor", cursor));
        let q = serde_urlencoded::to_string(pairs).unwrap_or_default();
        format!("/activities?{q}")
    }
}

/// The custom fields that can filter the list, with what the URL asks of each; the filters
/// they add go into `req`. Yes/no fields are left out: their stored JSON booleans do not
/// compare alike on both databases.
fn custom_filters(
    p: &Page,
    defs: &[CustomFieldRecord],
    raw: &str,
    req: &mut ListRequest,
) -> Vec<CustomFilter> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
    let mut out = vec![];
    for d in defs {
        let Some(t) = FieldType::parse(&d.field_type) else {
            continue;
        };
        if t == FieldType::Boolean {
            continue;
        }
        let name = format!("cf.{}", d.key);
        let value = pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default();
        let field = format!("custom.{}", d.key);
        if !value.is_empty() {
            let (op, v) = match t {
                FieldType::Select => ("eq", value.clone()),
                FieldType::MultiSelect => ("has", value.clone()),
                FieldType::Text | FieldType::Email | FieldType::Url | FieldType::Phone => {
                    ("contains", value.clone())
                }
                // Dates typed in the user's calendar compare as ISO.
                FieldType::Date => (
                    "eq",
                    peyvand_domain::sales::parse_user_date(&value, p.prefs.calendar)
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_else(|_| value.clone()),
                ),
                _ => ("eq", peyvand_domain::digits::to_ascii(&value)),
            };
            filter(req, &field, op, v);
        }
        out.push(CustomFilter {
            kind: match t {
                FieldType::Select | FieldType::MultiSelect => "select",
                FieldType::Date => "date",
                _ => "text",
            },
            options: d
                .options
                .0
                .iter()
                .map(|o| {
                    (
                        o.key.clone(),
                        p.role_name(&o.label_fa, &o.label_en),
                        o.key == value,
                    )
                })
                .collect(),
            label: records::label_of(p, d),
            name,
            value,
        });
    }
    out
}

fn filter(req: &mut ListRequest, field: &str, op: &str, v: String) {
    req.filters
        .push((field.to_owned(), op.to_owned(), Value::String(v)));
}

pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(f): Query<ListFilter>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let mut req = ListRequest {
        limit: Some(50),
        cursor: Some(f.cursor.clone()).filter(|c| !c.is_empty()),
        ..Default::default()
    };
    let defs = state.store.custom_fields("activity").await?;
    let custom_filters = custom_filters(&p, &defs, raw.as_deref().unwrap_or(""), &mut req);
    if f.scope != "team" {
        filter(&mut req, "owner_id", "eq", me.user.id.to_string());
    }
    if ACTIVITY_KINDS.contains(&f.kind.as_str()) {
        filter(&mut req, "kind", "eq", f.kind.clone());
    }
    match f.state.as_str() {
        "done" => filter(&mut req, "done_at", "not_empty", String::new()),
        "all" => {}
        _ => filter(&mut req, "done_at", "empty", String::new()),
    }
    let today = schedule::today_in(Utc::now(), p.prefs.time_zone);
    let range = match f.due.as_str() {
        "week" => Some(schedule::week_range(today, p.prefs.calendar)),
        "month" => Some(calendar::month_range(today, p.prefs.calendar, 0)),
        _ => None,
    };
    if let Some((from, until)) = range {
        let tz = p.prefs.time_zone;
        filter(
            &mut req,
            "due_at",
            "ge",
            schedule::date_time_in(from, None, tz).to_rfc3339(),
        );
        filter(
            &mut req,
            "due_at",
            "lt",
            schedule::date_time_in(until, None, tz).to_rfc3339(),
        );
        req.sort = Some("due_at".into());
    }
    let page = match activities::list(&state.store, &me.actor, &req).await {
        Ok(page) => page,
        // A stale cursor starts over rather than failing.
        Err(ServiceError::Validation(_)) if req.cursor.is_some() => {
            req.cursor = None;
            activities::list(&state.store, &me.actor, &req).await?
        }
        Err(e) => return Err(e.into()),
    };
    let names = names(&state, &me).await;
    html(ListPage {
        kinds: kind_choices(&p),
        custom_filters,
        rows: page.rows.iter().map(|a| row(&p, &names, a)).collect(),
        next: page.next_cursor,
        f,
        p: p.titled("activities-title", "activities"),
    })
}

// ---- form ----

#[derive(Deserialize, Default, Clone)]
pub struct ActivityForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub due_time: String,
    #[serde(default)]
    pub remind_date: String,
    #[serde(default)]
    pub remind_time: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub done: Option<String>,
    #[serde(default)]
    pub contact_id: String,
    #[serde(default)]
    pub company_id: String,
    #[serde(default)]
    pub lead_id: String,
    #[serde(default)]
    pub deal_id: String,
    /// What the user typed in "related to" (a name, phone or email), read when no link is set.
    #[serde(default)]
    pub related: String,
    /// `contact:<id>` (or company, lead, deal): the record picked when several matched.
    #[serde(default)]
    pub related_pick: String,
    /// Remove the links the form carries.
    #[serde(default)]
    pub unlink: Option<String>,
}

impl ActivityForm {
    /// The built-in fields of a submitted form (its custom fields are read from the pairs).
    fn from_pairs(f: &Pairs) -> ActivityForm {
        let g = |k: &str| f.get(k).unwrap_or_default();
        ActivityForm {
            kind: g("kind"),
            subject: g("subject"),
            notes: g("notes"),
            outcome: g("outcome"),
            due_date: g("due_date"),
            due_time: g("due_time"),
            remind_date: g("remind_date"),
            remind_time: g("remind_time"),
            owner_id: g("owner_id"),
            done: f.get("done"),
            contact_id: g("contact_id"),
            company_id: g("company_id"),
            lead_id: g("lead_id"),
            deal_id: g("deal_id"),
            related: g("related"),
            related_pick: g("related_pick"),
            unlink: f.get("unlink"),
        }
    }

    fn has_link(&self) -> bool {
        [
            &self.contact_id,
            &self.company_id,
            &self.lead_id,
            &self.deal_id,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }

    fn set_link(&mut self, record_type: &str, id: Uuid) -> bool {
        let slot = match record_type {
            "contact" => &mut self.contact_id,
            "company" => &mut self.company_id,
            "lead" => &mut self.lead_id,
            "deal" => &mut self.deal_id,
            _ => return false,
        };
        *slot = id.to_string();
        true
    }

    /// The service input, or the fields whose ids do not parse.
    fn input(
        &self,
        new: bool,
        custom: Option<Map<String, Value>>,
    ) -> Result<ActivityInput, ServiceError> {
        let mut bad = vec![];
        let mut link = |field: &str, v: &str| -> Option<Option<Uuid>> {
            if v.trim().is_empty() {
                return if new { None } else { Some(None) };
            }
            match Uuid::parse_str(v.trim()) {
                Ok(id) => Some(Some(id)),
                Err(_) => {
                    bad.push(peyvand_services::FieldError::new(field, "link.not_found"));
                    None
                }
            }
        };
        let contact_id = link("contact_id", &self.contact_id);
        let company_id = link("company_id", &self.company_id);
        let lead_id = link("lead_id", &self.lead_id);
        let deal_id = link("deal_id", &self.deal_id);
        let owner_id = match self.owner_id.trim() {
            "" => None,
            s => match Uuid::parse_str(s) {
                Ok(id) => Some(id),
                Err(_) => {
                    bad.push(peyvand_services::FieldError::new(
                        "owner_id",
                        "owner.not_found",
                    ));
                    None
                }
            },
        };
        if !bad.is_empty() {
            return Err(ServiceError::Validation(bad));
        }
        Ok(ActivityInput {
            kind: Some(self.kind.clone()),
            subject: Some(self.subject.clone()),
            notes: Some(self.notes.clone()),
            outcome: Some(if self.kind == "call" {
                self.outcome.clone()
            } else {
                String::new()
            }),
            due_date: Some(self.due_date.clone()),
            due_time: Some(self.due_time.clone()),
            remind_date: Some(self.remind_date.clone()),
            remind_time: Some(self.remind_time.clone()),
            done: new.then(|| self.done.is_some()),
            owner_id,
            contact_id,
            company_id,
            lead_id,
            deal_id,
            custom,
            ..Default::default()
        })
    }
}

/// Most records offered when a typed "related to" matches several.
const RELATED_CHOICES: i64 = 8;

/// Reads the "related to" box into the form's links: the record picked from a list, or the one
/// record the user may see that matches what they typed (a name typed in full wins over
/// partial matches). Returns the problem to show, with the records to pick from when several
/// match.
async fn apply_related(
    state: &AppState,
    me: &Authed,
    p: &Page,
    f: &mut ActivityForm,
) -> Result<Option<(FieldError, Vec<Choice>)>, PageError> {
    if f.unlink.is_some() {
        f.contact_id.clear();
        f.company_id.clear();
        f.lead_id.clear();
        f.deal_id.clear();
    }
    if f.has_link() {
        return Ok(None);
    }
    let pick = f.related_pick.clone();
    if let Some((kind, id)) = pick.split_once(':')
        && let Ok(id) = Uuid::parse_str(id.trim())
        && f.set_link(kind, id)
    {
        return Ok(None);
    }
    let typed = f.related.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let hits = search::global(&state.store, &me.actor, typed, RELATED_CHOICES).await?;
    let wanted = text::normalize_for_search(typed);
    let exact: Vec<_> = hits
        .iter()
        .filter(|h| text::normalize_for_search(&h.title) == wanted)
        .collect();
    let chosen = match (hits.len(), exact.len()) {
        (1, _) => hits.first(),
        (_, 1) => exact.first().copied(),
        _ => None,
    };
    if let Some(h) = chosen {
        f.set_link(h.record_type, h.id);
        return Ok(None);
    }
    if hits.is_empty() {
        return Ok(Some((
            FieldError::new("related", "activity.related_none"),
            vec![],
        )));
    }
    // What the user typed in full first, then names that start with it, then the rest (a
    // company named as typed before the people who work there).
    let mut hits = hits;
    hits.sort_by_key(|h| {
        let title = text::normalize_for_search(&h.title);
        if title == wanted {
            0
        } else if title.starts_with(&wanted) {
            1
        } else {
            2
        }
    });
    // Each choice reads as the search page shows it: a phone as `0912 345 6789`.
    let choices = hits
        .iter()
        .map(|h| {
            let what = p.t(&format!("activity-link-{}", h.record_type));
            let detail = super::home::hit_detail(p, h);
            Choice {
                value: format!("{}:{}", h.record_type, h.id),
                label: if detail.is_empty() {
                    format!("{what}: {}", h.title)
                } else {
                    format!("{what}: {} — {detail}", h.title)
                },
            }
        })
        .collect();
    Ok(Some((
        FieldError::new("related", "activity.related_many"),
        choices,
    )))
}

/// The records a form's links point at, by name: (what, name, link).
async fn linked_records(
    state: &AppState,
    p: &Page,
    ids: [Option<Uuid>; 4],
) -> Result<Vec<(String, String, String)>, PageError> {
    let [contact, company, lead, deal] = ids;
    let mut links = vec![];
    if let Some(id) = contact
        && let Some(c) = state.store.contact(id).await?
    {
        links.push((
            p.t("activity-link-contact"),
            c.full_name(),
            format!("/contacts/{id}"),
        ));
    }
    if let Some(id) = company
        && let Some(c) = state.store.company(id).await?
    {
        links.push((
            p.t("activity-link-company"),
            c.name,
            format!("/companies/{id}"),
        ));
    }
    if let Some(id) = lead
        && let Some(l) = state.store.lead(id).await?
    {
        links.push((
            p.t("activity-link-lead"),
            l.display_name(),
            format!("/leads/{id}"),
        ));
    }
    if let Some(id) = deal
        && let Some(d) = state.store.deal(id).await?
    {
        links.push((p.t("activity-link-deal"), d.title, format!("/deals/{id}")));
    }
    Ok(links)
}

fn form_ids(f: &ActivityForm) -> [Option<Uuid>; 4] {
    [&f.contact_id, &f.company_id, &f.lead_id, &f.deal_id].map(|v| Uuid::parse_str(v.trim()).ok())
}

#[derive(Template)]
#[template(path = "activity_new.html")]
struct NewPage {
    p: Page,
    form: ActivityForm,
    custom: Vec<Widget>,
    kinds: Vec<Choice>,
    outcomes: Vec<Choice>,
    assignees: Vec<Choice>,
    /// The records the form links to: (what, name, link).
    form_links: Vec<(String, String, String)>,
    /// Records to pick from when what was typed in "related to" matched several.
    candidates: Vec<Choice>,
    errs: Errs,
    date_hint: String,
}

fn date_hint(p: &Page) -> String {
    let today = schedule::today_in(Utc::now(), p.prefs.time_zone);
    calendar::format_date(
        today,
        p.prefs.calendar,
        p.prefs.language,
        p.prefs.digits,
        DateStyle::Numeric,
    )
}

async fn new_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    form: ActivityForm,
    typed: Option<&Pairs>,
    errs: Errs,
    candidates: Vec<Choice>,
) -> PageResult {
    me.actor
        .require(RecordType::Activity, Action::Create)
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("activity").await?;
    let custom = records::widgets(&p, &defs, &Map::new(), typed, &errs);
    html(NewPage {
        form_links: linked_records(state, &p, form_ids(&form)).await?,
        candidates,
        custom,
        kinds: kind_choices(&p),
        outcomes: outcome_choices(&p),
        assignees: assignees(state, me).await?,
        date_hint: date_hint(&p),
        form,
        errs,
        p: p.titled("activity-new-title", "activities"),
    })
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    contact_id: String,
    #[serde(default)]
    company_id: String,
    #[serde(default)]
    lead_id: String,
    #[serde(default)]
    deal_id: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let form = ActivityForm {
        kind: if ACTIVITY_KINDS.contains(&q.kind.as_str()) {
            q.kind
        } else {
            "call".into()
        },
        owner_id: me.user.id.to_string(),
        contact_id: q.contact_id,
        company_id: q.company_id,
        lead_id: q.lead_id,
        deal_id: q.deal_id,
        ..Default::default()
    };
    new_page(&state, &me, p, form, None, Errs::default(), vec![]).await
}

/// The custom values of a submitted form (`None` when activities have no custom fields).
fn custom_of(pairs: &Pairs, defs: &[CustomFieldRecord]) -> Option<Map<String, Value>> {
    (!defs.is_empty()).then(|| pairs.custom(defs))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let pairs = Pairs(pairs);
    let mut f = ActivityForm::from_pairs(&pairs);
    let defs = state.store.custom_fields("activity").await?;
    let (result, candidates) = match apply_related(&state, &me, &p, &mut f).await? {
        Some((problem, candidates)) => (Err(ServiceError::Validation(vec![problem])), candidates),
        None => (
            match f.input(true, custom_of(&pairs, &defs)) {
                Ok(input) => {
                    activities::create(&state.store, &me.ctx(), &me.actor, &input, locale(&p)).await
                }
                Err(e) => Err(e),
            },
            vec![],
        ),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/activities/{}?saved=1", a.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            unprocessable(new_page(&state, &me, p, f, Some(&pairs), errs, candidates).await?)
        }
    }
}

// ---- one activity ----

pub struct TrailRow {
    pub when: String,
    pub from: String,
    pub to: String,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "activity_show.html")]
struct ShowPage {
    p: Page,
    id: Uuid,
    a: Row,
    notes: String,
    remind: String,
    done_at: String,
    /// (what, name, link) of the records this activity is about.
    links: Vec<(String, String, String)>,
    can_update: bool,
    can_delete: bool,
    form: ActivityForm,
    /// Filled custom fields: (label, value).
    custom_lines: Vec<(String, String)>,
    custom: Vec<Widget>,
    kinds: Vec<Choice>,
    outcomes: Vec<Choice>,
    assignees: Vec<Choice>,
    colleagues: Vec<Choice>,
    teams: Vec<Choice>,
    trail: Vec<TrailRow>,
    errs: Errs,
    refer_errs: Errs,
    saved: bool,
    date_hint: String,
    form_links: Vec<(String, String, String)>,
    candidates: Vec<Choice>,
}

fn form_of(p: &Page, a: &ActivityRecord) -> ActivityForm {
    let split = |t: Option<chrono::DateTime<Utc>>| -> (String, String) {
        match t {
            Some(t) => {
                let local = t.with_timezone(&p.prefs.time_zone);
                (
                    calendar::format_date(
                        local.date_naive(),
                        p.prefs.calendar,
                        p.prefs.language,
                        p.prefs.digits,
                        DateStyle::Numeric,
                    ),
                    p.digits(local.format("%H:%M")),
                )
            }
            None => (String::new(), String::new()),
        }
    };
    let (due_date, due_time) = split(a.due_at);
    let (remind_date, remind_time) = split(a.remind_at);
    let id = |v: Option<Uuid>| v.map(|x| x.to_string()).unwrap_or_default();
    ActivityForm {
        kind: a.kind.clone(),
        subject: a.subject.clone(),
        notes: a.notes.clone(),
        outcome: a.outcome.clone(),
        due_date,
        due_time,
        remind_date,
        remind_time,
        owner_id: a.owner_id.to_string(),
        done: a.done_at.map(|_| "1".into()),
        contact_id: id(a.contact_id),
        company_id: id(a.company_id),
        lead_id: id(a.lead_id),
        deal_id: id(a.deal_id),
        ..Default::default()
    }
}

fn trail_rows(p: &Page, names: &[(Uuid, String)], rs: &[ReferralRecord]) -> Vec<TrailRow> {
    rs.iter()
        .map(|r| TrailRow {
            when: p.datetime(r.created_at),
            from: r
                .from_user_id
                .map(|u| name_of(names, u))
                .unwrap_or_else(|| "—".into()),
            to: name_of(names, r.to_user_id),
            comment: r.comment.clone(),
        })
        .collect()
}

struct ShowState {
    form: Option<ActivityForm>,
    /// What the user typed, when the form is shown again with errors.
    typed: Option<Pairs>,
    errs: Errs,
    refer_errs: Errs,
    saved: bool,
    candidates: Vec<Choice>,
}

async fn show_page(state: &AppState, me: &Authed, p: Page, id: Uuid, st: ShowState) -> PageResult {
    let a = activities::get(&state.store, &me.actor, id).await?;
    if a.deleted_at.is_some() {
        return Err(PageError::NotFound);
    }
    let names = names(state, me).await;
    let trail = referrals::trail(&state.store, &me.actor, "activity", id).await?;
    let can_update = me
        .actor
        .require_record(RecordType::Activity, Action::Update, Some(a.owner_id))
        .is_ok();
    let can_delete = me
        .actor
        .require_record(RecordType::Activity, Action::Delete, Some(a.owner_id))
        .is_ok();
    // The linked records by name, as links (ids mean nothing to people).
    let links = linked_records(
        state,
        &p,
        [a.contact_id, a.company_id, a.lead_id, a.deal_id],
    )
    .await?;
    let teams = if me.actor.can(RecordType::Team, Action::Read) {
        accounts::list_teams(&state.store, &me.actor)
            .await?
            .into_iter()
            .map(|t| Choice {
                value: t.id.to_string(),
                label: t.name,
            })
            .collect()
    } else {
        vec![]
    };
    let title = a.subject.clone();
    let mut p = p.titled("activity-title", "activities");
    p.title = title;
    let defs = state.store.custom_fields("activity").await?;
    let custom_lines = records::custom_lines(&p, &defs, &a.custom.0);
    let custom = records::widgets(&p, &defs, &a.custom.0, st.typed.as_ref(), &st.errs);
    html(ShowPage {
        id,
        a: row(&p, &names, &a),
        notes: a.notes.clone(),
        remind: match (a.remind_at, a.reminded_at) {
            // Said when the reminder went out, so nobody waits for one already sent.
            (Some(at), Some(sent)) => format!(
                "{} ({})",
                p.datetime(at),
                p.t_with("activity-reminder-sent", "when", p.datetime(sent))
            ),
            (at, _) => p.opt_datetime(at),
        },
        done_at: p.opt_datetime(a.done_at),
        can_update,
        can_delete,
        form_links: match &st.form {
            Some(f) => linked_records(state, &p, form_ids(f)).await?,
            None => links.clone(),
        },
        links,
        candidates: st.candidates,
        form: st.form.unwrap_or_else(|| form_of(&p, &a)),
        custom_lines,
        custom,
        kinds: kind_choices(&p),
        outcomes: outcome_choices(&p),
        assignees: assignees(state, me).await?,
        colleagues: user_choices(state, me, Some(a.owner_id)).await?,
        teams,
        trail: trail_rows(&p, &names, &trail),
        errs: st.errs,
        refer_errs: st.refer_errs,
        saved: st.saved,
        date_hint: date_hint(&p),
        p,
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
    let st = ShowState {
        form: None,
        typed: None,
        errs: Errs::default(),
        refer_errs: Errs::default(),
        saved: f.saved.is_some(),
        candidates: vec![],
    };
    show_page(&state, &me, p, parse_id(&id)?, st).await
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
    let mut f = ActivityForm::from_pairs(&pairs);
    let defs = state.store.custom_fields("activity").await?;
    let (result, candidates) = match apply_related(&state, &me, &p, &mut f).await? {
        Some((problem, candidates)) => (Err(ServiceError::Validation(vec![problem])), candidates),
        None => (
            match f.input(false, custom_of(&pairs, &defs)) {
                Ok(input) => {
                    activities::update(&state.store, &me.ctx(), &me.actor, id, &input, locale(&p))
                        .await
                }
                Err(e) => Err(e),
            },
            vec![],
        ),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{id}?saved=1")).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let st = ShowState {
                form: Some(f),
                typed: Some(pairs),
                errs,
                refer_errs: Errs::default(),
                saved: false,
                candidates,
            };
            unprocessable(show_page(&state, &me, p, id, st).await?)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct DoneForm {
    #[serde(default)]
    outcome: String,
    /// Where to go back to (only local paths).
    #[serde(default)]
    next: String,
}

fn back(next: &str, id: Uuid) -> String {
    if next.starts_with('/') && !next.starts_with("//") {
        next.to_owned()
    } else {
        format!("/activities/{id}?saved=1")
    }
}

async fn set_done(state: &AppState, me: &Authed, id: &str, f: DoneForm, done: bool) -> PageResult {
    let id = parse_id(id)?;
    let outcome = Some(f.outcome.as_str()).filter(|o| !o.is_empty());
    match activities::complete(&state.store, &me.ctx(), &me.actor, id, done, outcome).await {
        Ok(_) => Ok(Redirect::to(&back(&f.next, id)).into_response()),
        // A bad outcome cannot come from the offered choices; show the page again.
        Err(ServiceError::Validation(_)) => {
            Ok(Redirect::to(&format!("/activities/{id}")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn complete(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
    Form(f): Form<DoneForm>,
) -> PageResult {
    set_done(&state, &me, &id, f, true).await
}

pub async fn reopen(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
    Form(f): Form<DoneForm>,
) -> PageResult {
    set_done(&state, &me, &id, f, false).await
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    activities::set_deleted(&state.store, &me.ctx(), &me.actor, id, true).await?;
    Ok(Redirect::to("/activities").into_response())
}

#[derive(Deserialize, Default)]
pub struct ReferForm {
    #[serde(default)]
    to_user_id: String,
    #[serde(default)]
    to_team_id: String,
    #[serde(default)]
    comment: String,
}

pub async fn refer(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<ReferForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let opt = |s: &str| Uuid::parse_str(s.trim()).ok();
    let input = ReferralInput {
        record_type: "activity".into(),
        record_id: id,
        to_user_id: opt(&f.to_user_id),
        to_team_id: opt(&f.to_team_id),
        comment: f.comment.clone(),
    };
    match referrals::refer(&state.store, &me.ctx(), &me.actor, &input).await {
        // The record may now be out of the actor's sight; go where they can still look.
        Ok(_) => match activities::get(&state.store, &me.actor, id).await {
            Ok(_) => Ok(Redirect::to(&format!("/activities/{id}?saved=1")).into_response()),
            Err(_) => Ok(Redirect::to("/activities").into_response()),
        },
        Err(e) => {
            let refer_errs = form_errors(&p.tr, e)?;
            let st = ShowState {
                form: None,
                typed: None,
                errs: Errs::default(),
                refer_errs,
                saved: false,
                candidates: vec![],
            };
            unprocessable(show_page(&state, &me, p, id, st).await?)
        }
    }
}

// ---- reassign (settings → user) ----

#[derive(Deserialize, Default)]
pub struct ReassignForm {
    #[serde(default)]
    to_user_id: String,
}

pub async fn reassign(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
    Form(f): Form<ReassignForm>,
) -> PageResult {
    let from = parse_id(&id)?;
    let Ok(to) = Uuid::parse_str(f.to_user_id.trim()) else {
        return Ok(
            Redirect::to(&format!("/settings/users/{from}?reassign_error=1")).into_response(),
        );
    };
    match referrals::reassign_all(&state.store, &me.ctx(), &me.actor, from, to).await {
        Ok(moved) => {
            let n: u64 = moved.iter().map(|(_, n)| n).sum();
            Ok(Redirect::to(&format!("/settings/users/{from}?reassigned={n}")).into_response())
        }
        Err(ServiceError::Validation(_)) => {
            Ok(Redirect::to(&format!("/settings/users/{from}?reassign_error=1")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// What the user edit page shows of reassignment: the outcome of the last action.
pub fn reassign_notice(p: &Page, raw_query: &RawQuery) -> Option<(bool, String)> {
    let q = raw_query.0.as_deref()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).ok()?;
    for (k, v) in pairs {
        if k == "reassigned" {
            return Some((true, p.t_with("reassign-done", "count", p.digits(&v))));
        }
        if k == "reassign_error" {
            return Some((false, p.t("reassign-failed")));
        }
    }
    None
}
