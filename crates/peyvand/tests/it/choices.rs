//! Choice filters on the contacts list (owner, select, multi-select and yes/no custom fields
//! picked by name) and an audit log that reads like the forms (labels, option names, people
//! and linked records by name), on both databases.

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::harness::*;

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    let res = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The chips line of a list page (the active filters as sentences).
fn chips(html: &str) -> &str {
    html.split("<p class=\"chips\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or("")
}

async fn choice_filters_and_readable_audit(app: TestApp) {
    let (_, key) = app.user_in("boss@example.com", "admin", "en").await;
    let (sales_id, sales_key) = app.user_in("sara@example.com", "sales", "en").await;
    let api = app.api(&key);
    for field in [
        json!({"record_type": "contact", "key": "tier", "label_fa": "سطح", "label_en": "Tier", "field_type": "select",
            "options": [{"key": "gold", "label_fa": "طلایی", "label_en": "Gold"}, {"key": "silver", "label_fa": "نقره‌ای", "label_en": "Silver"}]}),
        json!({"record_type": "contact", "key": "topics", "label_fa": "علاقه‌ها", "label_en": "Topics", "field_type": "multi_select",
            "options": [{"key": "crm", "label_fa": "سی‌آر‌ام", "label_en": "CRM software"}, {"key": "erp", "label_fa": "ای‌آر‌پی", "label_en": "ERP"}]}),
        json!({"record_type": "contact", "key": "vip", "label_fa": "ویژه", "label_en": "VIP", "field_type": "boolean"}),
    ] {
        let (status, body) = api.send(Method::POST, "/custom-fields", field).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, gold) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "Goli", "last_name": "Zarin",
            "custom": {"tier": "gold", "topics": ["crm", "erp"], "vip": true}}),
        )
        .await;
    assert_eq!(status, 201, "{gold}");
    let (status, silver) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "Nima", "last_name": "Simin",
            "owner_id": sales_id, "custom": {"tier": "silver", "topics": ["erp"], "vip": false}}),
        )
        .await;
    assert_eq!(status, 201, "{silver}");

    let boss = app.login("boss@example.com", ADMIN_PASSWORD).await;
    let list = page(&app, &boss, "/contacts").await;
    for name in [
        "filter[owner_id][eq]",
        "filter[custom.tier][eq]",
        "filter[custom.topics][has]",
        "filter[custom.vip][eq]",
    ] {
        assert!(list.contains(&format!("name=\"{name}\"")), "{name} offered");
    }
    assert!(
        list.contains("<option value=\"gold\" >Gold</option>"),
        "{list}"
    );
    assert!(list.contains("<option value=\"crm\" >CRM software</option>"));
    assert!(list.contains("<option value=\"true\" >Yes</option>"));
    assert!(list.contains(&format!(
        "<option value=\"{sales_id}\" >User sales</option>"
    )));

    // Each choice filter keeps only the matching contact, and its chip names field and value.
    for (query, shown, chip) in [
        (
            "filter%5Bcustom.tier%5D%5Beq%5D=gold",
            "Goli",
            "Tier is Gold",
        ),
        (
            "filter%5Bcustom.topics%5D%5Bhas%5D=crm",
            "Goli",
            "Topics has CRM software",
        ),
        ("filter%5Bcustom.vip%5D%5Beq%5D=false", "Nima", "VIP is No"),
        (
            &format!("filter%5Bowner_id%5D%5Beq%5D={sales_id}"),
            "Nima",
            "Owner is User sales",
        ),
    ] {
        let html = page(&app, &boss, &format!("/contacts?{query}")).await;
        let hidden = if shown == "Goli" { "Nima" } else { "Goli" };
        assert!(html.contains(shown), "{query} shows {shown}");
        assert!(!html.contains(hidden), "{query} hides {hidden}");
        assert!(chips(&html).contains(chip), "{query}: {}", chips(&html));
        // The chosen option stays selected, so the form shows what is applied.
        assert!(html.contains("selected>"), "{query}");
    }

    // A sales user who sees only their own contacts is not offered an owner filter.
    let sara = app.login("sara@example.com", ADMIN_PASSWORD).await;
    let theirs = page(&app, &sara, "/contacts").await;
    assert!(!theirs.contains("name=\"filter[owner_id][eq]\""));
    assert!(theirs.contains("name=\"filter[custom.tier][eq]\""));
    // … nor, on their contact's form, an owner they may not give it to.
    let form = page(
        &app,
        &sara,
        &format!("/contacts/{}/edit", silver["id"].as_str().unwrap()),
    )
    .await;
    let owners = form
        .split("id=\"owner_id\"")
        .nth(1)
        .and_then(|r| r.split("</select>").next())
        .unwrap_or("");
    assert!(owners.contains(&sales_id.to_string()), "{owners}");
    assert_eq!(owners.matches("<option").count(), 1, "{owners}");
    drop(sales_key);

    // The audit log names what changed as the form does.
    let id = gold["id"].as_str().unwrap();
    let (status, body) = api
        .send(
            Method::PATCH,
            &format!("/contacts/{id}"),
            json!({"first_name": "Golnar",
            "birth_date": "1990-03-21", "owner_id": sales_id,
            "phones": [{"number": "0912 123 4567", "label": "mobile"}],
            "custom": {"tier": "silver", "topics": ["crm", "erp"], "vip": true}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let audit = page(
        &app,
        &boss,
        &format!("/settings/audit?record_type=contact&record_id={id}"),
    )
    .await;
    for expected in [
        "First name",
        "Golnar",
        "Owner",
        "User sales",
        "Tier",
        "Gold",
        "Silver",
        "+989121234567 (mobile)",
        "Contacts: Golnar Zarin",
        &format!("href=\"/contacts/{id}\""),
    ] {
        assert!(audit.contains(expected), "audit shows {expected}: {audit}");
    }
    // Saving without a change writes no entry.
    let updates = |html: &str| html.matches(">Updated (Contacts)<").count();
    let before = updates(&audit);
    assert!(before > 0, "{audit}");
    let (status, _) = api
        .send(
            Method::PATCH,
            &format!("/contacts/{id}"),
            json!({"first_name": "Golnar"}),
        )
        .await;
    assert_eq!(status, 200);
    let again = page(
        &app,
        &boss,
        &format!("/settings/audit?record_type=contact&record_id={id}"),
    )
    .await;
    assert_eq!(
        updates(&again),
        before,
        "a save without changes is not logged"
    );
    // The record's own timeline names who changed what.
    let timeline = page(&app, &boss, &format!("/contacts/{id}")).await;
    assert!(timeline.contains("User admin: "), "{timeline}");
    assert!(timeline.contains("First name"), "{timeline}");
    for raw in [
        "first_name",
        "owner_id",
        "\"tier\"",
        "{&quot;",
        &sales_id.to_string()[..],
    ] {
        let changes = audit.split("id=\"audit\"").nth(1).unwrap_or("");
        let cells: String = changes
            .split("<ul class=\"changes\">")
            .skip(1)
            .map(|c| c.split("</ul>").next().unwrap_or(""))
            .collect();
        assert!(!cells.contains(raw), "no raw {raw} in the changes: {cells}");
    }
}
both!(choice_filters, choice_filters_and_readable_audit);

/// Sorting a list by its owner follows the owners' names (not their ids), and deals by stage
/// follow the board's stage order, on both databases, pages included; a tag "equals" filter
/// finds the records that carry the tag.
async fn id_sorts_and_tag_equals(app: TestApp) {
    // Ids grow in this order; names sort "User admin" < "User manager" < "User sales".
    let (boss_id, key) = app.user_in("boss@example.com", "admin", "en").await;
    let (sales_id, _) = app.user_in("sara@example.com", "sales", "en").await;
    let (manager_id, _) = app.user_in("mina@example.com", "manager", "en").await;
    let api = app.api(&key);
    let (_, pipelines) = api.get("/pipelines").await;
    let stages: Vec<String> = pipelines["data"][0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let owners = [None, Some(sales_id), None, Some(manager_id)];
    // Deal i goes to stage 3 - i: creation order is the reverse of stage order.
    for (i, owner) in owners.into_iter().enumerate() {
        let mut body = json!({"last_name": format!("Person {i}"), "tags": ["vip", "expo 1405"]});
        if let Some(o) = owner {
            body["owner_id"] = json!(o);
        }
        let (status, made) = api.send(Method::POST, "/contacts", body).await;
        assert_eq!(status, 201, "{made}");
        let (status, deal) = api
            .send(
                Method::POST,
                "/deals",
                json!({"title": format!("Deal {i}"), "stage_id": stages[3 - i]}),
            )
            .await;
        assert_eq!(status, 201, "{deal}");
    }
    // The first stage moves to the end of the board.
    let (status, moved) = api
        .send(
            Method::PATCH,
            &format!("/stages/{}", stages[0]),
            json!({"position": 100}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    let boss = app.login("boss@example.com", ADMIN_PASSWORD).await;
    for path in [
        "/contacts?sort=owner_id",
        "/contacts?sort=-owner_id",
        "/companies?sort=owner_id",
        "/leads?sort=-owner_id",
        "/deals/list?sort=pipeline_id",
        "/deals/list?sort=-owner_id",
        "/deals/list?sort=stage_id",
        "/activities?sort=owner_id",
    ] {
        page(&app, &boss, path).await;
    }
    // Through the API, two at a time: every contact once, in the owners' names' order.
    // A second deal in stage 1 ties with deal 2 there; ties go by id.
    let (status, deal) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "Deal 4", "stage_id": stages[1]}),
        )
        .await;
    assert_eq!(status, 201, "{deal}");
    let walk = |sort: &'static str, field: &'static str, limit: usize| {
        let api = &api;
        async move {
            let mut seen: Vec<String> = vec![];
            let mut next = format!("/{sort}&limit={limit}");
            loop {
                let (status, body) = api.get(&next).await;
                assert_eq!(status, 200, "{body}");
                for r in body["data"].as_array().unwrap() {
                    seen.push(r[field].as_str().unwrap().to_owned());
                }
                match body["next_cursor"].as_str() {
                    Some(c) => next = format!("/{sort}&limit={limit}&cursor={c}"),
                    None => break,
                }
            }
            seen
        }
    };
    let (admin_s, sales_s, manager_s) = (
        boss_id.to_string(),
        sales_id.to_string(),
        manager_id.to_string(),
    );
    let by_owner = vec![
        admin_s.clone(),
        admin_s.clone(),
        manager_s.clone(),
        sales_s.clone(),
    ];
    let by_stage = ["Deal 2", "Deal 4", "Deal 1", "Deal 0", "Deal 3"];
    // Page sizes that cut inside a group of equal values as well as between groups.
    for limit in [1, 2, 3] {
        assert_eq!(
            walk("contacts?sort=owner_id", "owner_id", limit).await,
            by_owner,
            "admin, manager, sales; {limit} a page"
        );
        assert_eq!(
            walk("contacts?sort=-owner_id", "owner_id", limit).await,
            by_owner.iter().rev().cloned().collect::<Vec<_>>(),
            "{limit} a page"
        );
        assert_eq!(
            walk("deals?sort=stage_id", "title", limit).await,
            by_stage,
            "the board's stage order; {limit} a page"
        );
        assert_eq!(
            walk("deals?sort=-stage_id", "title", limit).await,
            by_stage.iter().rev().copied().collect::<Vec<_>>(),
            "{limit} a page"
        );
    }
    // The list page shows the same order.
    let html = page(&app, &boss, "/deals/list?sort=stage_id").await;
    let at: Vec<usize> = by_stage
        .iter()
        .map(|t| {
            html.find(&format!(">{t}<"))
                .unwrap_or_else(|| panic!("{t} listed"))
        })
        .collect();
    assert!(at.is_sorted(), "stage order on the page: {at:?}");
    // The sorted column says so, and which way (screen readers read aria-sort).
    let sorted_header = |html: &str, state: &str| -> String {
        let at = html
            .find(&format!("<th aria-sort=\"{state}\""))
            .unwrap_or_else(|| panic!("a column sorted {state}: {html}"));
        let th = &html[at..];
        th[..th.find("</th>").unwrap()].to_owned()
    };
    assert!(sorted_header(&html, "ascending").contains(r#"<a href="/deals/list?sort=-stage_id">"#));
    assert_eq!(html.matches("aria-sort=").count(), 1);
    let html = page(&app, &boss, "/deals/list?sort=-stage_id").await;
    assert!(sorted_header(&html, "descending").contains(r#"<a href="/deals/list?sort=stage_id">"#));
    // Leads sort by status along their life and by source in the form's order.
    for (status, source) in [
        ("qualified", "web_form"),
        ("new", "referral"),
        ("working", "phone"),
    ] {
        let (code, lead) = api
            .send(
                Method::POST,
                "/leads",
                json!({"last_name": format!("Lead {status}"), "status": status, "source": source,
                       "email": format!("{status}@example.com")}),
            )
            .await;
        assert_eq!(code, 201, "{lead}");
    }
    let (_, by_status) = api.get("/leads?sort=status").await;
    let statuses: Vec<&str> = by_status["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["new", "working", "qualified"], "{by_status}");
    let (_, by_source) = api.get("/leads?sort=-source").await;
    let sources: Vec<&str> = by_source["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["referral", "phone", "web_form"], "{by_source}");
    // A broken page link is told in the page's words, not the API's.
    let html = page(&app, &boss, "/contacts?sort=owner_id&cursor=nonsense").await;
    assert!(html.contains("This page link no longer works"), "{html}");
    assert!(!html.contains("next_cursor"));
    // Renaming an owner moves their records.
    let (status, renamed) = api
        .send(
            Method::PATCH,
            &format!("/users/{sales_id}"),
            json!({"display_name": "Aaron"}),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(
        walk("contacts?sort=owner_id", "owner_id", 2).await,
        [sales_s, admin_s.clone(), admin_s, manager_s.clone()],
    );
    let manager_id = manager_s;
    // A filter on the owner still compares ids.
    let (_, mine) = api
        .get(&format!(
            "/contacts?filter[owner_id][eq]={manager_id}&sort=owner_id"
        ))
        .await;
    assert_eq!(mine["data"].as_array().map(Vec::len), Some(1), "{mine}");

    for tag in ["vip", "expo%201405"] {
        let (_, found) = api.get(&format!("/contacts?filter[tags][eq]={tag}")).await;
        assert_eq!(
            found["data"].as_array().map(Vec::len),
            Some(4),
            "{tag}: {found}"
        );
    }
    let (_, none) = api.get("/contacts?filter[tags][eq]=vi").await;
    assert_eq!(
        none["data"].as_array().map(Vec::len),
        Some(0),
        "a tag is matched whole"
    );
}
both!(id_sorts, id_sorts_and_tag_equals);

/// An import's audit entries read like its pages: counts and choices by name, no ids.
async fn import_audit_reads_like_the_import(app: TestApp) {
    let (_, key) = app.user_in("boss@example.com", "admin", "en").await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                "First name,Last name,Mobile\nAva,Kian,09121110000\n"
                    .as_bytes()
                    .to_vec(),
            )
            .file_name("people.csv"),
        )
        .text("record_type", "contacts");
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/imports"))
        .bearer_auth(&key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    peyvand_services::jobs::run_pending(&app.store)
        .await
        .unwrap();
    let boss = app.login("boss@example.com", ADMIN_PASSWORD).await;
    let audit = page(&app, &boss, "/settings/audit?record_type=contact").await;
    for expected in [
        "Records created",
        "Skip them",
        "people.csv",
        "<td>Import</td>",
    ] {
        assert!(audit.contains(expected), "{expected}: {audit}");
    }
    for raw in [
        "import_id",
        "duplicate_mode",
        "file_name",
        "created_companies",
    ] {
        assert!(!audit.contains(raw), "{raw}: {audit}");
    }
}
both!(import_audit, import_audit_reads_like_the_import);
