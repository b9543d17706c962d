//! Names people read for the fields and values of records: export headers in the reader's
//! language, choice values by their label, dates in their calendar. One table for exports, the
//! import mapping page and inline-edit messages, so a field is called the same everywhere.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use peyvand_domain::access::RecordType;
use peyvand_domain::calendar::{self, DateStyle};
use peyvand_domain::prefs::{DigitStyle, UserPrefs};
use peyvand_domain::sales::FieldType;
use peyvand_services::sales::export::{ColKind, Table};
use peyvand_store::CustomFieldRecord;
use uuid::Uuid;

use crate::i18n::Tr;

/// The catalogue id naming a built-in field of a record type.
fn field_id(rt: RecordType, key: &str) -> Option<&'static str> {
    let specific = match (rt, key) {
        (RecordType::Company, "name") => Some("company-name"),
        (RecordType::Company, "national_id") => Some("export-company-national-id"),
        (RecordType::Lead, "title") => Some("lead-title-field"),
        (RecordType::Lead, "status") => Some("lead-status"),
        (RecordType::Deal, "title") => Some("deal-title"),
        (RecordType::Deal, "status") => Some("deal-status"),
        (RecordType::Deal, "created_at") => Some("deal-created-at"),
        (RecordType::Deal, "owner_id") => Some("deal-owner"),
        (RecordType::Activity, "kind") => Some("activity-field-kind"),
        (RecordType::Activity, "subject") => Some("activity-field-subject"),
        (RecordType::Activity, "notes") => Some("activity-field-notes"),
        (RecordType::Activity, "outcome") => Some("activity-field-outcome"),
        (RecordType::Activity, "due_at") => Some("activity-field-due"),
        (RecordType::Activity, "remind_at") => Some("activity-field-remind"),
        (RecordType::Activity, "owner_id") => Some("activity-field-owner"),
        (RecordType::Activity, "done_at") => Some("activities-done"),
        (RecordType::Activity, "lead_id") => Some("activity-link-lead"),
        (RecordType::Activity, "deal_id") => Some("activity-link-deal"),
        (RecordType::Activity, "contact_id") => Some("activity-link-contact"),
        (RecordType::Activity, "company_id") => Some("activity-link-company"),
        (RecordType::Lead, "phone") => Some("contact-phone"),
        (RecordType::Lead, "company_name") => Some("contact-company"),
        (RecordType::Lead, "utm_source") => Some("lead-utm-source"),
        (RecordType::Lead, "utm_medium") => Some("lead-utm-medium"),
        (RecordType::Lead, "utm_campaign") => Some("lead-utm-campaign"),
        (RecordType::Lead, "utm_term") => Some("lead-utm-term"),
        (RecordType::Lead, "utm_content") => Some("lead-utm-content"),
        (RecordType::Lead, "first_contact_at") => Some("lead-first-contact"),
        _ => None,
    };
    specific.or(match key {
        "id" => Some("export-id"),
        "first_name" => Some("contact-first-name"),
        "last_name" => Some("contact-last-name"),
        "company" | "company_name" => Some("contact-company"),
        "job_title" => Some("contact-job-title"),
        "phones" => Some("contact-phones"),
        "phone" => Some("contact-phone"),
        "emails" => Some("contact-emails"),
        "email" => Some("field-email"),
        "website" => Some("contact-website"),
        "social" => Some("contact-social"),
        "province" => Some("contact-province"),
        "city" => Some("contact-city"),
        "address" => Some("contact-address"),
        "national_id" => Some("contact-national-id"),
        "birth_date" => Some("contact-birth-date"),
        "anniversary_date" => Some("contact-anniversary"),
        "preferred_channel" => Some("contact-preferred-channel"),
        "tags" => Some("export-tags"),
        "owner_id" | "owner" => Some("record-owner"),
        "created_at" => Some("created-at"),
        "industry" => Some("company-industry"),
        "postal_code" => Some("company-postal-code"),
        "economic_code" => Some("company-economic-code"),
        "employees" => Some("company-employees"),
        "source" => Some("lead-source"),
        "channel" => Some("lead-channel"),
        "campaign" => Some("lead-campaign"),
        "contact_count" => Some("lead-contact-count"),
        "amount" => Some("deal-amount"),
        "amount_minor" => Some("deal-amount-minor"),
        "currency" => Some("deal-currency"),
        "expected_close_date" => Some("deal-expected-close"),
        "stage_id" | "stage" => Some("deal-stage"),
        "pipeline_id" | "pipeline" => Some("deal-pipeline"),
        "contact_id" => Some("deal-contact"),
        "company_id" => Some("deal-company"),
        "closed_at" => Some("deal-closed-at"),
        "lost_reason" => Some("deal-lost-reason"),
        _ => None,
    })
}

/// A custom field's label in the reader's language (the other language when it has none).
pub fn custom_label(tr: &Tr, d: &CustomFieldRecord) -> String {
    let (mine, other) = match tr.lang.as_str() {
        "fa" => (&d.label_fa, &d.label_en),
        _ => (&d.label_en, &d.label_fa),
    };
    if mine.trim().is_empty() {
        other.clone()
    } else {
        mine.clone()
    }
}

/// The name of a field (`city`, `custom.tier`) of a record type, in the reader's language;
/// the key itself when nothing names it.
pub fn field_label(tr: &Tr, rt: RecordType, key: &str, defs: &[CustomFieldRecord]) -> String {
    if let Some(k) = key.strip_prefix("custom.") {
        return defs
            .iter()
            .find(|d| d.key == k)
            .map(|d| custom_label(tr, d))
            .unwrap_or_else(|| key.to_owned());
    }
    field_id(rt, key)
        .map(|id| tr.t(id))
        .unwrap_or_else(|| key.to_owned())
}

