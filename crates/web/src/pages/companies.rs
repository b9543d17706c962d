//! Company pages: list, the 360° page with the company's people, deals and timeline, the form.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use peyvand_domain::access::{Action, RecordType};
use peyvand_services::ServiceError;
use peyvand_services::sales::companies::{self, CompanyInput};
use peyvand_store::{CompanyRecord, CustomFieldRecord, RecordLink};
use uuid::Uuid;

use super::contacts::{
    Column, Frame, ListPage, ShowPage, chosen_columns, custom_columns, deal_lines, list_frame,
    list_outcome, next_href, show_phone, timeline,
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

const DEFAULT_COLUMNS: [&str; 5] = ["name", "industry", "phone", "city", "owner"];

fn columns(p: &Page, defs: &[CustomFieldRecord]) -> Vec<Column> {
    let mut cols: Vec<Column> = [
        ("name", "company-name", Some("name")),
        ("industry", "company-industry", Some("industry")),
        ("phone", "contact-phone", None),
        ("email", "field-email", None),
        ("city", "contact-city", Some("city")),
        ("employees", "company-employees", Some("employees")),
        ("tags", "contact-tags", None),
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
    r: &CompanyRecord,
    key: &str,
    defs: &[CustomFieldRecord],
    owners: &std::collections::HashMap<Uuid, String>,
) -> (String, Option<String>) {
    match key {
        "name" => (r.name.clone(), Some(format!("/companies/{}", r.id))),
        "industry" => (r.industry.clone(), None),
        "phone" => (
            r.phones
                .0
                .first()
                .map(|ph| show_phone(p, ph))
                .unwrap_or_default(),
            None,
        ),
        "email" => (
            r.emails
                .0
                .first()
                .map(|e| e.address.clone())
                .unwrap_or_default(),
            None,
        ),
        "city" => (r.city.clone(), None),
        "employees" => (r.employees.map(|e| p.digits(e)).unwrap_or_default(), None),
        "tags" => (r.tags.0.join(p.list_sep()), None),
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
    let ls = ListState::from_query("/companies", query.as_deref().unwrap_or(""));
    if let Some(to) = ls.normalised(&p) {
        return Ok(Redirect::to(&to).into_response());
    }
    me.actor
        .require(RecordType::Company, Action::Read)
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("company").await?;
    let cols = columns(&p, &defs);
    let chosen = chosen_columns(&ls, &DEFAULT_COLUMNS);
    let shown: Vec<&Column> = cols.iter().filter(|c| chosen.contains(&c.key)).collect();
    let req = ls.request();
    let result = match &req {
        Ok(r) => Some(companies::list(&state.store, &me.actor, r).await),
        Err(_) => None,
    };
    let (rows, next_cursor, list_error) = list_outcome(&p, &cols, req, |_| {
        result.expect("run when the request parsed")
    })?;
    let people = records::People::load(&state.store).await?;
    let owners = people.names();
    let choices = inline::Choices {
        owners: inline::owner_choices(&people, &me.actor, RecordType::Company, &shown),
        ..Default::default()
    };
    let editors = inline::editors(&p, RecordType::Company, &shown, &defs, &choices);
    let table = rows
        .iter()
        .map(|r| {
            inline::row(
                r.id,
                &format!("/companies/{}", r.id),
                shown
                    .iter()
                    .map(|c| cell(&p, r, &c.key, &defs, &owners))
                    .collect(),
                &editors,
                inline::may_edit(
                    &me.actor,
                    RecordType::Company,
                    r.owner_id,
                    r.deleted_at.is_some(),
                ),
                "",
                |f| inline::company_value(&p, r, &defs, f),
            )
        })
        .collect();
    let extras =
        super::contacts::list_extras(&state, &me, &p, &people, "company", "/companies", &ls)
            .await?;
    let headers = inline::headers(&shown, &ls, editors);
    let mut filter_fields: Vec<(String, String)> = [
        ("name", "company-name"),
        ("industry", "company-industry"),
        ("city", "contact-city"),
        ("province", "contact-province"),
        ("employees", "company-employees"),
        ("tags", "contact-tags"),
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
        RecordType::Company,
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
    let bulk = me.actor.can(RecordType::Company, Action::Update);
    html(ListPage {
        record_type: "company",
        views: extras.views,
        current_query: extras.current_query,
        bulk,
        owners: extras.owners,
        back: extras.back,
        notice: extras.notice,
        base: "/companies",
        actions_base: "/companies",
        links: vec![],
        money_toggle: None,
        quick,
        quick_keep,
        date_fields: vec![],
        q: ls.get("q"),
        hidden,
        keep,
        keep_no_cols,
        can_create: me.actor.can(RecordType::Company, Action::Create),
        new_label: p.t("companies-new"),
        filter_fields,
        operators,
        column_choices: cols
            .iter()
            .map(|c| (c.key.clone(), c.label.clone(), chosen.contains(&c.key)))
            .collect(),
        chips,
        headers,
        rows: table,
        next_href: next_href(&ls, "/companies", next_cursor),
        bin_href: if in_bin {
            "/companies".into()
        } else {
            "/companies?deleted=true".into()
        },
        in_bin,
        list_error,
        p: p.titled("companies-title", "companies"),
    })
}

pub struct CompanyForm {
    pub name: String,
    pub industry: String,
    pub employees: String,
    pub phones: Vec<(String, String, Option<String>)>,
    pub emails: Vec<(String, String, Option<String>)>,
    pub website: String,
    pub national_id: String,
    pub economic_code: String,
    pub province: String,
    pub city: String,
    pub postal_code: String,
    pub address: String,
    pub tags: String,
}

#[derive(Template)]
#[template(path = "company_form.html")]
struct FormPage {
    p: Page,
    action: String,
    cancel_href: String,
    f: CompanyForm,
    errs: Errs,
    owners: Vec<(Uuid, String, bool)>,
    phone_labels: Vec<(&'static str, String)>,
    provinces: Vec<&'static str>,
    custom: Vec<Widget>,
    duplicates: Vec<(String, String, String)>,
}

fn form_from_record(p: &Page, c: Option<&CompanyRecord>) -> CompanyForm {
    let mut phones: Vec<(String, String, Option<String>)> = c
        .map(|c| {
            c.phones
                .0
                .iter()
                .map(|ph| (show_phone(p, ph), ph.label.clone(), None))
                .collect()
        })
        .unwrap_or_default();
    while phones.len() < 2 {
        phones.push((String::new(), "work".into(), None));
    }
    let mut emails: Vec<(String, String, Option<String>)> = c
        .map(|c| {
            c.emails
                .0
                .iter()
                .map(|e| (e.address.clone(), e.label.clone(), None))
                .collect()
        })
        .unwrap_or_default();
    while emails.len() < 2 {
        emails.push((String::new(), String::new(), None));
    }
    let g = |f: fn(&CompanyRecord) -> String| c.map(f).unwrap_or_default();
    CompanyForm {
        name: g(|c| c.name.clone()),
        industry: g(|c| c.industry.clone()),
        employees: c
            .and_then(|c| c.employees)
            .map(|e| e.to_string())
            .unwrap_or_default(),
        phones,
        emails,
        website: g(|c| c.website.clone()),
        national_id: g(|c| c.national_id.clone().unwrap_or_default()),
        economic_code: g(|c| c.economic_code.clone()),
        province: g(|c| c.province.clone()),
        city: g(|c| c.city.clone()),
        postal_code: g(|c| c.postal_code.clone()),
        address: g(|c| c.address.clone()),
        tags: c.map(|c| c.tags.0.join(p.list_sep())).unwrap_or_default(),
    }
}

fn form_from_pairs(f: &Pairs, errs: &Errs) -> CompanyForm {
    let g = |k: &str| f.get(k).unwrap_or_default();
    let labels = f.all("phone_label");
    let email_labels = f.all("email_label");
    CompanyForm {
        name: g("name"),
        industry: g("industry"),
        employees: g("employees"),
        phones: f
            .all("phone_number")
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    n,
                    labels.get(i).cloned().unwrap_or_default(),
                    errs.get(&format!("phones[{i}]")).cloned(),
                )
            })
            .collect(),
        emails: f
            .all("email_address")
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                (
                    a,
                    email_labels.get(i).cloned().unwrap_or_default(),
                    errs.get(&format!("emails[{i}]")).cloned(),
                )
            })
            .collect(),
        website: g("website"),
        national_id: g("national_id"),
        economic_code: g("economic_code"),
        province: g("province"),
        city: g("city"),
        postal_code: g("postal_code"),
        address: g("address"),
        tags: g("tags"),
    }
}

