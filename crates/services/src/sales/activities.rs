//! Activities (فعالیت): calls, meetings, tasks and notes with a due time, a reminder and an
//! assignee; completing and reopening them; the timeline of a record.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::calendar::CalendarKind;
use peyvand_domain::reminders::{self, ReminderState};
use peyvand_domain::sales::{self, ACTIVITY_KINDS, CALL_OUTCOMES, parse_user_date};
use peyvand_domain::{schedule, text};
use peyvand_store::query::Page;
use peyvand_store::{ACTIVITIES, ActivityRecord, Json, RecordLink, ReferralRecord, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::common::{self, ListRequest, add_problems, check_owner};
use super::contacts::double_option;
use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{FieldError, ServiceError, ServiceResult};

/// An activity as forms and the API send it. Absent fields keep their value on update.
///
/// Times: the API sends `due_at` / `remind_at` as RFC 3339 timestamps; a form sends
/// `due_date` (in the user's calendar) and an optional `due_time` (`HH:MM`), read in the
/// user's time zone. An empty value clears.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub notes: Option<String>,
    pub outcome: Option<String>,
    pub due_at: Option<String>,
    pub remind_at: Option<String>,
    pub due_date: Option<String>,
    pub due_time: Option<String>,
    pub remind_date: Option<String>,
    pub remind_time: Option<String>,
    /// Log something that already happened (a call made): created done.
    pub done: Option<bool>,
    /// The assignee (مسئول).
    pub owner_id: Option<Uuid>,
    /// `null` unlinks.
    #[serde(default, with = "double_option")]
    pub contact_id: Option<Option<Uuid>>,
    #[serde(default, with = "double_option")]
    pub company_id: Option<Option<Uuid>>,
    #[serde(default, with = "double_option")]
    pub lead_id: Option<Option<Uuid>>,
    #[serde(default, with = "double_option")]
    pub deal_id: Option<Option<Uuid>>,
    /// Custom field values by key; keys sent replace, `null` or `""` clears, keys not sent
    /// keep their value.
    pub custom: Option<Map<String, Value>>,
}

/// How the user reads dates and times: their calendar and time zone.
#[derive(Clone, Copy, Debug)]
pub struct Locale {
    pub calendar: CalendarKind,
    pub tz: Tz,
}

impl Locale {
    /// What the API speaks: ISO dates, UTC.
    pub fn api() -> Locale {
        Locale {
            calendar: CalendarKind::Gregorian,
            tz: chrono_tz::UTC,
        }
    }
}

/// How an activity is shown and audited.
#[derive(Clone, Debug, Serialize)]
pub struct ActivityView {
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
    pub custom: Map<String, Value>,
    /// When the current reminder was delivered (`null`: not yet, or no reminder).
    pub reminded_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&ActivityRecord> for ActivityView {
    fn from(a: &ActivityRecord) -> Self {
        ActivityView {
            id: a.id,
            kind: a.kind.clone(),
            subject: a.subject.clone(),
            notes: a.notes.clone(),
            outcome: a.outcome.clone(),
            due_at: a.due_at,
            remind_at: a.remind_at,
            done_at: a.done_at,
            owner_id: a.owner_id,
            contact_id: a.contact_id,
            company_id: a.company_id,
            lead_id: a.lead_id,
            deal_id: a.deal_id,
            custom: a.custom.0.clone(),
            reminded_at: a.reminded_at,
            created_by: a.created_by,
            created_at: a.created_at,
            updated_at: a.updated_at,
            deleted_at: a.deleted_at,
        }
    }
}

pub(crate) fn snapshot(a: &ActivityRecord) -> Value {
    let mut v = serde_json::to_value(ActivityView::from(a)).expect("activities serialise");
    if let Some(o) = v.as_object_mut() {
        // Delivery of the reminder is the system's doing, not a change anyone made.
        for k in [
            "id",
            "created_at",
            "updated_at",
            "created_by",
            "reminded_at",
        ] {
            o.remove(k);
        }
    }
    v
}

/// Reads one of the two ways of giving a time; `Some(None)` clears, `None` keeps.
fn read_time(
    p: &mut Problems,
    field: &str,
    rfc3339: &Option<String>,
    date: &Option<String>,
    time: &Option<String>,
    loc: Locale,
) -> Option<Option<DateTime<Utc>>> {
    if let Some(raw) = rfc3339 {
        let raw = raw.trim();
        if raw.is_empty() {
            return Some(None);
        }
        return match DateTime::parse_from_rfc3339(raw) {
            Ok(t) => Some(Some(t.with_timezone(&Utc))),
            Err(_) => {
                p.add(field, "datetime.invalid");
                None
            }
        };
    }
    let date_field = field.replace("_at", "_date");
    let time_field = field.replace("_at", "_time");
    let raw = date.as_deref().unwrap_or("").trim();
    if raw.is_empty() {
        // A time alone names no moment: say so rather than drop it.
        if time.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            p.add(&date_field, "field.required");
            return None;
        }
        // An empty date clears the moment; no date at all leaves it as it is.
        return date.as_ref().map(|_| None);
    }
    let d = match parse_user_date(raw, loc.calendar) {
        Ok(d) => d,
        Err(e) => {
            p.add(&date_field, e.code());
            return None;
        }
    };
    match schedule::parse_time(time.as_deref().unwrap_or("")) {
        Ok(t) => Some(Some(schedule::date_time_in(d, t, loc.tz))),
        Err(code) => {
            p.add(&time_field, code);
            None
        }
    }
}

