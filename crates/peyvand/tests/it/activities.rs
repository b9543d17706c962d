//! Activities, «my day», referrals and reassignment through the API, on both backends; and one
//! browser journey in Persian.

use chrono::{DateTime, Duration, Utc};
use peyvand_domain::schedule;
use peyvand_store::{DealRecord, Json, LeadRecord, PipelineRecord, StageRecord, Store};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both;
use crate::harness::*;

async fn actor(store: &Store, id: Uuid) -> peyvand_domain::access::Actor {
    let user = store.user_by_id(id).await.unwrap().unwrap();
    peyvand_services::auth::actor_for(store, &user)
        .await
        .unwrap()
}

fn field_names(err: &Value) -> Vec<String> {
    err["error"]["fields"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

fn subjects(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["subject"].as_str().unwrap().to_owned())
        .collect()
}

async fn lead(store: &Store, owner: Uuid) -> Uuid {
    let now = Utc::now();
    let l = LeadRecord {
        id: Uuid::now_v7(),
        title: "سرنخ نمایشگاه".into(),
        first_name: String::new(),
        last_name: "کریمی".into(),
        company_name: String::new(),
        phone: None,
        email: None,
        source: "exhibition".into(),
        channel: String::new(),
        campaign: String::new(),
        utm_source: String::new(),
        utm_medium: String::new(),
        utm_campaign: String::new(),
        utm_term: String::new(),
        utm_content: String::new(),
        first_contact_at: None,
        contact_count: 0,
        status: "new".into(),
        disqualify_reason: String::new(),
        converted_at: None,
        converted_contact_id: None,
        converted_company_id: None,
        converted_deal_id: None,
        owner_id: owner,
        custom: Json(Default::default()),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let mut tx = store.begin().await.unwrap();
    store.insert_lead(&mut tx, &l, "").await.unwrap();
    tx.commit().await.unwrap();
    l.id
}

/// A pipeline with one open stage; returns the stage.
async fn stage(store: &Store, name: &str) -> StageRecord {
    let now = Utc::now();
    let p = PipelineRecord {
        id: Uuid::now_v7(),
        name: format!("فروش {name}"),
        name_key: None,
        is_default: false,
        position: 0,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let s = StageRecord {
        id: Uuid::now_v7(),
        pipeline_id: p.id,
        name: name.into(),
        name_key: None,
        position: 1,
        probability: 30,
        kind: "open".into(),
        deleted_at: None,
    };
    let mut tx = store.begin().await.unwrap();
    store.insert_pipeline(&mut tx, &p).await.unwrap();
    store.insert_stage(&mut tx, &s).await.unwrap();
    tx.commit().await.unwrap();
    s
}

async fn deal(store: &Store, s: &StageRecord, owner: Uuid, title: &str, closed: bool) -> Uuid {
    let now = Utc::now();
    let d = DealRecord {
        id: Uuid::now_v7(),
        title: title.into(),
        pipeline_id: s.pipeline_id,
        stage_id: s.id,
        amount_minor: 50_000_000,
        currency: "IRR".into(),
        expected_close_date: None,
        contact_id: None,
        company_id: None,
        lead_id: None,
        lost_reason: String::new(),
        closed_at: closed.then_some(now),
        stage_changed_at: now,
        owner_id: owner,
        custom: Json(Default::default()),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let mut tx = store.begin().await.unwrap();
    store.insert_deal(&mut tx, &d, "").await.unwrap();
    tx.commit().await.unwrap();
    d.id
}

async fn team_of(admin: &Api, name: &str, members: &[Uuid]) -> String {
    let (s, team) = admin
        .send(Method::POST, "/teams", json!({ "name": name }))
        .await;
    assert_eq!(s, 201, "{team}");
    for u in members {
        let (s, _) = admin
            .send(
                Method::PATCH,
                &format!("/users/{u}"),
                json!({"team_ids": [team["id"]]}),
            )
            .await;
        assert_eq!(s, 200);
    }
    team["id"].as_str().unwrap().to_owned()
}

async fn activities_round_trip(app: TestApp) {
    let (admin_id, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (s, contact) = api
        .send(Method::POST, "/contacts", json!({"last_name": "رضایی"}))
        .await;
    assert_eq!(s, 201);
    let contact_id = contact["id"].as_str().unwrap().to_owned();
    let lead_id = lead(&app.store, admin_id).await;

    // Bad input: each problem named by its field, nothing stored.
    let (s, err) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "fax", "contact_id": Uuid::now_v7(), "due_at": "tomorrow"}),
        )
        .await;
    assert_eq!(s, 422, "{err}");
    let fields = field_names(&err);
    for f in ["kind", "subject", "contact_id", "due_at"] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let (s, err) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "meeting", "subject": "جلسهٔ معرفی", "outcome": "connected"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "outcome");
    assert_eq!(
        err["error"]["fields"][0]["code"],
        "activity.outcome_calls_only"
    );
    let (s, err) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "call", "subject": "x", "lead_id": Uuid::now_v7(), "deal_id": Uuid::now_v7()}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["lead_id", "deal_id"]);
    assert_eq!(err["error"]["fields"][0]["code"], "link.not_found");
    let (_, list) = api.get("/activities?filter[done_at][empty]=").await;
    assert!(list["data"].as_array().unwrap().is_empty());

    // A follow-up call, linked to the contact and the lead.
    let due = "2026-12-01T09:30:00+03:30";
    let (s, call) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "call", "subject": "پیگیری پیش‌فاکتور", "due_at": due, "remind_at": "2026-12-01T09:00:00+03:30",
                   "contact_id": contact_id, "lead_id": lead_id}),
        )
        .await;
    assert_eq!(s, 201, "{call}");
    assert_eq!(call["due_at"], "2026-12-01T06:00:00Z", "stored in UTC");
    assert_eq!(call["owner_id"], admin_id.to_string());
    assert!(call["done_at"].is_null());
    let id = call["id"].as_str().unwrap().to_owned();
    let stored = app.store.lead(lead_id).await.unwrap().unwrap();
    assert_eq!(stored.contact_count, 0, "a planned call is not a contact");

    // Complete it with an outcome: done, and the lead counts one contact.
    let (s, done) = api
        .send(
            Method::POST,
            &format!("/activities/{id}/complete"),
            json!({"outcome": "connected"}),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert!(done["done_at"].is_string());
    assert_eq!(done["outcome"], "connected");
    let stored = app.store.lead(lead_id).await.unwrap().unwrap();
    assert_eq!(stored.contact_count, 1);
    let first = stored.first_contact_at.expect("first contact time");
    let (s, open) = api
        .send(Method::POST, &format!("/activities/{id}/reopen"), json!({}))
        .await;
    assert_eq!(s, 200);
    assert!(open["done_at"].is_null());

    // Logging a call that already happened counts at once; the first contact time stays.
    let (s, _) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "call", "subject": "تماس ورودی", "done": true, "outcome": "connected", "lead_id": lead_id}),
        )
        .await;
    assert_eq!(s, 201);
    let stored = app.store.lead(lead_id).await.unwrap().unwrap();
    assert_eq!(stored.contact_count, 2);
    assert_eq!(stored.first_contact_at, Some(first));

    // PATCH changes only what is sent; filters find open calls of the contact.
    let (s, changed) = api
        .send(
            Method::PATCH,
            &format!("/activities/{id}"),
            json!({"notes": "قیمت جدید را بفرستید", "due_at": "2026-12-02T10:00:00Z"}),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["subject"], "پیگیری پیش‌فاکتور");
    assert_eq!(changed["due_at"], "2026-12-02T10:00:00Z");
    let (s, found) = api
        .get(&format!(
            "/activities?filter[contact_id][eq]={contact_id}&filter[done_at][empty]=&sort=due_at"
        ))
        .await;
    assert_eq!(s, 200, "{found}");
    assert_eq!(subjects(&found["data"]), vec!["پیگیری پیش‌فاکتور"]);
    let (s, err) = api.get("/activities?q=x").await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "search.unsupported");

    // The contact's timeline.
    let t = peyvand_services::sales::activities::timeline(
        &app.store,
        &actor(&app.store, admin_id).await,
        peyvand_store::RecordLink::Contact,
        contact_id.parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(t.activities.len(), 1);

    // Delete, and every step is in the audit log.
    let (s, _) = api
        .send(Method::DELETE, &format!("/activities/{id}"), json!({}))
        .await;
    assert_eq!(s, 204);
    let (_, log) = api
        .get(&format!("/audit-log?record_type=activity&record_id={id}"))
        .await;
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["delete", "update", "reopen", "complete", "create"]
    );
}
both!(activities_api, activities_round_trip);

