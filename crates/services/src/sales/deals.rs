//! Deals on pipelines: create, read, change, move between stages (with the stage history), list,
//! the kanban board, delete and restore.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::calendar::CalendarKind;
use peyvand_domain::money::{self, Currency};
use peyvand_domain::sales::{self, StageKind};
use peyvand_domain::text;
use peyvand_store::query::Page;
use peyvand_store::{
    DEALS, DealRecord, Json, PipelineRecord, StageChangeRecord, StageRecord, Store,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::common::{self, ListRequest, add_problems, check_owner};
use super::contacts::double_option;
use super::pipelines::{self, StageView};
use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{FieldError, ServiceError, ServiceResult};

/// Cards a kanban column shows at most.
pub const BOARD_COLUMN_LIMIT: i64 = 100;

/// A deal as forms and the API send it. Absent fields keep their value on update.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealInput {
    pub title: Option<String>,
    pub pipeline_id: Option<Uuid>,
    pub stage_id: Option<Uuid>,
    /// Integer minor units (rials for IRR). A string is read like a typed amount.
    pub amount_minor: Option<Value>,
    /// An amount as a person types it (`۱۲٬۵۰۰٬۰۰۰`, `12.5`), in `currency`; forms send this.
    pub amount: Option<String>,
    /// The unit `amount` is typed in: `rial` (the default, or the currency's own unit) or
    /// `toman` (ten rials; IRR only), as people in Iran usually talk.
    pub amount_unit: Option<String>,
    /// ISO 4217 code; IRR when absent on create.
    pub currency: Option<String>,
    /// ISO `YYYY-MM-DD` from the API; the user's calendar from a form. Empty clears.
    pub expected_close_date: Option<String>,
    #[serde(default, with = "double_option")]
    pub contact_id: Option<Option<Uuid>>,
    #[serde(default, with = "double_option")]
    pub company_id: Option<Option<Uuid>>,
    pub owner_id: Option<Uuid>,
    pub lost_reason: Option<String>,
    pub custom: Option<Map<String, Value>>,
}

/// How a deal is shown and audited.
#[derive(Clone, Debug, Serialize)]
pub struct DealView {
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
    pub custom: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&DealRecord> for DealView {
    fn from(d: &DealRecord) -> Self {
        DealView {
            id: d.id,
            title: d.title.clone(),
            pipeline_id: d.pipeline_id,
            stage_id: d.stage_id,
            amount_minor: d.amount_minor,
            currency: d.currency.clone(),
            expected_close_date: d.expected_close_date,
            contact_id: d.contact_id,
            company_id: d.company_id,
            lead_id: d.lead_id,
            lost_reason: d.lost_reason.clone(),
            closed_at: d.closed_at,
            stage_changed_at: d.stage_changed_at,
            owner_id: d.owner_id,
            custom: d.custom.0.clone(),
            created_at: d.created_at,
            updated_at: d.updated_at,
            deleted_at: d.deleted_at,
        }
    }
}

fn snapshot(d: &DealRecord) -> Value {
    let mut v = serde_json::to_value(DealView::from(d)).expect("deals serialise");
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "created_at", "updated_at", "stage_changed_at"] {
            o.remove(k);
        }
    }
    v
}

fn stage_kind(s: &StageRecord) -> StageKind {
    StageKind::parse(&s.kind).unwrap_or(StageKind::Open)
}

async fn names_for_search(store: &Store, d: &DealRecord) -> ServiceResult<String> {
    let contact = match d.contact_id {
        Some(id) => store
            .contact(id)
            .await?
            .map(|c| c.full_name())
            .unwrap_or_default(),
        None => String::new(),
    };
    let company = match d.company_id {
        Some(id) => store.company(id).await?.map(|c| c.name).unwrap_or_default(),
        None => String::new(),
    };
    Ok(search_text(d, &contact, &company))
}

/// The normalised text the search index holds for a deal: its title and the names of its
/// contact and company.
/// Changing what it produces? Bump `reindex::SEARCH_TEXT_VERSION` so stored records follow.
pub fn search_text(d: &DealRecord, contact_name: &str, company_name: &str) -> String {
    sales::search_text(&[&d.title, contact_name, company_name])
}

