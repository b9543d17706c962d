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
    for field in ["phones", "owner_id", "deleted_at", "custom."] {
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
            "preferred_channel": "whatsapp", "custom": {"tier": "gold"}}),
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
    let channel = column(&rows, "راه ارتباطی ترجیحی").to_owned();
    assert!(!channel.is_empty() && channel != "whatsapp", "{channel}");

    let rows = export_csv(&app, &en, "/api/v1/contacts/export?format=csv").await;
    assert_eq!(column(&rows, "First name"), "علی");
    assert_eq!(column(&rows, "Birth date"), "1990-03-21");
    assert_eq!(column(&rows, "Tier"), "Gold");
    assert_eq!(column(&rows, "Prefers to be reached by"), "WhatsApp");

    let rows = export_csv(&app, &fa, "/api/v1/contacts/export?format=csv&raw=1").await;
    assert_eq!(column(&rows, "first_name"), "علی");
    assert_eq!(column(&rows, "birth_date"), "1990-03-21");
    assert_eq!(column(&rows, "custom.tier"), "gold");
    assert_eq!(column(&rows, "preferred_channel"), "whatsapp");

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
    let (status, deal) = api
        .send(Method::POST, "/deals", json!({"title": "فروش سرور", "amount_minor": 5000, "expected_close_date": "2025-03-21"}))
        .await;
    assert_eq!(status, 201, "{deal}");
    let rows = export_csv(&app, &fa, "/api/v1/deals/export?format=csv").await;
    assert_eq!(column(&rows, "تاریخ پیش‌بینی بسته شدن"), "1404/01/01");
    assert_ne!(column(&rows, "مرحله"), deal["stage_id"].as_str().unwrap());
    let rows = export_csv(&app, &fa, "/api/v1/deals/export?format=csv&raw=1").await;
    assert_eq!(
        column(&rows, "stage_id"),
        deal["stage_id"].as_str().unwrap()
    );

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
