//! Contacts and custom fields through the API, on both backends.

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::harness::*;

async fn contacts_round_trip(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (status, field) = api
        .send(Method::POST, "/custom-fields", json!({"record_type": "contact", "key": "tier", "label_fa": "سطح", "label_en": "Tier", "field_type": "select",
            "options": [{"key": "gold", "label_fa": "طلایی", "label_en": "Gold"}, {"key": "silver", "label_fa": "نقره‌ای", "label_en": "Silver"}]}))
        .await;
    assert_eq!(status, 201, "{field}");
    let (status, _) = api.send(Method::POST, "/custom-fields", json!({"record_type": "contact", "key": "score", "label_fa": "امتیاز", "label_en": "Score", "field_type": "number"})).await;
    assert_eq!(status, 201);
    let (status, err) = api.send(Method::POST, "/custom-fields", json!({"record_type": "contact", "key": "Bad Key", "label_fa": "x", "label_en": "x", "field_type": "colour"})).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"key") && fields.contains(&"field_type"));

    // The example body, read back with the phone normalised.
    let (status, ali) = api
        .send(Method::POST, "/contacts", json!({"first_name": "علي", "last_name": "رضایی", "phones": [{"number": "0912 123 4567", "label": "mobile"}],
            "emails": [{"address": "Ali@Example.com"}], "birth_date": "1990-03-21", "custom": {"tier": "gold", "score": 42}}))
        .await;
    assert_eq!(status, 201, "{ali}");
    assert_eq!(ali["first_name"], "علی");
    assert_eq!(ali["phones"][0]["number"], "+989121234567");
    assert_eq!(ali["phones"][0]["label"], "mobile");
    assert_eq!(ali["emails"][0]["address"], "ali@example.com");
    assert_eq!(ali["birth_date"], "1990-03-21");
    assert_eq!(ali["custom"]["tier"], "gold");
    let id = ali["id"].as_str().unwrap().to_owned();

    // Bad input: every field named, nothing stored.
    let (status, err) = api
        .send(Method::POST, "/contacts", json!({"phones": [{"number": "abc"}], "emails": [{"address": "x@"}], "birth_date": "1404-13-01", "national_id": "1234567890", "custom": {"tier": "platinum", "nope": 1}}))
        .await;
    assert_eq!(status, 422);
    let fields: Vec<String> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    for f in [
        "last_name",
        "phones[0]",
        "emails[0]",
        "birth_date",
        "national_id",
        "custom.tier",
        "custom.nope",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let (_, list) = api.get("/contacts").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    // Duplicates: the same phone written another way is caught; confirming creates it.
    let (status, dup) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "دیگری", "phones": [{"number": "+98 912 123 4567"}]}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(dup["error"]["code"], "duplicate");
    assert_eq!(dup["error"]["duplicates"][0]["id"], id);
    let (status, _) = api
        .send(
            Method::POST,
            "/contacts?allow_duplicate=true",
            json!({"last_name": "دیگری", "phones": [{"number": "+98 912 123 4567"}]}),
        )
        .await;
    assert_eq!(status, 201);

    // Update with PATCH: only the fields sent change; custom values merge.
    let (status, changed) = api
        .send(
            Method::PATCH,
            &format!("/contacts/{id}"),
            json!({"job_title": "مدیر خرید", "custom": {"score": 50}}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["custom"]["tier"], "gold");
    assert_eq!(changed["custom"]["score"], 50);
    assert_eq!(changed["phones"][0]["number"], "+989121234567");

    for i in 0..5 {
        let tier = if i % 2 == 0 { "gold" } else { "silver" };
        let (s, _) = api.send(Method::POST, "/contacts", json!({"last_name": format!("مشتری {i}"), "custom": {"tier": tier, "score": i * 10}})).await;
        assert_eq!(s, 201);
    }
    // Filter on a custom field, sort on another, page with a cursor.
    let mut seen = vec![];
    let mut cursor = String::new();
    loop {
        let (status, page) = api
            .get(&format!(
                "/contacts?filter[custom.tier][eq]=gold&sort=-custom.score&limit=2&cursor={cursor}"
            ))
            .await;
        assert_eq!(status, 200, "{page}");
        for c in page["data"].as_array().unwrap() {
            seen.push(c["custom"]["score"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec![50, 40, 20, 0],
        "gold contacts by score, descending"
    );
    let (status, err) = api.get("/contacts?filter[password_hash][eq]=x").await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "filter.unknown_field");

    // Search: Arabic letters find Persian ones; any phone format finds the number.
    let (_, found) = api.get("/contacts?q=%D8%B9%D9%84%D9%8A").await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1, "علي finds علی");
    let (_, found) = api.get("/contacts?q=09121234567").await;
    assert_eq!(found["data"].as_array().unwrap().len(), 2);

    // Soft delete and restore.
    let (status, _) = api
        .send(Method::DELETE, &format!("/contacts/{id}"), json!({}))
        .await;
    assert_eq!(status, 204);
    let (_, found) = api.get("/contacts?q=%D8%B9%D9%84%DB%8C").await;
    assert_eq!(found["data"].as_array().unwrap().len(), 0);
    let (_, bin) = api.get("/contacts?deleted=true").await;
    assert_eq!(bin["data"][0]["id"], id);
    let (status, back) = api
        .send(Method::POST, &format!("/contacts/{id}/restore"), json!({}))
        .await;
    assert_eq!(status, 200);
    assert!(back["deleted_at"].is_null());

    // Every change is audited with old and new values.
    let (_, log) = api
        .get(&format!("/audit-log?record_type=contact&record_id={id}"))
        .await;
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["restore", "delete", "update", "create"]);
    assert_eq!(
        log["data"][2]["changes"]["job_title"],
        json!(["", "مدیر خرید"])
    );
}
both!(contacts_api, contacts_round_trip);

