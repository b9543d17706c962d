//! Companies (organisations): the same life as contacts, with their own identifiers.

use std::collections::BTreeMap;

use chrono::Utc;
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::calendar::CalendarKind;
use peyvand_domain::sales::{self, EmailEntry, FieldDef, PhoneEntry};
use peyvand_domain::{national_id, text};
use peyvand_store::query::Page;
use peyvand_store::{COMPANIES, CompanyRecord, Json, Store, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::common::{self, ListRequest, add_problems, check_owner};
use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{Duplicate, ServiceError, ServiceResult};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    pub name: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phones: Option<Vec<PhoneEntry>>,
    pub emails: Option<Vec<EmailEntry>>,
    pub social: Option<BTreeMap<String, String>>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    /// شناسه ملی (11 digits, checked).
    pub national_id: Option<String>,
    /// کد اقتصادی.
    pub economic_code: Option<String>,
    pub employees: Option<i64>,
    pub tags: Option<Vec<String>>,
    pub owner_id: Option<Uuid>,
    pub custom: Option<Map<String, Value>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CompanyView {
    pub id: Uuid,
    pub name: String,
    pub industry: String,
    pub website: String,
    pub phones: Vec<PhoneEntry>,
    pub emails: Vec<EmailEntry>,
    pub social: BTreeMap<String, String>,
    pub province: String,
    pub city: String,
    pub address: String,
    pub postal_code: String,
    pub national_id: Option<String>,
    pub economic_code: String,
    pub employees: Option<i64>,
    pub tags: Vec<String>,
    pub owner_id: Uuid,
    pub custom: Map<String, Value>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    pub deleted_at: Option<chrono::DateTime<Utc>>,
}

impl From<&CompanyRecord> for CompanyView {
    fn from(c: &CompanyRecord) -> Self {
        CompanyView {
            id: c.id,
            name: c.name.clone(),
            industry: c.industry.clone(),
            website: c.website.clone(),
            phones: c.phones.0.clone(),
            emails: c.emails.0.clone(),
            social: c.social.0.clone(),
            province: c.province.clone(),
            city: c.city.clone(),
            address: c.address.clone(),
            postal_code: c.postal_code.clone(),
            national_id: c.national_id.clone(),
            economic_code: c.economic_code.clone(),
            employees: c.employees,
            tags: c.tags.0.clone(),
            owner_id: c.owner_id,
            custom: c.custom.0.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            deleted_at: c.deleted_at,
        }
    }
}

fn snapshot(c: &CompanyRecord) -> Value {
    let mut v = serde_json::to_value(CompanyView::from(c)).expect("companies serialise");
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "created_at", "updated_at"] {
            o.remove(k);
        }
    }
    v
}

