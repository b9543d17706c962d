//! Import pages: upload a file, map its columns (with a validated preview), follow the
//! progress, download the failure report; and the list pages' exports.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use peyvand_domain::access::{Action, RecordType};
use peyvand_domain::prefs::Language;
use peyvand_services::sales::imports::{self, DuplicateMode, NewImport, Preview};
use peyvand_services::{FieldError, ServiceError};
use peyvand_store::ImportRecord;
use uuid::Uuid;

use super::{PageResult, html};
use crate::AppState;
use crate::api::imports::{MAX_UPLOAD, export_response, failure_report, importable_type};
use crate::auth::Authed;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::page::Page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list))
        .route(
            "/imports/new",
            get(new_form)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/imports/{id}", get(show))
        .route("/imports/{id}/map", get(map_form).post(start))
        .route("/imports/{id}/discard", post(discard))
        .route("/imports/{id}/failures.csv", get(failures))
        .route("/contacts/export", get(export_contacts))
        .route("/companies/export", get(export_companies))
        .route("/leads/export", get(export_leads))
        .route("/deals/export", get(export_deals))
}

fn parse_id(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::NotFound)
}

const TYPES: [RecordType; 4] = [
    RecordType::Contact,
    RecordType::Company,
    RecordType::Lead,
    RecordType::Deal,
];

