//! Inline edit of list cells (`POST /{records}/{id}/cell`) and labelled exports, on both
//! databases; and the inline edit in a real browser.

use fantoccini::Locator;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both;
use crate::browser::{browser, fill, start_driver, wait_for};
use crate::harness::*;

/// Posts a cell; returns the status and the JSON answer.
async fn cell(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: Option<&str>,
    path: &str,
    field: &str,
    value: &str,
) -> (u16, Value) {
    let mut form = vec![("field", field), ("value", value)];
    if let Some(t) = csrf {
        form.push(("_csrf", t));
    }
    let res = c.post(app.url(path)).form(&form).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

async fn audit_of(app: &TestApp, rt: &str, id: &str) -> Vec<Value> {
    app.store
        .list_audit(&peyvand_store::AuditQuery {
            record_type: Some(rt.to_owned()),
            record_id: Some(id.to_owned()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "update")
        .map(|e| e.changes.0)
        .collect()
}

async fn tier_field(api: &Api, rt: &str) {
    let (status, body) = api
        .send(Method::POST, "/custom-fields", json!({"record_type": rt, "key": "tier", "label_fa": "سطح", "label_en": "Tier", "field_type": "select",
            "options": [{"key": "gold", "label_fa": "طلایی", "label_en": "Gold"}, {"key": "silver", "label_fa": "نقره‌ای", "label_en": "Silver"}]}))
        .await;
    assert_eq!(status, 201, "{body}");
}

/// A Persian administrator edits cells of a contact and a deal: the value is saved through the
/// service (normalised, audited), the answer is the display text; bad values are refused with
/// the field named and change nothing; other fields and missing CSRF tokens are refused.
async fn cells_save_validate_and_audit(app: TestApp) {
    let (_, key) = app.user_in("boss@example.com", "admin", "fa").await;
    let api = app.api(&key);
    tier_field(&api, "contact").await;
    let (status, contact) = api
        .send(Method::POST, "/contacts", json!({"first_name": "سارا", "last_name": "احمدی", "city": "تهران", "birth_date": "1990-03-21"}))
        .await;
    assert_eq!(status, 201, "{contact}");
    let id = contact["id"].as_str().unwrap().to_owned();
    let c = app.login("boss@example.com", ADMIN_PASSWORD).await;

    // The list marks editable cells with their field and value; the name stays a link.
    let page = app
        .html(
            &c,
            "/contacts?cols=name&cols=city&cols=birth_date&cols=phone&cols=custom.tier",
        )
        .await;
    assert!(
        page.contains("data-field=\"city\" data-kind=\"text\""),
        "{page}"
    );
    assert!(page.contains("data-field=\"birth_date\" data-kind=\"date\""));
    assert!(page.contains("data-field=\"custom.tier\" data-kind=\"select\""));
    assert!(page.contains("<option value=\"gold\" data-group=\"\">طلایی</option>"));
    assert!(page.contains("class=\"cell\" data-value=\"تهران\""));
    assert!(
        page.contains("data-value=\"۱۳۶۹/۰۱/۰۱\""),
        "dates are edited in the user's calendar"
    );
    assert!(
        !page.contains("data-field=\"phones\""),
        "phone lists stay read-only"
    );
    let csrf = csrf_of(&page);
    let path = format!("/contacts/{id}/cell");

    // A city with Arabic letters is saved normalised, and audited.
    let (status, body) = cell(&app, &c, Some(&csrf), &path, "city", "  شيراز ").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "شیراز");
    assert_eq!(body["value"], "شیراز");
    // A Jalali date with Persian digits.
    let (status, body) = cell(&app, &c, Some(&csrf), &path, "birth_date", "۱۳۷۰/۱/۵").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "۱۳۷۰/۰۱/۰۵");
    // A custom choice, shown by its label.
    let (status, body) = cell(&app, &c, Some(&csrf), &path, "custom.tier", "gold").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "طلایی");
    let stored = app
        .store
        .contact(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.city, "شیراز");
    assert_eq!(stored.birth_date.unwrap().to_string(), "1991-03-25");
    assert_eq!(stored.custom.0["tier"], "gold");
    let audits = audit_of(&app, "contact", &id).await;
    assert!(
        audits
            .iter()
            .any(|ch| ch["city"] == json!(["تهران", "شیراز"])),
        "{audits:?}"
    );
    assert!(audits.iter().any(|ch| ch.get("birth_date").is_some()));
    assert_eq!(audits.len(), 3, "one audit entry per saved cell");

    // Bad values: refused, the field named, the message in Persian, nothing changed.
    for (field, value, message) in [
        ("birth_date", "۱۳۷۰/۱۳/۰۱", "ماه"),
        ("birth_date", "۱۵۰۰/۰۱/۰۱", ""),
        ("custom.tier", "platinum", ""),
    ] {
        let (status, body) = cell(&app, &c, Some(&csrf), &path, field, value).await;
        assert_eq!(status, 422, "{field}={value}: {body}");
        assert_eq!(body["field"], field);
        let text = body["message"].as_str().unwrap();
        assert!(
            text.contains(message) && text.chars().any(|ch| ('آ'..='ی').contains(&ch)),
            "{text}"
        );
    }
    // Fields a cell may not set are refused by name.
    for field in ["phones", "company_id", "deleted_at", "custom."] {
        let (status, body) = cell(&app, &c, Some(&csrf), &path, field, "x").await;
        assert_eq!(status, 422, "{field}: {body}");
        assert_eq!(body["field"], field);
    }
    // Without the CSRF token nothing happens.
    let (status, _) = cell(&app, &c, None, &path, "city", "مشهد").await;
    assert_eq!(status, 403);
    let (status, _) = cell(
        &app,
        &c,
        Some("forged-token-forged-token-forged-tok"),
        &path,
        "city",
        "مشهد",
    )
    .await;
    assert_eq!(status, 403);
    // Unknown or malformed ids are not found.
    for p in [
        format!("/contacts/{}/cell", Uuid::now_v7()),
        "/contacts/nope/cell".to_owned(),
    ] {
        let (status, _) = cell(&app, &c, Some(&csrf), &p, "city", "مشهد").await;
        assert_eq!(status, 404, "{p}");
    }
    let after = app
        .store
        .contact(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.city, "شیراز");
    assert_eq!(after.birth_date, stored.birth_date);
    assert_eq!(after.custom.0["tier"], "gold");
    assert_eq!(audit_of(&app, "contact", &id).await.len(), 3);

    // A deal: amount typed with Persian digits and separators, a stage of its pipeline.
    let (status, deal) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "قرارداد پشتیبانی", "amount_minor": 1000}),
        )
        .await;
    assert_eq!(status, 201, "{deal}");
    let did = deal["id"].as_str().unwrap().to_owned();
    let list = app
        .html(
            &c,
            "/deals/list?cols=title&cols=stage&cols=amount&cols=expected_close_date",
        )
        .await;
    assert!(list.contains("data-field=\"stage_id\" data-kind=\"select\""));
    assert!(list.contains("data-field=\"amount\" data-kind=\"number\""));
    let dpath = format!("/deals/{did}/cell");
    let (status, body) = cell(&app, &c, Some(&csrf), &dpath, "amount", "۱۲٬۵۰۰٬۰۰۰").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "۱۲٬۵۰۰٬۰۰۰ ریال");
    let (status, body) = cell(&app, &c, Some(&csrf), &dpath, "amount", "دوازده").await;
    assert_eq!(status, 422);
    assert_eq!(body["field"], "amount");
    let (status, body) = cell(&app, &c, Some(&csrf), &dpath, "stage_id", "not-a-stage").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "stage_id");
    let stages = app
        .store
        .stages(deal["pipeline_id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap();
    let next = stages
        .iter()
        .find(|s| s.id.to_string() != deal["stage_id"].as_str().unwrap() && s.kind == "open")
        .unwrap();
    let (status, body) = cell(
        &app,
        &c,
        Some(&csrf),
        &dpath,
        "stage_id",
        &next.id.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved = app.store.deal(did.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(saved.amount_minor, 12_500_000);
    assert_eq!(saved.stage_id, next.id);
    assert_eq!(
        app.store.stage_history(saved.id).await.unwrap().len(),
        2,
        "a stage set from the list is in the deal's history"
    );
    assert!(!audit_of(&app, "deal", &did).await.is_empty());
}
both!(cells_save_validate_and_audit, cells_save_validate_and_audit);

/// A user who may read but not update a record — or not even see it — cannot change it from
/// the list, and the list offers them no editor.
async fn cells_need_update_rights(app: TestApp) {
    let (_, key) = app.user_in("boss@example.com", "admin", "fa").await;
    let (status, contact) = app
        .api(&key)
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "محمدی", "city": "تهران"}),
        )
        .await;
    assert_eq!(status, 201);
    let id = contact["id"].as_str().unwrap().to_owned();
    let path = format!("/contacts/{id}/cell");

    // Marketing reads every contact but may not change them.
    app.user_in("market@example.com", "marketing", "fa").await;
    let m = app.login("market@example.com", ADMIN_PASSWORD).await;
    let page = app.html(&m, "/contacts?cols=name&cols=city").await;
    assert!(page.contains("محمدی"));
    assert!(!page.contains("class=\"cell\""), "no editable cells");
    let csrf = csrf_of(&page);
    let (status, body) = cell(&app, &m, Some(&csrf), &path, "city", "قم").await;
    assert_eq!(status, 403, "{body}");

    // A salesperson does not even see another's contact.
    app.user_in("seller@example.com", "sales", "fa").await;
    let s = app.login("seller@example.com", ADMIN_PASSWORD).await;
    let csrf = app.csrf(&s, "/contacts").await;
    let (status, _) = cell(&app, &s, Some(&csrf), &path, "city", "قم").await;
    assert_eq!(status, 404);

    // Signed out: sent to sign in.
    let anon = app.client();
    let csrf = app.csrf(&anon, "/login").await;
    let res = anon
        .post(app.url(&path))
        .form(&[("_csrf", csrf.as_str()), ("field", "city"), ("value", "قم")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());

    let after = app
        .store
        .contact(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.city, "تهران");
    assert!(audit_of(&app, "contact", &id).await.is_empty());
}
both!(cells_need_update_rights, cells_need_update_rights);

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.text().await.unwrap()
}

