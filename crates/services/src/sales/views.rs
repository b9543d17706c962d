//! Saved views and bulk actions on list selections.

use chrono::Utc;
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::calendar::CalendarKind;
use peyvand_store::{SavedViewRecord, Store};
use serde_json::json;
use uuid::Uuid;

use super::cells::{self, JsonEdit};
use super::{companies, contacts, deals, leads};
use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{FieldError, ServiceError, ServiceResult};

/// Record types whose lists can be saved and acted on in bulk.
pub const LISTS: [RecordType; 4] = [
    RecordType::Contact,
    RecordType::Company,
    RecordType::Lead,
    RecordType::Deal,
];

fn list_type(record_type: &str) -> ServiceResult<RecordType> {
    RecordType::parse(record_type)
        .filter(|r| LISTS.contains(r))
        .ok_or_else(|| {
            ServiceError::Validation(vec![FieldError::new("record_type", "view.bad_record_type")])
        })
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    record_type: &str,
) -> ServiceResult<Vec<SavedViewRecord>> {
    let rt = list_type(record_type)?;
    actor.require(rt, Action::Read)?;
    Ok(store.saved_views(rt.as_str(), actor.user_id).await?)
}

/// Saves the current list query under a name; `shared` makes it visible to everyone (who still
/// sees only the records their role allows).
pub async fn save(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    record_type: &str,
    name: &str,
    query: &str,
    shared: bool,
) -> ServiceResult<SavedViewRecord> {
    let rt = list_type(record_type)?;
    actor.require(rt, Action::Read)?;
    let mut p = Problems::default();
    let name = peyvand_domain::text::tidy(name);
    if name.is_empty() {
        p.add("name", "field.required");
    } else if name.chars().count() > 100 {
        p.add("name", "field.too_long");
    }
    // Only the list parameters are kept: never a cursor.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let kept: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "cursor").collect();
    let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
    if query.len() > 4000 {
        p.add("query", "field.too_long");
    }
    p.finish()?;
    let v = SavedViewRecord {
        id: Uuid::now_v7(),
        record_type: rt.as_str().to_owned(),
        name,
        query,
        owner_id: actor.user_id,
        shared,
        created_at: Utc::now(),
    };
    let mut tx = store.begin().await?;
    store.insert_saved_view(&mut tx, &v).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "create",
        "saved_view",
        Some(v.id.to_string()),
        json!({"name": [null, v.name], "query": [null, v.query], "shared": [null, v.shared]}),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// Removes a view: its owner may, and an administrator may remove shared ones.
pub async fn delete(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<SavedViewRecord> {
    let v = store.saved_view(id).await?.ok_or(ServiceError::NotFound)?;
    if v.owner_id != actor.user_id && !(v.shared && actor.is_admin()) {
        return Err(ServiceError::NotFound);
    }
    let mut tx = store.begin().await?;
    store.delete_saved_view(&mut tx, id).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "delete",
        "saved_view",
        Some(id.to_string()),
        json!({"name": [v.name, null]}),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// What to do with a selection of records.
#[derive(Clone, Debug)]
pub enum Bulk {
    Assign(Uuid),
    AddTag(String),
    Delete,
}

/// Outcome of a bulk action: records changed, and those refused (no right, not found).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct BulkResult {
    pub changed: usize,
    pub refused: usize,
}

/// Applies an action to each selected record through the record's own service, so every
/// check and audit entry is the same as when done one by one.
pub async fn bulk(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    record_type: &str,
    ids: &[Uuid],
    action: &Bulk,
) -> ServiceResult<BulkResult> {
    let rt = list_type(record_type)?;
    if ids.len() > 500 {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "ids",
            "bulk.too_many",
        )]));
    }
    let mut out = BulkResult::default();
    for id in ids {
        let bad_action =
            || ServiceError::Validation(vec![FieldError::new("action", "bulk.bad_action")]);
        let edit = |input| JsonEdit {
            record_type: rt,
            id: *id,
            field: "action",
            input,
            calendar: CalendarKind::Gregorian,
        };
        let r = match action {
            Bulk::Assign(owner) => {
                cells::update_with(store, ctx, actor, edit(json!({ "owner_id": owner })))
                    .await
                    .map(|_| ())
            }
            Bulk::AddTag(tag) => {
                let tags = match rt {
                    RecordType::Contact => contacts::get(store, actor, *id).await.map(|c| c.tags.0),
                    RecordType::Company => {
                        companies::get(store, actor, *id).await.map(|c| c.tags.0)
                    }
                    _ => Err(bad_action()),
                };
                match tags {
                    Ok(mut tags) => {
                        tags.push(tag.clone());
                        cells::update_with(store, ctx, actor, edit(json!({ "tags": tags })))
                            .await
                            .map(|_| ())
                    }
                    Err(e) => Err(e),
                }
            }
            Bulk::Delete => match rt {
                RecordType::Contact => contacts::set_deleted(store, ctx, actor, *id, true).await,
                RecordType::Company => companies::set_deleted(store, ctx, actor, *id, true).await,
                RecordType::Lead => leads::set_deleted(store, ctx, actor, *id, true).await,
                RecordType::Deal => deals::set_deleted(store, ctx, actor, *id, true).await,
                _ => Err(bad_action()),
            },
        };
        match r {
            Ok(()) => out.changed += 1,
            // A bad owner or action is the request's fault: stop and say so.
            Err(ServiceError::Validation(f)) => return Err(ServiceError::Validation(f)),
            Err(ServiceError::NotFound | ServiceError::Forbidden) => out.refused += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
