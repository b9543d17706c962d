//! Administrators define custom fields per record type; values live in each record's `custom`.

use chrono::Utc;
use peyvand_domain::access::{Action, Actor, RecordType};
use peyvand_domain::sales::{FieldType, SelectOption, valid_field_key};
use peyvand_store::{CustomFieldRecord, Json, Store};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Ctx};
use crate::error::Problems;
use crate::{ServiceError, ServiceResult};

/// Record types that take custom fields.
pub const WITH_CUSTOM_FIELDS: [RecordType; 5] = [
    RecordType::Contact,
    RecordType::Company,
    RecordType::Lead,
    RecordType::Deal,
    RecordType::Activity,
];

#[derive(Clone, Debug, Default, Deserialize)]
pub struct FieldInput {
    pub record_type: String,
    pub key: String,
    pub label_fa: String,
    pub label_en: String,
    pub field_type: String,
    #[serde(default)]
    pub options: Vec<SelectOption>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub position: i64,
}

fn require_admin(actor: &Actor) -> ServiceResult<()> {
    // Defining fields changes every user's forms: the role editor's right.
    actor.require(RecordType::Role, Action::Update)?;
    Ok(())
}

fn check_options(
    p: &mut Problems,
    t: Option<FieldType>,
    options: &[SelectOption],
) -> Vec<SelectOption> {
    let mut out: Vec<SelectOption> = vec![];
    if matches!(t, Some(FieldType::Select | FieldType::MultiSelect)) {
        for o in options {
            let key = o.key.trim().to_owned();
            let label_fa = peyvand_domain::text::tidy(&o.label_fa);
            let label_en = peyvand_domain::text::tidy(&o.label_en);
            if key.is_empty() && label_fa.is_empty() && label_en.is_empty() {
                continue;
            }
            if !valid_field_key(&key) || out.iter().any(|x| x.key == key) {
                p.add("options", "custom_field.bad_option_key");
                continue;
            }
            out.push(SelectOption {
                label_fa: if label_fa.is_empty() {
                    label_en.clone()
                } else {
                    label_fa
                },
                label_en: if label_en.is_empty() {
                    key.clone()
                } else {
                    label_en
                },
                key,
            });
        }
        if out.is_empty() {
            p.add("options", "custom_field.options_required");
        }
    }
    out
}

pub async fn create(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    input: &FieldInput,
) -> ServiceResult<CustomFieldRecord> {
    require_admin(actor)?;
    let mut p = Problems::default();
    let rt = RecordType::parse(&input.record_type).filter(|r| WITH_CUSTOM_FIELDS.contains(r));
    if rt.is_none() {
        p.add("record_type", "custom_field.bad_record_type");
    }
    let key = input.key.trim().to_owned();
    if !valid_field_key(&key) {
        p.add("key", "custom_field.bad_key");
    } else if let Some(rt) = rt
        && store
            .custom_fields(rt.as_str())
            .await?
            .iter()
            .any(|f| f.key == key)
    {
        p.add("key", "custom_field.key_taken");
    }
    let t = FieldType::parse(&input.field_type);
    if t.is_none() {
        p.add("field_type", "custom_field.bad_type");
    }
    let label_fa = peyvand_domain::text::tidy(&input.label_fa);
    let label_en = peyvand_domain::text::tidy(&input.label_en);
    if label_fa.is_empty() && label_en.is_empty() {
        p.add("label_fa", "field.required");
    }
    let options = check_options(&mut p, t, &input.options);
    p.finish()?;
    let now = Utc::now();
    let rec = CustomFieldRecord {
        id: Uuid::now_v7(),
        record_type: input.record_type.clone(),
        key,
        label_fa: if label_fa.is_empty() {
            label_en.clone()
        } else {
            label_fa
        },
        label_en: if label_en.is_empty() {
            input.key.clone()
        } else {
            label_en
        },
        field_type: input.field_type.clone(),
        options: Json(options),
        required: input.required,
        position: input.position,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let mut tx = store.begin().await?;
    store.insert_custom_field(&mut tx, &rec).await?;
    audit::record(store, &mut tx, ctx, "create", "custom_field", Some(rec.id.to_string()),
        json!({"record_type": [null, rec.record_type], "key": [null, rec.key], "field_type": [null, rec.field_type]})).await?;
    tx.commit().await?;
    Ok(rec)
}

/// Changes labels, options, required and position; key and type stay (values depend on them).
pub async fn update(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    input: &FieldInput,
) -> ServiceResult<CustomFieldRecord> {
    require_admin(actor)?;
    let before = store
        .custom_field(id)
        .await?
        .filter(|f| f.deleted_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    let mut p = Problems::default();
    let options = check_options(&mut p, FieldType::parse(&before.field_type), &input.options);
    let mut after = before.clone();
    let fa = peyvand_domain::text::tidy(&input.label_fa);
    let en = peyvand_domain::text::tidy(&input.label_en);
    if fa.is_empty() && en.is_empty() {
        p.add("label_fa", "field.required");
    }
    p.finish()?;
    after.label_fa = if fa.is_empty() { en.clone() } else { fa };
    after.label_en = if en.is_empty() { after.key.clone() } else { en };
    after.options = Json(options);
    after.required = input.required;
    after.position = input.position;
    after.updated_at = Utc::now();
    let mut tx = store.begin().await?;
    store.update_custom_field(&mut tx, &after).await?;
    audit::record(store, &mut tx, ctx, "update", "custom_field", Some(id.to_string()), audit::diff(
        &json!({"label_fa": before.label_fa, "label_en": before.label_en, "required": before.required, "options": before.options.0}),
        &json!({"label_fa": after.label_fa, "label_en": after.label_en, "required": after.required, "options": after.options.0}),
    )).await?;
    tx.commit().await?;
    Ok(after)
}

/// Retires a field: it leaves forms and lists; stored values stay in the records.
pub async fn delete(store: &Store, ctx: &Ctx, actor: &Actor, id: Uuid) -> ServiceResult<()> {
    require_admin(actor)?;
    let mut f = store
        .custom_field(id)
        .await?
        .filter(|f| f.deleted_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    f.deleted_at = Some(Utc::now());
    f.updated_at = Utc::now();
    let mut tx = store.begin().await?;
    store.update_custom_field(&mut tx, &f).await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "delete",
        "custom_field",
        Some(id.to_string()),
        json!({"key": [f.key, null]}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list(store: &Store, record_type: &str) -> ServiceResult<Vec<CustomFieldRecord>> {
    if RecordType::parse(record_type).is_none_or(|r| !WITH_CUSTOM_FIELDS.contains(&r)) {
        return Err(ServiceError::Validation(vec![crate::FieldError::new(
            "record_type",
            "custom_field.bad_record_type",
        )]));
    }
    Ok(store.custom_fields(record_type).await?)
}
