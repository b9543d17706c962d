//! Contact and company pages through real HTTP, as a person fills the forms.

use crate::both;
use crate::harness::*;

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn a_contact_from_the_form(app: TestApp) {
    let admin = app.setup_admin().await;
    let csrf = app.csrf(&admin, "/contacts/new").await;
    // Bad input: every problem next to its field, nothing stored.
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("first_name", "علی"),
            ("last_name", ""),
            ("phone_number", "۰۹۱۲abc"),
            ("phone_label", "mobile"),
            ("email_address", "ali@"),
            ("email_label", ""),
            ("national_id", "۱۲۳۴۵۶۷۸۹۰"),
            ("birth_date", "۱۴۰۴/۱۲/۳۰"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for id in [
        "phone-error-1",
        "email-error-1",
        "national_id-error",
        "birth_date-error",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(
        html.contains("این روز در آن ماه وجود ندارد."),
        "the Jalali date that does not exist is named"
    );
    assert!(
        html.contains("value=\"۰۹۱۲abc\""),
        "what the user typed is kept"
    );
    assert!(
        html.contains("id=\"form-errors\""),
        "the form says something is wrong"
    );

    // A first name too long is named next to its field (it was refused silently).
    let long = "ا".repeat(101);
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("first_name", long.as_str()),
            ("last_name", "رضایی"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"first_name-error\""), "{html}");

    // A valid contact: Persian digits, Jalali birth date, Arabic letters.
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("first_name", "علي"),
            ("last_name", "رضايي"),
            ("phone_number", "۰۹۱۲ ۱۲۳ ۴۵۶۷"),
            ("phone_label", "mobile"),
            ("phone_number", ""),
            ("phone_label", "work"),
            ("email_address", "Ali@Example.com"),
            ("email_label", ""),
            ("national_id", "0499370899"),
            ("birth_date", "۱۳۶۹/۰۱/۰۱"),
            ("tags", "مشتری ویژه، VIP"),
            ("city", "تهران"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = location(&res);
    assert!(page.starts_with("/contacts/"));
    let html = app.html(&admin, &page).await;
    assert!(html.contains("علی رضایی"));
    assert!(
        html.contains("۰۹۱۲ ۱۲۳ ۴۵۶۷"),
        "phone shown the local way, in Persian digits"
    );
    assert!(
        html.contains("۱۳۶۹/۰۱/۰۱"),
        "birth date in the Jalali calendar"
    );
    assert!(
        html.contains("id=\"timeline\""),
        "the creation is on the timeline"
    );
    let id = page.trim_start_matches("/contacts/");
    let stored = app
        .store
        .contact(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.birth_date.unwrap().to_string(), "1990-03-21");
    assert_eq!(stored.phones.0[0].number, "+989121234567");

    // The same phone again: a warning with a link, and a way to create anyway.
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("last_name", "دیگر"),
            ("phone_number", "+989121234567"),
            ("phone_label", "mobile"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"duplicate-warning\"") && html.contains(&format!("/contacts/{id}")));
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("last_name", "دیگر"),
            ("phone_number", "+989121234567"),
            ("phone_label", "mobile"),
            ("allow_duplicate", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // The list: search, filters with chips, sort links, recycle bin.
    let html = app.html(&admin, "/contacts?q=%D8%B9%D9%84%D9%8A").await;
    assert!(html.contains("علی رضایی") && !html.contains(">دیگر<"));
    let res = admin
        .get(app.url("/contacts?ff=city&fo=eq&fv=%D8%AA%D9%87%D8%B1%D8%A7%D9%86"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "the add-filter form turns into a canonical URL"
    );
    let html = app.html(&admin, &location(&res)).await;
    assert!(
        html.contains("class=\"chip\"") && html.contains("علی رضایی") && !html.contains(">دیگر<")
    );
    let res = admin
        .get(app.url("/contacts?created=this_month"))
        .send()
        .await
        .unwrap();
    assert!(location(&res).contains("filter%5Bcreated_at%5D%5Bge%5D"));

    // Edit, then delete into the bin and restore.
    let res = admin
        .post(app.url(&format!("/contacts/{id}/edit")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("first_name", "علی"),
            ("last_name", "رضایی"),
            ("job_title", "مدیر خرید"),
            ("phone_number", "09121234567"),
            ("phone_label", "mobile"),
            ("birth_date", "۱۳۶۹/۰۱/۰۱"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.store
            .contact(id.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .job_title,
        "مدیر خرید"
    );
    let res = admin
        .post(app.url(&format!("/contacts/{id}/delete")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app.html(&admin, "/contacts?deleted=true").await;
    assert!(html.contains("علی رضایی"));
    let html = app.html(&admin, &format!("/contacts/{id}")).await;
    assert!(html.contains("id=\"in-bin\""));
    admin
        .post(app.url(&format!("/contacts/{id}/restore")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        app.store
            .contact(id.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .deleted_at
            .is_none()
    );
}
both!(contact_form, a_contact_from_the_form);

async fn a_company_and_its_people(app: TestApp) {
    let admin = app.setup_admin().await;
    let csrf = app.csrf(&admin, "/companies/new").await;
    let res = admin
        .post(app.url("/companies"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", ""),
            ("national_id", "12345678901"),
            ("employees", "many"),
            ("website", "bad site"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"employees-error\""));
    let res = admin
        .post(app.url("/companies"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", ""),
            ("national_id", "12345678901"),
            ("website", "bad site"),
        ])
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    for id in ["name-error", "national_id-error", "website-error"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let res = admin
        .post(app.url("/companies"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "بازرگانی آریا"),
            ("employees", "۱۲۰"),
            ("phone_number", "021-8888-7777"),
            ("phone_label", "work"),
            ("city", "تهران"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = location(&res);
    let company_id = page.trim_start_matches("/companies/").to_owned();
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("last_name", "کریمی"),
            ("job_title", "مدیر فروش"),
            ("company_id", company_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app.html(&admin, &page).await;
    assert!(html.contains("id=\"people\"") && html.contains("کریمی") && html.contains("مدیر فروش"));
    assert!(html.contains("۱۲۰"), "employees in Persian digits");
    let html = app.html(&admin, "/companies?sort=-employees").await;
    assert!(html.contains("بازرگانی آریا"));
    let html = app.html(&admin, "/contacts?cols=name&cols=company").await;
    assert!(
        html.contains("بازرگانی آریا"),
        "the company column links the contact's company"
    );
}
both!(company_form, a_company_and_its_people);

async fn custom_fields_flow_into_forms_and_lists(app: TestApp) {
    let admin = app.setup_admin().await;
    let csrf = app
        .csrf(&admin, "/settings/fields?record_type=contact")
        .await;
    // A choice field without options is refused, by name.
    let res = admin
        .post(app.url("/settings/fields"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("record_type", "contact"),
            ("label_fa", "سطح مشتری"),
            ("label_en", "Tier"),
            ("key", "tier"),
            ("field_type", "select"),
            ("options", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"options-error\""));
    let res = admin
        .post(app.url("/settings/fields"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("record_type", "contact"),
            ("label_fa", "سطح مشتری"),
            ("label_en", "Tier"),
            ("key", "tier"),
            ("field_type", "select"),
            ("options", "gold | طلایی | Gold\nsilver | نقره‌ای | Silver"),
            ("required", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = admin
        .post(app.url("/settings/fields"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("record_type", "contact"),
            ("label_fa", "عضویت"),
            ("label_en", "Member since"),
            ("key", "member_since"),
            ("field_type", "date"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app.html(&admin, "/contacts/new").await;
    assert!(
        html.contains("name=\"custom.tier\"")
            && html.contains("طلایی")
            && html.contains("name=\"custom.member_since\"")
    );
    // Required custom field missing → error next to it.
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("last_name", "صالحی"),
            ("custom.tier", ""),
            ("custom.member_since", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("id=\"custom.tier-error\"")
    );
    let res = admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("last_name", "صالحی"),
            ("custom.tier", "gold"),
            ("custom.member_since", "۱۴۰۲/۰۷/۰۱"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = res.headers()["location"].to_str().unwrap().to_owned();
    let html = app.html(&admin, &page).await;
    assert!(
        html.contains("طلایی") && html.contains("۱۴۰۲/۰۷/۰۱"),
        "custom values shown in the user's language and calendar"
    );
    admin
        .post(app.url("/contacts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("last_name", "نادری"),
            ("custom.tier", "silver"),
        ])
        .send()
        .await
        .unwrap();
    let html = app
        .html(
            &admin,
            "/contacts?filter%5Bcustom.tier%5D%5Beq%5D=gold&cols=name&cols=custom.tier",
        )
        .await;
    assert!(
        html.contains("صالحی") && !html.contains("نادری"),
        "filtered on the custom field"
    );
    assert!(
        html.contains("سطح مشتری"),
        "the custom column and its chip use the label"
    );
}
both!(custom_field_ui, custom_fields_flow_into_forms_and_lists);

async fn saved_views_and_bulk_actions(app: TestApp) {
    let admin = app.setup_admin().await;
    let (sara, _) = app.user_in("sara@example.com", "sales", "fa").await;
    let csrf = app.csrf(&admin, "/contacts").await;
    for (name, city) in [("الف", "تهران"), ("ب", "تهران"), ("پ", "شیراز")] {
        let res = admin
            .post(app.url("/contacts"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("last_name", name),
                ("city", city),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    // Save the "in Tehran" view, shared.
    let query = "filter%5Bcity%5D%5Beq%5D=%D8%AA%D9%87%D8%B1%D8%A7%D9%86";
    let res = admin
        .post(app.url("/views"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("record_type", "contact"),
            ("name", "مشتریان تهران"),
            (
                "query",
                &format!("{}&cursor=abc", urlencoding_decode(query)),
            ),
            ("shared", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app.html(&admin, "/contacts").await;
    assert!(html.contains("مشتریان تهران"), "the view is listed");
    let sara_web = app.login("sara@example.com", ADMIN_PASSWORD).await;
    let html = app.html(&sara_web, "/contacts").await;
    assert!(
        html.contains("مشتریان تهران"),
        "shared views are visible to colleagues"
    );
    assert!(!html.contains("cursor=abc"), "a cursor is never saved");

    // Bulk: give the Tehran contacts to Sara, tag them.
    let ids: Vec<String> = app
        .store
        .list_contacts(&{
            let mut s =
                peyvand_store::query::ListSpec::new(peyvand_domain::access::OwnerFilter::Any, 10);
            s.filters.push(peyvand_store::query::Filter {
                field: peyvand_store::query::Field::Column("city".into()),
                op: peyvand_store::query::Op::Eq,
                value: serde_json::json!("تهران"),
            });
            s
        })
        .await
        .unwrap()
        .rows
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    let sara_id = sara.to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("_csrf", csrf.as_str()),
        ("action", "assign"),
        ("owner_id", sara_id.as_str()),
        ("back", "/contacts"),
    ];
    for id in &ids {
        form.push(("ids", id.as_str()));
    }
    let res = admin
        .post(app.url("/contacts/bulk"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.ends_with("done=2-0"), "{back}");
    let html = app.html(&admin, &back).await;
    assert!(html.contains("id=\"bulk-notice\""));
    for id in &ids {
        assert_eq!(
            app.store
                .contact(id.parse().unwrap())
                .await
                .unwrap()
                .unwrap()
                .owner_id,
            sara
        );
    }
    // Nothing selected: the list says to select first (not "0 records changed").
    let res = admin
        .post(app.url("/contacts/bulk"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("action", "tag"),
            ("tag", "x"),
            ("back", "/contacts"),
        ])
        .send()
        .await
        .unwrap();
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    let html = app.html(&admin, &back).await;
    assert!(
        html.contains("یک یا چند رکورد را در فهرست انتخاب کنید"),
        "{html}"
    );
    // A view without a name is not saved, and the list says why.
    let res = admin
        .post(app.url("/views"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("record_type", "contact"),
            ("name", " "),
            ("query", "q=x"),
        ])
        .send()
        .await
        .unwrap();
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    let html = app.html(&admin, &back).await;
    assert!(html.contains("برای ذخیرهٔ نما یک نام بنویسید"), "{back}");
    // Sara's own bulk delete of everything only touches what she may delete.
    let all: Vec<String> = app
        .store
        .list_contacts(&peyvand_store::query::ListSpec::new(
            peyvand_domain::access::OwnerFilter::Any,
            10,
        ))
        .await
        .unwrap()
        .rows
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    let csrf_s = app.csrf(&sara_web, "/contacts").await;
    let mut form: Vec<(&str, &str)> = vec![
        ("_csrf", csrf_s.as_str()),
        ("action", "delete"),
        ("owner_id", sara_id.as_str()),
        ("back", "/contacts"),
    ];
    for id in &all {
        form.push(("ids", id.as_str()));
    }
    let res = sara_web
        .post(app.url("/contacts/bulk"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("done=2-1")
    );
}
both!(views_and_bulk, saved_views_and_bulk_actions);

fn urlencoding_decode(s: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(s).unwrap();
    serde_urlencoded::to_string(pairs).unwrap()
}