/// Reads an amount: a JSON integer is minor units; text is parsed as a person types it.
fn parse_amount_value(v: &Value, currency: &Currency) -> Result<i64, &'static str> {
    match v {
        Value::Number(n) => n.as_i64().ok_or("money.invalid"),
        Value::String(s) => money::parse_amount(s, currency).map_err(|e| e.code()),
        Value::Null => Ok(0),
        _ => Err("money.invalid"),
    }
}

/// Puts a deal on `stage` (already checked to belong to its pipeline): the closing time follows
/// the stage's kind, and a lost stage needs a reason. Returns whether the stage changed.
fn place(d: &mut DealRecord, stage: &StageRecord, now: DateTime<Utc>, p: &mut Problems) -> bool {
    let changed = d.stage_id != stage.id;
    let kind = stage_kind(stage);
    match kind {
        StageKind::Open => {
            d.closed_at = None;
            d.lost_reason.clear();
        }
        StageKind::Won => {
            d.lost_reason.clear();
            if changed || d.closed_at.is_none() {
                d.closed_at = Some(now);
            }
        }
        StageKind::Lost => {
            if d.lost_reason.is_empty() {
                p.add("lost_reason", "deal.lost_reason_required");
            }
            if changed || d.closed_at.is_none() {
                d.closed_at = Some(now);
            }
        }
    }
    if changed {
        d.stage_id = stage.id;
        d.stage_changed_at = now;
    }
    changed
}

