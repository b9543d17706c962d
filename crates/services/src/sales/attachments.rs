//! Files attached to any record: documents, letters, scanned faxes.

use chrono::Utc;
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_store::{AttachmentRecord, Store};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Ctx};
use crate::{FieldError, ServiceError, ServiceResult};

/// The largest file accepted, in bytes.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// The owner of a live record the actor may see, whatever its type.
async fn record_owner(store: &Store, rt: RecordType, id: Uuid) -> ServiceResult<Option<Uuid>> {
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

fn parse_type(s: &str) -> ServiceResult<RecordType> {
    RecordType::parse(s)
        .filter(|r| r.is_owned())
        .ok_or_else(|| {
            ServiceError::Validation(vec![FieldError::new(
                "record_type",
                "attachment.bad_record_type",
            )])
        })
}

/// Checks the actor may do `action` on the record; a record out of sight is "not found".
async fn require(
    store: &Store,
    actor: &Actor,
    rt: RecordType,
    id: Uuid,
    action: Action,
) -> ServiceResult<()> {
    let owner = record_owner(store, rt, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    actor
        .require_record(rt, Action::Read, Some(owner))
        .map_err(|_| ServiceError::NotFound)?;
    actor.require_record(rt, action, Some(owner))?;
    Ok(())
}

/// Keeps a file name safe to show and to send back: no paths, no control characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = peyvand_domain::text::tidy(&cleaned);
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned.chars().take(200).collect()
    }
}

/// An uploaded file as it arrived.
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub async fn upload(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    record_type: &str,
    record_id: Uuid,
    file: Upload,
) -> ServiceResult<AttachmentRecord> {
    let Upload {
        file_name,
        content_type,
        bytes,
    } = file;
    let (file_name, content_type) = (file_name.as_str(), content_type.as_str());
    let rt = parse_type(record_type)?;
    require(store, actor, rt, record_id, Action::Update).await?;
    if bytes.is_empty() {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "file",
            "attachment.zero_bytes",
        )]));
    }
    if bytes.len() > MAX_BYTES {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "file",
            "attachment.too_large",
        )]));
    }
    let a = AttachmentRecord {
        id: Uuid::now_v7(),
        record_type: rt.as_str().to_owned(),
        record_id,
        file_name: clean_name(file_name),
        content_type: if content_type.is_empty() {
            "application/octet-stream".into()
        } else {
            content_type.chars().take(100).collect()
        },
        size: bytes.len() as i64,
        uploaded_by: Some(actor.user_id),
        created_at: Utc::now(),
        deleted_at: None,
    };
    let mut tx = store.begin().await?;
    store.insert_attachment(&mut tx, &a, bytes).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "attach",
        rt.as_str(),
        Some(record_id.to_string()),
        json!({"file": [null, a.file_name], "size": [null, a.size]}),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    record_type: &str,
    record_id: Uuid,
) -> ServiceResult<Vec<AttachmentRecord>> {
    let rt = parse_type(record_type)?;
    require(store, actor, rt, record_id, Action::Read).await?;
    Ok(store.attachments_of(rt.as_str(), record_id).await?)
}

/// The file and its content, for a download.
pub async fn download(
    store: &Store,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<(AttachmentRecord, Vec<u8>)> {
    let a = store
        .attachment(id)
        .await?
        .filter(|a| a.deleted_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    let rt = parse_type(&a.record_type)?;
    require(store, actor, rt, a.record_id, Action::Read).await?;
    let content = store.attachment_content(id).await?;
    Ok((a, content))
}

/// Removes a file from the record (kept in the database, restorable by an administrator).
pub async fn delete(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<AttachmentRecord> {
    let a = store
        .attachment(id)
        .await?
        .filter(|a| a.deleted_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    let rt = parse_type(&a.record_type)?;
    require(store, actor, rt, a.record_id, Action::Update).await?;
    let mut tx = store.begin().await?;
    store.delete_attachment(&mut tx, id, Utc::now()).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "detach",
        rt.as_str(),
        Some(a.record_id.to_string()),
        json!({"file": [a.file_name, null]}),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\docs\\نامه.pdf"), "نامه.pdf");
        assert_eq!(clean_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_name(""), "file");
    }
}