async fn post(api: &Api, body: Value) -> String {
    let (s, a) = api.send(Method::POST, "/activities", body).await;
    assert_eq!(s, 201, "{a}");
    a["id"].as_str().unwrap().to_owned()
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

async fn my_day_buckets(app: TestApp) {
    let (sara, key) = app.user_with_key("sara@example.com", "sales").await;
    let api = app.api(&key);
    let tehran = peyvand_domain::prefs::UserPrefs::default().time_zone;
    let today = schedule::today_in(Utc::now(), tehran);
    let (start, end) = schedule::day_bounds(today, tehran);
    let minute = Duration::minutes(1);
    // Around midnight in Tehran (20:30 UTC): one minute either side lands on another day.
    post(
        &api,
        json!({"kind": "call", "subject": "دیروز ۲۳:۵۹", "due_at": at(start - minute)}),
    )
    .await;
    post(
        &api,
        json!({"kind": "task", "subject": "امروز ۰۰:۰۱", "due_at": at(start + minute)}),
    )
    .await;
    post(
        &api,
        json!({"kind": "call", "subject": "امروز ۲۳:۵۹", "due_at": at(end - minute)}),
    )
    .await;
    post(
        &api,
        json!({"kind": "task", "subject": "فردا ۰۰:۰۱", "due_at": at(end + minute)}),
    )
    .await;
    post(
        &api,
        json!({"kind": "meeting", "subject": "جلسهٔ فردا", "due_at": at(end + minute)}),
    )
    .await;
    post(&api, json!({"kind": "meeting", "subject": "جلسهٔ ده روز بعد", "due_at": at(end + Duration::days(10))})).await;
    post(&api, json!({"kind": "call", "subject": "انجام‌شده", "done": true, "due_at": at(start - Duration::days(2))})).await;
    // A form-style date in the user's calendar and time zone.
    let jalali = peyvand_domain::calendar::format_date(
        today,
        peyvand_domain::calendar::CalendarKind::Jalali,
        peyvand_domain::prefs::Language::Fa,
        peyvand_domain::prefs::DigitStyle::Persian,
        peyvand_domain::calendar::DateStyle::Numeric,
    );
    let (s, err) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "task", "subject": "بد", "due_date": today.to_string(), "due_time": "۲۵:۰۰"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["due_time"]);
    // The API reads ISO dates: a Jalali one is named as such, not read as the year 1405 AD.
    let (s, err) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "task", "subject": "بد", "due_date": jalali, "due_time": "۰۹:۰۰"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["due_date"]);
    assert_eq!(
        err["error"]["fields"][0]["code"], "date.looks_jalali",
        "{err}"
    );
    // A time without its date is refused by name, not silently dropped.
    let (s, err) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "task", "subject": "فقط ساعت", "due_date": "", "due_time": "10:30",
                   "remind_time": "10:00"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["due_date", "remind_date"]);

    let s1 = stage(&app.store, "مذاکره").await;
    deal(&app.store, &s1, sara, "قرارداد پخش", false).await;
    deal(&app.store, &s1, sara, "قرارداد بسته", true).await;

    let (s, day) = api.get("/my-day").await;
    assert_eq!(s, 200, "{day}");
    assert_eq!(subjects(&day["overdue"]), vec!["دیروز ۲۳:۵۹"]);
    assert_eq!(subjects(&day["today"]), vec!["امروز ۰۰:۰۱", "امروز ۲۳:۵۹"]);
    assert_eq!(subjects(&day["upcoming_meetings"]), vec!["جلسهٔ فردا"]);
    assert_eq!(day["day_start"], json!(start));
    let stages = day["deals_by_stage"].as_array().unwrap();
    assert_eq!(stages.len(), 1);
    assert_eq!(stages[0]["stage_name"], "مذاکره");
    assert_eq!(stages[0]["deals"][0]["title"], "قرارداد پخش");
    assert_eq!(stages[0]["deals"].as_array().unwrap().len(), 1);

    // The same instants seen by a UTC user at 00:02 Tehran (20:32 UTC the evening before):
    // 23:59 and 00:01 Tehran are both that UTC day's evening; nothing is overdue.
    let utc_day = peyvand_services::sales::my_day::my_day(
        &app.store,
        &actor(&app.store, sara).await,
        sara,
        start + Duration::minutes(2),
        peyvand_domain::prefs::parse_time_zone("UTC").unwrap(),
    )
    .await
    .unwrap();
    let today_utc: Vec<&str> = utc_day.today.iter().map(|a| a.subject.as_str()).collect();
    assert_eq!(today_utc, vec!["دیروز ۲۳:۵۹", "امروز ۰۰:۰۱"]);
    assert!(utc_day.overdue.is_empty());
}
both!(my_day, my_day_buckets);