/// Applies input onto a record, collecting every problem. Returns the stage the deal must be
/// on (checked against its pipeline), if the input or a pipeline change asks for one.
async fn apply(
    store: &Store,
    actor: &Actor,
    cal: CalendarKind,
    d: &mut DealRecord,
    input: &DealInput,
    is_new: bool,
    p: &mut Problems,
) -> ServiceResult<Option<StageRecord>> {
    if let Some(t) = &input.title {
        d.title = text::tidy(t);
    }
    if d.title.is_empty() {
        p.add("title", "field.required");
    } else if d.title.chars().count() > 200 {
        p.add("title", "field.too_long");
    }

    // Currency first: the amount is read in it.
    if let Some(c) = &input.currency {
        let c = if c.trim().is_empty() { "IRR" } else { c };
        match Currency::new(c) {
            Ok(c) => d.currency = c.as_str().to_owned(),
            Err(e) => p.add("currency", e.code()),
        }
    }
    let currency = Currency::new(&d.currency).unwrap_or_default();
    if let Some(v) = &input.amount_minor {
        match parse_amount_value(v, &currency) {
            Ok(a) if a >= 0 => d.amount_minor = a,
            Ok(_) => p.add("amount_minor", "deal.amount_negative"),
            Err(code) => p.add("amount_minor", code),
        }
    }
    let in_toman = match input.amount_unit.as_deref().map(str::trim) {
        None | Some("" | "rial") => false,
        Some("toman") if currency == Currency::IRR => true,
        Some("toman") => {
            p.add("amount_unit", "deal.toman_irr_only");
            false
        }
        Some(_) => {
            p.add("amount_unit", "deal.bad_amount_unit");
            false
        }
    };
    if let Some(raw) = &input.amount {
        if raw.trim().is_empty() {
            d.amount_minor = 0;
        } else {
            let parsed = if in_toman {
                money::parse_toman(raw)
            } else {
                money::parse_amount(raw, &currency)
            };
            match parsed {
                Ok(a) if a >= 0 => d.amount_minor = a,
                Ok(_) => p.add("amount", "deal.amount_negative"),
                Err(e) => p.add("amount", e.code()),
            }
        }
    }
    if let Some(raw) = &input.expected_close_date {
        if raw.trim().is_empty() {
            d.expected_close_date = None;
        } else {
            match sales::parse_user_date(raw, cal) {
                Ok(date) => d.expected_close_date = Some(date),
                Err(e) => p.add("expected_close_date", e.code()),
            }
        }
    }
    if let Some(contact) = input.contact_id {
        d.contact_id = contact;
        if let Some(id) = contact
            && store
                .contact(id)
                .await?
                .filter(|c| c.deleted_at.is_none())
                .is_none()
        {
            p.add("contact_id", "contact.not_found");
        }
    }
    if let Some(company) = input.company_id {
        d.company_id = company;
        if let Some(id) = company
            && store
                .company(id)
                .await?
                .filter(|c| c.deleted_at.is_none())
                .is_none()
        {
            p.add("company_id", "company.not_found");
        }
    }
    if let Some(owner) = input.owner_id
        && owner != d.owner_id
    {
        check_owner(store, actor, RecordType::Deal, Action::Create, owner, p).await?;
        d.owner_id = owner;
    }
    if let Some(r) = &input.lost_reason {
        d.lost_reason = text::tidy(r);
        if d.lost_reason.chars().count() > 500 {
            p.add("lost_reason", "field.too_long");
        }
    }

    // Pipeline and stage.
    let mut pipeline_ok = true;
    if let Some(pid) = input.pipeline_id
        && (is_new || pid != d.pipeline_id)
    {
        match pipelines::live_pipeline(store, pid).await? {
            Some(pl) => d.pipeline_id = pl.id,
            None => {
                p.add("pipeline_id", "pipeline.not_found");
                pipeline_ok = false;
            }
        }
    }
    let mut target = None;
    if pipeline_ok {
        match input.stage_id {
            Some(sid) => match store.stage(sid).await?.filter(|s| s.deleted_at.is_none()) {
                Some(s) if s.pipeline_id == d.pipeline_id => target = Some(s),
                Some(_) => p.add("stage_id", "deal.stage_not_in_pipeline"),
                None => p.add("stage_id", "stage.not_found"),
            },
            None if is_new || input.pipeline_id.is_some() => {
                let current_fits = !is_new
                    && store
                        .stage(d.stage_id)
                        .await?
                        .is_some_and(|s| s.pipeline_id == d.pipeline_id);
                if !current_fits {
                    // The first open stage of the pipeline.
                    let stages = store.stages(d.pipeline_id).await?;
                    match stages
                        .into_iter()
                        .find(|s| stage_kind(s) == StageKind::Open)
                    {
                        Some(s) => target = Some(s),
                        None => p.add("stage_id", "stage.not_found"),
                    }
                }
            }
            None => {}
        }
    }

    let defs = common::field_defs(store, RecordType::Deal).await?;
    if let Some(custom) = &input.custom {
        let mut merged = d.custom.0.clone();
        for (k, v) in custom {
            merged.insert(k.clone(), v.clone());
        }
        merged.retain(|k, _| defs.iter().any(|x| &x.key == k) || custom.contains_key(k));
        match sales::validate_custom(&defs, &merged, cal) {
            Ok(v) => d.custom = Json(v),
            Err(problems) => add_problems(p, problems),
        }
    } else if is_new && let Err(problems) = sales::validate_custom(&defs, &d.custom.0, cal) {
        add_problems(p, problems);
    }
    Ok(target)
}

async fn write_change(
    store: &Store,
    tx: &mut peyvand_store::Tx,
    ctx: &Ctx,
    deal_id: Uuid,
    from: Option<Uuid>,
    to: Uuid,
    at: DateTime<Utc>,
) -> ServiceResult<()> {
    store
        .insert_stage_change(
            tx,
            &StageChangeRecord {
                id: Uuid::now_v7(),
                deal_id,
                from_stage_id: from,
                to_stage_id: to,
                changed_at: at,
                changed_by: ctx.who.user_id,
            },
        )
        .await?;
    Ok(())
}

