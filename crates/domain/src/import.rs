//! Reading import files (CSV in UTF-8 with `,` `;` or tab, xlsx's first sheet) into rows of text,
//! and suggesting which record field each column fills from its header (Persian or English).
//! Pure: bytes in, text out; no IO beyond the given bytes.

use std::io::Cursor;

use crate::calendar::CalendarKind;
use crate::text;

/// A file read into a header row and data rows (every row as long as the header).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file has no header row")]
    Empty,
    #[error("the file is not valid UTF-8 CSV or xlsx")]
    Unreadable,
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "import.file_empty",
            FileError::Unreadable => "import.file_unreadable",
        }
    }
}

/// Reads a CSV or xlsx file; xlsx is told by its zip signature (or the `.xlsx` name).
pub fn read_file(name: &str, bytes: &[u8]) -> Result<Sheet, FileError> {
    if bytes.starts_with(b"PK\x03\x04") || name.to_ascii_lowercase().ends_with(".xlsx") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

/// The delimiter of a CSV: whichever of `,` `;` tab occurs most in the first line (outside
/// quotes).
pub fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

pub fn read_csv(bytes: &[u8]) -> Result<Sheet, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::Unreadable)?;
    let delimiter = sniff_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(|h| h.trim().to_owned()).collect(),
        Some(Err(_)) => return Err(FileError::Unreadable),
        None => return Err(FileError::Empty),
    };
    if headers.iter().all(String::is_empty) {
        return Err(FileError::Empty);
    }
    let width = headers.len();
    let mut rows = vec![];
    for r in records {
        let r = r.map_err(|_| FileError::Unreadable)?;
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row: Vec<String> = r.iter().take(width).map(str::to_owned).collect();
        row.resize(width, String::new());
        rows.push(row);
    }
    Ok(Sheet { headers, rows })
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    }
}

pub fn read_xlsx(bytes: &[u8]) -> Result<Sheet, FileError> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or(FileError::Empty)?
        .map_err(|_| FileError::Unreadable)?;
    let mut rows = range.rows();
    let headers: Vec<String> = match rows.next() {
        Some(r) => r.iter().map(|c| cell_text(c).trim().to_owned()).collect(),
        None => return Err(FileError::Empty),
    };
    if headers.iter().all(String::is_empty) {
        return Err(FileError::Empty);
    }
    let width = headers.len();
    let mut out = vec![];
    for r in rows {
        let mut row: Vec<String> = r.iter().take(width).map(cell_text).collect();
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        row.resize(width, String::new());
        out.push(row);
    }
    Ok(Sheet { headers, rows: out })
}

/// The fields an import of a record type may fill (custom fields are `custom.KEY`).
pub fn importable_fields(record_type: &str) -> &'static [&'static str] {
    match record_type {
        "contact" => &[
            "first_name",
            "last_name",
            "company",
            "job_title",
            "phones",
            "emails",
            "website",
            "province",
            "city",
            "address",
            "national_id",
            "birth_date",
            "anniversary_date",
            "preferred_channel",
            "tags",
        ],
        "company" => &[
            "name",
            "industry",
            "website",
            "phones",
            "emails",
            "province",
            "city",
            "address",
            "postal_code",
            "national_id",
            "economic_code",
            "employees",
            "tags",
        ],
        "lead" => &[
            "title",
            "first_name",
            "last_name",
            "company_name",
            "phone",
            "email",
            "source",
            "channel",
            "campaign",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_term",
            "utm_content",
            "status",
        ],
        "deal" => &[
            "title",
            "amount",
            "currency",
            "expected_close_date",
            "lost_reason",
        ],
        _ => &[],
    }
}

