//! Files attached to records: upload from the page and the API, download, access, removal.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::both;
use crate::harness::*;

async fn files_on_records(app: TestApp) {
    let admin = app.setup_admin().await;
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let (_, stranger_key) = app.user_with_key("stranger@example.com", "sales").await;
    let api = app.api(&key);
    let (_, contact) = api
        .send(Method::POST, "/contacts", json!({"last_name": "صادقی"}))
        .await;
    let id = contact["id"].as_str().unwrap().to_owned();

    // From the page: the token travels as the multipart form's first field, never in the URL.
    let page = app.html(&admin, &format!("/contacts/{id}")).await;
    assert!(page.contains("id=\"upload-form\""));
    assert!(!page.contains("&_csrf="), "no token in a URL");
    let csrf = csrf_of(&page);
    let form = Form::new().text("_csrf", csrf.clone()).part(
        "file",
        Part::bytes("سلام، این یک نامه است".as_bytes().to_vec())
            .file_name("../../نامه رسمی.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let res = admin
        .post(app.url(&format!("/files?record_type=contact&record_id={id}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.ends_with("?file_saved=1#files"), "{to}");
    let page = app.html(&admin, &to).await;
    assert!(
        page.contains("id=\"file-saved\">پرونده پیوست شد."),
        "the upload is confirmed"
    );
    let form = Form::new().part(
        "file",
        Part::bytes(b"<script>alert(1)</script>".to_vec())
            .file_name("evil.html")
            .mime_str("text/html")
            .unwrap(),
    );
    let res = admin
        .post(app.url(&format!("/files?record_type=contact&record_id={id}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no token, no upload");
    for (query, field) in [
        (format!("&_csrf={csrf}"), None),
        (String::new(), Some("forged")),
    ] {
        let mut form = Form::new();
        if let Some(f) = field {
            form = form.text("_csrf", f.to_owned());
        }
        let form = form.part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
        let res = admin
            .post(app.url(&format!("/files?record_type=contact&record_id={id}{query}")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            403,
            "a token in the URL or a wrong one: {query} {field:?}"
        );
    }
    let page = app.html(&admin, &format!("/contacts/{id}")).await;
    assert!(
        page.contains("<bdi dir=\"auto\">نامه رسمی.txt</bdi>") && !page.contains("../"),
        "the name is kept without its path"
    );
    assert!(
        page.contains("۱ کیلوبایت"),
        "the size in the reader's units and digits"
    );
    // An empty file is named as such; no file chosen asks for one.
    for (part, code) in [
        (
            Part::bytes(vec![]).file_name("empty.txt"),
            "attachment.zero_bytes",
        ),
        (Part::bytes(vec![]).file_name(""), "attachment.empty"),
    ] {
        let res = admin
            .post(app.url(&format!("/files?record_type=contact&record_id={id}")))
            .multipart(Form::new().text("_csrf", csrf.clone()).part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.ends_with(&format!("file_error={code}#files")), "{to}");
    }

    // Through the API, and downloads that cannot run script.
    let form = Form::new().part(
        "file",
        Part::bytes(b"<html><script>alert(1)</script></html>".to_vec())
            .file_name("page.html")
            .mime_str("text/html")
            .unwrap(),
    );
    let res = reqwest::Client::new()
        .post(app.url(&format!(
            "/api/v1/attachments?record_type=contact&record_id={id}"
        )))
        .bearer_auth(&key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let uploaded: serde_json::Value = res.json().await.unwrap();
    let (_, list) = api
        .get(&format!("/attachments?record_type=contact&record_id={id}"))
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    let res = reqwest::Client::new()
        .get(app.url(&format!(
            "/api/v1/attachments/{}/content",
            uploaded["id"].as_str().unwrap()
        )))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "application/octet-stream",
        "HTML is never served as HTML"
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    // A user who cannot see the contact cannot list or fetch its files.
    let stranger = app.api(&stranger_key);
    assert_eq!(
        stranger
            .get(&format!("/attachments?record_type=contact&record_id={id}"))
            .await
            .0,
        404
    );
    let res = reqwest::Client::new()
        .get(app.url(&format!(
            "/api/v1/attachments/{}/content",
            uploaded["id"].as_str().unwrap()
        )))
        .bearer_auth(&stranger_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Empty files are refused by name; removal is audited.
    let form = Form::new().part("file", Part::bytes(Vec::new()).file_name("empty.txt"));
    let res = reqwest::Client::new()
        .post(app.url(&format!(
            "/api/v1/attachments?record_type=contact&record_id={id}"
        )))
        .bearer_auth(&key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let (s, _) = api
        .send(
            Method::DELETE,
            &format!("/attachments/{}", uploaded["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(s, 204);
    let (_, log) = api
        .get(&format!("/audit-log?record_type=contact&record_id={id}"))
        .await;
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"attach") && actions.contains(&"detach"));
}
both!(attachments, files_on_records);
