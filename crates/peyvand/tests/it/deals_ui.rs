//! The deals pages as people use them, through real HTTP on both backends: the list with its
//! filters, views and bulk actions; the form's owner and custom fields; default stage names in
//! the reader's language; marking a deal lost from a kanban card.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::harness::*;

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn text(c: &reqwest::Client, url: String) -> String {
    let res = c.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// The default pipeline and its stages, through the API.
async fn pipeline(api: &Api) -> Value {
    let (status, list) = api.get("/pipelines").await;
    assert_eq!(status, 200, "{list}");
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["is_default"] == true)
        .unwrap()
        .clone()
}

fn stage_of(pl: &Value, kind: &str) -> String {
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

async fn new_deal(api: &Api, body: Value) -> String {
    let (s, d) = api.send(Method::POST, "/deals", body).await;
    assert_eq!(s, 201, "{d}");
    d["id"].as_str().unwrap().to_owned()
}

/// Adds a custom field of deals through the settings page.
async fn deal_field(app: &TestApp, admin: &reqwest::Client, fields: &[(&str, &str)]) {
    let csrf = app.csrf(admin, "/settings/fields?record_type=deal").await;
    let mut form = vec![("_csrf", csrf.as_str()), ("record_type", "deal")];
    form.extend_from_slice(fields);
    let res = admin
        .post(app.url("/settings/fields"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

async fn deal_count(api: &Api) -> usize {
    let (s, page) = api.get("/deals?limit=200").await;
    assert_eq!(s, 200);
    page["data"].as_array().unwrap().len()
}

async fn deals_list_like_the_other_lists(app: TestApp) {
    let admin = app.setup_admin().await;
    deal_field(
        &app,
        &admin,
        &[
            ("label_fa", "سطح"),
            ("label_en", "Tier"),
            ("key", "tier"),
            ("field_type", "select"),
            ("options", "gold | طلایی | Gold\nsilver | نقره‌ای | Silver"),
        ],
    )
    .await;
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (sara, sara_key) = app.user_in("sara@example.com", "sales", "fa").await;
    let pl = pipeline(&api).await;
    // Dates as in Tehran (UTC+3:30), the users' time zone.
    let today = (chrono::Utc::now() + chrono::Duration::minutes(210)).date_naive();
    let far = today + chrono::Duration::days(400);
    let won = new_deal(
        &api,
        json!({"title": "برنده بزرگ", "amount_minor": 9_000_000_000i64, "stage_id": stage_of(&pl, "won"),
               "expected_close_date": today.to_string(), "custom": {"tier": "gold"}}),
    )
    .await;
    let lost = new_deal(
        &api,
        json!({"title": "ازدست‌رفته", "amount_minor": 5_000_000, "stage_id": stage_of(&pl, "lost"),
               "lost_reason": "قیمت", "expected_close_date": far.to_string()}),
    )
    .await;
    let open = new_deal(
        &api,
        json!({"title": "باز کوچک", "amount_minor": 1_000_000, "custom": {"tier": "silver"}}),
    )
    .await;
    let saras = new_deal(
        &app.api(&sara_key),
        json!({"title": "فرصت سارا", "amount_minor": 2_000_000}),
    )
    .await;

    // Status (the kind of the deal's stage), shown as a named chip.
    let html = text(&admin, app.url("/deals/list?filter[status][eq]=won")).await;
    assert!(html.contains(&won) && !html.contains(&lost) && !html.contains(&open));
    assert!(html.contains("class=\"chip\">وضعیت برابر با برنده"));
    // The quick filters: stage and owner by their names.
    assert!(
        html.contains("id=\"quick-filters\"") && html.contains("name=\"filter[owner_id][eq]\"")
    );
    let html = text(
        &admin,
        app.url(&format!("/deals/list?filter[owner_id][eq]={sara}")),
    )
    .await;
    assert!(html.contains(&saras) && !html.contains(&won));
    let html = text(
        &admin,
        app.url(&format!(
            "/deals/list?filter[stage_id][eq]={}",
            stage_of(&pl, "lost")
        )),
    )
    .await;
    assert!(html.contains(&lost) && !html.contains(&won));
    assert!(html.contains("class=\"chip\">مرحله برابر با از دست رفته"));
    // A quick filter left at "—" is dropped, not an error.
    let res = admin
        .get(app.url("/deals/list?filter[stage_id][eq]=&filter[status][eq]=open"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        "/deals/list?filter%5Bstatus%5D%5Beq%5D=open"
    );

    // Amount typed with Persian digits and separators.
    let res = admin
        .get(app.url("/deals/list?ff=amount_minor&fo=ge&fv=۵٬۰۰۰٬۰۰۰"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert_eq!(to, "/deals/list?filter%5Bamount_minor%5D%5Bge%5D=5000000");
    let html = text(&admin, app.url(&to)).await;
    assert!(html.contains(&won) && html.contains(&lost) && !html.contains(&open));

    // Expected close date in this (Jalali) month.
    let res = admin
        .get(app.url("/deals/list?range_field=expected_close_date&created=this_month"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = location(&res);
    let (from, until) = peyvand_domain::calendar::month_range(
        // Asia/Tehran is UTC+3:30.
        (chrono::Utc::now() + chrono::Duration::minutes(210)).date_naive(),
        peyvand_domain::calendar::CalendarKind::Jalali,
        0,
    );
    assert!(
        to.contains(&format!("filter%5Bexpected_close_date%5D%5Bge%5D={from}"))
            && to.contains(&format!("filter%5Bexpected_close_date%5D%5Blt%5D={until}")),
        "{to}"
    );
    let html = text(&admin, app.url(&to)).await;
    assert!(html.contains(&won) && !html.contains(&lost));
    // A custom choice field by the label people see.
    let html = text(&admin, app.url("/deals/list?filter[custom.tier][eq]=طلایی")).await;
    assert!(html.contains(&won) && !html.contains(&open));
    // … or picked from the list's quick filters, by its option key, with a named chip.
    let list = text(&admin, app.url("/deals/list")).await;
    assert!(list.contains("name=\"filter[custom.tier][eq]\""), "{list}");
    let html = text(
        &admin,
        app.url("/deals/list?filter%5Bcustom.tier%5D%5Beq%5D=silver"),
    )
    .await;
    assert!(html.contains(&open) && !html.contains(&won));
    assert!(html.contains("سطح برابر با نقره‌ای"), "{html}");
    // A field that does not exist: the page says so, nothing breaks.
    let html = text(&admin, app.url("/deals/list?filter[secret][eq]=1")).await;
    assert!(html.contains("id=\"list-error\""));
    // A value that does not fit its field: the message names the field as the page does.
    let html = text(
        &admin,
        app.url("/deals/list?filter[expected_close_date][lt]=1404/13/01"),
    )
    .await;
    let error = html
        .split("id=\"list-error\"")
        .nth(1)
        .expect("a list error")
        .split("</")
        .next()
        .unwrap()
        .to_owned();
    assert!(
        !error.contains("expected_close_date") && error.contains("تاریخ"),
        "{error}"
    );

    // Sort, columns and keyset pages.
    let html = text(
        &admin,
        app.url("/deals/list?sort=-amount_minor&cols=title&cols=status&cols=custom.tier"),
    )
    .await;
    let pos = |id: &str| html.find(id).unwrap();
    assert!(pos(&won) < pos(&lost) && pos(&lost) < pos(&saras) && pos(&saras) < pos(&open));
    assert!(html.contains(">وضعیت<") && html.contains(">سطح<") && html.contains("طلایی"));
    let html = text(&admin, app.url("/deals/list?sort=-amount_minor&limit=2")).await;
    assert!(html.contains(&won) && html.contains(&lost) && !html.contains(&open));
    let marker = "href=\"";
    let next = html
        .split("rel=\"next\"")
        .next()
        .unwrap()
        .rsplit(marker)
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(
        next.starts_with("/deals/list?") && next.contains("cursor="),
        "{next}"
    );
    let html = text(&admin, app.url(&next)).await;
    assert!(html.contains(&saras) && html.contains(&open) && !html.contains(&won));

    // A shared saved view.
    let csrf = app.csrf(&admin, "/deals/list").await;
    let res = admin
        .post(app.url("/views"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("record_type", "deal"),
            ("name", "بردها"),
            ("query", "filter[status][eq]=won"),
            ("shared", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/deals/list?"));
    let sara_c = app.login("sara@example.com", ADMIN_PASSWORD).await;
    let html = text(&sara_c, app.url("/deals/list")).await;
    assert!(
        html.contains(">بردها<"),
        "shared views are visible to colleagues"
    );
    assert!(
        !html.contains(&won),
        "Sara's role lets her see only her own deals"
    );

    // Bulk: assign two deals to Sara, then delete one; without a CSRF token nothing happens.
    let res = admin
        .post(app.url("/deals/bulk"))
        .form(&[("action", "delete"), ("ids", open.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = admin
        .post(app.url("/deals/bulk"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("back", "/deals/list?sort=title"),
            ("action", "assign"),
            ("owner_id", &sara.to_string()),
            ("ids", &open),
            ("ids", &lost),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/deals/list?sort=title&done=2-0");
    for id in [&open, &lost] {
        let (_, d) = api.get(&format!("/deals/{id}")).await;
        assert_eq!(d["owner_id"], sara.to_string());
    }
    let (_, d) = api.get(&format!("/deals/{lost}")).await;
    assert_eq!(
        d["stage_id"],
        stage_of(&pl, "lost"),
        "assigning keeps the stage"
    );
    assert_eq!(d["lost_reason"], "قیمت");
    // Sara may not delete the administrator's deal: refused, not deleted.
    let sara_csrf = app.csrf(&sara_c, "/deals/list").await;
    let res = sara_c
        .post(app.url("/deals/bulk"))
        .form(&[
            ("_csrf", sara_csrf.as_str()),
            ("action", "delete"),
            ("ids", &won),
            ("ids", &saras),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).ends_with("done=1-1"), "{}", location(&res));
    let (_, d) = api.get(&format!("/deals/{won}")).await;
    assert!(d["deleted_at"].is_null());
    let html = text(&admin, app.url("/deals/list?deleted=true")).await;
    assert!(html.contains(&saras) && !html.contains(&won));

    // The API lists with the same filters.
    let (s, page) = api.get("/deals?filter[status][eq]=lost").await;
    assert_eq!(s, 200, "{page}");
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![lost.as_str()]);
    let (s, _) = api.get("/deals?sort=-status").await;
    assert_eq!(s, 200);
}
both!(deals_list_page, deals_list_like_the_other_lists);

async fn deal_form_with_owner_and_custom_fields(app: TestApp) {
    let admin = app.setup_admin().await;
    deal_field(
        &app,
        &admin,
        &[
            ("label_fa", "منبع"),
            ("label_en", "Source"),
            ("key", "source"),
            ("field_type", "select"),
            ("options", "web | وب | Web\nfair | نمایشگاه | Fair"),
            ("required", "1"),
        ],
    )
    .await;
    deal_field(
        &app,
        &admin,
        &[
            ("label_fa", "تخفیف"),
            ("label_en", "Discount"),
            ("key", "discount"),
            ("field_type", "number"),
        ],
    )
    .await;
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (sara, _) = app.user_in("sara@example.com", "sales", "fa").await;
    let (reza, _) = app.user_in("reza@example.com", "sales", "fa").await;
    let before = deal_count(&api).await;

    let html = text(&admin, app.url("/deals/new")).await;
    assert!(html.contains("id=\"owner_id\"") && html.contains(&sara.to_string()));
    assert!(html.contains("name=\"custom.source\"") && html.contains("name=\"custom.discount\""));
    let csrf = csrf_of(&html);
    // Bad input: every problem named next to its field, what was typed kept, nothing stored.
    let res = admin
        .post(app.url("/deals"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "قرارداد"),
            ("amount", "۱۰۰"),
            ("currency", "IRR"),
            ("owner_id", &sara.to_string()),
            ("custom.source", ""),
            ("custom.discount", "زیاد"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"custom.source-error\"")
            && html.contains("id=\"custom.discount-error\"")
    );
    assert!(html.contains("value=\"زیاد\""));
    assert!(
        html.contains(&format!("<option value=\"{sara}\" selected>")),
        "the chosen owner is kept"
    );
    let res = admin
        .post(app.url("/deals"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "قرارداد"),
            ("owner_id", "not-an-id"),
            ("custom.source", "web"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"owner_id-error\""));
    assert_eq!(deal_count(&api).await, before);

    // Valid: given to Sara, with its custom values.
    let res = admin
        .post(app.url("/deals"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "قرارداد"),
            ("amount", "۱۰۰"),
            ("currency", "IRR"),
            ("owner_id", &sara.to_string()),
            ("custom.source", "fair"),
            ("custom.discount", "۱۵"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let loc = location(&res);
    let id = loc.trim_start_matches("/deals/").to_owned();
    let (_, d) = api.get(&format!("/deals/{id}")).await;
    assert_eq!(d["owner_id"], sara.to_string());
    assert_eq!(d["custom"]["source"], "fair");
    assert_eq!(d["custom"]["discount"], 15);
    let html = text(&admin, app.url(&loc)).await;
    assert!(html.contains("نمایشگاه"), "custom values on the deal page");
    assert!(html.contains("name=\"custom.discount\" value=\"15\""));

    // Editing with a bad value changes nothing.
    let res = admin
        .post(app.url(&loc))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "قرارداد دیگر"),
            ("stage_id", d["stage_id"].as_str().unwrap()),
            ("currency", "IRR"),
            ("owner_id", &reza.to_string()),
            ("custom.source", "nowhere"),
            ("custom.discount", "۲۰"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("id=\"custom.source-error\"")
    );
    let (_, after) = api.get(&format!("/deals/{id}")).await;
    assert_eq!(after["title"], "قرارداد");
    assert_eq!(after["owner_id"], sara.to_string());
    assert_eq!(after["custom"]["discount"], 15);

    // A sales user (own scope) is offered only themselves, and cannot give a deal away.
    let sara_c = app.login("sara@example.com", ADMIN_PASSWORD).await;
    let html = text(&sara_c, app.url("/deals/new")).await;
    assert!(html.contains(&format!("<option value=\"{sara}\" selected>")));
    assert!(
        !html.contains(&reza.to_string()),
        "only the owners she may choose"
    );
    let res = sara_c
        .post(app.url("/deals"))
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("title", "هدیه"),
            ("owner_id", &reza.to_string()),
            ("custom.source", "web"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"owner_id-error\""));
    // Her own deal's edit form keeps her as owner.
    let res = sara_c
        .post(app.url("/deals"))
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("title", "مال خودم"),
            ("owner_id", &sara.to_string()),
            ("custom.source", "web"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // Her deal linked to a company only the administrator sees: the edit form still offers
    // and chooses that company, so saving it does not drop the link unseen.
    let (_, hidden) = api
        .send(Method::POST, "/companies", json!({"name": "شرکت پنهان"}))
        .await;
    let hidden_id = hidden["id"].as_str().unwrap();
    let deal = new_deal(
        &api,
        json!({"title": "با شرکت پنهان", "owner_id": sara, "company_id": hidden_id,
               "custom": {"source": "web"}}),
    )
    .await;
    let (status, _) = app
        .api(&app.user_in("x@example.com", "sales", "fa").await.1)
        .get(&format!("/companies/{hidden_id}"))
        .await;
    assert_eq!(status, 404, "a sales user cannot read the company");
    let html = text(&sara_c, app.url(&format!("/deals/{deal}"))).await;
    assert!(
        html.contains(&format!("<option value=\"{hidden_id}\" selected>")),
        "the hidden company stays chosen"
    );
}
both!(
    deals_form_owner_custom,
    deal_form_with_owner_and_custom_fields
);

async fn default_names_in_the_readers_language(app: TestApp) {
    let admin = app.setup_admin().await;
    let (_, key) = app.user_in("en@example.com", "admin", "en").await;
    let api = app.api(&key);
    let pl = pipeline(&api).await;
    assert_eq!(pl["name_key"], "sales");
    assert_eq!(pl["stages"][3]["name_key"], "negotiation");
    let id = new_deal(
        &api,
        json!({"title": "Server", "stage_id": pl["stages"][3]["id"]}),
    )
    .await;
    let en = app.login("en@example.com", ADMIN_PASSWORD).await;
    let board = text(&en, app.url("/deals")).await;
    for name in [
        "Qualified",
        "Needs analysis",
        "Negotiation",
        "Won",
        "Lost",
        ">Sales<",
    ] {
        assert!(board.contains(name), "{name} in English");
    }
    assert!(!board.contains("مذاکره"));
    let page = text(&en, app.url(&format!("/deals/{id}"))).await;
    assert!(page.contains("id=\"deal-stage\">Negotiation"));
    let list = text(&en, app.url("/deals/list")).await;
    assert!(list.contains(">Negotiation<"));
    let fa_board = text(&admin, app.url("/deals")).await;
    assert!(fa_board.contains("مذاکره") && !fa_board.contains("Negotiation"));

    // Saving a default stage under the name the reader sees keeps it a default; a new name is
    // the administrator's own and is shown as typed in every language.
    let stage = |i: usize| pl["stages"][i]["id"].as_str().unwrap().to_owned();
    let csrf = app.csrf(&en, "/settings/pipelines").await;
    for (i, name) in [(3, "Negotiation"), (4, "امضای قرارداد")] {
        let res = en
            .post(app.url(&format!("/settings/stages/{}", stage(i))))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", name),
                ("probability", "80"),
                ("kind", "open"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    let fa_board = text(&admin, app.url("/deals")).await;
    assert!(fa_board.contains("مذاکره") && fa_board.contains("امضای قرارداد"));
    let board = text(&en, app.url("/deals")).await;
    assert!(board.contains("Negotiation") && board.contains("امضای قرارداد"));
    assert!(!board.contains(">Contract<"));
    let (_, pl) = api.get("/pipelines").await;
    let stages = &pl["data"][0]["stages"];
    assert_eq!(stages[3]["name"], "مذاکره", "the stored name stays");
    assert_eq!(stages[3]["probability"], 80);
    assert!(stages[4]["name_key"].is_null());
}
both!(deals_default_names, default_names_in_the_readers_language);

/// The kanban card's form without a reason for a lost stage: the page that asks for the reason
/// keeps the chosen stage (a second submit used to keep the deal where it was and drop the
/// reason), and the script's request gets the field in JSON.
async fn lost_from_the_card_keeps_the_chosen_stage(app: TestApp) {
    let admin = app.setup_admin().await;
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let pl = pipeline(&api).await;
    let lost = stage_of(&pl, "lost");
    let id = new_deal(&api, json!({"title": "کارت"})).await;
    let board = text(&admin, app.url("/deals")).await;
    let csrf = csrf_of(&board);
    let back = format!("/deals?pipeline={}", pl["id"].as_str().unwrap());
    let res = admin
        .post(app.url(&format!("/deals/{id}/move")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("back", back.as_str()),
            ("stage_id", lost.as_str()),
            ("lost_reason", "  "),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"move-lost_reason-error\""));
    let move_form = html
        .split("id=\"move-form\"")
        .nth(1)
        .unwrap()
        .split("</form>")
        .next()
        .unwrap();
    assert!(
        move_form.contains(&format!("<option value=\"{lost}\" selected>")),
        "the lost stage stays chosen"
    );
    assert!(
        move_form.contains(&format!("name=\"back\" value=\"{back}\"")),
        "back to the board afterwards"
    );
    let (_, d) = api.get(&format!("/deals/{id}")).await;
    assert_eq!(d["stage_id"], stage_of(&pl, "open"), "nothing changed");

    // The same form sent again with a reason: lost, with the reason, back on the board.
    let res = admin
        .post(app.url(&format!("/deals/{id}/move")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("back", back.as_str()),
            ("stage_id", lost.as_str()),
            ("lost_reason", "قیمت بالا"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), back);
    let (_, d) = api.get(&format!("/deals/{id}")).await;
    assert_eq!(d["stage_id"], lost);
    assert_eq!(d["lost_reason"], "قیمت بالا");
    assert!(!d["closed_at"].is_null());
    let board = text(&admin, app.url("/deals")).await;
    let col = board
        .split(&format!("id=\"col-{lost}\""))
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        col.contains(&format!("id=\"deal-{id}\"")),
        "the card is in the lost column"
    );

    // The board's script (drag and drop with the prompt): JSON both ways.
    let other = new_deal(&api, json!({"title": "کشیدنی"})).await;
    let js = |reason: &str| {
        admin
            .post(app.url(&format!("/deals/{other}/move")))
            .header("x-csrf-token", csrf.as_str())
            .header("accept", "application/json")
            .form(&[("stage_id", lost.as_str()), ("lost_reason", reason)])
            .send()
    };
    let res = js("").await.unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "lost_reason");
    let long = "x".repeat(501);
    assert_eq!(js(&long).await.unwrap().status(), 422);
    let res = js("بودجه ندارد").await.unwrap();
    assert_eq!(res.status(), 200);
    let (_, d) = api.get(&format!("/deals/{other}")).await;
    assert_eq!(d["stage_id"], lost);
    assert_eq!(d["lost_reason"], "بودجه ندارد");
    // Out of the lost stage again: the reason is cleared and the deal reopens.
    let res = admin
        .post(app.url(&format!("/deals/{other}/move")))
        .header("x-csrf-token", csrf.as_str())
        .header("accept", "application/json")
        .form(&[("stage_id", stage_of(&pl, "open").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, d) = api.get(&format!("/deals/{other}")).await;
    assert_eq!(d["lost_reason"], "");
    assert!(d["closed_at"].is_null());
}
both!(
    deals_lost_from_card,
    lost_from_the_card_keeps_the_chosen_stage
);