async fn sales_users_see_their_scope(app: TestApp) {
    let (_, admin_key) = app.user_with_key("root@example.com", "admin").await;
    let (sara, sara_key) = app.user_with_key("sara@example.com", "sales").await;
    let (reza, reza_key) = app.user_with_key("reza@example.com", "sales").await;
    let (_, nima_key) = app.user_with_key("nima@example.com", "sales").await;
    let admin = app.api(&admin_key);
    // Sara and Reza share a team; Nima does not.
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
    let (s, mine) = app
        .api(&sara_key)
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "مشتری سارا"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .api(&nima_key)
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "مشتری نیما"}),
        )
        .await;
    assert_eq!(s, 201);
    // Sales may not create a record for someone outside their scope.
    let (s, err) = app
        .api(&sara_key)
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "x", "owner_id": reza}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "owner.not_allowed");

    let names = |v: &serde_json::Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["last_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, l) = app.api(&reza_key).get("/contacts").await;
    assert_eq!(
        names(&l),
        vec!["مشتری سارا"],
        "team scope: Reza reads Sara's, not Nima's"
    );
    let (_, l) = app.api(&nima_key).get("/contacts").await;
    assert_eq!(names(&l), vec!["مشتری نیما"]);
    let (_, l) = admin.get("/contacts").await;
    assert_eq!(l["data"].as_array().unwrap().len(), 2);
    // Reza reads Sara's contact but may not change or delete it (own scope for updates).
    let id = mine["id"].as_str().unwrap();
    assert_eq!(
        app.api(&reza_key).get(&format!("/contacts/{id}")).await.0,
        200
    );
    assert_eq!(
        app.api(&reza_key)
            .send(
                Method::PATCH,
                &format!("/contacts/{id}"),
                json!({"city": "x"})
            )
            .await
            .0,
        403
    );
    assert_eq!(
        app.api(&reza_key)
            .send(Method::DELETE, &format!("/contacts/{id}"), json!({}))
            .await
            .0,
        403
    );
    // Nima cannot even see it: not found, not forbidden, so its existence does not leak.
    assert_eq!(
        app.api(&nima_key).get(&format!("/contacts/{id}")).await.0,
        404
    );
    // Search respects the scope too.
    let (_, l) = app
        .api(&nima_key)
        .get("/contacts?q=%D8%B3%D8%A7%D8%B1%D8%A7")
        .await;
    assert!(l["data"].as_array().unwrap().is_empty());
}
both!(contact_scope, sales_users_see_their_scope);