pub fn identifiers(c: &CompanyRecord) -> Vec<(&'static str, String)> {
    let mut ids: Vec<(&'static str, String)> = vec![];
    ids.extend(c.phones.0.iter().map(|p| ("phone", p.number.clone())));
    ids.extend(c.emails.0.iter().map(|e| ("email", e.address.clone())));
    if let Some(n) = &c.national_id {
        ids.push(("company_national_id", n.clone()));
    }
    ids
}

/// The normalised text the search index holds for a company.
/// Changing what it produces? Bump `reindex::SEARCH_TEXT_VERSION` so stored records follow.
pub fn search_text(c: &CompanyRecord) -> String {
    let phones: Vec<String> = c
        .phones
        .0
        .iter()
        .flat_map(|p| {
            let national = p.number.strip_prefix("+98").map(|n| format!("0{n}"));
            [Some(p.number.clone()), national].into_iter().flatten()
        })
        .collect();
    let mut parts: Vec<&str> = vec![&c.name, &c.industry, &c.city, &c.economic_code];
    parts.extend(phones.iter().map(String::as_str));
    parts.extend(c.emails.0.iter().map(|e| e.address.as_str()));
    if let Some(n) = &c.national_id {
        parts.push(n);
    }
    parts.extend(c.tags.0.iter().map(String::as_str));
    sales::search_text(&parts)
}

fn tidy_opt(v: &Option<String>, current: &str) -> String {
    v.as_deref()
        .map(text::tidy)
        .unwrap_or_else(|| current.to_owned())
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    store: &Store,
    actor: &Actor,
    cal: CalendarKind,
    c: &mut CompanyRecord,
    input: &CompanyInput,
    is_new: bool,
    defs: &[FieldDef],
    p: &mut Problems,
) -> ServiceResult<()> {
    c.name = tidy_opt(&input.name, &c.name);
    if c.name.is_empty() {
        p.add("name", "company.name_required");
    } else if c.name.chars().count() > 200 {
        p.add("name", "field.too_long");
    }
    c.industry = tidy_opt(&input.industry, &c.industry);
    let mut problems = vec![];
    if let Some(phones) = &input.phones {
        c.phones = Json(sales::parse_phones(phones, &mut problems));
    }
    if let Some(emails) = &input.emails {
        c.emails = Json(sales::parse_emails(emails, &mut problems));
    }
    add_problems(p, problems);
    if let Some(w) = &input.website {
        match sales::parse_url(w) {
            Ok(u) => c.website = u,
            Err(code) => p.add("website", code),
        }
    }
    if let Some(social) = &input.social {
        c.social = Json(
            social
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (text::tidy(k), v.trim().to_owned()))
                .collect(),
        );
    }
    c.province = tidy_opt(&input.province, &c.province);
    c.city = tidy_opt(&input.city, &c.city);
    c.address = tidy_opt(&input.address, &c.address);
    c.postal_code = input
        .postal_code
        .as_deref()
        .map(|s| peyvand_domain::digits::to_ascii(s.trim()))
        .unwrap_or_else(|| c.postal_code.clone());
    c.economic_code = input
        .economic_code
        .as_deref()
        .map(|s| peyvand_domain::digits::to_ascii(s.trim()))
        .unwrap_or_else(|| c.economic_code.clone());
    if let Some(n) = &input.national_id {
        if n.trim().is_empty() {
            c.national_id = None;
        } else {
            match national_id::parse_company(n) {
                Ok(code) => c.national_id = Some(code.as_str().to_owned()),
                Err(e) => p.add("national_id", e.code()),
            }
        }
    }
    if let Some(e) = input.employees {
        if e < 0 {
            p.add("employees", "custom.not_a_number");
        } else {
            c.employees = Some(e);
        }
    }
    if let Some(tags) = &input.tags {
        c.tags = Json(sales::parse_tags(tags));
    }
    if let Some(owner) = input.owner_id
        && owner != c.owner_id
    {
        check_owner(store, actor, RecordType::Company, Action::Create, owner, p).await?;
        c.owner_id = owner;
    }
    if let Some(custom) = &input.custom {
        let mut merged = c.custom.0.clone();
        for (k, v) in custom {
            merged.insert(k.clone(), v.clone());
        }
        match sales::validate_custom(defs, &merged, cal) {
            Ok(v) => c.custom = Json(v),
            Err(problems) => add_problems(p, problems),
        }
    } else if is_new && let Err(problems) = sales::validate_custom(defs, &c.custom.0, cal) {
        add_problems(p, problems);
    }
    Ok(())
}

async fn duplicates_of(store: &Store, c: &CompanyRecord) -> ServiceResult<Vec<Duplicate>> {
    let mut out: Vec<Duplicate> = store
        .find_by_identifiers(&identifiers(c))
        .await?
        .into_iter()
        .filter(|h| h.record_type == "company" && h.record_id != c.id)
        .map(|h| Duplicate {
            record_type: h.record_type,
            id: h.record_id,
            matched_on: h.kind,
            value: h.value,
        })
        .collect();
    // The same or a very similar name is a likely duplicate too.
    let name = text::normalize_for_search(&c.name);
    for (id, other) in store.companies_named_like(&name).await? {
        if id != c.id && text::similar_names(&other, &c.name) && !out.iter().any(|d| d.id == id) {
            out.push(Duplicate {
                record_type: "company".into(),
                id,
                matched_on: "name".into(),
                value: c.name.clone(),
            });
        }
    }
    Ok(out)
}

/// Validates a new company without saving it.
pub async fn prepare_new(
    store: &Store,
    actor: &Actor,
    input: &CompanyInput,
    cal: CalendarKind,
) -> ServiceResult<CompanyRecord> {
    let defs = common::field_defs(store, RecordType::Company).await?;
    prepare_new_with(store, actor, input, cal, &defs).await
}

