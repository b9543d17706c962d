//! Exports of a list view (same filters, sort and owner scope as the list pages) to CSV (UTF-8
//! with a BOM, so Excel reads Persian) and xlsx (right-to-left sheets for Persian users).
//!
//! The table is built in machine form — field keys as headers, ISO dates, choice keys, ids —
//! with a [`ColKind`] per column and the names of linked records, so the web layer can present
//! it in the reader's language and calendar (labels come from its catalogues) while scripts and
//! the CLI keep the raw form, which an import maps back automatically.

use std::collections::HashMap;

use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::sales::FieldDef;
use peyvand_store::{CompanyRecord, ContactRecord, DealRecord, LeadRecord, Store};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::common::{self, ListRequest};
use crate::{FieldError, ServiceError, ServiceResult};

/// Rows read per page while exporting.
const PAGE: i64 = 200;

/// What a column holds, so it can be shown to people: the raw cell is ISO for dates (and
/// RFC 3339 for instants), a key for choices, a UUID for stages and linked records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColKind {
    Text,
    Id,
    Number,
    Date,
    DateTime,
    /// A key from a fixed list (lead source, status, contact channel).
    Choice,
    /// A stage or pipeline id; the reader's catalogue names the default ones.
    Stage,
    /// The id of a linked contact or company; [`Table::names`] holds its name.
    Link,
    /// A custom field (`custom.KEY`), in its canonical JSON text form.
    Custom,
    /// Phone numbers (E.164), several joined by `, `.
    Phones,
}

/// A table of text: headers and rows (machine form), and what each column holds.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub kinds: Vec<ColKind>,
    /// Names of the records [`ColKind::Link`] cells point to.
    pub names: HashMap<Uuid, String>,
}

/// The kind of a built-in export field.
fn kind_of(field: &str) -> ColKind {
    match field {
        "id" => ColKind::Id,
        "employees" | "amount_minor" | "contact_count" => ColKind::Number,
        "birth_date" | "anniversary_date" | "expected_close_date" => ColKind::Date,
        "created_at" | "closed_at" => ColKind::DateTime,
        "preferred_channel" | "source" | "status" => ColKind::Choice,
        "stage_id" | "pipeline_id" => ColKind::Stage,
        "contact_id" | "company_id" | "owner_id" => ColKind::Link,
        "phones" | "phone" => ColKind::Phones,
        _ => ColKind::Text,
    }
}

fn kinds(fields: &[&str], defs: &[FieldDef]) -> Vec<ColKind> {
    let mut k: Vec<ColKind> = fields.iter().map(|f| kind_of(f)).collect();
    k.extend(defs.iter().map(|_| ColKind::Custom));
    k
}

fn custom_cells(defs: &[FieldDef], custom: &Map<String, Value>) -> Vec<String> {
    defs.iter()
        .map(|d| match custom.get(&d.key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect::<Vec<_>>()
                .join(", "),
            Some(v) => v.to_string(),
        })
        .collect()
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn headers(fields: &[&str], defs: &[FieldDef]) -> Vec<String> {
    let mut h: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    h.extend(defs.iter().map(|d| format!("custom.{}", d.key)));
    h
}

/// The names of the people who own these records (people who left included).
async fn owner_names(
    store: &Store,
    ids: impl Iterator<Item = Uuid>,
) -> ServiceResult<HashMap<Uuid, String>> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id)
            && let Some(u) = store.user_by_id(id).await?
        {
            e.insert(u.display_name);
        }
    }
    Ok(names)
}

/// Every record of a list request, page by page through the cursor.
macro_rules! all_pages {
    ($store:expr, $spec:expr, $list:ident) => {{
        let mut spec = $spec.clone();
        let mut out = vec![];
        loop {
            let page = $store.$list(&spec).await?;
            out.extend(page.rows);
            match page.next_cursor {
                Some(c) => spec.cursor = Some(c),
                None => break,
            }
        }
        out
    }};
}

