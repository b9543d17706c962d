//! «امروز من» — the page a salesperson opens in the morning: what is overdue, what is due
//! today, the meetings of the coming week and their open deals by stage.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use peyvand_domain::access::{Action, Actor, OwnerFilter, RecordType};
use peyvand_domain::schedule;
use peyvand_store::query::{Field, Filter, ListSpec, Op, Sort};
use peyvand_store::{ActivityRecord, DealRecord, Store};
use serde_json::Value;
use uuid::Uuid;

use crate::{ServiceError, ServiceResult};

/// How many items each bucket shows at most.
const BUCKET: i64 = 200;

#[derive(Clone, Debug)]
pub struct StageGroup {
    pub stage_id: Uuid,
    pub stage_name: String,
    /// A default stage's key, for its name in the reader's language.
    pub stage_key: Option<String>,
    pub position: i64,
    pub deals: Vec<DealRecord>,
    /// Sum of the amounts per currency (minor units).
    pub totals: Vec<(String, i64)>,
}

#[derive(Clone, Debug)]
pub struct MyDay {
    pub user_id: Uuid,
    /// Open, due before the start of today in the user's time zone.
    pub overdue: Vec<ActivityRecord>,
    /// Open, due today.
    pub today: Vec<ActivityRecord>,
    /// Open meetings from tomorrow through the next seven days.
    pub upcoming_meetings: Vec<ActivityRecord>,
    pub deals_by_stage: Vec<StageGroup>,
    pub day_start: DateTime<Utc>,
}

/// Whether the actor may open another user's day: they must be able to manage (update) that
/// user's activities — a manager for their team or everyone; a salesperson only themselves.
pub fn may_view(actor: &Actor, user_id: Uuid) -> bool {
    user_id == actor.user_id
        || actor
            .require_record(RecordType::Activity, Action::Update, Some(user_id))
            .is_ok()
            && actor
                .require_record(RecordType::Activity, Action::Read, Some(user_id))
                .is_ok()
}

pub async fn my_day(
    store: &Store,
    actor: &Actor,
    user_id: Uuid,
    now: DateTime<Utc>,
    tz: Tz,
) -> ServiceResult<MyDay> {
    actor.require(RecordType::Activity, Action::Read)?;
    if !may_view(actor, user_id) {
        return Err(ServiceError::Forbidden);
    }
    store
        .user_by_id(user_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let today = schedule::today_in(now, tz);
    let (day_start, day_end) = schedule::day_bounds(today, tz);
    let week_end = schedule::date_time_in(today + Duration::days(8), None, tz);
    let owners = [user_id];
    let overdue = store
        .open_activities_due(&owners, day_start, BUCKET)
        .await?;
    let due_today = store
        .open_activities_between(&owners, day_start, day_end, BUCKET)
        .await?;
    let upcoming_meetings = store
        .open_activities_between(&owners, day_end, week_end, BUCKET)
        .await?
        .into_iter()
        .filter(|a| a.kind == "meeting")
        .collect();

    let mut deals_by_stage: Vec<StageGroup> = vec![];
    if actor.can(RecordType::Deal, Action::Read) {
        let mut spec = ListSpec::new(OwnerFilter::OwnedBy(vec![user_id]), BUCKET);
        spec.filters.push(Filter {
            field: Field::Column("closed_at".into()),
            op: Op::IsEmpty,
            value: Value::Null,
        });
        spec.sort = Some(Sort {
            field: Field::Column("stage_changed_at".into()),
            desc: true,
        });
        let deals = store.list_deals(&spec).await?.rows;
        for d in deals {
            if let Some(g) = deals_by_stage.iter_mut().find(|g| g.stage_id == d.stage_id) {
                g.deals.push(d);
                continue;
            }
            let stage = store.stage(d.stage_id).await?;
            deals_by_stage.push(StageGroup {
                stage_id: d.stage_id,
                stage_name: stage.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
                stage_key: stage.as_ref().and_then(|s| s.name_key.clone()),
                position: stage.as_ref().map(|s| s.position).unwrap_or(i64::MAX),
                deals: vec![d],
                totals: vec![],
            });
        }
        for g in &mut deals_by_stage {
            for d in &g.deals {
                match g.totals.iter_mut().find(|(c, _)| *c == d.currency) {
                    Some((_, sum)) => *sum = sum.saturating_add(d.amount_minor),
                    None => g.totals.push((d.currency.clone(), d.amount_minor)),
                }
            }
        }
        deals_by_stage.sort_by_key(|g| (g.position, g.stage_id));
    }
    Ok(MyDay {
        user_id,
        overdue,
        today: due_today,
        upcoming_meetings,
        deals_by_stage,
        day_start,
    })
}
