//! Jalali (Solar Hijri) and Gregorian dates: conversion, parsing, formatting
//! and "this month"/"this year" ranges.
//!
//! Dates are always stored as [`chrono::NaiveDate`] (Gregorian); the Jalali
//! calendar is only a way of reading and writing them. All Jalali ⇄
//! Gregorian conversion goes through `icu_calendar`'s `Persian` calendar —
//! leap-year rules are subtle and we do not reimplement them.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use icu_calendar::cal::Persian;
use icu_calendar::types::RataDie;
use icu_calendar::{Date, Iso};
use serde::{Deserialize, Serialize};

use crate::prefs::{DigitStyle, Language, PrefsError, UserPrefs};

/// Which calendar a user reads and types dates in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarKind {
    /// Solar Hijri (هجری شمسی), the official calendar in Iran. Default.
    #[default]
    Jalali,
    /// The Gregorian (میلادی) calendar.
    Gregorian,
}

impl CalendarKind {
    /// The stored name (`jalali` / `gregorian`).
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarKind::Jalali => "jalali",
            CalendarKind::Gregorian => "gregorian",
        }
    }
}

impl fmt::Display for CalendarKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CalendarKind {
    type Err = PrefsError;

    /// Accepts `jalali`/`gregorian` case-insensitively, plus the common
    /// aliases `persian`/`shamsi` and `miladi`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jalali" | "persian" | "shamsi" => Ok(CalendarKind::Jalali),
            "gregorian" | "miladi" => Ok(CalendarKind::Gregorian),
            _ => Err(PrefsError::UnknownCalendar(s.to_owned())),
        }
    }
}

/// Why a date could not be built or parsed. The English `Display` is for
/// logs; the UI translates [`DateError::code`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing was typed.
    #[error("the date is empty")]
    Empty,
    /// The text is not `year/month/day` with a four-digit year.
    #[error("the date is not in year/month/day form")]
    BadFormat,
    /// The year is outside the range we can convert.
    #[error("year {year} is out of the supported range")]
    YearOutOfRange {
        /// The year as given.
        year: i32,
    },
    /// The month is not 1–12.
    #[error("month {month} is out of range 1-12")]
    MonthOutOfRange {
        /// The month as given.
        month: u32,
    },
    /// The year belongs to the other calendar: `1405/10/01` typed by a Gregorian user, or
    /// `2025/06/30` by a Jalali one. Read as typed it would land centuries away.
    #[error("year {year} looks like a date of the other calendar")]
    OtherCalendar {
        /// The year as given.
        year: i32,
        /// The calendar the date was read in.
        calendar: CalendarKind,
    },
    /// The day does not exist in that month (e.g. 30 Esfand in a common year).
    #[error("day {day} is out of range for {year}/{month} (1-{max_day})")]
    DayOutOfRange {
        /// The year as given.
        year: i32,
        /// The month as given.
        month: u32,
        /// The day as given.
        day: u32,
        /// The last day of that month.
        max_day: u32,
    },
}

impl DateError {
    /// Stable machine-readable key for translation.
    pub fn code(&self) -> &'static str {
        match self {
            DateError::Empty => "date.empty",
            DateError::BadFormat => "date.bad_format",
            DateError::YearOutOfRange { .. } => "date.bad_year",
            DateError::MonthOutOfRange { .. } => "date.bad_month",
            DateError::DayOutOfRange { .. } => "date.bad_day",
            DateError::OtherCalendar {
                calendar: CalendarKind::Gregorian,
                ..
            } => "date.looks_jalali",
            DateError::OtherCalendar {
                calendar: CalendarKind::Jalali,
                ..
            } => "date.looks_gregorian",
        }
    }
}

/// A date in the Jalali calendar, as shown to users. Fields are ordered so
/// the derived `Ord` is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct JalaliDate {
    /// Solar Hijri year, e.g. 1403.
    pub year: i32,
    /// Month 1 (Farvardin) – 12 (Esfand).
    pub month: u8,
    /// Day of month 1–31.
    pub day: u8,
}

impl JalaliDate {
    /// Converts back to the Gregorian date we store.
    pub fn to_gregorian(self) -> Result<NaiveDate, DateError> {
        from_jalali(self.year, self.month, self.day)
    }
}

impl fmt::Display for JalaliDate {
    /// `1403/12/30`, with ASCII digits (apply a [`DigitStyle`] for display).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }
}