/// A record of each list type, created by the API key's user (`name` tells them apart):
/// (list path, cell base, id).
async fn one_of_each(api: &Api, name: &str) -> Vec<(&'static str, &'static str, String)> {
    let mut out = vec![];
    for (list, base, body) in [
        (
            "/contacts",
            "/contacts",
            json!({"first_name": "رضا", "last_name": name}),
        ),
        ("/companies", "/companies", json!({ "name": name })),
        ("/leads", "/leads", json!({ "last_name": name })),
        ("/deals/list", "/deals", json!({ "title": name })),
    ] {
        let (status, rec) = api.send(Method::POST, base, body).await;
        assert_eq!(status, 201, "{base}: {rec}");
        out.push((list, base, rec["id"].as_str().unwrap().to_owned()));
    }
    out
}

/// A message of the Persian catalogue.
fn persian(id: &str) -> String {
    use peyvand_web::i18n::{Catalogues, Tr};
    Tr::new(Catalogues::load(), peyvand_domain::prefs::Language::Fa).t(id)
}

async fn owner_of(app: &TestApp, base: &str, id: &str) -> Uuid {
    let id: Uuid = id.parse().unwrap();
    let s = &app.store;
    match base {
        "/contacts" => s.contact(id).await.unwrap().unwrap().owner_id,
        "/companies" => s.company(id).await.unwrap().unwrap().owner_id,
        "/leads" => s.lead(id).await.unwrap().unwrap().owner_id,
        _ => s.deal(id).await.unwrap().unwrap().owner_id,
    }
}