/// Validates a new deal without saving it; returns it with its search text.
pub async fn prepare_new(
    store: &Store,
    actor: &Actor,
    input: &DealInput,
    cal: CalendarKind,
) -> ServiceResult<(DealRecord, String)> {
    actor.require(RecordType::Deal, Action::Create)?;
    let pipeline = pipelines::default_pipeline(store).await?;
    let now = Utc::now();
    let mut d = DealRecord {
        id: Uuid::now_v7(),
        title: String::new(),
        pipeline_id: pipeline.id,
        stage_id: Uuid::nil(),
        amount_minor: 0,
        currency: Currency::IRR.as_str().to_owned(),
        expected_close_date: None,
        contact_id: None,
        company_id: None,
        lead_id: None,
        lost_reason: String::new(),
        closed_at: None,
        stage_changed_at: now,
        owner_id: actor.user_id,
        custom: Json(Map::new()),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let mut p = Problems::default();
    let target = apply(store, actor, cal, &mut d, input, true, &mut p).await?;
    if let Some(stage) = &target {
        place(&mut d, stage, now, &mut p);
    }
    p.finish()?;
    let search = names_for_search(store, &d).await?;
    Ok((d, search))
}

/// Saves a prepared deal inside the caller's transaction: the deal, its first stage in the
/// history, and the audit entry.
pub async fn insert_new(
    store: &Store,
    tx: &mut peyvand_store::Tx,
    ctx: &Ctx,
    d: &DealRecord,
    search: &str,
) -> ServiceResult<()> {
    store.insert_deal(tx, d, search).await?;
    write_change(store, tx, ctx, d.id, None, d.stage_id, d.created_at).await?;
    audit::record(
        store,
        tx,
        ctx,
        "create",
        "deal",
        Some(d.id.to_string()),
        audit::diff(&json!({}), &snapshot(d)),
    )
    .await?;
    Ok(())
}

pub async fn create(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    input: &DealInput,
    cal: CalendarKind,
) -> ServiceResult<DealRecord> {
    let (d, search) = prepare_new(store, actor, input, cal).await?;
    let mut tx = store.begin().await?;
    insert_new(store, &mut tx, ctx, &d, &search).await?;
    tx.commit().await?;
    Ok(d)
}

/// A deal the actor may read (deleted ones too, for the recycle bin).
pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<DealRecord> {
    let d = store.deal(id).await?.ok_or(ServiceError::NotFound)?;
    // Out-of-scope records are "not found", so their existence does not leak.
    actor
        .require_record(RecordType::Deal, Action::Read, Some(d.owner_id))
        .map_err(|_| ServiceError::NotFound)?;
    Ok(d)
}

async fn live_for_update(store: &Store, actor: &Actor, id: Uuid) -> ServiceResult<DealRecord> {
    let d = get(store, actor, id).await?;
    if d.deleted_at.is_some() {
        return Err(ServiceError::NotFound);
    }
    actor.require_record(RecordType::Deal, Action::Update, Some(d.owner_id))?;
    Ok(d)
}

async fn save(
    store: &Store,
    ctx: &Ctx,
    before: &DealRecord,
    after: &DealRecord,
    stage_changed: bool,
) -> ServiceResult<()> {
    let search = names_for_search(store, after).await?;
    let mut tx = store.begin().await?;
    store.update_deal(&mut tx, after, &search).await?;
    if stage_changed {
        write_change(
            store,
            &mut tx,
            ctx,
            after.id,
            Some(before.stage_id),
            after.stage_id,
            after.stage_changed_at,
        )
        .await?;
    }
    audit::record(
        store,
        &mut tx,
        ctx,
        "update",
        "deal",
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
    input: &DealInput,
    cal: CalendarKind,
) -> ServiceResult<DealRecord> {
    let before = live_for_update(store, actor, id).await?;
    let mut after = before.clone();
    let now = Utc::now();
    after.updated_at = now;
    let mut p = Problems::default();
    let target = apply(store, actor, cal, &mut after, input, false, &mut p).await?;
    let stage = match target {
        Some(s) => Some(s),
        None => store.stage(after.stage_id).await?,
    };
    let mut changed = false;
    if let Some(stage) = &stage {
        changed = place(&mut after, stage, now, &mut p);
    }
    p.finish()?;
    save(store, ctx, &before, &after, changed).await?;
    Ok(after)
}

/// Moves a deal to another stage of its pipeline: the stage history gets a row, the closing
/// time follows the stage's kind, and a lost stage needs a reason.
pub async fn move_to_stage(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    stage_id: Uuid,
    lost_reason: Option<String>,
) -> ServiceResult<DealRecord> {
    let before = live_for_update(store, actor, id).await?;
    let stage = match store
        .stage(stage_id)
        .await?
        .filter(|s| s.deleted_at.is_none())
    {
        Some(s) if s.pipeline_id == before.pipeline_id => s,
        Some(_) => {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "stage_id",
                "deal.stage_not_in_pipeline",
            )]));
        }
        None => {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "stage_id",
                "stage.not_found",
            )]));
        }
    };
    let mut after = before.clone();
    let now = Utc::now();
    after.updated_at = now;
    let mut p = Problems::default();
    if let Some(r) = &lost_reason {
        after.lost_reason = text::tidy(r);
        if after.lost_reason.chars().count() > 500 {
            p.add("lost_reason", "field.too_long");
        }
    }
    let changed = place(&mut after, &stage, now, &mut p);
    p.finish()?;
    if !changed && after.lost_reason == before.lost_reason {
        return Ok(before);
    }
    save(store, ctx, &before, &after, changed).await?;
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
    let d = get(store, actor, id).await?;
    let record = common::Bin {
        record_type: RecordType::Deal,
        table: &DEALS,
        id,
        owner_id: d.owner_id,
        deleted_at: d.deleted_at,
    };
    common::set_deleted(store, ctx, actor, record, deleted).await
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    req: &ListRequest,
) -> ServiceResult<Page<DealRecord>> {
    let grant = actor.require(RecordType::Deal, Action::Read)?;
    let defs = common::field_defs(store, RecordType::Deal).await?;
    let spec = common::list_spec(&grant, &defs, req)?;
    Ok(store.list_deals(&spec).await?)
}