/// [`prepare_new`] with the custom field definitions already loaded (imports load them once).
pub async fn prepare_new_with(
    store: &Store,
    actor: &Actor,
    input: &CompanyInput,
    cal: CalendarKind,
    defs: &[FieldDef],
) -> ServiceResult<CompanyRecord> {
    actor.require(RecordType::Company, Action::Create)?;
    let now = Utc::now();
    let mut c = CompanyRecord {
        id: Uuid::now_v7(),
        name: String::new(),
        industry: String::new(),
        website: String::new(),
        phones: Json(vec![]),
        emails: Json(vec![]),
        social: Json(BTreeMap::new()),
        province: String::new(),
        city: String::new(),
        address: String::new(),
        postal_code: String::new(),
        national_id: None,
        economic_code: String::new(),
        employees: None,
        tags: Json(vec![]),
        owner_id: actor.user_id,
        custom: Json(Map::new()),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let mut p = Problems::default();
    apply(store, actor, cal, &mut c, input, true, defs, &mut p).await?;
    p.finish()?;
    Ok(c)
}

/// Saves a prepared company inside the caller's transaction, with its identifiers and audit.
pub async fn insert_new(
    store: &Store,
    tx: &mut Tx,
    ctx: &Ctx,
    c: &CompanyRecord,
) -> ServiceResult<()> {
    store.insert_company(tx, c, &search_text(c)).await?;
    store
        .set_identifiers(tx, "company", c.id, &identifiers(c))
        .await?;
    audit::record(
        store,
        tx,
        ctx,
        "create",
        "company",
        Some(c.id.to_string()),
        audit::diff(&json!({}), &snapshot(c)),
    )
    .await?;
    Ok(())
}

/// A live company with this name (compared in search form) that the actor may read.
pub async fn find_by_name(
    store: &Store,
    actor: &Actor,
    name: &str,
) -> ServiceResult<Option<CompanyRecord>> {
    let Ok(grant) = actor.require(RecordType::Company, Action::Read) else {
        return Ok(None);
    };
    let wanted = text::normalize_for_search(name);
    for (id, other) in store.companies_named_like(&wanted).await? {
        if text::normalize_for_search(&other) == wanted
            && let Some(c) = store.company(id).await?
            && grant.covers(Some(c.owner_id))
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

pub async fn create(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    input: &CompanyInput,
    allow_duplicate: bool,
    cal: CalendarKind,
) -> ServiceResult<CompanyRecord> {
    let c = prepare_new(store, actor, input, cal).await?;
    if !allow_duplicate {
        let dups = duplicates_of(store, &c).await?;
        if !dups.is_empty() {
            return Err(ServiceError::Duplicate(dups));
        }
    }
    let mut tx = store.begin().await?;
    insert_new(store, &mut tx, ctx, &c).await?;
    tx.commit().await?;
    Ok(c)
}

pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<CompanyRecord> {
    let c = store.company(id).await?.ok_or(ServiceError::NotFound)?;
    actor
        .require_record(RecordType::Company, Action::Read, Some(c.owner_id))
        .map_err(|_| ServiceError::NotFound)?;
    Ok(c)
}

pub async fn update(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    input: &CompanyInput,
    cal: CalendarKind,
) -> ServiceResult<CompanyRecord> {
    let before = get(store, actor, id).await?;
    let defs = common::field_defs(store, RecordType::Company).await?;
    let after = prepare_update_with(store, actor, &before, input, cal, &defs).await?;
    let mut tx = store.begin().await?;
    save_update(store, &mut tx, ctx, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Validates a change to a company the actor may update, without saving it.
pub async fn prepare_update_with(
    store: &Store,
    actor: &Actor,
    before: &CompanyRecord,
    input: &CompanyInput,
    cal: CalendarKind,
    defs: &[FieldDef],
) -> ServiceResult<CompanyRecord> {
    if before.deleted_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    actor.require_record(RecordType::Company, Action::Update, Some(before.owner_id))?;
    let mut after = before.clone();
    after.updated_at = Utc::now();
    let mut p = Problems::default();
    apply(store, actor, cal, &mut after, input, false, defs, &mut p).await?;
    p.finish()?;
    Ok(after)
}

/// Saves a validated change inside the caller's transaction, with identifiers and audit.
pub async fn save_update(
    store: &Store,
    tx: &mut Tx,
    ctx: &Ctx,
    before: &CompanyRecord,
    after: &CompanyRecord,
) -> ServiceResult<()> {
    store.update_company(tx, after, &search_text(after)).await?;
    store
        .set_identifiers(tx, "company", after.id, &identifiers(after))
        .await?;
    audit::record(
        store,
        tx,
        ctx,
        "update",
        "company",
        Some(after.id.to_string()),
        audit::diff(&snapshot(before), &snapshot(after)),
    )
    .await?;
    Ok(())
}

/// Saves many prepared companies at once (imports); the caller audits the batch.
pub async fn insert_many(store: &Store, tx: &mut Tx, rows: &[CompanyRecord]) -> ServiceResult<()> {
    let with_search: Vec<(&CompanyRecord, String)> =
        rows.iter().map(|c| (c, search_text(c))).collect();
    store.insert_companies(tx, &with_search).await?;
    let ids: Vec<(Uuid, &'static str, String)> = rows
        .iter()
        .flat_map(|c| identifiers(c).into_iter().map(|(k, v)| (c.id, k, v)))
        .collect();
    store.insert_identifiers_many(tx, "company", &ids).await?;
    Ok(())
}

pub async fn set_deleted(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    deleted: bool,
) -> ServiceResult<()> {
    let c = get(store, actor, id).await?;
    let record = common::Bin {
        record_type: RecordType::Company,
        table: &COMPANIES,
        id,
        owner_id: c.owner_id,
        deleted_at: c.deleted_at,
    };
    common::set_deleted(store, ctx, actor, record, deleted).await
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    req: &ListRequest,
) -> ServiceResult<Page<CompanyRecord>> {
    let grant = actor.require(RecordType::Company, Action::Read)?;
    let defs = common::field_defs(store, RecordType::Company).await?;
    let spec = common::list_spec(&grant, &defs, req)?;
    Ok(store.list_companies(&spec).await?)
}