impl From<NaiveDate> for JalaliDate {
    fn from(d: NaiveDate) -> Self {
        to_jalali(d)
    }
}

/// Converts a chrono date into an ICU ISO date. Dates outside ICU's
/// supported range (years beyond ±9999 or so) are clamped by ICU itself.
fn to_icu_iso(d: NaiveDate) -> Date<Iso> {
    let (Ok(month), Ok(day)) = (u8::try_from(d.month()), u8::try_from(d.day())) else {
        unreachable!("chrono months and days fit in u8");
    };
    Date::try_new_iso(d.year(), month, day).unwrap_or_else(|_| {
        // chrono's day count from 0001-01-01 (= 1) is the Rata Die number.
        Date::from_rata_die(RataDie::new(i64::from(d.num_days_from_ce())), Iso)
    })
}

/// Converts an ICU ISO date back to chrono.
fn from_icu_iso(d: &Date<Iso>) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        d.year().extended_year(),
        u32::from(d.month().ordinal),
        u32::from(d.day_of_month().0),
    )
}

/// The Jalali date of a stored (Gregorian) date, for display.
pub fn to_jalali(d: NaiveDate) -> JalaliDate {
    let p = to_icu_iso(d).to_calendar(Persian::new());
    JalaliDate {
        year: p.year().extended_year(),
        month: p.month().ordinal,
        day: p.day_of_month().0,
    }
}

/// The Gregorian date of a Jalali date the user chose, validating that the
/// day exists (30 Esfand exists only in leap years).
pub fn from_jalali(year: i32, month: u8, day: u8) -> Result<NaiveDate, DateError> {
    if !(1..=12).contains(&month) {
        return Err(DateError::MonthOutOfRange {
            month: u32::from(month),
        });
    }
    let first =
        Date::try_new_persian(year, month, 1).map_err(|_| DateError::YearOutOfRange { year })?;
    let max_day = first.days_in_month();
    if day < 1 || day > max_day {
        return Err(DateError::DayOutOfRange {
            year,
            month: u32::from(month),
            day: u32::from(day),
            max_day: u32::from(max_day),
        });
    }
    let date =
        Date::try_new_persian(year, month, day).map_err(|_| DateError::YearOutOfRange { year })?;
    from_icu_iso(&date.to_calendar(Iso)).ok_or(DateError::YearOutOfRange { year })
}

/// Number of days in a Jalali month (31 for months 1–6, 30 for 7–11, 29 or
/// 30 for Esfand). Returns 0 for a month outside 1–12 or an unsupported year
/// so callers building pickers never panic.
pub fn days_in_jalali_month(year: i32, month: u8) -> u8 {
    if !(1..=12).contains(&month) {
        return 0;
    }
    Date::try_new_persian(year, month, 1).map_or(0, |d| d.days_in_month())
}

/// Whether a Jalali year has 366 days (Esfand has 30 days).
pub fn is_jalali_leap_year(year: i32) -> bool {
    Date::try_new_persian(year, 1, 1).is_ok_and(|d| d.is_in_leap_year())
}

/// Days in a Gregorian month, via chrono (0 if out of range).
fn days_in_gregorian_month(year: i32, month: u32) -> u32 {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return 0;
    };
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.saturating_add(1), 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match next {
        Some(n) => u32::try_from((n - first).num_days()).unwrap_or(0),
        None => 31,
    }
}

/// Builds a Gregorian date with the same validation errors as Jalali.
fn from_gregorian(year: i32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    if !(1..=12).contains(&month) {
        return Err(DateError::MonthOutOfRange { month });
    }
    let max_day = days_in_gregorian_month(year, month);
    if max_day == 0 {
        return Err(DateError::YearOutOfRange { year });
    }
    if day < 1 || day > max_day {
        return Err(DateError::DayOutOfRange {
            year,
            month,
            day,
            max_day,
        });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::YearOutOfRange { year })
}

