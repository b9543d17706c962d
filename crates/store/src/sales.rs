//! Sales records: custom field definitions, companies, contacts, leads, pipelines and stages,
//! deals with their stage history, activities, referrals, and the normalised identifiers
//! (phones, emails, national IDs) used by search, duplicate checks and caller ID.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use peyvand_domain::access::OwnerFilter;
use peyvand_domain::sales::{EmailEntry, PhoneEntry, SelectOption};
use serde_json::{Map, Value};
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::Val;
use crate::query::{self, Kind, LinkSort, ListError, ListSpec, Page, Sorted, Table};
use crate::{Store, StoreError, StoreResult, Tx, args};

/// A list request failed: the input was wrong, or storage was.
#[derive(Debug, thiserror::Error)]
pub enum ListFailure {
    #[error(transparent)]
    Input(#[from] ListError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomFieldRecord {
    pub id: Uuid,
    pub record_type: String,
    pub key: String,
    pub label_fa: String,
    pub label_en: String,
    pub field_type: String,
    pub options: Json<Vec<SelectOption>>,
    pub required: bool,
    pub position: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CompanyRecord {
    pub id: Uuid,
    pub name: String,
    pub industry: String,
    pub website: String,
    pub phones: Json<Vec<PhoneEntry>>,
    pub emails: Json<Vec<EmailEntry>>,
    pub social: Json<BTreeMap<String, String>>,
    pub province: String,
    pub city: String,
    pub address: String,
    pub postal_code: String,
    pub national_id: Option<String>,
    pub economic_code: String,
    pub employees: Option<i64>,
    pub tags: Json<Vec<String>>,
    pub owner_id: Uuid,
    pub custom: Json<Map<String, Value>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContactRecord {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub company_id: Option<Uuid>,
    pub job_title: String,
    pub phones: Json<Vec<PhoneEntry>>,
    pub emails: Json<Vec<EmailEntry>>,
    pub website: String,
    pub social: Json<BTreeMap<String, String>>,
    pub province: String,
    pub city: String,
    pub address: String,
    pub national_id: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub anniversary_date: Option<NaiveDate>,
    pub preferred_channel: String,
    pub tags: Json<Vec<String>>,
    pub owner_id: Uuid,
    pub custom: Json<Map<String, Value>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl ContactRecord {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LeadRecord {
    pub id: Uuid,
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
    pub custom: Json<Map<String, Value>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl LeadRecord {
    pub fn display_name(&self) -> String {
        let person = format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned();
        [
            self.title.as_str(),
            person.as_str(),
            self.company_name.as_str(),
        ]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("—")
        .to_owned()
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PipelineRecord {
    pub id: Uuid,
    pub name: String,
    /// Set on the default pipeline: the catalogues name it in each user's language.
    pub name_key: Option<String>,
    pub is_default: bool,
    pub position: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StageRecord {
    pub id: Uuid,
    pub pipeline_id: Uuid,
    pub name: String,
    /// Set on the default stages: the catalogues name them in each user's language.
    pub name_key: Option<String>,
    pub position: i64,
    pub probability: i64,
    pub kind: String,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DealRecord {
    pub id: Uuid,
    pub title: String,
    pub pipeline_id: Uuid,
    pub stage_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub expected_close_date: Option<NaiveDate>,
    pub contact_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub lost_reason: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub stage_changed_at: DateTime<Utc>,
    pub owner_id: Uuid,
    pub custom: Json<Map<String, Value>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Count and sum of a stage's live deals in one currency.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StageTotal {
    pub stage_id: Uuid,
    pub currency: String,
    pub deals: i64,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StageChangeRecord {
    pub id: Uuid,
    pub deal_id: Uuid,
    pub from_stage_id: Option<Uuid>,
    pub to_stage_id: Uuid,
    pub changed_at: DateTime<Utc>,
    pub changed_by: Option<Uuid>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActivityRecord {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub notes: String,
    pub outcome: String,
    pub due_at: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub owner_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    pub custom: Json<Map<String, Value>>,
    /// When the current reminder was delivered (`None`: armed, or no reminder). Only the
    /// reminder sweeper and re-arming write it, never a plain update.
    pub reminded_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReferralRecord {
    pub id: Uuid,
    pub record_type: String,
    pub record_id: Uuid,
    pub from_user_id: Option<Uuid>,
    pub to_user_id: Uuid,
    pub to_team_id: Option<Uuid>,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

/// A normalised identifier of a record (kind: phone, email, national_id).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentifierHit {
    pub kind: String,
    pub value: String,
    pub record_type: String,
    pub record_id: Uuid,
}

/// Records sorted by owner are in their owners' names' order.
const OWNER_SORT: LinkSort = LinkSort {
    column: "owner_id",
    kind: Kind::Text,
    join: "LEFT JOIN users r ON r.id = x.owner_id",
    value: "r.display_name",
};

pub const COMPANIES: Table = Table {
    name: "companies",
    columns: &[
        ("name", Kind::Text),
        ("industry", Kind::Text),
        ("website", Kind::Text),
        ("province", Kind::Text),
        ("city", Kind::Text),
        ("national_id", Kind::Text),
        ("economic_code", Kind::Text),
        ("employees", Kind::Number),
        ("tags", Kind::Text),
        ("owner_id", Kind::Uuid),
        ("created_at", Kind::Time),
        ("updated_at", Kind::Time),
    ],
    select: "id, name, industry, website, phones, emails, social, province, city, address, postal_code, \
             national_id, economic_code, employees, tags, owner_id, custom, created_at, updated_at, deleted_at",
    owned: true,
    derived: &[],
    link_sorts: &[OWNER_SORT],
};

pub const CONTACTS: Table = Table {
    name: "contacts",
    columns: &[
        ("first_name", Kind::Text),
        ("last_name", Kind::Text),
        ("company_id", Kind::Uuid),
        ("job_title", Kind::Text),
        ("province", Kind::Text),
        ("city", Kind::Text),
        ("national_id", Kind::Text),
        ("birth_date", Kind::Date),
        ("anniversary_date", Kind::Date),
        ("preferred_channel", Kind::Text),
        ("tags", Kind::Text),
        ("owner_id", Kind::Uuid),
        ("created_at", Kind::Time),
        ("updated_at", Kind::Time),
    ],
    select: "id, first_name, last_name, company_id, job_title, phones, emails, website, social, province, \
             city, address, national_id, birth_date, anniversary_date, preferred_channel, tags, owner_id, \
             custom, created_at, updated_at, deleted_at",
    owned: true,
    derived: &[],
    link_sorts: &[OWNER_SORT],
};

/// Leads sorted by status follow their life (`sales::LEAD_STATUSES`), not the keys' spelling.
const LEAD_STATUS_SORT: LinkSort = LinkSort {
    column: "status",
    kind: Kind::Number,
    join: "",
    value: "CASE x.status WHEN 'new' THEN 0 WHEN 'working' THEN 1 WHEN 'qualified' THEN 2 \
            WHEN 'converted' THEN 3 WHEN 'disqualified' THEN 4 END",
};

/// Leads sorted by source follow the form's list (`sales::LEAD_SOURCES`).
const LEAD_SOURCE_SORT: LinkSort = LinkSort {
    column: "source",
    kind: Kind::Number,
    join: "",
    value: "CASE x.source WHEN 'web_form' THEN 0 WHEN 'phone' THEN 1 WHEN 'chat' THEN 2 \
            WHEN 'email' THEN 3 WHEN 'import' THEN 4 WHEN 'campaign' THEN 5 WHEN 'referral' THEN 6 \
            WHEN 'event' THEN 7 WHEN 'other' THEN 8 END",
};

pub const LEADS: Table = Table {
    name: "leads",
    columns: &[
        ("title", Kind::Text),
        ("first_name", Kind::Text),
        ("last_name", Kind::Text),
        ("company_name", Kind::Text),
        ("source", Kind::Text),
        ("channel", Kind::Text),
        ("campaign", Kind::Text),
        ("utm_source", Kind::Text),
        ("utm_campaign", Kind::Text),
        ("status", Kind::Text),
        ("contact_count", Kind::Number),
        ("first_contact_at", Kind::Time),
        ("converted_at", Kind::Time),
        ("owner_id", Kind::Uuid),
        ("created_at", Kind::Time),
        ("updated_at", Kind::Time),
    ],
    select: "id, title, first_name, last_name, company_name, phone, email, source, channel, campaign, \
             utm_source, utm_medium, utm_campaign, utm_term, utm_content, first_contact_at, contact_count, \
             status, disqualify_reason, converted_at, converted_contact_id, converted_company_id, \
             converted_deal_id, owner_id, custom, created_at, updated_at, deleted_at",
    owned: true,
    derived: &[],
    link_sorts: &[OWNER_SORT, LEAD_STATUS_SORT, LEAD_SOURCE_SORT],
};

pub const DEALS: Table = Table {
    name: "deals",
    columns: &[
        ("title", Kind::Text),
        ("pipeline_id", Kind::Uuid),
        ("stage_id", Kind::Uuid),
        ("amount_minor", Kind::Number),
        ("currency", Kind::Text),
        ("expected_close_date", Kind::Date),
        ("contact_id", Kind::Uuid),
        ("company_id", Kind::Uuid),
        ("closed_at", Kind::Time),
        ("stage_changed_at", Kind::Time),
        ("owner_id", Kind::Uuid),
        ("created_at", Kind::Time),
        ("updated_at", Kind::Time),
    ],
    select: "id, title, pipeline_id, stage_id, amount_minor, currency, expected_close_date, contact_id, \
             company_id, lead_id, lost_reason, closed_at, stage_changed_at, owner_id, custom, created_at, \
             updated_at, deleted_at",
    owned: true,
    derived: &[(
        "status",
        Kind::Text,
        "(SELECT kind FROM stages WHERE stages.id = deals.stage_id)",
    )],
    link_sorts: &[
        OWNER_SORT,
        LinkSort {
            column: "pipeline_id",
            kind: Kind::Number,
            join: "LEFT JOIN pipelines rp ON rp.id = x.pipeline_id",
            value: "rp.position",
        },
        LinkSort {
            column: "stage_id",
            kind: Kind::Number,
            join: "LEFT JOIN stages rs ON rs.id = x.stage_id \
                   LEFT JOIN pipelines rp ON rp.id = rs.pipeline_id",
            value: "rp.position * 10000 + rs.position",
        },
    ],
};

pub const ACTIVITIES: Table = Table {
    name: "activities",
    columns: &[
        ("kind", Kind::Text),
        ("subject", Kind::Text),
        ("outcome", Kind::Text),
        ("due_at", Kind::Time),
        ("done_at", Kind::Time),
        ("owner_id", Kind::Uuid),
        ("contact_id", Kind::Uuid),
        ("company_id", Kind::Uuid),
        ("lead_id", Kind::Uuid),
        ("deal_id", Kind::Uuid),
        ("created_at", Kind::Time),
    ],
    select: "id, kind, subject, notes, outcome, due_at, remind_at, done_at, owner_id, contact_id, \
             company_id, lead_id, deal_id, custom, reminded_at, created_by, created_at, updated_at, \
             deleted_at",
    owned: true,
    derived: &[],
    link_sorts: &[OWNER_SORT],
};

fn json<T: serde::Serialize>(v: &T) -> Val {
    Val::from(serde_json::to_value(v).expect("records serialise"))
}

/// `INSERT INTO t (a, b) VALUES ($1, $2)` from (column, value) pairs.
async fn insert(tx: &mut Tx, table: &str, cols: Vec<(&str, Val)>) -> StoreResult<()> {
    let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
    let ps: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        ps.join(", ")
    );
    tx.execute(sql, cols.into_iter().map(|(_, v)| v).collect())
        .await?;
    Ok(())
}

/// `UPDATE t SET a = $2, … WHERE id = $1` from (column, value) pairs.
async fn update(tx: &mut Tx, table: &str, id: Uuid, cols: Vec<(&str, Val)>) -> StoreResult<()> {
    let sets: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", i + 2))
        .collect();
    let sql = format!("UPDATE {table} SET {} WHERE id = $1", sets.join(", "));
    let mut vals = vec![Val::from(id)];
    vals.extend(cols.into_iter().map(|(_, v)| v));
    if tx.execute(sql, vals).await? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

fn company_cols(c: &CompanyRecord, search_text: &str) -> Vec<(&'static str, Val)> {
    vec![
        ("name", c.name.clone().into()),
        ("industry", c.industry.clone().into()),
        ("website", c.website.clone().into()),
        ("phones", json(&c.phones.0)),
        ("emails", json(&c.emails.0)),
        ("social", json(&c.social.0)),
        ("province", c.province.clone().into()),
        ("city", c.city.clone().into()),
        ("address", c.address.clone().into()),
        ("postal_code", c.postal_code.clone().into()),
        ("national_id", c.national_id.clone().into()),
        ("economic_code", c.economic_code.clone().into()),
        ("employees", c.employees.into()),
        ("tags", json(&c.tags.0)),
        ("owner_id", c.owner_id.into()),
        ("custom", json(&c.custom.0)),
        ("search_text", search_text.into()),
        ("updated_at", c.updated_at.into()),
        ("deleted_at", c.deleted_at.into()),
    ]
}

fn contact_cols(c: &ContactRecord, search_text: &str) -> Vec<(&'static str, Val)> {
    vec![
        ("first_name", c.first_name.clone().into()),
        ("last_name", c.last_name.clone().into()),
        ("company_id", c.company_id.into()),
        ("job_title", c.job_title.clone().into()),
        ("phones", json(&c.phones.0)),
        ("emails", json(&c.emails.0)),
        ("website", c.website.clone().into()),
        ("social", json(&c.social.0)),
        ("province", c.province.clone().into()),
        ("city", c.city.clone().into()),
        ("address", c.address.clone().into()),
        ("national_id", c.national_id.clone().into()),
        ("birth_date", c.birth_date.into()),
        ("anniversary_date", c.anniversary_date.into()),
        ("preferred_channel", c.preferred_channel.clone().into()),
        ("tags", json(&c.tags.0)),
        ("owner_id", c.owner_id.into()),
        ("custom", json(&c.custom.0)),
        ("search_text", search_text.into()),
        ("updated_at", c.updated_at.into()),
        ("deleted_at", c.deleted_at.into()),
    ]
}

fn lead_cols(l: &LeadRecord, search_text: &str) -> Vec<(&'static str, Val)> {
    vec![
        ("title", l.title.clone().into()),
        ("first_name", l.first_name.clone().into()),
        ("last_name", l.last_name.clone().into()),
        ("company_name", l.company_name.clone().into()),
        ("phone", l.phone.clone().into()),
        ("email", l.email.clone().into()),
        ("source", l.source.clone().into()),
        ("channel", l.channel.clone().into()),
        ("campaign", l.campaign.clone().into()),
        ("utm_source", l.utm_source.clone().into()),
        ("utm_medium", l.utm_medium.clone().into()),
        ("utm_campaign", l.utm_campaign.clone().into()),
        ("utm_term", l.utm_term.clone().into()),
        ("utm_content", l.utm_content.clone().into()),
        ("first_contact_at", l.first_contact_at.into()),
        ("contact_count", l.contact_count.into()),
        ("status", l.status.clone().into()),
        ("disqualify_reason", l.disqualify_reason.clone().into()),
        ("converted_at", l.converted_at.into()),
        ("converted_contact_id", l.converted_contact_id.into()),
        ("converted_company_id", l.converted_company_id.into()),
        ("converted_deal_id", l.converted_deal_id.into()),
        ("owner_id", l.owner_id.into()),
        ("custom", json(&l.custom.0)),
        ("search_text", search_text.into()),
        ("updated_at", l.updated_at.into()),
        ("deleted_at", l.deleted_at.into()),
    ]
}

fn deal_cols(d: &DealRecord, search_text: &str) -> Vec<(&'static str, Val)> {
    vec![
        ("title", d.title.clone().into()),
        ("pipeline_id", d.pipeline_id.into()),
        ("stage_id", d.stage_id.into()),
        ("amount_minor", d.amount_minor.into()),
        ("currency", d.currency.clone().into()),
        ("expected_close_date", d.expected_close_date.into()),
        ("contact_id", d.contact_id.into()),
        ("company_id", d.company_id.into()),
        ("lead_id", d.lead_id.into()),
        ("lost_reason", d.lost_reason.clone().into()),
        ("closed_at", d.closed_at.into()),
        ("stage_changed_at", d.stage_changed_at.into()),
        ("owner_id", d.owner_id.into()),
        ("custom", json(&d.custom.0)),
        ("search_text", search_text.into()),
        ("updated_at", d.updated_at.into()),
        ("deleted_at", d.deleted_at.into()),
    ]
}

fn activity_cols(a: &ActivityRecord) -> Vec<(&'static str, Val)> {
    vec![
        ("kind", a.kind.clone().into()),
        ("subject", a.subject.clone().into()),
        ("notes", a.notes.clone().into()),
        ("outcome", a.outcome.clone().into()),
        ("due_at", a.due_at.into()),
        ("remind_at", a.remind_at.into()),
        ("done_at", a.done_at.into()),
        ("owner_id", a.owner_id.into()),
        ("contact_id", a.contact_id.into()),
        ("company_id", a.company_id.into()),
        ("lead_id", a.lead_id.into()),
        ("deal_id", a.deal_id.into()),
        ("custom", json(&a.custom.0)),
        ("updated_at", a.updated_at.into()),
        ("deleted_at", a.deleted_at.into()),
    ]
}

fn with_created(
    id: Uuid,
    created_at: DateTime<Utc>,
    mut cols: Vec<(&'static str, Val)>,
) -> Vec<(&'static str, Val)> {
    cols.insert(0, ("id", id.into()));
    cols.push(("created_at", created_at.into()));
    cols
}

macro_rules! crud {
    ($rec:ty, $table:expr, $cols:ident, $insert:ident, $insert_many:ident, $get_many:ident, $update:ident, $get:ident, $list:ident) => {
        impl Store {
            /// Many new records in as few statements as possible (imports).
            pub async fn $insert_many<R: std::borrow::Borrow<$rec>>(
                &self,
                tx: &mut Tx,
                rows: &[(R, String)],
            ) -> StoreResult<()> {
                let rows = rows
                    .iter()
                    .map(|(r, search)| {
                        let r = r.borrow();
                        with_created(r.id, r.created_at, $cols(r, search))
                    })
                    .collect();
                crate::imports::insert_many(tx, $table.name, rows, false).await
            }

            /// Records by id, deleted ones included.
            pub async fn $get_many(&self, ids: &[Uuid]) -> StoreResult<Vec<$rec>> {
                let mut out = vec![];
                for chunk in ids.chunks(5000) {
                    let b = self.db.backend();
                    let ps: Vec<String> = (1..=chunk.len())
                        .map(|i| crate::imports::placeholder(b, i))
                        .collect();
                    let rows: Vec<$rec> = self
                        .db
                        .fetch_all(
                            format!(
                                "SELECT {} FROM {} WHERE id IN ({})",
                                $table.select,
                                $table.name,
                                ps.join(", ")
                            ),
                            chunk.iter().map(|id| Val::from(*id)).collect(),
                        )
                        .await?;
                    out.extend(rows);
                }
                Ok(out)
            }

            pub async fn $insert(
                &self,
                tx: &mut Tx,
                r: &$rec,
                search_text: &str,
            ) -> StoreResult<()> {
                insert(
                    tx,
                    $table.name,
                    with_created(r.id, r.created_at, $cols(r, search_text)),
                )
                .await
            }

            pub async fn $update(
                &self,
                tx: &mut Tx,
                r: &$rec,
                search_text: &str,
            ) -> StoreResult<()> {
                update(tx, $table.name, r.id, $cols(r, search_text)).await
            }

            /// One record by id, deleted ones included (callers decide what to show).
            pub async fn $get(&self, id: Uuid) -> StoreResult<Option<$rec>> {
                self.db
                    .fetch_optional(
                        format!(
                            "SELECT {} FROM {} WHERE id = $1",
                            $table.select, $table.name
                        ),
                        args![id],
                    )
                    .await
            }

            pub async fn $list(&self, spec: &ListSpec) -> Result<Page<$rec>, ListFailure> {
                let sql = query::build_list(self.db.backend(), &$table, spec)?;
                let rows: Vec<Sorted<$rec>> = self.db.fetch_all(sql.text, sql.args).await?;
                Ok(query::into_page(rows, spec.limit, |r: &$rec| r.id))
            }
        }
    };
}

crud!(
    CompanyRecord,
    COMPANIES,
    company_cols,
    insert_company,
    insert_companies,
    companies_by_ids,
    update_company,
    company,
    list_companies
);
crud!(
    ContactRecord,
    CONTACTS,
    contact_cols,
    insert_contact,
    insert_contacts,
    contacts_by_ids,
    update_contact,
    contact,
    list_contacts
);
crud!(
    LeadRecord,
    LEADS,
    lead_cols,
    insert_lead,
    insert_leads,
    leads_by_ids,
    update_lead,
    lead,
    list_leads
);
crud!(
    DealRecord,
    DEALS,
    deal_cols,
    insert_deal,
    insert_deals,
    deals_by_ids,
    update_deal,
    deal,
    list_deals
);

fn activity_cols_for(a: &ActivityRecord, _search_text: &str) -> Vec<(&'static str, Val)> {
    let mut cols = activity_cols(a);
    cols.push(("created_by", a.created_by.into()));
    cols
}
crud!(
    ActivityRecord,
    ACTIVITIES,
    activity_cols_for,
    insert_activity,
    insert_activities,
    activities_by_ids,
    update_activity,
    activity,
    list_activities
);

impl Store {
    // ---- identifiers ----

    /// Replaces the identifiers of one record.
    pub async fn set_identifiers(
        &self,
        tx: &mut Tx,
        record_type: &str,
        record_id: Uuid,
        ids: &[(&str, String)],
    ) -> StoreResult<()> {
        tx.execute(
            "DELETE FROM record_identifiers WHERE record_type = $1 AND record_id = $2",
            args![record_type, record_id],
        )
        .await?;
        let mut seen: Vec<(&str, &str)> = vec![];
        for (kind, value) in ids {
            if value.is_empty() || seen.contains(&(kind, value.as_str())) {
                continue;
            }
            seen.push((kind, value.as_str()));
            tx.execute(
                "INSERT INTO record_identifiers (kind, value, record_type, record_id) VALUES ($1, $2, $3, $4)",
                args![*kind, value.clone(), record_type, record_id],
            )
            .await?;
        }
        Ok(())
    }

    /// Records holding any of these identifiers (for duplicates and search), live ones only.
    pub async fn find_by_identifiers(
        &self,
        ids: &[(&str, String)],
    ) -> StoreResult<Vec<IdentifierHit>> {
        let mut out = vec![];
        for (kind, value) in ids {
            let hits: Vec<IdentifierHit> = self
                .db
                .fetch_all(
                    "SELECT i.kind, i.value, i.record_type, i.record_id FROM record_identifiers i \
                     WHERE i.kind = $1 AND i.value = $2 AND NOT EXISTS ( \
                        SELECT 1 FROM contacts c WHERE i.record_type = 'contact' AND c.id = i.record_id AND c.deleted_at IS NOT NULL \
                        UNION ALL SELECT 1 FROM companies c WHERE i.record_type = 'company' AND c.id = i.record_id AND c.deleted_at IS NOT NULL \
                        UNION ALL SELECT 1 FROM leads c WHERE i.record_type = 'lead' AND c.id = i.record_id AND c.deleted_at IS NOT NULL) \
                     LIMIT 50",
                    args![*kind, value.clone()],
                )
                .await?;
            for h in hits {
                if !out.contains(&h) {
                    out.push(h);
                }
            }
        }
        Ok(out)
    }

    /// Identifier values starting with `prefix` (phone search by any format).
    pub async fn identifiers_with_prefix(
        &self,
        kind: &str,
        prefix: &str,
        limit: i64,
    ) -> StoreResult<Vec<IdentifierHit>> {
        self.db
            .fetch_all(
                "SELECT kind, value, record_type, record_id FROM record_identifiers \
                 WHERE kind = $1 AND value >= $2 AND value < $3 ORDER BY value LIMIT $4",
                args![kind, prefix, format!("{prefix}\u{10FFFF}"), limit],
            )
            .await
    }

    /// Live companies whose search text starts with this normalised name: candidates for a
    /// same-name check, as (id, name).
    pub async fn companies_named_like(
        &self,
        normalised_name: &str,
    ) -> StoreResult<Vec<(Uuid, String)>> {
        let pattern = format!("{}%", crate::escape_like(normalised_name));
        self.db
            .fetch_all(
                "SELECT id, name FROM companies WHERE search_text LIKE $1 ESCAPE '\\' \
                 AND deleted_at IS NULL LIMIT 50",
                args![pattern],
            )
            .await
    }

    // ---- soft delete ----

    /// Marks a record deleted (or restores it with `None`).
    pub async fn set_deleted(
        &self,
        tx: &mut Tx,
        table: &Table,
        id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        update(
            tx,
            table.name,
            id,
            vec![("deleted_at", at.into()), ("updated_at", Utc::now().into())],
        )
        .await
    }

    // ---- custom fields ----

    pub async fn custom_fields(&self, record_type: &str) -> StoreResult<Vec<CustomFieldRecord>> {
        self.db
            .fetch_all(
                "SELECT id, record_type, key, label_fa, label_en, field_type, options, required, position, \
                 created_at, updated_at, deleted_at FROM custom_fields \
                 WHERE record_type = $1 AND deleted_at IS NULL ORDER BY position, id",
                args![record_type],
            )
            .await
    }

    pub async fn custom_field(&self, id: Uuid) -> StoreResult<Option<CustomFieldRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, record_type, key, label_fa, label_en, field_type, options, required, position, \
                 created_at, updated_at, deleted_at FROM custom_fields WHERE id = $1",
                args![id],
            )
            .await
    }

    pub async fn insert_custom_field(&self, tx: &mut Tx, f: &CustomFieldRecord) -> StoreResult<()> {
        insert(
            tx,
            "custom_fields",
            vec![
                ("id", f.id.into()),
                ("record_type", f.record_type.clone().into()),
                ("key", f.key.clone().into()),
                ("label_fa", f.label_fa.clone().into()),
                ("label_en", f.label_en.clone().into()),
                ("field_type", f.field_type.clone().into()),
                ("options", json(&f.options.0)),
                ("required", f.required.into()),
                ("position", f.position.into()),
                ("created_at", f.created_at.into()),
                ("updated_at", f.updated_at.into()),
            ],
        )
        .await
    }

    pub async fn update_custom_field(&self, tx: &mut Tx, f: &CustomFieldRecord) -> StoreResult<()> {
        update(
            tx,
            "custom_fields",
            f.id,
            vec![
                ("label_fa", f.label_fa.clone().into()),
                ("label_en", f.label_en.clone().into()),
                ("options", json(&f.options.0)),
                ("required", f.required.into()),
                ("position", f.position.into()),
                ("updated_at", f.updated_at.into()),
                ("deleted_at", f.deleted_at.into()),
            ],
        )
        .await
    }

    // ---- pipelines ----

    pub async fn pipelines(&self) -> StoreResult<Vec<PipelineRecord>> {
        self.db
            .fetch_all(
                "SELECT id, name, name_key, is_default, position, created_at, updated_at, deleted_at FROM pipelines \
                 WHERE deleted_at IS NULL ORDER BY position, id",
                args![],
            )
            .await
    }

    pub async fn pipeline(&self, id: Uuid) -> StoreResult<Option<PipelineRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, name, name_key, is_default, position, created_at, updated_at, deleted_at FROM pipelines WHERE id = $1",
                args![id],
            )
            .await
    }

    pub async fn stages(&self, pipeline_id: Uuid) -> StoreResult<Vec<StageRecord>> {
        self.db
            .fetch_all(
                "SELECT id, pipeline_id, name, name_key, position, probability, kind, deleted_at FROM stages \
                 WHERE pipeline_id = $1 AND deleted_at IS NULL ORDER BY position, id",
                args![pipeline_id],
            )
            .await
    }

    pub async fn stage(&self, id: Uuid) -> StoreResult<Option<StageRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, pipeline_id, name, name_key, position, probability, kind, deleted_at FROM stages WHERE id = $1",
                args![id],
            )
            .await
    }

    pub async fn insert_pipeline(&self, tx: &mut Tx, p: &PipelineRecord) -> StoreResult<()> {
        insert(
            tx,
            "pipelines",
            vec![
                ("id", p.id.into()),
                ("name", p.name.clone().into()),
                ("name_key", p.name_key.clone().into()),
                ("is_default", p.is_default.into()),
                ("position", p.position.into()),
                ("created_at", p.created_at.into()),
                ("updated_at", p.updated_at.into()),
            ],
        )
        .await
    }

    pub async fn update_pipeline(&self, tx: &mut Tx, p: &PipelineRecord) -> StoreResult<()> {
        update(
            tx,
            "pipelines",
            p.id,
            vec![
                ("name", p.name.clone().into()),
                ("name_key", p.name_key.clone().into()),
                ("is_default", p.is_default.into()),
                ("position", p.position.into()),
                ("updated_at", p.updated_at.into()),
                ("deleted_at", p.deleted_at.into()),
            ],
        )
        .await
    }

    pub async fn insert_stage(&self, tx: &mut Tx, s: &StageRecord) -> StoreResult<()> {
        insert(
            tx,
            "stages",
            vec![
                ("id", s.id.into()),
                ("pipeline_id", s.pipeline_id.into()),
                ("name", s.name.clone().into()),
                ("name_key", s.name_key.clone().into()),
                ("position", s.position.into()),
                ("probability", s.probability.into()),
                ("kind", s.kind.clone().into()),
            ],
        )
        .await
    }

    pub async fn update_stage(&self, tx: &mut Tx, s: &StageRecord) -> StoreResult<()> {
        update(
            tx,
            "stages",
            s.id,
            vec![
                ("name", s.name.clone().into()),
                ("name_key", s.name_key.clone().into()),
                ("position", s.position.into()),
                ("probability", s.probability.into()),
                ("kind", s.kind.clone().into()),
                ("deleted_at", s.deleted_at.into()),
            ],
        )
        .await
    }

    /// Open deals of one stage, for the kanban column (scoped like every list).
    pub async fn deals_in_stage(
        &self,
        stage_id: Uuid,
        owner: &OwnerFilter,
        limit: i64,
    ) -> Result<Page<DealRecord>, ListFailure> {
        let mut spec = ListSpec::new(owner.clone(), limit);
        spec.filters.push(query::Filter {
            field: query::Field::Column("stage_id".into()),
            op: query::Op::Eq,
            value: Value::String(stage_id.to_string()),
        });
        spec.sort = Some(query::Sort {
            field: query::Field::Column("stage_changed_at".into()),
            desc: true,
        });
        self.list_deals(&spec).await
    }

    /// Live deals per stage and currency of one pipeline, inside an owner scope: the kanban
    /// columns' counts and sums (over every deal, not only the ones a column shows).
    pub async fn stage_totals(
        &self,
        pipeline_id: Uuid,
        owner: &OwnerFilter,
    ) -> StoreResult<Vec<StageTotal>> {
        let mut sql = query::Sql::new("");
        let p = sql.bind(pipeline_id);
        let mut conds = vec![
            format!("pipeline_id = {p}"),
            "deleted_at IS NULL".to_owned(),
        ];
        if let OwnerFilter::OwnedBy(ids) = owner {
            if ids.is_empty() {
                conds.push("1 = 0".into());
            } else {
                let ps: Vec<String> = ids.iter().map(|id| sql.bind(*id)).collect();
                conds.push(format!("owner_id IN ({})", ps.join(", ")));
            }
        }
        sql.push(&format!(
            "SELECT stage_id, currency, COUNT(*) AS deals, CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) \
             AS amount_minor FROM deals WHERE {} GROUP BY stage_id, currency ORDER BY stage_id, currency",
            conds.join(" AND ")
        ));
        self.db.fetch_all(sql.text, sql.args).await
    }

    pub async fn insert_stage_change(&self, tx: &mut Tx, c: &StageChangeRecord) -> StoreResult<()> {
        insert(
            tx,
            "deal_stage_history",
            vec![
                ("id", c.id.into()),
                ("deal_id", c.deal_id.into()),
                ("from_stage_id", c.from_stage_id.into()),
                ("to_stage_id", c.to_stage_id.into()),
                ("changed_at", c.changed_at.into()),
                ("changed_by", c.changed_by.into()),
            ],
        )
        .await
    }

    pub async fn stage_history(&self, deal_id: Uuid) -> StoreResult<Vec<StageChangeRecord>> {
        self.db
            .fetch_all(
                "SELECT id, deal_id, from_stage_id, to_stage_id, changed_at, changed_by FROM deal_stage_history \
                 WHERE deal_id = $1 ORDER BY changed_at, id",
                args![deal_id],
            )
            .await
    }

    // ---- links between records ----

    /// Activities linked to a record, newest first (the timeline).
    pub async fn activities_of(
        &self,
        column: RecordLink,
        id: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRecord>> {
        self.db
            .fetch_all(
                format!(
                    "SELECT {} FROM activities WHERE {} = $1 AND deleted_at IS NULL \
                     ORDER BY COALESCE(done_at, due_at, created_at) DESC, id DESC LIMIT $2",
                    ACTIVITIES.select,
                    column.column()
                ),
                args![id, limit],
            )
            .await
    }

    pub async fn deals_of(&self, column: RecordLink, id: Uuid) -> StoreResult<Vec<DealRecord>> {
        self.db
            .fetch_all(
                format!(
                    "SELECT {} FROM deals WHERE {} = $1 AND deleted_at IS NULL ORDER BY id DESC LIMIT 200",
                    DEALS.select,
                    column.column()
                ),
                args![id],
            )
            .await
    }

    pub async fn contacts_of_company(&self, company_id: Uuid) -> StoreResult<Vec<ContactRecord>> {
        self.db
            .fetch_all(
                format!(
                    "SELECT {} FROM contacts WHERE company_id = $1 AND deleted_at IS NULL ORDER BY last_name, first_name, id LIMIT 500",
                    CONTACTS.select
                ),
                args![company_id],
            )
            .await
    }

    /// A user's open activities due before `until` (overdue and today), soonest first.
    pub async fn open_activities_due(
        &self,
        owner_ids: &[Uuid],
        until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRecord>> {
        if owner_ids.is_empty() {
            return Ok(vec![]);
        }
        let ps: Vec<String> = (0..owner_ids.len())
            .map(|i| format!("${}", i + 3))
            .collect();
        let mut vals = args![until, limit];
        vals.extend(owner_ids.iter().map(|id| Val::from(*id)));
        self.db
            .fetch_all(
                format!(
                    "SELECT {} FROM activities WHERE deleted_at IS NULL AND done_at IS NULL AND due_at IS NOT NULL \
                     AND due_at < $1 AND owner_id IN ({}) ORDER BY due_at, id LIMIT $2",
                    ACTIVITIES.select,
                    ps.join(", ")
                ),
                vals,
            )
            .await
    }

    /// Open activities due in [from, until), for "upcoming".
    pub async fn open_activities_between(
        &self,
        owner_ids: &[Uuid],
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRecord>> {
        if owner_ids.is_empty() {
            return Ok(vec![]);
        }
        let ps: Vec<String> = (0..owner_ids.len())
            .map(|i| format!("${}", i + 4))
            .collect();
        let mut vals = args![from, until, limit];
        vals.extend(owner_ids.iter().map(|id| Val::from(*id)));
        self.db
            .fetch_all(
                format!(
                    "SELECT {} FROM activities WHERE deleted_at IS NULL AND done_at IS NULL AND due_at >= $1 \
                     AND due_at < $2 AND owner_id IN ({}) ORDER BY due_at, id LIMIT $3",
                    ACTIVITIES.select,
                    ps.join(", ")
                ),
                vals,
            )
            .await
    }

    // ---- referrals and reassignment ----

    pub async fn insert_referral(&self, tx: &mut Tx, r: &ReferralRecord) -> StoreResult<()> {
        insert(
            tx,
            "referrals",
            vec![
                ("id", r.id.into()),
                ("record_type", r.record_type.clone().into()),
                ("record_id", r.record_id.into()),
                ("from_user_id", r.from_user_id.into()),
                ("to_user_id", r.to_user_id.into()),
                ("to_team_id", r.to_team_id.into()),
                ("comment", r.comment.clone().into()),
                ("created_at", r.created_at.into()),
            ],
        )
        .await
    }

    pub async fn referrals_of(
        &self,
        record_type: &str,
        record_id: Uuid,
    ) -> StoreResult<Vec<ReferralRecord>> {
        self.db
            .fetch_all(
                "SELECT id, record_type, record_id, from_user_id, to_user_id, to_team_id, comment, created_at \
                 FROM referrals WHERE record_type = $1 AND record_id = $2 ORDER BY created_at, id",
                args![record_type, record_id],
            )
            .await
    }

    /// Moves every open record of one owner to another in one statement per table; returns
    /// how many rows moved per table. Closed deals, converted leads and done activities keep
    /// their history owner.
    pub async fn reassign_open(
        &self,
        tx: &mut Tx,
        from: Uuid,
        to: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(&'static str, u64)>> {
        let mut moved = vec![];
        for (table, extra) in [
            ("contacts", ""),
            ("companies", ""),
            ("leads", " AND status NOT IN ('converted', 'disqualified')"),
            ("deals", " AND closed_at IS NULL"),
            ("activities", " AND done_at IS NULL"),
        ] {
            let n = tx
                .execute(
                    format!("UPDATE {table} SET owner_id = $2, updated_at = $3 WHERE owner_id = $1 AND deleted_at IS NULL{extra}"),
                    args![from, to, now],
                )
                .await?;
            moved.push((table, n));
        }
        Ok(moved)
    }
}

impl Store {
    /// Points everything linked to one contact at another (merging duplicates): activities,
    /// deals, converted leads and the referral trail. Returns how many rows moved per table.
    pub async fn relink_contact(
        &self,
        tx: &mut Tx,
        from: Uuid,
        to: Uuid,
    ) -> StoreResult<Vec<(&'static str, u64)>> {
        let mut moved = vec![];
        for (table, column) in [
            ("activities", "contact_id"),
            ("deals", "contact_id"),
            ("leads", "converted_contact_id"),
        ] {
            let n = tx
                .execute(
                    format!("UPDATE {table} SET {column} = $2 WHERE {column} = $1"),
                    args![from, to],
                )
                .await?;
            moved.push((table, n));
        }
        let n = tx
            .execute(
                "UPDATE referrals SET record_id = $2 WHERE record_type = 'contact' AND record_id = $1",
                args![from, to],
            )
            .await?;
        moved.push(("referrals", n));
        Ok(moved)
    }

    /// Same for companies: their people, activities, deals, converted leads, referrals.
    pub async fn relink_company(
        &self,
        tx: &mut Tx,
        from: Uuid,
        to: Uuid,
    ) -> StoreResult<Vec<(&'static str, u64)>> {
        let mut moved = vec![];
        for (table, column) in [
            ("contacts", "company_id"),
            ("activities", "company_id"),
            ("deals", "company_id"),
            ("leads", "converted_company_id"),
        ] {
            let n = tx
                .execute(
                    format!("UPDATE {table} SET {column} = $2 WHERE {column} = $1"),
                    args![from, to],
                )
                .await?;
            moved.push((table, n));
        }
        let n = tx
            .execute(
                "UPDATE referrals SET record_id = $2 WHERE record_type = 'company' AND record_id = $1",
                args![from, to],
            )
            .await?;
        moved.push(("referrals", n));
        Ok(moved)
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SavedViewRecord {
    pub id: Uuid,
    pub record_type: String,
    pub name: String,
    pub query: String,
    pub owner_id: Uuid,
    pub shared: bool,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// The user's own views of a record type and those others shared, by name.
    pub async fn saved_views(
        &self,
        record_type: &str,
        user_id: Uuid,
    ) -> StoreResult<Vec<SavedViewRecord>> {
        self.db
            .fetch_all(
                "SELECT id, record_type, name, query, owner_id, shared, created_at FROM saved_views \
                 WHERE record_type = $1 AND (owner_id = $2 OR shared = $3) ORDER BY name, id",
                args![record_type, user_id, true],
            )
            .await
    }

    pub async fn saved_view(&self, id: Uuid) -> StoreResult<Option<SavedViewRecord>> {
        self.db
            .fetch_optional(
                "SELECT id, record_type, name, query, owner_id, shared, created_at FROM saved_views WHERE id = $1",
                args![id],
            )
            .await
    }

    pub async fn insert_saved_view(&self, tx: &mut Tx, v: &SavedViewRecord) -> StoreResult<()> {
        insert(
            tx,
            "saved_views",
            vec![
                ("id", v.id.into()),
                ("record_type", v.record_type.clone().into()),
                ("name", v.name.clone().into()),
                ("query", v.query.clone().into()),
                ("owner_id", v.owner_id.into()),
                ("shared", v.shared.into()),
                ("created_at", v.created_at.into()),
            ],
        )
        .await
    }

    pub async fn delete_saved_view(&self, tx: &mut Tx, id: Uuid) -> StoreResult<()> {
        tx.execute("DELETE FROM saved_views WHERE id = $1", args![id])
            .await?;
        Ok(())
    }
}

/// A file attached to a record, without its content (for lists).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachmentRecord {
    pub id: Uuid,
    pub record_type: String,
    pub record_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Content(Vec<u8>);

const ATTACHMENT_COLUMNS: &str = "id, record_type, record_id, file_name, content_type, size, uploaded_by, created_at, deleted_at";

impl Store {
    pub async fn insert_attachment(
        &self,
        tx: &mut Tx,
        a: &AttachmentRecord,
        content: Vec<u8>,
    ) -> StoreResult<()> {
        insert(
            tx,
            "attachments",
            vec![
                ("id", a.id.into()),
                ("record_type", a.record_type.clone().into()),
                ("record_id", a.record_id.into()),
                ("file_name", a.file_name.clone().into()),
                ("content_type", a.content_type.clone().into()),
                ("size", a.size.into()),
                ("content", content.into()),
                ("uploaded_by", a.uploaded_by.into()),
                ("created_at", a.created_at.into()),
            ],
        )
        .await
    }

    /// Live files of a record, newest first.
    pub async fn attachments_of(
        &self,
        record_type: &str,
        record_id: Uuid,
    ) -> StoreResult<Vec<AttachmentRecord>> {
        self.db
            .fetch_all(
                format!(
                    "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE record_type = $1 AND record_id = $2 \
                     AND deleted_at IS NULL ORDER BY id DESC LIMIT 200"
                ),
                args![record_type, record_id],
            )
            .await
    }

    pub async fn attachment(&self, id: Uuid) -> StoreResult<Option<AttachmentRecord>> {
        self.db
            .fetch_optional(
                format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1"),
                args![id],
            )
            .await
    }

    pub async fn attachment_content(&self, id: Uuid) -> StoreResult<Vec<u8>> {
        let c: Content = self
            .db
            .fetch_one("SELECT content FROM attachments WHERE id = $1", args![id])
            .await?;
        Ok(c.0)
    }

    pub async fn delete_attachment(
        &self,
        tx: &mut Tx,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        update(tx, "attachments", id, vec![("deleted_at", Some(at).into())]).await
    }
}

/// Which link column of activities/deals points at the record.
#[derive(Clone, Copy, Debug)]
pub enum RecordLink {
    Contact,
    Company,
    Lead,
    Deal,
}

impl RecordLink {
    fn column(self) -> &'static str {
        match self {
            RecordLink::Contact => "contact_id",
            RecordLink::Company => "company_id",
            RecordLink::Lead => "lead_id",
            RecordLink::Deal => "deal_id",
        }
    }
}

// ---- bulk loading (demo data, imports) ----

async fn insert_many(
    tx: &mut Tx,
    table: &str,
    rows: Vec<Vec<(&'static str, Val)>>,
) -> StoreResult<()> {
    crate::imports::insert_many(tx, table, rows, false).await
}

impl Store {
    pub async fn insert_activities_bulk(
        &self,
        tx: &mut Tx,
        rows: &[ActivityRecord],
    ) -> StoreResult<()> {
        let rows = rows
            .iter()
            .map(|r| with_created(r.id, r.created_at, activity_cols_for(r, "")))
            .collect();
        insert_many(tx, ACTIVITIES.name, rows).await
    }

    pub async fn insert_stage_changes_bulk(
        &self,
        tx: &mut Tx,
        rows: &[StageChangeRecord],
    ) -> StoreResult<()> {
        let rows = rows
            .iter()
            .map(|c| {
                vec![
                    ("id", c.id.into()),
                    ("deal_id", c.deal_id.into()),
                    ("from_stage_id", c.from_stage_id.into()),
                    ("to_stage_id", c.to_stage_id.into()),
                    ("changed_at", c.changed_at.into()),
                    ("changed_by", c.changed_by.into()),
                ]
            })
            .collect();
        insert_many(tx, "deal_stage_history", rows).await
    }

    /// Identifiers of new records (kind, value, record type, record id); duplicates of the same
    /// record are the caller's to avoid.
    pub async fn insert_identifiers_bulk(
        &self,
        tx: &mut Tx,
        rows: &[(&str, String, &str, Uuid)],
    ) -> StoreResult<()> {
        let rows = rows
            .iter()
            .filter(|(_, v, _, _)| !v.is_empty())
            .map(|(k, v, t, id)| {
                vec![
                    ("kind", Val::from(*k)),
                    ("value", Val::from(v.clone())),
                    ("record_type", Val::from(*t)),
                    ("record_id", Val::from(*id)),
                ]
            })
            .collect();
        insert_many(tx, "record_identifiers", rows).await
    }

    /// How many live records a table holds (for the demo's summary and `serve --demo`).
    pub async fn count_live(&self, table: &Table) -> StoreResult<i64> {
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        let row: N = self
            .db
            .fetch_one(
                format!(
                    "SELECT COUNT(*) AS n FROM {} WHERE deleted_at IS NULL",
                    table.name
                ),
                args![],
            )
            .await?;
        Ok(row.n)
    }

    /// Refreshes the planner's statistics after a bulk load.
    pub async fn analyze(&self) -> StoreResult<()> {
        self.db.execute("ANALYZE", args![]).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peyvand_domain::sales::{LEAD_SOURCES, LEAD_STATUSES};

    /// The sort orders spell out the domain's lists, in the same order.
    #[test]
    fn lead_choice_sorts_follow_the_domain_lists() {
        for (sort, keys) in [
            (&LEAD_STATUS_SORT, &LEAD_STATUSES[..]),
            (&LEAD_SOURCE_SORT, &LEAD_SOURCES[..]),
        ] {
            let listed: Vec<&str> = sort.value.split('\'').skip(1).step_by(2).collect();
            assert_eq!(listed, keys, "{}", sort.column);
            for (i, key) in keys.iter().enumerate() {
                assert!(
                    sort.value.contains(&format!("WHEN '{key}' THEN {i} "))
                        || sort.value.ends_with(&format!("WHEN '{key}' THEN {i} END")),
                    "{key}"
                );
            }
        }
    }
}
