//! Persian/Arabic text normalisation.
//!
//! The same Persian word can be typed with different code points: Arabic
//! keyboards produce `ي` and `ك` where Persian uses `ی` and `ک`, writers add
//! optional diacritics or tatweel for decoration, and the zero-width
//! non-joiner (ZWNJ) may or may not be used. [`normalize_for_search`] folds
//! all of these to one canonical form for matching and duplicate detection,
//! while [`tidy`] only fixes what is unambiguously wrong so stored text still
//! looks the way the user meant it.

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';
const TATWEEL: char = '\u{0640}';

/// Whether `c` is an Arabic diacritic (harakat, U+064B..U+065F, or the
/// superscript alef U+0670); these never change the identity of a word.
fn is_diacritic(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}')
}

/// Whether `c` is an invisible bidi control (LRM, RLM, embeddings,
/// isolates, BOM) that copy-pasting from RTL sources tends to smuggle in.
fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// Collapses runs of "space-like" characters (as decided by `is_space`)
/// to one ASCII space and trims both ends.
fn collapse_spaces(chars: impl Iterator<Item = char>, is_space: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in chars {
        if is_space(c) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Canonical form for search and duplicate detection.
///
/// Folds Arabic letter variants to Persian (`ي ى ئ → ی`, `ك → ک`,
/// `ة ۀ → ه`, `أ إ ٱ → ا`, `ؤ → و`), drops diacritics, tatweel and bidi
/// controls, turns ZWNJ/ZWJ/NBSP and any whitespace run into one ASCII
/// space, trims, converts Persian/Arabic-Indic digits to ASCII and
/// lowercases Latin letters. Two strings a human would call "the same name"
/// therefore compare equal. The function is idempotent.
///
/// Records store its output: a change here needs `SEARCH_TEXT_VERSION` (services'
/// `sales::reindex`) bumped so they are rebuilt on upgrade.
pub fn normalize_for_search(s: &str) -> String {
    let mapped = s
        .chars()
        .filter(|&c| c != TATWEEL && !is_diacritic(c) && !is_invisible_control(c))
        .map(|c| match c {
            '\u{064A}' | '\u{0649}' | '\u{0626}' => 'ی',
            '\u{0643}' => 'ک',
            '\u{0629}' | '\u{06C0}' => 'ه',
            '\u{0623}' | '\u{0625}' | '\u{0671}' => 'ا',
            '\u{0624}' => 'و',
            other => crate::digits::ascii_digit_char(other),
        })
        .flat_map(char::to_lowercase);
    collapse_spaces(mapped, |c| c.is_whitespace() || c == ZWNJ || c == ZWJ)
}

/// The words a query looks up in the search index: as [`normalize_for_search`], except that a
/// word written with a half-space (`لواسان‌پور`) stays one word, joined (`لواسانپور`). The
/// index holds that joined form of every such word, and one long prefix is found far faster
/// than its parts, whose short common halves (`پور`, `زاده`) begin hundreds of thousands of
/// words. A query typed with a real space still looks the parts up.
pub fn search_terms(q: &str) -> String {
    let words: Vec<String> = q
        .split_whitespace()
        .map(|w| w.replace([ZWNJ, ZWJ], ""))
        .collect();
    normalize_for_search(&words.join(" "))
}

/// Tidy form for storing what a user typed.
///
/// Only fixes what is certainly a keyboard artefact: Arabic `ي → ی` and
/// `ك → ک`, removes tatweel and bidi controls, collapses whitespace runs
/// (including NBSP) to one space and trims. ZWNJ is kept because it is
/// correct Persian spelling (`می‌خواهم`), and case is kept.
pub fn tidy(s: &str) -> String {
    let mapped = s
        .chars()
        .filter(|&c| c != TATWEEL && !is_invisible_control(c))
        .map(|c| match c {
            '\u{064A}' => 'ی',
            '\u{0643}' => 'ک',
            other => other,
        });
    collapse_spaces(mapped, char::is_whitespace)
}

/// Whether two names are probably the same: equal in search form once spaces and ZWNJ are
/// ignored (`محمدرضا` / `محمد رضا`), or — when both have at least six letters — one letter
/// apart (a typo, a dropped `ه`, `ئ` for `ی`).
pub fn similar_names(a: &str, b: &str) -> bool {
    let squeeze = |s: &str| -> Vec<char> {
        normalize_for_search(s)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ZWNJ)
            .collect()
    };
    let (a, b) = (squeeze(a), squeeze(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || (a.len().min(b.len()) >= 6 && within_one_edit(&a, &b))
}

/// One insertion, deletion or substitution at most.
fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[prefix + 1.min(short.len() - prefix)..] == long[prefix + 1.min(long.len() - prefix)..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// A cell as a CSV file may carry it without a spreadsheet running it as a formula: text that
/// starts with `=`, `@`, a tab or a carriage return, or with `+`/`-` followed by anything other
/// than a plain number, gets a leading apostrophe. Phone numbers (`+98 912 …`) and negative
/// amounts stay as they are.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = cell.chars();
    let risky = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars.all(|c| {
            c.is_ascii_digit()
                || ('۰'..='۹').contains(&c)
                || matches!(c, ' ' | '.' | ',' | '٬' | '٫' | '(' | ')')
        }),
        _ => false,
    };
    if risky {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell read from a spreadsheet, without the apostrophe [`spreadsheet_safe`] added.
pub fn from_spreadsheet_safe(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if spreadsheet_safe(rest).len() != rest.len() => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_keep_half_space_words_whole() {
        assert_eq!(search_terms("لواسان\u{200C}پور"), "لواسانپور");
        assert_eq!(search_terms("پوریا لواسان\u{200C}پور"), "پوریا لواسانپور");
        assert_eq!(
            search_terms("علي  رضايي"),
            "علی رضایی",
            "normalised as ever"
        );
        assert_eq!(
            search_terms("لواسان پور"),
            "لواسان پور",
            "a real space splits"
        );
        assert_eq!(search_terms(" \u{200C} "), "");
    }

    #[test]
    fn search_folds_arabic_letters() {
        assert_eq!(normalize_for_search("علي"), "علی");
        assert_eq!(normalize_for_search("كريم"), "کریم");
        assert_eq!(normalize_for_search("موسى"), "موسی");
        assert_eq!(normalize_for_search("فاطمة"), "فاطمه");
        assert_eq!(normalize_for_search("أحمد إبراهيم"), "احمد ابراهیم");
        assert_eq!(normalize_for_search("ٱلله"), "الله");
        assert_eq!(normalize_for_search("مؤسسه"), "موسسه");
        assert_eq!(normalize_for_search("هيئت"), "هییت");
    }

    #[test]
    fn search_removes_diacritics_and_tatweel() {
        assert_eq!(normalize_for_search("مُحَمَّد"), "محمد");
        assert_eq!(normalize_for_search("ســـلام"), "سلام");
        assert_eq!(normalize_for_search("رحمٰن"), "رحمن");
        assert_eq!(normalize_for_search("کتاباً"), "کتابا");
    }

    #[test]
    fn search_spaces_and_zwnj() {
        assert_eq!(normalize_for_search("می\u{200C}خواهم"), "می خواهم");
        assert_eq!(
            normalize_for_search("  علی \u{00A0}\t رضایی \n"),
            "علی رضایی"
        );
        assert_eq!(normalize_for_search("a\u{200D}b"), "a b");
        assert_eq!(normalize_for_search("\u{200C} x \u{200C}"), "x");
        assert_eq!(normalize_for_search("\u{200F}علی\u{200E}"), "علی");
    }

    #[test]
    fn search_digits_and_case() {
        assert_eq!(normalize_for_search("شرکت ۱۲۳ ABC"), "شرکت 123 abc");
        assert_eq!(normalize_for_search("٤٥٦"), "456");
        assert_eq!(
            normalize_for_search("Ali.Rezaei@Example.COM"),
            "ali.rezaei@example.com"
        );
    }

    #[test]
    fn search_variants_compare_equal() {
        let a = normalize_for_search("شركت  مهندسي\u{200C}ها ۱۴۰۳");
        let b = normalize_for_search("شرکت مهندسی ها 1403");
        assert_eq!(a, b);
    }

    #[test]
    fn search_is_idempotent() {
        for s in [
            "علي  كريمي\u{200C}ها",
            "مُحَمَّد ۱۲۳",
            "  İstanbul ẞ  ",
            "",
            "   ",
            "فاطمة\u{0640}",
        ] {
            let once = normalize_for_search(s);
            assert_eq!(normalize_for_search(&once), once, "input {s:?}");
        }
    }

    #[test]
    fn search_empty_and_blank() {
        assert_eq!(normalize_for_search(""), "");
        assert_eq!(normalize_for_search(" \u{200C}\t "), "");
    }

    #[test]
    fn tidy_fixes_keyboard_artefacts_only() {
        assert_eq!(tidy("علي كريمي"), "علی کریمی");
        assert_eq!(tidy("ســلام"), "سلام");
        assert_eq!(tidy("  Ali   Rezaei  "), "Ali Rezaei");
        assert_eq!(tidy("a\u{00A0}\u{00A0}b"), "a b");
        assert_eq!(tidy("\u{200F}متن"), "متن");
    }

    #[test]
    fn tidy_keeps_zwnj_case_digits_and_diacritics() {
        assert_eq!(tidy("می\u{200C}خواهم"), "می\u{200C}خواهم");
        assert_eq!(tidy("ACME Co"), "ACME Co");
        assert_eq!(tidy("۱۲۳"), "۱۲۳");
        assert_eq!(tidy("مُحَمَّد"), "مُحَمَّد");
        // Alef maksura and teh marbuta are legitimate in Arabic names.
        assert_eq!(tidy("موسى فاطمة"), "موسى فاطمة");
    }

    #[test]
    fn tidy_is_idempotent() {
        for s in ["  علي \t كريمي ", "می\u{200C}روم", "", "x"] {
            let once = tidy(s);
            assert_eq!(tidy(&once), once);
        }
    }

    #[test]
    fn spreadsheet_cells_never_run_as_formulas() {
        for risky in [
            "=1+1",
            "@SUM(A1)",
            "+HYPERLINK(\"x\")",
            "-2+3+cmd|'/C calc'!A0",
            "\t=x",
        ] {
            let safe = spreadsheet_safe(risky);
            assert!(safe.starts_with('\''), "{risky}");
            assert_eq!(from_spreadsheet_safe(&safe), risky);
        }
        for plain in [
            "+98 912 123 4567",
            "-1500",
            "+۹۸۹۱۲",
            "علی",
            "",
            "a=b",
            "'quoted",
        ] {
            assert_eq!(spreadsheet_safe(plain), plain);
            assert_eq!(from_spreadsheet_safe(plain), plain);
        }
    }

    #[test]
    fn similar_names_allow_spacing_and_one_slip() {
        assert!(similar_names("محمدرضا رضایی", "محمد رضا رضایی"));
        assert!(similar_names("علي رضايي", "علی رضایی"));
        assert!(similar_names("فاطمه احمدی", "فاطمه احمدئ"));
        assert!(similar_names("زهرا کریمی", "زهرا کریمی‌"));
        assert!(similar_names("شرکت پیوندگستر", "شرکت پیوند گستر"));
        assert!(similar_names("مریم موسوی", "مریم موسوی"));
        assert!(!similar_names("علی رضایی", "علی رضوی"));
        assert!(
            !similar_names("سارا", "سارە"),
            "short names must match exactly"
        );
        assert!(!similar_names("مریم موسوی", "مریم موسویان"));
        assert!(!similar_names("", ""));
        assert!(!similar_names("شرکت پیوند", "شرکت پیوند گستر"));
    }
}
