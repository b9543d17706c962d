//! Rebuilding the search text of every contact, company, lead and deal after the way it is
//! built has changed, so records saved before an upgrade are found like new ones.
//!
//! Each record type is read in id order in pages of [`REINDEX_BATCH`] rows (deleted records
//! included: a restored record must be findable too); a page's related names are read in one
//! query per related type, the texts recomputed with the same functions every save uses, and
//! only the rows whose text differs are written, each page in its own transaction. The version
//! is recorded only after the last page, so an interrupted run is simply redone: rows already
//! rewritten then compare equal and are skipped.

use std::collections::HashMap;
use std::fmt;

use chrono::Utc;
use peyvand_store::{
    CompanyRecord, ContactRecord, DealRecord, Indexed, LeadRecord, SearchTextChange, Searchable,
    Store,
};
use uuid::Uuid;

use super::{common, companies, contacts, deals, leads};
use crate::ServiceResult;

/// The version of the recipe that builds a record's search text. Bump it whenever what
/// `contacts::search_text`, `companies::search_text`, `leads::search_text`,
/// `deals::search_text` or the domain's `sales::search_text` / `text::normalize_for_search`
/// produce for the same record changes: a database whose stored version is older is reindexed
/// once when the server starts (and by `peyvand migrate`).
///
/// 1. names, phones, emails, national ID, city and tags, normalised;
/// 2. a word written with a half-space (ZWNJ/ZWJ) is also indexed joined (`رامشیرزاده`);
/// 3. two adjacent words of a short field are also indexed joined (`رامشیر زاده` →
///    `رامشیرزاده`), so a search typed with a half-space (looked up joined) finds them.
pub const SEARCH_TEXT_VERSION: i64 = 3;

/// The `settings` key holding the version the stored search texts were built with.
pub const SEARCH_TEXT_VERSION_KEY: &str = "search_text_version";

/// Records read and rewritten per transaction.
pub const REINDEX_BATCH: usize = 2000;

/// Records of one type: how many were read, and how many had their text rewritten.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub records: u64,
    pub changed: u64,
}

/// What a reindex did, by record type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReindexCounts {
    pub contacts: Tally,
    pub companies: Tally,
    pub leads: Tally,
    pub deals: Tally,
}

impl ReindexCounts {
    fn all(&self) -> [Tally; 4] {
        [self.contacts, self.companies, self.leads, self.deals]
    }

    /// Records read, of every type.
    pub fn records(&self) -> u64 {
        self.all().iter().map(|t| t.records).sum()
    }

    /// Records whose search text was rewritten, of every type.
    pub fn changed(&self) -> u64 {
        self.all().iter().map(|t| t.changed).sum()
    }
}

/// `reindexed 3 of 120 records (contacts 1 of 50, companies 1 of 20, leads 0 of 30, deals 1 of 20)`
impl fmt::Display for ReindexCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reindexed {} of {} records (contacts {} of {}, companies {} of {}, leads {} of {}, \
             deals {} of {})",
            self.changed(),
            self.records(),
            self.contacts.changed,
            self.contacts.records,
            self.companies.changed,
            self.companies.records,
            self.leads.changed,
            self.leads.records,
            self.deals.changed,
            self.deals.records,
        )
    }
}

/// Where a running reindex is: the record type it works on and its tally so far (after each
/// page).
#[derive(Clone, Copy, Debug)]
pub struct ReindexProgress {
    /// `contacts`, `companies`, `leads` or `deals`.
    pub record_type: &'static str,
    pub so_far: Tally,
}

/// The recipe version the stored search texts were built with; 0 when none was recorded
/// (a database from before versions were kept) or the value is unreadable, so it is rebuilt.
pub async fn stored_version(store: &Store) -> ServiceResult<i64> {
    Ok(store
        .setting(SEARCH_TEXT_VERSION_KEY)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0))
}

/// Whether the stored search texts were built by an older recipe than this release's.
pub async fn is_outdated(store: &Store) -> ServiceResult<bool> {
    Ok(stored_version(store).await? < SEARCH_TEXT_VERSION)
}

/// Recomputes the search text of every contact, company, lead and deal (deleted ones
/// included), writes the ones that changed, and records [`SEARCH_TEXT_VERSION`]. Safe to run
/// while the server serves and to interrupt; a second run changes nothing.
pub async fn reindex_search(
    store: &Store,
    progress: impl FnMut(&ReindexProgress),
) -> ServiceResult<ReindexCounts> {
    reindex_search_in_batches(store, REINDEX_BATCH, progress).await
}

