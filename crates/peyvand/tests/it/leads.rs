//! Leads: create, disqualify, convert (reusing what exists), through the API and the pages.

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::harness::*;

async fn leads_convert_in_one_step(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (status, err) = api
        .send(
            Method::POST,
            "/leads",
            json!({"source": "web_form", "phone": "12", "email": "x@"}),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in ["phone", "email", "last_name"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let (status, _) = api
        .send(
            Method::POST,
            "/leads",
            json!({"last_name": "x", "source": "telepathy"}),
        )
        .await;
    assert_eq!(status, 422);

    // An existing customer, and a lead from a campaign link with the same mobile.
    let (_, existing) = api.send(Method::POST, "/contacts", json!({"first_name": "مریم", "last_name": "احمدی", "phones": [{"number": "09121112233"}]})).await;
    let (status, lead) = api
        .send(Method::POST, "/leads", json!({"title": "خرید ۵۰ دستگاه", "first_name": "مريم", "last_name": "احمدی", "company_name": "فناوران پارس",
            "phone": "۰۹۱۲ ۱۱۱ ۲۲۳۳", "source": "campaign", "campaign": "پاییز", "utm_source": "instagram", "utm_campaign": "autumn"}))
        .await;
    assert_eq!(status, 201, "{lead}");
    assert_eq!(lead["phone"], "+989121112233");
    assert_eq!(lead["status"], "new");
    let id = lead["id"].as_str().unwrap().to_owned();
    let (status, conv) = api
        .send(
            Method::POST,
            &format!("/leads/{id}/convert"),
            json!({"create_deal": true, "deal_amount": "۱۲٬۰۰۰٬۰۰۰"}),
        )
        .await;
    assert_eq!(status, 200, "{conv}");
    assert_eq!(
        conv["contact_id"], existing["id"],
        "the contact with the same phone is reused"
    );
    assert_eq!(conv["contact_reused"], true);
    assert_eq!(conv["company_reused"], false);
    let (_, deal) = api
        .get(&format!("/deals/{}", conv["deal_id"].as_str().unwrap()))
        .await;
    assert_eq!(deal["title"], "خرید ۵۰ دستگاه");
    assert_eq!(deal["amount_minor"], 12_000_000);
    assert_eq!(deal["lead_id"], id);
    assert_eq!(deal["company_id"], conv["company_id"]);
    let (_, company) = api
        .get(&format!(
            "/companies/{}",
            conv["company_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(company["name"], "فناوران پارس");
    let (_, lead) = api.get(&format!("/leads/{id}")).await;
    assert_eq!(lead["status"], "converted");
    assert!(lead["converted_at"].is_string());
    let (status, err) = api
        .send(Method::POST, &format!("/leads/{id}/convert"), json!({}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "lead.already_converted");

    // A second lead from the same company reuses the company and makes a new person.
    let (_, lead2) = api.send(Method::POST, "/leads", json!({"first_name": "رضا", "last_name": "کاظمی", "company_name": "فناوران  پارس", "email": "reza@pars.example", "source": "phone"})).await;
    let (status, conv2) = api
        .send(
            Method::POST,
            &format!("/leads/{}/convert", lead2["id"].as_str().unwrap()),
            json!({"create_deal": false}),
        )
        .await;
    assert_eq!(status, 200, "{conv2}");
    assert_eq!(conv2["company_id"], conv["company_id"]);
    assert_eq!(conv2["company_reused"], true);
    assert!(conv2["deal_id"].is_null());
    let (_, person) = api
        .get(&format!(
            "/contacts/{}",
            conv2["contact_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(person["emails"][0]["address"], "reza@pars.example");
    assert_eq!(person["company_id"], conv["company_id"]);

    // Disqualify: a reason is required; a disqualified lead cannot be converted.
    let (_, lead3) = api
        .send(
            Method::POST,
            "/leads",
            json!({"last_name": "بی‌علاقه", "source": "event"}),
        )
        .await;
    let l3 = lead3["id"].as_str().unwrap();
    let (status, err) = api
        .send(
            Method::POST,
            &format!("/leads/{l3}/disqualify"),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "reason");
    let (status, dq) = api
        .send(
            Method::POST,
            &format!("/leads/{l3}/disqualify"),
            json!({"reason": "بودجه ندارد"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(dq["status"], "disqualified");
    let (status, _) = api
        .send(Method::POST, &format!("/leads/{l3}/convert"), json!({}))
        .await;
    assert_eq!(status, 422);

    // Conversion is measurable: converted leads by source.
    let (_, converted) = api
        .get("/leads?filter[status][eq]=converted&filter[source][eq]=campaign")
        .await;
    assert_eq!(converted["data"].as_array().unwrap().len(), 1);
    let (_, log) = api
        .get(&format!("/audit-log?record_type=lead&record_id={id}"))
        .await;
    assert_eq!(log["data"][0]["action"], "convert");
}
both!(lead_conversion, leads_convert_in_one_step);

async fn lead_scope(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let (_, sara_key) = app.user_with_key("sara@example.com", "sales").await;
    let (_, nima_key) = app.user_with_key("nima@example.com", "sales").await;
    let (_, lead) = app
        .api(&sara_key)
        .send(Method::POST, "/leads", json!({"last_name": "سرنخ سارا"}))
        .await;
    let id = lead["id"].as_str().unwrap();
    assert_eq!(app.api(&nima_key).get(&format!("/leads/{id}")).await.0, 404);
    assert_eq!(
        app.api(&nima_key)
            .send(Method::POST, &format!("/leads/{id}/convert"), json!({}))
            .await
            .0,
        404
    );
    let (_, list) = app.api(&nima_key).get("/leads").await;
    assert!(list["data"].as_array().unwrap().is_empty());
    let (_, list) = app.api(&key).get("/leads").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}
both!(leads_scope, lead_scope);

async fn lead_pages(app: TestApp) {
    let admin = app.setup_admin().await;
    let csrf = app.csrf(&admin, "/leads/new").await;
    let res = admin
        .post(app.url("/leads"))
        .form(&[("_csrf", csrf.as_str()), ("source", "web_form")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"last_name-error\"") && html.contains("id=\"phone-error\""));
    let res = admin
        .post(app.url("/leads"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("first_name", "سینا"),
            ("last_name", "مرادی"),
            ("company_name", "آوا"),
            ("phone", "09350001122"),
            ("source", "web_form"),
            ("status", "new"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = res.headers()["location"].to_str().unwrap().to_owned();
    let html = app.html(&admin, &page).await;
    assert!(html.contains("id=\"convert-form\""));
    let res = admin
        .post(app.url(&format!("{page}/convert")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("create_deal", "1"),
            ("deal_title", "قرارداد آوا"),
            ("deal_amount", "abc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        422,
        "a bad amount is refused and nothing is converted"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"action-error\""));
    let res = admin
        .post(app.url(&format!("{page}/convert")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("create_deal", "1"),
            ("deal_title", "قرارداد آوا"),
            ("deal_amount", "۵۰۰۰۰۰۰"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let deal_page = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(deal_page.starts_with("/deals/"));
    let html = app.html(&admin, &page).await;
    assert!(html.contains("تبدیل‌شده") && !html.contains("id=\"convert-form\""));
}
both!(lead_ui, lead_pages);
