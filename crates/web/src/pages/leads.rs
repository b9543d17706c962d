//! Lead pages: list, form, the lead's page with conversion and disqualification.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use peyvand_domain::access::{Action, RecordType};
use peyvand_domain::sales::LEAD_SOURCES;
use peyvand_services::ServiceError;
use peyvand_services::sales::leads::{self, LeadInput};
use peyvand_store::{CustomFieldRecord, LeadRecord, RecordLink};
use uuid::Uuid;

use super::contacts::{
    Column, Frame, ListPage, ShowPage, chosen_columns, custom_columns, deal_lines, list_frame,
    list_outcome, next_href, timeline,
};
use super::inline;
use super::records::{self, ListState, Pairs, Widget};
use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::page::Page;

fn parse_id(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::NotFound)
}

const DEFAULT_COLUMNS: [&str; 6] = ["name", "company", "phone", "source", "status", "owner"];

fn columns(p: &Page, defs: &[CustomFieldRecord]) -> Vec<Column> {
    let mut cols: Vec<Column> = [
        ("name", "contact-name", Some("last_name")),
        ("company", "contact-company", Some("company_name")),
        ("phone", "contact-phone", None),
        ("email", "field-email", None),
        ("source", "lead-source", Some("source")),
        ("status", "lead-status", Some("status")),
        ("campaign", "lead-campaign", Some("campaign")),
        ("contact_count", "lead-contact-count", Some("contact_count")),
        ("owner", "record-owner", Some("owner_id")),
        ("created_at", "created-at", Some("created_at")),
    ]
    .iter()
    .map(|(k, l, s)| Column {
        key: (*k).to_owned(),
        label: p.t(l),
        sort: s.map(str::to_owned),
    })
    .collect();
    cols.extend(custom_columns(p, defs));
    cols
}