/// [`reindex_search`] with pages of `batch` records (at least 1).
pub async fn reindex_search_in_batches(
    store: &Store,
    batch: usize,
    mut progress: impl FnMut(&ReindexProgress),
) -> ServiceResult<ReindexCounts> {
    let batch = batch.max(1);
    // Companies first: contacts and deals carry company names, but read them from the
    // companies' names, never from their search text, so the order is only for the reader.
    let companies = reindex_type::<CompanyRecord>(store, batch, &mut progress).await?;
    let contacts = reindex_type::<ContactRecord>(store, batch, &mut progress).await?;
    let leads = reindex_type::<LeadRecord>(store, batch, &mut progress).await?;
    let deals = reindex_type::<DealRecord>(store, batch, &mut progress).await?;
    let mut tx = store.begin().await?;
    store
        .set_setting(
            &mut tx,
            SEARCH_TEXT_VERSION_KEY,
            &SEARCH_TEXT_VERSION.to_string(),
            Utc::now(),
        )
        .await?;
    tx.commit().await?;
    Ok(ReindexCounts {
        contacts,
        companies,
        leads,
        deals,
    })
}

async fn reindex_type<T: Recipe>(
    store: &Store,
    batch: usize,
    progress: &mut impl FnMut(&ReindexProgress),
) -> ServiceResult<Tally> {
    let mut tally = Tally::default();
    let mut after: Option<Uuid> = None;
    loop {
        let page = store.search_text_page::<T>(after, batch as i64).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.row.id());
        let texts = T::search_texts(store, &page).await?;
        let changes: Vec<SearchTextChange> = page
            .iter()
            .zip(texts)
            .filter(|(r, new)| r.search_text != *new)
            .map(|(r, new)| SearchTextChange {
                id: r.row.id(),
                old: r.search_text.clone(),
                new,
            })
            .collect();
        tally.records += page.len() as u64;
        if !changes.is_empty() {
            let mut tx = store.begin().await?;
            tally.changed += store.replace_search_texts::<T>(&mut tx, &changes).await?;
            tx.commit().await?;
        }
        progress(&ReindexProgress {
            record_type: T::NAME,
            so_far: tally,
        });
        if page.len() < batch {
            break;
        }
    }
    Ok(tally)
}

/// How one record type's search texts are computed for a page of its rows, with the names of
/// related records read in one query per related type.
trait Recipe: Searchable {
    const NAME: &'static str;

    async fn search_texts(store: &Store, page: &[Indexed<Self>]) -> ServiceResult<Vec<String>>;
}

impl Recipe for CompanyRecord {
    const NAME: &'static str = "companies";

    async fn search_texts(_: &Store, page: &[Indexed<Self>]) -> ServiceResult<Vec<String>> {
        Ok(page
            .iter()
            .map(|r| companies::search_text(&r.row))
            .collect())
    }
}

impl Recipe for ContactRecord {
    const NAME: &'static str = "contacts";

    async fn search_texts(store: &Store, page: &[Indexed<Self>]) -> ServiceResult<Vec<String>> {
        let companies =
            common::company_names(store, page.iter().filter_map(|r| r.row.company_id)).await?;
        Ok(page
            .iter()
            .map(|r| contacts::search_text(&r.row, name_of(&companies, r.row.company_id)))
            .collect())
    }
}

impl Recipe for LeadRecord {
    const NAME: &'static str = "leads";

    async fn search_texts(_: &Store, page: &[Indexed<Self>]) -> ServiceResult<Vec<String>> {
        Ok(page.iter().map(|r| leads::search_text(&r.row)).collect())
    }
}

impl Recipe for DealRecord {
    const NAME: &'static str = "deals";

    async fn search_texts(store: &Store, page: &[Indexed<Self>]) -> ServiceResult<Vec<String>> {
        let contacts =
            common::contact_names(store, page.iter().filter_map(|r| r.row.contact_id)).await?;
        let companies =
            common::company_names(store, page.iter().filter_map(|r| r.row.company_id)).await?;
        Ok(page
            .iter()
            .map(|r| {
                deals::search_text(
                    &r.row,
                    name_of(&contacts, r.row.contact_id),
                    name_of(&companies, r.row.company_id),
                )
            })
            .collect())
    }
}

/// The name of a linked record; empty when there is no link or the record is gone, as when
/// the record is saved.
fn name_of(names: &HashMap<Uuid, String>, id: Option<Uuid>) -> &str {
    id.and_then(|id| names.get(&id)).map_or("", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_one_line() {
        let counts = ReindexCounts {
            contacts: Tally {
                records: 50,
                changed: 1,
            },
            companies: Tally {
                records: 20,
                changed: 1,
            },
            leads: Tally {
                records: 30,
                changed: 0,
            },
            deals: Tally {
                records: 20,
                changed: 1,
            },
        };
        assert_eq!(counts.records(), 120);
        assert_eq!(counts.changed(), 3);
        assert_eq!(
            counts.to_string(),
            "reindexed 3 of 120 records (contacts 1 of 50, companies 1 of 20, leads 0 of 30, \
             deals 1 of 20)"
        );
    }
}