async fn companies_and_their_people(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (status, err) = api.send(Method::POST, "/companies", json!({"name": " ", "national_id": "10101010101", "website": "not a site", "employees": -3})).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in ["name", "national_id", "website", "employees"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let (status, acme) = api
        .send(Method::POST, "/companies", json!({"name": "شركت  پیوند گستر", "phones": [{"number": "021 8888 7777", "label": "office"}], "website": "peyvand.example", "economic_code": "۴۱۱۱۱۱۱۱۱۱۱۱", "tags": ["عمده", "عمده"]}))
        .await;
    assert_eq!(status, 201, "{acme}");
    assert_eq!(
        acme["name"], "شرکت پیوند گستر",
        "Arabic kaf and double spaces tidied"
    );
    assert_eq!(acme["phones"][0]["number"], "+982188887777");
    assert_eq!(acme["website"], "https://peyvand.example");
    assert_eq!(acme["economic_code"], "411111111111");
    assert_eq!(acme["tags"], json!(["عمده"]));
    // The same name again is a likely duplicate; a longer name is not.
    let (status, dup) = api
        .send(
            Method::POST,
            "/companies",
            json!({"name": "شرکت پیوند گستر"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(dup["error"]["duplicates"][0]["matched_on"], "name");
    let (status, _) = api
        .send(
            Method::POST,
            "/companies",
            json!({"name": "شرکت پیوند گستر شرق"}),
        )
        .await;
    assert_eq!(status, 201);
    let company_id = acme["id"].as_str().unwrap();
    let (status, person) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "کریمی", "company_id": company_id}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(person["company_id"], company_id);
    let (_, found) = api.get("/contacts?q=%D9%BE%DB%8C%D9%88%D9%86%D8%AF").await;
    assert_eq!(
        found["data"].as_array().unwrap().len(),
        1,
        "a contact is found by its company's name"
    );
    let (status, err) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "x", "company_id": "0191f5a0-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "company.not_found");
    let (status, unlinked) = api
        .send(
            Method::PATCH,
            &format!("/contacts/{}", person["id"].as_str().unwrap()),
            json!({"company_id": null}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(unlinked["company_id"].is_null());
    let (_, list) = api.get("/companies?sort=name").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
}
both!(companies_api, companies_and_their_people);

async fn merging_duplicates_loses_nothing(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (_, keep) = api.send(Method::POST, "/contacts", json!({"first_name": "حسین", "last_name": "عباسی", "phones": [{"number": "09120001111"}], "tags": ["قدیمی"]})).await;
    let (s, other) = api
        .send(Method::POST, "/contacts?allow_duplicate=true", json!({"first_name": "حسین", "last_name": "عباسی", "phones": [{"number": "+989120001111"}, {"number": "09350002222"}],
            "emails": [{"address": "h.abbasi@example.com"}], "city": "شیراز", "tags": ["جدید"]}))
        .await;
    assert_eq!(s, 201);
    let (keep_id, other_id) = (
        keep["id"].as_str().unwrap().to_owned(),
        other["id"].as_str().unwrap().to_owned(),
    );
    let (s, _) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "call", "subject": "تماس اول", "contact_id": other_id}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, deal) = api
        .send(
            Method::POST,
            "/deals",
            json!({"title": "فروش", "contact_id": other_id}),
        )
        .await;
    assert_eq!(s, 201, "{deal}");
    // A similar name with no shared phone or email (typed with an Arabic yeh and a trailing
    // space) is listed too; a different person with the same last name is not.
    let (_, similar) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "حسين", "last_name": "عباسی ", "emails": [{"address": "other@example.com"}]}),
        )
        .await;
    let (_, stranger) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "مریم", "last_name": "عباسی", "emails": [{"address": "m@example.com"}]}),
        )
        .await;
    let (_, dups) = api.get(&format!("/contacts/{keep_id}/duplicates")).await;
    assert_eq!(dups["data"][0]["id"], other_id.as_str());
    let listed: Vec<&str> = dups["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&similar["id"].as_str().unwrap()), "{dups}");
    assert!(
        !listed.contains(&stranger["id"].as_str().unwrap()),
        "{dups}"
    );
    let (s, err) = api
        .send(
            Method::POST,
            &format!("/contacts/{keep_id}/merge"),
            json!({"other_id": keep_id}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "merge.same_record");
    let (s, merged) = api
        .send(
            Method::POST,
            &format!("/contacts/{keep_id}/merge"),
            json!({"other_id": other_id}),
        )
        .await;
    assert_eq!(s, 200, "{merged}");
    assert_eq!(merged["phones"].as_array().unwrap().len(), 2);
    assert_eq!(merged["emails"][0]["address"], "h.abbasi@example.com");
    assert_eq!(merged["city"], "شیراز");
    assert_eq!(merged["tags"], json!(["قدیمی", "جدید"]));
    let (_, moved) = api
        .get(&format!("/deals/{}", deal["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        moved["contact_id"],
        keep_id.as_str(),
        "the deal follows the merge"
    );
    let (_, acts) = api
        .get(&format!("/activities?filter[contact_id][eq]={keep_id}"))
        .await;
    assert_eq!(
        acts["data"].as_array().unwrap().len(),
        1,
        "the call follows the merge"
    );
    let (_, gone) = api.get(&format!("/contacts/{other_id}")).await;
    assert!(
        gone["deleted_at"].is_string(),
        "the duplicate is in the recycle bin, not erased"
    );
    let (_, found) = api.get("/contacts?q=09350002222").await;
    assert_eq!(
        found["data"][0]["id"],
        keep_id.as_str(),
        "found by the merged phone"
    );
}
both!(contact_merge, merging_duplicates_loses_nothing);

async fn company_scope(app: TestApp) {
    let (_, admin_key) = app.user_with_key("root@example.com", "admin").await;
    let (_, sara_key) = app.user_with_key("sara@example.com", "sales").await;
    let (_, nima_key) = app.user_with_key("nima@example.com", "sales").await;
    let (s, c) = app
        .api(&sara_key)
        .send(Method::POST, "/companies", json!({"name": "شرکت سارا"}))
        .await;
    assert_eq!(s, 201);
    let id = c["id"].as_str().unwrap();
    let (_, l) = app.api(&nima_key).get("/companies").await;
    assert!(
        l["data"].as_array().unwrap().is_empty(),
        "outside the scope: not listed"
    );
    assert_eq!(
        app.api(&nima_key).get(&format!("/companies/{id}")).await.0,
        404
    );
    assert_eq!(
        app.api(&nima_key)
            .send(
                Method::PATCH,
                &format!("/companies/{id}"),
                json!({"city": "x"})
            )
            .await
            .0,
        404
    );
    let (_, l) = app
        .api(&nima_key)
        .get("/companies?q=%D8%B3%D8%A7%D8%B1%D8%A7")
        .await;
    assert!(
        l["data"].as_array().unwrap().is_empty(),
        "search respects the scope"
    );
    let (_, l) = app.api(&admin_key).get("/companies").await;
    assert_eq!(l["data"].as_array().unwrap().len(), 1);
}
both!(companies_scope, company_scope);