/// Parses a date the user typed in their calendar.
///
/// Order is year, month, day with a four-digit year; parts are separated by
/// one of `/ - .` and/or spaces; Persian and Arabic-Indic digits are
/// accepted. So `۱۴۰۳/۱۲/۳۰`, `1403-12-30` and `1403 / 1 / 5` all work for
/// Jalali, and ISO `2025-03-20` works for Gregorian.
pub fn parse_date(input: &str, cal: CalendarKind) -> Result<NaiveDate, DateError> {
    let s: String = crate::digits::to_ascii(input)
        .chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{200C}'))
        .collect();
    let s = s.trim();
    if s.is_empty() {
        return Err(DateError::Empty);
    }

    let mut parts: Vec<&str> = Vec::with_capacity(3);
    let mut rest = s;
    loop {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits_end == 0 {
            return Err(DateError::BadFormat);
        }
        parts.push(&rest[..digits_end]);
        rest = &rest[digits_end..];
        if rest.is_empty() {
            break;
        }
        let sep_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let sep = &rest[..sep_end];
        let marks = sep.chars().filter(|c| matches!(c, '/' | '-' | '.')).count();
        let only_sep_chars = sep
            .chars()
            .all(|c| c.is_whitespace() || matches!(c, '/' | '-' | '.'));
        if !only_sep_chars || marks > 1 {
            return Err(DateError::BadFormat);
        }
        rest = &rest[sep_end..];
        if parts.len() == 3 {
            return Err(DateError::BadFormat);
        }
    }

    let [y, m, d] = parts[..] else {
        return Err(DateError::BadFormat);
    };
    if y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return Err(DateError::BadFormat);
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>())
    else {
        return Err(DateError::BadFormat);
    };

    // Recent Jalali years are 13xx–14xx and Gregorian ones 19xx–20xx: a year of the other
    // range is the other calendar's date, not one six centuries away.
    let other = match cal {
        CalendarKind::Gregorian => (1200..=1500).contains(&year),
        CalendarKind::Jalali => (1900..=2200).contains(&year),
    };
    if other {
        return Err(DateError::OtherCalendar {
            year,
            calendar: cal,
        });
    }
    match cal {
        CalendarKind::Gregorian => from_gregorian(year, month, day),
        CalendarKind::Jalali => {
            if !(1..=12).contains(&month) {
                return Err(DateError::MonthOutOfRange { month });
            }
            // month ≤ 12 and day ≤ 99 here, so the casts are lossless.
            from_jalali(year, month as u8, day as u8)
        }
    }
}

/// How much detail [`format_date`] shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DateStyle {
    /// `1403/12/30` (Jalali) or `2025-03-20` (Gregorian): compact, for tables.
    #[default]
    Numeric,
    /// `۳۰ اسفند ۱۴۰۳` / `20 March 2025`: for headings and detail pages.
    Long,
    /// `پنجشنبه ۳۰ اسفند ۱۴۰۳` / `Thursday, 20 March 2025`: for agendas.
    LongWithWeekday,
}

/// Formats a stored date in the user's calendar, language and digits.
pub fn format_date(
    d: NaiveDate,
    cal: CalendarKind,
    lang: Language,
    digits: DigitStyle,
    style: DateStyle,
) -> String {
    let (year, month, day) = match cal {
        CalendarKind::Jalali => {
            let j = to_jalali(d);
            (j.year, j.month, j.day)
        }
        // chrono months/days always fit in u8.
        CalendarKind::Gregorian => (d.year(), d.month() as u8, d.day() as u8),
    };
    let text = match style {
        DateStyle::Numeric => match cal {
            CalendarKind::Jalali => format!("{year:04}/{month:02}/{day:02}"),
            CalendarKind::Gregorian => format!("{year:04}-{month:02}-{day:02}"),
        },
        DateStyle::Long => format!("{day} {} {year}", month_name(cal, lang, month)),
        DateStyle::LongWithWeekday => {
            let wd = weekday_name(lang, d.weekday());
            let sep = match lang {
                Language::Fa => " ",
                Language::En => ", ",
            };
            format!("{wd}{sep}{day} {} {year}", month_name(cal, lang, month))
        }
    };
    digits.apply(&text)
}

/// Formats an instant as numeric date and `HH:MM` in the user's time zone,
/// calendar and digits, e.g. `۱۴۰۳/۱۲/۳۰ ۱۴:۰۵`.
pub fn format_datetime(t: chrono::DateTime<chrono::Utc>, prefs: &UserPrefs) -> String {
    let local = t.with_timezone(&prefs.time_zone);
    let date = format_date(
        local.date_naive(),
        prefs.calendar,
        prefs.language,
        prefs.digits,
        DateStyle::Numeric,
    );
    let time = prefs.apply_digits(&local.format("%H:%M").to_string());
    format!("{date} {time}")
}

