//! Rebuilding the stored search text after its recipe changed: records saved by an older
//! release (here: before half-space words were also indexed joined) are found again.

use peyvand_domain::text::normalize_for_search;
use peyvand_services::sales::reindex::{self, ReindexCounts, SEARCH_TEXT_VERSION, Tally};
use peyvand_store::{ContactRecord, SearchTextChange, args};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::both;
use crate::harness::*;
use crate::search::{create, has, search};

/// Half-space words of the records below, as the current recipe also indexes them: joined.
const HALF_SPACE_WORDS: [&str; 4] = [
    "رامشیر\u{200C}زاده",
    "نیک\u{200C}آفرین",
    "خوش\u{200C}نویس",
    "نیک\u{200C}پور",
];

fn joined_forms() -> Vec<String> {
    HALF_SPACE_WORDS
        .iter()
        .map(|w| normalize_for_search(&w.replace('\u{200C}', "")))
        .collect()
}

async fn stored_text(app: &TestApp, table: &str, id: &str) -> String {
    let (text,): (String,) = app
        .store
        .db
        .fetch_one(
            format!("SELECT search_text FROM {table} WHERE id = $1"),
            args![Uuid::parse_str(id).unwrap()],
        )
        .await
        .unwrap();
    text
}

/// Puts back the text an older release wrote: the same words without the joined forms.
async fn make_stale(app: &TestApp, table: &str, id: &str) {
    let current = stored_text(app, table, id).await;
    let joined = joined_forms();
    let old: Vec<&str> = current
        .split(' ')
        .filter(|w| !joined.iter().any(|j| j == w))
        .collect();
    let old = old.join(" ");
    assert_ne!(old, current, "{table} {id} has a joined word to drop");
    app.store
        .db
        .execute(
            format!("UPDATE {table} SET search_text = $1 WHERE id = $2"),
            args![old, Uuid::parse_str(id).unwrap()],
        )
        .await
        .unwrap();
}

fn tally(records: u64, changed: u64) -> Tally {
    Tally { records, changed }
}

