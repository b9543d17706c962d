//! Imports of CSV and xlsx files into contacts, companies, leads or deals.
//!
//! `start_import` checks the mapping and stores the file with a queued job in one transaction;
//! `run_import` (the job, or the CLI directly) reads the file and goes through it in batches of
//! [`BATCH`] rows, each batch in one transaction: rows that fail validation are recorded with
//! their reasons and never stop the others; duplicates are skipped, updated or created as the
//! user chose; progress is committed with the rows, so a re-run continues where the last one
//! stopped. Validation is the record services' own (`prepare_new_with`); custom field
//! definitions are loaded once, duplicates are looked up once per batch, new rows are written
//! with multi-row INSERTs and one audit entry per batch names the import and the records.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use peyvand_domain::access::{Action, Actor, RecordType, Scope};
use peyvand_domain::calendar::CalendarKind;
use peyvand_domain::import::{self, CustomLabel, Sheet};
use peyvand_domain::sales::{EmailEntry, FieldDef, PhoneEntry};
use peyvand_domain::text;
use peyvand_store::{
    CompanyRecord, ContactRecord, DealRecord, ImportCounts, ImportFailure, ImportPlan,
    ImportRecord, Json, LeadRecord, Store,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::common;
use super::companies::{self, CompanyInput};
use super::contacts::{self, ContactInput};
use super::deals::{self, DealInput};
use super::leads::{self, LeadInput};
use crate::audit::{self, Ctx};
use crate::{FieldError, ServiceError, ServiceResult};

/// Rows per transaction.
pub const BATCH: usize = 10_000;

/// Rows the preview validates.
pub const PREVIEW_ROWS: usize = 10;

/// The job kind of an import.
pub const JOB_KIND: &str = "import";

/// What to do with a row that matches an existing record (same phone, email or national ID).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateMode {
    #[default]
    Skip,
    Update,
    Create,
}

impl DuplicateMode {
    pub fn parse(s: &str) -> Option<DuplicateMode> {
        match s.trim() {
            "skip" | "" => Some(DuplicateMode::Skip),
            "update" => Some(DuplicateMode::Update),
            "create" => Some(DuplicateMode::Create),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateMode::Skip => "skip",
            DuplicateMode::Update => "update",
            DuplicateMode::Create => "create",
        }
    }
}

/// The record types a file can be imported into.
pub fn importable(rt: RecordType) -> bool {
    matches!(
        rt,
        RecordType::Contact | RecordType::Company | RecordType::Lead | RecordType::Deal
    )
}

/// (column header, field) pairs; an empty field leaves the column out.
pub type Mapping = Vec<(String, String)>;

/// Every field a column of this record type may be mapped to, custom fields included.
pub fn field_choices(rt: RecordType, defs: &[FieldDef]) -> Vec<String> {
    let mut out: Vec<String> = import::importable_fields(rt.as_str())
        .iter()
        .map(|f| (*f).to_owned())
        .collect();
    out.extend(defs.iter().map(|d| format!("custom.{}", d.key)));
    out
}

async fn custom_labels(store: &Store, rt: RecordType) -> ServiceResult<Vec<CustomLabel>> {
    Ok(store
        .custom_fields(rt.as_str())
        .await?
        .into_iter()
        .map(|f| CustomLabel {
            key: f.key,
            label_fa: f.label_fa,
            label_en: f.label_en,
        })
        .collect())
}

/// The suggested mapping of a file's headers (the auto-mapping), as (header, field) pairs.
pub async fn suggest(store: &Store, rt: RecordType, headers: &[String]) -> ServiceResult<Mapping> {
    let labels = custom_labels(store, rt).await?;
    Ok(headers
        .iter()
        .cloned()
        .zip(import::auto_map(rt.as_str(), headers, &labels))
        .map(|(h, f)| (h, f.unwrap_or_default()))
        .collect())
}

/// Checks a mapping against the file's headers and the record type's fields and returns the
/// field of each column. Every problem is named: `mapping.COLUMN` with
/// `import.unknown_column`, `import.unknown_field` or `import.field_twice`.
pub fn resolve_mapping(
    rt: RecordType,
    headers: &[String],
    mapping: &Mapping,
    defs: &[FieldDef],
) -> Result<Vec<Option<String>>, Vec<FieldError>> {
    let choices = field_choices(rt, defs);
    let mut cols: Vec<Option<String>> = vec![None; headers.len()];
    let mut errors = vec![];
    for (column, field) in mapping {
        let field = field.trim();
        if field.is_empty() {
            continue;
        }
        let name = format!("mapping.{column}");
        let Some(i) = headers.iter().position(|h| h == column.trim()) else {
            errors.push(FieldError::new(&name, "import.unknown_column"));
            continue;
        };
        if !choices.iter().any(|c| c == field) {
            errors.push(FieldError::new(&name, "import.unknown_field"));
            continue;
        }
        let multi = field == "phones" || field == "emails";
        if !multi && cols.iter().flatten().any(|f| f == field) {
            errors.push(FieldError::new(&name, "import.field_twice"));
            continue;
        }
        cols[i] = Some(field.to_owned());
    }
    if errors.is_empty() && cols.iter().all(Option::is_none) {
        errors.push(FieldError::new("mapping", "import.nothing_mapped"));
    }
    if errors.is_empty() {
        Ok(cols)
    } else {
        Err(errors)
    }
}

fn read_sheet(file_name: &str, bytes: &[u8]) -> ServiceResult<Sheet> {
    import::read_file(file_name, bytes)
        .map_err(|e| ServiceError::Validation(vec![FieldError::new("file", e.code())]))
}

