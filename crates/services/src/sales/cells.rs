//! One field of a record changed in place (the list pages' inline edit).
//!
//! The change goes through the record type's own `update` — the same access check, validation
//! and audit entry as the edit form — with an input that holds only that field. Which fields
//! may be set this way is a whitelist per record type: lists of phones or emails and links to
//! other records keep their own forms. The owner may be set here too: the update checks that
//! the actor may give the record to that person (`owner.not_allowed`, `owner.not_found`).

use peyvand_domain::access::{Actor, RecordType};
use peyvand_domain::calendar::CalendarKind;
use peyvand_store::{CompanyRecord, ContactRecord, DealRecord, LeadRecord, Store};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{companies, contacts, deals, leads};
use crate::audit::Ctx;
use crate::{FieldError, ServiceError, ServiceResult};

/// Built-in fields a cell may change, by record type (custom fields, `custom.KEY`, always may).
pub fn editable_fields(rt: RecordType) -> &'static [&'static str] {
    match rt {
        RecordType::Contact => &[
            "first_name",
            "last_name",
            "job_title",
            "website",
            "province",
            "city",
            "address",
            "national_id",
            "birth_date",
            "anniversary_date",
            "preferred_channel",
            "tags",
            "owner_id",
        ],
        RecordType::Company => &[
            "name",
            "industry",
            "website",
            "province",
            "city",
            "address",
            "postal_code",
            "national_id",
            "economic_code",
            "employees",
            "tags",
            "owner_id",
        ],
        RecordType::Lead => &[
            "title",
            "first_name",
            "last_name",
            "company_name",
            "phone",
            "email",
            "source",
            "status",
            "channel",
            "campaign",
            "owner_id",
        ],
        RecordType::Deal => &[
            "title",
            "stage_id",
            "amount",
            "expected_close_date",
            "lost_reason",
            "owner_id",
        ],
        _ => &[],
    }
}

/// The record after the change.
#[derive(Clone, Debug)]
pub enum Updated {
    Contact(ContactRecord),
    Company(CompanyRecord),
    Lead(LeadRecord),
    Deal(DealRecord),
}

/// The input of `update` that changes `field` only, from the text a person typed.
fn input_json(rt: RecordType, field: &str, value: &str) -> Result<Value, ServiceError> {
    let bad = |code: &str| ServiceError::Validation(vec![FieldError::new(field, code)]);
    if let Some(key) = field.strip_prefix("custom.") {
        if key.is_empty() {
            return Err(bad("custom.unknown_field"));
        }
        let mut custom = Map::new();
        custom.insert(key.to_owned(), Value::String(value.to_owned()));
        return Ok(json!({ "custom": custom }));
    }
    if !editable_fields(rt).contains(&field) {
        return Err(bad("cell.not_editable"));
    }
    Ok(match field {
        "tags" => json!({
            "tags": value
                .split([',', '،'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        }),
        "employees" => {
            let digits = peyvand_domain::digits::to_ascii(value.trim()).replace([',', '٬'], "");
            if digits.is_empty() {
                json!({ "employees": null })
            } else {
                match digits.parse::<i64>() {
                    Ok(n) => json!({ "employees": n }),
                    Err(_) => return Err(bad("custom.not_a_number")),
                }
            }
        }
        "stage_id" => match Uuid::parse_str(value.trim()) {
            Ok(id) => json!({ "stage_id": id }),
            Err(_) => return Err(bad("stage.not_found")),
        },
        // Every record has an owner: an empty choice is refused, not taken as "nobody".
        "owner_id" if value.trim().is_empty() => return Err(bad("field.required")),
        "owner_id" => match Uuid::parse_str(value.trim()) {
            Ok(id) => json!({ "owner_id": id }),
            Err(_) => return Err(bad("owner.not_found")),
        },
        f => {
            let mut m = Map::new();
            m.insert(f.to_owned(), Value::String(value.to_owned()));
            Value::Object(m)
        }
    })
}

fn parse<T: serde::de::DeserializeOwned>(field: &str, v: Value) -> ServiceResult<T> {
    serde_json::from_value(v)
        .map_err(|_| ServiceError::Validation(vec![FieldError::new(field, "cell.not_editable")]))
}

/// One cell's change: which record, which field, and the text typed (dates in `calendar`).
#[derive(Clone, Copy, Debug)]
pub struct CellEdit<'a> {
    pub record_type: RecordType,
    pub id: Uuid,
    pub field: &'a str,
    pub value: &'a str,
    pub calendar: CalendarKind,
}

/// Sets one field of a record from what a person typed in its list cell.
/// Errors are the update's own: not found (out of scope), forbidden, or field problems.
pub async fn update_cell(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    edit: CellEdit<'_>,
) -> ServiceResult<Updated> {
    let CellEdit {
        record_type: rt,
        id,
        field,
        value,
        calendar: cal,
    } = edit;
    let input = input_json(rt, field, value)?;
    update_with(
        store,
        ctx,
        actor,
        JsonEdit {
            record_type: rt,
            id,
            field,
            input,
            calendar: cal,
        },
    )
    .await
}

/// A change given as the JSON of a record type's update input (the fields to change only).
pub struct JsonEdit<'a> {
    pub record_type: RecordType,
    pub id: Uuid,
    /// The field a malformed input is reported on.
    pub field: &'a str,
    pub input: Value,
    pub calendar: CalendarKind,
}