/// Checks a link: the record exists, is not deleted and the actor may read it.
async fn check_link(
    store: &Store,
    actor: &Actor,
    field: &str,
    rt: RecordType,
    id: Uuid,
    p: &mut Problems,
) -> ServiceResult<()> {
    let owner = match rt {
        RecordType::Contact => store
            .contact(id)
            .await?
            .filter(|r| r.deleted_at.is_none())
            .map(|r| r.owner_id),
        RecordType::Company => store
            .company(id)
            .await?
            .filter(|r| r.deleted_at.is_none())
            .map(|r| r.owner_id),
        RecordType::Lead => store
            .lead(id)
            .await?
            .filter(|r| r.deleted_at.is_none())
            .map(|r| r.owner_id),
        RecordType::Deal => store
            .deal(id)
            .await?
            .filter(|r| r.deleted_at.is_none())
            .map(|r| r.owner_id),
        _ => None,
    };
    let readable = owner.is_some_and(|o| actor.require_record(rt, Action::Read, Some(o)).is_ok());
    if !readable {
        p.add(field, "link.not_found");
    }
    Ok(())
}

async fn apply(
    store: &Store,
    actor: &Actor,
    loc: Locale,
    a: &mut ActivityRecord,
    input: &ActivityInput,
    is_new: bool,
    p: &mut Problems,
) -> ServiceResult<()> {
    if let Some(kind) = &input.kind {
        let kind = kind.trim();
        if ACTIVITY_KINDS.contains(&kind) {
            a.kind = kind.to_owned();
        } else {
            p.add("kind", "activity.bad_kind");
        }
    }
    if let Some(s) = &input.subject {
        a.subject = text::tidy(s);
    }
    if a.subject.is_empty() {
        p.add("subject", "field.required");
    } else if a.subject.chars().count() > 200 {
        p.add("subject", "field.too_long");
    }
    if let Some(n) = &input.notes {
        a.notes = n.trim().to_owned();
        if a.notes.chars().count() > 10_000 {
            p.add("notes", "field.too_long");
        }
    }
    if let Some(o) = &input.outcome {
        let o = o.trim();
        if o.is_empty() {
            a.outcome = String::new();
        } else if !CALL_OUTCOMES.contains(&o) {
            p.add("outcome", "activity.bad_outcome");
        } else {
            a.outcome = o.to_owned();
        }
    }
    if !a.outcome.is_empty() && a.kind != "call" && !p.0.iter().any(|e| e.field == "kind") {
        p.add("outcome", "activity.outcome_calls_only");
    }
    if let Some(t) = read_time(
        p,
        "due_at",
        &input.due_at,
        &input.due_date,
        &input.due_time,
        loc,
    ) {
        a.due_at = t;
    }
    if let Some(t) = read_time(
        p,
        "remind_at",
        &input.remind_at,
        &input.remind_date,
        &input.remind_time,
        loc,
    ) {
        a.remind_at = t;
    }
    if let Some(owner) = input.owner_id
        && owner != a.owner_id
    {
        check_owner(store, actor, RecordType::Activity, Action::Create, owner, p).await?;
        a.owner_id = owner;
    }
    for (field, rt, given, slot) in [
        (
            "contact_id",
            RecordType::Contact,
            input.contact_id,
            &mut a.contact_id,
        ),
        (
            "company_id",
            RecordType::Company,
            input.company_id,
            &mut a.company_id,
        ),
        ("lead_id", RecordType::Lead, input.lead_id, &mut a.lead_id),
        ("deal_id", RecordType::Deal, input.deal_id, &mut a.deal_id),
    ] {
        if let Some(link) = given {
            if let Some(id) = link
                && *slot != Some(id)
            {
                check_link(store, actor, field, rt, id, p).await?;
            }
            *slot = link;
        }
    }
    let defs = common::field_defs(store, RecordType::Activity).await?;
    if let Some(custom) = &input.custom {
        let mut merged = a.custom.0.clone();
        for (k, v) in custom {
            merged.insert(k.clone(), v.clone());
        }
        // Values of retired fields are dropped on change; unknown keys sent are refused.
        merged.retain(|k, _| defs.iter().any(|x| &x.key == k) || custom.contains_key(k));
        match sales::validate_custom(&defs, &merged, loc.calendar) {
            Ok(v) => a.custom = Json(v),
            Err(problems) => add_problems(p, problems),
        }
    } else if is_new && let Err(problems) = sales::validate_custom(&defs, &a.custom.0, loc.calendar)
    {
        // A required field must be given on create.
        add_problems(p, problems);
    }
    Ok(())
}