/// The owner cell on all four lists: an administrator is offered the people records may be
/// given to and reassigns a record in place (the answer is the new owner's name; audited); a
/// malformed or unknown person is refused by field. A salesperson, who may give records only to
/// themselves, is offered no owner editor, and setting a colleague anyway is refused (422) and
/// changes nothing.
async fn owner_cells_follow_owner_rights(app: TestApp) {
    let (boss, key) = app.user_in("boss@example.com", "admin", "fa").await;
    let (seller, seller_key) = app.user_in("seller@example.com", "sales", "fa").await;
    let (mate, _) = app.user_in("mate@example.com", "sales", "fa").await;
    let c = app.login("boss@example.com", ADMIN_PASSWORD).await;
    let csrf = app.csrf(&c, "/contacts").await;

    for (list, base, id) in one_of_each(&app.api(&key), "نوری").await {
        let html = page(&c, &app, &format!("{list}?cols=owner")).await;
        assert!(
            html.contains("data-field=\"owner_id\" data-kind=\"select\""),
            "{list}: {html}"
        );
        for person in [boss, seller, mate] {
            assert!(
                html.contains(&format!("<option value=\"{person}\" data-group=\"\">")),
                "{list} offers {person}"
            );
        }
        assert!(html.contains(&format!("class=\"cell\" data-value=\"{boss}\"")));

        let path = format!("{base}/{id}/cell");
        let (status, body) = cell(
            &app,
            &c,
            Some(&csrf),
            &path,
            "owner_id",
            &seller.to_string(),
        )
        .await;
        assert_eq!(status, 200, "{base}: {body}");
        assert_eq!(body["text"], "User sales", "the new owner's name");
        assert_eq!(body["value"], seller.to_string());
        assert_eq!(owner_of(&app, base, &id).await, seller);
        let rt = &base[1..base.len() - 1].replace("companie", "company");
        let audits = audit_of(&app, rt, &id).await;
        assert!(
            audits
                .iter()
                .any(|ch| ch["owner_id"] == json!([boss.to_string(), seller.to_string()])),
            "{base}: {audits:?}"
        );

        for (value, code) in [
            ("", "field.required"),
            ("someone", "owner.not_found"),
            (&Uuid::now_v7().to_string(), "owner.not_found"),
        ] {
            let (status, body) = cell(&app, &c, Some(&csrf), &path, "owner_id", value).await;
            assert_eq!(status, 422, "{base} {value:?}: {body}");
            assert_eq!(body["field"], "owner_id");
            assert_eq!(
                body["message"],
                persian(&peyvand_web::i18n::error_id(code)),
                "{code}"
            );
        }
        assert_eq!(owner_of(&app, base, &id).await, seller);
        assert_eq!(audit_of(&app, rt, &id).await.len(), 1, "{base}");
    }

    // A salesperson with an own scope: no owner editor, no colleague offered, and the
    // endpoint refuses a colleague all the same.
    let s = app.login("seller@example.com", ADMIN_PASSWORD).await;
    for (list, base, id) in one_of_each(&app.api(&seller_key), "کریمی").await {
        let html = page(&s, &app, &format!("{list}?cols=owner")).await;
        assert!(html.contains(&id), "{list} shows the seller's record");
        assert!(!html.contains("data-field=\"owner_id\""), "{list}: {html}");
        // Nor does bulk assignment offer the colleague (a filter by owner may name them).
        let bulk = html
            .split("<select id=\"bulk-owner\"")
            .nth(1)
            .and_then(|rest| rest.split("</select>").next())
            .unwrap_or_else(|| panic!("{list} has bulk assignment"));
        assert!(bulk.contains(&seller.to_string()), "{bulk}");
        assert!(
            !bulk.contains(&mate.to_string()),
            "{list} offers no colleague"
        );
        let csrf = csrf_of(&html);
        let path = format!("{base}/{id}/cell");
        let (status, body) =
            cell(&app, &s, Some(&csrf), &path, "owner_id", &mate.to_string()).await;
        assert_eq!(status, 422, "{base}: {body}");
        assert_eq!(body["field"], "owner_id");
        assert_eq!(body["message"], persian("err-owner-not-allowed"), "{base}");
        assert_eq!(owner_of(&app, base, &id).await, seller, "{base} unchanged");
        let rt = &base[1..base.len() - 1].replace("companie", "company");
        assert!(audit_of(&app, rt, &id).await.is_empty(), "{base}");
    }
}
both!(
    owner_cells_follow_owner_rights,
    owner_cells_follow_owner_rights
);