const JALALI_FA: [&str; 12] = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
];
const JALALI_EN: [&str; 12] = [
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
];
const GREGORIAN_FA: [&str; 12] = [
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "مه",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
];
const GREGORIAN_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The name of month `month` (1–12) of `cal` in `lang`, for pickers and long
/// dates. Returns `""` for a month outside 1–12 rather than panicking.
pub fn month_name(cal: CalendarKind, lang: Language, month: u8) -> &'static str {
    let table = match (cal, lang) {
        (CalendarKind::Jalali, Language::Fa) => &JALALI_FA,
        (CalendarKind::Jalali, Language::En) => &JALALI_EN,
        (CalendarKind::Gregorian, Language::Fa) => &GREGORIAN_FA,
        (CalendarKind::Gregorian, Language::En) => &GREGORIAN_EN,
    };
    usize::from(month)
        .checked_sub(1)
        .and_then(|i| table.get(i))
        .copied()
        .unwrap_or("")
}

/// The name of a weekday in `lang`. Persian `سه‌شنبه` and `چهارشنبه`
/// follow standard spelling (ZWNJ in سه‌شنبه).
pub fn weekday_name(lang: Language, wd: Weekday) -> &'static str {
    match lang {
        Language::Fa => match wd {
            Weekday::Sat => "شنبه",
            Weekday::Sun => "یکشنبه",
            Weekday::Mon => "دوشنبه",
            Weekday::Tue => "سه\u{200C}شنبه",
            Weekday::Wed => "چهارشنبه",
            Weekday::Thu => "پنجشنبه",
            Weekday::Fri => "جمعه",
        },
        Language::En => match wd {
            Weekday::Mon => "Monday",
            Weekday::Tue => "Tuesday",
            Weekday::Wed => "Wednesday",
            Weekday::Thu => "Thursday",
            Weekday::Fri => "Friday",
            Weekday::Sat => "Saturday",
            Weekday::Sun => "Sunday",
        },
    }
}