async fn reindex_after_upgrade(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);

    let company = create(&api, "/companies", json!({"name": "نیک\u{200C}آفرین"})).await;
    let contact = create(
        &api,
        "/contacts",
        json!({"first_name": "کاوه", "last_name": "رامشیر\u{200C}زاده", "company_id": company}),
    )
    .await;
    let plain = create(
        &api,
        "/contacts",
        json!({"first_name": "مریم", "last_name": "کریمی"}),
    )
    .await;
    let deleted = create(
        &api,
        "/contacts",
        json!({"first_name": "بهار", "last_name": "نیک\u{200C}پور"}),
    )
    .await;
    let lead = create(
        &api,
        "/leads",
        json!({"first_name": "سارا", "last_name": "خوش\u{200C}نویس", "phone": "09121112233",
               "source": "web_form"}),
    )
    .await;
    let deal = create(
        &api,
        "/deals",
        json!({"title": "قرارداد نگهداری", "amount_minor": 1_000_000, "contact_id": contact,
               "company_id": company}),
    )
    .await;
    let (status, _) = api
        .send(Method::DELETE, &format!("/contacts/{deleted}"), json!({}))
        .await;
    assert_eq!(status, 204);

    // The database as the previous release left it: texts without the joined forms, and an
    // older recipe version recorded.
    for (table, id) in [
        ("companies", &company),
        ("contacts", &contact),
        ("contacts", &deleted),
        ("leads", &lead),
        ("deals", &deal),
    ] {
        make_stale(&app, table, id).await;
    }
    let mut tx = app.store.begin().await.unwrap();
    app.store
        .set_setting(
            &mut tx,
            reindex::SEARCH_TEXT_VERSION_KEY,
            &(SEARCH_TEXT_VERSION - 1).to_string(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(reindex::is_outdated(&app.store).await.unwrap());
    let (_, hits) = search(&api, "رامشیرزاده").await;
    assert!(hits.is_empty(), "stale text is not found: {hits:?}");

    // A text written in between (by a save) is never overwritten with one computed from what
    // was read before it.
    let mut tx = app.store.begin().await.unwrap();
    let written = app
        .store
        .replace_search_texts::<ContactRecord>(
            &mut tx,
            &[SearchTextChange {
                id: Uuid::parse_str(&contact).unwrap(),
                old: "not what is stored".into(),
                new: "something else".into(),
            }],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(written, 0);

    // Pages of two records: the three contacts take two pages.
    let mut pages = vec![];
    let counts = reindex::reindex_search_in_batches(&app.store, 2, |p| {
        pages.push((p.record_type, p.so_far));
    })
    .await
    .unwrap();
    assert_eq!(
        counts,
        ReindexCounts {
            contacts: tally(3, 2),
            companies: tally(1, 1),
            leads: tally(1, 1),
            deals: tally(1, 1),
        }
    );
    assert_eq!(
        pages,
        vec![
            ("companies", tally(1, 1)),
            (
                "contacts",
                tally(2, counts_of_first_page(&contact, &plain, &deleted))
            ),
            ("contacts", tally(3, 2)),
            ("leads", tally(1, 1)),
            ("deals", tally(1, 1)),
        ]
    );
    assert_eq!(
        reindex::stored_version(&app.store).await.unwrap(),
        SEARCH_TEXT_VERSION
    );
    assert!(!reindex::is_outdated(&app.store).await.unwrap());

    // Found by the joined forms again: the contact, and the deal through its contact's name.
    let (_, hits) = search(&api, "رامشیرزاده").await;
    assert!(has(&hits, "contact", &contact), "{hits:?}");
    assert!(has(&hits, "deal", &deal), "{hits:?}");
    let (_, hits) = search(&api, "نیکآفرین").await;
    assert!(has(&hits, "company", &company), "{hits:?}");
    assert!(has(&hits, "contact", &contact), "{hits:?}");
    let (_, hits) = search(&api, "خوشنویس").await;
    assert!(has(&hits, "lead", &lead), "{hits:?}");
    // Typed as written (with the half-space, whole or begun) or with a space: found alike.
    for typed in ["رامشیر\u{200C}زاده", "کاوه رامشیر\u{200C}ز", "رامشیر زاده"]
    {
        let (_, hits) = search(&api, typed).await;
        assert!(has(&hits, "contact", &contact), "{typed}: {hits:?}");
    }
    let (_, list) = api
        .get("/contacts?q=%D8%B1%D8%A7%D9%85%D8%B4%DB%8C%D8%B1%E2%80%8C%D8%B2%D8%A7%D8%AF%D9%87")
        .await;
    assert_eq!(
        list["data"][0]["id"],
        contact.as_str(),
        "the list searches the same way: {list}"
    );
    // The deleted contact was rebuilt too: restored, it is found like the others.
    let (status, _) = api
        .send(
            Method::POST,
            &format!("/contacts/{deleted}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, hits) = search(&api, "نیکپور").await;
    assert!(has(&hits, "contact", &deleted), "{hits:?}");

    // A second run finds nothing left to do.
    let again = reindex::reindex_search(&app.store, |_| {}).await.unwrap();
    assert_eq!(again.records(), 6);
    assert_eq!(again.changed(), 0, "{again}");
}

/// Records are paged in id order (UUIDv7: creation order), so the first page of two holds
/// the first two contacts created; of those, the ones with a stale text changed.
fn counts_of_first_page(contact: &str, plain: &str, deleted: &str) -> u64 {
    let mut ids = [contact, plain, deleted].map(|id| Uuid::parse_str(id).unwrap());
    let stale = [
        Uuid::parse_str(contact).unwrap(),
        Uuid::parse_str(deleted).unwrap(),
    ];
    ids.sort();
    ids[..2].iter().filter(|id| stale.contains(id)).count() as u64
}

both!(reindex_rebuilds_stale_search_text, reindex_after_upgrade);
