//! Money as integer minor units plus a currency code.
//!
//! Floating point cannot represent money exactly, so amounts are `i64`
//! minor units (cents for USD, rials for IRR, which has no minor unit in
//! practice). Iranians usually talk in toman (10 rials), so IRR can be shown
//! as toman while still being stored in rials.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::prefs::{DigitStyle, Language};

/// Why an amount or currency was rejected. `code()` gives a translation key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum MoneyError {
    /// Nothing was typed.
    #[error("the amount is empty")]
    Empty,
    /// The text is not a number (letters, misplaced signs, several decimal points…).
    #[error("the amount is not a number")]
    Invalid,
    /// A decimal part was given for a currency without minor units (e.g. IRR).
    #[error("this currency does not allow decimals")]
    NoDecimals,
    /// More decimal digits than the currency has (e.g. 1.234 USD).
    #[error("too many decimal digits for this currency")]
    TooManyDecimals,
    /// The amount does not fit in 64 bits of minor units.
    #[error("the amount is too large")]
    TooLarge,
    /// The currency code is not three ASCII letters.
    #[error("invalid currency code")]
    InvalidCurrency,
}

impl MoneyError {
    /// Stable machine-readable key for translation.
    pub fn code(&self) -> &'static str {
        match self {
            MoneyError::Empty => "money.empty",
            MoneyError::Invalid => "money.invalid",
            MoneyError::NoDecimals => "money.no_decimals",
            MoneyError::TooManyDecimals => "money.too_many_decimals",
            MoneyError::TooLarge => "money.too_large",
            MoneyError::InvalidCurrency => "money.invalid_currency",
        }
    }
}

