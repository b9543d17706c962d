//! Imports (CSV and xlsx, through the API, the UI and the services) and exports, on both
//! backends.

use peyvand_domain::access::RecordType;
use peyvand_domain::calendar::CalendarKind;
use peyvand_services::audit::{Ctx, Who};
use peyvand_services::sales::imports::{self, DuplicateMode, NewImport};
use peyvand_services::{Origin, ServiceError, auth, jobs};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both;
use crate::harness::*;

const PEOPLE: &str = "\u{feff}نام,نام خانوادگی,موبایل,کد ملی,تاریخ تولد,سطح,شرکت\n\
    علی,رضایی,۰۹۱۲۱۲۳۴۵۶۷,2741234566,۱۳۶۹/۰۱/۰۱,gold,\n\
    بد,ردیف,09120000001,1234567890,,,\n\
    تکراری,کاربر,0912 111 1111,,,,\n\
    سارا,احمدی,09123334444,,,silver,پیوند\n";

fn upload(bytes: Vec<u8>, name: &str, record_type: &str, mapping: Option<&str>) -> Form {
    let mut form = Form::new()
        .part("file", Part::bytes(bytes).file_name(name.to_owned()))
        .text("record_type", record_type.to_owned())
        .text("duplicate_mode", "skip");
    if let Some(m) = mapping {
        form = form.text("mapping", m.to_owned());
    }
    form
}

async fn post_import(app: &TestApp, key: &str, form: Form) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/imports"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or_default())
}

