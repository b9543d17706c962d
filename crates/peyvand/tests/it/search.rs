//! Global search and list search (`q`) through the indexes of migration 0005, on both backends.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::harness::*;

/// `GET /search?q=…` as (status, [(record_type, id)]).
pub(crate) async fn search(api: &Api, q: &str) -> (u16, Vec<(String, String)>) {
    let (status, body) = api.get(&format!("/search?q={}", urlencode(q))).await;
    let hits = body["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| {
                    (
                        h["record_type"].as_str().unwrap().to_owned(),
                        h["id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (status, hits)
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn has(hits: &[(String, String)], rt: &str, id: &str) -> bool {
    hits.iter().any(|(t, i)| t == rt && i == id)
}

pub(crate) async fn create(api: &Api, path: &str, body: Value) -> String {
    let (s, rec) = api.send(Method::POST, path, body).await;
    assert_eq!(s, 201, "POST {path}: {rec}");
    rec["id"].as_str().unwrap().to_owned()
}

async fn list_ids(api: &Api, path: &str, q: &str) -> Vec<String> {
    let (s, page) = api.get(&format!("{path}?q={}", urlencode(q))).await;
    assert_eq!(s, 200, "{page}");
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn global_search(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);

    // Typed with Arabic letters (ي, ك), found with Persian ones and the other way round.
    let ali = create(
        &api,
        "/contacts",
        json!({"first_name": "علي", "last_name": "رضایی", "phones": [{"number": "0912 123 4567"}],
               "emails": [{"address": "Ali.Rezaei@Example.com"}], "national_id": "0012345679"}),
    )
    .await;
    // A surname written with a half-space is found typed without it, with it and with a space.
    let halfspace = create(
        &api,
        "/contacts",
        json!({"first_name": "کاوه", "last_name": "رامشیر\u{200C}زاده"}),
    )
    .await;
    for q in [
        "رامشیرزاده",
        "رامشیر\u{200C}زاده",
        "رامشیر زاده",
        "کاوه رامشیرز",
    ] {
        let (_, hits) = search(&api, q).await;
        assert!(has(&hits, "contact", &halfspace), "{q}");
        assert!(
            list_ids(&api, "/contacts", q).await.contains(&halfspace),
            "{q}"
        );
    }
    // The same name typed with a real space is found every way too.
    let spaced = create(
        &api,
        "/contacts",
        json!({"first_name": "لیلا", "last_name": "کوه زاده"}),
    )
    .await;
    for q in ["کوهزاده", "کوه\u{200C}زاده", "کوه زاده", "لیلا کوه\u{200C}ز"]
    {
        let (_, hits) = search(&api, q).await;
        assert!(has(&hits, "contact", &spaced), "{q}");
        assert!(
            list_ids(&api, "/contacts", q).await.contains(&spaced),
            "{q}"
        );
    }
    let other = create(
        &api,
        "/contacts",
        json!({"first_name": "مریم", "last_name": "کریمی", "phones": [{"number": "09351112233"}]}),
    )
    .await;
    let company = create(
        &api,
        "/companies",
        json!({"name": "شركت كاوه صنعت", "phones": [{"number": "021 8888 7777"}]}),
    )
    .await;
    let lead = create(
        &api,
        "/leads",
        json!({"first_name": "حسین", "last_name": "موسوی", "phone": "۰۹۱۹ ۷۷۷ ۶۶۵۵", "email": "h.mousavi@example.org", "source": "web_form"}),
    )
    .await;
    let deal = create(
        &api,
        "/deals",
        json!({"title": "قرارداد پشتیبانی کاوه", "amount_minor": 125_000_000, "company_id": company}),
    )
    .await;

    for q in ["علی", "علي", "علی رضا", "رضایی علی", "علي  رضايي"] {
        let (s, hits) = search(&api, q).await;
        assert_eq!(s, 200);
        assert!(has(&hits, "contact", &ali), "{q}: {hits:?}");
        assert!(!has(&hits, "contact", &other), "{q}: {hits:?}");
    }
    // Words match as prefixes of words, not in the middle of one.
    let (_, hits) = search(&api, "ضایی").await;
    assert!(!has(&hits, "contact", &ali), "{hits:?}");
    // Company typed with ك and ي, found with Persian letters; the deal by its title.
    let (_, hits) = search(&api, "شرکت کاوه").await;
    assert!(has(&hits, "company", &company), "{hits:?}");
    let (_, hits) = search(&api, "کاوه").await;
    assert!(
        has(&hits, "company", &company) && has(&hits, "deal", &deal),
        "{hits:?}"
    );
    let (_, hits) = search(&api, "موسوي").await;
    assert!(has(&hits, "lead", &lead), "{hits:?}");

    // A phone number in any format, Persian digits included.
    for q in [
        "09121234567",
        "+98 912 123 4567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "0098 912 123 4567",
        "(0912) 123-4567",
        "9121234567",
    ] {
        let (_, hits) = search(&api, q).await;
        assert!(has(&hits, "contact", &ali), "{q}: {hits:?}");
        assert!(!has(&hits, "contact", &other), "{q}: {hits:?}");
    }
    let (_, hits) = search(&api, "09197776655").await;
    assert!(has(&hits, "lead", &lead), "{hits:?}");
    let (_, hits) = search(&api, "021 8888 7777").await;
    assert!(has(&hits, "company", &company), "{hits:?}");
    // Email, whole or its start, in any case; national ID in either digits.
    for q in [
        "ali.rezaei@example.com",
        "ALI.Rezaei@Example.COM",
        "ali.rezaei@",
    ] {
        let (_, hits) = search(&api, q).await;
        assert!(has(&hits, "contact", &ali), "{q}: {hits:?}");
    }
    for q in ["0012345679", "۰۰۱۲۳۴۵۶۷۹"] {
        let (_, hits) = search(&api, q).await;
        assert!(has(&hits, "contact", &ali), "{q}: {hits:?}");
    }
    let (_, hits) = search(&api, "هیچکس").await;
    assert!(hits.is_empty(), "{hits:?}");
    let (s, _) = api.get("/search?q=x&limit=500").await;
    assert_eq!(s, 422);

    // The list search uses the same index and the same rule.
    assert_eq!(
        list_ids(&api, "/contacts", "علي رضا").await,
        vec![ali.clone()]
    );
    assert!(list_ids(&api, "/contacts", "ضایی").await.is_empty());
    assert_eq!(
        list_ids(&api, "/contacts", "09121234567").await,
        vec![ali.clone()]
    );
    assert_eq!(
        list_ids(&api, "/companies", "كاوه").await,
        vec![company.clone()]
    );
    assert_eq!(list_ids(&api, "/leads", "حسین").await, vec![lead.clone()]);
    assert_eq!(
        list_ids(&api, "/deals", "پشتیبانی").await,
        vec![deal.clone()]
    );

    // A changed name is found by the new one only (the index follows updates).
    let (s, _) = api
        .send(
            Method::PATCH,
            &format!("/contacts/{ali}"),
            json!({"first_name": "علیرضا"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, hits) = search(&api, "علیرضا رضایی").await;
    assert!(has(&hits, "contact", &ali), "{hits:?}");
    assert!(list_ids(&api, "/contacts", "مریم رضایی").await.is_empty());

    // Deleted records are never found, by name or by phone; restored ones are again.
    let (s, _) = api
        .send(Method::DELETE, &format!("/contacts/{ali}"), json!({}))
        .await;
    assert!(s == 200 || s == 204, "delete: {s}");
    for q in [
        "علیرضا",
        "09121234567",
        "ali.rezaei@example.com",
        "0012345679",
    ] {
        let (_, hits) = search(&api, q).await;
        assert!(!has(&hits, "contact", &ali), "{q}: {hits:?}");
    }
    assert!(list_ids(&api, "/contacts", "علیرضا").await.is_empty());
    let (s, _) = api
        .send(Method::DELETE, &format!("/deals/{deal}"), json!({}))
        .await;
    assert!(s == 200 || s == 204, "delete deal: {s}");
    let (_, hits) = search(&api, "پشتیبانی").await;
    assert!(!has(&hits, "deal", &deal), "{hits:?}");
    let (s, _) = api
        .send(Method::POST, &format!("/contacts/{ali}/restore"), json!({}))
        .await;
    assert!(s == 200 || s == 204, "restore: {s}");
    let (_, hits) = search(&api, "علیرضا").await;
    assert!(has(&hits, "contact", &ali), "{hits:?}");

    // Scope: a sales user without a team finds only their own records, by any needle.
    let (_, sales_key) = app.user_with_key("sales@example.com", "sales").await;
    let sales = app.api(&sales_key);
    for q in [
        "علیرضا",
        "09121234567",
        "ali.rezaei@example.com",
        "0012345679",
        "کاوه",
        "حسین",
    ] {
        let (s, hits) = search(&sales, q).await;
        assert_eq!(s, 200);
        assert!(hits.is_empty(), "{q}: {hits:?}");
    }
    assert!(list_ids(&sales, "/contacts", "علیرضا").await.is_empty());
    let mine = create(
        &sales,
        "/contacts?allow_duplicate=true",
        json!({"first_name": "علی", "last_name": "سعیدی", "phones": [{"number": "09121234567"}]}),
    )
    .await;
    let (_, hits) = search(&sales, "علی").await;
    assert_eq!(hits, vec![("contact".to_owned(), mine.clone())]);
    let (_, hits) = search(&sales, "09121234567").await;
    assert_eq!(hits, vec![("contact".to_owned(), mine.clone())]);
    // The administrator sees both.
    let (_, hits) = search(&api, "09121234567").await;
    assert!(
        has(&hits, "contact", &ali) && has(&hits, "contact", &mine),
        "{hits:?}"
    );

    // The UI's global search page lists the records with links.
    let web = app.login("root@example.com", ADMIN_PASSWORD).await;
    let page = web
        .get(app.url(&format!("/search?q={}", urlencode("كاوه"))))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/companies/{company}\"")),
        "{html}"
    );
    let page = web
        .get(app.url("/search?q=09121234567"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/contacts/{ali}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"/contacts/{mine}\"")),
        "{html}"
    );
}

both!(global_search_finds_every_record_type, global_search);
