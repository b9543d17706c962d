//! Writing and reading the audit log.

use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_store::{AuditQuery, AuditRecord, NewAudit, Store, Tx};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{Origin, ServiceResult};

/// Who acts and how the request came in: everything the audit log needs about a change.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub who: Who,
    pub origin: Origin,
}

/// Who did something: a signed-in user, or the system/operator.
#[derive(Clone, Debug)]
pub struct Who {
    pub user_id: Option<Uuid>,
    pub label: String,
}

impl Who {
    pub fn user(id: Uuid, email: &str) -> Who {
        Who {
            user_id: Some(id),
            label: email.to_owned(),
        }
    }

    pub fn operator() -> Who {
        Who {
            user_id: None,
            label: "operator".into(),
        }
    }
}

/// The difference between two JSON objects as `{field: [old, new]}`, for the audit log.
pub fn diff(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    for (k, new) in a {
        let old = b.get(k).unwrap_or(&Value::Null);
        if old != new {
            out.insert(k.clone(), json!([old, new]));
        }
    }
    for (k, old) in b {
        if !a.contains_key(k) {
            out.insert(k.clone(), json!([old, Value::Null]));
        }
    }
    Value::Object(out)
}

/// Appends an entry inside the caller's transaction.
pub async fn record(
    store: &Store,
    tx: &mut Tx,
    ctx: &Ctx,
    action: &str,
    record_type: &str,
    record_id: Option<String>,
    changes: Value,
) -> ServiceResult<()> {
    // Saving a form without changing anything is not a change.
    if action == "update" && changes.as_object().is_some_and(|o| o.is_empty()) {
        return Ok(());
    }
    store
        .insert_audit(
            tx,
            &NewAudit {
                actor_user_id: ctx.who.user_id,
                actor_label: ctx.who.label.clone(),
                via: ctx.origin.via.to_owned(),
                action: action.to_owned(),
                record_type: record_type.to_owned(),
                record_id,
                changes,
                client_ip: ctx.origin.client_ip.clone(),
            },
        )
        .await?;
    Ok(())
}

/// A security event that is not part of another change (sign-in, failed sign-in, key use):
/// written in its own transaction.
pub async fn security_event(
    store: &Store,
    ctx: &Ctx,
    action: &str,
    record_type: &str,
    record_id: Option<String>,
    details: Value,
) -> ServiceResult<()> {
    let mut tx = store.begin().await?;
    record(store, &mut tx, ctx, action, record_type, record_id, details).await?;
    tx.commit().await?;
    Ok(())
}

/// Reads the log; only roles that may read the audit log get here.
pub async fn list(store: &Store, actor: &Actor, q: &AuditQuery) -> ServiceResult<Vec<AuditRecord>> {
    actor.require(RecordType::AuditLog, Action::Read)?;
    Ok(store.list_audit(q).await?)
}
