//! E-mail addresses, checked pragmatically.
//!
//! Full RFC 5322 validation rejects little that matters and accepts much
//! that does not work in practice. We only catch obvious mistakes and
//! canonicalise the domain (which is case-insensitive) so duplicates match.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest address SMTP can carry (RFC 5321 path limit minus brackets).
const MAX_LEN: usize = 254;
/// Longest local part RFC 5321 allows.
const MAX_LOCAL_LEN: usize = 64;

/// Why an e-mail address was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum EmailError {
    /// The text is not a usable e-mail address.
    #[error("invalid e-mail address")]
    Invalid,
}

impl EmailError {
    /// Stable machine-readable key for translation (`email.invalid`).
    pub fn code(&self) -> &'static str {
        match self {
            EmailError::Invalid => "email.invalid",
        }
    }
}

/// A checked e-mail address: trimmed, ASCII digits, lowercase domain. The
/// local part keeps its case because some servers treat it as significant.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The address text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }

    /// The (lowercase) part after `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    /// Re-validates so unchecked strings never become `EmailAddress`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Checks an e-mail address pragmatically: trimmed, Persian/Arabic-Indic
/// digits converted, exactly one `@`, a non-empty local part, a domain with
/// a dot and no empty labels, no whitespace or control characters. The
/// domain is lowercased.
pub fn parse(s: &str) -> Result<EmailAddress, EmailError> {
    let s = crate::digits::to_ascii(s.trim());
    if s.is_empty()
        || s.len() > MAX_LEN
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\u{200C}')
    {
        return Err(EmailError::Invalid);
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err(EmailError::Invalid);
    };
    if local.is_empty() || local.len() > MAX_LOCAL_LEN || domain.contains('@') {
        return Err(EmailError::Invalid);
    }
    if !domain.contains('.') || domain.split('.').any(|label| label.is_empty()) {
        return Err(EmailError::Invalid);
    }
    if domain
        .split('.')
        .any(|label| label.starts_with('-') || label.ends_with('-'))
        || domain.chars().any(|c| {
            matches!(
                c,
                '(' | ')' | ',' | ';' | ':' | '<' | '>' | '[' | ']' | '"' | '\\'
            )
        })
    {
        return Err(EmailError::Invalid);
    }
    Ok(EmailAddress(format!("{local}@{}", domain.to_lowercase())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        assert_eq!(
            parse("ali@example.com").unwrap().as_str(),
            "ali@example.com"
        );
        assert_eq!(
            parse("  Ali.Rezaei+crm@Example.CO.IR ").unwrap().as_str(),
            "Ali.Rezaei+crm@example.co.ir"
        );
        assert_eq!(
            parse("user۱۲۳@mail۲.ir").unwrap().as_str(),
            "user123@mail2.ir"
        );
        assert_eq!(parse("a@b.c").unwrap().as_str(), "a@b.c");
        assert_eq!(
            parse("x@sub-domain.example.org").unwrap().domain(),
            "sub-domain.example.org"
        );
    }

    #[test]
    fn parts() {
        let e = parse("Sara@Shop.IR").unwrap();
        assert_eq!(e.local_part(), "Sara");
        assert_eq!(e.domain(), "shop.ir");
        assert_eq!(e.to_string(), "Sara@shop.ir");
    }

    #[test]
    fn rejects_bad_addresses() {
        for bad in [
            "",
            "   ",
            "ali",
            "ali@",
            "@example.com",
            "ali@example",
            "ali@@example.com",
            "ali@exa@mple.com",
            "ali @example.com",
            "ali@exa mple.com",
            "ali@.example.com",
            "ali@example.com.",
            "ali@example..com",
            "ali@-example.com",
            "ali@example-.com",
            "ali@exa(mple).com",
            "ali\u{200C}reza@example.com",
            "ali\n@example.com",
        ] {
            assert_eq!(parse(bad), Err(EmailError::Invalid), "{bad:?}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(parse(&long_local).is_err());
        let long_domain = format!("a@{}.com", "b".repeat(260));
        assert!(parse(&long_domain).is_err());
        assert_eq!(EmailError::Invalid.code(), "email.invalid");
    }

    #[test]
    fn traits_and_serde() {
        let e: EmailAddress = "A@B.COM".parse().unwrap();
        assert_eq!(e.as_ref(), "A@b.com");
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"A@b.com\"");
        let back: EmailAddress = serde_json::from_str("\" A@B.com \"").unwrap();
        assert_eq!(back, e);
        assert!(serde_json::from_str::<EmailAddress>("\"nope\"").is_err());
    }
}