/// The catalogue prefix of a fixed choice (`lead-source-`), by record type and field.
fn choice_prefix(rt: RecordType, key: &str) -> Option<&'static str> {
    match (rt, key) {
        (RecordType::Contact, "preferred_channel") => Some("channel-"),
        (RecordType::Lead, "source") => Some("lead-source-"),
        (RecordType::Lead, "status") => Some("lead-status-"),
        (RecordType::Deal, "status") => Some("deal-status-"),
        (RecordType::Activity, "kind") => Some("activity-kind-"),
        (RecordType::Activity, "outcome") => Some("call-outcome-"),
        _ => None,
    }
}

/// The name of a fixed choice value (`preferred_channel = sms`, a lead's source or status), or
/// None when the field has no fixed choices or the value is unknown.
pub fn choice_text(tr: &Tr, rt: RecordType, key: &str, value: &str) -> Option<String> {
    let prefix = choice_prefix(rt, key)?;
    tr.known(&format!("{prefix}{}", value.replace('_', "-")))
}

/// Digits in a spreadsheet stay Latin, so its cells can be summed and sorted; the importer
/// reads either.
fn sheet_prefs(prefs: &UserPrefs) -> UserPrefs {
    UserPrefs {
        digits: DigitStyle::Latin,
        ..*prefs
    }
}

fn date_text(prefs: &UserPrefs, d: NaiveDate) -> String {
    calendar::format_date(
        d,
        prefs.calendar,
        prefs.language,
        DigitStyle::Latin,
        DateStyle::Numeric,
    )
}

fn custom_text(tr: &Tr, prefs: &UserPrefs, d: &CustomFieldRecord, raw: &str) -> String {
    let option = |k: &str| {
        d.options
            .0
            .iter()
            .find(|o| o.key == k.trim())
            .map(|o| match tr.lang.as_str() {
                "fa" => o.label_fa.clone(),
                _ => o.label_en.clone(),
            })
            .unwrap_or_else(|| k.trim().to_owned())
    };
    match FieldType::parse(&d.field_type) {
        Some(FieldType::Date) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(|x| date_text(prefs, x))
            .unwrap_or_else(|_| raw.to_owned()),
        Some(FieldType::Select) => option(raw),
        Some(FieldType::MultiSelect) => raw
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(option)
            .collect::<Vec<_>>()
            .join(if tr.lang.as_str() == "fa" {
                "، "
            } else {
                ", "
            }),
        Some(FieldType::Boolean) => match raw {
            "true" => tr.t("yes"),
            "false" => tr.t("no"),
            other => other.to_owned(),
        },
        _ => raw.to_owned(),
    }
}

/// An export table as its reader sees it: headers are field labels (custom fields by their
/// label), dates and instants in the reader's calendar and time zone, choices and stages by
/// their names, linked records by their names. `stages` maps a stage id to its shown name.
pub fn present(
    tr: &Tr,
    prefs: &UserPrefs,
    rt: RecordType,
    table: Table,
    defs: &[CustomFieldRecord],
    stages: &HashMap<Uuid, String>,
) -> Table {
    let sheet = sheet_prefs(prefs);
    let headers: Vec<String> = table
        .headers
        .iter()
        .map(|h| field_label(tr, rt, h, defs))
        .collect();
    let customs: Vec<Option<&CustomFieldRecord>> = table
        .headers
        .iter()
        .map(|h| {
            h.strip_prefix("custom.")
                .and_then(|k| defs.iter().find(|d| d.key == k))
        })
        .collect();
    let cell = |i: usize, v: String| -> String {
        if v.is_empty() {
            return v;
        }
        let key = table.headers[i].as_str();
        match table.kinds.get(i).copied().unwrap_or(ColKind::Text) {
            ColKind::Date => NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map(|d| date_text(prefs, d))
                .unwrap_or(v),
            ColKind::DateTime => DateTime::parse_from_rfc3339(&v)
                .map(|t| calendar::format_datetime(t.with_timezone(&Utc), &sheet))
                .unwrap_or(v),
            ColKind::Choice => match choice_prefix(rt, key) {
                Some(prefix) => tr
                    .known(&format!("{prefix}{}", v.replace('_', "-")))
                    .unwrap_or(v),
                None => v,
            },
            ColKind::Stage => Uuid::parse_str(&v)
                .ok()
                .and_then(|id| stages.get(&id).cloned())
                .unwrap_or(v),
            ColKind::Link => Uuid::parse_str(&v)
                .ok()
                .and_then(|id| table.names.get(&id).cloned())
                .unwrap_or(v),
            ColKind::Custom => match customs[i] {
                Some(d) => custom_text(tr, prefs, d, &v),
                None => v,
            },
            // As people write them (`0912 123 4567`): no leading `+` for a spreadsheet to read
            // as a formula.
            ColKind::Phones => v
                .split(", ")
                .map(peyvand_domain::phone::display)
                .collect::<Vec<_>>()
                .join(", "),
            ColKind::Text | ColKind::Id | ColKind::Number => v,
        }
    };
    let rows = table
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, v)| cell(i, v.clone()))
                .collect()
        })
        .collect();
    Table {
        headers,
        rows,
        kinds: table.kinds.clone(),
        names: HashMap::new(),
    }
}