/// Header names (compared after [`header_key`]) that suggest a field.
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "first_name",
        &["نام", "نام کوچک", "firstname", "first", "givenname", "name"],
    ),
    (
        "last_name",
        &[
            "نام خانوادگی",
            "نامخانوادگی",
            "فامیل",
            "فامیلی",
            "lastname",
            "last",
            "surname",
            "familyname",
            "family",
        ],
    ),
    (
        "phones",
        &[
            "تلفن همراه",
            "موبایل",
            "تلفن",
            "شماره تلفن",
            "شماره موبایل",
            "همراه",
            "mobile",
            "phone",
            "phones",
            "tel",
            "telephone",
            "cell",
        ],
    ),
    (
        "phone",
        &[
            "تلفن همراه",
            "موبایل",
            "تلفن",
            "شماره تلفن",
            "شماره موبایل",
            "mobile",
            "phone",
            "tel",
            "telephone",
        ],
    ),
    (
        "emails",
        &[
            "ایمیل",
            "پست الکترونیک",
            "رایانامه",
            "email",
            "emails",
            "mail",
            "e-mail",
        ],
    ),
    (
        "email",
        &[
            "ایمیل",
            "پست الکترونیک",
            "رایانامه",
            "email",
            "mail",
            "e-mail",
        ],
    ),
    (
        "national_id",
        &[
            "کد ملی",
            "کدملی",
            "شناسه ملی",
            "nationalid",
            "nationalcode",
            "melli",
        ],
    ),
    (
        "birth_date",
        &[
            "تاریخ تولد",
            "تولد",
            "birthdate",
            "birthday",
            "dateofbirth",
            "dob",
        ],
    ),
    (
        "anniversary_date",
        &["سالگرد", "تاریخ سالگرد", "anniversary"],
    ),
    (
        "company",
        &[
            "شرکت",
            "نام شرکت",
            "سازمان",
            "company",
            "organization",
            "organisation",
        ],
    ),
    (
        "company_name",
        &[
            "شرکت",
            "نام شرکت",
            "سازمان",
            "company",
            "companyname",
            "organization",
        ],
    ),
    (
        "name",
        &["نام", "نام شرکت", "شرکت", "name", "company", "companyname"],
    ),
    (
        "job_title",
        &["سمت", "عنوان شغلی", "شغل", "jobtitle", "position", "role"],
    ),
    (
        "website",
        &["وب سایت", "وبسایت", "سایت", "website", "web", "url", "site"],
    ),
    ("city", &["شهر", "city", "town"]),
    ("province", &["استان", "province", "state", "region"]),
    ("address", &["نشانی", "آدرس", "address"]),
    (
        "postal_code",
        &[
            "کد پستی",
            "کدپستی",
            "postalcode",
            "zip",
            "zipcode",
            "postcode",
        ],
    ),
    (
        "economic_code",
        &["کد اقتصادی", "کداقتصادی", "economiccode"],
    ),
    ("industry", &["صنعت", "حوزه", "industry"]),
    (
        "employees",
        &["تعداد کارکنان", "کارکنان", "employees", "staff"],
    ),
    (
        "tags",
        &["برچسب", "برچسب ها", "تگ", "tags", "tag", "labels"],
    ),
    (
        "preferred_channel",
        &["کانال ترجیحی", "preferredchannel", "channel"],
    ),
    ("title", &["عنوان", "title", "subject"]),
    ("source", &["منبع", "source"]),
    ("channel", &["کانال", "channel"]),
    ("campaign", &["کمپین", "campaign"]),
    ("status", &["وضعیت", "status"]),
    ("amount", &["مبلغ", "ارزش", "amount", "value"]),
    ("currency", &["ارز", "واحد پول", "currency"]),
    (
        "expected_close_date",
        &[
            "تاریخ بستن",
            "تاریخ پیش بینی",
            "closedate",
            "expectedclosedate",
        ],
    ),
    ("lost_reason", &["دلیل باخت", "lostreason"]),
    ("utm_source", &["utmsource"]),
    ("utm_medium", &["utmmedium"]),
    ("utm_campaign", &["utmcampaign"]),
    ("utm_term", &["utmterm"]),
    ("utm_content", &["utmcontent"]),
];

/// A header as compared: normalised Persian, lowercase, without spaces, ZWNJ, `_` or `-`.
pub fn header_key(h: &str) -> String {
    text::normalize_for_search(h)
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '\u{200c}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A custom field a column may fill: its key and its labels.
#[derive(Clone, Debug)]
pub struct CustomLabel {
    pub key: String,
    pub label_fa: String,
    pub label_en: String,
}

/// Suggests a field for each column (None: not imported). A field is suggested once, except
/// phones and emails, which take every matching column.
pub fn auto_map(
    record_type: &str,
    headers: &[String],
    custom: &[CustomLabel],
) -> Vec<Option<String>> {
    let fields = importable_fields(record_type);
    let mut used: Vec<String> = vec![];
    headers
        .iter()
        .map(|h| {
            let k = header_key(h);
            if k.is_empty() {
                return None;
            }
            let mut found: Option<String> = None;
            // The field's own name first, then synonyms, then custom fields.
            for f in fields {
                if header_key(f) == k {
                    found = Some((*f).to_owned());
                    break;
                }
            }
            if found.is_none() {
                'outer: for (f, names) in SYNONYMS {
                    if !fields.contains(f) {
                        continue;
                    }
                    for n in *names {
                        if header_key(n) == k {
                            found = Some((*f).to_owned());
                            break 'outer;
                        }
                    }
                }
            }
            if found.is_none() {
                let stripped = k.strip_prefix("custom").unwrap_or(&k);
                for c in custom {
                    if header_key(&c.key) == stripped
                        || header_key(&c.label_fa) == k
                        || header_key(&c.label_en) == k
                    {
                        found = Some(format!("custom.{}", c.key));
                        break;
                    }
                }
            }
            let f = found?;
            let multi = f == "phones" || f == "emails";
            if !multi && used.contains(&f) {
                return None;
            }
            used.push(f.clone());
            Some(f)
        })
        .collect()
}

