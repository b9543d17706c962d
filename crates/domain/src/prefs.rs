//! Per-user display preferences: language, calendar, time zone and digits.
//!
//! Peyvand is Persian-first, so the defaults are Persian language, Jalali
//! calendar, `Asia/Tehran` and Persian digits; English users get Gregorian
//! dates and Latin digits unless they choose otherwise.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarKind;

/// Why a preference value could not be parsed. `code()` gives a stable key
/// the web layer translates.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrefsError {
    /// The language code is not one we support (`fa`, `en`).
    #[error("unknown language: {0:?}")]
    UnknownLanguage(String),
    /// The digit style is not `persian` or `latin`.
    #[error("unknown digit style: {0:?}")]
    UnknownDigitStyle(String),
    /// The calendar is not `jalali` or `gregorian`.
    #[error("unknown calendar: {0:?}")]
    UnknownCalendar(String),
    /// The time zone is not an IANA name known to chrono-tz.
    #[error("unknown time zone: {0:?}")]
    UnknownTimeZone(String),
    /// The money unit is not `rial` or `toman`.
    #[error("unknown money unit: {0:?}")]
    UnknownMoneyUnit(String),
}

impl PrefsError {
    /// Stable machine-readable key for translation.
    pub fn code(&self) -> &'static str {
        match self {
            PrefsError::UnknownLanguage(_) => "prefs.unknown_language",
            PrefsError::UnknownDigitStyle(_) => "prefs.unknown_digit_style",
            PrefsError::UnknownCalendar(_) => "prefs.unknown_calendar",
            PrefsError::UnknownTimeZone(_) => "prefs.unknown_time_zone",
            PrefsError::UnknownMoneyUnit(_) => "prefs.unknown_money_unit",
        }
    }
}

/// User interface language. Only languages with complete translations are
/// listed so every screen can rely on the match being exhaustive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Persian (فارسی), the default.
    #[default]
    Fa,
    /// English.
    En,
}

impl Language {
    /// The BCP 47 primary language subtag, as stored and sent to the browser.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Fa => "fa",
            Language::En => "en",
        }
    }

    /// Whether pages should be laid out right-to-left (`dir="rtl"`).
    pub fn is_rtl(self) -> bool {
        matches!(self, Language::Fa)
    }

    /// The calendar a new user of this language most likely expects.
    pub fn default_calendar(self) -> CalendarKind {
        match self {
            Language::Fa => CalendarKind::Jalali,
            Language::En => CalendarKind::Gregorian,
        }
    }

    /// The digits a new user of this language most likely expects.
    pub fn default_digits(self) -> DigitStyle {
        match self {
            Language::Fa => DigitStyle::Persian,
            Language::En => DigitStyle::Latin,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Language {
    type Err = PrefsError;

    /// Accepts `fa`/`en` case-insensitively, and full locale tags such as
    /// `fa-IR` or `en_US` (only the primary subtag matters), so values from
    /// `Accept-Language` headers can be used directly.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or("");
        match primary.to_ascii_lowercase().as_str() {
            "fa" | "per" | "fas" => Ok(Language::Fa),
            "en" | "eng" => Ok(Language::En),
            _ => Err(PrefsError::UnknownLanguage(s.to_owned())),
        }
    }
}

/// Which digits numbers are shown with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigitStyle {
    /// Persian digits `۰-۹`, the default.
    #[default]
    Persian,
    /// Latin (ASCII) digits `0-9`.
    Latin,
}

impl DigitStyle {
    /// The stored name (`persian` / `latin`).
    pub fn as_str(self) -> &'static str {
        match self {
            DigitStyle::Persian => "persian",
            DigitStyle::Latin => "latin",
        }
    }

    /// Rewrites the ASCII digits in `s` in this style.
    pub fn apply(self, s: &str) -> String {
        match self {
            DigitStyle::Persian => crate::digits::to_persian(s),
            DigitStyle::Latin => s.to_owned(),
        }
    }
}

impl fmt::Display for DigitStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DigitStyle {
    type Err = PrefsError;

    /// Accepts `persian`/`latin` case-insensitively (plus `fa`, `ascii`,
    /// `en` as forgiving aliases).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "persian" | "fa" => Ok(DigitStyle::Persian),
            "latin" | "ascii" | "en" => Ok(DigitStyle::Latin),
            _ => Err(PrefsError::UnknownDigitStyle(s.to_owned())),
        }
    }
}

/// How Iranian rial amounts are shown and typed: as stored (rial) or in toman (a tenth), as
/// most people in Iran speak of prices. Other currencies are never affected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MoneyUnit {
    #[default]
    Rial,
    Toman,
}