async fn get_raw(app: &TestApp, key: &str, path: &str) -> (u16, Vec<u8>) {
    let res = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

async fn tier_field(api: &Api) {
    let (status, _) = api
        .send(Method::POST, "/custom-fields", json!({"record_type": "contact", "key": "tier", "label_fa": "سطح", "label_en": "Tier", "field_type": "select",
            "options": [{"key": "gold", "label_fa": "طلایی", "label_en": "Gold"}, {"key": "silver", "label_fa": "نقره‌ای", "label_en": "Silver"}]}))
        .await;
    assert_eq!(status, 201);
}

/// Persian headers, Jalali dates, Persian digits, a custom field by its label, one bad row and
/// one duplicate, through the API and the job queue.
async fn persian_csv_through_the_api(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    tier_field(&api).await;
    let (status, existing) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"last_name": "قدیمی", "phones": [{"number": "09121111111"}]}),
        )
        .await;
    assert_eq!(status, 201, "{existing}");

    let (status, import) = post_import(
        &app,
        &key,
        upload(PEOPLE.as_bytes().to_vec(), "people.csv", "contacts", None),
    )
    .await;
    assert_eq!(status, 202, "{import}");
    assert_eq!(import["status"], "queued");
    assert_eq!(import["total_rows"], 4);
    let id = import["id"].as_str().unwrap().to_owned();
    assert_eq!(jobs::run_pending(&app.store).await.unwrap(), 1);
    // A drained queue stays drained: the job ran once.
    assert_eq!(jobs::run_pending(&app.store).await.unwrap(), 0);

    let (status, done) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (
            &done["imported"],
            &done["updated"],
            &done["skipped"],
            &done["failed"]
        ),
        (&json!(2), &json!(0), &json!(1), &json!(1)),
        "{done}"
    );
    assert_eq!(done["processed_rows"], 4);

    let (_, list) = api.get("/contacts?limit=50").await;
    let rows = list["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{list}");
    let ali = rows.iter().find(|c| c["first_name"] == "علی").unwrap();
    assert_eq!(ali["phones"][0]["number"], "+989121234567");
    assert_eq!(ali["birth_date"], "1990-03-21");
    assert_eq!(ali["national_id"], "2741234566");
    assert_eq!(ali["custom"]["tier"], "gold");
    let sara = rows.iter().find(|c| c["first_name"] == "سارا").unwrap();
    assert!(
        sara["company_id"].is_string(),
        "the company column links a company: {sara}"
    );
    let (_, companies) = api.get("/companies").await;
    assert_eq!(companies["data"][0]["name"], "پیوند");
    assert!(
        !rows
            .iter()
            .any(|c| c["first_name"] == "بد" || c["first_name"] == "تکراری")
    );

    // The failure report names the row, the field and the reason, with the row as it was.
    let (status, report) = get_raw(&app, &key, &format!("/api/v1/imports/{id}/failures.csv")).await;
    assert_eq!(status, 200);
    assert!(report.starts_with(b"\xEF\xBB\xBF"));
    let report = String::from_utf8(report).unwrap();
    let line = report.lines().nth(1).unwrap();
    assert!(line.starts_with("3,national_id,"), "{report}");
    assert!(
        line.contains("1234567890") && line.contains("بد"),
        "{report}"
    );
    assert_eq!(report.lines().count(), 2, "{report}");

    // One audit entry for the batch names the import and the records it created.
    let (_, audit) = api
        .get(&format!("/audit-log?record_type=contact&record_id={id}"))
        .await;
    let entry = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "import")
        .cloned()
        .unwrap_or_else(|| panic!("no import audit entry: {audit}"));
    assert_eq!(entry["changes"]["import_id"], id.as_str());
    assert_eq!(entry["changes"]["created"].as_array().unwrap().len(), 2);

    let (_, mine) = api.get("/imports").await;
    assert_eq!(mine["data"][0]["id"], id.as_str());

    // A name a spreadsheet would run as a formula is exported with an apostrophe in front; a
    // phone keeps its plus. Importing the export back gives the name as it was typed.
    let (status, sly) = api
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "=HYPERLINK(\"http://x\")", "last_name": "فرمول",
                   "phones": [{"number": "09127776655"}]}),
        )
        .await;
    assert_eq!(status, 201, "{sly}");
    let (status, csv) = get_raw(
        &app,
        &key,
        "/api/v1/contacts/export?format=csv&raw=1&filter[last_name][eq]=%D9%81%D8%B1%D9%85%D9%88%D9%84",
    )
    .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(
        csv.contains("+989127776655") && !csv.contains("'+98"),
        "{csv}"
    );
    let (status, _) = api
        .send(
            Method::DELETE,
            &format!("/contacts/{}", sly["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, again) = post_import(
        &app,
        &key,
        upload(csv.into_bytes(), "export.csv", "contacts", None),
    )
    .await;
    assert_eq!(status, 202, "{again}");
    jobs::run_pending(&app.store).await.unwrap();
    let (_, back) = api
        .get("/contacts?filter[last_name][eq]=%D9%81%D8%B1%D9%85%D9%88%D9%84")
        .await;
    assert_eq!(
        back["data"][0]["first_name"], "=HYPERLINK(\"http://x\")",
        "{back}"
    );
}
both!(persian_csv_through_the_api, persian_csv_through_the_api);

async fn actor_and_ctx(
    app: &TestApp,
    email: &str,
    role: &str,
) -> (peyvand_domain::access::Actor, Ctx) {
    let (uid, _) = app.user_with_key(email, role).await;
    let user = app.store.user_by_id(uid).await.unwrap().unwrap();
    let actor = auth::actor_for(&app.store, &user).await.unwrap();
    let ctx = Ctx {
        who: Who::user(user.id, &user.email),
        origin: Origin::cli(),
    };
    (actor, ctx)
}

#[allow(clippy::too_many_arguments)]
async fn import_now(
    app: &TestApp,
    actor: &peyvand_domain::access::Actor,
    ctx: &Ctx,
    rt: RecordType,
    name: &str,
    bytes: Vec<u8>,
    mapping: Option<Vec<(&str, &str)>>,
    mode: DuplicateMode,
) -> Result<peyvand_store::ImportRecord, ServiceError> {
    let import = imports::start_import(
        &app.store,
        ctx,
        actor,
        NewImport {
            record_type: rt,
            file_name: name,
            bytes,
            mapping: mapping.map(|m| {
                m.into_iter()
                    .map(|(a, b)| (a.to_owned(), b.to_owned()))
                    .collect()
            }),
            duplicate_mode: mode,
            calendar: CalendarKind::Jalali,
            enqueue: true,
            draft: false,
            owner_id: None,
        },
    )
    .await?;
    jobs::run_pending(&app.store).await.unwrap();
    Ok(app.store.import(import.id).await.unwrap().unwrap())
}

fn counts(i: &peyvand_store::ImportRecord) -> (i64, i64, i64, i64) {
    (i.imported, i.updated, i.skipped, i.failed)
}

/// Skip, update and create on the same file; several batches with a bad row in the middle of
/// one; a re-run of a finished import changes nothing.
async fn duplicate_modes_and_batches(app: TestApp) {
    let (actor, ctx) = actor_and_ctx(&app, "boss@example.com", "admin").await;
    let first = "Name,Family,Mobile,Email\nمریم,کریمی,09125550001,maryam@example.com\n";
    let i = import_now(
        &app,
        &actor,
        &ctx,
        RecordType::Contact,
        "a.csv",
        first.into(),
        None,
        DuplicateMode::Skip,
    )
    .await
    .unwrap();
    assert_eq!(
        counts(&i),
        (1, 0, 0, 0),
        "{:?}",
        app.store.import_failures(i.id).await.unwrap()
    );

    let again = "Name,Family,Mobile,Email,City\nمریم,کریمی‌نژاد,+989125550001,,اصفهان\n";
    let skip = import_now(
        &app,
        &actor,
        &ctx,
        RecordType::Contact,
        "b.csv",
        again.into(),
        None,
        DuplicateMode::Skip,
    )
    .await
    .unwrap();
    assert_eq!(counts(&skip), (0, 0, 1, 0));
    let update = import_now(
        &app,
        &actor,
        &ctx,
        RecordType::Contact,
        "b.csv",
        again.into(),
        None,
        DuplicateMode::Update,
    )
    .await
    .unwrap();
    assert_eq!(counts(&update), (0, 1, 0, 0));
    let all = peyvand_services::sales::contacts::list(&app.store, &actor, &Default::default())
        .await
        .unwrap()
        .rows;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].last_name, "کریمی‌نژاد");
    assert_eq!(all[0].city, "اصفهان");
    // Empty cells keep what the record had.
    assert_eq!(all[0].emails.0[0].address, "maryam@example.com");
    let create = import_now(
        &app,
        &actor,
        &ctx,
        RecordType::Contact,
        "b.csv",
        again.into(),
        None,
        DuplicateMode::Create,
    )
    .await
    .unwrap();
    assert_eq!(counts(&create), (1, 0, 0, 0));

    // 12,500 rows: two batches (the second is validated while the first is written). Row
    // 10,502 (in the second) is bad and its batch still imports; row 11,002 repeats a person
    // of the first batch, which is not committed yet when the second is checked.
    let rows = imports::BATCH + 2500;
    let mut big = String::from("first_name,last_name,phones\n");
    for n in 0..rows {
        if n == imports::BATCH + 500 {
            big.push_str("بد,ردیف,0912abc\n");
        } else if n == imports::BATCH + 1000 {
            big.push_str("تکرار,نفر پنجم,09350000005\n");
        } else {
            big.push_str(&format!("نفر,شماره {n},0935{n:07}\n"));
        }
    }
    let rows = rows as i64;
    let i = import_now(
        &app,
        &actor,
        &ctx,
        RecordType::Contact,
        "big.csv",
        big.into(),
        None,
        DuplicateMode::Skip,
    )
    .await
    .unwrap();
    assert_eq!(i.status, "done");
    assert_eq!(counts(&i), (rows - 2, 0, 1, 1));
    assert_eq!(i.processed_rows, rows);
    let failures = app.store.import_failures(i.id).await.unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].row_number, imports::BATCH as i64 + 502);
    assert_eq!(failures[0].field, "phones[0]");
    // Running it again (a job delivered twice) imports nothing more.
    let rerun = imports::run_import(&app.store, i.id, &|_| {})
        .await
        .unwrap();
    assert_eq!(counts(&rerun), (rows - 2, 0, 1, 1));
    let (_, n): (i64, i64) = match &app.store.db {
        peyvand_store::Db::Sqlite(p) => sqlx::query_as("SELECT 0, COUNT(*) FROM contacts")
            .fetch_one(p)
            .await
            .unwrap(),
        peyvand_store::Db::Postgres(p) => {
            sqlx::query_as("SELECT 0::BIGINT, COUNT(*) FROM contacts")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    assert_eq!(n, 2 + rows - 2);
    // One audit entry per batch names the import and what it created.
    let (_, batches): (i64, i64) = match &app.store.db {
        peyvand_store::Db::Sqlite(p) => {
            sqlx::query_as("SELECT 0, COUNT(*) FROM audit_log WHERE action = 'import'")
                .fetch_one(p)
                .await
                .unwrap()
        }
        peyvand_store::Db::Postgres(p) => {
            sqlx::query_as("SELECT 0::BIGINT, COUNT(*) FROM audit_log WHERE action = 'import'")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    assert!(batches >= 2, "{batches} import audit entries");

    // Leads: phone/email duplicates, source "import" by default.
    let leads = "عنوان,موبایل\nخرید عمده,09127770000\nتکرار,09127770000\n";
    let i = import_now(
        &app,
        &actor,
        &ctx,
        RecordType::Lead,
        "leads.csv",
        leads.into(),
        None,
        DuplicateMode::Skip,
    )
    .await
    .unwrap();
    assert_eq!(counts(&i), (1, 0, 1, 0));
    // Deals: amounts as typed, Jalali dates.
    let deals = "عنوان,مبلغ,تاریخ بستن\nقرارداد,۱۲٬۵۰۰٬۰۰۰,1404/08/01\nبی‌عنوان,abc,\n";
    let i = import_now(
        &app,
        &actor,
        &ctx,
        RecordType::Deal,
        "deals.csv",
        deals.into(),
        None,
        DuplicateMode::Skip,
    )
    .await
    .unwrap();
    assert_eq!(counts(&i), (1, 0, 0, 1));
}
both!(duplicate_modes_and_batches, duplicate_modes_and_batches);

/// An xlsx file (first sheet) into companies, through the API.
async fn xlsx_companies(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let api = app.api(&key);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["نام شرکت", "شهر", "تلفن", "تعداد کارکنان"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "آلفا").unwrap();
    ws.write_string(1, 1, "تبریز").unwrap();
    ws.write_string(1, 2, "021 8888 0000").unwrap();
    ws.write_number(1, 3, 12.0).unwrap();
    ws.write_string(2, 0, "بتا").unwrap();
    ws.write_string(2, 2, "02188880001").unwrap();
    ws.write_string(3, 1, "بی‌نام").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let (status, import) =
        post_import(&app, &key, upload(bytes, "companies.xlsx", "company", None)).await;
    assert_eq!(status, 202, "{import}");
    jobs::run_pending(&app.store).await.unwrap();
    let (_, done) = api
        .get(&format!("/imports/{}", import["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        (&done["imported"], &done["failed"]),
        (&json!(2), &json!(1)),
        "{done}"
    );
    let (_, list) = api.get("/companies?sort=name").await;
    let alpha = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "آلفا")
        .unwrap()
        .clone();
    assert_eq!(alpha["city"], "تبریز");
    assert_eq!(alpha["employees"], 12);
    assert_eq!(alpha["phones"][0]["number"], "+982188880000");
}
both!(xlsx_companies, xlsx_companies);

/// Mapping errors are named; importing needs create rights; exports need export rights and
/// keep to the owner scope.
async fn mapping_errors_and_permissions(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let (status, err) = post_import(
        &app,
        &key,
        upload(
            PEOPLE.as_bytes().to_vec(),
            "people.csv",
            "contacts",
            Some(r#"{"Nope": "first_name", "نام": "bogus", "موبایل": "phones"}"#),
        ),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    let fields: Vec<(String, String)> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        fields.contains(&("mapping.Nope".into(), "import.unknown_column".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("mapping.نام".into(), "import.unknown_field".into())),
        "{fields:?}"
    );
    let (status, err) = post_import(
        &app,
        &key,
        upload(b"".to_vec(), "empty.csv", "contacts", None),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "import.file_empty");
    let (status, _) = post_import(
        &app,
        &key,
        upload(b"a\n1\n".to_vec(), "x.csv", "users", None),
    )
    .await;
    assert_eq!(status, 422);

    // Support may read contacts but not create them: no import.
    let (_, support) = app.user_with_key("support@example.com", "support").await;
    let (status, _) = post_import(
        &app,
        &support,
        upload(PEOPLE.as_bytes().to_vec(), "p.csv", "contacts", None),
    )
    .await;
    assert_eq!(status, 403);
    // … and has no export right.
    let (status, _) = get_raw(&app, &support, "/api/v1/contacts/export?format=csv").await;
    assert_eq!(status, 403);

    // Sales exports only their own contacts.
    let (_, s1) = app.user_with_key("s1@example.com", "sales").await;
    let (_, s2) = app.user_with_key("s2@example.com", "sales").await;
    for (k, name) in [(&s1, "مال اول"), (&s2, "مال دوم")] {
        let (status, _) = app
            .api(k)
            .send(Method::POST, "/contacts", json!({"last_name": name}))
            .await;
        assert_eq!(status, 201);
    }
    let (status, csv) = get_raw(&app, &s1, "/api/v1/contacts/export?format=csv").await;
    assert_eq!(status, 200);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("مال اول") && !csv.contains("مال دوم"), "{csv}");
    // The admin sees both, filtered like the list.
    let (_, all) = get_raw(
        &app,
        &key,
        "/api/v1/contacts/export?format=csv&q=%D9%85%D8%A7%D9%84",
    )
    .await;
    let all = String::from_utf8(all).unwrap();
    assert!(all.contains("مال اول") && all.contains("مال دوم"), "{all}");
    let (_, one) = get_raw(&app, &key, "/api/v1/contacts/export?format=csv&filter[last_name][eq]=%D9%85%D8%A7%D9%84%20%D8%AF%D9%88%D9%85").await;
    let one = String::from_utf8(one).unwrap();
    assert!(!one.contains("مال اول") && one.contains("مال دوم"), "{one}");
    // xlsx opens with calamine and holds the Persian text.
    let (status, xlsx) = get_raw(&app, &key, "/api/v1/contacts/export?format=xlsx&raw=1").await;
    assert_eq!(status, 200);
    let sheet = peyvand_domain::import::read_xlsx(&xlsx).unwrap();
    assert_eq!(sheet.headers[1], "first_name", "raw=1 keeps the field keys");
    assert_eq!(sheet.rows.len(), 2);
    assert!(sheet.rows.iter().any(|r| r.contains(&"مال اول".to_owned())));
    use calamine::Reader;
    let wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    assert_eq!(wb.sheet_names()[0], "contacts");
    let (status, _) = get_raw(&app, &key, "/api/v1/contacts/export?format=pdf").await;
    assert_eq!(status, 422);
    let (status, _) = get_raw(&app, &s1, &format!("/api/v1/imports/{}", Uuid::now_v7())).await;
    assert_eq!(status, 404);
}
both!(
    mapping_errors_and_permissions,
    mapping_errors_and_permissions
);

/// The UI: upload, mapping page with the preview's errors, start, progress page done after the
/// queue is drained, the failure report, and the list page's export links.
async fn ui_flow(app: TestApp) {
    let c = app.setup_admin().await;
    let csrf = app.csrf(&c, "/imports/new").await;
    let form = Form::new()
        .text("_csrf", csrf.clone())
        .text("record_type", "contact")
        .part(
            "file",
            Part::bytes(PEOPLE.as_bytes().to_vec()).file_name("people.csv"),
        );
    let res = c
        .post(app.url("/imports/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let map_url = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(map_url.ends_with("/map"), "{map_url}");
    let id = map_url
        .trim_start_matches("/imports/")
        .trim_end_matches("/map")
        .to_owned();
    // Without the token the upload is refused.
    let res = c
        .post(app.url("/imports/new"))
        .multipart(Form::new().part("file", Part::bytes(b"a\n1\n".to_vec()).file_name("x.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A file without a header row: the problem is shown at the file field, which is marked.
    let res = c
        .post(app.url("/imports/new"))
        .multipart(
            Form::new()
                .text("_csrf", csrf.clone())
                .text("record_type", "contact")
                .part("file", Part::bytes(b"\n".to_vec()).file_name("empty.csv")),
        )
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(
        page.contains("aria-describedby=\"file-error\"")
            && page.contains("id=\"file-error\">فایل سطر عنوان ندارد."),
        "{page}"
    );

    // No file chosen (the browser still sends the part, nameless and empty), or a file of
    // headers only: each is named, and nothing is stored.
    for (part, message) in [
        (
            Part::bytes(vec![]).file_name(""),
            "فایلی برای ورود انتخاب کنید.",
        ),
        (
            Part::bytes("نام,موبایل\n".as_bytes().to_vec()).file_name("headers.csv"),
            "فایل سطر عنوان دارد اما سطری برای ورود ندارد.",
        ),
    ] {
        let res = c
            .post(app.url("/imports/new"))
            .multipart(
                Form::new()
                    .text("_csrf", csrf.clone())
                    .text("record_type", "contact")
                    .part("file", part),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains(message), "{message}: {page}");
    }

    let page = app.html(&c, &map_url).await;
    assert!(
        page.contains("<option value=\"first_name\" selected"),
        "auto-mapped"
    );
    assert!(page.contains("<option value=\"phones\" selected"));
    assert!(
        page.contains("class=\"has-error\""),
        "the bad row is marked"
    );
    let csrf = csrf_of(&page);
    // Previewing another mapping (the national ID column skipped) re-reads the rows with it:
    // the row that was bad only for its national ID is fine now, and nothing starts.
    let res = c
        .post(app.url(&map_url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("m0", "first_name"),
            ("m1", "last_name"),
            ("m2", "phones"),
            ("m3", ""),
            ("m4", "birth_date"),
            ("duplicate_mode", "skip"),
            ("preview", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let previewed = res.text().await.unwrap();
    assert!(!previewed.contains("class=\"has-error\""), "{previewed}");
    assert!(previewed.contains("id=\"refresh-preview\""));
    let still = app
        .store
        .import(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, "draft");
    // Mapping two columns to one field is refused with the column named.
    let res = c
        .post(app.url(&map_url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("m0", "first_name"),
            ("m1", "first_name"),
            ("duplicate_mode", "skip"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("field-error"));
    let res = c
        .post(app.url(&map_url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("m0", "first_name"),
            ("m1", "last_name"),
            ("m2", "phones"),
            ("m3", "national_id"),
            ("m4", "birth_date"),
            ("m5", ""),
            ("m6", ""),
            ("duplicate_mode", "skip"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/imports/{id}").as_str());
    let page = app.html(&c, &format!("/imports/{id}")).await;
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "a queued import refreshes itself"
    );
    jobs::run_pending(&app.store).await.unwrap();
    let page = app.html(&c, &format!("/imports/{id}")).await;
    assert!(!page.contains("http-equiv=\"refresh\""));
    assert!(page.contains("انجام شد"), "done, in Persian");
    assert!(page.contains("id=\"count-imported\">۳<"), "{page}");
    // The finished import leads to the records, newest first.
    assert!(page.contains("href=\"/contacts?sort=-created_at\" id=\"imported-records\""));
    let newest = app.html(&c, "/contacts?sort=-created_at").await;
    assert!(newest.contains("id=\"records\""), "the link's list works");
    assert!(page.contains("id=\"count-failed\">۱<"));
    assert!(page.contains("failures-link"));
    let report = c
        .get(app.url(&format!("/imports/{id}/failures.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    assert!(
        report.contains("سطر") && report.contains("1234567890"),
        "{report}"
    );
    // The UI's report names the field as the form does (the API keeps `national_id`).
    assert!(
        report.contains(",کد ملی,") && !report.contains("national_id"),
        "{report}"
    );
    let list = app.html(&c, "/imports").await;
    assert!(list.contains("people.csv"));

    // A Persian reader who prefers Latin digits: still right-to-left, numbers in Latin digits.
    let csrf = app.csrf(&c, "/profile").await;
    let res = c
        .post(app.url("/profile"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("display_name", "مدیر"),
            ("language", "fa"),
            ("calendar", "jalali"),
            ("time_zone", "Asia/Tehran"),
            ("digits", "latin"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status() == 303,
        "{}",
        res.status()
    );
    let page = app.html(&c, &format!("/imports/{id}")).await;
    assert!(page.contains("dir=\"rtl\""));
    assert!(page.contains("id=\"count-imported\">3<"), "{page}");
    assert!(page.contains("4 از 4 سطر"), "{page}");
    let list = app.html(&c, "/imports").await;
    assert!(list.contains("3 / 0 / 0 / 1"), "{list}");

    let page = app.html(&c, "/contacts?q=%D8%B9%D9%84%DB%8C").await;
    assert!(
        page.contains("id=\"export-csv\"") && page.contains("/contacts/export?format=xlsx&amp;q="),
        "export links keep the query"
    );
    let csv = c
        .get(app.url("/contacts/export?format=csv&q=%D8%B9%D9%84%DB%8C"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.bytes().await.unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert!(csv.contains("علی") && !csv.contains("سارا"), "{csv}");
}
both!(ui_flow, ui_flow);

/// A manager imports a list straight into a salesperson's hands: the created contacts and the
/// companies made for them belong to the chosen owner. The owner is checked as forms check one:
/// a sales user may not give records to a colleague outside their scope, an unknown id is
/// refused by name, and nothing is stored. The UI's mapping page offers the owner too.
async fn imports_for_an_owner(app: TestApp) {
    let (_, key) = app.user_with_key("root@example.com", "admin").await;
    let (s1_id, s1) = app.user_with_key("s1@example.com", "sales").await;
    let (s2_id, s2) = app.user_with_key("s2@example.com", "sales").await;
    let with_owner = |owner: &str| {
        upload(PEOPLE.as_bytes().to_vec(), "people.csv", "contacts", None)
            .text("owner_id", owner.to_owned())
    };
    let (status, import) = post_import(&app, &key, with_owner(&s1_id.to_string())).await;
    assert_eq!(status, 202, "{import}");
    assert_eq!(import["owner_id"], s1_id.to_string());
    assert_eq!(jobs::run_pending(&app.store).await.unwrap(), 1);
    let (_, done) = app
        .api(&key)
        .get(&format!("/imports/{}", import["id"].as_str().unwrap()))
        .await;
    assert_eq!(done["status"], "done", "{done}");
    let imported = done["imported"].as_i64().unwrap();
    assert!(imported >= 2, "{done}");
    let (_, theirs) = app.api(&s1).get("/contacts?limit=50").await;
    assert_eq!(theirs["data"].as_array().unwrap().len() as i64, imported);
    let (_, companies) = app.api(&s1).get("/companies").await;
    assert_eq!(companies["data"][0]["name"], "پیوند", "{companies}");

    // A sales user may not give an import to a colleague, and bad ids are named.
    for (owner, code) in [
        (s2_id.to_string(), "owner.not_allowed"),
        ("not-a-user".to_owned(), "owner.not_found"),
        (Uuid::now_v7().to_string(), "owner.not_allowed"),
    ] {
        let (status, err) = post_import(&app, &s1, with_owner(&owner)).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["fields"][0]["field"], "owner_id", "{err}");
        assert_eq!(err["error"]["fields"][0]["code"], code, "{err}");
    }
    let (_, list) = app.api(&s1).get("/imports").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0), "{list}");
    let (_, nothing) = app.api(&s2).get("/contacts").await;
    assert_eq!(nothing["data"].as_array().map(Vec::len), Some(0));

    // The mapping page offers the owner; choosing one runs the import for them.
    let c = app.login("root@example.com", ADMIN_PASSWORD).await;
    let csrf = app.csrf(&c, "/imports/new").await;
    let res = c
        .post(app.url("/imports/new"))
        .multipart(
            Form::new()
                .text("_csrf", csrf.clone())
                .text("record_type", "contact")
                .part(
                    "file",
                    Part::bytes(
                        PEOPLE
                            .replace("۰۹۱۲", "۰۹۳۵")
                            .replace("0912", "0935")
                            .into_bytes(),
                    )
                    .file_name("again.csv"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let map_path = res.headers()["location"].to_str().unwrap().to_owned();
    let page = app.html(&c, &map_path).await;
    assert!(page.contains("name=\"owner_id\""), "{page}");
    assert!(
        page.contains(&format!("<option value=\"{s2_id}\" >")),
        "{page}"
    );
    let res = c
        .post(app.url(&map_path))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("m0", "first_name"),
            ("m1", "last_name"),
            ("m2", "phones"),
            ("m6", "company"),
            ("duplicate_mode", "skip"),
            ("owner_id", &s2_id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let show_path = res.headers()["location"].to_str().unwrap().to_owned();
    jobs::run_pending(&app.store).await.unwrap();
    let show = app.html(&c, &show_path).await;
    assert!(show.contains("id=\"import-owner\""), "{show}");
    let (_, theirs) = app.api(&s2).get("/contacts").await;
    assert!(!theirs["data"].as_array().unwrap().is_empty(), "{theirs}");
}
both!(imports_for_an_owner, imports_for_an_owner);

/// Sends a contacts CSV to an import endpoint of the API.
async fn post_contacts_csv(app: &TestApp, key: &str, path: &str, csv: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(key)
        .multipart(Form::new().text("record_type", "contacts").part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("p.csv"),
        ))
        .send()
        .await
        .unwrap()
}

/// The preview says which valid rows are already in the CRM (with a link to the record) or
/// repeat an earlier row, and what the chosen duplicate handling will do with them.
async fn preview_names_duplicates(app: TestApp) {
    let c = app.setup_admin().await;
    let (_, key) = app.user_with_key("sales@example.com", "admin").await;
    let (status, existing) = app
        .api(&key)
        .send(
            Method::POST,
            "/contacts",
            json!({"first_name": "مریم", "last_name": "کاظمی", "phones": [{"number": "09125556677"}]}),
        )
        .await;
    assert_eq!(status, 201, "{existing}");
    let csrf = app.csrf(&c, "/imports/new").await;
    let file = "نام,نام خانوادگی,موبایل\n\
        مریم,کاظمی,۰۹۱۲ ۵۵۵ ۶۶۷۷\n\
        رضا,نوری,09127778899\n\
        رضا,نوری دوم,+989127778899\n";
    let res = c
        .post(app.url("/imports/new"))
        .multipart(
            Form::new()
                .text("_csrf", csrf.clone())
                .text("record_type", "contact")
                .part(
                    "file",
                    Part::bytes(file.as_bytes().to_vec()).file_name("p.csv"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let map_url = res.headers()["location"].to_str().unwrap().to_owned();
    let page = app.html(&c, &map_url).await;
    let id = existing["id"].as_str().unwrap();
    assert!(
        page.contains(&format!("href=\"/contacts/{id}\""))
            && page.contains("با نام «مریم کاظمی» در سامانه هست: این سطر نادیده گرفته می‌شود"),
        "the matching row names the record and says it is skipped: {page}"
    );
    assert!(
        page.contains("تکرار سطر ۳: فقط نخستین وارد می‌شود"),
        "the repeated row names the first: {page}"
    );
    assert_eq!(page.matches(">درست<").count(), 1, "one row is simply fine");
    // Choosing "update" or "create" says so on the same rows.
    for (mode, note, repeat) in [
        ("update", "با این سطر به‌روز می‌شود", "فقط نخستین وارد می‌شود"),
        ("create", "رکورد دومی ساخته می‌شود", "هر دو ساخته می‌شوند"),
    ] {
        let res = c
            .post(app.url(&map_url))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("m0", "first_name"),
                ("m1", "last_name"),
                ("m2", "phones"),
                ("duplicate_mode", mode),
                ("preview", "1"),
            ])
            .send()
            .await
            .unwrap();
        let page = res.text().await.unwrap();
        assert!(page.contains(note), "{mode}: {page}");
        assert!(
            page.contains(&format!("تکرار سطر ۳: {repeat}")),
            "{mode}: {page}"
        );
    }

    // The API previews the same file without importing it.
    let res = post_contacts_csv(&app, &key, "/api/v1/imports/preview", file).await;
    assert_eq!(res.status(), 200);
    let preview: Value = res.json().await.unwrap();
    assert_eq!(preview["total_rows"], 3, "{preview}");
    assert_eq!(
        preview["rows"][0]["duplicate_of"]["record_id"],
        existing["id"]
    );
    assert_eq!(preview["rows"][0]["duplicate_of"]["name"], "مریم کاظمی");
    assert_eq!(preview["rows"][1]["duplicate_of"], Value::Null);
    assert_eq!(preview["rows"][2]["repeats_row"], 3);
    // A salesperson who sees only their own contacts learns that the row matches a record,
    // not whose or which.
    let (_, rep_key) = app.user_with_key("rep@example.com", "sales").await;
    let res = post_contacts_csv(&app, &rep_key, "/api/v1/imports/preview", file).await;
    assert_eq!(res.status(), 200);
    let theirs: Value = res.json().await.unwrap();
    assert_eq!(
        theirs["rows"][0]["duplicate_of"],
        json!({"record_id": null, "name": null}),
        "{theirs}"
    );
    assert!(!theirs.to_string().contains("مریم کاظمی"), "{theirs}");
    let (_, contacts) = app.api(&key).get("/contacts").await;
    assert_eq!(
        contacts["data"].as_array().map(Vec::len),
        Some(1),
        "nothing imported"
    );

    // The upload is thrown away from its mapping page: the draft and its file go, the audit
    // says so, and the list no longer shows it.
    let page = app.html(&c, &map_url).await;
    assert!(page.contains("id=\"discard-import\""));
    let draft = map_url.trim_end_matches("/map").to_owned();
    let res = c
        .post(app.url(&format!("{draft}/discard")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/imports?discarded=p.csv");
    let list = app.html(&c, &to).await;
    assert!(list.contains("id=\"no-imports\""), "{list}");
    assert!(list.contains("id=\"discarded\""), "{list}");
    assert!(
        list.contains("کنار گذاشته شد و چیزی از آن وارد نشد"),
        "{list}"
    );
    let draft_id: Uuid = draft.trim_start_matches("/imports/").parse().unwrap();
    assert!(app.store.import(draft_id).await.unwrap().is_none());
    let audit = app.html(&c, "/settings/audit").await;
    assert!(audit.contains("کنار گذاشتن فایل ورود"), "{audit}");

    // A started import is history: it cannot be discarded.
    let res = post_contacts_csv(&app, &key, "/api/v1/imports", file).await;
    assert_eq!(res.status(), 202);
    let started: Value = res.json().await.unwrap();
    let (status, err) = app
        .api(&key)
        .send(
            Method::DELETE,
            &format!("/imports/{}", started["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert!(err.to_string().contains("import.not_draft"), "{err}");
}
both!(preview_names_duplicates, preview_names_duplicates);
