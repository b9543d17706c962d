//! Conversion between ASCII, Persian and Arabic-Indic digits.
//!
//! Persian users type (and expect to read) Persian digits `۰-۹`, but some
//! keyboards produce Arabic-Indic digits `٠-٩`. Everything we parse or store
//! uses ASCII digits, so input goes through [`to_ascii`] and output for
//! Persian-digit users goes through [`to_persian`].

/// Persian digits `۰`..`۹` (U+06F0..U+06F9), indexed by value.
const PERSIAN: [char; 10] = ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'];

/// Converts ASCII digits `0-9` to Persian digits `۰-۹`, leaving every other
/// character unchanged, so numbers display naturally in Persian text.
pub fn to_persian(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(v) if c.is_ascii_digit() => PERSIAN[v as usize],
            _ => c,
        })
        .collect()
}

/// Converts Persian `۰-۹` and Arabic-Indic `٠-٩` digits to ASCII, leaving
/// every other character unchanged, so parsers only ever see ASCII digits.
pub fn to_ascii(s: &str) -> String {
    s.chars().map(ascii_digit_char).collect()
}

/// Maps a single Persian or Arabic-Indic digit to its ASCII form; used by
/// [`to_ascii`] and by parsers that work character by character.
pub fn ascii_digit_char(c: char) -> char {
    match c {
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_to_persian() {
        assert_eq!(to_persian("0123456789"), "۰۱۲۳۴۵۶۷۸۹");
        assert_eq!(to_persian("1403/12/30"), "۱۴۰۳/۱۲/۳۰");
        assert_eq!(to_persian("abc-"), "abc-");
        assert_eq!(to_persian(""), "");
    }

    #[test]
    fn persian_and_arabic_to_ascii() {
        assert_eq!(to_ascii("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
        assert_eq!(to_ascii("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(to_ascii("سال ۱۴۰۳ و ٢٠٢٥"), "سال 1403 و 2025");
        assert_eq!(to_ascii("plain 42"), "plain 42");
        assert_eq!(to_ascii(""), "");
    }

    #[test]
    fn round_trip() {
        let s = "tel 0912-123";
        assert_eq!(to_ascii(&to_persian(s)), s);
    }

    #[test]
    fn other_unicode_digits_are_untouched() {
        // Devanagari digits are not ours to convert.
        assert_eq!(to_persian("१"), "१");
        assert_eq!(to_ascii("१"), "१");
    }
}