impl MoneyUnit {
    /// The stored name (`rial` / `toman`).
    pub fn as_str(self) -> &'static str {
        match self {
            MoneyUnit::Rial => "rial",
            MoneyUnit::Toman => "toman",
        }
    }
}

impl FromStr for MoneyUnit {
    type Err = PrefsError;

    /// `rial` or `toman`, case-insensitively, in English or Persian (ریال, تومان).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "rial" | "irr" | "ریال" => Ok(MoneyUnit::Rial),
            "toman" | "تومان" => Ok(MoneyUnit::Toman),
            _ => Err(PrefsError::UnknownMoneyUnit(s.to_owned())),
        }
    }
}

/// Everything needed to show dates, times and numbers the way a user wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPrefs {
    /// Interface language.
    pub language: Language,
    /// Calendar for showing and typing dates.
    pub calendar: CalendarKind,
    /// Time zone timestamps are shown in.
    pub time_zone: chrono_tz::Tz,
    /// Digits numbers are shown with.
    pub digits: DigitStyle,
    /// Rial amounts in rial or in toman.
    #[serde(default)]
    pub money_unit: MoneyUnit,
}

impl Default for UserPrefs {
    /// Persian, Jalali, `Asia/Tehran`, Persian digits: the common case.
    fn default() -> Self {
        UserPrefs::for_language(Language::Fa)
    }
}

impl UserPrefs {
    /// Sensible preferences for a new user who picked `lang`. The time zone
    /// stays `Asia/Tehran` for both languages because Peyvand's users are
    /// mostly in Iran whatever language they read.
    pub fn for_language(lang: Language) -> Self {
        UserPrefs {
            language: lang,
            calendar: lang.default_calendar(),
            time_zone: chrono_tz::Asia::Tehran,
            digits: lang.default_digits(),
            money_unit: MoneyUnit::Rial,
        }
    }

    /// Rewrites ASCII digits in `s` in the user's digit style.
    pub fn apply_digits(&self, s: &str) -> String {
        self.digits.apply(s)
    }

    /// The preferences after the user switched to `lang`: a calendar or digit style that was
    /// simply the old language's default follows the new language (a Persian reader who moves
    /// to English gets Latin digits and Gregorian dates); one the user chose on purpose — it
    /// differs from the old language's default — is kept.
    pub fn switched_to(&self, lang: Language) -> UserPrefs {
        let old = self.language;
        UserPrefs {
            language: lang,
            calendar: if self.calendar == old.default_calendar() {
                lang.default_calendar()
            } else {
                self.calendar
            },
            digits: if self.digits == old.default_digits() {
                lang.default_digits()
            } else {
                self.digits
            },
            time_zone: self.time_zone,
            money_unit: self.money_unit,
        }
    }
}