/// One row of a deal's stage history, with how long the deal stayed there.
#[derive(Clone, Debug, Serialize)]
pub struct StageChangeView {
    pub id: Uuid,
    pub from_stage_id: Option<Uuid>,
    pub from_stage: Option<String>,
    /// The default stages' keys, for names in the reader's language.
    pub from_stage_key: Option<String>,
    pub to_stage_id: Uuid,
    pub to_stage: String,
    pub to_stage_key: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub changed_by: Option<Uuid>,
    /// Until the next change (or now, for the current stage).
    pub seconds_in_stage: i64,
}

pub async fn stage_history(
    store: &Store,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<Vec<StageChangeView>> {
    let d = get(store, actor, id).await?;
    let rows = store.stage_history(d.id).await?;
    let mut names: HashMap<Uuid, (String, Option<String>)> = HashMap::new();
    for r in &rows {
        for sid in [Some(r.to_stage_id), r.from_stage_id].into_iter().flatten() {
            if let std::collections::hash_map::Entry::Vacant(e) = names.entry(sid) {
                e.insert(
                    store
                        .stage(sid)
                        .await?
                        .map(|s| (s.name, s.name_key))
                        .unwrap_or_default(),
                );
            }
        }
    }
    let now = Utc::now();
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let until = rows.get(i + 1).map(|n| n.changed_at).unwrap_or(now);
            StageChangeView {
                id: r.id,
                from_stage_id: r.from_stage_id,
                from_stage: r
                    .from_stage_id
                    .and_then(|s| names.get(&s).map(|n| n.0.clone())),
                from_stage_key: r
                    .from_stage_id
                    .and_then(|s| names.get(&s).and_then(|n| n.1.clone())),
                to_stage_id: r.to_stage_id,
                to_stage: names
                    .get(&r.to_stage_id)
                    .map(|n| n.0.clone())
                    .unwrap_or_default(),
                to_stage_key: names.get(&r.to_stage_id).and_then(|n| n.1.clone()),
                changed_at: r.changed_at,
                changed_by: r.changed_by,
                seconds_in_stage: (until - r.changed_at).num_seconds().max(0),
            }
        })
        .collect())
}

/// Names of the people and organisations deals point to, for cards and tables.
#[derive(Debug, Default)]
pub struct Names {
    pub contacts: HashMap<Uuid, String>,
    pub companies: HashMap<Uuid, String>,
    pub users: HashMap<Uuid, String>,
}

impl Names {
    pub fn contact(&self, id: Option<Uuid>) -> String {
        id.and_then(|i| self.contacts.get(&i).cloned())
            .unwrap_or_default()
    }
    pub fn company(&self, id: Option<Uuid>) -> String {
        id.and_then(|i| self.companies.get(&i).cloned())
            .unwrap_or_default()
    }
    pub fn user(&self, id: Uuid) -> String {
        self.users.get(&id).cloned().unwrap_or_default()
    }
}

