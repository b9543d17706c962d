//! Turning audit entries into sentences a manager can read: translated field names, old → new
//! values, permission changes per record type and action, names instead of ids.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use peyvand_domain::access::{Action, RecordType};
use peyvand_store::CustomFieldRecord;
use serde_json::Value;
use uuid::Uuid;

use crate::labels;
use crate::page::Page;

pub struct ChangeLine {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// What the lines of one entry are named with: its record type (for field labels and fixed
/// choices), that type's custom fields, and the names of the users and records its values
/// point at.
pub struct Naming<'a> {
    pub record_type: Option<RecordType>,
    pub defs: &'a [CustomFieldRecord],
    pub names: &'a HashMap<Uuid, String>,
    /// The entry is an import's own (started, a batch written), not a record's change.
    pub import: bool,
}

/// The fields of an import's own entries (started, batch written), named as its pages name
/// them.
fn import_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "file_name" => "import-file-name",
        "rows" => "import-total",
        "duplicate_mode" => "import-duplicates",
        "imported" => "import-imported",
        "updated" => "import-updated",
        "skipped" => "import-skipped",
        "failed" => "import-failed",
        "created" => "import-created-records",
        "created_companies" => "import-created-companies",
        "record_type" => "import-record-type",
        "owner_id" => "import-owner",
        _ => return None,
    })
}

impl Naming<'_> {
    /// Lines that say nothing a reader needs (the import's own id, on its own entry).
    fn hidden(&self, key: &str) -> bool {
        key == "import_id"
    }

    fn field(&self, p: &Page, key: &str) -> String {
        if self.import
            && let Some(id) = import_field(key)
        {
            return p.t(id);
        }
        if let Some(rt) = self.record_type {
            let label = labels::field_label(&p.tr, rt, key, self.defs);
            if label != key {
                return label;
            }
        }
        label_or(p, &format!("field-{}", key.replace('_', "-")), key)
    }

    fn value(&self, p: &Page, key: &str, v: &Value) -> String {
        if self.import {
            match (key, v) {
                // Ids of every created record: how many, not a wall of names.
                ("created" | "created_companies", Value::Array(a)) => return p.digits(a.len()),
                ("duplicate_mode", Value::String(m)) => return p.t(&format!("import-dup-{m}")),
                ("record_type", Value::String(t)) => {
                    return p.t(&format!("import-type-{t}"));
                }
                _ => {}
            }
        }
        match v {
            Value::String(s) if !s.is_empty() => {
                if let Ok(id) = Uuid::parse_str(s) {
                    return self.names.get(&id).cloned().unwrap_or_else(|| s.clone());
                }
                if let Some(named) = self
                    .record_type
                    .and_then(|rt| labels::choice_text(&p.tr, rt, key, s))
                {
                    return named;
                }
                if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    return super::records::show_date(p, d);
                }
                if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                    return p.datetime(t.with_timezone(&Utc));
                }
                s.clone()
            }
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(|i| self.value(p, key, i))
                .collect::<Vec<_>>()
                .join(p.list_sep()),
            // A phone or an email entry reads as its number or address (and label).
            Value::Object(o) => match (o.get("number").or(o.get("address")), o.get("label")) {
                (Some(Value::String(main)), Some(Value::String(label))) if !label.is_empty() => {
                    format!("{main} ({label})")
                }
                (Some(Value::String(main)), _) => main.clone(),
                _ => v.to_string(),
            },
            other => show_value(p, other),
        }
    }

    /// A change of the custom values object becomes one line per custom field that changed.
    fn custom_lines(&self, p: &Page, old: &Value, new: &Value, out: &mut Vec<ChangeLine>) {
        let empty = serde_json::Map::new();
        let o = old.as_object().unwrap_or(&empty);
        let n = new.as_object().unwrap_or(&empty);
        let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let (a, b) = (
                o.get(k).unwrap_or(&Value::Null),
                n.get(k).unwrap_or(&Value::Null),
            );
            if a == b {
                continue;
            }
            let def = self.defs.iter().find(|d| &d.key == k);
            let shown = |v: &Value| match (def, v) {
                (_, Value::Null) => "—".to_owned(),
                (Some(d), v) => super::records::show_custom(p, d, v),
                (None, v) => show_value(p, v),
            };
            out.push(ChangeLine {
                field: def
                    .map(|d| labels::custom_label(&p.tr, d))
                    .unwrap_or_else(|| k.clone()),
                old: shown(a),
                new: shown(b),
            });
        }
    }
}

