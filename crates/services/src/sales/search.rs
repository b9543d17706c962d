//! Global search across contacts, companies, leads and deals.
//!
//! One query text finds records by name (Persian-normalised word prefixes, through each
//! table's search index — FTS5 on SQLite, trigram GIN on PostgreSQL), by phone number in any
//! format, by email address and by national ID (through `record_identifiers`). Every record
//! type is searched inside the actor's read grant, so a sales user never sees a record
//! outside their scope, and deleted records are never found.

use std::collections::HashSet;

use peyvand_domain::access::{Action, Actor, Grant, RecordType};
use peyvand_domain::{digits, text};
use peyvand_store::query::{ListSpec, Page};
use peyvand_store::{CompanyRecord, ContactRecord, DealRecord, IdentifierHit, LeadRecord, Store};
use serde::Serialize;
use uuid::Uuid;

use crate::ServiceResult;

/// Most hits of one record type a search returns.
pub const MAX_LIMIT: i64 = 50;

/// One record found by a search.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SearchHit {
    /// `contact`, `company`, `lead` or `deal`.
    pub record_type: &'static str,
    pub id: Uuid,
    /// The record's name (a contact's full name, a company's name, a lead's display name, a
    /// deal's title).
    pub title: String,
    /// A second line: the first phone or email, the city, the lead's status.
    pub detail: String,
    /// A deal's amount in minor units, with `currency`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// What the query text looks like, beyond words of a name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Needles {
    /// The normalised query.
    pub text: String,
    /// The words looked up in the text index ([`text::search_terms`]).
    pub words: String,
    /// An E.164 prefix (`+98912…`) when the text is a phone number or the start of one.
    pub phone_prefix: Option<String>,
    /// A lowercased email address or its start.
    pub email_prefix: Option<String>,
    /// Ten or eleven digits: a person's national code or a company's national ID.
    pub national_id: Option<String>,
}

/// Reads a query: `۰۹۱۲ ۱۲۳ ۴۵۶۷`, `+98 912…`, `0098912…` and `912…` all give the phone
/// prefix `+98912…`; anything with an `@` is an email; 10–11 digits may be a national ID.
pub fn needles(q: &str) -> Needles {
    let text = text::normalize_for_search(q);
    let mut out = Needles {
        text: text.clone(),
        words: text::search_terms(q),
        ..Needles::default()
    };
    if text.contains('@') && !text.contains(' ') {
        out.email_prefix = Some(text.clone());
        return out;
    }
    let compact: String = digits::to_ascii(q.trim())
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.' | '/' | '\u{200C}'))
        .collect();
    let (plus, rest) = match compact.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, compact.as_str()),
    };
    if rest.len() >= 4 && rest.chars().all(|c| c.is_ascii_digit()) {
        let e164 = if plus {
            format!("+{rest}")
        } else if let Some(r) = rest.strip_prefix("00") {
            format!("+{r}")
        } else if let Some(r) = rest.strip_prefix('0') {
            format!("+98{r}")
        } else if rest.starts_with("98") && rest.len() >= 12 {
            format!("+{rest}")
        } else if rest.starts_with('9') && rest.len() <= 10 {
            format!("+98{rest}")
        } else {
            format!("+{rest}")
        };
        out.phone_prefix = Some(e164);
        if !plus && (rest.len() == 10 || rest.len() == 11) {
            out.national_id = Some(rest.to_owned());
        }
    }
    out
}

/// Searches every record type the actor may read; at most `limit` hits of each type, records
/// matched by an identifier (phone, email, national ID) first.
pub async fn global(
    store: &Store,
    actor: &Actor,
    q: &str,
    limit: i64,
) -> ServiceResult<Vec<SearchHit>> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let n = needles(q);
    if n.text.is_empty() {
        return Ok(vec![]);
    }
    // Identifier matches, by record.
    let mut by_identifier: Vec<IdentifierHit> = vec![];
    if let Some(p) = &n.phone_prefix {
        by_identifier.extend(store.identifiers_with_prefix("phone", p, limit * 4).await?);
    }
    if let Some(e) = &n.email_prefix {
        by_identifier.extend(store.identifiers_with_prefix("email", e, limit * 4).await?);
    }
    if let Some(id) = &n.national_id {
        for kind in ["national_id", "company_national_id"] {
            by_identifier.extend(store.identifiers_with_prefix(kind, id, limit).await?);
        }
    }
    // A whole phone number or an email address is an identifier: people, companies and leads
    // are found by its index alone (the text index would only find them again, slowly, as
    // digit trigrams are in every record). Deals have no identifiers and are always read.
    let by_text = n.email_prefix.is_none()
        && n.phone_prefix
            .as_ref()
            .is_none_or(|p| p.chars().filter(char::is_ascii_digit).count() < 9);
    let mut hits = vec![];
    let mut seen: HashSet<Uuid> = HashSet::new();
    let grant = |rt| actor.require(rt, Action::Read).ok();

    // Records of one type: identifier hits first (in their order), then text matches.
    macro_rules! found {
        ($grant:expr, $record_type:literal, $by_ids:ident, $list:ident) => {{
            let ids = ids_of(&by_identifier, $record_type);
            let mut found: Vec<_> = in_order(store.$by_ids(&ids).await?, &ids, |r| r.id)
                .into_iter()
                .filter(|r| live_in(&$grant, r.deleted_at.is_none(), r.owner_id))
                .collect();
            if by_text {
                found.extend(
                    store
                        .$list(&text_spec(&$grant, &n.words, limit))
                        .await?
                        .rows,
                );
            }
            found
        }};
    }
    if let Some(g) = grant(RecordType::Contact) {
        let found = found!(g, "contact", contacts_by_ids, list_contacts);
        push(&mut hits, &mut seen, found, limit, contact_hit);
    }
    if let Some(g) = grant(RecordType::Company) {
        let found = found!(g, "company", companies_by_ids, list_companies);
        push(&mut hits, &mut seen, found, limit, company_hit);
    }
    if let Some(g) = grant(RecordType::Lead) {
        let found = found!(g, "lead", leads_by_ids, list_leads);
        push(&mut hits, &mut seen, found, limit, lead_hit);
    }
    if let Some(g) = grant(RecordType::Deal) {
        let page: Page<DealRecord> = store.list_deals(&text_spec(&g, &n.words, limit)).await?;
        push(&mut hits, &mut seen, page.rows, limit, deal_hit);
    }
    Ok(hits)
}