/// Reads the form; a non-number in "employees" is reported by field like any other problem.
fn input_from_pairs(
    f: &Pairs,
    defs: &[CustomFieldRecord],
) -> Result<(CompanyInput, Option<peyvand_services::FieldError>), PageError> {
    let g = |k: &str| f.get(k);
    let owner_id = match g("owner_id").filter(|s| !s.is_empty()) {
        Some(s) => Some(Uuid::parse_str(&s).map_err(|_| PageError::NotFound)?),
        None => None,
    };
    let raw_employees = peyvand_domain::digits::to_ascii(g("employees").unwrap_or_default().trim());
    let (employees, employees_error) = if raw_employees.is_empty() {
        (None, None)
    } else {
        match raw_employees.replace([',', '٬'], "").parse::<i64>() {
            Ok(n) => (Some(n), None),
            Err(_) => (
                None,
                Some(peyvand_services::FieldError::new(
                    "employees",
                    "custom.not_a_number",
                )),
            ),
        }
    };
    Ok((
        CompanyInput {
            name: g("name"),
            industry: g("industry"),
            website: g("website"),
            phones: Some(f.phones()),
            emails: Some(f.emails()),
            social: None,
            province: g("province"),
            city: g("city"),
            address: g("address"),
            postal_code: g("postal_code"),
            national_id: g("national_id"),
            economic_code: g("economic_code"),
            employees,
            tags: Some(f.tags()),
            owner_id,
            custom: Some(f.custom(defs)),
        },
        employees_error,
    ))
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    title: String,
    action: String,
    cancel_href: String,
    f: CompanyForm,
    owner: Uuid,
    custom: Vec<Widget>,
    errs: Errs,
    duplicates: Vec<(String, String, String)>,
) -> PageResult {
    let mut p = p.titled("companies-title", "companies");
    p.title = title;
    html(FormPage {
        owners: records::People::load(&state.store).await?.owner_choices(
            &me.actor,
            RecordType::Company,
            owner,
        ),
        phone_labels: ["work", "fax", "mobile", "other"]
            .iter()
            .map(|l| (*l, p.t(&format!("phone-label-{l}"))))
            .collect(),
        provinces: peyvand_domain::places::provinces()
            .into_iter()
            .map(|(_, n)| n)
            .collect(),
        p,
        action,
        cancel_href,
        f,
        errs,
        custom,
        duplicates,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
) -> PageResult {
    me.actor
        .require(RecordType::Company, Action::Create)
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("company").await?;
    let custom = records::widgets(&p, &defs, &Default::default(), None, &Errs::default());
    let title = p.t("companies-new");
    let f = form_from_record(&p, None);
    form_page(
        &state,
        &me,
        p,
        title,
        "/companies".into(),
        "/companies".into(),
        f,
        me.user.id,
        custom,
        Errs::default(),
        vec![],
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
    let defs = state.store.custom_fields("company").await?;
    let (input, extra) = input_from_pairs(&pairs, &defs)?;
    let result = match &extra {
        Some(x) => Err(ServiceError::Validation(vec![x.clone()])),
        None => {
            companies::create(
                &state.store,
                &me.ctx(),
                &me.actor,
                &input,
                pairs.flag("allow_duplicate"),
                p.prefs.calendar,
            )
            .await
        }
    };
    let owner = input.owner_id.unwrap_or(me.user.id);
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/companies/{}", c.id)).into_response()),
        Err(ServiceError::Duplicate(dups)) => {
            let mut shown = vec![];
            for d in dups {
                if let Some(c) = state.store.company(d.id).await? {
                    shown.push((
                        c.name,
                        format!("/companies/{}", c.id),
                        p.t(&format!("matched-{}", d.matched_on.replace('_', "-"))),
                    ));
                }
            }
            let f = form_from_pairs(&pairs, &Errs::default());
            let custom = records::widgets(
                &p,
                &defs,
                &Default::default(),
                Some(&pairs),
                &Errs::default(),
            );
            let title = p.t("companies-new");
            let mut res = form_page(
                &state,
                &me,
                p,
                title,
                "/companies".into(),
                "/companies".into(),
                f,
                owner,
                custom,
                Errs::default(),
                shown,
            )
            .await?;
            *res.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let f = form_from_pairs(&pairs, &errs);
            let custom = records::widgets(&p, &defs, &Default::default(), Some(&pairs), &errs);
            let title = p.t("companies-new");
            let mut res = form_page(
                &state,
                &me,
                p,
                title,
                "/companies".into(),
                "/companies".into(),
                f,
                owner,
                custom,
                errs,
                vec![],
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
    let c = companies::get(&state.store, &me.actor, parse_id(&id)?).await?;
    me.actor
        .require_record(RecordType::Company, Action::Update, Some(c.owner_id))
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("company").await?;
    let custom = records::widgets(&p, &defs, &c.custom.0, None, &Errs::default());
    let title = p.t_with("contacts-edit-title", "name", &c.name);
    let f = form_from_record(&p, Some(&c));
    form_page(
        &state,
        &me,
        p,
        title,
        format!("/companies/{}/edit", c.id),
        format!("/companies/{}", c.id),
        f,
        c.owner_id,
        custom,
        Errs::default(),
        vec![],
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
    let defs = state.store.custom_fields("company").await?;
    let (input, extra) = input_from_pairs(&pairs, &defs)?;
    let result = match &extra {
        Some(x) => Err(ServiceError::Validation(vec![x.clone()])),
        None => {
            companies::update(
                &state.store,
                &me.ctx(),
                &me.actor,
                id,
                &input,
                p.prefs.calendar,
            )
            .await
        }
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/companies/{}", c.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let f = form_from_pairs(&pairs, &errs);
            let custom = records::widgets(&p, &defs, &Default::default(), Some(&pairs), &errs);
            let title = p.t("companies-title");
            let mut res = form_page(
                &state,
                &me,
                p,
                title,
                format!("/companies/{id}/edit"),
                format!("/companies/{id}"),
                f,
                input.owner_id.unwrap_or(me.user.id),
                custom,
                errs,
                vec![],
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
    companies::set_deleted(&state.store, &me.ctx(), &me.actor, id, true).await?;
    Ok(Redirect::to(&format!("/companies/{id}")).into_response())
}

pub async fn restore(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    companies::set_deleted(&state.store, &me.ctx(), &me.actor, id, false).await?;
    Ok(Redirect::to(&format!("/companies/{id}")).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    axum::extract::Query(fe): axum::extract::Query<super::files::FileError>,
) -> PageResult {
    let c = companies::get(&state.store, &me.actor, parse_id(&id)?).await?;
    let files = super::files::files_for(&state, &me, &p, "company", c.id).await?;
    let file_error = fe.message(&p);
    let defs = state.store.custom_fields("company").await?;
    let mut details: Vec<(String, String, Option<String>)> = vec![];
    let mut add = |label: &str, value: String, link: Option<String>| {
        if !value.is_empty() {
            details.push((p.t(label), value, link));
        }
    };
    add("company-industry", c.industry.clone(), None);
    for ph in &c.phones.0 {
        add(
            "contact-phone",
            show_phone(&p, ph),
            Some(format!("tel:{}", ph.number)),
        );
    }
    for e in &c.emails.0 {
        add(
            "field-email",
            e.address.clone(),
            Some(format!("mailto:{}", e.address)),
        );
    }
    add(
        "contact-website",
        c.website.clone(),
        (!c.website.is_empty()).then(|| c.website.clone()),
    );
    add(
        "contact-address",
        [c.province.as_str(), c.city.as_str(), c.address.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(p.list_sep()),
        None,
    );
    add("company-postal-code", p.digits(&c.postal_code), None);
    add(
        "company-national-id",
        c.national_id
            .clone()
            .map(|n| p.digits(n))
            .unwrap_or_default(),
        None,
    );
    add("company-economic-code", p.digits(&c.economic_code), None);
    add(
        "company-employees",
        c.employees.map(|e| p.digits(e)).unwrap_or_default(),
        None,
    );
    add("contact-tags", c.tags.0.join(p.list_sep()), None);
    let owner = records::user_names(&state.store, [c.owner_id]).await?;
    add(
        "record-owner",
        owner.get(&c.owner_id).cloned().unwrap_or_default(),
        None,
    );
    add("created-at", p.datetime(c.created_at), None);
    for (label, value) in records::custom_lines(&p, &defs, &c.custom.0) {
        details.push((label, value, None));
    }
    let people = match me.actor.require(RecordType::Contact, Action::Read) {
        Ok(grant) => state
            .store
            .contacts_of_company(c.id)
            .await?
            .into_iter()
            .filter(|x| grant.covers(Some(x.owner_id)))
            .map(|x| (x.full_name(), format!("/contacts/{}", x.id), x.job_title))
            .collect(),
        Err(_) => vec![],
    };
    let deals = deal_lines(&state, &me, &p, RecordLink::Company, c.id).await?;
    let timeline = timeline(&state, &p, RecordLink::Company, "company", c.id).await?;
    let mut p = p.titled("companies-title", "companies");
    p.title = c.name.clone();
    html(ShowPage {
        base: "/companies",
        record_type: "company",
        id: c.id,
        deleted: c.deleted_at.is_some(),
        can_edit: me
            .actor
            .require_record(RecordType::Company, Action::Update, Some(c.owner_id))
            .is_ok(),
        can_delete: me
            .actor
            .require_record(RecordType::Company, Action::Delete, Some(c.owner_id))
            .is_ok(),
        add_person_href: me
            .actor
            .can(RecordType::Contact, Action::Create)
            .then(|| format!("/contacts/new?company_id={}", c.id)),
        p,
        details,
        deals,
        timeline,
        people,
        lead_actions: false,
        merge_candidates: vec![],
        files,
        file_error,
        action_error: None,
    })
}