#[derive(Template)]
#[template(path = "imports.html")]
struct ListPage {
    p: Page,
    rows: Vec<ImportRow>,
    /// The file just discarded, named in a notice.
    discarded: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct ListFlags {
    #[serde(default)]
    discarded: Option<String>,
}

struct ImportRow {
    /// A draft its reader uploaded, which they may discard.
    discard: Option<Uuid>,
    href: String,
    file_name: String,
    record_type: String,
    status: String,
    created: String,
    counts: String,
}

/// Throws away a draft (an upload whose import never started), from the list or its mapping
/// page.
async fn discard(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    match imports::discard_draft(&state.store, &me.ctx(), &me.actor, id).await {
        // Started meanwhile (another tab): its page says how it goes.
        Err(ServiceError::Validation(_)) => {
            Ok(Redirect::to(&format!("/imports/{id}")).into_response())
        }
        Err(e) => Err(e.into()),
        Ok(file_name) => Ok(Redirect::to(&format!(
            "/imports?{}",
            serde_urlencoded::to_string([("discarded", file_name)]).unwrap_or_default()
        ))
        .into_response()),
    }
}

fn status_label(p: &Page, s: &str) -> String {
    p.t(&format!("import-status-{s}"))
}

async fn list(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    axum::extract::Query(flags): axum::extract::Query<ListFlags>,
) -> PageResult {
    let p = p.titled("imports-title", "imports");
    let rows = imports::list(&state.store, &me.actor)
        .await?
        .iter()
        .map(|i| ImportRow {
            discard: (i.status == "draft" && i.created_by == me.user.id).then_some(i.id),
            href: if i.status == "draft" {
                format!("/imports/{}/map", i.id)
            } else {
                format!("/imports/{}", i.id)
            },
            file_name: i.file_name.clone(),
            record_type: p.t(&format!("import-type-{}", i.record_type)),
            status: status_label(&p, &i.status),
            created: p.datetime(i.created_at),
            counts: p.digits(format!(
                "{} / {} / {} / {}",
                i.imported, i.updated, i.skipped, i.failed
            )),
        })
        .collect();
    html(ListPage {
        p,
        rows,
        discarded: flags.discarded.filter(|f| !f.is_empty()),
    })
}

#[derive(Template)]
#[template(path = "import_new.html")]
struct NewPage {
    p: Page,
    types: Vec<(&'static str, String, bool)>,
    error: Option<String>,
}

fn types_for(p: &Page, me: &Authed, chosen: &str) -> Vec<(&'static str, String, bool)> {
    TYPES
        .iter()
        .filter(|rt| me.actor.require(**rt, Action::Create).is_ok())
        .map(|rt| {
            (
                rt.as_str(),
                p.t(&format!("import-type-{}", rt.as_str())),
                rt.as_str() == chosen,
            )
        })
        .collect()
}

async fn new_form(Extension(me): Extension<Authed>, p: Page, RawQuery(q): RawQuery) -> PageResult {
    let p = p.titled("import-new-title", "imports");
    let chosen = q
        .as_deref()
        .and_then(|q| q.strip_prefix("type="))
        .unwrap_or("contact")
        .to_owned();
    let types = types_for(&p, &me, &chosen);
    if types.is_empty() {
        return Err(PageError::Forbidden);
    }
    html(NewPage {
        p,
        types,
        error: None,
    })
}

async fn upload(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    mut form: Multipart,
) -> PageResult {
    let p = p.titled("import-new-title", "imports");
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut record_type = String::new();
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or("import.csv").to_owned();
                let bytes = field.bytes().await.map_err(|_| PageError::TooLarge)?;
                file = Some((name, bytes.to_vec()));
            }
            "record_type" => record_type = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let rt = importable_type(&record_type).unwrap_or(RecordType::Contact);
    let fail = |p: Page, code: &str| {
        let types = types_for(&p, &me, rt.as_str());
        html(NewPage {
            error: Some(p.tr.error(code)),
            p,
            types,
        })
    };
    // A form sent without choosing a file still has the part, nameless and empty.
    let Some((file_name, bytes)) = file.filter(|(n, b)| !(n.is_empty() && b.is_empty())) else {
        return fail(p, "import.no_file");
    };
    let started = imports::start_import(
        &state.store,
        &me.ctx(),
        &me.actor,
        NewImport {
            record_type: rt,
            file_name: &file_name,
            bytes,
            mapping: None,
            duplicate_mode: DuplicateMode::Skip,
            calendar: me.prefs.calendar,
            enqueue: false,
            draft: true,
            owner_id: None,
        },
    )
    .await;
    match started {
        Ok(i) => Ok(Redirect::to(&format!("/imports/{}/map", i.id)).into_response()),
        Err(ServiceError::Validation(fields)) => {
            let code = fields.first().map(|f| f.code.clone()).unwrap_or_default();
            fail(p, &code)
        }
        Err(e) => Err(e.into()),
    }
}

struct MapColumn {
    index: usize,
    header: String,
    options: Vec<(String, String, bool)>,
    error: Option<String>,
}

struct PreviewLine {
    number: String,
    cells: Vec<String>,
    /// Every problem of the row, each naming its field; empty when the row is fine.
    problems: Vec<String>,
    /// What the duplicate choice does with a valid row that matches a record or an earlier
    /// row, and the matched record's page.
    note: Option<(String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "import_map.html")]
struct MapPage {
    p: Page,
    id: Uuid,
    file_name: String,
    total: String,
    columns: Vec<MapColumn>,
    lines: Vec<PreviewLine>,
    modes: Vec<(&'static str, String, bool)>,
    error: Option<String>,
    /// Who the records will belong to: (user id, name, chosen).
    owners: Vec<(Uuid, String, bool)>,
    owner_error: Option<String>,
}

/// What the user chose on the mapping page besides the columns.
#[derive(Clone, Copy)]
struct MapChoices {
    mode: DuplicateMode,
    /// None: the importer.
    owner: Option<Uuid>,
}

/// The catalogue message that names a built-in field a column can be imported into: the label
/// the record's own form shows, so the mapping reads like the rest of the UI.
pub fn field_label_id(rt: &str, field: &str) -> Option<&'static str> {
    Some(match (rt, field) {
        ("company", "name") => "company-name",
        ("company", "industry") => "company-industry",
        ("company", "postal_code") => "company-postal-code",
        ("company", "national_id") => "company-national-id",
        ("company", "economic_code") => "company-economic-code",
        ("company", "employees") => "company-employees",
        ("lead", "title") => "lead-title-field",
        ("lead", "company_name") => "contact-company",
        ("lead", "phone") => "contact-phone",
        ("lead", "email") => "field-email",
        ("lead", "source") => "lead-source",
        ("lead", "channel") => "lead-channel",
        ("lead", "campaign") => "lead-campaign",
        ("lead", "status") => "lead-status",
        ("lead", "utm_source") => "lead-utm-source",
        ("lead", "utm_medium") => "lead-utm-medium",
        ("lead", "utm_campaign") => "lead-utm-campaign",
        ("lead", "utm_term") => "lead-utm-term",
        ("lead", "utm_content") => "lead-utm-content",
        ("deal", "title") => "deal-title",
        ("deal", "amount") => "deal-amount",
        ("deal", "currency") => "deal-currency",
        ("deal", "expected_close_date") => "deal-expected-close",
        ("deal", "lost_reason") => "deal-lost-reason",
        (_, "first_name") => "contact-first-name",
        (_, "last_name") => "contact-last-name",
        (_, "company") => "contact-company",
        (_, "job_title") => "contact-job-title",
        (_, "phones") => "contact-phones",
        (_, "emails") => "contact-emails",
        (_, "website") => "contact-website",
        (_, "province") => "contact-province",
        (_, "city") => "contact-city",
        (_, "address") => "contact-address",
        (_, "national_id") => "contact-national-id",
        (_, "birth_date") => "contact-birth-date",
        (_, "anniversary_date") => "contact-anniversary",
        (_, "preferred_channel") => "contact-preferred-channel",
        (_, "tags") => "contact-tags",
        _ => return None,
    })
}

/// A field (or a problem's field such as `phones[0]` or `custom.tier`) in the user's language.
pub fn field_label(tr: &Tr, rt: &str, field: &str, labels: &[(String, String)]) -> String {
    let field = field.split('[').next().unwrap_or(field);
    if let Some(key) = field.strip_prefix("custom.") {
        return labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| key.to_owned());
    }
    field_label_id(rt, field)
        .and_then(|id| tr.known(id))
        .unwrap_or_else(|| field.to_owned())
}