/// The rows of a list view, for export. Needs the export right on the record type; its scope
/// limits the rows like the list's read scope.
pub async fn export_table(
    store: &Store,
    actor: &Actor,
    rt: RecordType,
    req: &ListRequest,
) -> ServiceResult<Table> {
    if !super::imports::importable(rt) {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "record_type",
            "import.bad_record_type",
        )]));
    }
    let grant = actor.require(rt, Action::Export)?;
    // The read scope applies too: export never shows more than the list.
    let read = actor.require(rt, Action::Read)?;
    let grant = if common::sees_all(&grant) {
        read
    } else {
        grant
    };
    let defs = common::field_defs(store, rt).await?;
    let mut req = req.clone();
    req.limit = Some(PAGE);
    req.cursor = None;
    let spec = common::list_spec(&grant, &defs, &req)?;
    Ok(match rt {
        RecordType::Contact => {
            let rows: Vec<ContactRecord> = all_pages!(store, spec, list_contacts);
            let names =
                common::company_names(store, rows.iter().filter_map(|c| c.company_id)).await?;
            let owners = owner_names(store, rows.iter().map(|c| c.owner_id)).await?;
            let fields = [
                "id",
                "first_name",
                "last_name",
                "company",
                "job_title",
                "phones",
                "emails",
                "website",
                "province",
                "city",
                "address",
                "national_id",
                "birth_date",
                "anniversary_date",
                "preferred_channel",
                "tags",
                "owner_id",
                "created_at",
            ];
            Table {
                kinds: kinds(&fields, &defs),
                names: owners,
                headers: headers(&fields, &defs),
                rows: rows
                    .iter()
                    .map(|c| {
                        let mut r = vec![
                            c.id.to_string(),
                            c.first_name.clone(),
                            c.last_name.clone(),
                            c.company_id
                                .and_then(|id| names.get(&id).cloned())
                                .unwrap_or_default(),
                            c.job_title.clone(),
                            c.phones
                                .0
                                .iter()
                                .map(|p| p.number.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            c.emails
                                .0
                                .iter()
                                .map(|e| e.address.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            c.website.clone(),
                            c.province.clone(),
                            c.city.clone(),
                            c.address.clone(),
                            c.national_id.clone().unwrap_or_default(),
                            date(c.birth_date),
                            date(c.anniversary_date),
                            c.preferred_channel.clone(),
                            c.tags.0.join(", "),
                            c.owner_id.to_string(),
                            c.created_at.to_rfc3339(),
                        ];
                        r.extend(custom_cells(&defs, &c.custom.0));
                        r
                    })
                    .collect(),
            }
        }
        RecordType::Company => {
            let rows: Vec<CompanyRecord> = all_pages!(store, spec, list_companies);
            let owners = owner_names(store, rows.iter().map(|c| c.owner_id)).await?;
            let fields = [
                "id",
                "name",
                "industry",
                "website",
                "phones",
                "emails",
                "province",
                "city",
                "address",
                "postal_code",
                "national_id",
                "economic_code",
                "employees",
                "tags",
                "owner_id",
                "created_at",
            ];
            Table {
                kinds: kinds(&fields, &defs),
                names: owners,
                headers: headers(&fields, &defs),
                rows: rows
                    .iter()
                    .map(|c| {
                        let mut r = vec![
                            c.id.to_string(),
                            c.name.clone(),
                            c.industry.clone(),
                            c.website.clone(),
                            c.phones
                                .0
                                .iter()
                                .map(|p| p.number.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            c.emails
                                .0
                                .iter()
                                .map(|e| e.address.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            c.province.clone(),
                            c.city.clone(),
                            c.address.clone(),
                            c.postal_code.clone(),
                            c.national_id.clone().unwrap_or_default(),
                            c.economic_code.clone(),
                            c.employees.map(|e| e.to_string()).unwrap_or_default(),
                            c.tags.0.join(", "),
                            c.owner_id.to_string(),
                            c.created_at.to_rfc3339(),
                        ];
                        r.extend(custom_cells(&defs, &c.custom.0));
                        r
                    })
                    .collect(),
            }
        }
        RecordType::Lead => {
            let rows: Vec<LeadRecord> = all_pages!(store, spec, list_leads);
            let owners = owner_names(store, rows.iter().map(|l| l.owner_id)).await?;
            let fields = [
                "id",
                "title",
                "first_name",
                "last_name",
                "company_name",
                "phone",
                "email",
                "source",
                "channel",
                "campaign",
                "status",
                "owner_id",
                "created_at",
            ];
            Table {
                kinds: kinds(&fields, &defs),
                names: owners,
                headers: headers(&fields, &defs),
                rows: rows
                    .iter()
                    .map(|l| {
                        let mut r = vec![
                            l.id.to_string(),
                            l.title.clone(),
                            l.first_name.clone(),
                            l.last_name.clone(),
                            l.company_name.clone(),
                            l.phone.clone().unwrap_or_default(),
                            l.email.clone().unwrap_or_default(),
                            l.source.clone(),
                            l.channel.clone(),
                            l.campaign.clone(),
                            l.status.clone(),
                            l.owner_id.to_string(),
                            l.created_at.to_rfc3339(),
                        ];
                        r.extend(custom_cells(&defs, &l.custom.0));
                        r
                    })
                    .collect(),
            }
        }
        _ => {
            let rows: Vec<DealRecord> = all_pages!(store, spec, list_deals);
            let fields = [
                "id",
                "title",
                "amount_minor",
                "currency",
                "expected_close_date",
                "pipeline_id",
                "stage_id",
                "status",
                "lost_reason",
                "contact_id",
                "company_id",
                "owner_id",
                "closed_at",
                "created_at",
            ];
            // A deal is open, won or lost as its stage is.
            let mut stage_kinds: HashMap<Uuid, String> = HashMap::new();
            for pl in store.pipelines().await? {
                for st in store.stages(pl.id).await? {
                    stage_kinds.insert(st.id, st.kind);
                }
            }
            let mut names =
                common::company_names(store, rows.iter().filter_map(|d| d.company_id)).await?;
            names.extend(
                common::contact_names(store, rows.iter().filter_map(|d| d.contact_id)).await?,
            );
            names.extend(owner_names(store, rows.iter().map(|d| d.owner_id)).await?);
            Table {
                kinds: kinds(&fields, &defs),
                names,
                headers: headers(&fields, &defs),
                rows: rows
                    .iter()
                    .map(|d| {
                        let mut r = vec![
                            d.id.to_string(),
                            d.title.clone(),
                            d.amount_minor.to_string(),
                            d.currency.clone(),
                            date(d.expected_close_date),
                            d.pipeline_id.to_string(),
                            d.stage_id.to_string(),
                            stage_kinds.get(&d.stage_id).cloned().unwrap_or_default(),
                            d.lost_reason.clone(),
                            d.contact_id.map(|i| i.to_string()).unwrap_or_default(),
                            d.company_id.map(|i| i.to_string()).unwrap_or_default(),
                            d.owner_id.to_string(),
                            d.closed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                            d.created_at.to_rfc3339(),
                        ];
                        r.extend(custom_cells(&defs, &d.custom.0));
                        r
                    })
                    .collect(),
            }
        }
    })
}

/// CSV in UTF-8 with a byte order mark (Excel needs it to read Persian).
pub fn csv_bytes(headers: &[String], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let safe = |r: &[String]| -> Vec<String> {
            r.iter()
                .map(|c| peyvand_domain::text::spreadsheet_safe(c).into_owned())
                .collect()
        };
        let _ = w.write_record(safe(headers));
        for r in rows {
            let _ = w.write_record(safe(&r));
        }
        let _ = w.flush();
    }
    out
}

/// An xlsx workbook of one sheet; right to left for Persian readers.
pub fn xlsx_bytes(table: &Table, rtl: bool, sheet_name: &str) -> ServiceResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| {
        ServiceError::Store(peyvand_store::StoreError::Config(format!("xlsx: {e}")))
    };
    ws.set_name(sheet_name).map_err(fail)?;
    ws.set_right_to_left(rtl);
    let bold = Format::new().set_bold();
    for (c, h) in table.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let (r, c) = (r as u32 + 1, c as u16);
            // Amounts and counts are numbers a spreadsheet can sum and sort.
            match table.kinds.get(c as usize) {
                Some(ColKind::Number) if v.parse::<f64>().is_ok_and(f64::is_finite) => {
                    ws.write_number(r, c, v.parse::<f64>().unwrap_or_default())
                        .map_err(fail)?;
                }
                _ => {
                    ws.write_string(r, c, v).map_err(fail)?;
                }
            }
        }
    }
    wb.save_to_buffer().map_err(fail)
}