async fn topics_field(api: &Api) {
    let (status, body) = api
        .send(Method::POST, "/custom-fields", json!({"record_type": "contact", "key": "topics", "label_fa": "موضوع‌ها", "label_en": "Topics", "field_type": "multi_select",
            "options": [{"key": "crm", "label_fa": "نرم‌افزار", "label_en": "Software"}, {"key": "web", "label_fa": "وب", "label_en": "Web"}, {"key": "hosting", "label_fa": "میزبانی", "label_en": "Hosting"}]}))
        .await;
    assert_eq!(status, 201, "{body}");
}

/// A multi-select cell is edited by its option keys: set (shown by label, joined the reader's
/// way, in both languages), an unknown key refused by name without a change, cleared. Tags are
/// typed with commas, Persian ones too; empty entries are dropped. Every change is audited.
async fn multi_select_and_tag_cells(app: TestApp) {
    let (_, key) = app.user_in("boss@example.com", "admin", "fa").await;
    app.user_in("en@example.com", "admin", "en").await;
    let api = app.api(&key);
    topics_field(&api).await;
    let (status, contact) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "احمدی", "tags": ["قدیمی"]}),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    let id = contact["id"].as_str().unwrap().to_owned();
    let path = format!("/contacts/{id}/cell");
    let stored = || async {
        app.store
            .contact(id.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
    };
    let c = app.login("boss@example.com", ADMIN_PASSWORD).await;

    let html = page(&c, &app, "/contacts?cols=name&cols=tags&cols=custom.topics").await;
    assert!(
        html.contains("data-field=\"custom.topics\" data-kind=\"multi\""),
        "{html}"
    );
    assert!(html.contains("<option value=\"web\" data-group=\"\">وب</option>"));
    assert!(html.contains("data-field=\"tags\" data-kind=\"text\""));
    let csrf = csrf_of(&html);

    let (status, body) = cell(&app, &c, Some(&csrf), &path, "custom.topics", "crm,web").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "نرم‌افزار، وب");
    assert_eq!(body["value"], "crm,web");
    assert_eq!(stored().await.custom.0["topics"], json!(["crm", "web"]));
    let html = page(&c, &app, "/contacts?cols=name&cols=custom.topics").await;
    assert!(
        html.contains("class=\"cell\" data-value=\"crm,web\""),
        "{html}"
    );

    // An English reader: labels in English, joined with an English comma.
    let en = app.login("en@example.com", ADMIN_PASSWORD).await;
    let en_csrf = app.csrf(&en, "/contacts").await;
    let (status, body) = cell(
        &app,
        &en,
        Some(&en_csrf),
        &path,
        "custom.topics",
        "web,hosting",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "Web, Hosting");

    // An unknown key is refused by name, and nothing changes.
    let (status, body) = cell(
        &app,
        &c,
        Some(&csrf),
        &path,
        "custom.topics",
        "crm,platinum",
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "custom.topics");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("platinum") && !message.contains("crm") && message.contains("گزینه"),
        "{message}"
    );
    assert_eq!(stored().await.custom.0["topics"], json!(["web", "hosting"]));

    // Nothing ticked clears it.
    let (status, body) = cell(&app, &c, Some(&csrf), &path, "custom.topics", "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "");
    assert!(stored().await.custom.0.get("topics").is_none());

    // Tags: Latin and Persian commas, spaces trimmed, empty entries dropped.
    let (status, body) = cell(
        &app,
        &c,
        Some(&csrf),
        &path,
        "tags",
        " مشتری ويژه، VIP ,, ،تهران ",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "مشتری ویژه، VIP، تهران");
    assert_eq!(body["value"], "مشتری ویژه، VIP، تهران");
    assert_eq!(stored().await.tags.0, ["مشتری ویژه", "VIP", "تهران"]);

    let audits = audit_of(&app, "contact", &id).await;
    assert_eq!(audits.len(), 4, "one entry per saved cell: {audits:?}");
    assert_eq!(
        audits
            .iter()
            .filter(|ch| ch.get("custom").is_some())
            .count(),
        3,
        "{audits:?}"
    );
    assert!(
        audits
            .iter()
            .any(|ch| ch["custom"] == json!([{"topics": ["web", "hosting"]}, {}]))
    );
    assert!(
        audits
            .iter()
            .any(|ch| ch["tags"] == json!([["قدیمی"], ["مشتری ویژه", "VIP", "تهران"]])),
        "{audits:?}"
    );

    // A company's tags the same way.
    let (status, company) = api
        .send(Method::POST, "/companies", json!({"name": "پارس"}))
        .await;
    assert_eq!(status, 201);
    let cid = company["id"].as_str().unwrap();
    let (status, body) = cell(
        &app,
        &c,
        Some(&csrf),
        &format!("/companies/{cid}/cell"),
        "tags",
        "عمده،خرده",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.store
            .company(cid.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .tags
            .0,
        ["عمده", "خرده"]
    );
    assert_eq!(audit_of(&app, "company", cid).await.len(), 1);
}
both!(multi_select_and_tag_cells, multi_select_and_tag_cells);

async fn export_csv(app: &TestApp, key: &str, path: &str) -> Vec<Vec<String>> {
    let res = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let sheet = peyvand_domain::import::read_csv(&bytes).unwrap();
    std::iter::once(sheet.headers).chain(sheet.rows).collect()
}

fn column<'a>(rows: &'a [Vec<String>], header: &str) -> &'a str {
    let i = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header} in {:?}", rows[0]));
    &rows[1][i]
}