/// What the reminder rules see of an activity.
pub fn reminder_state(a: &ActivityRecord) -> ReminderState {
    ReminderState {
        remind_at: a.remind_at,
        due_at: a.due_at,
        reminded_at: a.reminded_at,
        done: a.done_at.is_some(),
        deleted: a.deleted_at.is_some(),
    }
}

/// A call logged as done with a lead counts as contacting the lead.
async fn count_call(
    store: &Store,
    tx: &mut peyvand_store::Tx,
    before_done: bool,
    a: &ActivityRecord,
) -> ServiceResult<()> {
    if !before_done
        && a.kind == "call"
        && let (Some(done), Some(lead)) = (a.done_at, a.lead_id)
    {
        store.count_lead_contact(tx, lead, done).await?;
    }
    Ok(())
}

pub async fn create(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    input: &ActivityInput,
    loc: Locale,
) -> ServiceResult<ActivityRecord> {
    actor.require(RecordType::Activity, Action::Create)?;
    let now = Utc::now();
    let mut a = ActivityRecord {
        id: Uuid::now_v7(),
        kind: "task".into(),
        subject: String::new(),
        notes: String::new(),
        outcome: String::new(),
        due_at: None,
        remind_at: None,
        done_at: input.done.unwrap_or(false).then_some(now),
        owner_id: actor.user_id,
        contact_id: None,
        company_id: None,
        lead_id: None,
        deal_id: None,
        custom: Json(Map::new()),
        reminded_at: None,
        created_by: Some(actor.user_id),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let mut p = Problems::default();
    if input.kind.is_none() {
        p.add("kind", "field.required");
    }
    apply(store, actor, loc, &mut a, input, true, &mut p).await?;
    p.finish()?;
    let mut tx = store.begin().await?;
    store.insert_activity(&mut tx, &a, "").await?;
    count_call(store, &mut tx, false, &a).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "create",
        "activity",
        Some(a.id.to_string()),
        audit::diff(&json!({}), &snapshot(&a)),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// An activity the actor may read (deleted ones too); others are "not found".
pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<ActivityRecord> {
    let a = store.activity(id).await?.ok_or(ServiceError::NotFound)?;
    actor
        .require_record(RecordType::Activity, Action::Read, Some(a.owner_id))
        .map_err(|_| ServiceError::NotFound)?;
    Ok(a)
}

async fn live_for_update(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<ActivityRecord> {
    let a = get(store, actor, id).await?;
    if a.deleted_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    actor.require_record(RecordType::Activity, Action::Update, Some(a.owner_id))?;
    Ok(a)
}

async fn save(
    store: &Store,
    ctx: &Ctx,
    action: &str,
    before: &ActivityRecord,
    after: &mut ActivityRecord,
) -> ServiceResult<()> {
    let mut tx = store.begin().await?;
    store.update_activity(&mut tx, after, "").await?;
    // A new reminder or due time is a new reminder: deliver it (again) when its time comes.
    // Only this statement and the sweeper write `reminded_at`, so a plain save never undoes
    // a delivery that happened while the form was open.
    if reminders::rearms(&reminder_state(before), &reminder_state(after)) {
        store.rearm_reminder(&mut tx, after.id).await?;
        after.reminded_at = None;
    }
    count_call(store, &mut tx, before.done_at.is_some(), after).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        action,
        "activity",
        Some(after.id.to_string()),
        audit::diff(&snapshot(before), &snapshot(after)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn update(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    input: &ActivityInput,
    loc: Locale,
) -> ServiceResult<ActivityRecord> {
    let before = live_for_update(store, actor, id).await?;
    let mut after = before.clone();
    after.updated_at = Utc::now();
    match input.done {
        Some(true) if after.done_at.is_none() => after.done_at = Some(after.updated_at),
        Some(false) => after.done_at = None,
        _ => {}
    }
    let mut p = Problems::default();
    apply(store, actor, loc, &mut after, input, false, &mut p).await?;
    p.finish()?;
    save(store, ctx, "update", &before, &mut after).await?;
    Ok(after)
}

/// Marks an activity done now (optionally with a call's outcome), or reopens it.
pub async fn complete(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    done: bool,
    outcome: Option<&str>,
) -> ServiceResult<ActivityRecord> {
    let before = live_for_update(store, actor, id).await?;
    let mut after = before.clone();
    after.updated_at = Utc::now();
    if let Some(o) = outcome.map(str::trim).filter(|o| !o.is_empty()) {
        let mut p = Problems::default();
        if !CALL_OUTCOMES.contains(&o) {
            p.add("outcome", "activity.bad_outcome");
        } else if after.kind != "call" {
            p.add("outcome", "activity.outcome_calls_only");
        }
        p.finish()?;
        after.outcome = o.to_owned();
    }
    if done == before.done_at.is_some() && after.outcome == before.outcome {
        return Ok(before);
    }
    after.done_at = if done {
        before.done_at.or(Some(after.updated_at))
    } else {
        None
    };
    save(
        store,
        ctx,
        if done { "complete" } else { "reopen" },
        &before,
        &mut after,
    )
    .await?;
    Ok(after)
}

/// Soft delete (the recycle bin) or restore.
pub async fn set_deleted(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    deleted: bool,
) -> ServiceResult<()> {
    let a = get(store, actor, id).await?;
    let record = common::Bin {
        record_type: RecordType::Activity,
        table: &ACTIVITIES,
        id,
        owner_id: a.owner_id,
        deleted_at: a.deleted_at,
    };
    common::set_deleted(store, ctx, actor, record, deleted).await
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    req: &ListRequest,
) -> ServiceResult<Page<ActivityRecord>> {
    let grant = actor.require(RecordType::Activity, Action::Read)?;
    if req.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
        // Activities are found through filters; they have no search text.
        return Err(ServiceError::Validation(vec![FieldError::new(
            "q",
            "search.unsupported",
        )]));
    }
    let defs = common::field_defs(store, RecordType::Activity).await?;
    let spec = common::list_spec(&grant, &defs, req)?;
    Ok(store.list_activities(&spec).await?)
}

/// What a record's page shows under it: its activities, newest first, and its hand-offs.
#[derive(Clone, Debug)]
pub struct Timeline {
    pub activities: Vec<ActivityRecord>,
    pub referrals: Vec<ReferralRecord>,
}

/// The record type a link column points at.
pub fn link_type(link: RecordLink) -> RecordType {
    match link {
        RecordLink::Contact => RecordType::Contact,
        RecordLink::Company => RecordType::Company,
        RecordLink::Lead => RecordType::Lead,
        RecordLink::Deal => RecordType::Deal,
    }
}

pub async fn timeline(
    store: &Store,
    actor: &Actor,
    link: RecordLink,
    id: Uuid,
) -> ServiceResult<Timeline> {
    let rt = link_type(link);
    let owner = super::referrals::owner_of(store, rt, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    actor
        .require_record(rt, Action::Read, Some(owner))
        .map_err(|_| ServiceError::NotFound)?;
    // Only the activities the actor may read show, even on a record they can read.
    let grant = actor.require(RecordType::Activity, Action::Read).ok();
    let activities = match grant {
        Some(g) => store
            .activities_of(link, id, 200)
            .await?
            .into_iter()
            .filter(|a| g.covers(Some(a.owner_id)))
            .collect(),
        None => vec![],
    };
    let referrals = store.referrals_of(rt.as_str(), id).await?;
    Ok(Timeline {
        activities,
        referrals,
    })
}
