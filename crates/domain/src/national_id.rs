//! Iranian national identifiers: the personal national code (کد ملی) and
//! the legal-entity national ID (شناسه ملی).
//!
//! Both carry a check digit, so most typos are caught before they reach the
//! database. Parsing accepts what people actually type (Persian digits,
//! dashes, spaces) and produces a canonical ASCII-digit string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why an identifier was rejected. `code()` gives a translation key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum NationalIdError {
    /// Nothing was typed.
    #[error("the national ID is empty")]
    Empty,
    /// Wrong number of digits (10 for a person, 11 for a company).
    #[error("the national ID has the wrong number of digits")]
    WrongLength,
    /// Something other than digits, spaces or dashes was found.
    #[error("the national ID must contain only digits")]
    NotDigits,
    /// The check digit does not match (or the code is a placeholder like
    /// `1111111111`).
    #[error("the national ID check digit is wrong")]
    BadChecksum,
}

impl NationalIdError {
    /// Stable machine-readable key for translation.
    pub fn code(&self) -> &'static str {
        match self {
            NationalIdError::Empty => "national_id.empty",
            NationalIdError::WrongLength => "national_id.wrong_length",
            NationalIdError::NotDigits => "national_id.not_digits",
            NationalIdError::BadChecksum => "national_id.bad_checksum",
        }
    }
}

/// Strips the separators people type, converts Persian/Arabic-Indic digits
/// and returns the digit values.
fn digits_of(s: &str) -> Result<Vec<u8>, NationalIdError> {
    let mut out = Vec::with_capacity(11);
    let mut seen_any = false;
    for c in s.chars() {
        let c = crate::digits::ascii_digit_char(c);
        match c {
            '0'..='9' => {
                out.push(c as u8 - b'0');
                seen_any = true;
            }
            '-' | '\u{2010}'..='\u{2015}' => seen_any = true,
            c if c.is_whitespace() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{200C}') => {}
            _ => return Err(NationalIdError::NotDigits),
        }
    }
    match (out.is_empty(), seen_any) {
        (true, false) => Err(NationalIdError::Empty),
        (true, true) => Err(NationalIdError::NotDigits),
        _ => Ok(out),
    }
}

/// Renders digit values back to an ASCII string.
fn to_string(d: &[u8]) -> String {
    d.iter().map(|&v| char::from(b'0' + v)).collect()
}

/// A validated Iranian personal national code (کد ملی): always 10 ASCII digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NationalCode(String);