/// The distinct record ids of one type among identifier hits, best match first.
fn ids_of(hits: &[IdentifierHit], record_type: &str) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = vec![];
    for h in hits.iter().filter(|h| h.record_type == record_type) {
        if !out.contains(&h.record_id) {
            out.push(h.record_id);
        }
    }
    out
}

/// Records in the order of `ids` (a batch read returns them in any order).
fn in_order<T>(rows: Vec<T>, ids: &[Uuid], id_of: fn(&T) -> Uuid) -> Vec<T> {
    let mut rows: Vec<Option<T>> = rows.into_iter().map(Some).collect();
    ids.iter()
        .filter_map(|id| {
            rows.iter_mut()
                .find(|r| r.as_ref().is_some_and(|r| id_of(r) == *id))
                .and_then(Option::take)
        })
        .collect()
}

fn live_in(grant: &Grant, live: bool, owner: Uuid) -> bool {
    live && grant.covers(Some(owner))
}

fn text_spec(grant: &Grant, text: &str, limit: i64) -> ListSpec {
    let mut spec = ListSpec::new(grant.filter.clone(), limit);
    spec.search = Some(text.to_owned());
    spec.any_order = true;
    spec
}

fn push<T>(
    hits: &mut Vec<SearchHit>,
    seen: &mut HashSet<Uuid>,
    found: Vec<T>,
    limit: i64,
    to_hit: fn(&T) -> SearchHit,
) {
    let mut n = 0;
    for r in &found {
        if n >= limit {
            break;
        }
        let h = to_hit(r);
        if seen.insert(h.id) {
            hits.push(h);
            n += 1;
        }
    }
}

fn contact_hit(c: &ContactRecord) -> SearchHit {
    let detail = c
        .phones
        .0
        .first()
        .map(|p| p.number.clone())
        .or_else(|| c.emails.0.first().map(|e| e.address.clone()))
        .unwrap_or_else(|| c.city.clone());
    SearchHit {
        record_type: "contact",
        id: c.id,
        title: c.full_name(),
        detail,
        amount_minor: None,
        currency: None,
    }
}

fn company_hit(c: &CompanyRecord) -> SearchHit {
    let detail = c
        .phones
        .0
        .first()
        .map(|p| p.number.clone())
        .unwrap_or_else(|| c.city.clone());
    SearchHit {
        record_type: "company",
        id: c.id,
        title: c.name.clone(),
        detail,
        amount_minor: None,
        currency: None,
    }
}

fn lead_hit(l: &LeadRecord) -> SearchHit {
    let detail = l
        .phone
        .clone()
        .or_else(|| l.email.clone())
        .unwrap_or_default();
    SearchHit {
        record_type: "lead",
        id: l.id,
        title: l.display_name(),
        detail,
        amount_minor: None,
        currency: None,
    }
}

fn deal_hit(d: &DealRecord) -> SearchHit {
    SearchHit {
        record_type: "deal",
        id: d.id,
        title: d.title.clone(),
        detail: String::new(),
        amount_minor: Some(d.amount_minor),
        currency: Some(d.currency.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_in_any_format_give_one_prefix() {
        for q in [
            "09121234567",
            "۰۹۱۲۱۲۳۴۵۶۷",
            "+98 912 123 4567",
            "00989121234567",
            "(0912) 123-4567",
            "9121234567",
        ] {
            assert_eq!(
                needles(q).phone_prefix.as_deref(),
                Some("+989121234567"),
                "{q}"
            );
        }
        assert_eq!(needles("۰۹۱۲").phone_prefix.as_deref(), Some("+98912"));
        assert_eq!(needles("علی").phone_prefix, None);
    }

    #[test]
    fn emails_and_national_ids() {
        let n = needles("Ali.Rezaei@Example.COM");
        assert_eq!(n.email_prefix.as_deref(), Some("ali.rezaei@example.com"));
        assert_eq!(n.phone_prefix, None);
        assert_eq!(
            needles("۰۰۱۲۳۴۵۶۷۸").national_id.as_deref(),
            Some("0012345678")
        );
        assert_eq!(needles("علي").text, "علی");
    }
}
