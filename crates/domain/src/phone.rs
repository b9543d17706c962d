//! Phone numbers, normalised to E.164 once at the edge.
//!
//! Users type phone numbers in many shapes (`0912 123 4567`,
//! `+98 912…`, `۰۹۱۲…`, `(0912) 123-4567`). Storing one canonical E.164 form
//! makes duplicate detection, search and SMS sending reliable. Iran is the
//! default region, so national numbers starting with a single `0` (or a bare
//! 10-digit national number) are treated as Iranian.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Iran's country calling code.
const IRAN_CC: &str = "98";
/// Digits in an Iranian national significant number (mobile `9xx…` or
/// landline area code + subscriber number).
const IRAN_NSN_LEN: usize = 10;
/// E.164 allows at most 15 digits; we require at least 8 to reject fragments.
const MIN_DIGITS: usize = 8;
const MAX_DIGITS: usize = 15;

/// Why a phone number was rejected. `code()` gives a translation key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum PhoneError {
    /// Nothing was typed.
    #[error("the phone number is empty")]
    Empty,
    /// Letters or symbols other than spaces, dashes, dots, slashes,
    /// parentheses and a leading `+` were found.
    #[error("the phone number contains invalid characters")]
    InvalidCharacters,
    /// Too few digits to be a full number.
    #[error("the phone number is too short")]
    TooShort,
    /// More digits than E.164 (or the Iranian plan) allows.
    #[error("the phone number is too long")]
    TooLong,
    /// The text has no digits or a malformed prefix (e.g. `+0…`, `+` in the middle).
    #[error("this is not a phone number")]
    NotANumber,
}

impl PhoneError {
    /// Stable machine-readable key for translation.
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Empty => "phone.empty",
            PhoneError::InvalidCharacters => "phone.invalid_characters",
            PhoneError::TooShort => "phone.too_short",
            PhoneError::TooLong => "phone.too_long",
            PhoneError::NotANumber => "phone.not_a_number",
        }
    }
}

/// An E.164 phone number such as `+989123456789`. Only [`normalize`] (and
/// therefore `FromStr` and `Deserialize`) can build one, so holding a
/// `PhoneNumber` means it is already valid and canonical.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// The E.164 text, e.g. `+989123456789`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is an Iranian mobile number (`+989…`), i.e. can receive SMS.
    pub fn is_iranian_mobile(&self) -> bool {
        self.0.starts_with("+989")
    }

    /// The Iranian national form with a leading `0` (e.g. `09123456789`), as
    /// people in Iran write it; `None` for foreign numbers.
    pub fn iranian_national(&self) -> Option<String> {
        self.0.strip_prefix("+98").map(|rest| format!("0{rest}"))
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        normalize(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    /// Deserialising re-validates, so bad data in storage or requests is
    /// caught instead of silently trusted.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        normalize(&s).map_err(serde::de::Error::custom)
    }
}

