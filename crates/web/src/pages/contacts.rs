//! Contact pages: the list (search, filters, sort, columns, cursor), the 360° page, the form.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use peyvand_domain::access::{Action, RecordType};
use peyvand_domain::sales::{CONTACT_CHANNELS, PhoneEntry};
use peyvand_services::sales::contacts::{self, ContactInput, CreateOptions};
use peyvand_services::{ServiceError, sales::common};
use peyvand_store::{AuditQuery, ContactRecord, CustomFieldRecord, RecordLink};
use uuid::Uuid;

use super::inline;
use super::records::{self, Chip, ListState, Pairs, QuickFilter, Widget};
use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::page::Page;

fn parse_id(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::NotFound)
}

/// A table cell: its text and, when it is a link, where to.
pub type Cell = (String, Option<String>);

#[derive(Template)]
#[template(path = "record_list.html")]
pub struct ListPage {
    pub p: Page,
    /// The list's own address (search, filters and sort links go here).
    pub base: &'static str,
    /// Where the record type's actions live: `{actions_base}/new`, `/export`, `/bulk`.
    pub actions_base: &'static str,
    /// Extra toolbar links: (id, href, label).
    pub links: Vec<(String, String, String)>,
    /// The rial/toman switch of money lists: (`toman` value it sets, page to return to, label).
    pub money_toggle: Option<(&'static str, String, String)>,
    /// Filters offered as choices, and the state their form carries along.
    pub quick: Vec<QuickFilter>,
    pub quick_keep: Vec<(String, String)>,
    /// Date fields a preset range («this month») may apply to: (field, label).
    pub date_fields: Vec<(String, String)>,
    pub q: String,
    pub hidden: Vec<(String, String)>,
    pub keep: Vec<(String, String)>,
    pub keep_no_cols: Vec<(String, String)>,
    pub can_create: bool,
    pub new_label: String,
    pub filter_fields: Vec<(String, String)>,
    pub operators: Vec<(&'static str, String)>,
    pub column_choices: Vec<(String, String, bool)>,
    pub chips: Vec<Chip>,
    pub headers: Vec<super::inline::Header>,
    pub rows: Vec<(Uuid, Vec<super::inline::ListCell>)>,
    pub record_type: &'static str,
    /// Saved views: (name, link, id, deletable by me, is the current one)
    pub views: Vec<(String, String, Uuid, bool, bool)>,
    pub current_query: String,
    pub bulk: bool,
    pub owners: Vec<(Uuid, String, bool)>,
    pub back: String,
    pub notice: Option<String>,
    pub next_href: Option<String>,
    pub bin_href: String,
    pub in_bin: bool,
    pub list_error: Option<String>,
}

/// Saved views, owners for bulk assignment and the state to come back to after a bulk action.
pub struct Extras {
    pub views: Vec<(String, String, Uuid, bool, bool)>,
    pub current_query: String,
    pub owners: Vec<(Uuid, String, bool)>,
    pub back: String,
    pub notice: Option<String>,
}

pub async fn list_extras(
    state: &AppState,
    me: &Authed,
    p: &Page,
    people: &records::People,
    record_type: &str,
    base: &str,
    ls: &ListState,
) -> Result<Extras, PageError> {
    let current: Vec<(String, String)> = ls
        .pairs
        .iter()
        .filter(|(k, _)| k != "cursor" && k != "done")
        .cloned()
        .collect();
    let current_query = serde_urlencoded::to_string(&current).unwrap_or_default();
    let views = peyvand_services::sales::views::list(&state.store, &me.actor, record_type)
        .await?
        .into_iter()
        .map(|v| {
            let deletable = v.owner_id == me.user.id || (v.shared && me.actor.is_admin());
            let current = v.query == current_query;
            (
                v.name,
                format!("{base}?{}", v.query),
                v.id,
                deletable,
                current,
            )
        })
        .collect();
    // Bulk assignment offers the people the user may give these records to, as the edit
    // form and the owner cell do (the service checks each record again).
    let owners = match RecordType::parse(record_type) {
        Some(rt) => people.owner_choices(&me.actor, rt, me.user.id),
        None => people.owner_options(me.user.id, me.user.id),
    };
    let notice = match ls.get("done").as_str() {
        "" => None,
        "none" => Some(p.t("bulk-none-selected")),
        "noname" => Some(p.t("views-name-required")),
        done => {
            let (changed, refused) = done.split_once('-').unwrap_or((done, "0"));
            Some(
                p.t_with("bulk-done", "changed", p.digits(changed))
                    + &if refused != "0" {
                        format!(
                            " {}",
                            p.t_with("bulk-refused", "refused", p.digits(refused))
                        )
                    } else {
                        String::new()
                    },
            )
        }
    };
    Ok(Extras {
        views,
        back: if current_query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{current_query}")
        },
        current_query,
        owners,
        notice,
    })
}

pub const OPERATORS: [&str; 9] = [
    "eq",
    "ne",
    "contains",
    "gt",
    "ge",
    "lt",
    "le",
    "empty",
    "not_empty",
];

/// The rows of a list page, the next page's cursor, and a message when the request was bad
/// (an unknown filter field, a broken cursor): the page still renders, with the message.
pub type Fetched<T> = (Vec<T>, Option<String>, Option<String>);

pub fn list_outcome<T>(
    p: &Page,
    columns: &[Column],
    request: Result<peyvand_services::sales::common::ListRequest, crate::api::ApiError>,
    run: impl FnOnce(
        peyvand_services::sales::common::ListRequest,
    ) -> Result<peyvand_store::query::Page<T>, ServiceError>,
) -> Result<Fetched<T>, PageError> {
    let req = match request {
        Ok(req) => req,
        Err(e) => return Ok((vec![], None, e.fields.first().map(|f| p.tr.error(&f.code)))),
    };
    match run(req) {
        Ok(page) => Ok((page.rows, page.next_cursor, None)),
        // A page link that no longer works (an edited address, an old bookmark): say so in the
        // page's words, not the API's.
        Err(ServiceError::Validation(fields))
            if fields.iter().any(|f| f.code == "cursor.invalid") =>
        {
            Ok((vec![], None, Some(p.t("list-cursor-invalid"))))
        }
        Err(ServiceError::Validation(fields)) => Ok((
            vec![],
            None,
            fields.first().map(|f| {
                // The field as the page names it (its column label), not its key.
                let name = columns
                    .iter()
                    .find(|c| c.key == f.field)
                    .map_or(f.field.as_str(), |c| c.label.as_str());
                format!("{name}: {}", p.tr.error(&f.code))
            }),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The columns the user chose (`cols=…`), or the list's defaults.
pub fn chosen_columns(ls: &ListState, defaults: &[&str]) -> Vec<String> {
    let chosen: Vec<String> = ls
        .pairs
        .iter()
        .filter(|(k, _)| k == "cols")
        .map(|(_, v)| v.clone())
        .collect();
    if chosen.is_empty() {
        defaults.iter().map(|s| (*s).to_owned()).collect()
    } else {
        chosen
    }
}

/// The link to the next page: the same list state with the next cursor.
pub fn next_href(ls: &ListState, base: &str, cursor: Option<String>) -> Option<String> {
    cursor.map(|c| {
        let mut pairs: Vec<(String, String)> = ls
            .pairs
            .iter()
            .filter(|(k, _)| k != "cursor")
            .cloned()
            .collect();
        pairs.push(("cursor".into(), c));
        format!(
            "{base}?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    })
}

/// Pieces of a list page that do not depend on the record type.
pub struct Frame {
    pub hidden: Vec<(String, String)>,
    pub keep: Vec<(String, String)>,
    pub keep_no_cols: Vec<(String, String)>,
    pub operators: Vec<(&'static str, String)>,
}

pub fn list_frame(p: &Page, state: &ListState) -> Frame {
    let hidden = state
        .pairs
        .iter()
        .filter(|(k, _)| k != "q" && k != "cursor")
        .cloned()
        .collect();
    let keep: Vec<(String, String)> = state
        .pairs
        .iter()
        .filter(|(k, _)| k != "cursor")
        .cloned()
        .collect();
    let keep_no_cols = keep.iter().filter(|(k, _)| k != "cols").cloned().collect();
    let operators = OPERATORS
        .iter()
        .map(|o| (*o, p.t(&format!("op-{}", o.replace('_', "-")))))
        .collect();
    Frame {
        hidden,
        keep,
        keep_no_cols,
        operators,
    }
}

/// A column of a record list: key, header, sortable field.
pub struct Column {
    pub key: String,
    pub label: String,
    pub sort: Option<String>,
}

pub fn custom_columns(p: &Page, defs: &[CustomFieldRecord]) -> Vec<Column> {
    defs.iter()
        .map(|d| Column {
            key: format!("custom.{}", d.key),
            label: records::label_of(p, d),
            sort: Some(format!("custom.{}", d.key)),
        })
        .collect()
}

fn contact_columns(p: &Page, defs: &[CustomFieldRecord]) -> Vec<Column> {
    let mut cols = vec![];
    for (key, label, sort) in [
        ("name", "contact-name", Some("last_name")),
        ("company", "contact-company", None),
        ("phone", "contact-phone", None),
        ("email", "field-email", None),
        ("city", "contact-city", Some("city")),
        ("birth_date", "contact-birth-date", Some("birth_date")),
        ("tags", "contact-tags", None),
        ("owner", "record-owner", Some("owner_id")),
        ("created_at", "created-at", Some("created_at")),
    ] {
        cols.push(Column {
            key: key.to_owned(),
            label: p.t(label),
            sort: sort.map(str::to_owned),
        });
    }
    cols.extend(custom_columns(p, defs));
    cols
}

const DEFAULT_CONTACT_COLUMNS: [&str; 5] = ["name", "company", "phone", "email", "owner"];

pub async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    RawQuery(query): RawQuery,
) -> PageResult {
    let ls = ListState::from_query("/contacts", query.as_deref().unwrap_or(""));
    if let Some(to) = ls.normalised(&p) {
        return Ok(Redirect::to(&to).into_response());
    }
    me.actor
        .require(RecordType::Contact, Action::Read)
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("contact").await?;
    let columns = contact_columns(&p, &defs);
    let chosen = chosen_columns(&ls, &DEFAULT_CONTACT_COLUMNS);
    let shown: Vec<&Column> = columns.iter().filter(|c| chosen.contains(&c.key)).collect();
    let req = ls.request();
    let result = match &req {
        Ok(r) => Some(contacts::list(&state.store, &me.actor, r).await),
        Err(_) => None,
    };
    let (rows, next_cursor, list_error) = list_outcome(&p, &columns, req, |_| {
        result.expect("run when the request parsed")
    })?;
    let people = records::People::load(&state.store).await?;
    let owners = people.names();
    let companies = peyvand_services::sales::common::company_names(
        &state.store,
        rows.iter().filter_map(|r| r.company_id),
    )
    .await?;
    let choices = inline::Choices {
        owners: inline::owner_choices(&people, &me.actor, RecordType::Contact, &shown),
        ..Default::default()
    };
    let editors = inline::editors(&p, RecordType::Contact, &shown, &defs, &choices);
    let table = rows
        .iter()
        .map(|r| {
            inline::row(
                r.id,
                &format!("/contacts/{}", r.id),
                shown
                    .iter()
                    .map(|c| contact_cell(&p, r, &c.key, &defs, &owners, &companies))
                    .collect(),
                &editors,
                inline::may_edit(
                    &me.actor,
                    RecordType::Contact,
                    r.owner_id,
                    r.deleted_at.is_some(),
                ),
                "",
                |f| inline::contact_value(&p, r, &defs, f),
            )
        })
        .collect();
    let extras = list_extras(&state, &me, &p, &people, "contact", "/contacts", &ls).await?;
    let headers = inline::headers(&shown, &ls, editors);
    let mut filter_fields: Vec<(String, String)> = [
        ("last_name", "contact-last-name"),
        ("first_name", "contact-first-name"),
        ("city", "contact-city"),
        ("province", "contact-province"),
        ("job_title", "contact-job-title"),
        ("tags", "contact-tags"),
        ("birth_date", "contact-birth-date"),
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
        RecordType::Contact,
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
    let bulk = me.actor.can(RecordType::Contact, Action::Update);
    html(ListPage {
        record_type: "contact",
        views: extras.views,
        current_query: extras.current_query,
        bulk,
        owners: extras.owners,
        back: extras.back,
        notice: extras.notice,
        base: "/contacts",
        actions_base: "/contacts",
        links: vec![],
        money_toggle: None,
        quick,
        quick_keep,
        date_fields: vec![],
        q: ls.get("q"),
        hidden,
        keep,
        keep_no_cols,
        can_create: me.actor.can(RecordType::Contact, Action::Create),
        new_label: p.t("contacts-new"),
        filter_fields,
        operators,
        column_choices: columns
            .iter()
            .map(|c| (c.key.clone(), c.label.clone(), chosen.contains(&c.key)))
            .collect(),
        chips,
        headers,
        rows: table,
        next_href: next_href(&ls, "/contacts", next_cursor),
        bin_href: if in_bin {
            "/contacts".into()
        } else {
            "/contacts?deleted=true".into()
        },
        in_bin,
        list_error,
        p: p.titled("contacts-title", "contacts"),
    })
}

pub(super) fn contact_cell(
    p: &Page,
    r: &ContactRecord,
    key: &str,
    defs: &[CustomFieldRecord],
    owners: &std::collections::HashMap<Uuid, String>,
    companies: &std::collections::HashMap<Uuid, String>,
) -> (String, Option<String>) {
    match key {
        "name" => (r.full_name(), Some(format!("/contacts/{}", r.id))),
        "company" => match r.company_id {
            Some(id) => (
                companies.get(&id).cloned().unwrap_or_default(),
                Some(format!("/companies/{id}")),
            ),
            None => (String::new(), None),
        },
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
        "birth_date" => (records::show_opt_date(p, r.birth_date), None),
        "tags" => (r.tags.0.join(p.list_sep()), None),
        "owner" => (owners.get(&r.owner_id).cloned().unwrap_or_default(), None),
        "created_at" => (p.datetime(r.created_at), None),
        k => {
            let text = k
                .strip_prefix("custom.")
                .and_then(|ck| Some((defs.iter().find(|d| d.key == ck)?, r.custom.0.get(ck)?)))
                .map(|(d, v)| records::show_custom(p, d, v))
                .unwrap_or_default();
            (text, None)
        }
    }
}

/// Iranian numbers are shown the way people write them (0912 …); others in E.164.
pub fn show_phone(p: &Page, ph: &PhoneEntry) -> String {
    p.digits(peyvand_domain::phone::display(&ph.number))
}

// ---- form ----

pub struct ContactForm {
    pub first_name: String,
    pub last_name: String,
    pub job_title: String,
    /// (number, label, error)
    pub phones: Vec<(String, String, Option<String>)>,
    pub emails: Vec<(String, String, Option<String>)>,
    pub website: String,
    pub preferred_channel: String,
    pub province: String,
    pub city: String,
    pub address: String,
    pub national_id: String,
    pub birth_date: String,
    pub anniversary_date: String,
    pub tags: String,
}

#[derive(Template)]
#[template(path = "contact_form.html")]
struct FormPage {
    p: Page,
    action: String,
    cancel_href: String,
    f: ContactForm,
    errs: Errs,
    companies: Vec<(Uuid, String, bool)>,
    owners: Vec<(Uuid, String, bool)>,
    phone_labels: Vec<(&'static str, String)>,
    channels: Vec<(&'static str, String)>,
    provinces: Vec<&'static str>,
    custom: Vec<Widget>,
    /// (label, href, matched on)
    duplicates: Vec<(String, String, String)>,
}

const PHONE_LABELS: [&str; 5] = ["mobile", "work", "home", "fax", "other"];

fn form_from_record(p: &Page, c: &ContactRecord) -> ContactForm {
    let mut phones: Vec<(String, String, Option<String>)> = c
        .phones
        .0
        .iter()
        .map(|ph| (show_phone(p, ph), ph.label.clone(), None))
        .collect();
    while phones.len() < 3 {
        phones.push((
            String::new(),
            if phones.is_empty() {
                "mobile".into()
            } else {
                "work".into()
            },
            None,
        ));
    }
    let mut emails: Vec<(String, String, Option<String>)> = c
        .emails
        .0
        .iter()
        .map(|e| (e.address.clone(), e.label.clone(), None))
        .collect();
    while emails.len() < 2 {
        emails.push((String::new(), String::new(), None));
    }
    ContactForm {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        job_title: c.job_title.clone(),
        phones,
        emails,
        website: c.website.clone(),
        preferred_channel: c.preferred_channel.clone(),
        province: c.province.clone(),
        city: c.city.clone(),
        address: c.address.clone(),
        national_id: c.national_id.clone().unwrap_or_default(),
        birth_date: records::show_opt_date(p, c.birth_date),
        anniversary_date: records::show_opt_date(p, c.anniversary_date),
        tags: c.tags.0.join(p.list_sep()),
    }
}

fn form_from_pairs(f: &Pairs, errs: &Errs) -> ContactForm {
    let g = |k: &str| f.get(k).unwrap_or_default();
    let numbers = f.all("phone_number");
    let labels = f.all("phone_label");
    let addresses = f.all("email_address");
    let email_labels = f.all("email_label");
    ContactForm {
        first_name: g("first_name"),
        last_name: g("last_name"),
        job_title: g("job_title"),
        phones: numbers
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    n.clone(),
                    labels.get(i).cloned().unwrap_or_default(),
                    errs.get(&format!("phones[{i}]")).cloned(),
                )
            })
            .collect(),
        emails: addresses
            .iter()
            .enumerate()
            .map(|(i, a)| {
                (
                    a.clone(),
                    email_labels.get(i).cloned().unwrap_or_default(),
                    errs.get(&format!("emails[{i}]")).cloned(),
                )
            })
            .collect(),
        website: g("website"),
        preferred_channel: g("preferred_channel"),
        province: g("province"),
        city: g("city"),
        address: g("address"),
        national_id: g("national_id"),
        birth_date: g("birth_date"),
        anniversary_date: g("anniversary_date"),
        tags: g("tags"),
    }
}

fn input_from_pairs(f: &Pairs, defs: &[CustomFieldRecord]) -> Result<ContactInput, PageError> {
    let g = |k: &str| f.get(k);
    let company_id = match g("company_id").filter(|s| !s.is_empty()) {
        Some(s) => Some(Some(Uuid::parse_str(&s).map_err(|_| PageError::NotFound)?)),
        None => Some(None),
    };
    let owner_id = match g("owner_id").filter(|s| !s.is_empty()) {
        Some(s) => Some(Uuid::parse_str(&s).map_err(|_| PageError::NotFound)?),
        None => None,
    };
    Ok(ContactInput {
        first_name: g("first_name"),
        last_name: g("last_name"),
        company_id,
        job_title: g("job_title"),
        phones: Some(f.phones()),
        emails: Some(f.emails()),
        website: g("website"),
        social: None,
        province: g("province"),
        city: g("city"),
        address: g("address"),
        national_id: g("national_id"),
        birth_date: g("birth_date"),
        anniversary_date: g("anniversary_date"),
        preferred_channel: g("preferred_channel"),
        tags: Some(f.tags()),
        owner_id,
        custom: Some(f.custom(defs)),
    })
}

async fn company_options(
    state: &AppState,
    me: &Authed,
    current: Option<Uuid>,
) -> Result<Vec<(Uuid, String, bool)>, PageError> {
    let req = common::ListRequest {
        sort: Some("name".into()),
        limit: Some(common::MAX_PAGE),
        ..Default::default()
    };
    let page = match peyvand_services::sales::companies::list(&state.store, &me.actor, &req).await {
        Ok(pg) => pg.rows,
        Err(ServiceError::Forbidden) => vec![],
        Err(e) => return Err(e.into()),
    };
    let mut out: Vec<(Uuid, String, bool)> = page
        .into_iter()
        .map(|c| (c.id, c.name, Some(c.id) == current))
        .collect();
    if let Some(cur) = current
        && !out.iter().any(|(id, _, _)| *id == cur)
        && let Some(c) = state.store.company(cur).await?
    {
        out.insert(0, (c.id, c.name, true));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    title: String,
    action: String,
    cancel_href: String,
    f: ContactForm,
    company: Option<Uuid>,
    owner: Uuid,
    custom: Vec<Widget>,
    errs: Errs,
    duplicates: Vec<(String, String, String)>,
) -> PageResult {
    let mut p = p.titled("contacts-title", "contacts");
    p.title = title;
    html(FormPage {
        companies: company_options(state, me, company).await?,
        owners: records::People::load(&state.store).await?.owner_choices(
            &me.actor,
            RecordType::Contact,
            owner,
        ),
        phone_labels: PHONE_LABELS
            .iter()
            .map(|l| (*l, p.t(&format!("phone-label-{l}"))))
            .collect(),
        channels: CONTACT_CHANNELS
            .iter()
            .map(|c| (*c, p.t(&format!("channel-{}", c.replace('_', "-")))))
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

fn empty_record(owner: Uuid) -> ContactRecord {
    let now = chrono::Utc::now();
    ContactRecord {
        id: Uuid::nil(),
        first_name: String::new(),
        last_name: String::new(),
        company_id: None,
        job_title: String::new(),
        phones: peyvand_store::Json(vec![]),
        emails: peyvand_store::Json(vec![]),
        website: String::new(),
        social: peyvand_store::Json(Default::default()),
        province: String::new(),
        city: String::new(),
        address: String::new(),
        national_id: None,
        birth_date: None,
        anniversary_date: None,
        preferred_channel: String::new(),
        tags: peyvand_store::Json(vec![]),
        owner_id: owner,
        custom: peyvand_store::Json(Default::default()),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    RawQuery(q): RawQuery,
) -> PageResult {
    me.actor
        .require(RecordType::Contact, Action::Create)
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("contact").await?;
    let mut rec = empty_record(me.user.id);
    // "Add a person" from a company page arrives with ?company_id=…
    let qs = ListState::from_query("/contacts/new", q.as_deref().unwrap_or(""));
    rec.company_id = Uuid::parse_str(&qs.get("company_id")).ok();
    let f = form_from_record(&p, &rec);
    let custom = records::widgets(&p, &defs, &rec.custom.0, None, &Errs::default());
    let title = p.t("contacts-new");
    form_page(
        &state,
        &me,
        p,
        title,
        "/contacts".into(),
        "/contacts".into(),
        f,
        rec.company_id,
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
    let defs = state.store.custom_fields("contact").await?;
    let input = input_from_pairs(&pairs, &defs)?;
    let opts = CreateOptions {
        allow_duplicate: pairs.flag("allow_duplicate"),
        calendar: p.prefs.calendar,
    };
    match contacts::create(&state.store, &me.ctx(), &me.actor, &input, &opts).await {
        Ok(c) => Ok(Redirect::to(&format!("/contacts/{}", c.id)).into_response()),
        Err(ServiceError::Duplicate(dups)) => {
            let mut shown = vec![];
            for d in dups {
                if let Some(c) = state.store.contact(d.id).await? {
                    shown.push((
                        c.full_name(),
                        format!("/contacts/{}", c.id),
                        format!(
                            "{}: {}",
                            p.t(&format!("matched-{}", d.matched_on.replace('_', "-"))),
                            d.value
                        ),
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
            let title = p.t("contacts-new");
            let mut res = form_page(
                &state,
                &me,
                p,
                title,
                "/contacts".into(),
                "/contacts".into(),
                f,
                input.company_id.flatten(),
                input.owner_id.unwrap_or(me.user.id),
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
            let title = p.t("contacts-new");
            let mut res = form_page(
                &state,
                &me,
                p,
                title,
                "/contacts".into(),
                "/contacts".into(),
                f,
                input.company_id.flatten(),
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

pub async fn edit_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
) -> PageResult {
    let c = contacts::get(&state.store, &me.actor, parse_id(&id)?).await?;
    me.actor
        .require_record(RecordType::Contact, Action::Update, Some(c.owner_id))
        .map_err(|_| PageError::Forbidden)?;
    let defs = state.store.custom_fields("contact").await?;
    let f = form_from_record(&p, &c);
    let custom = records::widgets(&p, &defs, &c.custom.0, None, &Errs::default());
    let title = p.t_with("contacts-edit-title", "name", c.full_name());
    form_page(
        &state,
        &me,
        p,
        title,
        format!("/contacts/{}/edit", c.id),
        format!("/contacts/{}", c.id),
        f,
        c.company_id,
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
    let defs = state.store.custom_fields("contact").await?;
    let input = input_from_pairs(&pairs, &defs)?;
    match contacts::update(
        &state.store,
        &me.ctx(),
        &me.actor,
        id,
        &input,
        p.prefs.calendar,
    )
    .await
    {
        Ok(c) => Ok(Redirect::to(&format!("/contacts/{}", c.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let f = form_from_pairs(&pairs, &errs);
            let custom = records::widgets(&p, &defs, &Default::default(), Some(&pairs), &errs);
            let title = p.t("contacts-title");
            let mut res = form_page(
                &state,
                &me,
                p,
                title,
                format!("/contacts/{id}/edit"),
                format!("/contacts/{id}"),
                f,
                input.company_id.flatten(),
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
    contacts::set_deleted(&state.store, &me.ctx(), &me.actor, id, true).await?;
    Ok(Redirect::to(&format!("/contacts/{id}")).into_response())
}

pub async fn restore(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    contacts::set_deleted(&state.store, &me.ctx(), &me.actor, id, false).await?;
    Ok(Redirect::to(&format!("/contacts/{id}")).into_response())
}

// ---- the 360° page ----

#[derive(Template)]
#[template(path = "record_show.html")]
pub struct ShowPage {
    pub p: Page,
    pub base: &'static str,
    pub record_type: &'static str,
    pub id: Uuid,
    pub deleted: bool,
    pub can_edit: bool,
    pub can_delete: bool,
    /// (label, value, link)
    pub details: Vec<(String, String, Option<String>)>,
    /// (title, link, stage/amount)
    pub deals: Vec<(String, String, String)>,
    /// (when, kind, text, link)
    pub timeline: Vec<(String, String, String, Option<String>)>,
    /// A company's people: (name, link, job title)
    pub people: Vec<(String, String, String)>,
    pub add_person_href: Option<String>,
    /// For open leads the actor may change: the convert and disqualify forms.
    pub lead_actions: bool,
    /// Attached files: (name, size, when, id).
    pub files: Vec<(String, String, String, Uuid)>,
    /// After an upload: (is it a problem, what the files section says).
    pub file_error: Option<(bool, String)>,
    /// Possible duplicates the actor may merge into this record: (name, link, id).
    pub merge_candidates: Vec<(String, String, Uuid)>,
    pub action_error: Option<String>,
}

/// The record's timeline: its activities and the changes made to it, newest first.
pub async fn timeline(
    state: &AppState,
    p: &Page,
    link: RecordLink,
    record_type: &str,
    id: Uuid,
) -> Result<Vec<(String, String, String, Option<String>)>, PageError> {
    let mut items: Vec<(
        chrono::DateTime<chrono::Utc>,
        String,
        String,
        Option<String>,
    )> = vec![];
    for a in state.store.activities_of(link, id, 100).await? {
        let when = a.done_at.or(a.due_at).unwrap_or(a.created_at);
        items.push((
            when,
            p.t(&format!("activity-kind-{}", a.kind)),
            a.subject,
            Some(format!("/activities/{}", a.id)),
        ));
    }
    let log = state
        .store
        .list_audit(&AuditQuery {
            record_type: Some(record_type.to_owned()),
            record_id: Some(id.to_string()),
            limit: 50,
            ..Default::default()
        })
        .await?;
    // Who did it by name, and which fields changed, named as the form names them.
    let actors: Vec<Uuid> = log.iter().filter_map(|e| e.actor_user_id).collect();
    let names = records::user_names(&state.store, actors).await?;
    let defs = state.store.custom_fields(record_type).await?;
    let naming = super::audit_view::Naming {
        record_type: RecordType::parse(record_type),
        defs: &defs,
        names: &names,
        import: false,
    };
    for e in log {
        let action_id = format!("audit-action-{}", e.action.replace('_', "-"));
        let action = p.tr.known(&action_id).unwrap_or_else(|| e.action.clone());
        let who = e
            .actor_user_id
            .and_then(|u| names.get(&u).cloned())
            .unwrap_or(e.actor_label);
        let mut text = format!("{action} — {who}");
        if e.action == "update" {
            let fields: Vec<String> = super::audit_view::change_lines(p, &e.changes.0, &naming)
                .into_iter()
                .map(|l| l.field)
                .take(6)
                .collect();
            if !fields.is_empty() {
                text = format!("{text}: {}", fields.join(p.list_sep()));
            }
        }
        items.push((e.at, p.t("timeline-change"), text, None));
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.0));
    Ok(items
        .into_iter()
        .map(|(t, k, s, l)| (p.datetime(t), k, s, l))
        .collect())
}

pub async fn show(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    axum::extract::Query(fe): axum::extract::Query<super::files::FileError>,
) -> PageResult {
    let c = contacts::get(&state.store, &me.actor, parse_id(&id)?).await?;
    let files = super::files::files_for(&state, &me, &p, "contact", c.id).await?;
    let file_error = fe.message(&p);
    let defs = state.store.custom_fields("contact").await?;
    let mut details: Vec<(String, String, Option<String>)> = vec![];
    let mut add = |label: &str, value: String, link: Option<String>| {
        if !value.is_empty() {
            details.push((p.t(label), value, link));
        }
    };
    if let Some(cid) = c.company_id
        && let Some(company) = state.store.company(cid).await?
    {
        add(
            "contact-company",
            company.name,
            Some(format!("/companies/{cid}")),
        );
    }
    add("contact-job-title", c.job_title.clone(), None);
    for ph in &c.phones.0 {
        add(
            "contact-phone",
            format!(
                "{} ({})",
                show_phone(&p, ph),
                p.t(&format!(
                    "phone-label-{}",
                    if ph.label.is_empty() {
                        "other"
                    } else {
                        &ph.label
                    }
                ))
            ),
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
    if !c.preferred_channel.is_empty() {
        add(
            "contact-preferred-channel",
            p.t(&format!(
                "channel-{}",
                c.preferred_channel.replace('_', "-")
            )),
            None,
        );
    }
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
    add(
        "contact-national-id",
        c.national_id
            .clone()
            .map(|n| p.digits(n))
            .unwrap_or_default(),
        None,
    );
    add(
        "contact-birth-date",
        records::show_opt_date(&p, c.birth_date),
        None,
    );
    add(
        "contact-anniversary",
        records::show_opt_date(&p, c.anniversary_date),
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
    let deals = deal_lines(&state, &me, &p, RecordLink::Contact, c.id).await?;
    let timeline = timeline(&state, &p, RecordLink::Contact, "contact", c.id).await?;
    let can_merge = c.deleted_at.is_none()
        && me
            .actor
            .require_record(RecordType::Contact, Action::Update, Some(c.owner_id))
            .is_ok();
    let merge_candidates = if can_merge {
        contacts::duplicates(&state.store, &me.actor, &c)
            .await?
            .into_iter()
            .filter(|d| {
                me.actor
                    .require_record(RecordType::Contact, Action::Delete, Some(d.owner_id))
                    .is_ok()
            })
            .map(|d| (d.full_name(), format!("/contacts/{}", d.id), d.id))
            .collect()
    } else {
        vec![]
    };
    let mut p = p.titled("contacts-title", "contacts");
    p.title = c.full_name();
    html(ShowPage {
        base: "/contacts",
        record_type: "contact",
        people: vec![],
        add_person_href: None,
        lead_actions: false,
        action_error: None,
        merge_candidates,
        files,
        file_error,
        id: c.id,
        deleted: c.deleted_at.is_some(),
        can_edit: me
            .actor
            .require_record(RecordType::Contact, Action::Update, Some(c.owner_id))
            .is_ok(),
        can_delete: me
            .actor
            .require_record(RecordType::Contact, Action::Delete, Some(c.owner_id))
            .is_ok(),
        p,
        details,
        deals,
        timeline,
    })
}

/// The deals of a record that the actor may read.
pub async fn deal_lines(
    state: &AppState,
    me: &Authed,
    p: &Page,
    link: RecordLink,
    id: Uuid,
) -> Result<Vec<(String, String, String)>, PageError> {
    let Ok(grant) = me.actor.require(RecordType::Deal, Action::Read) else {
        return Ok(vec![]);
    };
    let mut out = vec![];
    for d in state.store.deals_of(link, id).await? {
        if !grant.covers(Some(d.owner_id)) {
            continue;
        }
        let stage = state
            .store
            .stage(d.stage_id)
            .await?
            .map(|s| p.named("stage", &s.name, s.name_key.as_deref()))
            .unwrap_or_default();
        let amount = p.deal_amount(d.amount_minor, &d.currency);
        out.push((
            d.title,
            format!("/deals/{}", d.id),
            format!("{stage} · {amount}"),
        ));
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
pub struct MergeForm {
    other_id: String,
}

pub async fn merge(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
    Form(f): Form<MergeForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let other = parse_id(&f.other_id)?;
    contacts::merge(&state.store, &me.ctx(), &me.actor, id, other).await?;
    Ok(Redirect::to(&format!("/contacts/{id}")).into_response())
}
