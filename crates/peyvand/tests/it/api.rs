//! The REST API through real HTTP on both backends.

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::harness::*;

async fn health_metrics_and_openapi(app: TestApp) {
    let c = reqwest::Client::new();
    let health: serde_json::Value = c
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let metrics = app.html(&c, "/metrics").await;
    assert!(metrics.contains("peyvand_http_requests_total{class=\"2xx\"}"));
    assert!(metrics.contains("peyvand_database_up{backend="));
    assert!(metrics.contains("} 1\n"));
    let doc: serde_json::Value = c
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    for path in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/teams",
        "/api/v1/roles",
        "/api/v1/audit-log",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
}
both!(operations, health_metrics_and_openapi);

async fn users_through_the_api(app: TestApp) {
    let (admin_id, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let (status, me) = api.get("/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], admin_id.to_string());
    assert_eq!(me["role"], "admin");

    // Bad input: every problem named, in the caller's language (English for this user), nothing created.
    let (status, err) = api
        .send(
            Method::POST,
            "/users",
            json!({"email": "nope", "display_name": "", "password": "short", "role": "wizard"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["code"], "validation_failed");
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in ["email", "display_name", "password", "role"] {
        assert!(fields.contains(&f), "{f} named in {err}");
    }
    assert_eq!(
        err["error"]["fields"][0]["message"],
        "Enter a valid email address."
    );
    // Unknown fields and wrong types are named too.
    let (status, err) = api.send(Method::POST, "/users", json!({"email": "a@b.co", "display_name": "A", "password": "x", "role": "sales", "colour": 1})).await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "colour");
    let (status, err) = api.send(Method::POST, "/users", json!({"email": 5})).await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "json.invalid");
    let (_, list) = api.get("/users").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    // Create, read, change.
    let (status, team) = api
        .send(Method::POST, "/teams", json!({"name": "فروش تهران"}))
        .await;
    assert_eq!(status, 201);
    let (status, user) = api
        .send(Method::POST, "/users", json!({"email": " Ali@Example.com ", "display_name": "علي رضايي", "password": "long enough password", "role": "sales", "team_ids": [team["id"]]}))
        .await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["email"], "ali@example.com");
    assert_eq!(
        user["display_name"], "علی رضایی",
        "Arabic letters are stored in Persian form"
    );
    assert_eq!(user["team_ids"][0], team["id"]);
    let id = user["id"].as_str().unwrap().to_owned();
    let (status, same) = api.send(Method::POST, "/users", json!({"email": "ali@example.com", "display_name": "x", "password": "long enough password", "role": "sales"})).await;
    assert_eq!(status, 422);
    assert_eq!(same["error"]["fields"][0]["code"], "email.taken");
    let (status, got) = api.get(&format!("/users/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["role"], "sales");
    let (status, changed) = api
        .send(
            Method::PATCH,
            &format!("/users/{id}"),
            json!({"role": "manager"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(changed["role"], "manager");
    let (status, _) = api
        .send(
            Method::PATCH,
            &format!("/users/{id}"),
            json!({"role": "nobody"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = api.get("/users/0191f5a0-0000-7000-8000-000000000000").await;
    assert_eq!(status, 404);
    let (status, _) = api.get("/users/not-a-uuid").await;
    assert_eq!(status, 404);

    // The audit log has the role change with old and new values, and the key's use.
    let (status, log) = api
        .get(&format!("/audit-log?record_type=user&record_id={id}"))
        .await;
    assert_eq!(status, 200);
    let entries = log["data"].as_array().unwrap();
    assert_eq!(entries[0]["action"], "role_change");
    assert_eq!(entries[0]["changes"]["role"], json!(["sales", "manager"]));
    assert_eq!(entries[0]["via"], "api");
    let (_, log) = api.get("/audit-log?record_type=api_key").await;
    assert!(
        log["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "api_key_used")
    );

    // Search is Persian-normalised: Arabic ي finds Persian ی.
    let (_, found) = api.get("/users?q=%D8%B9%D9%84%D9%8A").await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1, "{found}");
}
both!(users, users_through_the_api);

async fn lists_page_with_a_cursor(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    for i in 0..6 {
        app.user_with_key(&format!("u{i}@example.com"), "sales")
            .await;
    }
    let api = app.api(&key);
    let mut seen = vec![];
    let mut cursor = String::new();
    loop {
        let (status, page) = api.get(&format!("/users?limit=3&cursor={cursor}")).await;
        assert_eq!(status, 200);
        for u in page["data"].as_array().unwrap() {
            seen.push(u["email"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), 7, "no row twice");
    let (status, err) = api.get("/users?limit=0").await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "limit");
    let (status, err) = api.get("/users?cursor=garbage").await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "cursor");
}
both!(pagination, lists_page_with_a_cursor);

async fn roles_limit_what_a_key_can_do(app: TestApp) {
    let (_, sales_key) = app.user_with_key("sales@example.com", "sales").await;
    let api = app.api(&sales_key);
    let (status, _) = api.get("/me").await;
    assert_eq!(status, 200);
    let (status, err) = api.send(Method::POST, "/users", json!({"email": "x@example.com", "display_name": "x", "password": "long enough password", "role": "admin"})).await;
    assert_eq!(status, 403);
    assert_eq!(err["error"]["code"], "forbidden");
    assert!(
        app.store
            .user_by_email("x@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let (status, _) = api.get("/audit-log").await;
    assert_eq!(status, 403);
    let (status, _) = api.send(Method::POST, "/teams", json!({"name": "t"})).await;
    assert_eq!(status, 403);
    let (status, _) = api.get("/users").await;
    assert_eq!(status, 200, "sales may see colleagues");
}
both!(permissions, roles_limit_what_a_key_can_do);

async fn revoked_and_deactivated_keys_stop_working(app: TestApp) {
    let (admin_id, admin_key) = app.user_with_key("root@example.com", "admin").await;
    let (user_id, user_key) = app.user_with_key("leaver@example.com", "sales").await;
    assert_eq!(app.api(&user_key).get("/me").await.0, 200);
    let (status, _) = app
        .api(&admin_key)
        .send(
            Method::PATCH,
            &format!("/users/{user_id}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.api(&user_key).get("/me").await.0,
        401,
        "a deactivated user's key stops working"
    );
    let user = app.store.user_by_id(user_id).await.unwrap().unwrap();
    assert!(!user.active, "the account is kept, not deleted");
    // An admin cannot deactivate themselves.
    let (status, err) = app
        .api(&admin_key)
        .send(
            Method::PATCH,
            &format!("/users/{admin_id}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "user.cannot_demote_self");
    // Revoking a key.
    let keys = app.store.api_keys_of(admin_id).await.unwrap();
    let ctx = peyvand_services::audit::Ctx {
        who: peyvand_services::audit::Who::operator(),
        origin: peyvand_services::Origin::cli(),
    };
    let actor = peyvand_services::auth::actor_for(
        &app.store,
        &app.store.user_by_id(admin_id).await.unwrap().unwrap(),
    )
    .await
    .unwrap();
    peyvand_services::auth::revoke_api_key(&app.store, &ctx, &actor, keys[0].id)
        .await
        .unwrap();
    assert_eq!(app.api(&admin_key).get("/me").await.0, 401);
}
both!(key_lifecycle, revoked_and_deactivated_keys_stop_working);
