//! Rules of the sales records: contact channels, tags, custom fields, pipelines and leads.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::calendar::{self, CalendarKind};
use crate::{email, phone, text};

/// One problem with one input, as a stable code (translated by the web layer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub code: &'static str,
}

impl Problem {
    pub fn new(field: impl Into<String>, code: &'static str) -> Problem {
        Problem {
            field: field.into(),
            code,
        }
    }
}

/// A phone number of a record, normalised to E.164, with what kind of line it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneEntry {
    pub number: String,
    #[serde(default)]
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailEntry {
    pub address: String,
    #[serde(default)]
    pub label: String,
}

/// Normalises phones as typed; problems name the entry (`phones[1]`).
pub fn parse_phones(input: &[PhoneEntry], problems: &mut Vec<Problem>) -> Vec<PhoneEntry> {
    let mut out: Vec<PhoneEntry> = vec![];
    for (i, p) in input.iter().enumerate() {
        if p.number.trim().is_empty() {
            continue;
        }
        match phone::normalize(&p.number) {
            Ok(n) => {
                if !out.iter().any(|e| e.number == n.as_str()) {
                    out.push(PhoneEntry {
                        number: n.as_str().to_owned(),
                        label: text::tidy(&p.label),
                    });
                }
            }
            Err(e) => problems.push(Problem::new(format!("phones[{i}]"), e.code())),
        }
    }
    out
}

/// Emails are stored lowercased: mailboxes are compared case-insensitively everywhere.
pub fn parse_emails(input: &[EmailEntry], problems: &mut Vec<Problem>) -> Vec<EmailEntry> {
    let mut out: Vec<EmailEntry> = vec![];
    for (i, e) in input.iter().enumerate() {
        if e.address.trim().is_empty() {
            continue;
        }
        match email::parse(&e.address) {
            Ok(a) => {
                let a = a.as_str().to_lowercase();
                if !out.iter().any(|x| x.address == a) {
                    out.push(EmailEntry {
                        address: a,
                        label: text::tidy(&e.label),
                    });
                }
            }
            Err(err) => problems.push(Problem::new(format!("emails[{i}]"), err.code())),
        }
    }
    out
}

/// Tags: tidied, without duplicates (compared in search form), order kept.
pub fn parse_tags(input: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    let mut seen: Vec<String> = vec![];
    for t in input {
        let tag = text::tidy(t);
        let key = text::normalize_for_search(&tag);
        if !tag.is_empty() && !seen.contains(&key) {
            seen.push(key);
            out.push(tag);
        }
    }
    out
}

/// A website or profile link: trimmed, `https://` added when no scheme was typed.
pub fn parse_url(input: &str) -> Result<String, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    if s.chars().any(char::is_whitespace) || !s.contains('.') {
        return Err("url.invalid");
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(s.to_owned())
    } else if lower.contains("://") {
        Err("url.invalid")
    } else {
        Ok(format!("https://{s}"))
    }
}

/// How a contact prefers to be reached.
pub const CONTACT_CHANNELS: [&str; 6] =
    ["phone", "sms", "email", "whatsapp", "telegram", "in_person"];

/// Kinds of custom field an administrator can define.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Money,
    Date,
    Select,
    MultiSelect,
    Boolean,
    Phone,
    Email,
    Url,
}

impl FieldType {
    pub const ALL: [FieldType; 10] = [
        FieldType::Text,
        FieldType::Number,
        FieldType::Money,
        FieldType::Date,
        FieldType::Select,
        FieldType::MultiSelect,
        FieldType::Boolean,
        FieldType::Phone,
        FieldType::Email,
        FieldType::Url,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Date => "date",
            FieldType::Select => "select",
            FieldType::MultiSelect => "multi_select",
            FieldType::Boolean => "boolean",
            FieldType::Phone => "phone",
            FieldType::Email => "email",
            FieldType::Url => "url",
        }
    }

    pub fn parse(s: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether values compare as numbers (for filters and sort).
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Number | FieldType::Money)
    }
}

/// One choice of a select field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectOption {
    pub key: String,
    pub label_fa: String,
    pub label_en: String,
}