async fn my_day_and_activities_respect_scope(app: TestApp) {
    let (_, admin_key) = app.user_with_key("root@example.com", "admin").await;
    let (sara, sara_key) = app.user_with_key("sara@example.com", "sales").await;
    let (reza, reza_key) = app.user_with_key("reza@example.com", "sales").await;
    let (_, nima_key) = app.user_with_key("nima@example.com", "sales").await;
    let (mina, mina_key) = app.user_with_key("mina@example.com", "manager").await;
    let admin = app.api(&admin_key);
    team_of(&admin, "فروش تهران", &[sara, reza, mina]).await;
    let sara_api = app.api(&sara_key);
    let id = post(
        &sara_api,
        json!({"kind": "task", "subject": "ارسال کاتالوگ", "due_at": at(Utc::now())}),
    )
    .await;

    // A salesperson sees only their own day, even a teammate's is refused.
    assert_eq!(
        app.api(&reza_key)
            .get(&format!("/my-day?user={sara}"))
            .await
            .0,
        403
    );
    let (s, day) = app
        .api(&mina_key)
        .get(&format!("/my-day?user={sara}"))
        .await;
    assert_eq!(s, 200, "a manager opens a team member's day");
    assert_eq!(subjects(&day["today"]), vec!["ارسال کاتالوگ"]);
    assert_eq!(app.api(&mina_key).get("/my-day?user=nope").await.0, 422);

    // A stranger does not even learn the activity exists; a teammate reads but cannot change.
    assert_eq!(
        app.api(&nima_key).get(&format!("/activities/{id}")).await.0,
        404
    );
    assert_eq!(
        app.api(&reza_key).get(&format!("/activities/{id}")).await.0,
        200
    );
    assert_eq!(
        app.api(&reza_key)
            .send(
                Method::POST,
                &format!("/activities/{id}/complete"),
                json!({})
            )
            .await
            .0,
        403
    );
    // A salesperson may not assign work to someone else; a manager may.
    let (s, err) = sara_api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "task", "subject": "x", "owner_id": reza}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "owner.not_allowed");
    let (s, a) = app
        .api(&mina_key)
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "meeting", "subject": "جلسه با مشتری", "owner_id": reza}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(a["owner_id"], reza.to_string());
    let (_, mine) = app.api(&nima_key).get("/activities").await;
    assert!(mine["data"].as_array().unwrap().is_empty());

    // The pages: the list filtered to this week in the user's calendar, the activity, my day.
    let c = app.login("sara@example.com", ADMIN_PASSWORD).await;
    for (path, needle) in [
        (
            "/activities?scope=mine&state=open&due=week",
            "ارسال کاتالوگ",
        ),
        (
            "/activities?scope=team&kind=meeting&state=open",
            "جلسه با مشتری",
        ),
        (&format!("/activities/{id}") as &str, "refer-form"),
        ("/my-day", "ارسال کاتالوگ"),
    ] {
        let res = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.text().await.unwrap().contains(needle),
            "{needle} on {path}"
        );
    }
    let res = c
        .get(app.url("/activities?state=done"))
        .send()
        .await
        .unwrap();
    assert!(!res.text().await.unwrap().contains("ارسال کاتالوگ"));
    // Completing from «my day» comes back to it.
    let csrf = app.csrf(&c, "/my-day").await;
    let res = c
        .post(app.url(&format!("/activities/{id}/complete")))
        .form(&[("_csrf", csrf.as_str()), ("next", "/my-day")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/my-day");
    // A bad form names the field, in the user's language.
    let res = c
        .post(app.url("/activities"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("kind", "task"),
            ("subject", ""),
            ("due_date", "2026-13-40"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("subject-error") && html.contains("due_date-error"));

    // Signed out: nothing.
    for path in ["/api/v1/activities", "/api/v1/my-day", "/api/v1/referrals"] {
        let res = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
    }
    for path in ["/my-day", "/activities", "/activities/new"] {
        let res = app.client().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
    }
}
both!(activity_scope, my_day_and_activities_respect_scope);

async fn referrals_hand_off_and_keep_a_trail(app: TestApp) {
    let (_, admin_key) = app.user_with_key("root@example.com", "admin").await;
    let (sara, sara_key) = app.user_with_key("sara@example.com", "sales").await;
    let (reza, reza_key) = app.user_with_key("reza@example.com", "sales").await;
    let (ali, ali_key) = app.user_with_key("ali@example.com", "support").await;
    let (omid, _) = app.user_with_key("omid@example.com", "support").await;
    let admin = app.api(&admin_key);
    let id = post(
        &app.api(&sara_key),
        json!({"kind": "call", "subject": "تماس با مشتری ناراضی"}),
    )
    .await;

    // Sara → Reza → Ali, each with a comment.
    let (s, r) = app
        .api(&sara_key)
        .send(
            Method::POST,
            "/referrals",
            json!({"record_type": "activity", "record_id": id, "to_user_id": reza, "comment": "مشتری منطقهٔ شماست"}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        admin.get(&format!("/activities/{id}")).await.1["owner_id"],
        reza.to_string()
    );
    // Sara no longer owns it and may not refer it again.
    let (s, _) = app
        .api(&sara_key)
        .send(
            Method::POST,
            "/referrals",
            json!({"record_type": "activity", "record_id": id, "to_user_id": sara}),
        )
        .await;
    assert!(s == 403 || s == 404, "{s}");
    let (s, err) = app
        .api(&reza_key)
        .send(
            Method::POST,
            "/referrals",
            json!({"record_type": "activity", "record_id": id, "to_user_id": reza}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "referral.same_owner");
    let (s, _) = app
        .api(&reza_key)
        .send(
            Method::POST,
            "/referrals",
            json!({"record_type": "activity", "record_id": id, "to_user_id": ali, "comment": "نیاز به پشتیبانی فنی"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, trail) = app
        .api(&ali_key)
        .get(&format!("/referrals?record_type=activity&record_id={id}"))
        .await;
    assert_eq!(s, 200, "{trail}");
    let hops: Vec<(String, String, String)> = trail["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["from_user_id"].as_str().unwrap().to_owned(),
                r["to_user_id"].as_str().unwrap().to_owned(),
                r["comment"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        hops,
        vec![
            (
                sara.to_string(),
                reza.to_string(),
                "مشتری منطقهٔ شماست".to_owned()
            ),
            (
                reza.to_string(),
                ali.to_string(),
                "نیاز به پشتیبانی فنی".to_owned()
            ),
        ]
    );

    // To a team: the member with the fewest open activities gets it.
    let team = team_of(&admin, "پشتیبانی", &[ali, omid]).await;
    let (s, r) = admin
        .send(
            Method::POST,
            "/referrals",
            json!({"record_type": "activity", "record_id": id, "to_team_id": team, "comment": "هر کس آزاد است"}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["to_user_id"], omid.to_string(), "Ali already holds it");
    assert_eq!(r["to_team_id"], team);
    let (s, err) = admin
        .send(
            Method::POST,
            "/referrals",
            json!({"record_type": "invoice", "record_id": id, "to_user_id": ali}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["record_type"]);

    // A contact can be referred too; each hand-off is audited.
    let (_, c) = app
        .api(&sara_key)
        .send(Method::POST, "/contacts", json!({"last_name": "صادقی"}))
        .await;
    let cid = c["id"].as_str().unwrap();
    let (s, _) = app
        .api(&sara_key)
        .send(
            Method::POST,
            "/referrals",
            json!({"record_type": "contact", "record_id": cid, "to_user_id": reza}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(
        admin.get(&format!("/contacts/{cid}")).await.1["owner_id"],
        reza.to_string()
    );
    let (_, log) = admin
        .get(&format!("/audit-log?record_type=activity&record_id={id}"))
        .await;
    let refers = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "refer")
        .count();
    assert_eq!(refers, 3);
}
both!(referrals, referrals_hand_off_and_keep_a_trail);

async fn reassign_moves_open_work_of_a_leaver(app: TestApp) {
    let (_, admin_key) = app.user_with_key("root@example.com", "admin").await;
    let (sara, sara_key) = app.user_with_key("sara@example.com", "sales").await;
    let (reza, reza_key) = app.user_with_key("reza@example.com", "sales").await;
    let admin = app.api(&admin_key);
    let sara_api = app.api(&sara_key);
    let (_, c) = sara_api
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "مشتری سارا"}),
        )
        .await;
    let contact: Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let open: Uuid = post(&sara_api, json!({"kind": "task", "subject": "باز"}))
        .await
        .parse()
        .unwrap();
    let done: Uuid = post(
        &sara_api,
        json!({"kind": "call", "subject": "انجام‌شده", "done": true}),
    )
    .await
    .parse()
    .unwrap();
    let s1 = stage(&app.store, "پیشنهاد").await;
    let open_deal = deal(&app.store, &s1, sara, "باز", false).await;
    let won_deal = deal(&app.store, &s1, sara, "برده", true).await;

    // Only an administrator may do it.
    let (s, _) = app
        .api(&reza_key)
        .send(
            Method::POST,
            &format!("/users/{sara}/reassign"),
            json!({"to_user_id": reza}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, err) = admin
        .send(
            Method::POST,
            &format!("/users/{sara}/reassign"),
            json!({"to_user_id": sara}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "reassign.same_user");

    let (s, moved) = admin
        .send(
            Method::POST,
            &format!("/users/{sara}/reassign"),
            json!({"to_user_id": reza}),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["moved"]["contacts"], 1);
    assert_eq!(moved["moved"]["activities"], 1);
    assert_eq!(moved["moved"]["deals"], 1);
    let st = &app.store;
    assert_eq!(st.contact(contact).await.unwrap().unwrap().owner_id, reza);
    assert_eq!(st.activity(open).await.unwrap().unwrap().owner_id, reza);
    assert_eq!(st.deal(open_deal).await.unwrap().unwrap().owner_id, reza);
    // Closed work keeps its owner of record; nothing is deleted.
    let kept = st.activity(done).await.unwrap().unwrap();
    assert_eq!(kept.owner_id, sara);
    assert!(kept.deleted_at.is_none());
    assert_eq!(st.deal(won_deal).await.unwrap().unwrap().owner_id, sara);

    // The same action from the user's settings page.
    let ui = app.login("root@example.com", ADMIN_PASSWORD).await;
    let page = app.html(&ui, &format!("/settings/users/{reza}")).await;
    assert!(page.contains("reassign-form"));
    let csrf = csrf_of(&page);
    let res = ui
        .post(app.url(&format!("/settings/users/{reza}/reassign")))
        .form(&[("_csrf", csrf.as_str()), ("to_user_id", &sara.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.contains("reassigned=3"), "{to}");
    let page = app.html(&ui, &to).await;
    assert!(page.contains("reassign-result"));
    assert_eq!(st.activity(open).await.unwrap().unwrap().owner_id, sara);

    let (_, log) = admin
        .get(&format!("/audit-log?record_type=user&record_id={sara}"))
        .await;
    let entry = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "reassign")
        .expect("reassignment audited");
    assert_eq!(entry["changes"]["moved"][1]["activities"], 1);
    assert_eq!(entry["changes"]["moved"][1]["contacts"], 1);
    assert_eq!(entry["changes"]["to_user_id"][1], reza.to_string());
}
both!(reassign_all, reassign_moves_open_work_of_a_leaver);

/// Persian UI: log a call with a Jalali due date typed in Persian digits; it is on «my day».
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_logs_a_call_with_a_jalali_date() {
    use crate::browser::{browser, fill, start_driver, wait_for};
    use fantoccini::Locator;

    let app = TestApp::spawn(Backend::Sqlite).await;
    app.setup_admin().await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    c.goto(&app.url("/login")).await.unwrap();
    fill(&c, "#email", ADMIN_EMAIL).await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#welcome").await;
    // «امروز من» is the first entry of the navigation and linked from home.
    let first = c
        .find(Locator::Css("#sidenav li a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(first.as_deref(), Some("/my-day"));
    c.find(Locator::Css("#home-my-day")).await.unwrap();

    c.goto(&app.url("/activities/new?kind=call")).await.unwrap();
    wait_for(&c, "#activity-form").await;
    let today = schedule::today_in(
        Utc::now(),
        peyvand_domain::prefs::UserPrefs::default().time_zone,
    );
    let typed = peyvand_domain::calendar::format_date(
        today,
        peyvand_domain::calendar::CalendarKind::Jalali,
        peyvand_domain::prefs::Language::Fa,
        peyvand_domain::prefs::DigitStyle::Persian,
        peyvand_domain::calendar::DateStyle::Numeric,
    );
    assert!(typed.starts_with('۱'), "{typed}");
    fill(&c, "#subject", "تماس با خانم احمدی").await;
    fill(&c, "#due_date", &typed).await;
    c.find(Locator::Css("#save-activity"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#saved").await;
    let due = c
        .find(Locator::Css("#due"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(due.starts_with(&typed), "{due} shows {typed}");

    c.goto(&app.url("/my-day")).await.unwrap();
    let today_box = wait_for(&c, "#due-today").await;
    let text = today_box.text().await.unwrap();
    assert!(text.contains("تماس با خانم احمدی"), "{text}");
    assert!(text.contains("تماس"), "kind label in Persian");
    let dir = c
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("dir")
        .await
        .unwrap();
    assert_eq!(dir.as_deref(), Some("rtl"));
    c.close().await.unwrap();
}

/// Posts the new-activity form; returns the status, the page (on errors) and where it went.
async fn post_activity(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let csrf = app.csrf(c, "/activities/new").await;
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let res = c.post(app.url(path)).form(&form).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, res.text().await.unwrap(), location)
}

/// A task created from the activities page (not from a record) is linked by typing a name,
/// phone or email in "related to": one match links it, several offer a choice, none is refused
/// by name and creates nothing, and records the user may not see are never offered. Editing
/// can remove the link.
async fn related_to_is_typed_and_picked(app: TestApp) {
    let (_, key) = app.user_in("boss@example.com", "admin", "en").await;
    let (_, sales_key) = app.user_in("sara@example.com", "sales", "en").await;
    let api = app.api(&key);
    let mine = app.api(&sales_key);
    let (_, zarin) = mine
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "Goli", "last_name": "Zarin",
            "phones": [{"number": "0912 555 1234"}]}),
        )
        .await;
    let (_, rezaei_a) = mine
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "Ali", "last_name": "Rezaei",
                   "phones": [{"number": "+98 912 777 6655"}]}),
        )
        .await;
    let (_, rezaei_b) = mine
        .send(
            Method::POST,
            "/companies",
            json!({"name": "Rezaei Trading"}),
        )
        .await;
    // The administrator's contact is not the sales user's to see.
    let (status, _) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "Hidden", "last_name": "Hamidi"}),
        )
        .await;
    assert_eq!(status, 201);
    let c = app.login("sara@example.com", ADMIN_PASSWORD).await;
    let form = app.html(&c, "/activities/new").await;
    assert!(form.contains("name=\"related\""), "{form}");
    assert!(form.contains("placeholder=\"09:30\""));
    // A Persian reader sees the time hint in Persian digits (and may type either).
    app.user_in("mina@example.com", "sales", "fa").await;
    let fa = app.login("mina@example.com", ADMIN_PASSWORD).await;
    let fa_form = app.html(&fa, "/activities/new").await;
    assert!(fa_form.contains("placeholder=\"۰۹:۳۰\""), "{fa_form}");

    // One match (typed as a phone in another spelling) links it.
    let (status, _, location) = post_activity(
        &app,
        &c,
        "/activities",
        &[
            ("kind", "call"),
            ("subject", "Follow up"),
            ("related", "۰۹۱۲۵۵۵۱۲۳۴"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, list) = mine
        .get(&format!(
            "/activities?filter[contact_id][eq]={}",
            zarin["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(1),
        "{list} {location}"
    );

    // Several matches: nothing is saved, the choices are offered, the pick links it.
    let before = mine.get("/activities").await.1["data"]
        .as_array()
        .unwrap()
        .len();
    let (status, page, _) = post_activity(
        &app,
        &c,
        "/activities",
        &[
            ("kind", "task"),
            ("subject", "Send offer"),
            ("related", "Rezaei"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Several records match"), "{page}");
    let company_choice = format!("company:{}", rezaei_b["id"].as_str().unwrap());
    assert!(page.contains(&company_choice), "{page}");
    let contact_choice = format!("contact:{}", rezaei_a["id"].as_str().unwrap());
    assert!(page.contains(&contact_choice));
    // A choice shows the phone as the lists do.
    assert!(page.contains("Ali Rezaei — 0912 777 6655"), "{page}");
    // The name that starts with what was typed comes first.
    assert!(
        page.find(&company_choice) < page.find(&contact_choice),
        "{page}"
    );
    assert!(
        page.contains("value=\"Send offer\""),
        "what was typed is kept"
    );
    assert_eq!(
        mine.get("/activities").await.1["data"]
            .as_array()
            .unwrap()
            .len(),
        before
    );
    let (status, _, _) = post_activity(
        &app,
        &c,
        "/activities",
        &[
            ("kind", "task"),
            ("subject", "Send offer"),
            ("related", "Rezaei"),
            ("related_pick", &company_choice),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, list) = mine
        .get(&format!(
            "/activities?filter[company_id][eq]={}",
            rezaei_b["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "{list}");
    let task_id = list["data"][0]["id"].as_str().unwrap().to_owned();

    // Nothing visible matches (the administrator's contact included): refused by name.
    for typed in ["Nobody Atall", "Hamidi"] {
        let (status, page, _) = post_activity(
            &app,
            &c,
            "/activities",
            &[("kind", "task"), ("subject", "Ghost"), ("related", typed)],
        )
        .await;
        assert_eq!(status, 422, "{typed}");
        assert!(page.contains("id=\"related-error\""), "{page}");
        assert!(page.contains("Nothing you can see matches"));
    }

    // Editing shows the link by name and can remove it.
    let show = app.html(&c, &format!("/activities/{task_id}")).await;
    assert!(show.contains("id=\"linked-records\""), "{show}");
    assert!(show.contains("Rezaei Trading"));
    let (status, _, _) = post_activity(
        &app,
        &c,
        &format!("/activities/{task_id}"),
        &[
            ("kind", "task"),
            ("subject", "Send offer"),
            ("owner_id", ""),
            ("unlink", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, task) = mine.get(&format!("/activities/{task_id}")).await;
    assert_eq!(task["company_id"], Value::Null, "{task}");
}
both!(related_to, related_to_is_typed_and_picked);