/// Parses an IANA time zone name such as `Asia/Tehran` (surrounding spaces
/// ignored) so stored preferences are validated once.
pub fn parse_time_zone(s: &str) -> Result<chrono_tz::Tz, PrefsError> {
    s.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| PrefsError::UnknownTimeZone(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_strings() {
        assert_eq!(Language::Fa.as_str(), "fa");
        assert_eq!(Language::En.as_str(), "en");
        assert_eq!("fa".parse::<Language>(), Ok(Language::Fa));
        assert_eq!(" EN ".parse::<Language>(), Ok(Language::En));
        assert_eq!("fa-IR".parse::<Language>(), Ok(Language::Fa));
        assert_eq!("en_US".parse::<Language>(), Ok(Language::En));
        assert_eq!(Language::Fa.to_string(), "fa");
        let err = "de".parse::<Language>().unwrap_err();
        assert_eq!(err, PrefsError::UnknownLanguage("de".into()));
        assert_eq!(err.code(), "prefs.unknown_language");
        assert!("".parse::<Language>().is_err());
    }

    #[test]
    fn language_defaults() {
        assert!(Language::Fa.is_rtl());
        assert!(!Language::En.is_rtl());
        assert_eq!(Language::Fa.default_calendar(), CalendarKind::Jalali);
        assert_eq!(Language::En.default_calendar(), CalendarKind::Gregorian);
        assert_eq!(Language::Fa.default_digits(), DigitStyle::Persian);
        assert_eq!(Language::En.default_digits(), DigitStyle::Latin);
        assert_eq!(Language::default(), Language::Fa);
    }

    #[test]
    fn money_units() {
        assert_eq!("toman".parse::<MoneyUnit>(), Ok(MoneyUnit::Toman));
        assert_eq!(" تومان ".parse::<MoneyUnit>(), Ok(MoneyUnit::Toman));
        assert_eq!("RIAL".parse::<MoneyUnit>(), Ok(MoneyUnit::Rial));
        assert_eq!(MoneyUnit::Toman.as_str(), "toman");
        let err = "dollar".parse::<MoneyUnit>().unwrap_err();
        assert_eq!(err.code(), "prefs.unknown_money_unit");
        assert_eq!(UserPrefs::default().money_unit, MoneyUnit::Rial);
        let toman = UserPrefs {
            money_unit: MoneyUnit::Toman,
            ..UserPrefs::default()
        };
        assert_eq!(
            toman.switched_to(Language::En).money_unit,
            MoneyUnit::Toman,
            "a language switch keeps the money unit"
        );
    }

    #[test]
    fn digit_style_strings() {
        assert_eq!(DigitStyle::Persian.as_str(), "persian");
        assert_eq!(DigitStyle::Latin.as_str(), "latin");
        assert_eq!("Persian".parse::<DigitStyle>(), Ok(DigitStyle::Persian));
        assert_eq!("latin".parse::<DigitStyle>(), Ok(DigitStyle::Latin));
        let err = "roman".parse::<DigitStyle>().unwrap_err();
        assert_eq!(err.code(), "prefs.unknown_digit_style");
        assert_eq!(DigitStyle::Persian.apply("12"), "۱۲");
        assert_eq!(DigitStyle::Latin.apply("12"), "12");
    }

    #[test]
    fn serde_lowercase() {
        assert_eq!(serde_json::to_string(&Language::Fa).unwrap(), "\"fa\"");
        assert_eq!(
            serde_json::to_string(&DigitStyle::Latin).unwrap(),
            "\"latin\""
        );
        assert_eq!(
            serde_json::from_str::<Language>("\"en\"").unwrap(),
            Language::En
        );
        assert!(serde_json::from_str::<Language>("\"EN\"").is_err());
    }

    #[test]
    fn user_prefs_defaults() {
        let p = UserPrefs::default();
        assert_eq!(p.language, Language::Fa);
        assert_eq!(p.calendar, CalendarKind::Jalali);
        assert_eq!(p.time_zone, chrono_tz::Asia::Tehran);
        assert_eq!(p.digits, DigitStyle::Persian);
        assert_eq!(p.apply_digits("1403/12/30"), "۱۴۰۳/۱۲/۳۰");

        let en = UserPrefs::for_language(Language::En);
        assert_eq!(en.language, Language::En);
        assert_eq!(en.calendar, CalendarKind::Gregorian);
        assert_eq!(en.digits, DigitStyle::Latin);
        assert_eq!(en.apply_digits("2025-03-20"), "2025-03-20");
    }

    #[test]
    fn user_prefs_serde_round_trip() {
        let p = UserPrefs::default();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"language":"fa","calendar":"jalali","time_zone":"Asia/Tehran","digits":"persian","money_unit":"rial"}"#
        );
        let back: UserPrefs = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        // Preferences written before the money unit existed still read, in rial.
        let older: UserPrefs = serde_json::from_str(
            r#"{"language":"fa","calendar":"jalali","time_zone":"Asia/Tehran","digits":"persian"}"#,
        )
        .unwrap();
        assert_eq!(older, p);
    }

    #[test]
    fn time_zones() {
        assert_eq!(parse_time_zone("Asia/Tehran"), Ok(chrono_tz::Asia::Tehran));
        assert_eq!(
            parse_time_zone(" Europe/London "),
            Ok(chrono_tz::Europe::London)
        );
        assert_eq!(parse_time_zone("UTC"), Ok(chrono_tz::UTC));
        let err = parse_time_zone("Mars/Olympus").unwrap_err();
        assert_eq!(err.code(), "prefs.unknown_time_zone");
        assert!(parse_time_zone("").is_err());
    }

    #[test]
    fn switching_language_moves_default_digits_and_calendar_but_keeps_chosen_ones() {
        let fa = UserPrefs::for_language(Language::Fa);
        let en = fa.switched_to(Language::En);
        assert_eq!(en.digits, DigitStyle::Latin);
        assert_eq!(en.calendar, CalendarKind::Gregorian);
        assert_eq!(en.switched_to(Language::Fa), fa, "and back again");
        // A Persian reader who chose Latin digits keeps them, and the Jalali calendar they
        // chose in English stays too.
        let chosen = UserPrefs {
            digits: DigitStyle::Latin,
            ..fa
        };
        assert_eq!(chosen.switched_to(Language::En).digits, DigitStyle::Latin);
        let jalali_en = UserPrefs {
            calendar: CalendarKind::Jalali,
            ..UserPrefs::for_language(Language::En)
        };
        let back = jalali_en.switched_to(Language::Fa);
        assert_eq!(back.calendar, CalendarKind::Jalali);
        assert_eq!(back.digits, DigitStyle::Persian);
    }
}