/// Splits a cell holding several values (`a, b; c`).
fn split_list(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split([',', '،', ';', '؛', '|', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// One row turned into a record service's input.
enum RowInput {
    Contact(ContactInput, Option<String>),
    Company(CompanyInput),
    Lead(LeadInput),
    Deal(DealInput),
}

fn row_input(
    rt: RecordType,
    cols: &[Option<String>],
    row: &[String],
    cal: CalendarKind,
) -> Result<RowInput, Vec<FieldError>> {
    let mut contact = ContactInput::default();
    let mut company = CompanyInput::default();
    let mut lead = LeadInput::default();
    let mut deal = DealInput::default();
    let mut company_name = None;
    let mut custom = Map::new();
    let mut errors = vec![];
    let mut phones: Vec<PhoneEntry> = vec![];
    let mut emails: Vec<EmailEntry> = vec![];
    let mut tags: Vec<String> = vec![];
    for (field, cell) in cols.iter().zip(row) {
        let Some(field) = field else { continue };
        // A cell this CRM exported carries an apostrophe before a formula-like start.
        let cell = text::from_spreadsheet_safe(cell.trim());
        if cell.is_empty() {
            continue;
        }
        let v = if matches!(
            field.as_str(),
            "birth_date" | "anniversary_date" | "expected_close_date"
        ) {
            Some(import::normalize_date_cell(cell, cal))
        } else {
            Some(cell.to_owned())
        };
        if let Some(key) = field.strip_prefix("custom.") {
            custom.insert(key.to_owned(), Value::String(cell.to_owned()));
            continue;
        }
        match field.as_str() {
            "phones" => phones.extend(split_list(cell).map(|number| PhoneEntry {
                number,
                label: String::new(),
            })),
            "emails" => emails.extend(split_list(cell).map(|address| EmailEntry {
                address,
                label: String::new(),
            })),
            "tags" => tags.extend(split_list(cell)),
            "company" => company_name = v,
            f => match rt {
                RecordType::Contact => match f {
                    "first_name" => contact.first_name = v,
                    "last_name" => contact.last_name = v,
                    "job_title" => contact.job_title = v,
                    "website" => contact.website = v,
                    "province" => contact.province = v,
                    "city" => contact.city = v,
                    "address" => contact.address = v,
                    "national_id" => contact.national_id = v,
                    "birth_date" => contact.birth_date = v,
                    "anniversary_date" => contact.anniversary_date = v,
                    "preferred_channel" => contact.preferred_channel = v,
                    _ => {}
                },
                RecordType::Company => match f {
                    "name" => company.name = v,
                    "industry" => company.industry = v,
                    "website" => company.website = v,
                    "province" => company.province = v,
                    "city" => company.city = v,
                    "address" => company.address = v,
                    "postal_code" => company.postal_code = v,
                    "national_id" => company.national_id = v,
                    "economic_code" => company.economic_code = v,
                    "employees" => {
                        match peyvand_domain::digits::to_ascii(cell)
                            .replace([',', '٬'], "")
                            .parse::<i64>()
                        {
                            Ok(n) => company.employees = Some(n),
                            Err(_) => errors.push(FieldError::new(f, "custom.not_a_number")),
                        }
                    }
                    _ => {}
                },
                RecordType::Lead => match f {
                    "title" => lead.title = v,
                    "first_name" => lead.first_name = v,
                    "last_name" => lead.last_name = v,
                    "company_name" => lead.company_name = v,
                    "phone" => lead.phone = v,
                    "email" => lead.email = v,
                    "source" => lead.source = v,
                    "channel" => lead.channel = v,
                    "campaign" => lead.campaign = v,
                    "utm_source" => lead.utm_source = v,
                    "utm_medium" => lead.utm_medium = v,
                    "utm_campaign" => lead.utm_campaign = v,
                    "utm_term" => lead.utm_term = v,
                    "utm_content" => lead.utm_content = v,
                    "status" => lead.status = v,
                    _ => {}
                },
                _ => match f {
                    "title" => deal.title = v,
                    "amount" => deal.amount = v,
                    "currency" => deal.currency = v,
                    "expected_close_date" => deal.expected_close_date = v,
                    "lost_reason" => deal.lost_reason = v,
                    _ => {}
                },
            },
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let custom = (!custom.is_empty()).then_some(custom);
    Ok(match rt {
        RecordType::Contact => {
            if !phones.is_empty() {
                contact.phones = Some(phones);
            }
            if !emails.is_empty() {
                contact.emails = Some(emails);
            }
            if !tags.is_empty() {
                contact.tags = Some(tags);
            }
            contact.custom = custom;
            RowInput::Contact(contact, company_name)
        }
        RecordType::Company => {
            if !phones.is_empty() {
                company.phones = Some(phones);
            }
            if !emails.is_empty() {
                company.emails = Some(emails);
            }
            if !tags.is_empty() {
                company.tags = Some(tags);
            }
            company.custom = custom;
            RowInput::Company(company)
        }
        RecordType::Lead => {
            if lead.source.is_none() {
                lead.source = Some("import".into());
            }
            lead.custom = custom;
            RowInput::Lead(lead)
        }
        _ => {
            deal.custom = custom;
            RowInput::Deal(deal)
        }
    })
}

/// A validated row, ready to save.
enum Prepared {
    Contact(ContactRecord, ContactInput),
    Company(CompanyRecord, CompanyInput),
    Lead(LeadRecord, LeadInput),
    Deal(DealRecord, String),
}

impl Prepared {
    fn id(&self) -> Uuid {
        match self {
            Prepared::Contact(c, _) => c.id,
            Prepared::Company(c, _) => c.id,
            Prepared::Lead(l, _) => l.id,
            Prepared::Deal(d, _) => d.id,
        }
    }

    fn identifiers(&self) -> Vec<(&'static str, String)> {
        match self {
            Prepared::Contact(c, _) => contacts::identifiers(c),
            Prepared::Company(c, _) => companies::identifiers(c),
            Prepared::Lead(l, _) => leads::identifiers(l),
            Prepared::Deal(..) => vec![],
        }
    }
}

/// What a running import keeps between rows: the actor, definitions, resolved companies.
struct Runner<'a> {
    store: &'a Store,
    actor: &'a Actor,
    cal: CalendarKind,
    rt: RecordType,
    defs: Vec<FieldDef>,
    company_defs: Vec<FieldDef>,
    /// Normalised company name → (id, name) of a live company, for contacts' company column.
    companies: HashMap<String, (Uuid, String)>,
    company_names: HashMap<Uuid, String>,
    /// Companies this batch creates for contacts whose company does not exist yet.
    new_companies: Vec<CompanyRecord>,
    /// Identifiers of the records this import creates, so a later row (in any batch, even one
    /// prepared before the earlier batch is committed) is known as a repeat.
    created: HashMap<(&'static str, String), Uuid>,
    /// Who the new records (and the companies made for contacts) belong to; None: the actor.
    /// Checked once when the import starts and again when it runs.
    owner: Option<Uuid>,
}

impl<'a> Runner<'a> {
    async fn new(
        store: &'a Store,
        actor: &'a Actor,
        cal: CalendarKind,
        rt: RecordType,
    ) -> ServiceResult<Runner<'a>> {
        let defs = common::field_defs(store, rt).await?;
        let company_defs = if rt == RecordType::Contact {
            common::field_defs(store, RecordType::Company).await?
        } else {
            vec![]
        };
        Ok(Runner {
            store,
            actor,
            cal,
            rt,
            defs,
            company_defs,
            companies: HashMap::new(),
            company_names: HashMap::new(),
            new_companies: vec![],
            created: HashMap::new(),
            owner: None,
        })
    }

    /// The company a contact row names: an existing one the actor may read, or a new one
    /// created with the batch.
    async fn company_for(&mut self, name: &str) -> ServiceResult<(Uuid, String)> {
        let key = text::normalize_for_search(name);
        if let Some(hit) = self.companies.get(&key) {
            return Ok(hit.clone());
        }
        let hit = match companies::find_by_name(self.store, self.actor, name).await? {
            Some(c) => (c.id, c.name),
            None => {
                let input = CompanyInput {
                    name: Some(name.to_owned()),
                    ..Default::default()
                };
                let c = companies::prepare_new_with(
                    self.store,
                    self.actor,
                    &input,
                    self.cal,
                    &self.company_defs,
                )
                .await
                .map_err(|e| match e {
                    ServiceError::Validation(_) | ServiceError::Forbidden => {
                        ServiceError::Validation(vec![FieldError::new(
                            "company",
                            "company.not_found",
                        )])
                    }
                    other => other,
                })?;
                let mut c = c;
                c.owner_id = self.owner.unwrap_or(c.owner_id);
                let hit = (c.id, c.name.clone());
                self.new_companies.push(c);
                hit
            }
        };
        self.companies.insert(key, hit.clone());
        self.company_names.insert(hit.0, hit.1.clone());
        Ok(hit)
    }

    /// Validates one row exactly as a form or the API would.
    async fn prepare(&mut self, input: RowInput) -> ServiceResult<Prepared> {
        let (store, actor, cal) = (self.store, self.actor, self.cal);
        Ok(match input {
            RowInput::Contact(input, company) => {
                let mut c = contacts::prepare_new_with(store, actor, &input, cal, &self.defs).await;
                if let Some(name) = company {
                    let found = self.company_for(&name).await;
                    c = match (c, found) {
                        (Ok(mut c), Ok((id, _))) => {
                            c.company_id = Some(id);
                            Ok(c)
                        }
                        (Ok(_), Err(e)) => Err(e),
                        (
                            Err(ServiceError::Validation(mut a)),
                            Err(ServiceError::Validation(b)),
                        ) => {
                            a.extend(b);
                            Err(ServiceError::Validation(a))
                        }
                        (Err(e), _) => Err(e),
                    };
                }
                let mut c = c?;
                c.owner_id = self.owner.unwrap_or(c.owner_id);
                Prepared::Contact(c, input)
            }
            RowInput::Company(input) => {
                let mut c =
                    companies::prepare_new_with(store, actor, &input, cal, &self.defs).await?;
                c.owner_id = self.owner.unwrap_or(c.owner_id);
                Prepared::Company(c, input)
            }
            RowInput::Lead(input) => {
                let mut l = leads::prepare_new_with(store, actor, &input, cal, &self.defs).await?;
                l.owner_id = self.owner.unwrap_or(l.owner_id);
                Prepared::Lead(l, input)
            }
            RowInput::Deal(input) => {
                let (mut d, search) = deals::prepare_new(store, actor, &input, cal).await?;
                d.owner_id = self.owner.unwrap_or(d.owner_id);
                Prepared::Deal(d, search)
            }
        })
    }

    fn company_name(&self, id: Option<Uuid>) -> String {
        id.and_then(|id| self.company_names.get(&id))
            .cloned()
            .unwrap_or_default()
    }
}

fn failure_rows(row_number: i64, row: &[String], errors: Vec<FieldError>) -> Vec<ImportFailure> {
    let mut out: Vec<ImportFailure> = vec![];
    for e in errors {
        if !out.iter().any(|f| f.field == e.field && f.code == e.code) {
            out.push(ImportFailure {
                row_number,
                field: e.field,
                code: e.code,
                raw: Json(row.to_vec()),
            });
        }
    }
    out
}

fn table_of(rt: RecordType) -> &'static str {
    match rt {
        RecordType::Contact => "contacts",
        RecordType::Company => "companies",
        RecordType::Lead => "leads",
        _ => "deals",
    }
}

/// What a batch will do, prepared without writing; `write_batch` saves it.
struct BatchResult {
    counts: ImportCounts,
    failures: Vec<ImportFailure>,
    inserts: Vec<Prepared>,
    updates: Vec<(Prepared, Prepared)>,
    /// Companies created for contacts of this batch.
    new_companies: Vec<CompanyRecord>,
    /// The names of the companies this batch's new contacts belong to (for their search text).
    company_names: HashMap<Uuid, String>,
}

/// Validates and sorts one batch of rows; reads only (one duplicate query for the batch).
async fn prepare_batch(
    runner: &mut Runner<'_>,
    cols: &[Option<String>],
    rows: &[Vec<String>],
    first_row_number: i64,
    mode: DuplicateMode,
) -> ServiceResult<BatchResult> {
    let mut counts = ImportCounts {
        processed: rows.len() as i64,
        ..Default::default()
    };
    let mut failures = vec![];
    let mut ok: Vec<(i64, &Vec<String>, Prepared)> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let n = first_row_number + i as i64;
        let prepared = match row_input(runner.rt, cols, row, runner.cal) {
            Ok(input) => runner.prepare(input).await,
            Err(errors) => Err(ServiceError::Validation(errors)),
        };
        match prepared {
            Ok(p) => ok.push((n, row, p)),
            Err(ServiceError::Validation(errors)) => {
                counts.failed += 1;
                failures.extend(failure_rows(n, row, errors));
            }
            Err(ServiceError::Forbidden) => {
                counts.failed += 1;
                failures.extend(failure_rows(
                    n,
                    row,
                    vec![FieldError::new("row", "import.not_allowed")],
                ));
            }
            Err(e) => return Err(e),
        }
    }

    // Duplicates: existing live records (one query) and earlier rows of this batch.
    let values: Vec<(&'static str, String)> = {
        let mut v: Vec<(&'static str, String)> =
            ok.iter().flat_map(|(_, _, p)| p.identifiers()).collect();
        v.sort();
        v.dedup();
        v
    };
    let mut existing: HashMap<(String, String), Uuid> = HashMap::new();
    if !values.is_empty() && mode != DuplicateMode::Create {
        for hit in runner
            .store
            .live_identifiers_in(runner.rt.as_str(), table_of(runner.rt), &values)
            .await?
        {
            existing
                .entry((hit.kind, hit.value))
                .or_insert(hit.record_id);
        }
    }
    let mut inserts = vec![];
    let mut to_update: Vec<(i64, &Vec<String>, Prepared, Uuid)> = vec![];
    for (n, row, p) in ok {
        let ids = p.identifiers();
        if mode != DuplicateMode::Create {
            let key_of = |(k, v): &(&'static str, String)| ((*k).to_owned(), v.clone());
            if let Some(id) = ids.iter().find_map(|i| existing.get(&key_of(i)).copied()) {
                if mode == DuplicateMode::Skip {
                    counts.skipped += 1;
                } else {
                    to_update.push((n, row, p, id));
                }
                continue;
            }
            if ids.iter().any(|i| runner.created.contains_key(i)) {
                // The file repeats a record it creates: the first row wins.
                counts.skipped += 1;
                continue;
            }
            for i in ids {
                runner.created.insert(i, p.id());
            }
        }
        inserts.push(p);
    }
    counts.imported = inserts.len() as i64;

    // Updates: the existing records in one query, then the record service's own checks.
    let mut updates = vec![];
    if !to_update.is_empty() {
        let ids: Vec<Uuid> = to_update.iter().map(|(_, _, _, id)| *id).collect();
        let store = runner.store;
        let (actor, cal, defs) = (runner.actor, runner.cal, &runner.defs);
        macro_rules! updates_of {
            ($load:ident, $variant:ident, $module:ident) => {{
                let before: HashMap<Uuid, _> = store
                    .$load(&ids)
                    .await?
                    .into_iter()
                    .map(|r| (r.id, r))
                    .collect();
                for (n, row, p, id) in to_update {
                    let Prepared::$variant(new, input) = p else {
                        continue;
                    };
                    let Some(b) = before.get(&id) else {
                        counts.skipped += 1;
                        continue;
                    };
                    match $module::prepare_update_with(store, actor, b, &input, cal, defs).await {
                        Ok(mut after) => {
                            if new.company_id_of().is_some() {
                                after.set_company(new.company_id_of());
                            }
                            counts.updated += 1;
                            updates.push((
                                Prepared::$variant(b.clone(), input.clone()),
                                Prepared::$variant(after, input),
                            ));
                        }
                        Err(ServiceError::Validation(errors)) => {
                            counts.failed += 1;
                            failures.extend(failure_rows(n, row, errors));
                        }
                        Err(ServiceError::Forbidden) | Err(ServiceError::NotFound) => {
                            counts.failed += 1;
                            failures.extend(failure_rows(
                                n,
                                row,
                                vec![FieldError::new("row", "import.not_allowed")],
                            ));
                        }
                        Err(e) => return Err(e),
                    }
                }
            }};
        }
        match runner.rt {
            RecordType::Contact => updates_of!(contacts_by_ids, Contact, contacts),
            RecordType::Company => updates_of!(companies_by_ids, Company, companies),
            RecordType::Lead => updates_of!(leads_by_ids, Lead, leads),
            _ => {}
        }
    }
    let new_companies = std::mem::take(&mut runner.new_companies);
    let company_names = inserts
        .iter()
        .filter_map(|p| match p {
            Prepared::Contact(c, _) => c.company_id,
            _ => None,
        })
        .map(|id| (id, runner.company_name(Some(id))))
        .collect();
    Ok(BatchResult {
        counts,
        failures,
        inserts,
        updates,
        new_companies,
        company_names,
    })
}

/// The company link a prepared record carries (contacts only).
trait CompanyLink {
    fn company_id_of(&self) -> Option<Uuid>;
    fn set_company(&mut self, id: Option<Uuid>);
}
impl CompanyLink for ContactRecord {
    fn company_id_of(&self) -> Option<Uuid> {
        self.company_id
    }
    fn set_company(&mut self, id: Option<Uuid>) {
        self.company_id = id;
    }
}
macro_rules! no_company_link {
    ($($t:ty),*) => {$(
        impl CompanyLink for $t {
            fn company_id_of(&self) -> Option<Uuid> {
                None
            }
            fn set_company(&mut self, _: Option<Uuid>) {}
        }
    )*};
}
no_company_link!(CompanyRecord, LeadRecord);

/// Writes one prepared batch in its own transaction: new records in bulk, updates one by one
/// (each with its audit entry), the batch's audit entry, failures and progress. Takes what it
/// needs by value so it can run as its own task while the next batch is prepared.
async fn write_batch(
    store: Store,
    ctx: Ctx,
    import: ImportRecord,
    rt: RecordType,
    b: BatchResult,
) -> ServiceResult<ImportCounts> {
    let mut transaction = store.begin().await?;
    let tx = &mut transaction;
    let store = &store;
    let ctx = &ctx;
    let new_companies = &b.new_companies;
    if !new_companies.is_empty() {
        companies::insert_many(store, tx, new_companies).await?;
    }
    let mut created: Vec<Uuid> = Vec::with_capacity(b.inserts.len());
    match rt {
        RecordType::Contact => {
            let rows: Vec<(ContactRecord, String)> = b
                .inserts
                .iter()
                .filter_map(|p| match p {
                    Prepared::Contact(c, _) => Some((
                        c.clone(),
                        c.company_id
                            .and_then(|id| b.company_names.get(&id).cloned())
                            .unwrap_or_default(),
                    )),
                    _ => None,
                })
                .collect();
            contacts::insert_many(store, tx, &rows).await?;
        }
        RecordType::Company => {
            let rows: Vec<CompanyRecord> = b
                .inserts
                .iter()
                .filter_map(|p| match p {
                    Prepared::Company(c, _) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            companies::insert_many(store, tx, &rows).await?;
        }
        RecordType::Lead => {
            let rows: Vec<LeadRecord> = b
                .inserts
                .iter()
                .filter_map(|p| match p {
                    Prepared::Lead(l, _) => Some(l.clone()),
                    _ => None,
                })
                .collect();
            leads::insert_many(store, tx, &rows).await?;
        }
        _ => {
            for p in &b.inserts {
                if let Prepared::Deal(d, search) = p {
                    deals::insert_new(store, tx, ctx, d, search).await?;
                }
            }
        }
    }
    created.extend(b.inserts.iter().map(Prepared::id));
    for (before, after) in &b.updates {
        match (before, after) {
            (Prepared::Contact(b, _), Prepared::Contact(a, _)) => {
                contacts::save_update(store, tx, ctx, b, a).await?
            }
            (Prepared::Company(b, _), Prepared::Company(a, _)) => {
                companies::save_update(store, tx, ctx, b, a).await?
            }
            (Prepared::Lead(b, _), Prepared::Lead(a, _)) => {
                leads::save_update(store, tx, ctx, b, a, "update").await?
            }
            _ => {}
        }
    }
    store
        .insert_import_failures(tx, import.id, &b.failures)
        .await?;
    store
        .advance_import(tx, import.id, b.counts, "running")
        .await?;
    let mut changes = json!({
        "import_id": import.id,
        "record_type": import.record_type,
        "rows": b.counts.processed,
        "imported": b.counts.imported,
        "updated": b.counts.updated,
        "skipped": b.counts.skipped,
        "failed": b.counts.failed,
        "created": created,
    });
    if !new_companies.is_empty() {
        changes["created_companies"] =
            json!(new_companies.iter().map(|c| c.id).collect::<Vec<_>>());
    }
    audit::record(
        store,
        tx,
        ctx,
        "import",
        import.record_type.as_str(),
        Some(import.id.to_string()),
        changes,
    )
    .await?;
    transaction.commit().await?;
    Ok(b.counts)
}

/// The import request as the web and the CLI pass it.
pub struct NewImport<'a> {
    pub record_type: RecordType,
    pub file_name: &'a str,
    pub bytes: Vec<u8>,
    /// None: the suggested (automatic) mapping.
    pub mapping: Option<Mapping>,
    pub duplicate_mode: DuplicateMode,
    pub calendar: CalendarKind,
    /// Queue a job for the background worker (the CLI runs the import itself instead).
    pub enqueue: bool,
    /// Keep it as a draft whose mapping the user confirms later (the web's mapping page).
    pub draft: bool,
    /// Who the created records belong to; None: the importer.
    pub owner_id: Option<Uuid>,
}

/// The owner an import gives its new records, checked as a form checks one: someone the
/// importer may give records of this type to, and active. None stands for the importer.
async fn checked_owner(
    store: &Store,
    actor: &Actor,
    rt: RecordType,
    owner: Option<Uuid>,
) -> ServiceResult<Option<Uuid>> {
    let Some(owner) = owner.filter(|o| *o != actor.user_id) else {
        return Ok(None);
    };
    let mut p = crate::error::Problems::default();
    common::check_owner(store, actor, rt, Action::Create, owner, &mut p).await?;
    p.finish()?;
    Ok(Some(owner))
}

/// Checks an import and stores it (and its job) in one transaction; nothing runs yet.
pub async fn start_import(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    req: NewImport<'_>,
) -> ServiceResult<ImportRecord> {
    if !importable(req.record_type) {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "record_type",
            "import.bad_record_type",
        )]));
    }
    actor.require(req.record_type, Action::Create)?;
    if req.duplicate_mode == DuplicateMode::Update {
        actor.require(req.record_type, Action::Update)?;
    }
    let sheet = read_sheet(req.file_name, &req.bytes)?;
    if sheet.rows.is_empty() {
        // Headers only: nothing would be imported, so say so before anything is stored.
        return Err(ServiceError::Validation(vec![FieldError::new(
            "file",
            "import.no_rows",
        )]));
    }
    let defs = common::field_defs(store, req.record_type).await?;
    let mapping = match req.mapping {
        Some(m) if !m.is_empty() => m,
        _ => suggest(store, req.record_type, &sheet.headers).await?,
    };
    if !req.draft {
        resolve_mapping(req.record_type, &sheet.headers, &mapping, &defs)
            .map_err(ServiceError::Validation)?;
    }
    let owner_id = checked_owner(store, actor, req.record_type, req.owner_id).await?;
    let now = Utc::now();
    let import = ImportRecord {
        id: Uuid::now_v7(),
        record_type: req.record_type.as_str().to_owned(),
        file_name: req.file_name.chars().take(200).collect(),
        mapping: Json(mapping_json(&mapping)),
        duplicate_mode: req.duplicate_mode.as_str().to_owned(),
        calendar: req.calendar.to_string(),
        status: if req.draft { "draft" } else { "queued" }.into(),
        total_rows: sheet.rows.len() as i64,
        processed_rows: 0,
        imported: 0,
        updated: 0,
        skipped: 0,
        failed: 0,
        error: None,
        created_by: actor.user_id,
        created_at: now,
        finished_at: None,
        owner_id,
    };
    let mut tx = store.begin().await?;
    store.insert_import(&mut tx, &import, req.bytes).await?;
    if req.enqueue && !req.draft {
        crate::jobs::enqueue(
            store,
            &mut tx,
            JOB_KIND,
            json!({"import_id": import.id}),
            Some(&format!("import:{}", import.id)),
        )
        .await?;
    }
    audit::record(
        store,
        &mut tx,
        ctx,
        // A draft is only an uploaded file until its mapping is confirmed (then "import_start").
        if req.draft {
            "import_upload"
        } else {
            "import_start"
        },
        import.record_type.as_str(),
        Some(import.id.to_string()),
        json!({"file_name": import.file_name, "rows": import.total_rows, "duplicate_mode": import.duplicate_mode, "owner_id": import.owner_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(import)
}

/// Discards an upload whose import was never started: its file and the draft go, an audit
/// entry stays. Only its creator may; a started import is history and stays. Gives the file's
/// name.
pub async fn discard_draft(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<String> {
    let import = get(store, actor, id).await?;
    if import.created_by != actor.user_id {
        return Err(ServiceError::Forbidden);
    }
    let not_draft =
        || ServiceError::Validation(vec![FieldError::new("status", "import.not_draft")]);
    if import.status != "draft" {
        return Err(not_draft());
    }
    let mut tx = store.begin().await?;
    if !store.delete_import_draft(&mut tx, id).await? {
        return Err(not_draft());
    }
    audit::record(
        store,
        &mut tx,
        ctx,
        "import_discard",
        import.record_type.as_str(),
        Some(id.to_string()),
        json!({"file_name": import.file_name, "rows": import.total_rows}),
    )
    .await?;
    tx.commit().await?;
    Ok(import.file_name)
}

/// Confirms a draft's mapping and duplicate mode and queues it, in one transaction.
pub async fn start_draft(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    mapping: Mapping,
    mode: DuplicateMode,
    owner_id: Option<Uuid>,
) -> ServiceResult<ImportRecord> {
    let import = get(store, actor, id).await?;
    if import.created_by != actor.user_id || import.status != "draft" {
        return Err(ServiceError::NotFound);
    }
    let rt = RecordType::parse(&import.record_type).ok_or(ServiceError::NotFound)?;
    actor.require(rt, Action::Create)?;
    if mode == DuplicateMode::Update {
        actor.require(rt, Action::Update)?;
    }
    let bytes = store.import_file(id).await?;
    let sheet = read_sheet(&import.file_name, &bytes)?;
    let defs = common::field_defs(store, rt).await?;
    resolve_mapping(rt, &sheet.headers, &mapping, &defs).map_err(ServiceError::Validation)?;
    let owner_id = checked_owner(store, actor, rt, owner_id).await?;
    let mut tx = store.begin().await?;
    let planned = store
        .plan_import(
            &mut tx,
            &ImportPlan {
                id,
                mapping: mapping_json(&mapping),
                duplicate_mode: mode.as_str().to_owned(),
                status: "queued".into(),
                owner_id,
            },
        )
        .await?;
    if planned != 1 {
        // Started or discarded meanwhile (another tab): queue nothing.
        return Err(ServiceError::Validation(vec![FieldError::new(
            "status",
            "import.not_draft",
        )]));
    }
    crate::jobs::enqueue(
        store,
        &mut tx,
        JOB_KIND,
        json!({"import_id": id}),
        Some(&format!("import:{id}")),
    )
    .await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "import_start",
        import.record_type.as_str(),
        Some(id.to_string()),
        json!({"file_name": import.file_name, "rows": import.total_rows, "duplicate_mode": mode.as_str(), "owner_id": owner_id}),
    )
    .await?;
    tx.commit().await?;
    store.import(id).await?.ok_or(ServiceError::NotFound)
}

/// The preview of a stored import (a draft's mapping page).
pub async fn preview_stored(
    store: &Store,
    actor: &Actor,
    id: Uuid,
    mapping: Option<Mapping>,
    cal: CalendarKind,
) -> ServiceResult<(ImportRecord, Preview)> {
    let import = get(store, actor, id).await?;
    let rt = RecordType::parse(&import.record_type).ok_or(ServiceError::NotFound)?;
    let bytes = store.import_file(id).await?;
    let mapping = mapping.or_else(|| Some(mapping_of(&import.mapping.0)));
    let p = preview(store, actor, rt, &import.file_name, &bytes, mapping, cal).await?;
    Ok((import, p))
}

fn mapping_json(m: &Mapping) -> Value {
    Value::Array(m.iter().map(|(c, f)| json!([c, f])).collect())
}

pub fn mapping_of(v: &Value) -> Mapping {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| {
                let a = i.as_array()?;
                Some((
                    a.first()?.as_str()?.to_owned(),
                    a.get(1)?.as_str()?.to_owned(),
                ))
            })
            .collect(),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect(),
        _ => vec![],
    }
}

/// Runs (or continues) an import: batches from `processed_rows` on, each committed with its
/// progress. `progress` is told after each batch.
pub async fn run_import(
    store: &Store,
    import_id: Uuid,
    progress: &(dyn Fn(&ImportRecord) + Send + Sync),
) -> ServiceResult<ImportRecord> {
    let import = store
        .import(import_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if import.status == "done" || import.status == "failed" {
        return Ok(import);
    }
    let user = store
        .user_by_id(import.created_by)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let ctx = Ctx {
        who: audit::Who::user(user.id, &user.email),
        origin: crate::Origin {
            via: "import",
            client_ip: None,
        },
    };
    let result = run_batches(store, &ctx, &user, &import, progress).await;
    match result {
        Ok(()) => {
            store
                .set_import_status(import.id, "done", None, None, Some(Utc::now()))
                .await?;
            let done = store
                .import(import.id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            progress(&done);
            Ok(done)
        }
        Err(ServiceError::Forbidden) => {
            store
                .set_import_status(
                    import.id,
                    "failed",
                    None,
                    Some("import.not_allowed"),
                    Some(Utc::now()),
                )
                .await?;
            Err(ServiceError::Forbidden)
        }
        Err(ServiceError::Validation(errors)) => {
            let code = errors.first().map(|e| e.code.clone()).unwrap_or_default();
            store
                .set_import_status(import.id, "failed", None, Some(&code), Some(Utc::now()))
                .await?;
            Err(ServiceError::Validation(errors))
        }
        Err(e) => Err(e),
    }
}

async fn run_batches(
    store: &Store,
    ctx: &Ctx,
    user: &peyvand_store::UserRecord,
    import: &ImportRecord,
    progress: &(dyn Fn(&ImportRecord) + Send + Sync),
) -> ServiceResult<()> {
    if !user.active {
        return Err(ServiceError::Forbidden);
    }
    let actor = crate::auth::actor_for(store, user).await?;
    let rt = RecordType::parse(&import.record_type).ok_or(ServiceError::NotFound)?;
    actor.require(rt, Action::Create)?;
    let mode = DuplicateMode::parse(&import.duplicate_mode).unwrap_or_default();
    let cal = import
        .calendar
        .parse::<CalendarKind>()
        .unwrap_or(CalendarKind::Jalali);
    let bytes = store.import_file(import.id).await?;
    let sheet = read_sheet(&import.file_name, &bytes)?;
    drop(bytes);
    let mut runner = Runner::new(store, &actor, cal, rt).await?;
    // The owner may have left, or the importer lost the right, since the import was queued.
    runner.owner = checked_owner(store, &actor, rt, import.owner_id).await?;
    let cols = resolve_mapping(
        rt,
        &sheet.headers,
        &mapping_of(&import.mapping.0),
        &runner.defs,
    )
    .map_err(ServiceError::Validation)?;
    store
        .set_import_status(
            import.id,
            "running",
            Some(sheet.rows.len() as i64),
            None,
            None,
        )
        .await?;
    let mut current = import.clone();
    current.status = "running".into();
    current.total_rows = sheet.rows.len() as i64;
    let start = usize::try_from(import.processed_rows).unwrap_or(0);
    let total = sheet.rows.len();
    let batch_at = |at: usize| at..(at + BATCH).min(total);
    // Row numbers as a spreadsheet shows them: the header is row 1.
    let mut at = start.min(total);
    // Each batch is written by its own task while the next one is validated here. Rows updated
    // in place are read before they are written, so an update import goes one batch at a time.
    let mut writing = None;
    while at < total || writing.is_some() {
        let prepared = if at < total {
            let r = batch_at(at);
            at = r.end;
            let rows = &sheet.rows[r.clone()];
            Some(prepare_batch(&mut runner, &cols, rows, r.start as i64 + 2, mode).await?)
        } else {
            None
        };
        if let Some(w) = writing.take() {
            report(&mut current, joined(w.await)?, progress);
        }
        if let Some(batch) = prepared {
            let w = tokio::spawn(write_batch(
                store.clone(),
                ctx.clone(),
                current.clone(),
                rt,
                batch,
            ));
            if mode == DuplicateMode::Update {
                report(&mut current, joined(w.await)?, progress);
            } else {
                writing = Some(w);
            }
        }
    }
    Ok(())
}

/// A batch task never is cancelled; if it panicked, the panic goes on here.
fn joined(
    r: Result<ServiceResult<ImportCounts>, tokio::task::JoinError>,
) -> ServiceResult<ImportCounts> {
    r.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

fn report(
    current: &mut ImportRecord,
    c: ImportCounts,
    progress: &(dyn Fn(&ImportRecord) + Send + Sync),
) {
    current.processed_rows += c.processed;
    current.imported += c.imported;
    current.updated += c.updated;
    current.skipped += c.skipped;
    current.failed += c.failed;
    progress(current);
}

/// One row of a preview, with what would go wrong.
#[derive(Clone, Debug, Serialize)]
pub struct PreviewRow {
    pub row_number: i64,
    pub cells: Vec<String>,
    pub errors: Vec<FieldError>,
    /// A live record this valid row matches (by phone, email or national ID): what the
    /// duplicate choice will skip, update, or create beside.
    pub duplicate_of: Option<PreviewMatch>,
    /// An earlier row of the file this valid row repeats (the first one wins).
    pub repeats_row: Option<i64>,
}

/// The existing record a preview row matches: named only when the reader may see it (the
/// import still treats the row as a duplicate either way).
#[derive(Clone, Debug, Serialize)]
pub struct PreviewMatch {
    pub record_id: Option<Uuid>,
    pub name: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    pub headers: Vec<String>,
    /// The field of each column (empty: not imported).
    pub mapping: Mapping,
    pub total_rows: usize,
    pub rows: Vec<PreviewRow>,
    /// Problems of the mapping itself.
    pub mapping_errors: Vec<FieldError>,
    /// Every field a column may be mapped to.
    pub choices: Vec<String>,
}

/// Reads a file and validates its first rows with the given (or suggested) mapping, saving
/// nothing.
pub async fn preview(
    store: &Store,
    actor: &Actor,
    record_type: RecordType,
    file_name: &str,
    bytes: &[u8],
    mapping: Option<Mapping>,
    cal: CalendarKind,
) -> ServiceResult<Preview> {
    if !importable(record_type) {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "record_type",
            "import.bad_record_type",
        )]));
    }
    actor.require(record_type, Action::Create)?;
    let sheet = read_sheet(file_name, bytes)?;
    let mut runner = Runner::new(store, actor, cal, record_type).await?;
    let mapping = match mapping {
        Some(m) if !m.is_empty() => m,
        _ => suggest(store, record_type, &sheet.headers).await?,
    };
    let mut rows = vec![];
    let mut mapping_errors = vec![];
    match resolve_mapping(record_type, &sheet.headers, &mapping, &runner.defs) {
        Ok(cols) => {
            // The identifiers of each valid row, to find its duplicates once all are read.
            let mut identifiers: Vec<Vec<(&'static str, String)>> = vec![];
            for (i, row) in sheet.rows.iter().take(PREVIEW_ROWS).enumerate() {
                let mut ids = vec![];
                let errors = match row_input(record_type, &cols, row, cal) {
                    Ok(input) => match runner.prepare(input).await {
                        Ok(prepared) => {
                            ids = prepared.identifiers();
                            vec![]
                        }
                        Err(ServiceError::Validation(e)) => e,
                        Err(ServiceError::Forbidden) => {
                            vec![FieldError::new("row", "import.not_allowed")]
                        }
                        Err(e) => return Err(e),
                    },
                    Err(e) => e,
                };
                identifiers.push(ids);
                rows.push(PreviewRow {
                    row_number: i as i64 + 2,
                    cells: row.clone(),
                    errors,
                    duplicate_of: None,
                    repeats_row: None,
                });
            }
            mark_duplicates(store, actor, record_type, &mut rows, &identifiers).await?;
        }
        Err(e) => mapping_errors = e,
    }
    Ok(Preview {
        choices: field_choices(record_type, &runner.defs),
        headers: sheet.headers,
        mapping,
        total_rows: sheet.rows.len(),
        rows,
        mapping_errors,
    })
}

/// Marks the preview rows that match a live record, or repeat an earlier row, as the import
/// itself will find them (same identifiers, same lookup).
async fn mark_duplicates(
    store: &Store,
    actor: &Actor,
    rt: RecordType,
    rows: &mut [PreviewRow],
    identifiers: &[Vec<(&'static str, String)>],
) -> ServiceResult<()> {
    let mut values: Vec<(&'static str, String)> = identifiers.concat();
    values.sort();
    values.dedup();
    let mut existing: HashMap<(String, String), Uuid> = HashMap::new();
    if !values.is_empty() {
        for hit in store
            .live_identifiers_in(rt.as_str(), table_of(rt), &values)
            .await?
        {
            existing
                .entry((hit.kind, hit.value))
                .or_insert(hit.record_id);
        }
    }
    let ids: Vec<Uuid> = existing.values().copied().collect();
    // (owner, name) of each matched record; only those the reader may see are named.
    let found: Vec<(Uuid, Uuid, String)> = match rt {
        RecordType::Contact => store
            .contacts_by_ids(&ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c.owner_id, c.full_name()))
            .collect(),
        RecordType::Company => store
            .companies_by_ids(&ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c.owner_id, c.name))
            .collect(),
        RecordType::Lead => store
            .leads_by_ids(&ids)
            .await?
            .into_iter()
            .map(|l| (l.id, l.owner_id, l.display_name()))
            .collect(),
        _ => vec![],
    };
    let read = actor.require(rt, Action::Read).ok();
    let names: HashMap<Uuid, String> = found
        .into_iter()
        .filter(|(_, owner, _)| read.as_ref().is_some_and(|g| g.covers(Some(*owner))))
        .map(|(id, _, name)| (id, name))
        .collect();
    let mut first_row: HashMap<&(&'static str, String), i64> = HashMap::new();
    for (row, ids) in rows.iter_mut().zip(identifiers) {
        row.duplicate_of = ids.iter().find_map(|(k, v)| {
            let id = *existing.get(&((*k).to_owned(), v.clone()))?;
            Some(match names.get(&id) {
                Some(name) => PreviewMatch {
                    record_id: Some(id),
                    name: Some(name.clone()),
                },
                None => PreviewMatch {
                    record_id: None,
                    name: None,
                },
            })
        });
        if row.duplicate_of.is_none() {
            row.repeats_row = ids.iter().find_map(|i| first_row.get(i).copied());
            if row.repeats_row.is_none() {
                for i in ids {
                    first_row.insert(i, row.row_number);
                }
            }
        }
    }
    Ok(())
}

/// An import its creator (or someone who sees every record of its type) may look at.
pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<ImportRecord> {
    let import = store.import(id).await?.ok_or(ServiceError::NotFound)?;
    let sees_all = RecordType::parse(&import.record_type)
        .is_some_and(|rt| actor.scope(rt, Action::Read) == Scope::All);
    if import.created_by != actor.user_id && !sees_all {
        return Err(ServiceError::NotFound);
    }
    Ok(import)
}

/// The actor's own imports, newest first.
pub async fn list(store: &Store, actor: &Actor) -> ServiceResult<Vec<ImportRecord>> {
    Ok(store.list_imports(Some(actor.user_id), 100).await?)
}

pub async fn failures(
    store: &Store,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<(ImportRecord, Vec<String>, Vec<ImportFailure>)> {
    let import = get(store, actor, id).await?;
    let bytes = store.import_file(id).await?;
    let headers = read_sheet(&import.file_name, &bytes)
        .map(|s| s.headers)
        .unwrap_or_default();
    let failures = store.import_failures(id).await?;
    Ok((import, headers, failures))
}

/// The failure report as CSV (UTF-8 with a BOM, for Excel): row number, field, reason, then
/// the row as it was. `reason` translates an error code.
pub fn failures_csv(
    headers: &[String],
    failures: &[ImportFailure],
    labels: [&str; 3],
    reason: &dyn Fn(&str) -> String,
) -> Vec<u8> {
    // Several problems of one row are one line of the report.
    type Line = (Vec<String>, Vec<String>, Vec<String>);
    let mut by_row: BTreeMap<i64, Line> = BTreeMap::new();
    for f in failures {
        let e = by_row
            .entry(f.row_number)
            .or_insert_with(|| (vec![], vec![], f.raw.0.clone()));
        e.0.push(f.field.clone());
        e.1.push(reason(&f.code));
    }
    let mut header: Vec<String> = labels.iter().map(|s| (*s).to_owned()).collect();
    header.extend(headers.iter().cloned());
    let rows = by_row.into_iter().map(|(n, (fields, reasons, raw))| {
        let mut r = vec![n.to_string(), fields.join(" | "), reasons.join(" | ")];
        r.extend(raw);
        r
    });
    super::export::csv_bytes(&header, rows)
}
