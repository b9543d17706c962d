//! Demo data is usable as it comes: its custom fields are ones the forms and the API know.

use peyvand_services::audit::{Ctx, Who};
use peyvand_services::demo::{self, DEMO_ADMIN, DEMO_PASSWORD, DemoOptions};
use peyvand_services::{Origin, auth};
use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::harness::*;

async fn demo_records_save(app: TestApp) {
    let ctx = Ctx {
        who: Who::operator(),
        origin: Origin::cli(),
    };
    demo::seed(
        &app.store,
        &ctx,
        &DemoOptions {
            contacts: 30,
            seed: 7,
        },
        |_| {},
    )
    .await
    .unwrap();
    let admin = app.store.user_by_email(DEMO_ADMIN).await.unwrap().unwrap();
    let (key, _) = auth::create_api_key(&app.store, &ctx, admin.id, "t")
        .await
        .unwrap();
    let api = app.api(&key);

    // Every custom field of the demo (a choice, a number, a yes/no) is accepted by the API …
    let (status, made) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "نمونه", "last_name": "آزمایشی",
                   "custom": {"tier": "gold", "score": 40, "vip": true}}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["custom"]["vip"], true);
    let (_, vips) = api
        .get("/contacts?filter[custom.vip][eq]=true&limit=100")
        .await;
    assert!(
        vips["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == made["id"]),
        "{vips}"
    );

    // … and a demo contact saves through its edit form, where yes/no is a checkbox.
    let web = app.login(DEMO_ADMIN, DEMO_PASSWORD).await;
    let (_, list) = api.get("/contacts?limit=1").await;
    let id = list["data"][0]["id"].as_str().unwrap().to_owned();
    let form = app.html(&web, &format!("/contacts/{id}/edit")).await;
    assert!(
        form.contains(r#"type="checkbox" id="custom.vip""#),
        "the yes/no field is a checkbox"
    );
    let csrf = csrf_of(&form);
    let res = web
        .post(app.url(&format!("/contacts/{id}/edit")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("first_name", "نام"),
            ("last_name", "تازه"),
            ("job_title", "کارشناس"),
            ("custom.vip", "false"),
            ("custom.vip", "true"),
            ("custom.tier", "silver"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let saved = app
        .store
        .contact(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.job_title, "کارشناس");
    assert_eq!(saved.custom.0["vip"], true);

    let fields = app.html(&web, "/settings/fields").await;
    assert!(
        !fields.contains("field-type-"),
        "every field type is translated"
    );

    let at =
        |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    // The story holds together: nobody's deal or activity predates the person, and every call
    // outcome is one the forms offer (so a demo call can be edited and saved).
    let (_, activities) = api.get("/activities?limit=100").await;
    let mut checked = 0;
    for a in activities["data"].as_array().unwrap() {
        let outcome = a["outcome"].as_str().unwrap();
        assert!(
            outcome.is_empty() || peyvand_domain::sales::CALL_OUTCOMES.contains(&outcome),
            "{a}"
        );
        let Some(contact) = a["contact_id"].as_str() else {
            continue;
        };
        let (_, c) = api.get(&format!("/contacts/{contact}")).await;
        assert!(at(&c["created_at"]) <= at(&a["created_at"]), "{c} {a}");
        checked += 1;
    }
    assert!(checked > 0);
    let (_, deals) = api.get("/deals?limit=100").await;
    for d in deals["data"].as_array().unwrap() {
        let (_, c) = api
            .get(&format!("/contacts/{}", d["contact_id"].as_str().unwrap()))
            .await;
        assert!(at(&c["created_at"]) <= at(&d["created_at"]), "{c} {d}");
    }
}
both!(demo_records_save, demo_records_save);
