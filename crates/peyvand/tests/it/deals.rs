//! Deals on pipelines through the API (both backends), and the board in a browser.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::harness::*;

fn field_names(err: &Value) -> Vec<String> {
    err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

/// The default pipeline and its stages by kind.
async fn default_pipeline(api: &Api) -> Value {
    let (status, list) = api.get("/pipelines").await;
    assert_eq!(status, 200, "{list}");
    let pl = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["is_default"] == true)
        .unwrap()
        .clone();
    assert_eq!(pl["name"], "فروش");
    pl
}

fn stage(pl: &Value, i: usize) -> String {
    pl["stages"][i]["id"].as_str().unwrap().to_owned()
}

fn stage_of_kind(pl: &Value, kind: &str) -> String {
    pl["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn deals_move_through_stages(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let pl = default_pipeline(&api).await;
    assert_eq!(pl["stages"].as_array().unwrap().len(), 7);
    assert_eq!(pl["stages"][0]["probability"], 10);
    let won = stage_of_kind(&pl, "won");
    let lost = stage_of_kind(&pl, "lost");

    let (s, contact) = api
        .send(Method::POST, "/contacts", json!({"last_name": "کریمی"}))
        .await;
    assert_eq!(s, 201);
    // Created without a stage: the first open stage of the default pipeline, IRR by default.
    let (s, deal) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "قرارداد پشتیبانی", "amount_minor": 125_000_000, "contact_id": contact["id"], "expected_close_date": "2026-03-01"}),
        )
        .await;
    assert_eq!(s, 201, "{deal}");
    assert_eq!(deal["stage_id"], stage(&pl, 0));
    assert_eq!(deal["pipeline_id"], pl["id"]);
    assert_eq!(deal["currency"], "IRR");
    assert_eq!(deal["amount_minor"], 125_000_000);
    assert!(deal["closed_at"].is_null());
    let id = deal["id"].as_str().unwrap().to_owned();
    // Amount text (Persian digits, separators) is read in the currency.
    let (s, other) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "فروش لایسنس", "amount_minor": "۲٬۵۰۰٬۰۰۰", "stage_id": stage(&pl, 1)}),
        )
        .await;
    assert_eq!(s, 201, "{other}");
    assert_eq!(other["amount_minor"], 2_500_000);

    // Search by the contact's name.
    let (_, found) = api.get("/deals?q=%DA%A9%D8%B1%DB%8C%D9%85%DB%8C").await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1);

    // Move: open → open → won → open again → lost (needs a reason).
    let mv = |stage: String, reason: Option<&str>| {
        let mut body = json!({"stage_id": stage});
        if let Some(r) = reason {
            body["lost_reason"] = json!(r);
        }
        body
    };
    let (s, moved) = api
        .send(
            Method::POST,
            &format!("/deals/{id}/move"),
            mv(stage(&pl, 2), None),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["stage_id"], stage(&pl, 2));
    let (s, moved) = api
        .send(
            Method::POST,
            &format!("/deals/{id}/move"),
            mv(won.clone(), None),
        )
        .await;
    assert_eq!(s, 200);
    assert!(moved["closed_at"].is_string(), "closed when won");
    let (s, moved) = api
        .send(
            Method::POST,
            &format!("/deals/{id}/move"),
            mv(stage(&pl, 3), None),
        )
        .await;
    assert_eq!(s, 200);
    assert!(moved["closed_at"].is_null(), "reopened");
    let (s, err) = api
        .send(
            Method::POST,
            &format!("/deals/{id}/move"),
            mv(lost.clone(), None),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["lost_reason"]);
    assert_eq!(
        err["error"]["fields"][0]["code"],
        "deal.lost_reason_required"
    );
    let (s, moved) = api
        .send(
            Method::POST,
            &format!("/deals/{id}/move"),
            mv(lost.clone(), Some("قیمت بالا")),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(moved["lost_reason"], "قیمت بالا");
    assert!(moved["closed_at"].is_string());

    // The history: every change with its time, in order.
    let (s, hist) = api.get(&format!("/deals/{id}/stage-history")).await;
    assert_eq!(s, 200);
    let rows = hist["data"].as_array().unwrap();
    let to: Vec<String> = rows
        .iter()
        .map(|r| r["to_stage_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        to,
        vec![
            stage(&pl, 0),
            stage(&pl, 2),
            won.clone(),
            stage(&pl, 3),
            lost.clone()
        ]
    );
    assert!(rows[0]["from_stage_id"].is_null());
    assert_eq!(rows[1]["from_stage_id"], stage(&pl, 0));
    let times: Vec<&str> = rows
        .iter()
        .map(|r| r["changed_at"].as_str().unwrap())
        .collect();
    let parsed: Vec<chrono::DateTime<chrono::Utc>> =
        times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(rows.iter().all(|r| r["changed_by"].is_string()));
    assert_eq!(rows[4]["to_stage"], "از دست رفته");

    // Board: grouped by stage, with counts and sums within the caller's scope.
    let (_, d3) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "سوم", "amount_minor": 500_000, "stage_id": stage(&pl, 1)}),
        )
        .await;
    assert!(d3["id"].is_string());
    let (s, board) = api
        .get(&format!("/pipelines/{}/board", pl["id"].as_str().unwrap()))
        .await;
    assert_eq!(s, 200, "{board}");
    let cols = board["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 7);
    let col1 = &cols[1];
    assert_eq!(col1["stage"]["id"], stage(&pl, 1));
    assert_eq!(col1["count"], 2);
    assert_eq!(col1["shown"], 2);
    assert_eq!(col1["sums"][0]["currency"], "IRR");
    assert_eq!(col1["sums"][0]["amount_minor"], 3_000_000);
    assert_eq!(cols[6]["deals"][0]["id"], id.as_str());
    assert_eq!(cols[0]["count"], 0);

    // Bad input is named per field and changes nothing.
    let (s, other_pl) = api
        .send(Method::POST, "/pipelines", json!({"name": "پروژه‌ها"}))
        .await;
    assert_eq!(s, 201, "{other_pl}");
    let (s, err) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "", "amount_minor": "ده میلیون", "currency": "dollars", "stage_id": stage(&other_pl, 0)}),
        )
        .await;
    assert_eq!(s, 422);
    let fields = field_names(&err);
    for f in ["title", "amount_minor", "currency", "stage_id"] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let codes: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"deal.stage_not_in_pipeline"), "{codes:?}");
    assert!(codes.contains(&"money.invalid_currency"), "{codes:?}");
    let (s, err) = api
        .send(
            Method::POST,
            &format!("/deals/{id}/move"),
            json!({"stage_id": stage(&other_pl, 1)}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(
        err["error"]["fields"][0]["code"],
        "deal.stage_not_in_pipeline"
    );
    let (_, all) = api.get("/deals").await;
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    // On the other pipeline with its own stage, it is fine.
    let (s, _) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "پروژه", "pipeline_id": other_pl["id"], "stage_id": stage(&other_pl, 0), "currency": "usd", "amount_minor": "12.50"}),
        )
        .await;
    assert_eq!(s, 201);

    // A stage with deals cannot be deleted; an empty one can.
    let (s, err) = api
        .send(
            Method::DELETE,
            &format!("/stages/{}", stage(&pl, 1)),
            json!({}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "stage.not_empty");
    let (s, _) = api
        .send(
            Method::DELETE,
            &format!("/stages/{}", stage(&pl, 4)),
            json!({}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, err) = api
        .send(
            Method::PATCH,
            &format!("/stages/{}", stage(&pl, 0)),
            json!({"probability": 120, "kind": "maybe"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["probability", "kind"]);
    let (s, st) = api
        .send(
            Method::POST,
            &format!("/pipelines/{}/stages", pl["id"].as_str().unwrap()),
            json!({"name": "پرداخت", "probability": 95}),
        )
        .await;
    assert_eq!(s, 201, "{st}");
    assert_eq!(st["kind"], "open");

    // Sorting and paging on the list.
    let (s, page) = api.get("/deals?sort=-amount_minor&limit=2").await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["data"][0]["amount_minor"], 125_000_000);
    assert!(page["next_cursor"].is_string());

    // Soft delete and restore.
    let (s, _) = api
        .send(Method::DELETE, &format!("/deals/{id}"), json!({}))
        .await;
    assert_eq!(s, 204);
    let (_, all) = api.get("/deals").await;
    assert!(
        all["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["id"] != id.as_str())
    );
    let (_, bin) = api.get("/deals?deleted=true").await;
    assert_eq!(bin["data"][0]["id"], id.as_str());
    let (s, back) = api
        .send(Method::POST, &format!("/deals/{id}/restore"), json!({}))
        .await;
    assert_eq!(s, 200);
    assert!(back["deleted_at"].is_null());

    // Audited: create, the moves, delete, restore.
    let (_, log) = api
        .get(&format!("/audit-log?record_type=deal&record_id={id}"))
        .await;
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "restore", "delete", "update", "update", "update", "update", "create"
        ]
    );
    assert_eq!(
        log["data"][2]["changes"]["stage_id"],
        json!([stage(&pl, 3), lost])
    );
    let (_, log) = api.get("/audit-log?record_type=stage").await;
    assert!(!log["data"].as_array().unwrap().is_empty());
}
both!(deals_api, deals_move_through_stages);

async fn sales_users_see_their_deals(app: TestApp) {
    let (_, admin_key) = app.user_with_key("root@example.com", "admin").await;
    let (sara, sara_key) = app.user_with_key("sara@example.com", "sales").await;
    let (reza, reza_key) = app.user_with_key("reza@example.com", "sales").await;
    let (_, nima_key) = app.user_with_key("nima@example.com", "sales").await;
    let admin = app.api(&admin_key);
    let (_, team) = admin
        .send(Method::POST, "/teams", json!({"name": "تهران"}))
        .await;
    for u in [sara, reza] {
        let (s, _) = admin
            .send(
                Method::PATCH,
                &format!("/users/{u}"),
                json!({"team_ids": [team["id"]]}),
            )
            .await;
        assert_eq!(s, 200);
    }
    let pl = default_pipeline(&admin).await;
    let (sara_api, reza_api, nima_api) =
        (app.api(&sara_key), app.api(&reza_key), app.api(&nima_key));
    let (s, sd) = sara_api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "سارا", "amount_minor": 100}),
        )
        .await;
    assert_eq!(s, 201, "{sd}");
    let (s, _) = nima_api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "نیما", "amount_minor": 7}),
        )
        .await;
    assert_eq!(s, 201);
    // Sales may not give a deal to someone else.
    let (s, err) = sara_api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "x", "owner_id": reza}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "owner.not_allowed");

    let titles = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&reza_api.get("/deals").await.1), vec!["سارا"]);
    assert_eq!(titles(&nima_api.get("/deals").await.1), vec!["نیما"]);
    assert_eq!(
        admin.get("/deals").await.1["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The board is scoped too, sums included.
    let board_path = format!("/pipelines/{}/board", pl["id"].as_str().unwrap());
    let (_, b) = reza_api.get(&board_path).await;
    let col = &b["columns"][0];
    assert_eq!(col["count"], 1);
    assert_eq!(col["deals"][0]["title"], "سارا");
    assert_eq!(col["sums"][0]["amount_minor"], 100);
    let (_, b) = admin.get(&board_path).await;
    assert_eq!(b["columns"][0]["count"], 2);
    assert_eq!(b["columns"][0]["sums"][0]["amount_minor"], 107);

    // Reza reads Sara's deal but may not move it; Nima cannot even see it.
    let id = sd["id"].as_str().unwrap();
    assert_eq!(reza_api.get(&format!("/deals/{id}")).await.0, 200);
    let body = json!({"stage_id": stage(&pl, 1)});
    assert_eq!(
        reza_api
            .send(Method::POST, &format!("/deals/{id}/move"), body.clone())
            .await
            .0,
        403
    );
    assert_eq!(
        nima_api
            .send(Method::POST, &format!("/deals/{id}/move"), body.clone())
            .await
            .0,
        404
    );
    assert_eq!(
        nima_api.get(&format!("/deals/{id}/stage-history")).await.0,
        404
    );
    assert_eq!(
        sara_api
            .send(Method::POST, &format!("/deals/{id}/move"), body)
            .await
            .0,
        200
    );
    // Only administrators shape pipelines.
    assert_eq!(
        sara_api
            .send(Method::POST, "/pipelines", json!({"name": "x"}))
            .await
            .0,
        403
    );
    assert_eq!(
        sara_api
            .send(
                Method::PATCH,
                &format!("/stages/{}", stage(&pl, 0)),
                json!({"probability": 5})
            )
            .await
            .0,
        403
    );
}
both!(deals_scope, sales_users_see_their_deals);

/// The board and the form pages render in Persian; a card moves with the no-script form; a
/// lost stage without a reason is refused with the message in Persian.
async fn deals_pages(app: TestApp) {
    let c = app.setup_admin().await;
    let res = c.get(app.url("/deals")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("فرصت‌های فروش"));
    assert!(html.contains("<meta name=\"csrf-token\""));
    let csrf = csrf_of(
        &c.get(app.url("/deals/new"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let res = c
        .post(app.url("/deals"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", ""),
            ("amount", "abc"),
            ("currency", "IRR"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"title-error\"") && html.contains("id=\"amount-error\""));
    let res = c
        .post(app.url("/deals"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "قرارداد سالانه"),
            ("amount", "۱۲٬۵۰۰٬۰۰۰"),
            ("currency", "IRR"),
            ("expected_close_date", "۱۴۰۵/۰۱/۱۵"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let html = app.html(&c, &loc).await;
    assert!(html.contains("۱۲٬۵۰۰٬۰۰۰ ریال"), "amount in Persian digits");
    assert!(html.contains("۱۴۰۵/۰۱/۱۵"), "date in the Jalali calendar");
    let board = app.html(&c, "/deals").await;
    assert!(board.contains("قرارداد سالانه"));
    // Toman display: a profile preference, switched from the board with a form (a link can
    // no longer change it).
    let res = c
        .get(app.url("/deals/money-unit?toman=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405, "a GET changes nothing");
    assert!(board.contains("id=\"money-unit\""));
    let csrf = csrf_of(&board);
    let res = c
        .post(app.url("/deals/money-unit"))
        .form(&[("_csrf", csrf.as_str()), ("toman", "1"), ("back", "/deals")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let board = app.html(&c, "/deals").await;
    assert!(board.contains("۱٬۲۵۰٬۰۰۰ تومان"));
    let profile = app.html(&c, "/profile").await;
    assert!(
        profile.contains("<option value=\"toman\" selected"),
        "the profile shows the choice"
    );
    // The profile form sets it too; a wrong unit is named and changes nothing.
    let res = c
        .post(app.url("/profile"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "مدیر"),
            ("language", "fa"),
            ("calendar", "jalali"),
            ("time_zone", "Asia/Tehran"),
            ("digits", "persian"),
            ("money_unit", "dollar"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("id=\"money_unit-error\">ریال یا تومان را برگزینید."),
        "{page}"
    );
    let board = app.html(&c, "/deals").await;
    assert!(board.contains("۱٬۲۵۰٬۰۰۰ تومان"), "still toman");
    // Lost without a reason through the no-script form.
    let (_, key) = app.user_with_key("k@example.com", "admin").await;
    let pl = default_pipeline(&app.api(&key)).await;
    let id = loc.trim_start_matches("/deals/");
    let res = c
        .post(app.url(&format!("/deals/{id}/move")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("stage_id", &stage_of_kind(&pl, "lost")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("دلیل از دست رفتن را بنویسید.")
    );
    // Pipeline settings for the administrator.
    let res = c.get(app.url("/settings/pipelines")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let list = c
        .get(app.url("/deals/list?sort=-amount_minor"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
}
both!(deals_ui, deals_pages);

/// In Persian (RTL): the board shows a deal in its first stage; the card's no-script form moves
/// it to another column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_moves_a_card_in_the_browser() {
    use fantoccini::Locator;

    use crate::browser::{attr, browser, fill, start_driver, wait_for};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    // First run in Persian.
    c.goto(&app.url("/lang?to=fa")).await.unwrap();
    c.goto(&app.url("/setup")).await.unwrap();
    wait_for(&c, "form[action='/setup']").await;
    fill(&c, "#display_name", "مریم").await;
    fill(&c, "#email", "maryam@example.com").await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    fill(&c, "#password_confirm", ADMIN_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#welcome").await;

    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let pl = default_pipeline(&api).await;
    let (s, deal) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "فروش سرور", "amount_minor": 90_000_000}),
        )
        .await;
    assert_eq!(s, 201);
    let id = deal["id"].as_str().unwrap().to_owned();
    let target = stage(&pl, 2);

    c.goto(&app.url("/deals")).await.unwrap();
    wait_for(&c, "#board").await;
    assert_eq!(attr(&c, "html", "dir").await, "rtl");
    let first_col = format!("#col-{} #deal-{id}", stage(&pl, 0));
    wait_for(&c, &first_col).await;
    c.find(Locator::Css(&format!("#deal-{id} summary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css(&format!(
        "#stage-{id} option[value='{target}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css(&format!(
        "#deal-{id} .move-form button[type=submit]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let moved = wait_for(&c, &format!("#col-{target} #deal-{id}")).await;
    assert!(moved.text().await.unwrap().contains("فروش سرور"));
    assert!(
        c.find(Locator::Css(&first_col)).await.is_err(),
        "the card left its first column"
    );
    c.close().await.unwrap();
}

async fn the_deals_list_exports(app: TestApp) {
    let admin = app.setup_admin().await;
    let html = app.html(&admin, "/deals/list").await;
    assert!(html.contains("id=\"export-csv\"") && html.contains("/deals/export?format=csv"));
    let res = admin
        .get(app.url("/deals/export?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
both!(deals_export_link, the_deals_list_exports);

/// A reader who shows rials as toman types them as toman too: the form says so, reads the
/// amount in toman and shows it back in toman; the API takes `amount_unit: "toman"` for IRR
/// only. A deal without an amount shows a dash, not "0 toman".
async fn toman_amounts_are_typed_as_shown(app: TestApp) {
    let (_, key) = app.user_in("boss@example.com", "admin", "fa").await;
    let api = app.api(&key);
    let (status, d) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "تومانی", "amount": "۱۲۵٬۰۰۰", "amount_unit": "toman"}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["amount_minor"], 1_250_000);
    for (body, code) in [
        (
            json!({"title": "x", "amount": "10", "currency": "USD", "amount_unit": "toman"}),
            "deal.toman_irr_only",
        ),
        (
            json!({"title": "x", "amount": "10", "amount_unit": "dinar"}),
            "deal.bad_amount_unit",
        ),
        (
            json!({"title": "x", "amount": "10.55", "amount_unit": "toman"}),
            "money.too_many_decimals",
        ),
    ] {
        let (status, err) = api.send(Method::POST, "/deals", body).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["fields"][0]["code"], code, "{err}");
    }

    let c = app.login("boss@example.com", ADMIN_PASSWORD).await;
    let csrf = app.csrf(&c, "/deals").await;
    let res = c
        .post(app.url("/deals/money-unit"))
        .form(&[("_csrf", csrf.as_str()), ("toman", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let boss = app
        .store
        .user_by_email("boss@example.com")
        .await
        .unwrap()
        .unwrap();
    let ctx = peyvand_services::audit::Ctx {
        who: peyvand_services::audit::Who::operator(),
        origin: peyvand_services::Origin::cli(),
    };
    let (boss_key, _) = peyvand_services::auth::create_api_key(&app.store, &ctx, boss.id, "tests")
        .await
        .unwrap();
    let (_, me) = app.api(&boss_key).get("/me").await;
    assert_eq!(me["money_unit"], "toman", "the API shows the preference");
    let form = app.html(&c, "/deals/new").await;
    assert!(
        form.contains("name=\"amount_unit\" value=\"toman\""),
        "{form}"
    );
    assert!(form.contains("به تومان بنویسید"), "the hint says toman");
    let csrf = csrf_of(&form);
    let res = c
        .post(app.url("/deals"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "قرارداد تومانی"),
            ("amount", "۲۵۰٬۰۰۰٫۵"),
            ("amount_unit", "toman"),
            ("currency", "IRR"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let path = res.headers()["location"].to_str().unwrap().to_owned();
    let id = path.trim_start_matches("/deals/").to_owned();
    let (_, saved) = api.get(&format!("/deals/{id}")).await;
    assert_eq!(saved["amount_minor"], 2_500_005, "{saved}");
    let page = app.html(&c, &path).await;
    assert!(
        page.contains("value=\"250000.5\""),
        "the edit form shows toman"
    );
    // Every page shows money the same way: search too.
    let found = app
        .html(&c, "/search?q=%D8%AA%D9%88%D9%85%D8%A7%D9%86%DB%8C")
        .await;
    assert!(found.contains("۱۲۵٬۰۰۰ تومان"), "{found}");
    // The list's cell is edited in toman too.
    let list = app.html(&c, "/deals/list?cols=title&cols=amount").await;
    assert!(list.contains("data-value=\"250000.5\""), "{list}");
    let res = c
        .post(app.url(&format!("/deals/{id}/cell")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("field", "amount"),
            ("value", "۳۰۰٬۰۰۰"),
        ])
        .send()
        .await
        .unwrap();
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["text"], "۳۰۰٬۰۰۰ تومان", "{answer}");
    assert_eq!(answer["value"], "300000");
    let (_, saved) = api.get(&format!("/deals/{id}")).await;
    assert_eq!(saved["amount_minor"], 3_000_000);
    // A page drawn in rials (the preference changed since in another tab) saves rials: the
    // cell says which unit it showed.
    assert!(list.contains("data-money-unit=\"toman\""));
    let res = c
        .post(app.url(&format!("/deals/{id}/cell")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("field", "amount"),
            ("value", "۳۰۰٬۰۰۰"),
            ("unit", "rial"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, saved) = api.get(&format!("/deals/{id}")).await;
    assert_eq!(
        saved["amount_minor"], 300_000,
        "typed in rials, kept in rials"
    );
    // In dollars the typed amount is dollars, whatever the display choice.
    let res = c
        .post(app.url(&path))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "قرارداد دلاری"),
            ("stage_id", saved["stage_id"].as_str().unwrap()),
            ("amount", "12.50"),
            ("amount_unit", "toman"),
            ("currency", "USD"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, saved) = api.get(&format!("/deals/{id}")).await;
    assert_eq!(
        (saved["amount_minor"].as_i64(), saved["currency"].as_str()),
        (Some(1250), Some("USD"))
    );

    // No amount: a dash in the list.
    let (_, none) = api
        .send(Method::POST, "/deals", json!({"title": "بی‌مبلغ"}))
        .await;
    let list = app.html(&c, "/deals/list?cols=title&cols=amount").await;
    assert!(list.contains("بی‌مبلغ"), "{list}");
    let row = list
        .split(&format!("data-id=\"{}\"", none["id"].as_str().unwrap()))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or("");
    assert!(row.contains("<bdi dir=\"auto\">—</bdi>"), "{row}");
    assert!(!row.contains("تومان"), "{row}");
}
both!(toman_entry, toman_amounts_are_typed_as_shown);