pub(super) fn cell(
    p: &Page,
    r: &LeadRecord,
    key: &str,
    defs: &[CustomFieldRecord],
    owners: &std::collections::HashMap<Uuid, String>,
) -> (String, Option<String>) {
    match key {
        "name" => (r.display_name(), Some(format!("/leads/{}", r.id))),
        "company" => (r.company_name.clone(), None),
        "phone" => (
            r.phone
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
            None,
        ),
        "email" => (r.email.clone().unwrap_or_default(), None),
        "source" => (
            p.t(&format!("lead-source-{}", r.source.replace('_', "-"))),
            None,
        ),
        "status" => (p.t(&format!("lead-status-{}", r.status)), None),
        "campaign" => (r.campaign.clone(), None),
        "contact_count" => (p.digits(r.contact_count), None),
        "owner" => (owners.get(&r.owner_id).cloned().unwrap_or_default(), None),
        "created_at" => (p.datetime(r.created_at), None),
        k => (
            k.strip_prefix("custom.")
                .and_then(|ck| Some((defs.iter().find(|d| d.key == ck)?, r.custom.0.get(ck)?)))
                .map(|(d, v)| records::show_custom(p, d, v))
                .unwrap_or_default(),
            None,
        ),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    RawQuery(query): RawQuery,
) -> PageResult {
    let ls = ListState::from_query("/leads", query.as_deref().unwrap_or(""));
    if let Some(to) = ls.normalised(&p) {
        return Ok(Redirect::to(&to).into_response());
    }
    me.actor
        .require(RecordType::Lead, Action::Read)
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("lead").await?;
    let cols = columns(&p, &defs);
    let chosen = chosen_columns(&ls, &DEFAULT_COLUMNS);
    let shown: Vec<&Column> = cols.iter().filter(|c| chosen.contains(&c.key)).collect();
    let req = ls.request();
    let result = match &req {
        Ok(r) => Some(leads::list(&state.store, &me.actor, r).await),
        Err(_) => None,
    };
    let (rows, next_cursor, list_error) = list_outcome(&p, &cols, req, |_| {
        result.expect("run when the request parsed")
    })?;
    let people = records::People::load(&state.store).await?;
    let owners = people.names();
    let choices = inline::Choices {
        owners: inline::owner_choices(&people, &me.actor, RecordType::Lead, &shown),
        ..Default::default()
    };
    let editors = inline::editors(&p, RecordType::Lead, &shown, &defs, &choices);
    let table = rows
        .iter()
        .map(|r| {
            inline::row(
                r.id,
                &format!("/leads/{}", r.id),
                shown
                    .iter()
                    .map(|c| cell(&p, r, &c.key, &defs, &owners))
                    .collect(),
                &editors,
                inline::may_edit(
                    &me.actor,
                    RecordType::Lead,
                    r.owner_id,
                    r.deleted_at.is_some(),
                ),
                "",
                |f| inline::lead_value(&p, r, &defs, f),
            )
        })
        .collect();
    let extras =
        super::contacts::list_extras(&state, &me, &p, &people, "lead", "/leads", &ls).await?;
    let headers = inline::headers(&shown, &ls, editors);
    let mut filter_fields: Vec<(String, String)> = [
        ("status", "lead-status"),
        ("source", "lead-source"),
        ("campaign", "lead-campaign"),
        ("utm_source", "lead-utm-source"),
        ("utm_campaign", "lead-utm-campaign"),
        ("company_name", "contact-company"),
        ("last_name", "contact-last-name"),
        ("contact_count", "lead-contact-count"),
        ("created_at", "created-at"),
    ]
    .iter()
    .map(|(k, l)| ((*k).to_owned(), p.t(l)))
    .collect();
    filter_fields.extend(
        defs.iter()
            .map(|d| (format!("custom.{}", d.key), records::label_of(&p, d))),
    );
    let records::ChoiceBar {
        quick,
        quick_keep,
        chips,
    } = records::choice_bar(
        &people,
        &me.actor,
        RecordType::Lead,
        &p,
        &ls,
        &defs,
        &filter_fields,
    );
    let Frame {
        hidden,
        keep,
        keep_no_cols,
        operators,
    } = list_frame(&p, &ls);
    let in_bin = ls.get("deleted") == "true";
    let bulk = me.actor.can(RecordType::Lead, Action::Update);
    html(ListPage {
        record_type: "lead",
        views: extras.views,
        current_query: extras.current_query,
        bulk,
        owners: extras.owners,
        back: extras.back,
        notice: extras.notice,
        base: "/leads",
        actions_base: "/leads",
        links: vec![],
        money_toggle: None,
        quick,
        quick_keep,
        date_fields: vec![],
        q: ls.get("q"),
        hidden,
        keep,
        keep_no_cols,
        can_create: me.actor.can(RecordType::Lead, Action::Create),
        new_label: p.t("leads-new"),
        filter_fields,
        operators,
        column_choices: cols
            .iter()
            .map(|c| (c.key.clone(), c.label.clone(), chosen.contains(&c.key)))
            .collect(),
        chips,
        headers,
        rows: table,
        next_href: next_href(&ls, "/leads", next_cursor),
        bin_href: if in_bin {
            "/leads".into()
        } else {
            "/leads?deleted=true".into()
        },
        in_bin,
        list_error,
        p: p.titled("leads-title", "leads"),
    })
}

#[derive(Default)]
pub struct LeadForm {
    pub title: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub phone: String,
    pub email: String,
    pub source: String,
    pub status: String,
    pub channel: String,
    pub campaign: String,
    pub utm_source: String,
    pub utm_medium: String,
    pub utm_campaign: String,
    pub utm_term: String,
    pub utm_content: String,
}

#[derive(Template)]
#[template(path = "lead_form.html")]
struct FormPage {
    p: Page,
    action: String,
    cancel_href: String,
    f: LeadForm,
    errs: Errs,
    owners: Vec<(Uuid, String, bool)>,
    sources: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    custom: Vec<Widget>,
}

fn form_from_record(p: &Page, l: &LeadRecord) -> LeadForm {
    LeadForm {
        title: l.title.clone(),
        first_name: l.first_name.clone(),
        last_name: l.last_name.clone(),
        company_name: l.company_name.clone(),
        phone: l
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
        email: l.email.clone().unwrap_or_default(),
        source: l.source.clone(),
        status: l.status.clone(),
        channel: l.channel.clone(),
        campaign: l.campaign.clone(),
        utm_source: l.utm_source.clone(),
        utm_medium: l.utm_medium.clone(),
        utm_campaign: l.utm_campaign.clone(),
        utm_term: l.utm_term.clone(),
        utm_content: l.utm_content.clone(),
    }
}

fn form_from_pairs(f: &Pairs) -> LeadForm {
    let g = |k: &str| f.get(k).unwrap_or_default();
    LeadForm {
        title: g("title"),
        first_name: g("first_name"),
        last_name: g("last_name"),
        company_name: g("company_name"),
        phone: g("phone"),
        email: g("email"),
        source: g("source"),
        status: g("status"),
        channel: g("channel"),
        campaign: g("campaign"),
        utm_source: g("utm_source"),
        utm_medium: g("utm_medium"),
        utm_campaign: g("utm_campaign"),
        utm_term: g("utm_term"),
        utm_content: g("utm_content"),
    }
}

fn input_from_pairs(f: &Pairs, defs: &[CustomFieldRecord]) -> Result<LeadInput, PageError> {
    let g = |k: &str| f.get(k);
    let owner_id = match g("owner_id").filter(|s| !s.is_empty()) {
        Some(s) => Some(Uuid::parse_str(&s).map_err(|_| PageError::NotFound)?),
        None => None,
    };
    Ok(LeadInput {
        title: g("title"),
        first_name: g("first_name"),
        last_name: g("last_name"),
        company_name: g("company_name"),
        phone: g("phone"),
        email: g("email"),
        source: g("source"),
        channel: g("channel"),
        campaign: g("campaign"),
        utm_source: g("utm_source"),
        utm_medium: g("utm_medium"),
        utm_campaign: g("utm_campaign"),
        utm_term: g("utm_term"),
        utm_content: g("utm_content"),
        status: g("status"),
        owner_id,
        custom: Some(f.custom(defs)),
    })
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    title: String,
    action: String,
    cancel_href: String,
    f: LeadForm,
    owner: Uuid,
    custom: Vec<Widget>,
    errs: Errs,
) -> PageResult {
    let mut p = p.titled("leads-title", "leads");
    p.title = title;
    html(FormPage {
        owners: records::People::load(&state.store)
            .await?
            .owner_options(me.user.id, owner),
        sources: LEAD_SOURCES
            .iter()
            .map(|s| (*s, p.t(&format!("lead-source-{}", s.replace('_', "-")))))
            .collect(),
        statuses: ["new", "working", "qualified"]
            .iter()
            .map(|s| (*s, p.t(&format!("lead-status-{s}"))))
            .collect(),
        p,
        action,
        cancel_href,
        f,
        errs,
        custom,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
) -> PageResult {
    me.actor
        .require(RecordType::Lead, Action::Create)
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("lead").await?;
    let custom = records::widgets(&p, &defs, &Default::default(), None, &Errs::default());
    let title = p.t("leads-new");
    let f = form_from_record(&p, &leads::empty(me.user.id, chrono::Utc::now()));
    form_page(
        &state,
        &me,
        p,
        title,
        "/leads".into(),
        "/leads".into(),
        f,
        me.user.id,
        custom,
        Errs::default(),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let pairs = Pairs(pairs);
    let defs = state.store.custom_fields("lead").await?;
    let input = input_from_pairs(&pairs, &defs)?;
    match leads::create(&state.store, &me.ctx(), &me.actor, &input, p.prefs.calendar).await {
        Ok(l) => Ok(Redirect::to(&format!("/leads/{}", l.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let custom = records::widgets(&p, &defs, &Default::default(), Some(&pairs), &errs);
            let title = p.t("leads-new");
            let mut res = form_page(
                &state,
                &me,
                p,
                title,
                "/leads".into(),
                "/leads".into(),
                form_from_pairs(&pairs),
                input.owner_id.unwrap_or(me.user.id),
                custom,
                errs,
            )
            .await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
) -> PageResult {
    let l = leads::get(&state.store, &me.actor, parse_id(&id)?).await?;
    me.actor
        .require_record(RecordType::Lead, Action::Update, Some(l.owner_id))
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("lead").await?;
    let custom = records::widgets(&p, &defs, &l.custom.0, None, &Errs::default());
    let title = p.t_with("contacts-edit-title", "name", l.display_name());
    let f = form_from_record(&p, &l);
    form_page(
        &state,
        &me,
        p,
        title,
        format!("/leads/{}/edit", l.id),
        format!("/leads/{}", l.id),
        f,
        l.owner_id,
        custom,
        Errs::default(),
    )
    .await
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
    let defs = state.store.custom_fields("lead").await?;
    let input = input_from_pairs(&pairs, &defs)?;
    match leads::update(
        &state.store,
        &me.ctx(),
        &me.actor,
        id,
        &input,
        p.prefs.calendar,
    )
    .await
    {
        Ok(l) => Ok(Redirect::to(&format!("/leads/{}", l.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let custom = records::widgets(&p, &defs, &Default::default(), Some(&pairs), &errs);
            let title = p.t("leads-title");
            let mut res = form_page(
                &state,
                &me,
                p,
                title,
                format!("/leads/{id}/edit"),
                format!("/leads/{id}"),
                form_from_pairs(&pairs),
                input.owner_id.unwrap_or(me.user.id),
                custom,
                errs,
            )
            .await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    leads::set_deleted(&state.store, &me.ctx(), &me.actor, id, true).await?;
    Ok(Redirect::to(&format!("/leads/{id}")).into_response())
}

pub async fn restore(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    leads::set_deleted(&state.store, &me.ctx(), &me.actor, id, false).await?;
    Ok(Redirect::to(&format!("/leads/{id}")).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
) -> PageResult {
    show_page(&state, &me, p, parse_id(&id)?, None).await
}

pub async fn show_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    id: Uuid,
    action_error: Option<String>,
) -> PageResult {
    let l = leads::get(&state.store, &me.actor, id).await?;
    let defs = state.store.custom_fields("lead").await?;
    let files = super::files::files_for(state, me, &p, "lead", l.id).await?;
    let mut details: Vec<(String, String, Option<String>)> = vec![];
    let mut add = |label: &str, value: String, link: Option<String>| {
        if !value.is_empty() {
            details.push((p.t(label), value, link));
        }
    };
    add(
        "lead-status",
        p.t(&format!("lead-status-{}", l.status)),
        None,
    );
    add("lead-disqualify-reason", l.disqualify_reason.clone(), None);
    add("contact-company", l.company_name.clone(), None);
    if let Some(ph) = &l.phone {
        add(
            "contact-phone",
            super::contacts::show_phone(
                &p,
                &peyvand_domain::sales::PhoneEntry {
                    number: ph.clone(),
                    label: String::new(),
                },
            ),
            Some(format!("tel:{ph}")),
        );
    }
    add(
        "field-email",
        l.email.clone().unwrap_or_default(),
        l.email.as_ref().map(|e| format!("mailto:{e}")),
    );
    add(
        "lead-source",
        p.t(&format!("lead-source-{}", l.source.replace('_', "-"))),
        None,
    );
    add("lead-channel", l.channel.clone(), None);
    add("lead-campaign", l.campaign.clone(), None);
    let utm: Vec<String> = [
        ("source", &l.utm_source),
        ("medium", &l.utm_medium),
        ("campaign", &l.utm_campaign),
        ("term", &l.utm_term),
        ("content", &l.utm_content),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("utm_{k}={v}"))
    .collect();
    add("lead-utm", utm.join(" "), None);
    add(
        "lead-first-contact",
        p.opt_datetime(l.first_contact_at).replace('—', ""),
        None,
    );
    add("lead-contact-count", p.digits(l.contact_count), None);
    if let Some(c) = l.converted_contact_id {
        add(
            "lead-converted-contact",
            p.t("lead-open"),
            Some(format!("/contacts/{c}")),
        );
    }
    if let Some(c) = l.converted_company_id {
        add(
            "lead-converted-company",
            p.t("lead-open"),
            Some(format!("/companies/{c}")),
        );
    }
    if let Some(d) = l.converted_deal_id {
        add(
            "lead-converted-deal",
            p.t("lead-open"),
            Some(format!("/deals/{d}")),
        );
    }
    let owner = records::user_names(&state.store, [l.owner_id]).await?;
    add(
        "record-owner",
        owner.get(&l.owner_id).cloned().unwrap_or_default(),
        None,
    );
    add("created-at", p.datetime(l.created_at), None);
    for (label, value) in records::custom_lines(&p, &defs, &l.custom.0) {
        details.push((label, value, None));
    }
    let can_update = me
        .actor
        .require_record(RecordType::Lead, Action::Update, Some(l.owner_id))
        .is_ok();
    let open = l.deleted_at.is_none() && !matches!(l.status.as_str(), "converted" | "disqualified");
    let lead_actions = can_update && open;
    let deals = deal_lines(state, me, &p, RecordLink::Lead, l.id).await?;
    let timeline = timeline(state, &p, RecordLink::Lead, "lead", l.id).await?;
    let mut p = p.titled("leads-title", "leads");
    p.title = l.display_name();
    html(ShowPage {
        base: "/leads",
        record_type: "lead",
        id: l.id,
        deleted: l.deleted_at.is_some(),
        can_edit: can_update && l.status != "converted",
        can_delete: me
            .actor
            .require_record(RecordType::Lead, Action::Delete, Some(l.owner_id))
            .is_ok(),
        add_person_href: None,
        people: vec![],
        lead_actions,
        merge_candidates: vec![],
        files,
        file_error: None,
        action_error,
        p,
        details,
        deals,
        timeline,
    })
}

#[derive(serde::Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn disqualify(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    match leads::disqualify(&state.store, &me.ctx(), &me.actor, id, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/leads/{id}")).into_response()),
        Err(ServiceError::Validation(fields)) => {
            let msg = fields.first().map(|f| p.tr.error(&f.code));
            let mut res = show_page(&state, &me, p, id, msg).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct ConvertForm {
    #[serde(default)]
    create_deal: Option<String>,
    #[serde(default)]
    deal_title: String,
    #[serde(default)]
    deal_amount: String,
}

pub async fn convert(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<ConvertForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let input = leads::ConvertInput {
        create_deal: f.create_deal.is_some(),
        deal_title: Some(f.deal_title),
        deal_amount: Some(f.deal_amount),
    };
    match leads::convert(&state.store, &me.ctx(), &me.actor, id, &input).await {
        Ok(c) => {
            let to = match (c.deal_id, c.contact_id) {
                (Some(d), _) => format!("/deals/{d}"),
                (None, Some(c)) => format!("/contacts/{c}"),
                _ => format!("/leads/{id}"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(ServiceError::Validation(fields)) => {
            let msg = fields.first().map(|f| p.tr.error(&f.code));
            let mut res = show_page(&state, &me, p, id, msg).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