/// Runs the record type's own `update` (permissions, validation, audit) with `edit.input`.
pub async fn update_with(
    store: &Store,
    ctx: &Ctx,
    actor: &Actor,
    edit: JsonEdit<'_>,
) -> ServiceResult<Updated> {
    let JsonEdit {
        record_type: rt,
        id,
        field,
        input,
        calendar: cal,
    } = edit;
    Ok(match rt {
        RecordType::Contact => Updated::Contact(
            contacts::update(store, ctx, actor, id, &parse(field, input)?, cal).await?,
        ),
        RecordType::Company => Updated::Company(
            companies::update(store, ctx, actor, id, &parse(field, input)?, cal).await?,
        ),
        RecordType::Lead => {
            Updated::Lead(leads::update(store, ctx, actor, id, &parse(field, input)?, cal).await?)
        }
        RecordType::Deal => {
            Updated::Deal(deals::update(store, ctx, actor, id, &parse(field, input)?, cal).await?)
        }
        _ => return Err(ServiceError::NotFound),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_hold_only_the_field() {
        let v = input_json(RecordType::Contact, "city", "شیراز").unwrap();
        assert_eq!(v, json!({"city": "شیراز"}));
        let v = input_json(RecordType::Contact, "tags", "الف، ب,").unwrap();
        assert_eq!(v, json!({"tags": ["الف", "ب"]}));
        let v = input_json(RecordType::Company, "employees", "۱۲").unwrap();
        assert_eq!(v, json!({"employees": 12}));
        let v = input_json(RecordType::Deal, "custom.tier", "gold").unwrap();
        assert_eq!(v, json!({"custom": {"tier": "gold"}}));
        let v = input_json(RecordType::Contact, "custom.topics", "crm,web").unwrap();
        assert_eq!(v, json!({"custom": {"topics": "crm,web"}}));
        let owner = Uuid::now_v7();
        for rt in [
            RecordType::Contact,
            RecordType::Company,
            RecordType::Lead,
            RecordType::Deal,
        ] {
            let v = input_json(rt, "owner_id", &format!(" {owner} ")).unwrap();
            assert_eq!(v, json!({ "owner_id": owner }));
        }
        let _: deals::DealInput = parse(
            "owner_id",
            input_json(RecordType::Deal, "owner_id", &owner.to_string()).unwrap(),
        )
        .unwrap();
        let _: contacts::ContactInput = parse(
            "city",
            input_json(RecordType::Contact, "city", "x").unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn other_fields_are_refused() {
        for (rt, f) in [
            (RecordType::Contact, "phones"),
            (RecordType::Contact, "company_id"),
            (RecordType::Deal, "contact_id"),
            (RecordType::Lead, "converted_contact_id"),
            (RecordType::Contact, "custom."),
        ] {
            match input_json(rt, f, "x") {
                Err(ServiceError::Validation(e)) => assert_eq!(e[0].field, f),
                other => panic!("{f}: {other:?}"),
            }
        }
        assert!(input_json(RecordType::Company, "employees", "many").is_err());
        for (value, code) in [("", "field.required"), ("someone", "owner.not_found")] {
            match input_json(RecordType::Lead, "owner_id", value) {
                Err(ServiceError::Validation(e)) => {
                    assert_eq!(
                        (e[0].field.as_str(), e[0].code.as_str()),
                        ("owner_id", code)
                    )
                }
                other => panic!("{value:?}: {other:?}"),
            }
        }
    }
}
