//! The HTML UI through real HTTP: first run, sign-in, the shell, CSRF, access, preferences.

use crate::both;
use crate::harness::*;

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn first_run_creates_one_admin(app: TestApp) {
    let c = app.client();
    // A fresh installation leads every visitor to the first-run page.
    let res = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login"));
    let res = c.get(app.url("/login")).send().await.unwrap();
    assert_eq!(location(&res), "/setup");

    // Without the CSRF token nothing is created.
    let res = c
        .post(app.url("/setup"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("display_name", "x"),
            ("password", ADMIN_PASSWORD),
            ("password_confirm", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.store.count_users().await.unwrap(), 0);

    // Bad input: named fields, in Persian, nothing created.
    let csrf = app.csrf(&c, "/setup").await;
    let res = c
        .post(app.url("/setup"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "not-an-email"),
            ("display_name", ""),
            ("password", "short"),
            ("password_confirm", "short"),
            ("language", "fa"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"email-error\""), "{html}");
    assert!(html.contains("یک نشانی ایمیل معتبر وارد کنید."));
    assert!(html.contains("id=\"password-error\""));
    assert!(html.contains("id=\"display_name-error\""));
    assert_eq!(app.store.count_users().await.unwrap(), 0);
    // A mismatched repeat is reported together with the other problems, not instead of them.
    let res = c
        .post(app.url("/setup"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "admin@"),
            ("display_name", "  "),
            ("password", "short"),
            ("password_confirm", "other"),
            ("language", "fa"),
        ])
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    for id in [
        "email-error",
        "display_name-error",
        "password-error",
        "password_confirm-error",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} shown");
    }

    let admin = app.setup_admin().await;
    let home = admin.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"fa\" dir=\"rtl\">"),
        "Persian shell is RTL"
    );
    assert!(html.contains("مدیر، خوش آمدید."));
    assert!(
        html.contains("href=\"/settings\""),
        "an administrator sees the settings area"
    );
    assert!(
        html.contains("راه‌اندازی اولیه") || html.contains("ورود"),
        "recent activity lists the setup"
    );

    // The first-run page is closed once an account exists, even to a direct POST.
    let other = app.client();
    let res = other.get(app.url("/setup")).send().await.unwrap();
    assert_eq!(location(&res), "/login");
    let csrf = app.csrf(&other, "/login").await;
    let res = other
        .post(app.url("/setup"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", "intruder@example.com"),
            ("display_name", "x"),
            ("password", ADMIN_PASSWORD),
            ("password_confirm", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login");
    assert_eq!(app.store.count_users().await.unwrap(), 1);
}
both!(first_run, first_run_creates_one_admin);

async fn failed_sign_in_is_refused_and_audited(app: TestApp) {
    app.setup_admin().await;
    let c = app.client();
    let csrf = app.csrf(&c, "/login").await;
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", ADMIN_EMAIL),
            ("password", "wrong password!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("id=\"login-error\""));
    let res = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303, "still signed out");
    let log = app
        .store
        .list_audit(&peyvand_store::AuditQuery {
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "sign_in_failed" && e.actor_label == ADMIN_EMAIL)
    );
    assert!(log.iter().any(|e| e.action == "sign_in"));
    assert!(log.iter().any(|e| e.action == "setup"));

    // After five failures in a row the account is throttled, even for the right password.
    for _ in 0..4 {
        let res = c
            .post(app.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("email", ADMIN_EMAIL),
                ("password", "still wrong!"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("۱۵ دقیقه"));
    // Another account is not affected.
    app.user_with_key("other@example.com", "sales").await;
    app.login("other@example.com", ADMIN_PASSWORD).await;
}
both!(failed_sign_in, failed_sign_in_is_refused_and_audited);

/// Every route of the UI and the API, and whether it is public.
const UI_GET: &[&str] = &[
    "/",
    "/search?q=x",
    "/profile",
    "/profile/api-keys",
    "/settings",
    "/settings/users",
    "/settings/users/0191f5a0-0000-7000-8000-000000000000",
    "/settings/teams",
    "/settings/roles",
    "/settings/roles/0191f5a0-0000-7000-8000-000000000000",
    "/settings/audit",
    "/notifications",
    "/deals",
    "/deals/list",
    "/deals/list?filter[status][eq]=won",
    "/deals/new",
    "/deals/export?format=csv",
    "/deals/0191f5a0-0000-7000-8000-000000000000",
    "/settings/pipelines",
];
const UI_POST: &[&str] = &[
    "/logout",
    "/profile",
    "/profile/password",
    "/profile/api-keys",
    "/profile/api-keys/0191f5a0-0000-7000-8000-000000000000/revoke",
    "/settings/users",
    "/settings/users/0191f5a0-0000-7000-8000-000000000000",
    "/settings/teams",
    "/settings/teams/0191f5a0-0000-7000-8000-000000000000",
    "/settings/teams/0191f5a0-0000-7000-8000-000000000000/delete",
    "/settings/roles",
    "/settings/roles/0191f5a0-0000-7000-8000-000000000000",
    "/notifications/read-all",
    "/notifications/0191f5a0-0000-7000-8000-000000000000/read",
    "/deals",
    "/deals/bulk",
    "/views",
    "/deals/0191f5a0-0000-7000-8000-000000000000",
    "/deals/0191f5a0-0000-7000-8000-000000000000/move",
    "/contacts/0191f5a0-0000-7000-8000-000000000000/cell",
    "/companies/0191f5a0-0000-7000-8000-000000000000/cell",
    "/leads/0191f5a0-0000-7000-8000-000000000000/cell",
    "/deals/0191f5a0-0000-7000-8000-000000000000/cell",
];
const API: &[(&str, &str)] = &[
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/0191f5a0-0000-7000-8000-000000000000"),
    (
        "PATCH",
        "/api/v1/users/0191f5a0-0000-7000-8000-000000000000",
    ),
    ("GET", "/api/v1/teams"),
    ("POST", "/api/v1/teams"),
    ("GET", "/api/v1/roles"),
    ("GET", "/api/v1/audit-log"),
    ("GET", "/api/v1/notifications"),
    ("POST", "/api/v1/notifications/read-all"),
    (
        "POST",
        "/api/v1/notifications/0191f5a0-0000-7000-8000-000000000000/read",
    ),
];

async fn nothing_private_is_reachable_signed_out(app: TestApp) {
    app.setup_admin().await;
    let c = app.client();
    for path in UI_GET {
        let res = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "GET {path} must require sign-in");
        assert!(location(&res).starts_with("/login"), "GET {path}");
    }
    // Even with a valid CSRF token, a signed-out POST changes nothing.
    let csrf = app.csrf(&c, "/login").await;
    for path in UI_POST {
        let res = c
            .post(app.url(path))
            .form(&[("_csrf", csrf.as_str()), ("name", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "POST {path} must require sign-in");
        assert!(location(&res).starts_with("/login"), "POST {path}");
    }
    for (method, path) in API {
        let res = reqwest::Client::new()
            .request(method.parse().unwrap(), app.url(path))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{method} {path} must require a key");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated", "{method} {path}");
        // A wrong key is no better than none.
        let res = reqwest::Client::new()
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth("pvk_not-a-real-key")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{method} {path} with a bad key");
    }
    // Public endpoints stay public.
    for path in [
        "/login",
        "/healthz",
        "/metrics",
        "/api/v1/openapi.json",
        "/assets/app.css",
        "/assets/icon.svg",
        "/favicon.ico",
    ] {
        let res = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "GET {path} is public");
    }
    assert_eq!(app.store.count_users().await.unwrap(), 1);
}
both!(signed_out_access, nothing_private_is_reachable_signed_out);

async fn signed_in_forms_need_the_csrf_token(app: TestApp) {
    let admin = app.setup_admin().await;
    let res = admin
        .post(app.url("/settings/teams"))
        .form(&[("name", "فروش")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("id=\"error-message\""));
    let csrf = app.csrf(&admin, "/settings/teams").await;
    let res = admin
        .post(app.url("/settings/teams"))
        .header("x-csrf-token", "wrong-token-wrong-token-wrong-token-wrong")
        .form(&[("name", "فروش")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(app.store.list_teams().await.unwrap().is_empty());
    let res = admin
        .post(app.url("/settings/teams"))
        .form(&[("_csrf", csrf.as_str()), ("name", "فروش")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.list_teams().await.unwrap().len(), 1);
    // The API, which has no CSRF token, takes API keys only: a browser session opens nothing.
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/me"),
        (reqwest::Method::POST, "/api/v1/teams"),
    ] {
        let res = admin
            .request(method, app.url(path))
            .json(&serde_json::json!({"name": "پشتیبانی"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{path}");
    }
    assert_eq!(app.store.list_teams().await.unwrap().len(), 1);
}
both!(csrf, signed_in_forms_need_the_csrf_token);

async fn preferences_switch_language_direction_and_calendar(app: TestApp) {
    let admin = app.setup_admin().await;
    let csrf = app.csrf(&admin, "/profile").await;
    // A bad time zone is refused by name and changes nothing.
    let res = admin
        .post(app.url("/profile"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "مدیر"),
            ("language", "en"),
            ("calendar", "gregorian"),
            ("time_zone", "Mars/Olympus"),
            ("digits", "latin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"time_zone-error\""));
    let user = app.store.user_by_email(ADMIN_EMAIL).await.unwrap().unwrap();
    assert_eq!(user.language, "fa");
    assert_eq!(user.time_zone, "Asia/Tehran");

    // Saves the profile form as sent and reads back (language, calendar, digits).
    let save = |language: &'static str, calendar: &'static str, digits: &'static str, exact| {
        let (admin, csrf, app) = (&admin, &csrf, &app);
        async move {
            let res = admin
                .post(app.url("/profile"))
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("display_name", "مدیر"),
                    ("language", language),
                    ("calendar", calendar),
                    ("time_zone", "Asia/Tehran"),
                    ("digits", digits),
                    ("exact", exact),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303);
            let user = app.store.user_by_email(ADMIN_EMAIL).await.unwrap().unwrap();
            (user.language, user.calendar, user.digits)
        }
    };
    let saved = |l: &str, c: &str, d: &str| (l.to_owned(), c.to_owned(), d.to_owned());
    // Only the language changed (the form still sends the Persian defaults): digits and calendar
    // follow English, and back again.
    assert_eq!(
        save("en", "jalali", "persian", "").await,
        saved("en", "gregorian", "latin")
    );
    assert_eq!(
        save("fa", "gregorian", "latin", "").await,
        saved("fa", "jalali", "persian")
    );
    // The page's script moved them in view already (`exact`): what is sent is kept, so an
    // English reader may keep the Jalali calendar and Persian digits in one save.
    assert_eq!(
        save("en", "jalali", "persian", "1").await,
        saved("en", "jalali", "persian")
    );
    // Back to Persian for the rest of the test.
    save("fa", "jalali", "persian", "1").await;

    // A Gregorian reader: date boxes show a Gregorian example, and a Jalali-looking date is
    // refused by name instead of being stored six centuries away.
    for (calendar, example) in [("gregorian", "e.g. 20"), ("jalali", "e.g. 14")] {
        let res = admin
            .post(app.url("/profile"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("display_name", "Admin"),
                ("language", "en"),
                ("calendar", calendar),
                ("time_zone", "Asia/Tehran"),
                ("digits", "latin"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let form = app.html(&admin, "/deals/new").await;
        assert!(
            form.contains(&format!("placeholder=\"{example}")),
            "{calendar}"
        );
    }
    let res = admin
        .post(app.url("/profile"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "Admin"),
            ("language", "en"),
            ("calendar", "gregorian"),
            ("time_zone", "Asia/Tehran"),
            ("digits", "latin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let form = app.html(&admin, "/contacts/new").await;
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf_of(&form).as_str()),
            ("last_name", "Gregorian"),
            ("birth_date", "1369/01/01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("looks like a Jalali date")
    );

    let res = admin
        .post(app.url("/profile"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "Admin"),
            ("language", "en"),
            ("calendar", "gregorian"),
            ("time_zone", "Europe/London"),
            ("digits", "latin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app.html(&admin, "/").await;
    assert!(
        html.contains("<html lang=\"en\" dir=\"ltr\">"),
        "English shell is LTR"
    );
    assert!(html.contains("Welcome, Admin."));
    // The other calendar is shown beside today's date: Jalali month names when Gregorian is chosen.
    let jalali_months = [
        "Farvardin",
        "Ordibehesht",
        "Khordad",
        "Tir",
        "Mordad",
        "Shahrivar",
        "Mehr",
        "Aban",
        "Azar",
        "Dey",
        "Bahman",
        "Esfand",
    ];
    assert!(jalali_months.iter().any(|m| html.contains(m)));

    // Jalali calendar in English, with Persian digits.
    let res = admin
        .post(app.url("/profile"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "Admin"),
            ("language", "en"),
            ("calendar", "jalali"),
            ("time_zone", "Asia/Tehran"),
            ("digits", "persian"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app.html(&admin, "/").await;
    assert!(jalali_months.iter().any(|m| html.contains(m)));
    assert!(html.contains('۱') || html.contains('۰'), "Persian digits");
    let log = app
        .store
        .list_audit(&peyvand_store::AuditQuery {
            record_type: Some("user".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let update = log
        .iter()
        .find(|e| e.action == "update")
        .expect("profile change audited");
    assert!(
        update.changes.0.get("language").is_some() || update.changes.0.get("calendar").is_some()
    );
}
both!(
    preferences,
    preferences_switch_language_direction_and_calendar
);

async fn session_survives_a_restart(app: TestApp) {
    app.setup_admin().await;
    let c = app.client();
    let csrf = app.csrf(&c, "/login").await;
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let token = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("pv_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    assert!(
        res.headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().contains("HttpOnly"))
    );
    let backend = app.backend;
    let db = app.stop().await;
    let app = TestApp::spawn_on(backend, db).await;
    let res = app
        .client()
        .get(app.url("/profile"))
        .header("cookie", format!("pv_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the session outlived the restart");
}
both!(restart, session_survives_a_restart);

async fn admin_manages_users_and_access_follows_roles(app: TestApp) {
    let admin = app.setup_admin().await;
    let csrf = app.csrf(&admin, "/settings/users").await;
    let res = admin
        .post(app.url("/settings/users"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "سارا"),
            ("email", "bad"),
            ("password", ADMIN_PASSWORD),
            ("role", "sales"),
            ("language", "fa"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"email-error\""));
    assert_eq!(app.store.count_users().await.unwrap(), 1);
    let res = admin
        .post(app.url("/settings/users"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "سارا"),
            ("email", "sara@example.com"),
            ("password", ADMIN_PASSWORD),
            ("role", "sales"),
            ("language", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let sara = app
        .store
        .user_by_email("sara@example.com")
        .await
        .unwrap()
        .unwrap();

    // Sales users manage nothing: no users, teams, roles or audit log.
    let sales = app.login("sara@example.com", ADMIN_PASSWORD).await;
    let html = app.html(&sales, "/settings").await;
    assert!(
        !html.contains("href=\"/settings/users\""),
        "no user administration for sales"
    );
    assert!(!html.contains("href=\"/settings/audit\""));
    assert!(!html.contains("href=\"/settings/roles\""));
    let home = app.html(&sales, "/").await;
    assert!(
        !home.contains("href=\"/settings\""),
        "no settings entry in the navigation"
    );
    assert_eq!(
        sales
            .get(app.url("/settings/users"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        sales
            .get(app.url("/settings/teams"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let res = sales.get(app.url("/settings/audit")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("You do not have permission"),
        "error page in the user's language"
    );
    let res = sales.get(app.url("/settings/roles")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let csrf_s = app.csrf(&sales, "/profile").await;
    let res = sales
        .post(app.url("/settings/users"))
        .form(&[
            ("_csrf", csrf_s.as_str()),
            ("display_name", "x"),
            ("email", "x@example.com"),
            ("password", ADMIN_PASSWORD),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        app.store
            .user_by_email("x@example.com")
            .await
            .unwrap()
            .is_none()
    );

    // The administrator cannot demote themselves.
    let me = app.store.user_by_email(ADMIN_EMAIL).await.unwrap().unwrap();
    let res = admin
        .post(app.url(&format!("/settings/users/{}", me.id)))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "مدیر"),
            ("email", ADMIN_EMAIL),
            ("role", "sales"),
            ("active", "true"),
            ("teams_present", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    // Deactivating Sara ends her session at once; her account is kept.
    let res = admin
        .post(app.url(&format!("/settings/users/{}", sara.id)))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "سارا"),
            ("email", "sara@example.com"),
            ("role", "manager"),
            ("teams_present", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = sales.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303, "a deactivated user is signed out");
    let sara = app
        .store
        .user_by_email("sara@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(!sara.active);
    let log = app
        .store
        .list_audit(&peyvand_store::AuditQuery {
            record_id: Some(sara.id.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log[0].action, "role_change");
    assert_eq!(
        log[0].changes.0["role"],
        serde_json::json!(["sales", "manager"])
    );
    assert_eq!(log[0].changes.0["active"], serde_json::json!([true, false]));
}
both!(user_admin, admin_manages_users_and_access_follows_roles);

async fn role_matrix_edits_permissions(app: TestApp) {
    let admin = app.setup_admin().await;
    let sales = app.store.role_by_key("sales").await.unwrap().unwrap();
    let path = format!("/settings/roles/{}", sales.id);
    let html = app.html(&admin, &path).await;
    assert!(html.contains("name=\"contact.read\""));
    let csrf = peyvand_web_csrf(&html);
    let res = admin
        .post(app.url(&path))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("contact.read", "all"),
            ("deal.read", "own"),
            ("lead.export", "none"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let sales = app.store.role_by_key("sales").await.unwrap().unwrap();
    use peyvand_domain::access::{Action, RecordType, Scope};
    assert_eq!(
        sales.permissions.0.scope(RecordType::Contact, Action::Read),
        Scope::All
    );
    assert_eq!(
        sales.permissions.0.scope(RecordType::Deal, Action::Read),
        Scope::Own
    );
    assert_eq!(
        sales.permissions.0.scope(RecordType::Deal, Action::Update),
        Scope::None
    );
    // Nonsense is refused and changes nothing.
    let res = admin
        .post(app.url(&path))
        .form(&[("_csrf", csrf.as_str()), ("contact.read", "everything")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let again = app.store.role_by_key("sales").await.unwrap().unwrap();
    assert_eq!(again.permissions.0, sales.permissions.0);
}
both!(role_matrix, role_matrix_edits_permissions);

fn peyvand_web_csrf(html: &str) -> String {
    csrf_of(html)
}

async fn unknown_pages_get_a_localised_error(app: TestApp) {
    let admin = app.setup_admin().await;
    let res = admin.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("dir=\"rtl\""));
    assert!(html.contains("این صفحه وجود ندارد"));
}
both!(not_found, unknown_pages_get_a_localised_error);

async fn a_new_api_key_is_shown_once(app: TestApp) {
    let admin = app.setup_admin().await;
    let csrf = app.csrf(&admin, "/profile/api-keys").await;
    let res = admin
        .post(app.url("/profile/api-keys"))
        .form(&[("_csrf", csrf.as_str()), ("name", "website")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "created keys redirect, so a reload cannot create another"
    );
    let html = app.html(&admin, "/profile/api-keys").await;
    assert!(html.contains("id=\"new-key\""));
    let again = app.html(&admin, "/profile/api-keys").await;
    assert!(
        !again.contains("id=\"new-key\""),
        "the key is shown only once"
    );
    let me = app.store.user_by_email(ADMIN_EMAIL).await.unwrap().unwrap();
    assert_eq!(app.store.api_keys_of(me.id).await.unwrap().len(), 1);
    // An empty name is refused by name.
    let res = admin
        .post(app.url("/profile/api-keys"))
        .form(&[("_csrf", csrf.as_str()), ("name", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(app.store.api_keys_of(me.id).await.unwrap().len(), 1);
}
both!(api_key_page, a_new_api_key_is_shown_once);

async fn the_audit_log_reads_as_sentences(app: TestApp) {
    let admin = app.setup_admin().await;
    let sales = app.store.role_by_key("sales").await.unwrap().unwrap();
    let csrf = app.csrf(&admin, "/settings/audit").await;
    let res = admin
        .post(app.url(&format!("/settings/roles/{}", sales.id)))
        .form(&[("_csrf", csrf.as_str()), ("contact.read", "all")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app.html(&admin, "/settings/audit?record_type=role").await;
    assert!(html.contains("تغییر دسترسی‌ها"), "action in words");
    assert!(html.contains("اشخاص · مشاهده"), "the changed grant by name");
    assert!(!html.contains("\"read\""), "no raw JSON");
    let html = app.html(&admin, "/settings/audit?record_type=deal").await;
    assert!(html.contains("id=\"audit-empty\""));
}
both!(audit_page, the_audit_log_reads_as_sentences);
