//! Leads: prospects from every source, qualified or disqualified, and converted into a contact,
//! a company and a deal in one step.

use chrono::{DateTime, Utc};
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::calendar::CalendarKind;
use peyvand_domain::sales::{self, FieldDef, LEAD_SOURCES, LEAD_STATUSES};
use peyvand_domain::{email, phone, text};
use peyvand_store::query::Page;
use peyvand_store::{Json, LEADS, LeadRecord, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::common::{self, ListRequest, add_problems, check_owner};
use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{ServiceError, ServiceResult};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// web_form, phone, chat, email, import, campaign, referral, event, other
    pub source: Option<String>,
    pub channel: Option<String>,
    pub campaign: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    /// new, working or qualified (converted and disqualified have their own actions).
    pub status: Option<String>,
    pub owner_id: Option<Uuid>,
    pub custom: Option<Map<String, Value>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LeadView {
    pub id: Uuid,
    pub display_name: String,
    pub title: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub source: String,
    pub channel: String,
    pub campaign: String,
    pub utm_source: String,
    pub utm_medium: String,
    pub utm_campaign: String,
    pub utm_term: String,
    pub utm_content: String,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub contact_count: i64,
    pub status: String,
    pub disqualify_reason: String,
    pub converted_at: Option<DateTime<Utc>>,
    pub converted_contact_id: Option<Uuid>,
    pub converted_company_id: Option<Uuid>,
    pub converted_deal_id: Option<Uuid>,
    pub owner_id: Uuid,
    pub custom: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&LeadRecord> for LeadView {
    fn from(l: &LeadRecord) -> Self {
        LeadView {
            id: l.id,
            display_name: l.display_name(),
            title: l.title.clone(),
            first_name: l.first_name.clone(),
            last_name: l.last_name.clone(),
            company_name: l.company_name.clone(),
            phone: l.phone.clone(),
            email: l.email.clone(),
            source: l.source.clone(),
            channel: l.channel.clone(),
            campaign: l.campaign.clone(),
            utm_source: l.utm_source.clone(),
            utm_medium: l.utm_medium.clone(),
            utm_campaign: l.utm_campaign.clone(),
            utm_term: l.utm_term.clone(),
            utm_content: l.utm_content.clone(),
            first_contact_at: l.first_contact_at,
            contact_count: l.contact_count,
            status: l.status.clone(),
            disqualify_reason: l.disqualify_reason.clone(),
            converted_at: l.converted_at,
            converted_contact_id: l.converted_contact_id,
            converted_company_id: l.converted_company_id,
            converted_deal_id: l.converted_deal_id,
            owner_id: l.owner_id,
            custom: l.custom.0.clone(),
            created_at: l.created_at,
            updated_at: l.updated_at,
            deleted_at: l.deleted_at,
        }
    }
}

pub fn snapshot(l: &LeadRecord) -> Value {
    let mut v = serde_json::to_value(LeadView::from(l)).expect("leads serialise");
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "display_name", "created_at", "updated_at"] {
            o.remove(k);
        }
    }
    v
}

pub fn identifiers(l: &LeadRecord) -> Vec<(&'static str, String)> {
    let mut ids = vec![];
    if let Some(p) = &l.phone {
        ids.push(("phone", p.clone()));
    }
    if let Some(e) = &l.email {
        ids.push(("email", e.clone()));
    }
    ids
}

