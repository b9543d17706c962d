//! Hand-offs (ارجاع): giving a record to a colleague or a team with a comment, keeping the
//! trail; and moving all open work of a leaving user to someone else.

use chrono::Utc;
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_store::{ReferralRecord, Store};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{FieldError, ServiceError, ServiceResult};

/// Record types that can be handed to someone else.
pub const REFERABLE: [RecordType; 5] = [
    RecordType::Activity,
    RecordType::Lead,
    RecordType::Deal,
    RecordType::Contact,
    RecordType::Company,
];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    pub record_type: String,
    pub record_id: Uuid,
    /// The colleague; may be left out when a team is given (then the team member with the
    /// fewest open activities gets it).
    pub to_user_id: Option<Uuid>,
    pub to_team_id: Option<Uuid>,
    #[serde(default)]
    pub comment: String,
}

/// The owner of a live record, if it exists.
pub async fn owner_of(store: &Store, rt: RecordType, id: Uuid) -> ServiceResult<Option<Uuid>> {
    Ok(match rt {
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
        RecordType::Activity => store
            .activity(id)
            .await?
            .filter(|r| r.deleted_at.is_none())
            .map(|r| r.owner_id),
        _ => None,
    })
}

fn referable(record_type: &str) -> ServiceResult<RecordType> {
    RecordType::parse(record_type)
        .filter(|r| REFERABLE.contains(r))
        .ok_or_else(|| {
            ServiceError::Validation(vec![FieldError::new(
                "record_type",
                "referral.bad_record_type",
            )])
        })
}

/// Of a team's active members, the one with the fewest open activities (ties: the earliest
/// account), leaving out the current owner when someone else is there.
async fn pick_member(
    store: &Store,
    team_id: Uuid,
    current: Uuid,
    p: &mut Problems,
) -> ServiceResult<Option<Uuid>> {
    if store.team_by_id(team_id).await?.is_none() {
        p.add("to_team_id", "team.not_found");
        return Ok(None);
    }
    let mut members = vec![];
    for id in store.team_member_ids(team_id).await? {
        if store.user_by_id(id).await?.is_some_and(|u| u.active) {
            members.push(id);
        }
    }
    if members.len() > 1 {
        members.retain(|m| *m != current);
    }
    let counts = store.open_activity_counts(&members).await?;
    let load = |u: &Uuid| {
        counts
            .iter()
            .find(|(id, _)| id == u)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    members.sort_by_key(|u| (load(u), *u));
    let pick = members.first().copied();
    if pick.is_none() {
        p.add("to_team_id", "referral.team_empty");
    }
    Ok(pick)
}

/// Hands a record to a colleague (or a team), writing the trail and the audit entry together.
pub async fn refer(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    input: &ReferralInput,
) -> ServiceResult<ReferralRecord> {
    let rt = referable(&input.record_type)?;
    let id = input.record_id;
    let owner = owner_of(store, rt, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    actor
        .require_record(rt, Action::Read, Some(owner))
        .map_err(|_| ServiceError::NotFound)?;
    actor.require_record(rt, Action::Update, Some(owner))?;
    let mut p = Problems::default();
    let comment = peyvand_domain::text::tidy(&input.comment);
    if comment.chars().count() > 2000 {
        p.add("comment", "field.too_long");
    }
    let to = match (input.to_user_id, input.to_team_id) {
        (Some(u), team) => {
            match store.user_by_id(u).await? {
                Some(user) if user.active => {}
                _ => p.add("to_user_id", "owner.not_found"),
            }
            if let Some(t) = team
                && !store.team_member_ids(t).await?.contains(&u)
            {
                p.add("to_team_id", "referral.not_in_team");
            }
            Some(u)
        }
        (None, Some(team)) => pick_member(store, team, owner, &mut p).await?,
        (None, None) => {
            p.add("to_user_id", "field.required");
            None
        }
    };
    if to == Some(owner) && input.to_user_id.is_some() {
        p.add("to_user_id", "referral.same_owner");
    }
    p.finish()?;
    let to = to.expect("checked above");
    let now = Utc::now();
    let r = ReferralRecord {
        id: Uuid::now_v7(),
        record_type: rt.as_str().to_owned(),
        record_id: id,
        from_user_id: Some(owner),
        to_user_id: to,
        to_team_id: input.to_team_id,
        comment,
        created_at: now,
    };
    let mut tx = store.begin().await?;
    store.set_owner(&mut tx, rt.as_str(), id, to, now).await?;
    store.insert_referral(&mut tx, &r).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "refer",
        rt.as_str(),
        Some(id.to_string()),
        json!({
            "owner_id": [owner, to],
            "to_team_id": [null, r.to_team_id],
            "comment": [null, r.comment],
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// The hand-offs of a record, oldest first, for anyone who may read it.
pub async fn trail(
    store: &Store,
    actor: &Actor,
    record_type: &str,
    id: Uuid,
) -> ServiceResult<Vec<ReferralRecord>> {
    let rt = referable(record_type)?;
    let owner = owner_of(store, rt, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    actor
        .require_record(rt, Action::Read, Some(owner))
        .map_err(|_| ServiceError::NotFound)?;
    Ok(store.referrals_of(rt.as_str(), id).await?)
}

/// Moves every open record and task of a leaving user to another, in one transaction,
/// audited with the counts. Nothing is deleted; closed deals and done tasks stay with their
/// owner of record. Administrators only.
pub async fn reassign_all(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    from: Uuid,
    to: Uuid,
) -> ServiceResult<Vec<(&'static str, u64)>> {
    actor.require(RecordType::User, Action::Update)?;
    store
        .user_by_id(from)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut p = Problems::default();
    match store.user_by_id(to).await? {
        Some(u) if u.active => {}
        _ => p.add("to_user_id", "owner.not_found"),
    }
    if from == to {
        p.add("to_user_id", "reassign.same_user");
    }
    p.finish()?;
    let mut tx = store.begin().await?;
    let moved = store.reassign_open(&mut tx, from, to, Utc::now()).await?;
    let counts: serde_json::Map<String, serde_json::Value> = moved
        .iter()
        .map(|(t, n)| ((*t).to_owned(), json!(n)))
        .collect();
    audit::record(
        store,
        &mut tx,
        ctx,
        "reassign",
        "user",
        Some(from.to_string()),
        json!({"to_user_id": [null, to], "moved": [null, counts]}),
    )
    .await?;
    tx.commit().await?;
    Ok(moved)
}