pub async fn names_of<'a>(
    store: &Store,
    deals: impl IntoIterator<Item = &'a DealRecord>,
) -> ServiceResult<Names> {
    let deals: Vec<&DealRecord> = deals.into_iter().collect();
    let mut owner_ids: Vec<Uuid> = deals.iter().map(|d| d.owner_id).collect();
    owner_ids.sort_unstable();
    owner_ids.dedup();
    let n = Names {
        contacts: common::contact_names(store, deals.iter().filter_map(|d| d.contact_id)).await?,
        companies: common::company_names(store, deals.iter().filter_map(|d| d.company_id)).await?,
        users: store
            .users_by_ids(&owner_ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect(),
    };
    Ok(n)
}

/// The sum of a column's deals in one currency.
#[derive(Clone, Debug, Serialize)]
pub struct Sum {
    pub currency: String,
    pub amount_minor: i64,
}

/// One kanban column: a stage and its deals (the newest moves first).
#[derive(Clone, Debug, Serialize)]
pub struct Column {
    pub stage: StageView,
    pub deals: Vec<DealView>,
    /// Deals in the stage within the caller's scope (may exceed the cards shown).
    pub count: i64,
    /// Cards shown.
    pub shown: usize,
    pub sums: Vec<Sum>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Board {
    pub pipeline_id: Uuid,
    pub pipeline_name: String,
    pub columns: Vec<Column>,
}

/// The kanban board of a pipeline (the default one when `pipeline_id` is `None`), scoped to
/// the deals the actor may read.
pub async fn board(
    store: &Store,
    actor: &Actor,
    pipeline_id: Option<Uuid>,
) -> ServiceResult<(Board, Vec<DealRecord>)> {
    let grant = actor.require(RecordType::Deal, Action::Read)?;
    let pipeline: PipelineRecord = match pipeline_id {
        Some(id) => pipelines::live_pipeline(store, id)
            .await?
            .ok_or(ServiceError::NotFound)?,
        None => pipelines::default_pipeline(store).await?,
    };
    let totals = store.stage_totals(pipeline.id, &grant.filter).await?;
    let mut columns = vec![];
    let mut all = vec![];
    for s in store.stages(pipeline.id).await? {
        let page = store
            .deals_in_stage(s.id, &grant.filter, BOARD_COLUMN_LIMIT)
            .await?;
        let mine: Vec<_> = totals.iter().filter(|t| t.stage_id == s.id).collect();
        columns.push(Column {
            stage: StageView::from(&s),
            deals: page.rows.iter().map(DealView::from).collect(),
            count: mine.iter().map(|t| t.deals).sum(),
            shown: page.rows.len(),
            sums: mine
                .iter()
                .map(|t| Sum {
                    currency: t.currency.clone(),
                    amount_minor: t.amount_minor,
                })
                .collect(),
        });
        all.extend(page.rows);
    }
    Ok((
        Board {
            pipeline_id: pipeline.id,
            pipeline_name: pipeline.name,
            columns,
        },
        all,
    ))
}

/// Contacts and companies the actor may link a deal to (the first 200 of each, by name), for
/// the form's choices.
pub async fn link_options(
    store: &Store,
    actor: &Actor,
) -> ServiceResult<(Vec<(Uuid, String)>, Vec<(Uuid, String)>)> {
    let mut contacts = vec![];
    if let Ok(grant) = actor.require(RecordType::Contact, Action::Read) {
        let mut spec = peyvand_store::query::ListSpec::new(grant.filter, 200);
        spec.sort = Some(peyvand_store::query::Sort {
            field: peyvand_store::query::Field::Column("last_name".into()),
            desc: false,
        });
        for c in store.list_contacts(&spec).await?.rows {
            contacts.push((c.id, c.full_name()));
        }
    }
    let mut companies = vec![];
    if let Ok(grant) = actor.require(RecordType::Company, Action::Read) {
        let mut spec = peyvand_store::query::ListSpec::new(grant.filter, 200);
        spec.sort = Some(peyvand_store::query::Sort {
            field: peyvand_store::query::Field::Column("name".into()),
            desc: false,
        });
        for c in store.list_companies(&spec).await?.rows {
            companies.push((c.id, c.name));
        }
    }
    Ok((contacts, companies))
}
