//! What the record pages (contacts, companies, …) share: reading repeated form fields, custom
//! field widgets and their display, list toolbars (filters, sort, columns), owner pickers.

use std::collections::HashMap;

use chrono::NaiveDate;
use peyvand_domain::calendar::{self, DateStyle};
use peyvand_domain::money::{Money, format_money};
use peyvand_domain::sales::{EmailEntry, FieldType, PhoneEntry};
use peyvand_services::sales::common::ListRequest;
use peyvand_store::{CustomFieldRecord, Store, StoreError};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Errs;
use crate::page::Page;

/// A submitted form as ordered (name, value) pairs: repeated names are kept.
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The last value of a field (a hidden default followed by a checkbox gives the checkbox).
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name).as_deref(), Some("1" | "true" | "on"))
    }

    pub fn phones(&self) -> Vec<PhoneEntry> {
        self.all("phone_number")
            .into_iter()
            .zip(
                self.all("phone_label")
                    .into_iter()
                    .chain(std::iter::repeat(String::new())),
            )
            .map(|(number, label)| PhoneEntry { number, label })
            .collect()
    }

    pub fn emails(&self) -> Vec<EmailEntry> {
        self.all("email_address")
            .into_iter()
            .zip(
                self.all("email_label")
                    .into_iter()
                    .chain(std::iter::repeat(String::new())),
            )
            .map(|(address, label)| EmailEntry { address, label })
            .collect()
    }

    pub fn tags(&self) -> Vec<String> {
        self.get("tags")
            .unwrap_or_default()
            .split([',', '،'])
            .map(str::to_owned)
            .collect()
    }

    /// Custom values as typed (`custom.KEY` fields); multi-selects joined.
    pub fn custom(&self, defs: &[CustomFieldRecord]) -> Map<String, Value> {
        let mut out = Map::new();
        for d in defs {
            let name = format!("custom.{}", d.key);
            let value = if d.field_type == "multi_select" {
                self.all(&name).join(",")
            } else {
                self.get(&name).unwrap_or_default()
            };
            out.insert(d.key.clone(), Value::String(value));
        }
        out
    }
}

/// One custom field in a form.
pub struct Widget {
    pub name: String,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    pub checked: bool,
    pub required: bool,
    pub options: Vec<(String, String, bool)>,
    pub error: Option<String>,
}

pub fn label_of(p: &Page, d: &CustomFieldRecord) -> String {
    p.role_name(&d.label_fa, &d.label_en)
}

/// A stored date shown in the user's calendar, numeric.
pub fn show_date(p: &Page, d: NaiveDate) -> String {
    calendar::format_date(
        d,
        p.prefs.calendar,
        p.prefs.language,
        p.prefs.digits,
        DateStyle::Numeric,
    )
}

pub fn show_opt_date(p: &Page, d: Option<NaiveDate>) -> String {
    d.map(|d| show_date(p, d)).unwrap_or_default()
}

/// A stored custom value as text for the form's input.
pub fn form_text(p: &Page, d: &CustomFieldRecord, v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if d.field_type == "date" => {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|date| show_date(p, date))
                .unwrap_or_else(|_| s.clone())
        }
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// Form widgets for the custom fields; `typed` holds what the user sent when a form is shown
/// again with errors.
pub fn widgets(
    p: &Page,
    defs: &[CustomFieldRecord],
    stored: &Map<String, Value>,
    typed: Option<&Pairs>,
    errs: &Errs,
) -> Vec<Widget> {
    defs.iter()
        .map(|d| {
            let name = format!("custom.{}", d.key);
            let value = match typed {
                Some(t) => t.get(&name).unwrap_or_default(),
                None => form_text(p, d, stored.get(&d.key)),
            };
            let selected: Vec<String> = match typed {
                Some(t) => t.all(&name),
                None => match stored.get(&d.key) {
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                    Some(Value::String(s)) => vec![s.clone()],
                    _ => vec![],
                },
            };
            let kind = match FieldType::parse(&d.field_type) {
                Some(FieldType::Select) => "select",
                Some(FieldType::MultiSelect) => "multi",
                Some(FieldType::Boolean) => "bool",
                Some(FieldType::Date) => "date",
                Some(FieldType::Number | FieldType::Money) => "number",
                Some(FieldType::Email) => "email",
                Some(FieldType::Url) => "url",
                Some(FieldType::Phone) => "tel",
                _ => "text",
            };
            Widget {
                checked: value == "true",
                options: d
                    .options
                    .0
                    .iter()
                    .map(|o| {
                        (
                            o.key.clone(),
                            p.role_name(&o.label_fa, &o.label_en),
                            selected.contains(&o.key),
                        )
                    })
                    .collect(),
                label: label_of(p, d),
                kind,
                value,
                required: d.required,
                error: errs.get(&name).cloned(),
                name,
            }
        })
        .collect()
}

