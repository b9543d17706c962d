//! What every sales record shares: owner rules, custom field definitions, list requests.

use std::collections::HashMap;

use peyvand_domain::access::{Action, Actor, Grant, OwnerFilter, RecordType, Scope};
use peyvand_domain::sales::{FieldDef, FieldType, Problem};
use peyvand_store::query::{Field, Filter, ListSpec, Op, Sort};
use peyvand_store::{ListFailure, Store};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::error::Problems;
use crate::{FieldError, ServiceError, ServiceResult};

impl From<ListFailure> for ServiceError {
    fn from(e: ListFailure) -> Self {
        match e {
            ListFailure::Store(s) => s.into(),
            ListFailure::Input(peyvand_store::query::ListError::UnknownField(f)) => {
                ServiceError::Validation(vec![FieldError::new(&f, "filter.unknown_field")])
            }
            ListFailure::Input(peyvand_store::query::ListError::BadValue(f)) => {
                ServiceError::Validation(vec![FieldError::new(&f, "filter.bad_value")])
            }
            ListFailure::Input(peyvand_store::query::ListError::BadCursor) => {
                ServiceError::Validation(vec![FieldError::new("cursor", "cursor.invalid")])
            }
        }
    }
}

/// Adds domain problems to a form's problems.
pub fn add_problems(p: &mut Problems, problems: Vec<Problem>) {
    for pr in problems {
        p.add(&pr.field, pr.code);
    }
}

/// Checks who may own a record the actor creates or edits: themselves always (when they may
/// create/update at all), a teammate with team scope, anyone active with all scope.
pub async fn check_owner(
    store: &Store,
    actor: &Actor,
    rt: RecordType,
    action: Action,
    owner: Uuid,
    p: &mut Problems,
) -> ServiceResult<()> {
    let scope = actor.scope(rt, action);
    let allowed = match scope {
        Scope::None => false,
        Scope::Own => owner == actor.user_id,
        Scope::Team => actor.teammates.contains(&owner) || owner == actor.user_id,
        Scope::All => true,
    };
    if !allowed {
        p.add("owner_id", "owner.not_allowed");
        return Ok(());
    }
    match store.user_by_id(owner).await? {
        Some(u) if u.active => {}
        _ => p.add("owner_id", "owner.not_found"),
    }
    Ok(())
}

/// The custom field definitions of a record type.
pub async fn field_defs(store: &Store, rt: RecordType) -> ServiceResult<Vec<FieldDef>> {
    Ok(store
        .custom_fields(rt.as_str())
        .await?
        .into_iter()
        .filter_map(|f| {
            Some(FieldDef {
                field_type: FieldType::parse(&f.field_type)?,
                key: f.key,
                options: f.options.0,
                required: f.required,
            })
        })
        .collect())
}

/// A list request as the API and the UI send it: `filter[field][op]=value`-style pairs are
/// parsed by the web layer into these.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListRequest {
    pub q: Option<String>,
    pub filters: Vec<(String, String, Value)>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
    /// Show the recycle bin (deleted records) instead of live ones.
    pub deleted: bool,
}

pub const MAX_PAGE: i64 = 200;

