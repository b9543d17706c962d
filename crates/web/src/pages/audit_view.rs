//! Turning audit entries into sentences a manager can read: translated field names, old → new
//! values, permission changes per record type and action, names instead of ids.

use peyvand_domain::access::{Action, RecordType};
use serde_json::Value;

use crate::page::Page;

pub struct ChangeLine {
    pub field: String,
    pub old: String,
    pub new: String,
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

fn scope_of(v: &Value, rt: RecordType, a: Action) -> String {
    v.get(rt.as_str())
        .and_then(|m| m.get(a.as_str()))
        .and_then(Value::as_str)
        .unwrap_or("none")
        .to_owned()
}

/// One line per changed field; a permissions change becomes one line per changed grant.
pub fn change_lines(p: &Page, changes: &Value) -> Vec<ChangeLine> {
    let mut out = vec![];
    let Some(map) = changes.as_object() else {
        return out;
    };
    for (key, pair) in map {
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
                    field: label_or(p, &format!("field-{}", key.replace('_', "-")), key),
                    old: String::new(),
                    new: show_value(p, pair),
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
        out.push(ChangeLine {
            field: label_or(p, &format!("field-{}", key.replace('_', "-")), key),
            old: show_value(p, old),
            new: show_value(p, new),
        });
    }
    out
}

/// How the change came in, translated.
pub fn via_label(p: &Page, via: &str) -> String {
    label_or(p, &format!("via-{via}"), via)
}
