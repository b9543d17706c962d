//! Pipelines and their stages: administrators shape them; every deal sits on one stage.

use chrono::Utc;
use peyvand_domain::access::{Action, Actor, OwnerFilter, RecordType};
use peyvand_domain::sales::{DEFAULT_PIPELINE, DEFAULT_STAGES, StageKind, is_default_name};
use peyvand_domain::text;
use peyvand_store::{PipelineRecord, StageRecord, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Ctx, Who};
use crate::error::Problems;
use crate::{Origin, ServiceError, ServiceResult};

/// The name of the pipeline a new installation starts with.
pub const DEFAULT_PIPELINE_NAME: &str = DEFAULT_PIPELINE.1;

/// A pipeline with its live stages in order.
#[derive(Clone, Debug, Serialize)]
pub struct PipelineView {
    pub id: Uuid,
    pub name: String,
    /// The default pipeline's key (`sales`): shown translated; `None` for typed names.
    pub name_key: Option<String>,
    pub is_default: bool,
    pub position: i64,
    pub stages: Vec<StageView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StageView {
    pub id: Uuid,
    pub pipeline_id: Uuid,
    pub name: String,
    /// A default stage's key (`negotiation`, …): shown translated; `None` for typed names.
    pub name_key: Option<String>,
    pub position: i64,
    pub probability: i64,
    pub kind: String,
}

impl From<&StageRecord> for StageView {
    fn from(s: &StageRecord) -> Self {
        StageView {
            id: s.id,
            pipeline_id: s.pipeline_id,
            name: s.name.clone(),
            name_key: s.name_key.clone(),
            position: s.position,
            probability: s.probability,
            kind: s.kind.clone(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineInput {
    pub name: Option<String>,
    pub position: Option<i64>,
}

/// A stage as forms and the API send it; absent fields keep their value on update.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    pub name: Option<String>,
    pub probability: Option<i64>,
    /// `open`, `won` or `lost`.
    pub kind: Option<String>,
    pub position: Option<i64>,
}

fn require_admin(actor: &Actor) -> ServiceResult<()> {
    // Stages shape every user's board: the role editor's right, like custom fields.
    actor.require(RecordType::Role, Action::Update)?;
    Ok(())
}

fn system_ctx() -> Ctx {
    Ctx {
        who: Who::operator(),
        origin: Origin {
            via: "system",
            client_ip: None,
        },
    }
}

fn new_stage(
    pipeline_id: Uuid,
    position: i64,
    name: &str,
    probability: i64,
    kind: StageKind,
) -> StageRecord {
    StageRecord {
        id: Uuid::now_v7(),
        pipeline_id,
        name: name.to_owned(),
        name_key: None,
        position,
        probability,
        kind: kind.as_str().to_owned(),
        deleted_at: None,
    }
}

async fn insert_with_default_stages(
    store: &Store,
    ctx: &Ctx,
    name: &str,
    name_key: Option<&str>,
    is_default: bool,
    position: i64,
) -> ServiceResult<PipelineRecord> {
    let now = Utc::now();
    let pipeline = PipelineRecord {
        id: Uuid::now_v7(),
        name: name.to_owned(),
        name_key: name_key.map(str::to_owned),
        is_default,
        position,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let mut tx = store.begin().await?;
    store.insert_pipeline(&mut tx, &pipeline).await?;
    let mut names = vec![];
    for (i, (key, fa, _en, prob, kind)) in DEFAULT_STAGES.iter().enumerate() {
        let mut s = new_stage(pipeline.id, i as i64, fa, *prob, *kind);
        s.name_key = Some((*key).to_owned());
        store.insert_stage(&mut tx, &s).await?;
        names.push(s.name);
    }
    audit::record(
        store,
        &mut tx,
        ctx,
        "create",
        "pipeline",
        Some(pipeline.id.to_string()),
        json!({"name": [null, pipeline.name], "stages": [null, names]}),
    )
    .await?;
    tx.commit().await?;
    Ok(pipeline)
}

/// Creates the default pipeline ("فروش" with the default stages) when there is none. Runs at
/// every start; a no-op once any pipeline exists.
pub async fn ensure_default_pipeline(store: &Store) -> ServiceResult<()> {
    if !store.pipelines().await?.is_empty() {
        return Ok(());
    }
    insert_with_default_stages(
        store,
        &system_ctx(),
        DEFAULT_PIPELINE_NAME,
        Some(DEFAULT_PIPELINE.0),
        true,
        0,
    )
    .await?;
    Ok(())
}

/// The pipeline new deals go to: the one marked default, else the first.
pub async fn default_pipeline(store: &Store) -> ServiceResult<PipelineRecord> {
    let all = store.pipelines().await?;
    all.iter()
        .find(|p| p.is_default)
        .or(all.first())
        .cloned()
        .ok_or(ServiceError::NotFound)
}

/// A live pipeline, or a field error on `field`.
pub async fn live_pipeline(store: &Store, id: Uuid) -> ServiceResult<Option<PipelineRecord>> {
    Ok(store.pipeline(id).await?.filter(|p| p.deleted_at.is_none()))
}

/// Every pipeline with its stages; anyone who may read deals sees them.
pub async fn list(store: &Store, actor: &Actor) -> ServiceResult<Vec<PipelineView>> {
    actor.require(RecordType::Deal, Action::Read)?;
    let mut out = vec![];
    for p in store.pipelines().await? {
        out.push(view(store, &p).await?);
    }
    Ok(out)
}

pub async fn view(store: &Store, p: &PipelineRecord) -> ServiceResult<PipelineView> {
    let stages = store.stages(p.id).await?;
    Ok(PipelineView {
        id: p.id,
        name: p.name.clone(),
        name_key: p.name_key.clone(),
        is_default: p.is_default,
        position: p.position,
        stages: stages.iter().map(StageView::from).collect(),
    })
}

fn checked_name(p: &mut Problems, raw: Option<&str>) -> String {
    let name = text::tidy(raw.unwrap_or(""));
    if name.is_empty() {
        p.add("name", "field.required");
    } else if name.chars().count() > 100 {
        p.add("name", "field.too_long");
    }
    name
}

/// A new pipeline; it starts with the default stages, which the administrator then shapes.
pub async fn create(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    input: &PipelineInput,
) -> ServiceResult<PipelineView> {
    require_admin(actor)?;
    let mut p = Problems::default();
    let name = checked_name(&mut p, input.name.as_deref());
    p.finish()?;
    let position = input
        .position
        .unwrap_or(store.pipelines().await?.len() as i64);
    let rec = insert_with_default_stages(store, ctx, &name, None, false, position).await?;
    view(store, &rec).await
}

pub async fn update(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    input: &PipelineInput,
) -> ServiceResult<PipelineView> {
    require_admin(actor)?;
    let before = live_pipeline(store, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut after = before.clone();
    let mut p = Problems::default();
    if input.name.is_some() {
        rename(
            &mut after.name,
            &mut after.name_key,
            checked_name(&mut p, input.name.as_deref()),
        );
    }
    p.finish()?;
    if let Some(pos) = input.position {
        after.position = pos;
    }
    after.updated_at = Utc::now();
    let mut tx = store.begin().await?;
    store.update_pipeline(&mut tx, &after).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "update",
        "pipeline",
        Some(id.to_string()),
        audit::diff(
            &json!({"name": before.name, "position": before.position}),
            &json!({"name": after.name, "position": after.position}),
        ),
    )
    .await?;
    tx.commit().await?;
    view(store, &after).await
}

fn stage_snapshot(s: &StageRecord) -> serde_json::Value {
    json!({"name": s.name, "probability": s.probability, "kind": s.kind, "position": s.position, "deleted_at": s.deleted_at})
}

/// A new name for a default pipeline or stage: one of its default names (the translation the
/// user saw in the form) keeps it a default, shown in each user's language; any other name is
/// the administrator's own and is shown as typed.
fn rename(name: &mut String, key: &mut Option<String>, new: String) {
    if let Some(k) = key.as_deref()
        && is_default_name(k, &new)
    {
        return;
    }
    if *name != new {
        *key = None;
        *name = new;
    }
}

fn apply_stage(s: &mut StageRecord, input: &StageInput, p: &mut Problems) {
    if input.name.is_some() {
        let new = checked_name(p, input.name.as_deref());
        rename(&mut s.name, &mut s.name_key, new);
    }
    if let Some(prob) = input.probability {
        if (0..=100).contains(&prob) {
            s.probability = prob;
        } else {
            p.add("probability", "stage.bad_probability");
        }
    }
    if let Some(kind) = &input.kind {
        match StageKind::parse(kind.trim()) {
            Some(k) => s.kind = k.as_str().to_owned(),
            None => p.add("kind", "stage.bad_kind"),
        }
    }
    if let Some(pos) = input.position {
        s.position = pos;
    }
}

pub async fn add_stage(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    pipeline_id: Uuid,
    input: &StageInput,
) -> ServiceResult<StageView> {
    require_admin(actor)?;
    live_pipeline(store, pipeline_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let existing = store.stages(pipeline_id).await?;
    let next = existing.iter().map(|s| s.position + 1).max().unwrap_or(0);
    let mut s = new_stage(pipeline_id, next, "", 0, StageKind::Open);
    let mut p = Problems::default();
    if input.name.is_none() {
        p.add("name", "field.required");
    }
    apply_stage(&mut s, input, &mut p);
    p.finish()?;
    let mut tx = store.begin().await?;
    store.insert_stage(&mut tx, &s).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "create",
        "stage",
        Some(s.id.to_string()),
        audit::diff(&json!({}), &stage_snapshot(&s)),
    )
    .await?;
    tx.commit().await?;
    Ok(StageView::from(&s))
}

async fn live_stage(store: &Store, id: Uuid) -> ServiceResult<StageRecord> {
    store
        .stage(id)
        .await?
        .filter(|s| s.deleted_at.is_none())
        .ok_or(ServiceError::NotFound)
}

pub async fn update_stage(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    input: &StageInput,
) -> ServiceResult<StageView> {
    require_admin(actor)?;
    let before = live_stage(store, id).await?;
    let mut after = before.clone();
    let mut p = Problems::default();
    apply_stage(&mut after, input, &mut p);
    p.finish()?;
    let mut tx = store.begin().await?;
    store.update_stage(&mut tx, &after).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "update",
        "stage",
        Some(id.to_string()),
        audit::diff(&stage_snapshot(&before), &stage_snapshot(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(StageView::from(&after))
}

/// Moves a stage one place earlier (`up`) or later in its pipeline, renumbering the stages.
pub async fn shift_stage(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    up: bool,
) -> ServiceResult<()> {
    require_admin(actor)?;
    let stage = live_stage(store, id).await?;
    let mut stages = store.stages(stage.pipeline_id).await?;
    let Some(i) = stages.iter().position(|s| s.id == id) else {
        return Err(ServiceError::NotFound);
    };
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    let Some(j) = j.filter(|j| *j < stages.len()) else {
        return Ok(());
    };
    stages.swap(i, j);
    let mut tx = store.begin().await?;
    let mut order = vec![];
    for (pos, s) in stages.iter_mut().enumerate() {
        if s.position != pos as i64 {
            s.position = pos as i64;
            store.update_stage(&mut tx, s).await?;
        }
        order.push(s.name.clone());
    }
    audit::record(
        store,
        &mut tx,
        ctx,
        "update",
        "pipeline",
        Some(stage.pipeline_id.to_string()),
        json!({"stage_order": [null, order]}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Retires a stage; refused while deals are in it.
pub async fn delete_stage(store: &Store, ctx: &Ctx, actor: &Actor, id: Uuid) -> ServiceResult<()> {
    require_admin(actor)?;
    let mut s = live_stage(store, id).await?;
    if !store
        .deals_in_stage(id, &OwnerFilter::Any, 1)
        .await?
        .rows
        .is_empty()
    {
        return Err(ServiceError::Validation(vec![crate::FieldError::new(
            "stage_id",
            "stage.not_empty",
        )]));
    }
    let before = stage_snapshot(&s);
    s.deleted_at = Some(Utc::now());
    let mut tx = store.begin().await?;
    store.update_stage(&mut tx, &s).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "delete",
        "stage",
        Some(id.to_string()),
        audit::diff(&before, &stage_snapshot(&s)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