/// The custom fields' labels of a record type in the user's language, as (key, label).
pub async fn custom_labels(
    state: &AppState,
    lang: Language,
    rt: &str,
) -> Result<Vec<(String, String)>, ServiceError> {
    Ok(state
        .store
        .custom_fields(rt)
        .await?
        .into_iter()
        .map(|f| {
            let l = if lang == Language::Fa {
                f.label_fa
            } else {
                f.label_en
            };
            (f.key, l)
        })
        .collect())
}

/// The problem of one column of the mapping, naming the field when two columns claim it.
fn column_error(
    tr: &Tr,
    rt: &str,
    header: &str,
    chosen: &str,
    labels: &[(String, String)],
    errors: &[FieldError],
) -> Option<String> {
    let e = errors
        .iter()
        .find(|e| e.field.strip_prefix("mapping.") == Some(header))?;
    Some(if e.code == "import.field_twice" && !chosen.is_empty() {
        tr.t_with(
            "import-field-twice-named",
            "field",
            field_label(tr, rt, chosen, labels),
        )
    } else {
        tr.error(&e.code)
    })
}

/// What happens to a valid preview row that is already in the CRM or earlier in the file.
fn duplicate_note(
    p: &Page,
    record_type: &str,
    mode: DuplicateMode,
    row: &imports::PreviewRow,
) -> Option<(String, Option<String>)> {
    if let Some(m) = &row.duplicate_of {
        let base = match record_type {
            "company" => "companies",
            "lead" => "leads",
            _ => "contacts",
        };
        return Some(match (&m.record_id, &m.name) {
            (Some(id), Some(name)) => (
                p.t_with(&format!("import-dup-note-{}", mode.as_str()), "name", name),
                Some(format!("/{base}/{id}")),
            ),
            // Someone else's record: the row is still a duplicate, but whose is not said.
            _ => (p.t(&format!("import-dup-hidden-{}", mode.as_str())), None),
        });
    }
    let first = row.repeats_row?;
    let id = if mode == DuplicateMode::Create {
        "import-repeat-note-create"
    } else {
        "import-repeat-note"
    };
    Some((p.t_with(id, "row", p.digits(first)), None))
}

async fn render_map(
    state: &AppState,
    me: &Authed,
    p: Page,
    import: &ImportRecord,
    preview: &Preview,
    choices: MapChoices,
    errors: &[FieldError],
) -> PageResult {
    let mode = choices.mode;
    let labels = custom_labels(state, me.prefs.language, &import.record_type).await?;
    let columns = preview
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let chosen = preview
                .mapping
                .iter()
                .find(|(c, _)| c == h)
                .map(|(_, f)| f.clone())
                .unwrap_or_default();
            let mut options = vec![(String::new(), p.t("import-skip-column"), chosen.is_empty())];
            options.extend(preview.choices.iter().map(|f| {
                (
                    f.clone(),
                    field_label(&p.tr, &import.record_type, f, &labels),
                    *f == chosen,
                )
            }));
            MapColumn {
                index: i,
                header: h.clone(),
                options,
                error: column_error(&p.tr, &import.record_type, h, &chosen, &labels, errors),
            }
        })
        .collect();
    let lines = preview
        .rows
        .iter()
        .map(|r| PreviewLine {
            number: p.digits(r.row_number),
            cells: r.cells.clone(),
            problems: r
                .errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        field_label(&p.tr, &import.record_type, &e.field, &labels),
                        p.tr.error(&e.code)
                    )
                })
                .collect(),
            note: duplicate_note(&p, &import.record_type, mode, r),
        })
        .collect();
    let modes = [
        DuplicateMode::Skip,
        DuplicateMode::Update,
        DuplicateMode::Create,
    ]
    .iter()
    .map(|m| {
        (
            m.as_str(),
            p.t(&format!("import-dup-{}", m.as_str())),
            *m == mode,
        )
    })
    .collect();
    let total = p.t_with("import-total-rows", "n", p.digits(preview.total_rows));
    let error = errors
        .iter()
        .find(|e| e.field == "mapping")
        .map(|e| p.tr.error(&e.code));
    let rt = RecordType::parse(&import.record_type).unwrap_or(RecordType::Contact);
    let owner = choices.owner.unwrap_or(me.user.id);
    let owners = super::records::People::load(&state.store)
        .await
        .map_err(ServiceError::from)?
        .owner_choices(&me.actor, rt, owner);
    let owner_error = errors
        .iter()
        .find(|e| e.field == "owner_id")
        .map(|e| p.tr.error(&e.code));
    html(MapPage {
        owners,
        owner_error,
        p,
        id: import.id,
        file_name: import.file_name.clone(),
        total,
        columns,
        lines,
        modes,
        error,
    })
}