/// A custom field as the validation rules need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDef {
    pub key: String,
    pub field_type: FieldType,
    pub options: Vec<SelectOption>,
    pub required: bool,
}

/// The option a person named by its key or either of its labels.
pub fn find_option<'a>(options: &'a [SelectOption], typed: &str) -> Option<&'a SelectOption> {
    options
        .iter()
        .find(|o| o.key == typed || o.label_fa == typed || o.label_en.eq_ignore_ascii_case(typed))
}

/// The choices of a multi-select typed as text: keys or labels separated by `,`, `،` or `;`,
/// trimmed, empty ones dropped.
pub fn multi_select_parts(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', '،', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

/// What a person typed for a multi-select that names none of its options, so a refusal can
/// say which choices were wrong.
pub fn unknown_options(options: &[SelectOption], raw: &str) -> Vec<String> {
    let s = text::tidy(raw);
    multi_select_parts(&s)
        .filter(|p| find_option(options, p).is_none())
        .map(str::to_owned)
        .collect()
}

/// Keys are stable identifiers used in the API, filters and imports: lowercase Latin, digits, _.
pub fn valid_field_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Validates and normalises custom values sent as JSON (the API, imports). Unknown keys are
/// refused; the result holds only defined keys with canonical values.
pub fn validate_custom(
    defs: &[FieldDef],
    input: &Map<String, Value>,
    cal: CalendarKind,
) -> Result<Map<String, Value>, Vec<Problem>> {
    let mut problems = vec![];
    let mut out = Map::new();
    for key in input.keys() {
        if !defs.iter().any(|d| &d.key == key) {
            problems.push(Problem::new(
                format!("custom.{key}"),
                "custom.unknown_field",
            ));
        }
    }
    for def in defs {
        let field = format!("custom.{}", def.key);
        match input.get(&def.key) {
            None | Some(Value::Null) => {
                if def.required {
                    problems.push(Problem::new(field, "field.required"));
                }
            }
            Some(Value::String(s))
                if s.trim().is_empty() && def.field_type != FieldType::MultiSelect =>
            {
                if def.required {
                    problems.push(Problem::new(field, "field.required"));
                }
            }
            Some(v) => match coerce_json(def, v, cal) {
                Ok(Some(v)) => {
                    out.insert(def.key.clone(), v);
                }
                Ok(None) => {
                    if def.required {
                        problems.push(Problem::new(field, "field.required"));
                    }
                }
                Err(code) => problems.push(Problem::new(field, code)),
            },
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Text values are read in `cal` (a form sends the user's calendar; the API sends ISO dates,
/// which every calendar accepts).
fn coerce_json(
    def: &FieldDef,
    v: &Value,
    cal: CalendarKind,
) -> Result<Option<Value>, &'static str> {
    match (def.field_type, v) {
        (FieldType::Boolean, Value::Bool(b)) => Ok(Some(Value::Bool(*b))),
        (FieldType::Number, Value::Number(n)) => Ok(Some(Value::Number(n.clone()))),
        (FieldType::Money, Value::Number(n)) => n
            .as_i64()
            .map(|i| Some(Value::from(i)))
            .ok_or("custom.money_integer"),
        (FieldType::MultiSelect, Value::Array(items)) => {
            let mut keys = vec![];
            for item in items {
                let Value::String(k) = item else {
                    return Err("custom.bad_option");
                };
                if !def.options.iter().any(|o| &o.key == k) {
                    return Err("custom.bad_option");
                }
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
            Ok(if keys.is_empty() {
                None
            } else {
                Some(Value::from(keys))
            })
        }
        (_, Value::String(s)) => coerce_text(def, s, cal),
        (
            FieldType::Text
            | FieldType::Select
            | FieldType::Phone
            | FieldType::Email
            | FieldType::Url
            | FieldType::Date,
            Value::Number(n),
        ) => coerce_text(def, &n.to_string(), CalendarKind::Gregorian),
        _ => Err("custom.wrong_type"),
    }
}

/// Parses what a user typed into a form field (dates in their calendar).
pub fn coerce_text(
    def: &FieldDef,
    raw: &str,
    cal: CalendarKind,
) -> Result<Option<Value>, &'static str> {
    let s = text::tidy(raw);
    if s.is_empty() {
        return Ok(None);
    }
    let ascii = crate::digits::to_ascii(&s);
    Ok(Some(match def.field_type {
        FieldType::Text => {
            if s.chars().count() > 1000 {
                return Err("field.too_long");
            }
            Value::String(s)
        }
        FieldType::Number => {
            let cleaned: String = ascii
                .chars()
                .filter(|c| !matches!(c, ',' | '٬' | ' '))
                .collect();
            let cleaned = cleaned.replace('٫', ".");
            if let Ok(i) = cleaned.parse::<i64>() {
                Value::from(i)
            } else {
                let f: f64 = cleaned.parse().map_err(|_| "custom.not_a_number")?;
                if !f.is_finite() {
                    return Err("custom.not_a_number");
                }
                Value::from(f)
            }
        }
        FieldType::Money => {
            let amount = crate::money::parse_amount(&s, &crate::money::Currency::default())
                .map_err(|e| e.code())?;
            Value::from(amount)
        }
        FieldType::Date => {
            // The API sends ISO dates; a form sends the user's calendar.
            let d = NaiveDate::parse_from_str(&ascii, "%Y-%m-%d")
                .ok()
                .filter(|_| {
                    cal == CalendarKind::Gregorian
                        || ascii.starts_with(['1', '2'])
                            && ascii[..4].parse::<i32>().is_ok_and(|y| y > 1700)
                })
                .map(Ok)
                .unwrap_or_else(|| calendar::parse_date(&s, cal))
                .map_err(|e| e.code())?;
            Value::String(d.format("%Y-%m-%d").to_string())
        }
        FieldType::Select => {
            let key = find_option(&def.options, &s)
                .map(|o| o.key.clone())
                .ok_or("custom.bad_option")?;
            Value::String(key)
        }
        FieldType::MultiSelect => {
            let mut keys: Vec<String> = vec![];
            for part in multi_select_parts(&s) {
                let key = find_option(&def.options, part)
                    .map(|o| o.key.clone())
                    .ok_or("custom.bad_option")?;
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            if keys.is_empty() {
                return Ok(None);
            }
            Value::from(keys)
        }
        FieldType::Boolean => match ascii.to_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "بله" | "آری" => Value::Bool(true),
            "false" | "0" | "no" | "off" | "خیر" | "نه" => Value::Bool(false),
            _ => return Err("custom.not_a_boolean"),
        },
        FieldType::Phone => Value::String(
            phone::normalize(&s)
                .map_err(|e| e.code())?
                .as_str()
                .to_owned(),
        ),
        FieldType::Email => Value::String(
            email::parse(&s)
                .map_err(|e| e.code())?
                .as_str()
                .to_lowercase(),
        ),
        FieldType::Url => Value::String(parse_url(&s)?),
    }))
}

/// A date as a person or a program wrote it: an ISO `YYYY-MM-DD` with a Gregorian-era year is
/// taken as Gregorian in any calendar (Jalali years are far below 1700), anything else is read
/// in the user's calendar.
pub fn parse_user_date(raw: &str, cal: CalendarKind) -> Result<NaiveDate, calendar::DateError> {
    let ascii = crate::digits::to_ascii(raw.trim());
    if let Ok(d) = NaiveDate::parse_from_str(&ascii, "%Y-%m-%d")
        && d.year_ce().1 > 1700
    {
        return Ok(d);
    }
    calendar::parse_date(raw, cal)
}

/// Kinds of stage on a pipeline: deals in won/lost stages are closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<StageKind> {
        [StageKind::Open, StageKind::Won, StageKind::Lost]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The stages a new installation's default pipeline starts with: (key, fa, en, probability,
/// kind). The key names the stage in the catalogues (`stage-name-KEY`, `_` as `-`).
pub const DEFAULT_STAGES: [(&str, &str, &str, i64, StageKind); 7] = [
    (
        "qualified",
        "سرنخ واجد شرایط",
        "Qualified",
        10,
        StageKind::Open,
    ),
    (
        "needs_analysis",
        "نیازسنجی",
        "Needs analysis",
        25,
        StageKind::Open,
    ),
    (
        "proposal_sent",
        "ارسال پیش‌فاکتور",
        "Proposal sent",
        50,
        StageKind::Open,
    ),
    ("negotiation", "مذاکره", "Negotiation", 75, StageKind::Open),
    ("contract", "قرارداد", "Contract", 90, StageKind::Open),
    ("won", "برنده", "Won", 100, StageKind::Won),
    ("lost", "از دست رفته", "Lost", 0, StageKind::Lost),
];

/// The pipeline a new installation starts with: (key, Persian name, English name).
pub const DEFAULT_PIPELINE: (&str, &str, &str) = ("sales", "فروش", "Sales");

/// Whether `name` is one of the names of the default pipeline or stage `key` (in any
/// language). Saving a default stage under the name the user sees keeps it a default one, shown
/// in each user's language; any other name is the administrator's own.
pub fn is_default_name(key: &str, name: &str) -> bool {
    let same =
        |a: &str| crate::text::normalize_for_search(a) == crate::text::normalize_for_search(name);
    if key == DEFAULT_PIPELINE.0 {
        return same(DEFAULT_PIPELINE.1) || same(DEFAULT_PIPELINE.2);
    }
    DEFAULT_STAGES
        .iter()
        .any(|(k, fa, en, _, _)| *k == key && (same(fa) || same(en)))
}

/// Where a lead came from.
pub const LEAD_SOURCES: [&str; 9] = [
    "web_form", "phone", "chat", "email", "import", "campaign", "referral", "event", "other",
];

/// A lead's life: new → working → qualified → converted, or disqualified.
pub const LEAD_STATUSES: [&str; 5] = ["new", "working", "qualified", "converted", "disqualified"];

/// Activity kinds.
pub const ACTIVITY_KINDS: [&str; 4] = ["call", "meeting", "task", "note"];

/// Outcomes of a call.
pub const CALL_OUTCOMES: [&str; 5] = [
    "connected",
    "no_answer",
    "busy",
    "left_message",
    "wrong_number",
];

/// Sorted, de-duplicated copy of a list of ids (for membership changes in audits).
pub fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Words of a record's searchable text, normalised once when the record is written.
/// Changing what it produces? Bump `SEARCH_TEXT_VERSION` in the services' `sales::reindex`, so
/// records saved before the change are rebuilt on upgrade.
pub fn search_text(parts: &[&str]) -> String {
    let mut s = String::new();
    let mut push = |n: String| {
        if !n.is_empty() {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&n);
        }
    };
    for p in parts {
        let normal = text::normalize_for_search(p);
        let mut joined: Vec<String> = vec![];
        // A word written with a half-space (`رامشیر‌زاده`) is also found typed without it
        // (`رامشیرزاده`): its joined form is indexed too.
        for word in p
            .split_whitespace()
            .filter(|w| w.contains(['\u{200C}', '\u{200D}']))
        {
            joined.push(text::normalize_for_search(
                &word.replace(['\u{200C}', '\u{200D}'], ""),
            ));
        }
        // And two words of a short field (a name typed with a space, `رامشیر زاده`) are found
        // as one too, as a search typed with a half-space looks them up.
        let words: Vec<&str> = normal.split(' ').collect();
        if (2..=4).contains(&words.len()) {
            joined.extend(words.windows(2).map(|w| format!("{}{}", w[0], w[1])));
        }
        push(normal);
        let mut seen: Vec<String> = vec![];
        for j in joined {
            if !seen.contains(&j) {
                seen.push(j.clone());
                push(j);
            }
        }
    }
    s
}

/// A map keyed by field for quick lookups of definitions.
pub fn defs_by_key(defs: &[FieldDef]) -> BTreeMap<&str, &FieldDef> {
    defs.iter().map(|d| (d.key.as_str(), d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn half_space_words_are_indexed_joined_too() {
        let s = search_text(&["علی", "رامشیر\u{200C}زاده", "0912"]);
        assert_eq!(s, "علی رامشیر زاده رامشیرزاده 0912");
        assert_eq!(search_text(&["مریم", "کاظمی"]), "مریم کاظمی");
        assert_eq!(
            search_text(&["علی", "رامشیر زاده"]),
            "علی رامشیر زاده رامشیرزاده",
            "typed with a space, found as one word too"
        );
        assert_eq!(
            search_text(&["محمد رضا حسینی"]),
            "محمد رضا حسینی محمدرضا رضاحسینی"
        );
        let long = "شرکت بازرگانی نوآوران پارس شرق";
        assert_eq!(search_text(&[long]), long, "long texts are not paired");
    }

    #[test]
    fn default_names_are_known_in_both_languages() {
        assert!(is_default_name("negotiation", "مذاکره"));
        assert!(is_default_name("negotiation", "Negotiation"));
        assert!(is_default_name("negotiation", "negotiation "));
        assert!(is_default_name("sales", "Sales"));
        assert!(!is_default_name("negotiation", "Contract"));
        assert!(!is_default_name("negotiation", "مذاکره نهایی"));
        assert!(!is_default_name("unknown", "مذاکره"));
        let keys: Vec<&str> = DEFAULT_STAGES.iter().map(|s| s.0).collect();
        assert_eq!(keys.len(), 7);
        assert!(
            keys.iter()
                .all(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
    }

    fn def(key: &str, t: FieldType) -> FieldDef {
        FieldDef {
            key: key.into(),
            field_type: t,
            options: vec![
                SelectOption {
                    key: "gold".into(),
                    label_fa: "طلایی".into(),
                    label_en: "Gold".into(),
                },
                SelectOption {
                    key: "silver".into(),
                    label_fa: "نقره‌ای".into(),
                    label_en: "Silver".into(),
                },
            ],
            required: false,
        }
    }

    #[test]
    fn phones_are_normalised_and_deduplicated() {
        let mut p = vec![];
        let out = parse_phones(
            &[
                PhoneEntry {
                    number: "0912 123 4567".into(),
                    label: "mobile".into(),
                },
                PhoneEntry {
                    number: "+989121234567".into(),
                    label: "".into(),
                },
                PhoneEntry {
                    number: "abc".into(),
                    label: "".into(),
                },
                PhoneEntry {
                    number: " ".into(),
                    label: "".into(),
                },
            ],
            &mut p,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].number, "+989121234567");
        assert_eq!(
            p,
            vec![Problem::new("phones[2]", "phone.invalid_characters")]
        );
    }

    #[test]
    fn emails_lowercased_and_checked() {
        let mut p = vec![];
        let out = parse_emails(
            &[
                EmailEntry {
                    address: "Ali@Example.COM".into(),
                    label: "work".into(),
                },
                EmailEntry {
                    address: "nope".into(),
                    label: "".into(),
                },
            ],
            &mut p,
        );
        assert_eq!(out[0].address, "ali@example.com");
        assert_eq!(p[0].field, "emails[1]");
    }

    #[test]
    fn tags_dedupe_on_normalised_form() {
        assert_eq!(
            parse_tags(&[
                "مشتري ويژه".into(),
                "مشتری ویژه".into(),
                " ".into(),
                "VIP".into()
            ]),
            vec!["مشتری ویژه".to_owned(), "VIP".to_owned()]
        );
    }

    #[test]
    fn urls() {
        assert_eq!(parse_url("example.com").unwrap(), "https://example.com");
        assert_eq!(parse_url("http://x.ir/a").unwrap(), "http://x.ir/a");
        assert!(parse_url("not a url").is_err());
        assert!(parse_url("ftp://x.ir").is_err());
    }

    #[test]
    fn custom_values_from_json() {
        let defs = vec![
            def("tier", FieldType::Select),
            def("size", FieldType::Number),
            def("since", FieldType::Date),
            def("vip", FieldType::Boolean),
            def("tags", FieldType::MultiSelect),
            def("budget", FieldType::Money),
        ];
        let input = json!({"tier": "gold", "size": 12, "since": "2024-03-20", "vip": true, "tags": ["gold", "gold", "silver"], "budget": 1500000});
        let out =
            validate_custom(&defs, input.as_object().unwrap(), CalendarKind::Gregorian).unwrap();
        assert_eq!(out["tier"], "gold");
        assert_eq!(out["size"], 12);
        assert_eq!(out["since"], "2024-03-20");
        assert_eq!(out["tags"], json!(["gold", "silver"]));
        let bad = json!({"tier": "platinum", "size": "many", "vip": "perhaps", "nope": 1});
        let errs =
            validate_custom(&defs, bad.as_object().unwrap(), CalendarKind::Gregorian).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|p| p.field.as_str()).collect();
        assert!(
            fields.contains(&"custom.tier")
                && fields.contains(&"custom.size")
                && fields.contains(&"custom.vip")
                && fields.contains(&"custom.nope")
        );
    }

    #[test]
    fn multi_select_text_names_its_unknown_choices() {
        let d = def("tags", FieldType::MultiSelect);
        let v = coerce_text(&d, "gold، Silver ,", CalendarKind::Gregorian).unwrap();
        assert_eq!(v, Some(json!(["gold", "silver"])));
        assert_eq!(coerce_text(&d, " , ", CalendarKind::Gregorian), Ok(None));
        assert_eq!(
            coerce_text(&d, "gold,platinum", CalendarKind::Gregorian),
            Err("custom.bad_option")
        );
        assert_eq!(
            unknown_options(&d.options, "gold, platinum;طلايي، مس"),
            vec!["platinum".to_owned(), "مس".to_owned()],
            "labels count as choices, Arabic letters are read as Persian"
        );
        assert!(unknown_options(&d.options, "").is_empty());
    }

    #[test]
    fn required_custom_fields() {
        let mut d = def("tier", FieldType::Select);
        d.required = true;
        let errs = validate_custom(&[d], &Map::new(), CalendarKind::Jalali).unwrap_err();
        assert_eq!(errs, vec![Problem::new("custom.tier", "field.required")]);
    }

    #[test]
    fn form_values_follow_the_users_calendar() {
        let d = def("since", FieldType::Date);
        assert_eq!(
            coerce_text(&d, "۱۴۰۳/۱۲/۳۰", CalendarKind::Jalali)
                .unwrap()
                .unwrap(),
            "2025-03-20"
        );
        assert_eq!(
            coerce_text(&d, "1403-01-01", CalendarKind::Jalali)
                .unwrap()
                .unwrap(),
            "2024-03-20"
        );
        assert_eq!(
            coerce_text(&d, "2025-03-20", CalendarKind::Jalali)
                .unwrap()
                .unwrap(),
            "2025-03-20"
        );
        assert_eq!(
            coerce_text(&d, "1404/12/30", CalendarKind::Jalali).unwrap_err(),
            "date.bad_day"
        );
        let n = def("n", FieldType::Number);
        assert_eq!(
            coerce_text(&n, "۱٬۲۵۰", CalendarKind::Jalali)
                .unwrap()
                .unwrap(),
            1250
        );
        let s = def("tier", FieldType::Select);
        assert_eq!(
            coerce_text(&s, "طلایی", CalendarKind::Jalali)
                .unwrap()
                .unwrap(),
            "gold"
        );
        let b = def("vip", FieldType::Boolean);
        assert_eq!(
            coerce_text(&b, "بله", CalendarKind::Jalali)
                .unwrap()
                .unwrap(),
            true
        );
        let p = def("p", FieldType::Phone);
        assert_eq!(
            coerce_text(&p, "۰۹۱۲۱۲۳۴۵۶۷", CalendarKind::Jalali)
                .unwrap()
                .unwrap(),
            "+989121234567"
        );
    }

    #[test]
    fn field_keys() {
        assert!(valid_field_key("customer_tier2"));
        assert!(!valid_field_key("2tier"));
        assert!(!valid_field_key("Tier"));
        assert!(!valid_field_key(""));
    }
}