/// Exports speak the reader's language: labels as headers (custom fields by label), Jalali
/// dates for a Persian reader, choices and stages by name; `raw=1` keeps the machine form.
async fn exports_are_labelled(app: TestApp) {
    let (_, fa) = app.user_in("fa@example.com", "admin", "fa").await;
    let (_, en) = app.user_in("en@example.com", "admin", "en").await;
    let api = app.api(&fa);
    tier_field(&api, "contact").await;
    let (status, body) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "علی", "last_name": "رضایی", "birth_date": "1990-03-21",
            "preferred_channel": "whatsapp", "custom": {"tier": "gold"},
            "phones": [{"number": "09121234567"}, {"number": "021 8877 6655"}]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let rows = export_csv(&app, &fa, "/api/v1/contacts/export?format=csv").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(column(&rows, "نام"), "علی");
    assert_eq!(
        column(&rows, "تاریخ تولد"),
        "1369/01/01",
        "Jalali for a fa user"
    );
    assert_eq!(
        column(&rows, "سطح"),
        "طلایی",
        "custom field and choice by label"
    );
    assert!(
        !rows[0]
            .iter()
            .any(|h| h == "first_name" || h.starts_with("custom."))
    );
    // Phones as people write them: no `+` for a spreadsheet to take for a formula, so no
    // guarding apostrophe either.
    assert_eq!(column(&rows, "شماره‌های تلفن"), "0912 123 4567, 02188776655");
    let channel = column(&rows, "راه ارتباطی ترجیحی").to_owned();
    assert!(!channel.is_empty() && channel != "whatsapp", "{channel}");

    assert_eq!(column(&rows, "مسئول"), "User admin", "the owner by name");

    let rows = export_csv(&app, &en, "/api/v1/contacts/export?format=csv").await;
    assert_eq!(column(&rows, "First name"), "علی");
    assert_eq!(column(&rows, "Owner"), "User admin");
    assert_eq!(column(&rows, "Birth date"), "1990-03-21");
    assert_eq!(column(&rows, "Tier"), "Gold");
    assert_eq!(column(&rows, "Prefers to be reached by"), "WhatsApp");

    let rows = export_csv(&app, &fa, "/api/v1/contacts/export?format=csv&raw=1").await;
    assert_eq!(column(&rows, "first_name"), "علی");
    assert_eq!(
        column(&rows, "phones"),
        "'+989121234567, +982188776655",
        "raw keeps E.164"
    );
    assert_eq!(column(&rows, "birth_date"), "1990-03-21");
    assert_eq!(column(&rows, "custom.tier"), "gold");
    assert_eq!(column(&rows, "preferred_channel"), "whatsapp");
    let me = app.api(&fa).get("/me").await.1;
    assert_eq!(
        column(&rows, "owner_id"),
        me["id"].as_str().unwrap(),
        "raw: the owner's id"
    );

    // Leads and deals: choices and stages by name.
    let (status, _) = api
        .send(
            Method::POST,
            "/leads",
            json!({"last_name": "کریمی", "source": "web_form", "phone": "09121112233"}),
        )
        .await;
    assert_eq!(status, 201);
    let rows = export_csv(&app, &en, "/api/v1/leads/export?format=csv").await;
    assert_eq!(column(&rows, "Source"), "Web form");
    assert_eq!(column(&rows, "Status"), "New");
    assert_eq!(column(&rows, "Owner"), "User admin");
    let (status, deal) = api
        .send(Method::POST, "/deals", json!({"title": "فروش سرور", "amount_minor": 5000, "expected_close_date": "2025-03-21"}))
        .await;
    assert_eq!(status, 201, "{deal}");
    let rows = export_csv(&app, &fa, "/api/v1/deals/export?format=csv").await;
    assert_eq!(column(&rows, "تاریخ پیش‌بینی بسته شدن"), "1404/01/01");
    assert_ne!(column(&rows, "مرحله"), deal["stage_id"].as_str().unwrap());
    assert_eq!(
        column(&rows, "قیف فروش"),
        "فروش",
        "the default pipeline by its name"
    );
    assert_eq!(column(&rows, "وضعیت"), "باز");
    assert_eq!(column(&rows, "مسئول"), "User admin");
    let rows = export_csv(&app, &en, "/api/v1/deals/export?format=csv").await;
    assert_eq!(column(&rows, "Pipeline"), "Sales");
    assert_eq!(column(&rows, "Status"), "Open");
    let rows = export_csv(&app, &fa, "/api/v1/deals/export?format=csv&raw=1").await;
    assert_eq!(
        column(&rows, "stage_id"),
        deal["stage_id"].as_str().unwrap()
    );
    assert_eq!(
        column(&rows, "pipeline_id"),
        deal["pipeline_id"].as_str().unwrap()
    );
    assert_eq!(column(&rows, "status"), "open");
    assert_eq!(column(&rows, "lost_reason"), "");

    // The list page's export (session) is labelled the same way, in xlsx too.
    let c = app.login("en@example.com", ADMIN_PASSWORD).await;
    let res = c
        .get(app.url("/contacts/export?format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let sheet = peyvand_domain::import::read_xlsx(&res.bytes().await.unwrap()).unwrap();
    assert!(
        sheet.headers.contains(&"First name".to_owned()),
        "{:?}",
        sheet.headers
    );
    assert!(sheet.headers.contains(&"Tier".to_owned()));

    // Amounts are numbers in a workbook, so a spreadsheet sums and sorts them.
    let res = c
        .get(app.url("/deals/export?format=xlsx"))
        .send()
        .await
        .unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(res.bytes().await.unwrap().to_vec()))
            .unwrap();
    let range = wb.worksheet_range("deals").unwrap();
    let headers: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let amount = headers
        .iter()
        .position(|h| h.contains("minor") || h.contains("Amount"))
        .unwrap_or_else(|| panic!("no amount column in {headers:?}"));
    let cell = &range.rows().nth(1).unwrap()[amount];
    assert!(
        matches!(cell, calamine::Data::Float(f) if *f == 5000.0),
        "the amount is a number: {cell:?}"
    );
}
both!(exports_are_labelled, exports_are_labelled);

/// In Chromium: a Persian user activates a city cell on the contacts list, types, presses
/// Enter, sees the new value, and still sees it after a reload; a bad date shows the message
/// next to the cell and Escape puts the old value back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_edit_in_the_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, key) = app.user_in("boss@example.com", "admin", "fa").await;
    let (status, contact) = app
        .api(&key)
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "مینا", "last_name": "کاظمی", "city": "تهران"}),
        )
        .await;
    assert_eq!(status, 201);
    let id = contact["id"].as_str().unwrap().to_owned();
    let driver = start_driver().await;
    let c = browser(&driver).await;
    c.goto(&app.url("/login")).await.unwrap();
    fill(&c, "#email", "boss@example.com").await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#main").await;
    let list = app.url("/contacts?cols=name&cols=city&cols=birth_date");
    c.goto(&list).await.unwrap();

    let city = format!("tr[data-id='{id}'] td.cell:nth-of-type(3)");
    let button = wait_for(&c, &format!("{city} button.cell-edit")).await;
    assert_eq!(button.text().await.unwrap(), "تهران");
    button.click().await.unwrap();
    let input = wait_for(&c, &format!("{city} input.cell-input")).await;
    // Select what is there (Ctrl+A), type over it, Enter. (WebDriver's clear would blur the
    // input, and leaving an editor saves it.)
    input
        .send_keys("\u{E009}a\u{E000}اصفهان\u{E007}")
        .await
        .unwrap();
    let saved = wait_for(&c, &format!("{city} button.cell-edit")).await;
    assert_eq!(saved.text().await.unwrap(), "اصفهان");
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/contacts",
        "Enter saved the cell without submitting the bulk form"
    );
    // The button has focus again, for keyboard users.
    let focused = c
        .execute("return document.activeElement.className", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "cell-edit");

    // Opening one cell and then clicking another moves to the other editor (leaving the first,
    // unchanged, closes it without taking the focus back).
    let birth = format!("tr[data-id='{id}'] td.cell:nth-of-type(4)");
    c.find(Locator::Css(&format!("{city} button.cell-edit")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, &format!("{city} input.cell-input")).await;
    c.find(Locator::Css(&format!("{birth} button.cell-edit")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let input = wait_for(&c, &format!("{birth} input.cell-input")).await;
    wait_for(&c, &format!("{city} button.cell-edit")).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let focused = c
        .execute("return document.activeElement.className", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "cell-input", "the second editor keeps the focus");

    // A bad date: the message next to the cell, the record unchanged; Escape cancels.
    input.send_keys("۱۴۰۰/۱۴/۰۱\u{E007}").await.unwrap();
    let err = wait_for(&c, &format!("{birth} .field-error:not(:empty)")).await;
    assert!(err.text().await.unwrap().contains("ماه"));
    assert_eq!(
        input.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    input.send_keys("\u{E00C}").await.unwrap(); // Escape
    wait_for(&c, &format!("{birth} button.cell-edit")).await;
    let stored = app
        .store
        .contact(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.city, "اصفهان");
    assert_eq!(stored.birth_date, None);

    // After a reload the new value is there.
    c.goto(&list).await.unwrap();
    let again = wait_for(&c, &format!("{city} button.cell-edit")).await;
    assert_eq!(again.text().await.unwrap(), "اصفهان");
    c.close().await.unwrap();
}

/// In Chromium: a Persian administrator gives a contact to a salesperson from the owner cell
/// (a select of the people offered, Enter saves) and sets a multi-select cell with the mouse
/// and the keyboard (a click between the boxes keeps the editor open, Space ticks, Enter saves,
/// Escape cancels); the list shows names and labels, and still does after a reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_and_multi_select_in_the_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (boss, key) = app.user_in("boss@example.com", "admin", "fa").await;
    let (seller, _) = app.user_in("seller@example.com", "sales", "fa").await;
    let api = app.api(&key);
    topics_field(&api).await;
    let (status, contact) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "کاظمی", "custom": {"topics": ["crm"]}}),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    let id = contact["id"].as_str().unwrap().to_owned();
    let stored = || async {
        app.store
            .contact(id.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
    };
    let driver = start_driver().await;
    let c = browser(&driver).await;
    c.goto(&app.url("/login")).await.unwrap();
    fill(&c, "#email", "boss@example.com").await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#main").await;
    let list = app.url("/contacts?cols=name&cols=owner&cols=custom.topics");
    c.goto(&list).await.unwrap();
    let focused = || async {
        c.execute("return document.activeElement.className", vec![])
            .await
            .unwrap()
    };

    // The owner: a select of people, starting at the current owner.
    let owner = format!("tr[data-id='{id}'] td.cell:nth-of-type(3)");
    let button = wait_for(&c, &format!("{owner} button.cell-edit")).await;
    assert_eq!(button.text().await.unwrap(), "User admin");
    button.click().await.unwrap();
    let select = wait_for(&c, &format!("{owner} select.cell-input")).await;
    assert_eq!(select.prop("value").await.unwrap(), Some(boss.to_string()));
    select.select_by_value(&seller.to_string()).await.unwrap();
    select.send_keys("\u{E007}").await.unwrap();
    let saved = wait_for(&c, &format!("{owner} button.cell-edit")).await;
    assert_eq!(saved.text().await.unwrap(), "User sales");
    assert_eq!(focused().await, "cell-edit", "Enter gives the focus back");
    assert_eq!(stored().await.owner_id, seller);

    // The multi-select: check boxes, the stored choice ticked.
    let topics = format!("tr[data-id='{id}'] td.cell:nth-of-type(4)");
    let button = wait_for(&c, &format!("{topics} button.cell-edit")).await;
    assert_eq!(button.text().await.unwrap(), "نرم‌افزار");
    button.click().await.unwrap();
    wait_for(&c, &format!("{topics} .cell-multi[role=group]")).await;
    let crm = wait_for(&c, &format!("{topics} input[type=checkbox][value=crm]")).await;
    assert_eq!(crm.prop("checked").await.unwrap().as_deref(), Some("true"));
    let first = c
        .execute("return document.activeElement.value", vec![])
        .await
        .unwrap();
    assert_eq!(first, "crm", "the first box has the focus");
    // A click on a box ticks it and leaves the editor open (nothing saved yet).
    c.find(Locator::Css(&format!("{topics} input[value=web]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    wait_for(&c, &format!("{topics} .cell-multi")).await;
    assert_eq!(stored().await.custom.0["topics"], json!(["crm"]));
    // Space unticks with the keyboard, Enter saves.
    crm.send_keys(" ").await.unwrap();
    crm.send_keys("\u{E007}").await.unwrap();
    let saved = wait_for(&c, &format!("{topics} button.cell-edit")).await;
    assert_eq!(saved.text().await.unwrap(), "وب");
    assert_eq!(focused().await, "cell-edit");
    assert_eq!(stored().await.custom.0["topics"], json!(["web"]));

    // Escape puts the value back without saving.
    saved.click().await.unwrap();
    let hosting = wait_for(&c, &format!("{topics} input[value=hosting]")).await;
    hosting.send_keys(" \u{E00C}").await.unwrap();
    let back = wait_for(&c, &format!("{topics} button.cell-edit")).await;
    assert_eq!(back.text().await.unwrap(), "وب");
    assert_eq!(stored().await.custom.0["topics"], json!(["web"]));

    // After a reload both are there.
    c.goto(&list).await.unwrap();
    let again = wait_for(&c, &format!("{owner} button.cell-edit")).await;
    assert_eq!(again.text().await.unwrap(), "User sales");
    let again = wait_for(&c, &format!("{topics} button.cell-edit")).await;
    assert_eq!(again.text().await.unwrap(), "وب");
    c.close().await.unwrap();
}