/// The calendar a typed date is in when its year says so (`1369/01/01` is Jalali, `1990-03-21`
/// Gregorian, whatever the user's calendar); `fallback` otherwise.
pub fn detect_calendar(raw: &str, fallback: CalendarKind) -> CalendarKind {
    let ascii = crate::digits::to_ascii(raw.trim());
    let year = ascii
        .split(|c: char| !c.is_ascii_digit())
        .find(|p| !p.is_empty())
        .and_then(|p| (p.len() == 4).then(|| p.parse::<u32>().ok()).flatten());
    match year {
        Some(1200..=1499) => CalendarKind::Jalali,
        Some(1700..=2300) => CalendarKind::Gregorian,
        _ => fallback,
    }
}

/// A date cell as ISO `YYYY-MM-DD` when it reads as a date in the calendar its year implies;
/// the cell unchanged otherwise (so validation reports it).
pub fn normalize_date_cell(raw: &str, fallback: CalendarKind) -> String {
    match crate::sales::parse_user_date(raw, detect_calendar(raw, fallback)) {
        Ok(d) => d.format("%Y-%m-%d").to_string(),
        Err(_) => raw.to_owned(),
    }
}

/// Parses a `--map "Column=field,Other=field2"` argument into (column, field) pairs.
pub fn parse_map_arg(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .filter_map(|pair| {
            let (c, f) = pair.split_once('=')?;
            let (c, f) = (c.trim(), f.trim());
            (!c.is_empty()).then(|| (c.to_owned(), f.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_bom_and_semicolons() {
        let s = read_csv("\u{feff}نام;نام خانوادگی;موبایل\nعلی;رضایی;۰۹۱۲۱۲۳۴۵۶۷\n\n".as_bytes())
            .unwrap();
        assert_eq!(s.headers, vec!["نام", "نام خانوادگی", "موبایل"]);
        assert_eq!(s.rows.len(), 1);
        let tabs = read_csv(b"a\tb\n1\t2\n").unwrap();
        assert_eq!(tabs.rows[0], vec!["1", "2"]);
        assert_eq!(read_csv(b""), Err(FileError::Empty));
        assert_eq!(read_csv(&[0xff, 0xfe, 0x00]), Err(FileError::Unreadable));
    }

    #[test]
    fn dates_are_read_in_the_calendar_their_year_implies() {
        assert_eq!(
            normalize_date_cell("۱۳۶۹/۰۱/۰۱", CalendarKind::Gregorian),
            "1990-03-21"
        );
        assert_eq!(
            normalize_date_cell("1990-03-21", CalendarKind::Jalali),
            "1990-03-21"
        );
        assert_eq!(
            normalize_date_cell("1369-13-01", CalendarKind::Gregorian),
            "1369-13-01"
        );
    }

    #[test]
    fn persian_and_english_headers_are_mapped() {
        let h: Vec<String> = [
            "نام",
            "نام خانوادگی",
            "تلفن همراه",
            "Email",
            "کد ملی",
            "تاریخ تولد",
            "شهر",
            "Tier",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let custom = [CustomLabel {
            key: "tier".into(),
            label_fa: "سطح".into(),
            label_en: "Tier".into(),
        }];
        let m = auto_map("contact", &h, &custom);
        let m: Vec<Option<&str>> = m.iter().map(|x| x.as_deref()).collect();
        assert_eq!(
            m,
            vec![
                Some("first_name"),
                Some("last_name"),
                Some("phones"),
                Some("emails"),
                Some("national_id"),
                Some("birth_date"),
                Some("city"),
                Some("custom.tier"),
                None
            ]
        );
        assert_eq!(
            parse_map_arg("Mobile=phones, Name = first_name"),
            vec![
                ("Mobile".into(), "phones".into()),
                ("Name".into(), "first_name".into())
            ]
        );
    }
}