/// Turns a request into a store query inside the actor's grant. Field names are checked
/// against custom definitions here and against the table's columns in the store.
pub fn list_spec(grant: &Grant, defs: &[FieldDef], req: &ListRequest) -> ServiceResult<ListSpec> {
    let limit = req.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "limit",
            "limit.invalid",
        )]));
    }
    let mut spec = ListSpec::new(grant.filter.clone(), limit);
    spec.cursor = req.cursor.clone().filter(|c| !c.is_empty());
    spec.search = req
        .q
        .as_deref()
        .map(peyvand_domain::text::search_terms)
        .filter(|s| !s.is_empty());
    spec.only_deleted = req.deleted;
    let field = |name: &str| -> ServiceResult<Field> {
        match name.strip_prefix("custom.") {
            Some(key) => {
                let def = defs.iter().find(|d| d.key == key).ok_or_else(|| {
                    ServiceError::Validation(vec![FieldError::new(name, "filter.unknown_field")])
                })?;
                Ok(Field::Custom {
                    key: key.to_owned(),
                    numeric: def.field_type.is_numeric(),
                })
            }
            None => Ok(Field::Column(name.to_owned())),
        }
    };
    for (name, op, value) in &req.filters {
        let mut op = Op::parse(op).ok_or_else(|| {
            ServiceError::Validation(vec![FieldError::new(name, "filter.bad_operator")])
        })?;
        // A list of values (tags, a multi-select) "equals" a value when it holds it: nobody
        // means the whole list.
        let is_list = name == "tags"
            || name.strip_prefix("custom.").is_some_and(|k| {
                defs.iter()
                    .any(|d| d.key == k && d.field_type == FieldType::MultiSelect)
            });
        if is_list && op == Op::Eq {
            op = Op::Has;
        }
        spec.filters.push(Filter {
            field: field(name)?,
            op,
            value: option_key(defs, name, value),
        });
    }
    if let Some(sort) = req.sort.as_deref().filter(|s| !s.is_empty()) {
        let (name, desc) = match sort.strip_prefix('-') {
            Some(n) => (n, true),
            None => (sort, false),
        };
        spec.sort = Some(Sort {
            field: field(name)?,
            desc,
        });
    }
    Ok(spec)
}

/// People filter a choice field by the label they see («طلایی», "Gold"); stored values are the
/// option keys, so a label is turned into its key.
fn option_key(defs: &[FieldDef], name: &str, value: &Value) -> Value {
    let (Some(key), Value::String(text)) = (name.strip_prefix("custom."), value) else {
        return value.clone();
    };
    let Some(def) = defs.iter().find(|d| d.key == key) else {
        return value.clone();
    };
    let wanted = peyvand_domain::text::normalize_for_search(text);
    def.options
        .iter()
        .find(|o| {
            o.key == *text
                || peyvand_domain::text::normalize_for_search(&o.label_fa) == wanted
                || peyvand_domain::text::normalize_for_search(&o.label_en) == wanted
        })
        .map(|o| Value::String(o.key.clone()))
        .unwrap_or_else(|| value.clone())
}

/// Whether a grant lets the actor see records of every owner.
pub fn sees_all(grant: &Grant) -> bool {
    matches!(grant.filter, OwnerFilter::Any)
}

fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Company names by id (deleted companies included), read in one query.
pub async fn company_names(
    store: &Store,
    ids: impl Iterator<Item = Uuid>,
) -> ServiceResult<HashMap<Uuid, String>> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(store
        .companies_by_ids(&ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// Contacts' full names by id (deleted contacts included), read in one query.
pub async fn contact_names(
    store: &Store,
    ids: impl Iterator<Item = Uuid>,
) -> ServiceResult<HashMap<Uuid, String>> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(store
        .contacts_by_ids(&ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.full_name()))
        .collect())
}

/// The record a soft delete or restore is about, as its service read it (after checking the
/// actor may see it).
pub struct Bin<'a> {
    pub record_type: RecordType,
    pub table: &'a peyvand_store::query::Table,
    pub id: Uuid,
    pub owner_id: Uuid,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Soft delete (to the recycle bin) or restore, with the delete permission checked on the
/// record's owner and the change audited; doing what is already done changes nothing.
pub async fn set_deleted(
    store: &Store,
    ctx: &crate::audit::Ctx,
    actor: &Actor,
    record: Bin<'_>,
    deleted: bool,
) -> ServiceResult<()> {
    actor.require_record(record.record_type, Action::Delete, Some(record.owner_id))?;
    if record.deleted_at.is_some() == deleted {
        return Ok(());
    }
    let at = deleted.then(chrono::Utc::now);
    let mut tx = store.begin().await?;
    store
        .set_deleted(&mut tx, record.table, record.id, at)
        .await?;
    crate::audit::record(
        store,
        &mut tx,
        ctx,
        if deleted { "delete" } else { "restore" },
        record.record_type.as_str(),
        Some(record.id.to_string()),
        serde_json::json!({"deleted_at": [record.deleted_at, at]}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
