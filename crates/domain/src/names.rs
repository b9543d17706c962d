//! Persian first names and place names (from the persian-names project, MIT — see
//! data/persian-names/LICENSE-MIT.txt), for demo data and test fixtures.
//!
//! The Persian and Latin lists are sorted independently, so their lines do not pair up;
//! [`latin_of`] pairs a Persian name with the Latin spelling whose consonants match, and
//! transliterates letter by letter when none does.

use std::collections::HashMap;

const MALE_FA: &str = include_str!("../data/persian-names/male_fa.txt");
const FEMALE_FA: &str = include_str!("../data/persian-names/female_fa.txt");
const REGION_FA: &str = include_str!("../data/persian-names/region_fa.txt");
const MALE_EN: &str = include_str!("../data/persian-names/male_en.txt");
const FEMALE_EN: &str = include_str!("../data/persian-names/female_en.txt");
const REGION_EN: &str = include_str!("../data/persian-names/region_en.txt");

fn lines(s: &'static str) -> Vec<&'static str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

pub fn male() -> Vec<&'static str> {
    lines(MALE_FA)
}

pub fn female() -> Vec<&'static str> {
    lines(FEMALE_FA)
}

/// Place names from which family names are commonly formed (+ی، +پور، +زاده).
pub fn regions() -> Vec<&'static str> {
    lines(REGION_FA)
}

/// Every Latin spelling the lists hold (first names and places).
pub fn latin_spellings() -> Vec<&'static str> {
    let mut v = lines(MALE_EN);
    v.extend(lines(FEMALE_EN));
    v.extend(lines(REGION_EN));
    v
}

fn letter(c: char) -> &'static str {
    match c {
        'ا' | 'آ' | 'أ' | 'إ' => "a",
        'ب' => "b",
        'پ' => "p",
        'ت' | 'ط' => "t",
        'ث' | 'س' | 'ص' => "s",
        'ج' => "j",
        'چ' => "ch",
        'ح' | 'ه' | 'ة' => "h",
        'خ' => "kh",
        'د' => "d",
        'ذ' | 'ز' | 'ض' | 'ظ' => "z",
        'ر' => "r",
        'ژ' => "zh",
        'ش' => "sh",
        'غ' | 'ق' => "gh",
        'ف' => "f",
        'ک' | 'ك' => "k",
        'گ' => "g",
        'ل' => "l",
        'م' => "m",
        'ن' => "n",
        'و' => "v",
        'ی' | 'ي' | 'ى' => "i",
        ' ' | '\u{200C}' => "",
        _ => "",
    }
}

/// A letter-by-letter Latin form (`علی` → `ali`), for names without a known spelling.
pub fn transliterate(fa: &str) -> String {
    fa.chars().map(letter).collect()
}

/// Consonants only, lowercased, with the sounds Persian writes alike folded together.
fn skeleton(latin: &str) -> String {
    let s = latin
        .to_ascii_lowercase()
        .replace("kh", "x")
        .replace("gh", "q")
        .replace("sh", "c")
        .replace("ch", "c")
        .replace("zh", "j")
        .replace('w', "v");
    s.chars()
        .filter(|c| c.is_ascii_alphabetic() && !"aeiouy'".contains(*c))
        .collect()
}

/// Letter by letter, so `ز` + `ه` stays "zh" as two sounds rather than the digraph of `ژ`.
fn skeleton_fa(fa: &str) -> String {
    fa.chars()
        .filter(|c| !matches!(c, 'ا' | 'آ' | 'ع' | 'ی' | 'و' | 'ء' | 'ئ' | 'أ'))
        .map(|c| skeleton(letter(c)))
        .collect()
}

/// The Latin spelling of a Persian name: one from `spellings` with the same consonants, else
/// a transliteration. Lowercase ASCII letters only. For many names, build [`LatinSpellings`]
/// once instead.
pub fn latin_of(fa: &str, spellings: &[&str]) -> String {
    LatinSpellings::new(spellings).latin_of(fa)
}

/// Known Latin spellings indexed by their consonants, so pairing a name is one lookup.
pub struct LatinSpellings {
    by_skeleton: HashMap<String, String>,
}

impl LatinSpellings {
    pub fn new(spellings: &[&str]) -> LatinSpellings {
        let mut by_skeleton = HashMap::new();
        for l in spellings {
            // The first spelling of a skeleton wins, as the list is ordered by preference.
            by_skeleton.entry(skeleton(l)).or_insert_with(|| {
                l.to_ascii_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .collect()
            });
        }
        LatinSpellings { by_skeleton }
    }

    pub fn latin_of(&self, fa: &str) -> String {
        let sk = skeleton_fa(fa);
        if !sk.is_empty()
            && let Some(found) = self.by_skeleton.get(&sk)
        {
            return found.clone();
        }
        transliterate(fa)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_read() {
        assert!(male().len() > 300);
        assert!(female().len() > 300);
        assert!(regions().len() > 190);
        assert!(male().contains(&"علی"));
    }

    #[test]
    fn latin_spellings_pair_by_consonants() {
        let sp = latin_spellings();
        assert_eq!(latin_of("زهرا", &sp), "zahra");
        // Same consonants, another name: the pairing is a good guess, never a dictionary.
        assert_eq!(latin_of("یزد", &sp).len(), 4);
        for n in male().into_iter().chain(female()).chain(regions()) {
            let l = latin_of(n, &sp);
            assert!(l.chars().all(|c| c.is_ascii_lowercase()), "{n} → {l}");
        }
        assert_eq!(transliterate("علی"), "li");
        assert!(!latin_of("ناشناخته‌ای", &sp).is_empty());
    }
}