/// The normalised text the search index holds for a lead.
/// Changing what it produces? Bump `reindex::SEARCH_TEXT_VERSION` so stored records follow.
pub fn search_text(l: &LeadRecord) -> String {
    let national = l
        .phone
        .as_deref()
        .and_then(|p| p.strip_prefix("+98"))
        .map(|n| format!("0{n}"));
    let parts: Vec<&str> = [
        Some(l.title.as_str()),
        Some(l.first_name.as_str()),
        Some(l.last_name.as_str()),
        Some(l.company_name.as_str()),
        l.phone.as_deref(),
        national.as_deref(),
        l.email.as_deref(),
        Some(l.campaign.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
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
    l: &mut LeadRecord,
    input: &LeadInput,
    is_new: bool,
    defs: &[FieldDef],
    p: &mut Problems,
) -> ServiceResult<()> {
    l.title = tidy_opt(&input.title, &l.title);
    l.first_name = tidy_opt(&input.first_name, &l.first_name);
    l.last_name = tidy_opt(&input.last_name, &l.last_name);
    l.company_name = tidy_opt(&input.company_name, &l.company_name);
    if let Some(ph) = &input.phone {
        if ph.trim().is_empty() {
            l.phone = None;
        } else {
            match phone::normalize(ph) {
                Ok(n) => l.phone = Some(n.as_str().to_owned()),
                Err(e) => p.add("phone", e.code()),
            }
        }
    }
    if let Some(em) = &input.email {
        if em.trim().is_empty() {
            l.email = None;
        } else {
            match email::parse(em) {
                Ok(a) => l.email = Some(a.as_str().to_lowercase()),
                Err(e) => p.add("email", e.code()),
            }
        }
    }
    if l.title.is_empty()
        && l.first_name.is_empty()
        && l.last_name.is_empty()
        && l.company_name.is_empty()
    {
        p.add("last_name", "lead.name_required");
    }
    if l.phone.is_none()
        && l.email.is_none()
        && is_new
        && input.source.as_deref() == Some("web_form")
    {
        // A web form lead nobody can call back is useless.
        p.add("phone", "lead.contact_required");
    }
    if let Some(s) = &input.source {
        let s = s.trim();
        if LEAD_SOURCES.contains(&s) {
            l.source = s.to_owned();
        } else {
            p.add("source", "lead.bad_source");
        }
    }
    if let Some(s) = &input.status {
        let s = s.trim();
        if ["new", "working", "qualified"].contains(&s) && LEAD_STATUSES.contains(&s) {
            if l.status == "converted" {
                p.add("status", "lead.already_converted");
            } else {
                l.status = s.to_owned();
                l.disqualify_reason.clear();
            }
        } else {
            p.add("status", "lead.bad_status");
        }
    }
    l.channel = tidy_opt(&input.channel, &l.channel);
    l.campaign = tidy_opt(&input.campaign, &l.campaign);
    l.utm_source = tidy_opt(&input.utm_source, &l.utm_source);
    l.utm_medium = tidy_opt(&input.utm_medium, &l.utm_medium);
    l.utm_campaign = tidy_opt(&input.utm_campaign, &l.utm_campaign);
    l.utm_term = tidy_opt(&input.utm_term, &l.utm_term);
    l.utm_content = tidy_opt(&input.utm_content, &l.utm_content);
    if let Some(owner) = input.owner_id
        && owner != l.owner_id
    {
        check_owner(store, actor, RecordType::Lead, Action::Create, owner, p).await?;
        l.owner_id = owner;
    }
    if let Some(custom) = &input.custom {
        let mut merged = l.custom.0.clone();
        for (k, v) in custom {
            merged.insert(k.clone(), v.clone());
        }
        match sales::validate_custom(defs, &merged, cal) {
            Ok(v) => l.custom = Json(v),
            Err(problems) => add_problems(p, problems),
        }
    } else if is_new && let Err(problems) = sales::validate_custom(defs, &l.custom.0, cal) {
        add_problems(p, problems);
    }
    Ok(())
}

pub fn empty(owner: Uuid, now: DateTime<Utc>) -> LeadRecord {
    LeadRecord {
        id: Uuid::now_v7(),
        title: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        company_name: String::new(),
        phone: None,
        email: None,
        source: "other".into(),
        channel: String::new(),
        campaign: String::new(),
        utm_source: String::new(),
        utm_medium: String::new(),
        utm_campaign: String::new(),
        utm_term: String::new(),
        utm_content: String::new(),
        first_contact_at: None,
        contact_count: 0,
        status: "new".into(),
        disqualify_reason: String::new(),
        converted_at: None,
        converted_contact_id: None,
        converted_company_id: None,
        converted_deal_id: None,
        owner_id: owner,
        custom: Json(Map::new()),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}

pub async fn create(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    input: &LeadInput,
    cal: CalendarKind,
) -> ServiceResult<LeadRecord> {
    let defs = common::field_defs(store, RecordType::Lead).await?;
    let l = prepare_new_with(store, actor, input, cal, &defs).await?;
    let mut tx = store.begin().await?;
    insert_new(store, &mut tx, ctx, &l).await?;
    tx.commit().await?;
    Ok(l)
}

/// Validates a new lead without saving it, with the custom field definitions loaded.
pub async fn prepare_new_with(
    store: &Store,
    actor: &Actor,
    input: &LeadInput,
    cal: CalendarKind,
    defs: &[FieldDef],
) -> ServiceResult<LeadRecord> {
    actor.require(RecordType::Lead, Action::Create)?;
    let mut l = empty(actor.user_id, Utc::now());
    let mut p = Problems::default();
    apply(store, actor, cal, &mut l, input, true, defs, &mut p).await?;
    p.finish()?;
    Ok(l)
}

/// Saves a prepared lead inside the caller's transaction, with its identifiers and audit.
pub async fn insert_new(
    store: &Store,
    tx: &mut peyvand_store::Tx,
    ctx: &Ctx,
    l: &LeadRecord,
) -> ServiceResult<()> {
    store.insert_lead(tx, l, &search_text(l)).await?;
    store
        .set_identifiers(tx, "lead", l.id, &identifiers(l))
        .await?;
    audit::record(
        store,
        tx,
        ctx,
        "create",
        "lead",
        Some(l.id.to_string()),
        audit::diff(&json!({}), &snapshot(l)),
    )
    .await?;
    Ok(())
}

/// Saves many prepared leads at once (imports); the caller audits the batch.
pub async fn insert_many(
    store: &Store,
    tx: &mut peyvand_store::Tx,
    rows: &[LeadRecord],
) -> ServiceResult<()> {
    let with_search: Vec<(&LeadRecord, String)> =
        rows.iter().map(|l| (l, search_text(l))).collect();
    store.insert_leads(tx, &with_search).await?;
    let ids: Vec<(Uuid, &'static str, String)> = rows
        .iter()
        .flat_map(|l| identifiers(l).into_iter().map(|(k, v)| (l.id, k, v)))
        .collect();
    store.insert_identifiers_many(tx, "lead", &ids).await?;
    Ok(())
}

pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<LeadRecord> {
    let l = store.lead(id).await?.ok_or(ServiceError::NotFound)?;
    actor
        .require_record(RecordType::Lead, Action::Read, Some(l.owner_id))
        .map_err(|_| ServiceError::NotFound)?;
    Ok(l)
}

async fn write(
    store: &Store,
    ctx: &Ctx,
    before: &LeadRecord,
    after: &LeadRecord,
    action: &str,
) -> ServiceResult<()> {
    let mut tx = store.begin().await?;
    save_update(store, &mut tx, ctx, before, after, action).await?;
    tx.commit().await?;
    Ok(())
}

/// Saves a validated change inside the caller's transaction, with identifiers and audit.
pub async fn save_update(
    store: &Store,
    tx: &mut peyvand_store::Tx,
    ctx: &Ctx,
    before: &LeadRecord,
    after: &LeadRecord,
    action: &str,
) -> ServiceResult<()> {
    store.update_lead(tx, after, &search_text(after)).await?;
    store
        .set_identifiers(tx, "lead", after.id, &identifiers(after))
        .await?;
    audit::record(
        store,
        tx,
        ctx,
        action,
        "lead",
        Some(after.id.to_string()),
        audit::diff(&snapshot(before), &snapshot(after)),
    )
    .await?;
    Ok(())
}

pub async fn update(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    input: &LeadInput,
    cal: CalendarKind,
) -> ServiceResult<LeadRecord> {
    let before = get(store, actor, id).await?;
    let defs = common::field_defs(store, RecordType::Lead).await?;
    let after = prepare_update_with(store, actor, &before, input, cal, &defs).await?;
    write(store, ctx, &before, &after, "update").await?;
    Ok(after)
}

/// Validates a change to a lead the actor may update, without saving it.
pub async fn prepare_update_with(
    store: &Store,
    actor: &Actor,
    before: &LeadRecord,
    input: &LeadInput,
    cal: CalendarKind,
    defs: &[FieldDef],
) -> ServiceResult<LeadRecord> {
    if before.deleted_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    actor.require_record(RecordType::Lead, Action::Update, Some(before.owner_id))?;
    let mut after = before.clone();
    after.updated_at = Utc::now();
    let mut p = Problems::default();
    apply(store, actor, cal, &mut after, input, false, defs, &mut p).await?;
    p.finish()?;
    Ok(after)
}

/// Marks a lead as not worth pursuing, with the reason (kept for reports).
pub async fn disqualify(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    reason: &str,
) -> ServiceResult<LeadRecord> {
    let before = get(store, actor, id).await?;
    actor.require_record(RecordType::Lead, Action::Update, Some(before.owner_id))?;
    let reason = text::tidy(reason);
    let mut p = Problems::default();
    if reason.is_empty() {
        p.add("reason", "lead.reason_required");
    }
    if before.status == "converted" {
        p.add("status", "lead.already_converted");
    }
    p.finish()?;
    let mut after = before.clone();
    after.status = "disqualified".into();
    after.disqualify_reason = reason;
    after.updated_at = Utc::now();
    write(store, ctx, &before, &after, "disqualify").await?;
    Ok(after)
}

pub async fn set_deleted(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    deleted: bool,
) -> ServiceResult<()> {
    let l = get(store, actor, id).await?;
    let record = common::Bin {
        record_type: RecordType::Lead,
        table: &LEADS,
        id,
        owner_id: l.owner_id,
        deleted_at: l.deleted_at,
    };
    common::set_deleted(store, ctx, actor, record, deleted).await
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    req: &ListRequest,
) -> ServiceResult<Page<LeadRecord>> {
    let grant = actor.require(RecordType::Lead, Action::Read)?;
    let defs = common::field_defs(store, RecordType::Lead).await?;
    let spec = common::list_spec(&grant, &defs, req)?;
    Ok(store.list_leads(&spec).await?)
}

/// How a lead becomes a customer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertInput {
    /// Also open a deal (the usual case).
    #[serde(default)]
    pub create_deal: bool,
    pub deal_title: Option<String>,
    /// Minor units (rials for IRR) as a number, or text with Persian digits and separators.
    pub deal_amount: Option<String>,
}

/// What the conversion made or reused.
#[derive(Clone, Debug, Serialize)]
pub struct Conversion {
    pub lead_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub contact_reused: bool,
    pub company_id: Option<Uuid>,
    pub company_reused: bool,
    pub deal_id: Option<Uuid>,
}

/// Converts a lead into a contact, a company and (optionally) a deal in one transaction,
/// reusing a contact with the same phone or email and a company with the same name. The lead
/// keeps links to what it became, so conversion rates can be measured.
pub async fn convert(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    input: &ConvertInput,
) -> ServiceResult<Conversion> {
    use super::{companies, contacts, deals};
    let before = get(store, actor, id).await?;
    actor.require_record(RecordType::Lead, Action::Update, Some(before.owner_id))?;
    let mut p = Problems::default();
    if before.deleted_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    if before.status == "converted" {
        p.add("status", "lead.already_converted");
    } else if before.status == "disqualified" {
        p.add("status", "lead.disqualified");
    }
    p.finish()?;
    let owner = Some(before.owner_id);
    let has_person = !(before.first_name.is_empty() && before.last_name.is_empty());

    // The company: reused by name, else new.
    let (company, company_reused) = if before.company_name.is_empty() {
        (None, false)
    } else if let Some(c) = companies::find_by_name(store, actor, &before.company_name).await? {
        (Some(c), true)
    } else {
        let input = companies::CompanyInput {
            name: Some(before.company_name.clone()),
            owner_id: owner,
            ..Default::default()
        };
        (
            Some(companies::prepare_new(store, actor, &input, CalendarKind::Gregorian).await?),
            false,
        )
    };
    // The person: reused by phone or email, else new.
    let (contact, contact_reused) =
        match contacts::find_matching(store, actor, &identifiers(&before)).await? {
            Some(c) => (Some(c), true),
            None if has_person || before.phone.is_some() || before.email.is_some() => {
                let input = contacts::ContactInput {
                    first_name: Some(before.first_name.clone()),
                    last_name: Some(if has_person {
                        before.last_name.clone()
                    } else {
                        before.display_name()
                    }),
                    phones: Some(
                        before
                            .phone
                            .iter()
                            .map(|n| sales::PhoneEntry {
                                number: n.clone(),
                                label: "mobile".into(),
                            })
                            .collect(),
                    ),
                    emails: Some(
                        before
                            .email
                            .iter()
                            .map(|e| sales::EmailEntry {
                                address: e.clone(),
                                label: String::new(),
                            })
                            .collect(),
                    ),
                    owner_id: owner,
                    ..Default::default()
                };
                // A new company is not in the store yet: link it after both are prepared.
                let mut c =
                    contacts::prepare_new(store, actor, &input, CalendarKind::Gregorian).await?;
                c.company_id = company.as_ref().map(|x| x.id);
                (Some(c), false)
            }
            None => (None, false),
        };
    let deal = if input.create_deal {
        let title = input
            .deal_title
            .as_deref()
            .map(text::tidy)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| before.display_name());
        let deal_input = deals::DealInput {
            title: Some(title),
            amount: input.deal_amount.clone().filter(|a| !a.trim().is_empty()),
            owner_id: owner,
            ..Default::default()
        };
        let (mut d, search) =
            deals::prepare_new(store, actor, &deal_input, CalendarKind::Gregorian).await?;
        d.contact_id = contact.as_ref().map(|c| c.id);
        d.company_id = company.as_ref().map(|c| c.id);
        d.lead_id = Some(before.id);
        Some((d, search))
    } else {
        None
    };

    let now = Utc::now();
    let mut after = before.clone();
    after.status = "converted".into();
    after.converted_at = Some(now);
    after.converted_contact_id = contact.as_ref().map(|c| c.id);
    after.converted_company_id = company.as_ref().map(|c| c.id);
    after.converted_deal_id = deal.as_ref().map(|(d, _)| d.id);
    after.updated_at = now;

    let mut tx = store.begin().await?;
    if let (Some(c), false) = (&company, company_reused) {
        companies::insert_new(store, &mut tx, ctx, c).await?;
    }
    if let (Some(c), false) = (&contact, contact_reused) {
        contacts::insert_new(
            store,
            &mut tx,
            ctx,
            c,
            company.as_ref().map(|x| x.name.as_str()),
        )
        .await?;
    }
    if let Some((d, search)) = &deal {
        deals::insert_new(store, &mut tx, ctx, d, search).await?;
    }
    store
        .update_lead(&mut tx, &after, &search_text(&after))
        .await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "convert",
        "lead",
        Some(after.id.to_string()),
        audit::diff(&snapshot(&before), &snapshot(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(Conversion {
        lead_id: after.id,
        contact_id: after.converted_contact_id,
        contact_reused,
        company_id: after.converted_company_id,
        company_reused,
        deal_id: after.converted_deal_id,
    })
}
