//! Contacts (people): create, read, change, list, delete and restore, with duplicate checks.

use std::collections::BTreeMap;

use chrono::Utc;
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::calendar::CalendarKind;
use peyvand_domain::sales::{self, CONTACT_CHANNELS, EmailEntry, FieldDef, PhoneEntry};
use peyvand_domain::{national_id, text};
use peyvand_store::query::Page;
use peyvand_store::{CONTACTS, ContactRecord, Json, Store, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::common::{self, ListRequest, add_problems, check_owner};
use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{Duplicate, ServiceError, ServiceResult};

/// A contact as forms and the API send it. Absent fields keep their value on update.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `null` unlinks the company.
    #[serde(default, with = "double_option")]
    pub company_id: Option<Option<Uuid>>,
    pub job_title: Option<String>,
    pub phones: Option<Vec<PhoneEntry>>,
    pub emails: Option<Vec<EmailEntry>>,
    pub website: Option<String>,
    pub social: Option<BTreeMap<String, String>>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub national_id: Option<String>,
    /// ISO `YYYY-MM-DD` from the API; the user's calendar from a form. Empty clears.
    pub birth_date: Option<String>,
    pub anniversary_date: Option<String>,
    pub preferred_channel: Option<String>,
    pub tags: Option<Vec<String>>,
    pub owner_id: Option<Uuid>,
    pub custom: Option<Map<String, Value>>,
}

/// `Option<Option<T>>` that tells "absent" from "null".
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// How a contact is shown and audited.
#[derive(Clone, Debug, Serialize)]
pub struct ContactView {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub company_id: Option<Uuid>,
    pub job_title: String,
    pub phones: Vec<PhoneEntry>,
    pub emails: Vec<EmailEntry>,
    pub website: String,
    pub social: BTreeMap<String, String>,
    pub province: String,
    pub city: String,
    pub address: String,
    pub national_id: Option<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    pub anniversary_date: Option<chrono::NaiveDate>,
    pub preferred_channel: String,
    pub tags: Vec<String>,
    pub owner_id: Uuid,
    pub custom: Map<String, Value>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    pub deleted_at: Option<chrono::DateTime<Utc>>,
}

impl From<&ContactRecord> for ContactView {
    fn from(c: &ContactRecord) -> Self {
        ContactView {
            id: c.id,
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            full_name: c.full_name(),
            company_id: c.company_id,
            job_title: c.job_title.clone(),
            phones: c.phones.0.clone(),
            emails: c.emails.0.clone(),
            website: c.website.clone(),
            social: c.social.0.clone(),
            province: c.province.clone(),
            city: c.city.clone(),
            address: c.address.clone(),
            national_id: c.national_id.clone(),
            birth_date: c.birth_date,
            anniversary_date: c.anniversary_date,
            preferred_channel: c.preferred_channel.clone(),
            tags: c.tags.0.clone(),
            owner_id: c.owner_id,
            custom: c.custom.0.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            deleted_at: c.deleted_at,
        }
    }
}

fn snapshot(c: &ContactRecord) -> Value {
    let mut v = serde_json::to_value(ContactView::from(c)).expect("contacts serialise");
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "full_name", "created_at", "updated_at"] {
            o.remove(k);
        }
    }
    v
}