/// Whether `c` is an invisible bidi mark often pasted along with numbers
/// copied from RTL text.
fn is_bidi_mark(c: char) -> bool {
    matches!(
        c,
        '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Normalises a phone number the user typed to E.164.
///
/// Iran is the default region: `0912 123 4567`, `09121234567`,
/// `+98 912 123 4567`, `0098-912-1234567`, `9121234567`, `۰۹۱۲۱۲۳۴۵۶۷` and
/// `(0912) 123-4567` all become `+989121234567`; the landline
/// `021 8888 7777` becomes `+982188887777`. Foreign numbers need `+` or `00`
/// (`+44 20 7946 0958` → `+442079460958`) and must have 8–15 digits.
/// Spaces, dashes, dots, slashes, parentheses, bidi marks and a leading
/// `tel:` are ignored; letters are rejected.
/// How people read a stored (E.164) number: an Iranian one in its national form, a mobile
/// grouped `0912 345 6789`; a foreign one as stored. Digits stay Latin (the caller applies the
/// reader's digits).
pub fn display(e164: &str) -> String {
    match e164.strip_prefix("+98") {
        Some(rest) if rest.starts_with('9') && rest.len() == 10 => {
            format!("0{} {} {}", &rest[..3], &rest[3..6], &rest[6..])
        }
        Some(rest) => format!("0{rest}"),
        None => e164.to_owned(),
    }
}

pub fn normalize(input: &str) -> Result<PhoneNumber, PhoneError> {
    let mut s = input.trim();
    if s.len() >= 4 && s.is_char_boundary(4) && s[..4].eq_ignore_ascii_case("tel:") {
        s = s[4..].trim_start();
    }
    if s.chars().all(|c| c.is_whitespace() || is_bidi_mark(c)) {
        return Err(PhoneError::Empty);
    }

    let mut digits = String::with_capacity(s.len());
    let mut plus = false;
    for c in s.chars() {
        let c = crate::digits::ascii_digit_char(c);
        match c {
            '0'..='9' => digits.push(c),
            '+' => {
                // Only one `+`, and only before any digit.
                if plus || !digits.is_empty() {
                    return Err(PhoneError::NotANumber);
                }
                plus = true;
            }
            '-' | '.' | '/' | '(' | ')' | '\u{2010}'..='\u{2015}' | '\u{2212}' => {}
            c if c.is_whitespace() || is_bidi_mark(c) => {}
            _ => return Err(PhoneError::InvalidCharacters),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::NotANumber);
    }

    let international: String = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("{IRAN_CC}{rest}")
    } else if digits.starts_with(IRAN_CC) && digits.len() == IRAN_CC.len() + IRAN_NSN_LEN {
        // "989123456789": already has the country code, just no `+`.
        digits
    } else {
        // A bare national number without the trunk `0`, e.g. "9123456789".
        format!("{IRAN_CC}{digits}")
    };

    if international.starts_with('0') {
        // Country codes never start with 0 ("+0912…", "000…").
        return Err(PhoneError::NotANumber);
    }

    let international = match international.strip_prefix(IRAN_CC) {
        Some(national) => {
            // People often keep the trunk 0 after +98: "+98 0912 …".
            let national = national.strip_prefix('0').unwrap_or(national);
            if national.starts_with('0') {
                return Err(PhoneError::NotANumber);
            }
            if national.len() < IRAN_NSN_LEN {
                return Err(PhoneError::TooShort);
            }
            if national.len() > IRAN_NSN_LEN {
                return Err(PhoneError::TooLong);
            }
            format!("{IRAN_CC}{national}")
        }
        None => international,
    };

    if international.len() < MIN_DIGITS {
        return Err(PhoneError::TooShort);
    }
    if international.len() > MAX_DIGITS {
        return Err(PhoneError::TooLong);
    }
    Ok(PhoneNumber(format!("+{international}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        normalize(s)
            .unwrap_or_else(|e| panic!("{s:?} rejected: {e:?}"))
            .to_string()
    }

    #[test]
    fn iranian_mobile_forms() {
        // All of these are the same subscriber: 0912 123 4567.
        for s in [
            "0912 123 4567",
            "09121234567",
            "+98 912 123 4567",
            "0098-912-1234567",
            "9121234567",
            "۰۹۱۲۱۲۳۴۵۶۷",
            "٠٩١٢١٢٣٤٥٦٧",
            "(0912) 123-4567",
            "+989121234567",
            "989121234567",
            "+98 0912 123 4567",
            "tel:+989121234567",
            "TEL: 09121234567",
            "\u{200E}+98 912 123 4567\u{200E}",
            "  0912.123.4567  ",
            "۰۹۱۲–۱۲۳–۴۵۶۷",
        ] {
            assert_eq!(ok(s), "+989121234567", "{s:?}");
        }
        // And these are 0912 345 6789.
        for s in ["9123456789", "09123456789", "+989123456789", "۰۹۱۲۳۴۵۶۷۸۹"] {
            assert_eq!(ok(s), "+989123456789", "{s:?}");
        }
    }

    #[test]
    fn iranian_landlines() {
        assert_eq!(ok("021 8888 7777"), "+982188887777");
        assert_eq!(ok("(021) 88887777"), "+982188887777");
        assert_eq!(ok("+98 21 8888 7777"), "+982188887777");
        assert_eq!(ok("031-3222-1111"), "+983132221111");
        assert_eq!(ok("2188887777"), "+982188887777");
    }

    #[test]
    fn foreign_numbers() {
        assert_eq!(ok("+44 20 7946 0958"), "+442079460958");
        assert_eq!(ok("0044 20 7946 0958"), "+442079460958");
        assert_eq!(ok("+1 (415) 555-2671"), "+14155552671");
        assert_eq!(ok("+49 30 12345678"), "+493012345678");
        assert_eq!(ok("+12345678"), "+12345678"); // 8 digits: the minimum
        assert_eq!(ok("+123456789012345"), "+123456789012345"); // 15: the maximum
    }

    #[test]
    fn empty_input() {
        assert_eq!(normalize(""), Err(PhoneError::Empty));
        assert_eq!(normalize("   "), Err(PhoneError::Empty));
        assert_eq!(normalize("tel:"), Err(PhoneError::Empty));
        assert_eq!(normalize("\u{200F}"), Err(PhoneError::Empty));
    }

    #[test]
    fn invalid_characters() {
        for s in [
            "0912abc4567",
            "call 0912",
            "0912_123_4567",
            "0912*1234567",
            "۰۹۱۲ الف",
        ] {
            assert_eq!(normalize(s), Err(PhoneError::InvalidCharacters), "{s:?}");
        }
        assert_eq!(
            normalize("x").unwrap_err().code(),
            "phone.invalid_characters"
        );
    }

    #[test]
    fn not_a_number() {
        for s in [
            "+",
            "()-",
            "0912+1234567",
            "++989123456789",
            "+0912345678",
            "000123456789",
        ] {
            assert_eq!(normalize(s), Err(PhoneError::NotANumber), "{s:?}");
        }
        assert_eq!(PhoneError::NotANumber.code(), "phone.not_a_number");
    }

    #[test]
    fn too_short_and_too_long() {
        assert_eq!(normalize("0912 123 456"), Err(PhoneError::TooShort));
        assert_eq!(normalize("88887777"), Err(PhoneError::TooShort));
        assert_eq!(normalize("+98 912"), Err(PhoneError::TooShort));
        assert_eq!(normalize("+1234567"), Err(PhoneError::TooShort));
        assert_eq!(normalize("0912 123 45678"), Err(PhoneError::TooLong));
        assert_eq!(normalize("+1234567890123456"), Err(PhoneError::TooLong));
        assert_eq!(PhoneError::TooShort.code(), "phone.too_short");
        assert_eq!(PhoneError::TooLong.code(), "phone.too_long");
        assert_eq!(PhoneError::Empty.code(), "phone.empty");
    }

    #[test]
    fn phone_number_api() {
        let p: PhoneNumber = "09121234567".parse().unwrap();
        assert_eq!(p.as_str(), "+989121234567");
        assert_eq!(p.to_string(), "+989121234567");
        assert!(p.is_iranian_mobile());
        assert_eq!(p.iranian_national().as_deref(), Some("09121234567"));
        let uk = normalize("+44 20 7946 0958").unwrap();
        assert!(!uk.is_iranian_mobile());
        assert_eq!(uk.iranian_national(), None);
        let landline = normalize("021 8888 7777").unwrap();
        assert!(!landline.is_iranian_mobile());
    }

    #[test]
    fn serde_as_string_and_validates() {
        let p = normalize("09121234567").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"+989121234567\"");
        let back: PhoneNumber = serde_json::from_str("\"0912 123 4567\"").unwrap();
        assert_eq!(back, p);
        assert!(serde_json::from_str::<PhoneNumber>("\"abc\"").is_err());
    }

    #[test]
    fn normalize_is_idempotent() {
        let p = normalize("0098-912-1234567").unwrap();
        assert_eq!(normalize(p.as_str()), Ok(p.clone()));
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(display("+989121234567"), "0912 123 4567");
        assert_eq!(display("+982188776655"), "02188776655");
        assert_eq!(display("+4930123456"), "+4930123456");
    }
}