/// An ISO 4217 currency code: exactly three uppercase ASCII letters.
/// Stored inline so it is `Copy`. Defaults to IRR, Peyvand's home currency.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Iranian rial.
    pub const IRR: Currency = Currency(*b"IRR");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Validates a code; lowercase input is uppercased (`"usd"` → `USD`).
    pub fn new(code: &str) -> Result<Currency, MoneyError> {
        let code = code.trim();
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::InvalidCurrency);
        }
        Ok(Currency([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }

    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of minor-unit digits: 0 for IRR (rials are never split in
    /// practice) and other zero-decimal currencies, 3 for the dinar family,
    /// 2 otherwise (USD, EUR, …), following ISO 4217.
    pub fn minor_digits(&self) -> u32 {
        match &self.0 {
            b"IRR" | b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"UGX" | b"XAF" | b"XOF"
            | b"PYG" | b"RWF" | b"KMF" | b"GNF" | b"DJF" | b"VUV" | b"XPF" => 0,
            b"KWD" | b"BHD" | b"OMR" | b"IQD" | b"JOD" | b"LYD" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::IRR
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money in integer minor units of `currency`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units (rials for IRR, cents for USD).
    pub amount_minor: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount from minor units.
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Money {
            amount_minor,
            currency,
        }
    }

    /// An amount in Iranian rials.
    pub fn rials(rials: i64) -> Self {
        Money::new(rials, Currency::IRR)
    }
}

/// Groups the digits of `n` in threes with `sep`.
fn group_thousands(n: u128, sep: char) -> String {
    let raw = n.to_string();
    let mut out = String::with_capacity(raw.len() + raw.len() / 3 * sep.len_utf8());
    for (i, c) in raw.chars().enumerate() {
        if i > 0 && (raw.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Formats a money amount for display.
///
/// Persian digits use `٬` as thousands separator and `٫` as decimal point;
/// Latin digits use `,` and `.`. IRR can be shown in toman (÷10) when
/// `show_toman` is set; a leftover rial is shown as one decimal.
/// Examples: `۱۲٬۵۰۰٬۰۰۰ ریال`, `1,250,000 toman`, `12,500,000 IRR`,
/// `1,234.50 USD`.
pub fn format_money(m: &Money, lang: Language, digits: DigitStyle, show_toman: bool) -> String {
    let is_irr = m.currency == Currency::IRR;
    let toman = is_irr && show_toman;
    let decimals = if toman { 1 } else { m.currency.minor_digits() };
    let scale = 10u128.pow(decimals);
    let abs = u128::from(m.amount_minor.unsigned_abs());
    let (int_part, frac_part) = (abs / scale, abs % scale);

    let (thousands, point) = match digits {
        DigitStyle::Persian => ('٬', '٫'),
        DigitStyle::Latin => (',', '.'),
    };
    let mut number = String::new();
    if m.amount_minor < 0 {
        number.push('-');
    }
    number.push_str(&group_thousands(int_part, thousands));
    // Toman shows its decimal only when there is a leftover rial.
    if decimals > 0 && !(toman && frac_part == 0) {
        number.push(point);
        number.push_str(&format!("{frac_part:0width$}", width = decimals as usize));
    }

    let unit = match (lang, toman, m.currency.as_str()) {
        (Language::Fa, true, _) => "تومان",
        (Language::En, true, _) => "toman",
        (Language::Fa, false, "IRR") => "ریال",
        (Language::Fa, false, "USD") => "دلار",
        (Language::Fa, false, "EUR") => "یورو",
        (_, false, code) => code,
    };
    format!("{} {unit}", digits.apply(&number))
}

/// Parses an amount the user typed into minor units of `currency`.
///
/// Accepts Persian/Arabic-Indic digits, thousands separators (`٬`, `,`,
/// `'`, spaces), a leading `-` or `+`, and a decimal point (`.` or `٫`) only
/// where the currency has minor units: `"۱۲٬۵۰۰"` IRR → `12500`,
/// `"12.5"` USD → `1250`.
pub fn parse_amount(input: &str, currency: &Currency) -> Result<i64, MoneyError> {
    parse_scaled(input, currency.minor_digits())
}

/// Parses an amount typed in toman into rials (one toman is ten rials). One decimal digit is a
/// leftover rial, as toman amounts are shown: `"۱۲۵٬۰۰۰"` → `1_250_000`, `"12.5"` → `125`.
pub fn parse_toman(input: &str) -> Result<i64, MoneyError> {
    // Tenths of a toman are rials.
    parse_scaled(input, 1)
}

/// A typed number in units with `minor` decimal digits, as an integer count of the smallest
/// unit.
fn parse_scaled(input: &str, minor: u32) -> Result<i64, MoneyError> {
    let s = crate::digits::to_ascii(input.trim());
    if s.is_empty() {
        return Err(MoneyError::Empty);
    }
    let (negative, body) = match s.strip_prefix('-').or_else(|| s.strip_prefix('\u{2212}')) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s.strip_prefix('+').unwrap_or(&s).trim_start()),
    };

    let mut int_digits = String::new();
    let mut frac_digits = String::new();
    let mut seen_point = false;
    for c in body.chars() {
        match c {
            '0'..='9' if seen_point => frac_digits.push(c),
            '0'..='9' => int_digits.push(c),
            '.' | '٫' if !seen_point => seen_point = true,
            ',' | '٬' | '\'' | '\u{200C}' if !seen_point => {}
            c if c.is_whitespace() && !seen_point => {}
            _ => return Err(MoneyError::Invalid),
        }
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(MoneyError::Invalid);
    }
    if seen_point && minor == 0 {
        return Err(MoneyError::NoDecimals);
    }
    if seen_point && frac_digits.is_empty() {
        return Err(MoneyError::Invalid);
    }
    if frac_digits.len() > minor as usize {
        return Err(MoneyError::TooManyDecimals);
    }

    let int_value: i128 = if int_digits.is_empty() {
        0
    } else {
        int_digits.parse().map_err(|_| MoneyError::TooLarge)?
    };
    let frac_value: i128 = if frac_digits.is_empty() {
        0
    } else {
        let padded = format!("{frac_digits:0<width$}", width = minor as usize);
        padded.parse().map_err(|_| MoneyError::Invalid)?
    };
    let total = int_value
        .checked_mul(10i128.pow(minor))
        .and_then(|v| v.checked_add(frac_value))
        .ok_or(MoneyError::TooLarge)?;
    let signed = if negative { -total } else { total };
    i64::try_from(signed).map_err(|_| MoneyError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toman_amounts_become_rials() {
        assert_eq!(parse_toman("۱۲۵٬۰۰۰"), Ok(1_250_000));
        assert_eq!(parse_toman("12.5"), Ok(125));
        assert_eq!(parse_toman("۱۲٫۵"), Ok(125));
        assert_eq!(parse_toman("0"), Ok(0));
        assert_eq!(parse_toman("1.25"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_toman("ده"), Err(MoneyError::Invalid));
        assert_eq!(
            parse_toman("922337203685477580.8"),
            Err(MoneyError::TooLarge)
        );
        // What is shown in toman reads back to the same rials.
        let shown = format_money(
            &Money::rials(1_234_565),
            Language::En,
            DigitStyle::Latin,
            true,
        );
        let typed = shown.trim_end_matches(" toman");
        assert_eq!(parse_toman(typed), Ok(1_234_565), "{shown}");
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::new("IRR"), Ok(Currency::IRR));
        assert_eq!(Currency::new(" usd "), Ok(Currency::USD));
        assert_eq!("eur".parse::<Currency>(), Ok(Currency::EUR));
        assert_eq!(Currency::default(), Currency::IRR);
        assert_eq!(Currency::USD.as_str(), "USD");
        assert_eq!(Currency::EUR.to_string(), "EUR");
        for bad in ["", "US", "USDD", "U5D", "ریا"] {
            assert_eq!(
                Currency::new(bad),
                Err(MoneyError::InvalidCurrency),
                "{bad}"
            );
        }
        assert_eq!(MoneyError::InvalidCurrency.code(), "money.invalid_currency");
    }

    #[test]
    fn minor_digits() {
        assert_eq!(Currency::IRR.minor_digits(), 0);
        assert_eq!(Currency::USD.minor_digits(), 2);
        assert_eq!(Currency::EUR.minor_digits(), 2);
        assert_eq!(Currency::new("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::new("KWD").unwrap().minor_digits(), 3);
        assert_eq!(Currency::new("GBP").unwrap().minor_digits(), 2);
    }

    #[test]
    fn format_irr() {
        let m = Money::rials(12_500_000);
        assert_eq!(
            format_money(&m, Language::Fa, DigitStyle::Persian, false),
            "۱۲٬۵۰۰٬۰۰۰ ریال"
        );
        assert_eq!(
            format_money(&m, Language::En, DigitStyle::Latin, true),
            "1,250,000 toman"
        );
        assert_eq!(
            format_money(&m, Language::En, DigitStyle::Latin, false),
            "12,500,000 IRR"
        );
        assert_eq!(
            format_money(&m, Language::Fa, DigitStyle::Persian, true),
            "۱٬۲۵۰٬۰۰۰ تومان"
        );
        assert_eq!(
            format_money(&Money::rials(12_345), Language::En, DigitStyle::Latin, true),
            "1,234.5 toman"
        );
        assert_eq!(
            format_money(&Money::rials(0), Language::Fa, DigitStyle::Latin, false),
            "0 ریال"
        );
        assert_eq!(
            format_money(
                &Money::rials(-1_000),
                Language::En,
                DigitStyle::Latin,
                false
            ),
            "-1,000 IRR"
        );
        assert_eq!(
            format_money(&Money::rials(999), Language::En, DigitStyle::Latin, false),
            "999 IRR"
        );
    }

    #[test]
    fn format_cents() {
        let m = Money::new(123_450, Currency::USD);
        assert_eq!(
            format_money(&m, Language::En, DigitStyle::Latin, false),
            "1,234.50 USD"
        );
        assert_eq!(
            format_money(&m, Language::Fa, DigitStyle::Persian, false),
            "۱٬۲۳۴٫۵۰ دلار"
        );
        // show_toman only affects IRR.
        assert_eq!(
            format_money(
                &Money::new(5, Currency::EUR),
                Language::En,
                DigitStyle::Latin,
                true
            ),
            "0.05 EUR"
        );
        assert_eq!(
            format_money(
                &Money::new(-7, Currency::EUR),
                Language::Fa,
                DigitStyle::Latin,
                false
            ),
            "-0.07 یورو"
        );
        let gbp = Money::new(100, Currency::new("GBP").unwrap());
        assert_eq!(
            format_money(&gbp, Language::Fa, DigitStyle::Latin, false),
            "1.00 GBP"
        );
    }

    #[test]
    fn format_extremes() {
        let min = Money::new(i64::MIN, Currency::IRR);
        assert_eq!(
            format_money(&min, Language::En, DigitStyle::Latin, false),
            "-9,223,372,036,854,775,808 IRR"
        );
    }

    #[test]
    fn parse_irr() {
        let irr = Currency::IRR;
        assert_eq!(parse_amount("12500000", &irr), Ok(12_500_000));
        assert_eq!(parse_amount("۱۲٬۵۰۰٬۰۰۰", &irr), Ok(12_500_000));
        assert_eq!(parse_amount("12,500,000", &irr), Ok(12_500_000));
        assert_eq!(parse_amount(" 12 500 000 ", &irr), Ok(12_500_000));
        assert_eq!(parse_amount("١٢٥٠٠", &irr), Ok(12_500));
        assert_eq!(parse_amount("-500", &irr), Ok(-500));
        assert_eq!(parse_amount("+500", &irr), Ok(500));
        assert_eq!(parse_amount("0", &irr), Ok(0));
        assert_eq!(parse_amount("12.5", &irr), Err(MoneyError::NoDecimals));
        assert_eq!(parse_amount("۱۲٫۵", &irr), Err(MoneyError::NoDecimals));
    }

    #[test]
    fn parse_cents() {
        let usd = Currency::USD;
        assert_eq!(parse_amount("12.5", &usd), Ok(1250));
        assert_eq!(parse_amount("12.50", &usd), Ok(1250));
        assert_eq!(parse_amount("1,234.05", &usd), Ok(123_405));
        assert_eq!(parse_amount("۱۲٫۵", &usd), Ok(1250));
        assert_eq!(parse_amount("12", &usd), Ok(1200));
        assert_eq!(parse_amount(".5", &usd), Ok(50));
        assert_eq!(parse_amount("-0.01", &usd), Ok(-1));
        assert_eq!(
            parse_amount("1.234", &usd),
            Err(MoneyError::TooManyDecimals)
        );
        assert_eq!(parse_amount("12.", &usd), Err(MoneyError::Invalid));
        assert_eq!(parse_amount("1.2.3", &usd), Err(MoneyError::Invalid));
        assert_eq!(parse_amount("1.2,3", &usd), Err(MoneyError::Invalid));
    }

    #[test]
    fn parse_errors() {
        let irr = Currency::IRR;
        assert_eq!(parse_amount("", &irr), Err(MoneyError::Empty));
        assert_eq!(parse_amount("   ", &irr), Err(MoneyError::Empty));
        assert_eq!(parse_amount("abc", &irr), Err(MoneyError::Invalid));
        assert_eq!(parse_amount("12a", &irr), Err(MoneyError::Invalid));
        assert_eq!(parse_amount("-", &irr), Err(MoneyError::Invalid));
        assert_eq!(parse_amount("1-2", &irr), Err(MoneyError::Invalid));
        assert_eq!(parse_amount("--5", &irr), Err(MoneyError::Invalid));
        assert_eq!(parse_amount(",", &irr), Err(MoneyError::Invalid));
        assert_eq!(
            parse_amount("99999999999999999999", &irr),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(parse_amount("9223372036854775807", &irr), Ok(i64::MAX));
        assert_eq!(
            parse_amount("92233720368547758.08", &Currency::USD),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(MoneyError::Empty.code(), "money.empty");
        assert_eq!(MoneyError::Invalid.code(), "money.invalid");
        assert_eq!(MoneyError::NoDecimals.code(), "money.no_decimals");
        assert_eq!(
            MoneyError::TooManyDecimals.code(),
            "money.too_many_decimals"
        );
        assert_eq!(MoneyError::TooLarge.code(), "money.too_large");
    }

    #[test]
    fn parse_format_round_trip() {
        let usd = Currency::USD;
        let m = Money::new(parse_amount("1,234.50", &usd).unwrap(), usd);
        let shown = format_money(&m, Language::En, DigitStyle::Latin, false);
        assert_eq!(shown, "1,234.50 USD");
        let number = shown.trim_end_matches(" USD");
        assert_eq!(parse_amount(number, &usd), Ok(123_450));
        let irr = Money::rials(12_500_000);
        let fa = format_money(&irr, Language::Fa, DigitStyle::Persian, false);
        assert_eq!(
            parse_amount(fa.trim_end_matches(" ریال"), &Currency::IRR),
            Ok(12_500_000)
        );
    }

    #[test]
    fn money_serde() {
        let m = Money::new(1250, Currency::USD);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount_minor":1250,"currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount_minor":1,"currency":"US"}"#).is_err());
        assert_eq!(Money::default(), Money::rials(0));
    }
}