impl NationalCode {
    /// The 10-digit code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated Iranian legal-entity national ID (شناسه ملی): always 11 ASCII digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompanyNationalId(String);

impl CompanyNationalId {
    /// The 11-digit ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Implements Display, AsRef, FromStr and string serde (re-validating on
/// deserialise) for the two identifier newtypes.
macro_rules! id_impls {
    ($ty:ident, $parse:path) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl FromStr for $ty {
            type Err = NationalIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $parse(s)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                $parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
id_impls!(NationalCode, parse_person);
id_impls!(CompanyNationalId, parse_company);

/// Parses and validates an Iranian personal national code (کد ملی).
///
/// Accepts Persian/Arabic-Indic digits, dashes and spaces. Codes with 8 or
/// 9 digits are left-padded with zeros (older cards drop leading zeros).
/// The check digit is verified, and placeholder codes made of one repeated
/// digit (e.g. `1111111111`, `0000000000`) are rejected even though they
/// pass the checksum.
pub fn parse_person(s: &str) -> Result<NationalCode, NationalIdError> {
    let mut d = digits_of(s)?;
    match d.len() {
        0 => return Err(NationalIdError::Empty),
        8 | 9 => {
            let pad = 10 - d.len();
            d.splice(0..0, std::iter::repeat_n(0, pad));
        }
        10 => {}
        _ => return Err(NationalIdError::WrongLength),
    }
    if d.iter().all(|&x| x == d[0]) {
        return Err(NationalIdError::BadChecksum);
    }
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, &x)| u32::from(x) * (10 - i as u32))
        .sum();
    let r = (sum % 11) as u8;
    let check = d[9];
    let valid = if r < 2 { check == r } else { check == 11 - r };
    if !valid {
        return Err(NationalIdError::BadChecksum);
    }
    Ok(NationalCode(to_string(&d)))
}

/// Weights for the legal-entity check digit.
const COMPANY_WEIGHTS: [u32; 10] = [29, 27, 23, 19, 17, 29, 27, 23, 19, 17];

/// Parses and validates an Iranian legal-entity national ID (شناسه ملی):
/// exactly 11 digits whose last digit is
/// `(Σ (d[i] + d[9] + 2) · w[i]) mod 11` (10 counts as 0).
/// Accepts Persian/Arabic-Indic digits, dashes and spaces.
pub fn parse_company(s: &str) -> Result<CompanyNationalId, NationalIdError> {
    let d = digits_of(s)?;
    if d.is_empty() {
        return Err(NationalIdError::Empty);
    }
    if d.len() != 11 {
        return Err(NationalIdError::WrongLength);
    }
    let t = u32::from(d[9]) + 2;
    let sum: u32 = d[..10]
        .iter()
        .zip(COMPANY_WEIGHTS)
        .map(|(&x, w)| (u32::from(x) + t) * w)
        .sum();
    let r = match sum % 11 {
        10 => 0,
        r => r,
    };
    if r != u32::from(d[10]) {
        return Err(NationalIdError::BadChecksum);
    }
    Ok(CompanyNationalId(to_string(&d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_person_codes() {
        for code in [
            "0499370899",
            "0084575948",
            "1234567891",
            "4608968882",
            "0067749828",
        ] {
            assert_eq!(parse_person(code).unwrap().as_str(), code);
        }
    }

    #[test]
    fn person_codes_with_formatting() {
        assert_eq!(parse_person("۰۴۹۹۳۷۰۸۹۹").unwrap().as_str(), "0499370899");
        assert_eq!(parse_person("٠٤٩٩٣٧٠٨٩٩").unwrap().as_str(), "0499370899");
        assert_eq!(parse_person("049-937089-9").unwrap().as_str(), "0499370899");
        assert_eq!(
            parse_person(" 049 937 0899 ").unwrap().as_str(),
            "0499370899"
        );
    }

    #[test]
    fn short_person_codes_are_padded() {
        assert_eq!(parse_person("13542419").unwrap().as_str(), "0013542419");
        assert_eq!(parse_person("084575948").unwrap().as_str(), "0084575948");
        assert_eq!(parse_person("67749828").unwrap().as_str(), "0067749828");
    }

    #[test]
    fn person_errors() {
        assert_eq!(parse_person(""), Err(NationalIdError::Empty));
        assert_eq!(parse_person("   "), Err(NationalIdError::Empty));
        assert_eq!(parse_person("1234567"), Err(NationalIdError::WrongLength));
        assert_eq!(
            parse_person("12345678901"),
            Err(NationalIdError::WrongLength)
        );
        assert_eq!(parse_person("---"), Err(NationalIdError::NotDigits));
        assert_eq!(parse_person("04993708a9"), Err(NationalIdError::NotDigits));
        assert_eq!(
            parse_person("0499.370.899"),
            Err(NationalIdError::NotDigits)
        );
        assert_eq!(
            parse_person("0499370898"),
            Err(NationalIdError::BadChecksum)
        );
        assert_eq!(
            parse_person("1234567890"),
            Err(NationalIdError::BadChecksum)
        );
        for same in ["0000000000", "1111111111", "5555555555", "00000000"] {
            assert_eq!(
                parse_person(same),
                Err(NationalIdError::BadChecksum),
                "{same}"
            );
        }
    }

    #[test]
    fn valid_company_ids() {
        for id in ["14007650912", "10320894878", "10861988950"] {
            assert_eq!(parse_company(id).unwrap().as_str(), id);
        }
        assert_eq!(
            parse_company("۱۴۰۰۷۶۵۰۹۱۲").unwrap().as_str(),
            "14007650912"
        );
        assert_eq!(
            parse_company("1400-765-0912").unwrap().as_str(),
            "14007650912"
        );
    }

    #[test]
    fn company_errors() {
        assert_eq!(parse_company(""), Err(NationalIdError::Empty));
        assert_eq!(
            parse_company("1400765091"),
            Err(NationalIdError::WrongLength)
        );
        assert_eq!(
            parse_company("140076509123"),
            Err(NationalIdError::WrongLength)
        );
        assert_eq!(
            parse_company("0499370899"),
            Err(NationalIdError::WrongLength)
        );
        assert_eq!(
            parse_company("1400765091x"),
            Err(NationalIdError::NotDigits)
        );
        assert_eq!(
            parse_company("14007650913"),
            Err(NationalIdError::BadChecksum)
        );
        assert_eq!(
            parse_company("10100833047"),
            Err(NationalIdError::BadChecksum)
        );
        assert_eq!(
            parse_company("00000000000"),
            Err(NationalIdError::BadChecksum)
        );
    }

    #[test]
    fn error_codes() {
        assert_eq!(NationalIdError::Empty.code(), "national_id.empty");
        assert_eq!(
            NationalIdError::WrongLength.code(),
            "national_id.wrong_length"
        );
        assert_eq!(NationalIdError::NotDigits.code(), "national_id.not_digits");
        assert_eq!(
            NationalIdError::BadChecksum.code(),
            "national_id.bad_checksum"
        );
    }

    #[test]
    fn traits_and_serde() {
        let c: NationalCode = "0499370899".parse().unwrap();
        assert_eq!(c.to_string(), "0499370899");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"0499370899\"");
        let back: NationalCode = serde_json::from_str("\"۰۴۹۹۳۷۰۸۹۹\"").unwrap();
        assert_eq!(back, c);
        assert!(serde_json::from_str::<NationalCode>("\"0499370898\"").is_err());

        let co: CompanyNationalId = "14007650912".parse().unwrap();
        assert_eq!(co.as_ref(), "14007650912");
        assert_eq!(serde_json::to_string(&co).unwrap(), "\"14007650912\"");
        assert!(serde_json::from_str::<CompanyNationalId>("\"14007650913\"").is_err());
    }
}