fn label_or(p: &Page, id: &str, fallback: &str) -> String {
    let s = p.t(id);
    if s == id { fallback.to_owned() } else { s }
}

fn show_value(p: &Page, v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => p.t("yes"),
        Value::Bool(false) => p.t("no"),
        Value::String(s) if s.is_empty() => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => p.digits(n),
        Value::Array(items) if items.is_empty() => "—".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|i| show_value(p, i))
            .collect::<Vec<_>>()
            .join(p.list_sep()),
        Value::Object(_) => v.to_string(),
    }
}

/// The ids an entry's changes point at, by what they name: (users, records), so the page can
/// look their names up once.
pub fn referenced_ids(changes: &Value, users: &mut Vec<Uuid>, records: &mut Vec<(String, Uuid)>) {
    let Some(map) = changes.as_object() else {
        return;
    };
    for (key, pair) in map {
        let kind = match key.as_str() {
            "owner_id" | "user_id" | "assignee_id" | "created_by" => "user",
            "company_id" => "company",
            "contact_id" => "contact",
            "lead_id" => "lead",
            "deal_id" => "deal",
            "stage_id" => "stage",
            "pipeline_id" => "pipeline",
            _ => continue,
        };
        let values = match pair {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        for id in values
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|s| Uuid::parse_str(s).ok())
        {
            if kind == "user" {
                users.push(id);
            } else {
                records.push((kind.to_owned(), id));
            }
        }
    }
}

fn scope_of(v: &Value, rt: RecordType, a: Action) -> String {
    v.get(rt.as_str())
        .and_then(|m| m.get(a.as_str()))
        .and_then(Value::as_str)
        .unwrap_or("none")
        .to_owned()
}

/// One line per changed field; a permissions change becomes one line per changed grant.
pub fn change_lines(p: &Page, changes: &Value, naming: &Naming) -> Vec<ChangeLine> {
    let mut out = vec![];
    let Some(map) = changes.as_object() else {
        return out;
    };
    for (key, pair) in map {
        if naming.hidden(key) {
            continue;
        }
        if key == "password" {
            out.push(ChangeLine {
                field: p.t("field-password"),
                old: String::new(),
                new: p.t("audit-password-changed"),
            });
            continue;
        }
        let (old, new) = match pair.as_array().filter(|a| a.len() == 2) {
            Some(a) => (&a[0], &a[1]),
            None => {
                out.push(ChangeLine {
                    field: naming.field(p, key),
                    old: String::new(),
                    new: naming.value(p, key, pair),
                });
                continue;
            }
        };
        if key == "permissions" {
            for rt in RecordType::ALL {
                for a in Action::ALL {
                    let (o, n) = (scope_of(old, rt, a), scope_of(new, rt, a));
                    if o != n {
                        out.push(ChangeLine {
                            field: format!(
                                "{} · {}",
                                p.t(&format!("record-type-{}", rt.as_str().replace('_', "-"))),
                                p.t(&format!("action-{}", a.as_str()))
                            ),
                            old: p.t(&format!("scope-{o}")),
                            new: p.t(&format!("scope-{n}")),
                        });
                    }
                }
            }
            continue;
        }
        if key == "custom" {
            naming.custom_lines(p, old, new, &mut out);
            continue;
        }
        let shown = |v: &Value| match v {
            Value::Null => "—".to_owned(),
            Value::String(s) if s.is_empty() => "—".to_owned(),
            Value::Array(a) if a.is_empty() => "—".to_owned(),
            Value::Object(o) if o.is_empty() => "—".to_owned(),
            Value::Object(o) => o
                .iter()
                .map(|(k, v)| format!("{k}: {}", naming.value(p, k, v)))
                .collect::<Vec<_>>()
                .join(p.list_sep()),
            v => naming.value(p, key, v),
        };
        let (old, new) = (shown(old), shown(new));
        // A record created with a field left empty has nothing to say about it.
        if old == new {
            continue;
        }
        out.push(ChangeLine {
            field: naming.field(p, key),
            old,
            new,
        });
    }
    out
}

/// How the change came in, translated.
pub fn via_label(p: &Page, via: &str) -> String {
    label_or(p, &format!("via-{via}"), via)
}
