//! Custom fields on activities (API, form, page, list filter) and reminder delivery as in-app
//! notifications (the sweeper, the bell, the notifications page and API), on both backends.

use chrono::{Duration, Utc};
use peyvand_services::notifications::sweep_reminders;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both;
use crate::harness::*;

fn field_names(err: &Value) -> Vec<String> {
    err["error"]["fields"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn count_activities(api: &Api) -> usize {
    let (s, list) = api
        .get("/activities?filter[done_at][empty]=&limit=200")
        .await;
    assert_eq!(s, 200, "{list}");
    list["data"].as_array().unwrap().len()
}

async fn custom_fields_round_trip(app: TestApp) {
    let web = app.setup_admin().await;
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (s, f) = api
        .send(
            Method::POST,
            "/custom-fields",
            json!({"record_type": "activity", "key": "channel", "label_fa": "کانال", "label_en": "Channel",
                   "field_type": "select", "options": [
                       {"key": "phone", "label_fa": "تلفن", "label_en": "Phone"},
                       {"key": "visit", "label_fa": "حضوری", "label_en": "Visit"}]}),
        )
        .await;
    assert_eq!(s, 201, "{f}");
    let (s, f) = api
        .send(
            Method::POST,
            "/custom-fields",
            json!({"record_type": "activity", "key": "attendees", "label_fa": "شرکت‌کنندگان", "label_en": "Attendees",
                   "field_type": "number"}),
        )
        .await;
    assert_eq!(s, 201, "{f}");

    // API: custom values are stored, read back and changed key by key.
    let (s, a) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "meeting", "subject": "جلسهٔ حضوری", "custom": {"channel": "visit", "attendees": 3}}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["custom"], json!({"channel": "visit", "attendees": 3}));
    let id = a["id"].as_str().unwrap().to_owned();
    let (_, read) = api.get(&format!("/activities/{id}")).await;
    assert_eq!(read["custom"], json!({"channel": "visit", "attendees": 3}));

    // Bad values are refused by field name, and nothing is saved.
    let before = count_activities(&api).await;
    let (s, err) = api
        .send(
            Method::POST,
            "/activities",
            json!({"kind": "task", "subject": "نباید ذخیره شود", "custom": {"channel": "fax", "nope": 1}}),
        )
        .await;
    assert_eq!(s, 422, "{err}");
    let fields = field_names(&err);
    assert!(fields.contains(&"custom.channel".to_owned()), "{fields:?}");
    assert!(fields.contains(&"custom.nope".to_owned()), "{fields:?}");
    assert_eq!(count_activities(&api).await, before);
    let (s, err) = api
        .send(
            Method::PATCH,
            &format!("/activities/{id}"),
            json!({"subject": "تغییر نکند", "custom": {"attendees": "many"}}),
        )
        .await;
    assert_eq!(s, 422, "{err}");
    assert_eq!(field_names(&err), vec!["custom.attendees"]);
    let (_, read) = api.get(&format!("/activities/{id}")).await;
    assert_eq!(read["subject"], "جلسهٔ حضوری");
    assert_eq!(read["custom"]["attendees"], 3);
    let (s, changed) = api
        .send(
            Method::PATCH,
            &format!("/activities/{id}"),
            json!({"custom": {"attendees": 5}}),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(
        changed["custom"],
        json!({"channel": "visit", "attendees": 5})
    );

    // The form shows the widgets; a bad value comes back named, nothing saved.
    let page = app.html(&web, "/activities/new").await;
    assert!(page.contains("name=\"custom.channel\""), "select widget");
    assert!(page.contains("name=\"custom.attendees\""), "number widget");
    let csrf = csrf_of(&page);
    let res = web
        .post(app.url("/activities"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("kind", "task"),
            ("subject", "فرم نادرست"),
            ("custom.channel", "fax"),
            ("custom.attendees", "۴"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("id=\"custom.channel-error\""), "error named");
    assert!(body.contains("value=\"۴\""), "typed value kept");
    let (_, all) = api.get("/activities?filter[subject][eq]=فرم نادرست").await;
    assert!(all["data"].as_array().unwrap().is_empty(), "nothing saved");

    let res = web
        .post(app.url("/activities"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("kind", "task"),
            ("subject", "تماس تلفنی از فرم"),
            ("custom.channel", "phone"),
            ("custom.attendees", "۴"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let form_id: Uuid = loc
        .trim_start_matches("/activities/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let stored = app.store.activity(form_id).await.unwrap().unwrap();
    assert_eq!(
        Value::Object(stored.custom.0.clone()),
        json!({"channel": "phone", "attendees": 4})
    );
    let show = app.html(&web, &format!("/activities/{form_id}")).await;
    assert!(show.contains("تلفن"), "the option's label on the page");

    // Editing keeps values not touched and refuses a bad one.
    let csrf = csrf_of(&show);
    let res = web
        .post(app.url(&format!("/activities/{form_id}")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("kind", "task"),
            ("subject", "تماس تلفنی از فرم"),
            ("custom.channel", "phone"),
            ("custom.attendees", "چند"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let stored = app.store.activity(form_id).await.unwrap().unwrap();
    assert_eq!(stored.custom.0["attendees"], 4);

    // Filters: the API by custom field, the list page by the field's own control.
    let (s, found) = api
        .get("/activities?filter[custom.channel][eq]=visit")
        .await;
    assert_eq!(s, 200, "{found}");
    let ids: Vec<&str> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id.as_str()]);
    let list = app
        .html(&web, "/activities?scope=team&state=all&cf.channel=phone")
        .await;
    assert!(list.contains("تماس تلفنی از فرم"));
    assert!(!list.contains("جلسهٔ حضوری"));
    assert!(list.contains("name=\"cf.channel\""));
}
both!(activity_custom_fields, custom_fields_round_trip);

async fn reminders_become_notifications(app: TestApp) {
    let (_, admin_key) = app.user_with_key("boss@example.com", "admin").await;
    let (ali, ali_key) = app.user_in("ali@example.com", "sales", "fa").await;
    let (_, sara_key) = app.user_with_key("sara@example.com", "sales").await;
    let admin = app.api(&admin_key);
    let now = Utc::now();
    let rfc = |t: chrono::DateTime<Utc>| t.to_rfc3339();

    // For Ali: a reminder missed three days ago (the server was down), one in the future, one
    // on a done activity and one on a deleted activity.
    let create = |body: Value| {
        let admin = &admin;
        async move {
            let (s, a) = admin.send(Method::POST, "/activities", body).await;
            assert_eq!(s, 201, "{a}");
            a["id"].as_str().unwrap().to_owned()
        }
    };
    let late = create(
        json!({"kind": "call", "subject": "تماس با کریمی", "owner_id": ali,
        "due_at": rfc(now + Duration::days(1)), "remind_at": rfc(now - Duration::days(3))}),
    )
    .await;
    let future = create(
        json!({"kind": "task", "subject": "ارسال پیش‌فاکتور", "owner_id": ali,
        "remind_at": rfc(now + Duration::hours(1))}),
    )
    .await;
    create(
        json!({"kind": "task", "subject": "انجام‌شده", "owner_id": ali, "done": true,
        "remind_at": rfc(now - Duration::minutes(5))}),
    )
    .await;
    let deleted = create(json!({"kind": "task", "subject": "حذف‌شده", "owner_id": ali,
        "remind_at": rfc(now - Duration::minutes(5))}))
    .await;
    let (s, _) = admin
        .send(Method::DELETE, &format!("/activities/{deleted}"), json!({}))
        .await;
    assert_eq!(s, 204);

    // One notification for the assignee, however often the sweeper runs.
    assert_eq!(sweep_reminders(&app.store, Utc::now()).await.unwrap(), 1);
    assert_eq!(sweep_reminders(&app.store, Utc::now()).await.unwrap(), 0);
    // A restart on the same database does not send it again.
    let backend = app.backend;
    let db = app.stop().await;
    let app = TestApp::spawn_on(backend, db).await;
    assert_eq!(sweep_reminders(&app.store, Utc::now()).await.unwrap(), 0);
    let admin = app.api(&admin_key);
    let ali_api = app.api(&ali_key);
    let sara = app.api(&sara_key);

    let (s, mine) = ali_api.get("/notifications").await;
    assert_eq!(s, 200, "{mine}");
    let items = mine["data"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{mine}");
    assert_eq!(mine["unread_count"], 1);
    let n = &items[0];
    assert_eq!(n["kind"], "activity_reminder");
    assert_eq!(n["record_id"], late.as_str());
    assert_eq!(n["link"], format!("/activities/{late}"));
    assert!(n["read_at"].is_null());
    // In Ali's language (Persian), the due time in the Jalali calendar and Persian digits.
    assert_eq!(n["title"], "یادآوری: تماس با کریمی");
    let body = n["body"].as_str().unwrap();
    assert!(body.contains("تماس") && body.contains("موعد"), "{body}");
    assert!(body.contains('۱'), "Persian digits in {body}");
    assert!(!body.contains("2026"), "not Gregorian: {body}");
    let nid = n["id"].as_str().unwrap().to_owned();

    // Nobody else sees or marks it.
    for other in [&sara, &admin] {
        let (s, theirs) = other.get("/notifications").await;
        assert_eq!(s, 200);
        assert!(theirs["data"].as_array().unwrap().is_empty(), "{theirs}");
        assert_eq!(theirs["unread_count"], 0);
    }
    let (s, err) = sara
        .send(
            Method::POST,
            &format!("/notifications/{nid}/read"),
            json!({}),
        )
        .await;
    assert_eq!(s, 404, "{err}");
    let (s, _) = sara
        .send(Method::POST, "/notifications/not-a-uuid/read", json!({}))
        .await;
    assert_eq!(s, 404);
    let (s, _) = sara
        .send(Method::POST, "/notifications/read-all", json!({}))
        .await;
    assert_eq!(s, 200);
    let (_, mine) = ali_api.get("/notifications?unread=true").await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 1, "still unread");

    // Bad query input is named.
    let (s, err) = ali_api.get("/notifications?limit=0").await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["limit"]);
    let (s, err) = ali_api.get("/notifications?unread=maybe").await;
    assert_eq!(s, 422);
    assert_eq!(field_names(&err), vec!["unread"]);

    // Ali marks it read.
    let (s, read) = ali_api
        .send(
            Method::POST,
            &format!("/notifications/{nid}/read"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{read}");
    assert!(read["read_at"].is_string());
    let (_, mine) = ali_api.get("/notifications").await;
    assert_eq!(mine["unread_count"], 0);
    let (_, unread) = ali_api.get("/notifications?unread=1").await;
    assert!(unread["data"].as_array().unwrap().is_empty());

    // Editing other fields keeps it delivered; a new reminder time re-arms it.
    let (s, _) = admin
        .send(
            Method::PATCH,
            &format!("/activities/{late}"),
            json!({"notes": "شماره جدید"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(sweep_reminders(&app.store, Utc::now()).await.unwrap(), 0);
    let (s, _) = admin
        .send(
            Method::PATCH,
            &format!("/activities/{late}"),
            json!({"remind_at": rfc(Utc::now() - Duration::minutes(1))}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(sweep_reminders(&app.store, Utc::now()).await.unwrap(), 1);
    // Moving the due time re-arms it too.
    let (s, _) = admin
        .send(
            Method::PATCH,
            &format!("/activities/{late}"),
            json!({"due_at": rfc(Utc::now() + Duration::days(2))}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(sweep_reminders(&app.store, Utc::now()).await.unwrap(), 1);

    // Completing the future one cancels its reminder; deleting would too (above).
    let (s, _) = admin
        .send(
            Method::POST,
            &format!("/activities/{future}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let later = Utc::now() + Duration::hours(2);
    assert_eq!(sweep_reminders(&app.store, later).await.unwrap(), 0);
    let (_, mine) = ali_api.get("/notifications").await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 3);
    assert_eq!(mine["unread_count"], 2);
    let (_, theirs) = sara.get("/notifications").await;
    assert!(theirs["data"].as_array().unwrap().is_empty());

    // The web UI: the bell counts, the page lists, "mark all read" clears; others get 404.
    let web = app.login("ali@example.com", ADMIN_PASSWORD).await;
    let home = app.html(&web, "/").await;
    assert!(home.contains("id=\"bell\""));
    assert!(
        home.contains("id=\"unread-count\" aria-hidden=\"true\">۲<"),
        "bell shows ۲"
    );
    let page = app.html(&web, "/notifications").await;
    assert!(page.contains("یادآوری: تماس با کریمی"));
    assert!(page.contains(&format!("href=\"/activities/{late}\"")));
    let activity = app.html(&web, &format!("/activities/{late}")).await;
    assert!(
        activity.contains("ارسال‌شده در"),
        "the page says the reminder went out"
    );
    let csrf = csrf_of(&page);
    let res = web
        .post(app.url("/notifications/read-all"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let home = app.html(&web, "/").await;
    assert!(
        !home.contains("id=\"unread-count\""),
        "no count once all are read"
    );
    // Without the CSRF token nothing changes.
    let res = web
        .post(app.url(&format!("/notifications/{nid}/read")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let sara_web = app.login("sara@example.com", ADMIN_PASSWORD).await;
    let csrf = app.csrf(&sara_web, "/notifications").await;
    let res = sara_web
        .post(app.url(&format!("/notifications/{nid}/read")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
both!(activity_reminders, reminders_become_notifications);