/// First day of (year, month) in `cal`, saturating at chrono's limits so
/// absurd offsets never panic.
fn first_of_month(cal: CalendarKind, year: i64, month: u8) -> NaiveDate {
    let Ok(y) = i32::try_from(year) else {
        return if year < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        };
    };
    let built = match cal {
        CalendarKind::Jalali => from_jalali(y, month, 1).ok(),
        CalendarKind::Gregorian => NaiveDate::from_ymd_opt(y, u32::from(month), 1),
    };
    built.unwrap_or(if year < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// (year, month) of `today` in `cal`.
fn year_month(today: NaiveDate, cal: CalendarKind) -> (i64, u8) {
    match cal {
        CalendarKind::Jalali => {
            let j = to_jalali(today);
            (i64::from(j.year), j.month)
        }
        CalendarKind::Gregorian => (i64::from(today.year()), today.month() as u8),
    }
}

/// `[start, end)` of the month containing `today` in the user's calendar,
/// moved by `offset_months` (0 = this month, -1 = last month), for
/// "this month" / "last month" filters.
pub fn month_range(
    today: NaiveDate,
    cal: CalendarKind,
    offset_months: i32,
) -> (NaiveDate, NaiveDate) {
    let (year, month) = year_month(today, cal);
    // Month counting, not calendar arithmetic: index months from year 0.
    let index = year * 12 + i64::from(month) - 1 + i64::from(offset_months);
    let next = index + 1;
    let start = first_of_month(cal, index.div_euclid(12), (index.rem_euclid(12) + 1) as u8);
    let end = first_of_month(cal, next.div_euclid(12), (next.rem_euclid(12) + 1) as u8);
    (start, end)
}

/// `[start, end)` of the year containing `today` in the user's calendar
/// (1 Farvardin for Jalali, 1 January for Gregorian), moved by
/// `offset_years`, for "this year" / "last year" filters.
pub fn year_range(
    today: NaiveDate,
    cal: CalendarKind,
    offset_years: i32,
) -> (NaiveDate, NaiveDate) {
    let (year, _) = year_month(today, cal);
    let y = year + i64::from(offset_years);
    (first_of_month(cal, y, 1), first_of_month(cal, y + 1, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn g(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn j(year: i32, month: u8, day: u8) -> JalaliDate {
        JalaliDate { year, month, day }
    }

    #[test]
    fn known_conversions_to_jalali() {
        assert_eq!(to_jalali(g(2025, 3, 21)), j(1404, 1, 1));
        assert_eq!(to_jalali(g(2024, 3, 20)), j(1403, 1, 1));
        assert_eq!(to_jalali(g(2025, 3, 20)), j(1403, 12, 30));
        assert_eq!(to_jalali(g(1979, 2, 11)), j(1357, 11, 22));
        assert_eq!(to_jalali(g(2024, 3, 19)), j(1402, 12, 29));
        assert_eq!(to_jalali(g(2021, 3, 20)), j(1399, 12, 30));
        assert_eq!(to_jalali(g(2021, 3, 21)), j(1400, 1, 1));
        assert_eq!(JalaliDate::from(g(2025, 3, 21)), j(1404, 1, 1));
    }

    #[test]
    fn known_conversions_from_jalali() {
        assert_eq!(from_jalali(1404, 1, 1), Ok(g(2025, 3, 21)));
        assert_eq!(from_jalali(1403, 1, 1), Ok(g(2024, 3, 20)));
        assert_eq!(from_jalali(1403, 12, 30), Ok(g(2025, 3, 20)));
        assert_eq!(from_jalali(1357, 11, 22), Ok(g(1979, 2, 11)));
        assert_eq!(from_jalali(1399, 12, 30), Ok(g(2021, 3, 20)));
        assert_eq!(j(1403, 12, 30).to_gregorian(), Ok(g(2025, 3, 20)));
    }

    #[test]
    fn invalid_jalali_dates() {
        assert_eq!(
            from_jalali(1404, 12, 30),
            Err(DateError::DayOutOfRange {
                year: 1404,
                month: 12,
                day: 30,
                max_day: 29
            })
        );
        assert_eq!(
            from_jalali(1403, 13, 1),
            Err(DateError::MonthOutOfRange { month: 13 })
        );
        assert_eq!(
            from_jalali(1403, 0, 1),
            Err(DateError::MonthOutOfRange { month: 0 })
        );
        assert_eq!(from_jalali(1403, 7, 31).unwrap_err().code(), "date.bad_day");
        assert_eq!(from_jalali(1403, 1, 0).unwrap_err().code(), "date.bad_day");
        assert_eq!(from_jalali(1403, 1, 32).unwrap_err().code(), "date.bad_day");
        assert_eq!(from_jalali(1403, 1, 31), Ok(g(2024, 4, 19)));
        assert_eq!(
            from_jalali(2_000_000, 1, 1).unwrap_err().code(),
            "date.bad_year"
        );
    }

    #[test]
    fn round_trip_over_many_days() {
        let mut d = g(1990, 1, 1);
        let end = g(2040, 1, 1);
        let mut prev = to_jalali(d - chrono::Days::new(1));
        while d < end {
            let jd = to_jalali(d);
            assert!(jd > prev, "{d}: {jd} not after {prev}");
            assert_eq!(jd.to_gregorian(), Ok(d));
            prev = jd;
            d = d.succ_opt().unwrap();
        }
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(is_jalali_leap_year(1403));
        assert!(is_jalali_leap_year(1399));
        assert!(!is_jalali_leap_year(1404));
        assert!(!is_jalali_leap_year(1402));
        assert_eq!(days_in_jalali_month(1403, 12), 30);
        assert_eq!(days_in_jalali_month(1404, 12), 29);
        for m in 1..=6 {
            assert_eq!(days_in_jalali_month(1404, m), 31);
        }
        for m in 7..=11 {
            assert_eq!(days_in_jalali_month(1404, m), 30);
        }
        assert_eq!(days_in_jalali_month(1404, 0), 0);
        assert_eq!(days_in_jalali_month(1404, 13), 0);
        assert_eq!(days_in_jalali_month(2_000_000, 1), 0);
        assert!(!is_jalali_leap_year(2_000_000));
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let _ = to_jalali(NaiveDate::MIN);
        let _ = to_jalali(NaiveDate::MAX);
        let _ = month_range(NaiveDate::MAX, CalendarKind::Jalali, i32::MAX);
        let _ = month_range(NaiveDate::MIN, CalendarKind::Gregorian, i32::MIN);
        let _ = year_range(NaiveDate::MAX, CalendarKind::Jalali, i32::MAX);
    }

    #[test]
    fn calendar_kind_strings() {
        assert_eq!(CalendarKind::Jalali.as_str(), "jalali");
        assert_eq!(CalendarKind::Gregorian.as_str(), "gregorian");
        assert_eq!("jalali".parse::<CalendarKind>(), Ok(CalendarKind::Jalali));
        assert_eq!(
            " Gregorian".parse::<CalendarKind>(),
            Ok(CalendarKind::Gregorian)
        );
        assert_eq!("shamsi".parse::<CalendarKind>(), Ok(CalendarKind::Jalali));
        let err = "hebrew".parse::<CalendarKind>().unwrap_err();
        assert_eq!(err.code(), "prefs.unknown_calendar");
        assert_eq!(CalendarKind::Jalali.to_string(), "jalali");
        assert_eq!(
            serde_json::to_string(&CalendarKind::Gregorian).unwrap(),
            "\"gregorian\""
        );
        assert_eq!(
            serde_json::from_str::<CalendarKind>("\"jalali\"").unwrap(),
            CalendarKind::Jalali
        );
    }

    #[test]
    fn parse_jalali_inputs() {
        let expected = Ok(g(2025, 3, 20));
        assert_eq!(parse_date("۱۴۰۳/۱۲/۳۰", CalendarKind::Jalali), expected);
        assert_eq!(parse_date("1403-12-30", CalendarKind::Jalali), expected);
        assert_eq!(parse_date("1403.12.30", CalendarKind::Jalali), expected);
        assert_eq!(parse_date(" 1403 12 30 ", CalendarKind::Jalali), expected);
        assert_eq!(parse_date("1403 / 12 / 30", CalendarKind::Jalali), expected);
        assert_eq!(parse_date("١٤٠٣/١٢/٣٠", CalendarKind::Jalali), expected);
        assert_eq!(
            parse_date("1404/1/1", CalendarKind::Jalali),
            Ok(g(2025, 3, 21))
        );
        assert_eq!(
            parse_date("\u{200F}۱۳۵۷/۱۱/۲۲", CalendarKind::Jalali),
            Ok(g(1979, 2, 11))
        );
    }

    #[test]
    fn parse_gregorian_inputs() {
        let expected = Ok(g(2025, 3, 20));
        assert_eq!(parse_date("2025-03-20", CalendarKind::Gregorian), expected);
        assert_eq!(parse_date("2025/3/20", CalendarKind::Gregorian), expected);
        assert_eq!(parse_date("۲۰۲۵-۰۳-۲۰", CalendarKind::Gregorian), expected);
        assert_eq!(
            parse_date("2024-02-29", CalendarKind::Gregorian),
            Ok(g(2024, 2, 29))
        );
        assert_eq!(
            parse_date("2025-02-29", CalendarKind::Gregorian),
            Err(DateError::DayOutOfRange {
                year: 2025,
                month: 2,
                day: 29,
                max_day: 28
            })
        );
        assert_eq!(
            parse_date("2025-13-01", CalendarKind::Gregorian),
            Err(DateError::MonthOutOfRange { month: 13 })
        );
    }

    #[test]
    fn parse_rejects_bad_input() {
        use CalendarKind::*;
        assert_eq!(parse_date("", Jalali), Err(DateError::Empty));
        assert_eq!(parse_date("   ", Gregorian), Err(DateError::Empty));
        for bad in [
            "1403/12",
            "1403/12/30/1",
            "03/12/30",
            "30/12/1403",
            "1403//12/30",
            "1403/-12/30",
            "1403/12/30x",
            "x1403/12/30",
            "1403/123/1",
            "1403/12/301",
            "1403_12_30",
            "14031230",
            "today",
            "-1403/12/30",
        ] {
            assert_eq!(parse_date(bad, Jalali), Err(DateError::BadFormat), "{bad}");
        }
        assert_eq!(
            parse_date("1404/12/30", Jalali),
            Err(DateError::DayOutOfRange {
                year: 1404,
                month: 12,
                day: 30,
                max_day: 29
            })
        );
        assert_eq!(
            parse_date("1403/13/01", Jalali),
            Err(DateError::MonthOutOfRange { month: 13 })
        );
        assert_eq!(
            parse_date("1403/00/01", Jalali).unwrap_err().code(),
            "date.bad_month"
        );
        assert_eq!(
            parse_date("1403/01/00", Jalali).unwrap_err().code(),
            "date.bad_day"
        );
        assert_eq!(
            parse_date("1403/07/31", Jalali).unwrap_err().code(),
            "date.bad_day"
        );
    }

    #[test]
    fn date_error_codes_and_display() {
        assert_eq!(DateError::Empty.code(), "date.empty");
        assert_eq!(DateError::BadFormat.code(), "date.bad_format");
        assert_eq!(
            DateError::MonthOutOfRange { month: 13 }.code(),
            "date.bad_month"
        );
        let e = DateError::DayOutOfRange {
            year: 1404,
            month: 12,
            day: 30,
            max_day: 29,
        };
        assert_eq!(e.code(), "date.bad_day");
        assert_eq!(e.to_string(), "day 30 is out of range for 1404/12 (1-29)");
        assert_eq!(
            DateError::MonthOutOfRange { month: 13 }.to_string(),
            "month 13 is out of range 1-12"
        );
    }

    #[test]
    fn format_numeric() {
        let d = g(2025, 3, 20);
        use CalendarKind::*;
        use DigitStyle::*;
        use Language::*;
        assert_eq!(
            format_date(d, Jalali, Fa, Persian, DateStyle::Numeric),
            "۱۴۰۳/۱۲/۳۰"
        );
        assert_eq!(
            format_date(d, Jalali, En, Latin, DateStyle::Numeric),
            "1403/12/30"
        );
        assert_eq!(
            format_date(d, Gregorian, En, Latin, DateStyle::Numeric),
            "2025-03-20"
        );
        assert_eq!(
            format_date(d, Gregorian, Fa, Persian, DateStyle::Numeric),
            "۲۰۲۵-۰۳-۲۰"
        );
        assert_eq!(
            format_date(g(2025, 3, 21), Jalali, Fa, Latin, DateStyle::Numeric),
            "1404/01/01"
        );
    }

    #[test]
    fn format_long() {
        let d = g(2025, 3, 20);
        use CalendarKind::*;
        use DigitStyle::*;
        use Language::*;
        assert_eq!(
            format_date(d, Jalali, Fa, Persian, DateStyle::Long),
            "۳۰ اسفند ۱۴۰۳"
        );
        assert_eq!(
            format_date(d, Gregorian, En, Latin, DateStyle::Long),
            "20 March 2025"
        );
        assert_eq!(
            format_date(d, Jalali, En, Latin, DateStyle::Long),
            "30 Esfand 1403"
        );
        assert_eq!(
            format_date(d, Gregorian, Fa, Persian, DateStyle::Long),
            "۲۰ مارس ۲۰۲۵"
        );
        assert_eq!(
            format_date(g(2025, 3, 21), Jalali, Fa, Persian, DateStyle::Long),
            "۱ فروردین ۱۴۰۴"
        );
    }

    #[test]
    fn format_long_with_weekday() {
        let d = g(2025, 3, 20); // a Thursday
        use CalendarKind::*;
        use DigitStyle::*;
        use Language::*;
        assert_eq!(
            format_date(d, Jalali, Fa, Persian, DateStyle::LongWithWeekday),
            "پنجشنبه ۳۰ اسفند ۱۴۰۳"
        );
        assert_eq!(
            format_date(d, Gregorian, En, Latin, DateStyle::LongWithWeekday),
            "Thursday, 20 March 2025"
        );
        assert_eq!(
            format_date(
                g(2025, 3, 18),
                Jalali,
                Fa,
                Persian,
                DateStyle::LongWithWeekday
            ),
            "سه\u{200C}شنبه ۲۸ اسفند ۱۴۰۳"
        );
    }

    #[test]
    fn format_datetime_uses_time_zone() {
        // 10:35 UTC = 14:05 in Tehran (UTC+03:30, no DST since 2022).
        let t = chrono::Utc
            .with_ymd_and_hms(2025, 3, 20, 10, 35, 0)
            .unwrap();
        assert_eq!(
            format_datetime(t, &UserPrefs::default()),
            "۱۴۰۳/۱۲/۳۰ ۱۴:۰۵"
        );
        let en = UserPrefs::for_language(Language::En);
        assert_eq!(format_datetime(t, &en), "2025-03-20 14:05");
        let london = UserPrefs {
            time_zone: chrono_tz::Europe::London,
            ..en
        };
        assert_eq!(format_datetime(t, &london), "2025-03-20 10:35");
        // 21:00 UTC on 20 March is already 1 Farvardin 1404 in Tehran.
        let late = chrono::Utc.with_ymd_and_hms(2025, 3, 20, 21, 0, 0).unwrap();
        let fa_latin = UserPrefs {
            digits: DigitStyle::Latin,
            ..UserPrefs::default()
        };
        assert_eq!(format_datetime(late, &fa_latin), "1404/01/01 00:30");
    }

    #[test]
    fn month_names() {
        use CalendarKind::*;
        use Language::*;
        assert_eq!(month_name(Jalali, Fa, 1), "فروردین");
        assert_eq!(month_name(Jalali, Fa, 12), "اسفند");
        assert_eq!(month_name(Jalali, En, 2), "Ordibehesht");
        assert_eq!(month_name(Jalali, En, 10), "Dey");
        assert_eq!(month_name(Gregorian, Fa, 7), "ژوئیه");
        assert_eq!(month_name(Gregorian, En, 12), "December");
        assert_eq!(month_name(Gregorian, En, 0), "");
        assert_eq!(month_name(Jalali, Fa, 13), "");
    }

    #[test]
    fn weekday_names() {
        assert_eq!(weekday_name(Language::Fa, Weekday::Sat), "شنبه");
        assert_eq!(weekday_name(Language::Fa, Weekday::Tue), "سه\u{200C}شنبه");
        assert_eq!(weekday_name(Language::Fa, Weekday::Fri), "جمعه");
        assert_eq!(weekday_name(Language::En, Weekday::Sun), "Sunday");
    }

    #[test]
    fn jalali_month_ranges() {
        let today = g(2025, 3, 10); // 1403/12/20
        assert_eq!(
            month_range(today, CalendarKind::Jalali, 0),
            (g(2025, 2, 19), g(2025, 3, 21))
        );
        // Last month: Bahman 1403.
        assert_eq!(
            month_range(today, CalendarKind::Jalali, -1),
            (g(2025, 1, 20), g(2025, 2, 19))
        );
        // Next month crosses into 1404.
        assert_eq!(
            month_range(today, CalendarKind::Jalali, 1),
            (g(2025, 3, 21), g(2025, 4, 21))
        );
        // Twelve months back: Esfand 1402 (29 days).
        assert_eq!(
            month_range(today, CalendarKind::Jalali, -12),
            (g(2024, 2, 20), g(2024, 3, 20))
        );
    }

    #[test]
    fn gregorian_month_ranges() {
        let today = g(2025, 1, 15);
        assert_eq!(
            month_range(today, CalendarKind::Gregorian, 0),
            (g(2025, 1, 1), g(2025, 2, 1))
        );
        assert_eq!(
            month_range(today, CalendarKind::Gregorian, -1),
            (g(2024, 12, 1), g(2025, 1, 1))
        );
        assert_eq!(
            month_range(today, CalendarKind::Gregorian, 13),
            (g(2026, 2, 1), g(2026, 3, 1))
        );
    }

    #[test]
    fn year_ranges() {
        let today = g(2025, 3, 10); // 1403
        assert_eq!(
            year_range(today, CalendarKind::Jalali, 0),
            (g(2024, 3, 20), g(2025, 3, 21))
        );
        assert_eq!(
            year_range(today, CalendarKind::Jalali, 1),
            (g(2025, 3, 21), g(2026, 3, 21))
        );
        assert_eq!(
            year_range(today, CalendarKind::Gregorian, 0),
            (g(2025, 1, 1), g(2026, 1, 1))
        );
        assert_eq!(
            year_range(today, CalendarKind::Gregorian, -1),
            (g(2024, 1, 1), g(2025, 1, 1))
        );
    }

    #[test]
    fn jalali_date_display_and_order() {
        assert_eq!(j(1403, 1, 5).to_string(), "1403/01/05");
        assert!(j(1403, 12, 30) < j(1404, 1, 1));
        assert!(j(1403, 2, 1) > j(1403, 1, 31));
    }

    #[test]
    fn a_date_of_the_other_calendar_is_named_not_moved_centuries() {
        assert_eq!(
            parse_date("۱۴۰۵/۱۰/۰۱", CalendarKind::Gregorian)
                .unwrap_err()
                .code(),
            "date.looks_jalali"
        );
        assert_eq!(
            parse_date("2025/06/30", CalendarKind::Jalali)
                .unwrap_err()
                .code(),
            "date.looks_gregorian"
        );
        // Ordinary dates of each calendar still read.
        assert!(parse_date("1990/03/21", CalendarKind::Gregorian).is_ok());
        assert!(parse_date("1369/01/01", CalendarKind::Jalali).is_ok());
    }
}