/// What search and dedupe see of a contact.
pub fn identifiers(c: &ContactRecord) -> Vec<(&'static str, String)> {
    let mut ids: Vec<(&'static str, String)> = vec![];
    ids.extend(c.phones.0.iter().map(|p| ("phone", p.number.clone())));
    ids.extend(c.emails.0.iter().map(|e| ("email", e.address.clone())));
    if let Some(n) = &c.national_id {
        ids.push(("national_id", n.clone()));
    }
    ids
}

/// The normalised text the search index holds for a contact.
/// Changing what it produces? Bump `reindex::SEARCH_TEXT_VERSION` so stored records follow.
pub fn search_text(c: &ContactRecord, company_name: &str) -> String {
    let phones: Vec<String> = c
        .phones
        .0
        .iter()
        .flat_map(|p| {
            // Found by any way of writing the number: +98912…, 0912…, 912…
            let national = p.number.strip_prefix("+98").map(|n| format!("0{n}"));
            [Some(p.number.clone()), national].into_iter().flatten()
        })
        .collect();
    let emails: Vec<&str> = c.emails.0.iter().map(|e| e.address.as_str()).collect();
    let mut parts: Vec<&str> = vec![
        &c.first_name,
        &c.last_name,
        company_name,
        &c.job_title,
        &c.city,
    ];
    parts.extend(phones.iter().map(String::as_str));
    parts.extend(emails);
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

/// Applies input onto a record, collecting every problem.
async fn apply(
    store: &Store,
    actor: &Actor,
    cal: CalendarKind,
    c: &mut ContactRecord,
    input: &ContactInput,
    defs: &[FieldDef],
    p: &mut Problems,
) -> ServiceResult<()> {
    c.first_name = tidy_opt(&input.first_name, &c.first_name);
    c.last_name = tidy_opt(&input.last_name, &c.last_name);
    if c.first_name.is_empty() && c.last_name.is_empty() {
        p.add("last_name", "contact.name_required");
    }
    for (field, v) in [("first_name", &c.first_name), ("last_name", &c.last_name)] {
        if v.chars().count() > 100 {
            p.add(field, "field.too_long");
        }
    }
    if let Some(company) = input.company_id {
        c.company_id = company;
        if let Some(id) = company
            && store
                .company(id)
                .await?
                .filter(|x| x.deleted_at.is_none())
                .is_none()
        {
            p.add("company_id", "company.not_found");
        }
    }
    c.job_title = tidy_opt(&input.job_title, &c.job_title);
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
        let mut out = BTreeMap::new();
        for (k, v) in social {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            out.insert(text::tidy(k), v.to_owned());
        }
        c.social = Json(out);
    }
    c.province = tidy_opt(&input.province, &c.province);
    c.city = tidy_opt(&input.city, &c.city);
    c.address = tidy_opt(&input.address, &c.address);
    if let Some(n) = &input.national_id {
        if n.trim().is_empty() {
            c.national_id = None;
        } else {
            match national_id::parse_person(n) {
                Ok(code) => c.national_id = Some(code.as_str().to_owned()),
                Err(e) => p.add("national_id", e.code()),
            }
        }
    }
    for (field, raw, slot) in [
        ("birth_date", &input.birth_date, &mut c.birth_date),
        (
            "anniversary_date",
            &input.anniversary_date,
            &mut c.anniversary_date,
        ),
    ] {
        if let Some(raw) = raw {
            if raw.trim().is_empty() {
                *slot = None;
            } else {
                match sales::parse_user_date(raw, cal) {
                    Ok(d) if d <= Utc::now().date_naive() || field != "birth_date" => {
                        *slot = Some(d)
                    }
                    Ok(_) => p.add(field, "date.in_future"),
                    Err(e) => p.add(field, e.code()),
                }
            }
        }
    }
    if let Some(ch) = &input.preferred_channel {
        let ch = ch.trim();
        if ch.is_empty() || CONTACT_CHANNELS.contains(&ch) {
            c.preferred_channel = ch.to_owned();
        } else {
            p.add("preferred_channel", "contact.bad_channel");
        }
    }
    if let Some(tags) = &input.tags {
        c.tags = Json(sales::parse_tags(tags));
    }
    if let Some(owner) = input.owner_id
        && owner != c.owner_id
    {
        check_owner(store, actor, RecordType::Contact, Action::Create, owner, p).await?;
        c.owner_id = owner;
    }
    if let Some(custom) = &input.custom {
        // Unchanged keys keep their values: the input is merged onto what is stored.
        let mut merged = c.custom.0.clone();
        for (k, v) in custom {
            merged.insert(k.clone(), v.clone());
        }
        merged.retain(|k, _| defs.iter().any(|d| &d.key == k) || custom.contains_key(k));
        match sales::validate_custom(defs, &merged, cal) {
            Ok(v) => c.custom = Json(v),
            Err(problems) => add_problems(p, problems),
        }
    } else if c.created_at == c.updated_at {
        // New records still need their required custom fields.
        if let Err(problems) = sales::validate_custom(defs, &c.custom.0, cal) {
            add_problems(p, problems);
        }
    }
    Ok(())
}

async fn company_name(store: &Store, id: Option<Uuid>) -> ServiceResult<String> {
    Ok(match id {
        Some(id) => store.company(id).await?.map(|c| c.name).unwrap_or_default(),
        None => String::new(),
    })
}

/// Existing live contacts sharing an identifier with `c`.
async fn duplicates_of(store: &Store, c: &ContactRecord) -> ServiceResult<Vec<Duplicate>> {
    let hits = store.find_by_identifiers(&identifiers(c)).await?;
    Ok(hits
        .into_iter()
        .filter(|h| h.record_type == "contact" && h.record_id != c.id)
        .map(|h| Duplicate {
            record_type: h.record_type,
            id: h.record_id,
            matched_on: h.kind,
            value: h.value,
        })
        .collect())
}

pub struct CreateOptions {
    /// Create even when it resembles an existing contact.
    pub allow_duplicate: bool,
    pub calendar: CalendarKind,
}

/// Validates a new contact without saving it (conversion saves several records at once).
pub async fn prepare_new(
    store: &Store,
    actor: &Actor,
    input: &ContactInput,
    cal: CalendarKind,
) -> ServiceResult<ContactRecord> {
    let defs = common::field_defs(store, RecordType::Contact).await?;
    prepare_new_with(store, actor, input, cal, &defs).await
}

/// [`prepare_new`] with the custom field definitions already loaded (imports load them once).
pub async fn prepare_new_with(
    store: &Store,
    actor: &Actor,
    input: &ContactInput,
    cal: CalendarKind,
    defs: &[FieldDef],
) -> ServiceResult<ContactRecord> {
    actor.require(RecordType::Contact, Action::Create)?;
    let now = Utc::now();
    let mut c = ContactRecord {
        id: Uuid::now_v7(),
        first_name: String::new(),
        last_name: String::new(),
        company_id: None,
        job_title: String::new(),
        phones: Json(vec![]),
        emails: Json(vec![]),
        website: String::new(),
        social: Json(BTreeMap::new()),
        province: String::new(),
        city: String::new(),
        address: String::new(),
        national_id: None,
        birth_date: None,
        anniversary_date: None,
        preferred_channel: String::new(),
        tags: Json(vec![]),
        owner_id: actor.user_id,
        custom: Json(Map::new()),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let mut p = Problems::default();
    apply(store, actor, cal, &mut c, input, defs, &mut p).await?;
    p.finish()?;
    Ok(c)
}

/// Saves a prepared contact inside the caller's transaction, with its identifiers and audit.
/// `company_name_known` is given when the company is new in the same transaction (and so not
/// yet readable outside it).
pub async fn insert_new(
    store: &Store,
    tx: &mut Tx,
    ctx: &Ctx,
    c: &ContactRecord,
    company_name_known: Option<&str>,
) -> ServiceResult<()> {
    let company = match company_name_known {
        Some(n) => n.to_owned(),
        None => company_name(store, c.company_id).await?,
    };
    store
        .insert_contact(tx, c, &search_text(c, &company))
        .await?;
    store
        .set_identifiers(tx, "contact", c.id, &identifiers(c))
        .await?;
    audit::record(
        store,
        tx,
        ctx,
        "create",
        "contact",
        Some(c.id.to_string()),
        audit::diff(&json!({}), &snapshot(c)),
    )
    .await?;
    Ok(())
}

/// Live contacts sharing a phone or email, for reuse when a lead is converted.
pub async fn find_matching(
    store: &Store,
    actor: &Actor,
    ids: &[(&'static str, String)],
) -> ServiceResult<Option<ContactRecord>> {
    let Ok(grant) = actor.require(RecordType::Contact, Action::Read) else {
        return Ok(None);
    };
    for hit in store.find_by_identifiers(ids).await? {
        if hit.record_type == "contact"
            && let Some(c) = store.contact(hit.record_id).await?
            && c.deleted_at.is_none()
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
    input: &ContactInput,
    opts: &CreateOptions,
) -> ServiceResult<ContactRecord> {
    let c = prepare_new(store, actor, input, opts.calendar).await?;
    if !opts.allow_duplicate {
        let dups = duplicates_of(store, &c).await?;
        if !dups.is_empty() {
            return Err(ServiceError::Duplicate(dups));
        }
    }
    let mut tx = store.begin().await?;
    insert_new(store, &mut tx, ctx, &c, None).await?;
    tx.commit().await?;
    Ok(c)
}

/// A contact the actor may read (deleted ones too, for the recycle bin).
pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<ContactRecord> {
    let c = store.contact(id).await?.ok_or(ServiceError::NotFound)?;
    // Out-of-scope records are "not found", so their existence does not leak.
    actor
        .require_record(RecordType::Contact, Action::Read, Some(c.owner_id))
        .map_err(|_| ServiceError::NotFound)?;
    Ok(c)
}

pub async fn update(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    input: &ContactInput,
    cal: CalendarKind,
) -> ServiceResult<ContactRecord> {
    let before = get(store, actor, id).await?;
    let defs = common::field_defs(store, RecordType::Contact).await?;
    let after = prepare_update_with(store, actor, &before, input, cal, &defs).await?;
    let mut tx = store.begin().await?;
    save_update(store, &mut tx, ctx, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Validates a change to a contact the actor may update, without saving it.
pub async fn prepare_update_with(
    store: &Store,
    actor: &Actor,
    before: &ContactRecord,
    input: &ContactInput,
    cal: CalendarKind,
    defs: &[FieldDef],
) -> ServiceResult<ContactRecord> {
    if before.deleted_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    actor.require_record(RecordType::Contact, Action::Update, Some(before.owner_id))?;
    let mut after = before.clone();
    after.updated_at = Utc::now();
    let mut p = Problems::default();
    apply(store, actor, cal, &mut after, input, defs, &mut p).await?;
    p.finish()?;
    Ok(after)
}

/// Saves a validated change inside the caller's transaction, with identifiers and audit.
pub async fn save_update(
    store: &Store,
    tx: &mut Tx,
    ctx: &Ctx,
    before: &ContactRecord,
    after: &ContactRecord,
) -> ServiceResult<()> {
    let company = company_name(store, after.company_id).await?;
    store
        .update_contact(tx, after, &search_text(after, &company))
        .await?;
    store
        .set_identifiers(tx, "contact", after.id, &identifiers(after))
        .await?;
    let diff = audit::diff(&snapshot(before), &snapshot(after));
    audit::record(
        store,
        tx,
        ctx,
        "update",
        "contact",
        Some(after.id.to_string()),
        diff,
    )
    .await?;
    Ok(())
}

/// Saves many prepared contacts at once (imports): rows and identifiers in a few statements.
/// `company_names` gives each contact's company name for its search text. The caller writes
/// one audit entry for the whole batch.
pub async fn insert_many(
    store: &Store,
    tx: &mut Tx,
    rows: &[(ContactRecord, String)],
) -> ServiceResult<()> {
    let with_search: Vec<(&ContactRecord, String)> = rows
        .iter()
        .map(|(c, company)| (c, search_text(c, company)))
        .collect();
    store.insert_contacts(tx, &with_search).await?;
    let ids: Vec<(Uuid, &'static str, String)> = rows
        .iter()
        .flat_map(|(c, _)| identifiers(c).into_iter().map(|(k, v)| (c.id, k, v)))
        .collect();
    store.insert_identifiers_many(tx, "contact", &ids).await?;
    Ok(())
}

/// Soft delete (the recycle bin) or restore.
pub async fn set_deleted(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    deleted: bool,
) -> ServiceResult<()> {
    let c = get(store, actor, id).await?;
    let record = common::Bin {
        record_type: RecordType::Contact,
        table: &CONTACTS,
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
) -> ServiceResult<Page<ContactRecord>> {
    let grant = actor.require(RecordType::Contact, Action::Read)?;
    let defs = common::field_defs(store, RecordType::Contact).await?;
    let spec = common::list_spec(&grant, &defs, req)?;
    Ok(store.list_contacts(&spec).await?)
}

/// Possible duplicates of a contact: same phone, email or national ID, or the same full name.
pub async fn duplicates(
    store: &Store,
    actor: &Actor,
    c: &ContactRecord,
) -> ServiceResult<Vec<ContactRecord>> {
    let grant = actor.require(RecordType::Contact, Action::Read)?;
    let mut out: Vec<ContactRecord> = vec![];
    for d in duplicates_of(store, c).await? {
        if let Some(other) = store.contact(d.id).await?
            && other.deleted_at.is_none()
            && grant.covers(Some(other.owner_id))
            && !out.iter().any(|x| x.id == other.id)
        {
            out.push(other);
        }
    }
    // Similar names: candidates share the full name's words or the last name's, then the
    // names are compared letter by letter (spacing, ZWNJ and one slip forgiven).
    let full = c.full_name();
    let mut queries = vec![full.clone()];
    if !c.last_name.trim().is_empty() {
        queries.push(c.last_name.clone());
    }
    if text::normalize_for_search(&full).is_empty() {
        queries.clear();
    }
    for q in queries {
        let req = ListRequest {
            q: Some(q),
            limit: Some(50),
            ..Default::default()
        };
        for other in list(store, actor, &req).await?.rows {
            if other.id != c.id
                && text::similar_names(&other.full_name(), &full)
                && !out.iter().any(|x| x.id == other.id)
            {
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Merges `other` into `keep`: empty fields of `keep` are filled from `other`, phones, emails
/// and tags are united, custom values of `keep` win; every activity, deal, converted lead and
/// referral of `other` moves to `keep`; `other` goes to the recycle bin, marked as merged.
/// Nothing is lost, and all of it is one transaction.
pub async fn merge(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    keep_id: Uuid,
    other_id: Uuid,
) -> ServiceResult<ContactRecord> {
    if keep_id == other_id {
        return Err(ServiceError::Validation(vec![crate::FieldError::new(
            "other_id",
            "merge.same_record",
        )]));
    }
    let keep = get(store, actor, keep_id).await?;
    let other = get(store, actor, other_id).await?;
    if keep.deleted_at.is_some() || other.deleted_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    actor.require_record(RecordType::Contact, Action::Update, Some(keep.owner_id))?;
    actor.require_record(RecordType::Contact, Action::Delete, Some(other.owner_id))?;
    let mut after = keep.clone();
    let fill = |a: &mut String, b: &str| {
        if a.is_empty() {
            *a = b.to_owned();
        }
    };
    fill(&mut after.first_name, &other.first_name);
    fill(&mut after.last_name, &other.last_name);
    fill(&mut after.job_title, &other.job_title);
    fill(&mut after.website, &other.website);
    fill(&mut after.province, &other.province);
    fill(&mut after.city, &other.city);
    fill(&mut after.address, &other.address);
    fill(&mut after.preferred_channel, &other.preferred_channel);
    after.company_id = after.company_id.or(other.company_id);
    after.national_id = after.national_id.clone().or(other.national_id.clone());
    after.birth_date = after.birth_date.or(other.birth_date);
    after.anniversary_date = after.anniversary_date.or(other.anniversary_date);
    for ph in &other.phones.0 {
        if !after.phones.0.iter().any(|x| x.number == ph.number) {
            after.phones.0.push(ph.clone());
        }
    }
    for e in &other.emails.0 {
        if !after.emails.0.iter().any(|x| x.address == e.address) {
            after.emails.0.push(e.clone());
        }
    }
    let mut tags = after.tags.0.clone();
    tags.extend(other.tags.0.iter().cloned());
    after.tags = Json(sales::parse_tags(&tags));
    for (k, v) in &other.custom.0 {
        after.custom.0.entry(k.clone()).or_insert_with(|| v.clone());
    }
    for (k, v) in &other.social.0 {
        after.social.0.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let now = Utc::now();
    after.updated_at = now;
    let company = company_name(store, after.company_id).await?;
    let mut tx = store.begin().await?;
    let moved = store.relink_contact(&mut tx, other.id, keep.id).await?;
    store
        .update_contact(&mut tx, &after, &search_text(&after, &company))
        .await?;
    store
        .set_identifiers(&mut tx, "contact", keep.id, &identifiers(&after))
        .await?;
    store
        .set_identifiers(&mut tx, "contact", other.id, &[])
        .await?;
    store
        .set_deleted(&mut tx, &CONTACTS, other.id, Some(now))
        .await?;
    let mut diff = audit::diff(&snapshot(&keep), &snapshot(&after));
    diff["merged_from"] = json!(other.id);
    diff["moved"] = json!(
        moved
            .iter()
            .map(|(t, n)| (t.to_string(), *n))
            .collect::<BTreeMap<String, u64>>()
    );
    audit::record(
        store,
        &mut tx,
        ctx,
        "merge",
        "contact",
        Some(keep.id.to_string()),
        diff,
    )
    .await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "merged_into",
        "contact",
        Some(other.id.to_string()),
        json!({"merged_into": keep.id}),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