/// A stored custom value as the user reads it.
pub fn show_custom(p: &Page, d: &CustomFieldRecord, v: &Value) -> String {
    let label_of_option = |k: &str| {
        d.options
            .0
            .iter()
            .find(|o| o.key == k)
            .map(|o| p.role_name(&o.label_fa, &o.label_en))
            .unwrap_or_else(|| k.to_owned())
    };
    match (FieldType::parse(&d.field_type), v) {
        (_, Value::Null) => String::new(),
        (Some(FieldType::Date), Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(|date| show_date(p, date))
            .unwrap_or_else(|_| s.clone()),
        (Some(FieldType::Select), Value::String(s)) => label_of_option(s),
        (Some(FieldType::MultiSelect), Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(label_of_option)
            .collect::<Vec<_>>()
            .join(p.list_sep()),
        (Some(FieldType::Boolean), Value::Bool(b)) => p.t(if *b { "yes" } else { "no" }),
        (Some(FieldType::Money), Value::Number(n)) => format_money(
            &Money::rials(n.as_i64().unwrap_or_default()),
            p.prefs.language,
            p.prefs.digits,
            false,
        ),
        (_, Value::Number(n)) => p.digits(n),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// (label, value) of every filled custom field, for a record page.
pub fn custom_lines(
    p: &Page,
    defs: &[CustomFieldRecord],
    values: &Map<String, Value>,
) -> Vec<(String, String)> {
    defs.iter()
        .filter_map(|d| {
            let v = values.get(&d.key)?;
            let text = show_custom(p, d, v);
            (!text.is_empty()).then(|| (label_of(p, d), text))
        })
        .collect()
}

/// Every user account, read once per page: the owner pickers, the owner filter and the owner
/// cells of a page all come from it.
pub struct People {
    users: Vec<peyvand_store::UserRecord>,
}

impl People {
    pub async fn load(store: &Store) -> Result<People, StoreError> {
        const PAGE: i64 = 1000;
        let mut users = vec![];
        loop {
            let after = users.last().map(|u: &peyvand_store::UserRecord| u.id);
            let page = store.list_users(None, after, PAGE).await?;
            let done = (page.len() as i64) < PAGE;
            users.extend(page);
            if done {
                return Ok(People { users });
            }
        }
    }

    /// Display names by id.
    pub fn names(&self) -> HashMap<Uuid, String> {
        self.users
            .iter()
            .map(|u| (u.id, u.display_name.clone()))
            .collect()
    }

    /// People a record may be given to (the actor's own choice is first).
    pub fn owner_options(&self, me: Uuid, current: Uuid) -> Vec<(Uuid, String, bool)> {
        let mut out: Vec<(Uuid, String, bool)> = self
            .users
            .iter()
            .filter(|u| u.active || u.id == current)
            .map(|u| (u.id, u.display_name.clone(), u.id == current))
            .collect();
        out.sort_by_key(|(id, _, _)| *id != me);
        out
    }

    /// The owners a form offers for a record of type `rt`: whom the actor may give records to
    /// (themselves with an own scope, their team with a team scope, anyone active with all),
    /// and always the record's current owner so saving never changes it unasked. The service
    /// checks the choice again.
    pub fn owner_choices(
        &self,
        actor: &peyvand_domain::access::Actor,
        rt: peyvand_domain::access::RecordType,
        current: Uuid,
    ) -> Vec<(Uuid, String, bool)> {
        use peyvand_domain::access::{Action, Scope};
        let scope = actor.scope(rt, Action::Create);
        let mut out = self.owner_options(actor.user_id, current);
        out.retain(|(id, _, _)| {
            *id == current
                || match scope {
                    Scope::All => true,
                    Scope::Team => *id == actor.user_id || actor.teammates.contains(id),
                    Scope::Own | Scope::None => *id == actor.user_id,
                }
        });
        out
    }

    /// The owners whose records a reader may see in a list of `rt`, for its owner filter:
    /// everyone with an all scope, the team with a team scope, only the reader otherwise.
    pub fn visible_owners(
        &self,
        actor: &peyvand_domain::access::Actor,
        rt: peyvand_domain::access::RecordType,
    ) -> Vec<(Uuid, String)> {
        use peyvand_domain::access::{Action, Scope};
        let scope = actor.scope(rt, Action::Read);
        // People who left keep their records until they are reassigned, so they are offered too.
        let mut out: Vec<(Uuid, String)> = self
            .users
            .iter()
            .filter(|u| match scope {
                Scope::All => true,
                Scope::Team => u.id == actor.user_id || actor.teammates.contains(&u.id),
                Scope::Own | Scope::None => u.id == actor.user_id,
            })
            .map(|u| (u.id, u.display_name.clone()))
            .collect();
        out.sort_by_key(|(id, _)| *id != actor.user_id);
        out
    }
}

/// Display names of users by id, looked up once per page.
pub async fn user_names(
    store: &Store,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, StoreError> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(store
        .users_by_ids(&ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// One active filter of a list, as a removable chip.
pub struct Chip {
    pub label: String,
    pub remove_href: String,
}

/// A list page's state in its URL: search, filters, sort, columns, cursor.
pub struct ListState {
    pub base: &'static str,
    pub pairs: Vec<(String, String)>,
}

impl ListState {
    pub fn from_query(base: &'static str, query: &str) -> ListState {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        ListState { base, pairs }
    }

    pub fn get(&self, k: &str) -> String {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The URL with some parameters replaced (an empty value removes it); the cursor is reset.
    pub fn with(&self, changes: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "cursor" && !changes.iter().any(|(c, _)| c == k))
            .cloned()
            .collect();
        for (k, v) in changes {
            if !v.is_empty() {
                pairs.push(((*k).to_owned(), (*v).to_owned()));
            }
        }
        self.href(&pairs)
    }

    pub fn without_pair(&self, key: &str, value: &str) -> String {
        let pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, v)| !(k == key && v == value) && k != "cursor")
            .cloned()
            .collect();
        self.href(&pairs)
    }

    fn href(&self, pairs: &[(String, String)]) -> String {
        let q = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if q.is_empty() {
            self.base.to_owned()
        } else {
            format!("{}?{q}", self.base)
        }
    }

    /// The header link of a sortable column: ascending first, then descending.
    /// How the list is sorted on `field`, as `aria-sort` says it.
    pub fn sort_state(&self, field: &str) -> &'static str {
        let current = self.get("sort");
        match current.strip_prefix('-') {
            Some(f) if f == field => "descending",
            None if current == field => "ascending",
            _ => "",
        }
    }

    pub fn sort_href(&self, field: &str) -> String {
        let current = self.get("sort");
        let next = if current == field {
            format!("-{field}")
        } else {
            field.to_owned()
        };
        self.with(&[("sort", &next)])
    }

    /// Turns the "add a filter" inputs (ff, fo, fv) and date presets into canonical
    /// `filter[field][op]` parameters, and drops filters left empty (a quick filter set to
    /// "—"); returns the URL to redirect to, if anything changed.
    ///
    /// A preset (`created=this_month`, …) applies to `range_field` (default `created_at`): the
    /// month or year in the user's calendar, so «this month» is a Jalali month in Persian.
    pub fn normalised(&self, p: &Page) -> Option<String> {
        let mut changed = false;
        let mut pairs: Vec<(String, String)> = vec![];
        for (k, v) in &self.pairs {
            if matches!(k.as_str(), "ff" | "fo" | "fv" | "created" | "range_field") {
                changed = true;
                continue;
            }
            let needs_value = !(k.ends_with("[empty]") || k.ends_with("[not_empty]"));
            if k.starts_with("filter[") && needs_value && v.trim().is_empty() {
                changed = true;
                continue;
            }
            pairs.push((k.clone(), v.clone()));
        }
        let (ff, fo, fv) = (self.get("ff"), self.get("fo"), self.get("fv"));
        if !ff.is_empty() && is_field_name(&ff) {
            let op = if fo.is_empty() { "eq".to_owned() } else { fo };
            // Dates typed in the user's calendar become ISO for the filter; numbers typed with
            // Persian digits or thousands separators become plain digits.
            let value = if is_date_field(&ff) {
                peyvand_domain::sales::parse_user_date(&fv, p.prefs.calendar)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or(fv)
            } else {
                plain_number(&fv).unwrap_or(fv)
            };
            pairs.push((format!("filter[{ff}][{op}]"), value));
        }
        let preset = self.get("created");
        if !preset.is_empty() {
            let field = match self.get("range_field") {
                f if !f.is_empty() && is_field_name(&f) => f,
                _ => "created_at".to_owned(),
            };
            let today = chrono::Utc::now()
                .with_timezone(&p.prefs.time_zone)
                .date_naive();
            let range = match preset.as_str() {
                "this_month" => Some(calendar::month_range(today, p.prefs.calendar, 0)),
                "last_month" => Some(calendar::month_range(today, p.prefs.calendar, -1)),
                "next_month" => Some(calendar::month_range(today, p.prefs.calendar, 1)),
                "this_year" => Some(calendar::year_range(today, p.prefs.calendar, 0)),
                _ => None,
            };
            if let Some((from, until)) = range {
                let prefix = format!("filter[{field}]");
                pairs.retain(|(k, _)| !k.starts_with(&prefix));
                pairs.push((format!("{prefix}[ge]"), from.format("%Y-%m-%d").to_string()));
                pairs.push((
                    format!("{prefix}[lt]"),
                    until.format("%Y-%m-%d").to_string(),
                ));
            }
        }
        changed.then(|| self.href(&pairs))
    }

    pub fn request(&self) -> Result<ListRequest, crate::api::ApiError> {
        let q = serde_urlencoded::to_string(
            self.pairs
                .iter()
                .filter(|(k, _)| k != "cols")
                .cloned()
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        crate::api::list_request(&q)
    }

    /// Chips whose values may also be named (`value_label(field, value)`): a stage or an owner
    /// by its name instead of its id.
    pub fn chips_with(
        &self,
        p: &Page,
        field_label: impl Fn(&str) -> String,
        value_label: impl Fn(&str, &str) -> Option<String>,
    ) -> Vec<Chip> {
        self.pairs
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix("filter[")?.strip_suffix(']')?;
                let (field, op) = rest.split_once("][").unwrap_or((rest, "eq"));
                let shown = if let Some(named) = value_label(field, v) {
                    named
                } else if is_date_field(field) {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map(|d| show_date(p, d))
                        .unwrap_or_else(|_| v.clone())
                } else if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) {
                    p.digits(v)
                } else {
                    v.clone()
                };
                Some(Chip {
                    label: format!(
                        "{} {} {}",
                        field_label(field),
                        p.t(&format!("op-{}", op.replace('_', "-"))),
                        shown
                    ),
                    remove_href: self.without_pair(k, v),
                })
            })
            .collect()
    }
}

/// Built-in date and time fields end in `_date` or `_at`: their filter values are typed in the
/// user's calendar.
fn is_date_field(f: &str) -> bool {
    !f.starts_with("custom.") && (f.ends_with("_date") || f.ends_with("_at"))
}

/// Field names are identifiers (checked again against the whitelist by the store).
fn is_field_name(f: &str) -> bool {
    !f.is_empty()
        && f.len() <= 80
        && f.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// A number as people type it (`۱۲٬۵۰۰٬۰۰۰`, `12,500,000`) in plain ASCII digits; `None` when
/// the text is not a number.
fn plain_number(s: &str) -> Option<String> {
    let ascii = peyvand_domain::digits::to_ascii(s.trim());
    let plain: String = ascii
        .chars()
        .filter(|c| !matches!(c, ',' | '\u{066C}'))
        .collect();
    let digits = plain.strip_prefix('-').unwrap_or(&plain);
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(plain)
}

/// A list filter offered as a choice (stage, owner, status …): the parameter it sets and its
/// options (value, label, chosen).
pub struct QuickFilter {
    pub name: String,
    pub label: String,
    pub options: Vec<(String, String, bool)>,
}

impl QuickFilter {
    /// A quick filter on `field` with the operator `eq`; the options currently chosen are marked.
    pub fn eq(ls: &ListState, field: &str, label: String, options: Vec<(String, String)>) -> Self {
        Self::with_op(ls, field, "eq", label, options)
    }

    /// A quick filter on `field` with the operator `op` (`has` for a multi-select).
    pub fn with_op(
        ls: &ListState,
        field: &str,
        op: &str,
        label: String,
        options: Vec<(String, String)>,
    ) -> Self {
        let name = format!("filter[{field}][{op}]");
        let current = ls.get(&name);
        QuickFilter {
            options: options
                .into_iter()
                .map(|(v, l)| {
                    let chosen = v == current;
                    (v, l, chosen)
                })
                .collect(),
            name,
            label,
        }
    }
}

/// The choice filters of the contacts, companies and leads lists: the owner (offered when the
/// reader sees more than their own records) and every choice custom field — select,
/// multi-select, yes/no — so a value is picked by its name instead of typed as its key.
pub fn choice_filters(
    p: &Page,
    ls: &ListState,
    defs: &[CustomFieldRecord],
    owners: &[(Uuid, String)],
    owner_label: String,
) -> Vec<QuickFilter> {
    let mut out = vec![];
    if owners.len() > 1 {
        let options = owners
            .iter()
            .map(|(id, name)| (id.to_string(), name.clone()))
            .collect();
        out.push(QuickFilter::eq(ls, "owner_id", owner_label, options));
    }
    for d in defs {
        let field = format!("custom.{}", d.key);
        let label = label_of(p, d);
        let options = || {
            d.options
                .0
                .iter()
                .map(|o| (o.key.clone(), p.role_name(&o.label_fa, &o.label_en)))
                .collect()
        };
        match FieldType::parse(&d.field_type) {
            Some(FieldType::Select) => out.push(QuickFilter::eq(ls, &field, label, options())),
            Some(FieldType::MultiSelect) => {
                out.push(QuickFilter::with_op(ls, &field, "has", label, options()))
            }
            Some(FieldType::Boolean) => out.push(QuickFilter::eq(
                ls,
                &field,
                label,
                vec![("true".into(), p.t("yes")), ("false".into(), p.t("no"))],
            )),
            _ => {}
        }
    }
    out
}

/// The name of a value a choice filter set (an owner, an option, yes/no), for its chip.
pub fn choice_value_label(
    p: &Page,
    defs: &[CustomFieldRecord],
    owners: &[(Uuid, String)],
    field: &str,
    value: &str,
) -> Option<String> {
    if field == "owner_id" {
        return owners
            .iter()
            .find(|(id, _)| id.to_string() == value)
            .map(|(_, name)| name.clone());
    }
    let d = defs
        .iter()
        .find(|d| field.strip_prefix("custom.") == Some(&d.key))?;
    match FieldType::parse(&d.field_type)? {
        FieldType::Select | FieldType::MultiSelect => d
            .options
            .0
            .iter()
            .find(|o| o.key == value)
            .map(|o| p.role_name(&o.label_fa, &o.label_en)),
        FieldType::Boolean => match value {
            "true" => Some(p.t("yes")),
            "false" => Some(p.t("no")),
            _ => None,
        },
        _ => None,
    }
}

/// What a contacts, companies or leads list shows of its choice filters: the quick filter
/// selects, the state their form carries, and the chips of every active filter with field and
/// value names the reader knows.
pub struct ChoiceBar {
    pub quick: Vec<QuickFilter>,
    pub quick_keep: Vec<(String, String)>,
    pub chips: Vec<Chip>,
}

pub fn choice_bar(
    people: &People,
    actor: &peyvand_domain::access::Actor,
    rt: peyvand_domain::access::RecordType,
    p: &Page,
    ls: &ListState,
    defs: &[CustomFieldRecord],
    filter_fields: &[(String, String)],
) -> ChoiceBar {
    let owners = people.visible_owners(actor, rt);
    let quick = choice_filters(p, ls, defs, &owners, p.t("record-owner"));
    let quick_keep = quick_keep(ls, &quick);
    let chips = ls.chips_with(
        p,
        |f| {
            if f == "owner_id" {
                return p.t("record-owner");
            }
            filter_fields
                .iter()
                .find(|(k, _)| k == f)
                .map(|(_, l)| l.clone())
                .unwrap_or_else(|| f.to_owned())
        },
        |f, v| choice_value_label(p, defs, &owners, f, v),
    );
    ChoiceBar {
        quick,
        quick_keep,
        chips,
    }
}

/// The list state a quick filter form carries along (everything except its own fields).
pub fn quick_keep(ls: &ListState, quick: &[QuickFilter]) -> Vec<(String, String)> {
    ls.pairs
        .iter()
        .filter(|(k, _)| k != "cursor" && !quick.iter().any(|q| &q.name == k))
        .cloned()
        .collect()
}