async fn map_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
) -> PageResult {
    let p = p.titled("import-map-title", "imports");
    let id = parse_id(&id)?;
    let (import, preview) =
        imports::preview_stored(&state.store, &me.actor, id, None, me.prefs.calendar).await?;
    if import.status != "draft" {
        return Ok(Redirect::to(&format!("/imports/{id}")).into_response());
    }
    render_map(
        &state,
        &me,
        p,
        &import,
        &preview,
        MapChoices {
            mode: DuplicateMode::Skip,
            owner: None,
        },
        &preview.mapping_errors,
    )
    .await
}

async fn start(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let p = p.titled("import-map-title", "imports");
    let id = parse_id(&id)?;
    let import = imports::get(&state.store, &me.actor, id).await?;
    let bytes = state
        .store
        .import_file(id)
        .await
        .map_err(|e| PageError::from(ServiceError::from(e)))?;
    let headers = peyvand_domain::import::read_file(&import.file_name, &bytes)
        .map(|s| s.headers)
        .unwrap_or_default();
    let mut mapping = vec![];
    let mut choices = MapChoices {
        mode: DuplicateMode::Skip,
        owner: None,
    };
    let mut bad_owner = false;
    for (k, v) in &pairs {
        if let Some(i) = k.strip_prefix('m').and_then(|i| i.parse::<usize>().ok())
            && let Some(h) = headers.get(i)
        {
            mapping.push((h.clone(), v.clone()));
        } else if k == "duplicate_mode" {
            choices.mode = DuplicateMode::parse(v).unwrap_or_default();
        } else if k == "owner_id" && !v.trim().is_empty() {
            match Uuid::parse_str(v.trim()) {
                Ok(id) => choices.owner = Some(id),
                Err(_) => bad_owner = true,
            }
        }
    }
    // "Show the preview" re-reads the first rows with the mapping as it is now chosen, and
    // starts nothing.
    if pairs.iter().any(|(k, _)| k == "preview") {
        let (import, preview) = imports::preview_stored(
            &state.store,
            &me.actor,
            id,
            Some(mapping),
            me.prefs.calendar,
        )
        .await?;
        return render_map(
            &state,
            &me,
            p,
            &import,
            &preview,
            choices,
            &preview.mapping_errors,
        )
        .await;
    }
    let started = if bad_owner {
        Err(ServiceError::Validation(vec![FieldError::new(
            "owner_id",
            "owner.not_found",
        )]))
    } else {
        imports::start_draft(
            &state.store,
            &me.ctx(),
            &me.actor,
            id,
            mapping.clone(),
            choices.mode,
            choices.owner,
        )
        .await
    };
    match started {
        Ok(_) => Ok(Redirect::to(&format!("/imports/{id}")).into_response()),
        Err(ServiceError::Validation(fields)) => {
            let (import, preview) = imports::preview_stored(
                &state.store,
                &me.actor,
                id,
                Some(mapping),
                me.prefs.calendar,
            )
            .await?;
            render_map(&state, &me, p, &import, &preview, choices, &fields).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "import_show.html")]
struct ShowPage {
    p: Page,
    id: Uuid,
    file_name: String,
    record_type: String,
    /// The status as stored (`queued`, `running`, `done`, `failed`), for scripts and tests.
    state: String,
    status: String,
    running: bool,
    percent: i64,
    progress: String,
    counts: Vec<(&'static str, String, String)>,
    has_failures: bool,
    error: Option<String>,
    /// The owner of the imported records, when someone else than the importer.
    owner: Option<String>,
    /// The list of the imported record type, newest first.
    records_href: String,
}

async fn show(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
) -> PageResult {
    let p = p.titled("imports-title", "imports");
    let i = imports::get(&state.store, &me.actor, parse_id(&id)?).await?;
    if i.status == "draft" {
        return Ok(Redirect::to(&format!("/imports/{}/map", i.id)).into_response());
    }
    let percent = if i.total_rows > 0 {
        (i.processed_rows * 100 / i.total_rows).clamp(0, 100)
    } else if i.status == "done" {
        100
    } else {
        0
    };
    let progress = p.digits(format!("{}/{}", i.processed_rows, i.total_rows));
    let progress = {
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("done", p.digits(i.processed_rows));
        args.set("total", p.digits(i.total_rows));
        let s = state
            .catalogues
            .get(me.prefs.language, "import-progress", Some(&args));
        if s.is_empty() { progress } else { s }
    };
    let counts = [
        ("imported", i.imported),
        ("updated", i.updated),
        ("skipped", i.skipped),
        ("failed", i.failed),
    ]
    .iter()
    .map(|(k, n)| (*k, p.t(&format!("import-{k}")), p.digits(n)))
    .collect();
    let owner = match i.owner_id.filter(|o| *o != i.created_by) {
        Some(id) => state
            .store
            .user_by_id(id)
            .await
            .map_err(ServiceError::from)?
            .map(|u| u.display_name),
        None => None,
    };
    let records_href = format!(
        "/{}?sort=-created_at",
        match i.record_type.as_str() {
            "company" => "companies",
            "lead" => "leads",
            "deal" => "deals/list",
            _ => "contacts",
        }
    );
    html(ShowPage {
        owner,
        records_href,
        running: i.status == "queued" || i.status == "running",
        status: status_label(&p, &i.status),
        state: i.status.clone(),
        record_type: p.t(&format!("import-type-{}", i.record_type)),
        error: i.error.as_deref().map(|c| p.tr.error(c)),
        p,
        id: i.id,
        file_name: i.file_name.clone(),
        percent,
        progress,
        counts,
        has_failures: i.failed > 0,
    })
}

async fn failures(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    Ok(failure_report(&state, &me, parse_id(&id)?, true).await?)
}

async fn export(state: &AppState, me: &Authed, rt: RecordType, q: Option<String>) -> PageResult {
    match export_response(state, me, rt, q.as_deref().unwrap_or("")).await {
        Ok(r) => Ok(r),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(PageError::Forbidden),
        Err(e) => Ok(e.into_response()),
    }
}

async fn export_contacts(
    State(s): State<AppState>,
    Extension(me): Extension<Authed>,
    RawQuery(q): RawQuery,
) -> PageResult {
    export(&s, &me, RecordType::Contact, q).await
}
async fn export_companies(
    State(s): State<AppState>,
    Extension(me): Extension<Authed>,
    RawQuery(q): RawQuery,
) -> PageResult {
    export(&s, &me, RecordType::Company, q).await
}
async fn export_leads(
    State(s): State<AppState>,
    Extension(me): Extension<Authed>,
    RawQuery(q): RawQuery,
) -> PageResult {
    export(&s, &me, RecordType::Lead, q).await
}
async fn export_deals(
    State(s): State<AppState>,
    Extension(me): Extension<Authed>,
    RawQuery(q): RawQuery,
) -> PageResult {
    export(&s, &me, RecordType::Deal, q).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Catalogues;

    /// The mapping page offers every importable field by its translated label: a raw name such
    /// as `first_name` in a Persian (or English) page is a bug.
    #[test]
    fn every_importable_field_has_a_label_in_both_languages() {
        let c = Catalogues::load();
        for rt in TYPES {
            for field in peyvand_domain::import::importable_fields(rt.as_str()) {
                let id = field_label_id(rt.as_str(), field)
                    .unwrap_or_else(|| panic!("{}.{field} has no label", rt.as_str()));
                for lang in [Language::Fa, Language::En] {
                    assert!(c.has(lang, id), "{id} missing in {lang:?}");
                }
            }
        }
    }

    #[test]
    fn problems_name_the_field_in_the_users_language() {
        let c = Catalogues::load();
        let fa = Tr::new(c.clone(), Language::Fa);
        let en = Tr::new(c, Language::En);
        let custom = vec![("tier".to_owned(), "سطح".to_owned())];
        assert_eq!(
            field_label(&fa, "contact", "phones[0]", &[]),
            "شماره‌های تلفن"
        );
        assert_eq!(
            field_label(&en, "contact", "emails[1]", &[]),
            "Email addresses"
        );
        assert_eq!(field_label(&en, "company", "name", &[]), "Company name");
        assert_eq!(field_label(&fa, "contact", "custom.tier", &custom), "سطح");
        assert_eq!(
            field_label(&en, "deal", "no_such_field", &[]),
            "no_such_field"
        );
    }
}
