//! The salesperson's main journey in a real browser, in Persian (RTL) and in English (LTR):
//! create a contact → log a call → create a deal → move it on the kanban board → convert a lead
//! → import a file with a bad row and a duplicate (through the real background worker).

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{attr, browser, fill, start_driver, wait_for};
use crate::harness::*;

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits until the browser is on a page whose path satisfies `ok` (after a form's redirect).
async fn wait_path(c: &Client, ok: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let path = c.current_url().await.unwrap().path().to_owned();
        if ok(&path) {
            return path;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser stayed on {}", c.current_url().await.unwrap());
}

async fn text_of(c: &Client, css: &str) -> String {
    wait_for(c, css).await.text().await.unwrap()
}

async fn journey(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let email = format!("seller-{lang}@example.com");
    app.user_in(&email, "sales", lang).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;

    c.goto(&app.url("/login")).await.unwrap();
    fill(&c, "#email", &email).await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    click(&c, "button[type=submit]").await;
    wait_for(&c, "#main").await;
    let dir = if lang == "fa" { "rtl" } else { "ltr" };
    assert_eq!(attr(&c, "html", "dir").await, dir);

    // 1. A contact, with a Persian-digit mobile number.
    c.goto(&app.url("/contacts/new")).await.unwrap();
    fill(&c, "#first_name", "نگار").await;
    fill(&c, "#last_name", "کاظمی").await;
    fill(&c, "#phone_number_1", "۰۹۱۲ ۷۷۷ ۸۸۹۹").await;
    click(&c, "#save-record").await;
    wait_for(&c, "#log-call").await;
    assert_eq!(text_of(&c, "h1").await, "نگار کاظمی");
    let contact_url = c.current_url().await.unwrap().to_string();

    // 2. Log a call from the contact's page; it appears on the timeline.
    click(&c, "#log-call").await;
    wait_for(&c, "#activity-form").await;
    fill(&c, "#subject", "تماس معرفی محصول").await;
    click(&c, "#done").await;
    click(&c, "#save-activity").await;
    wait_path(&c, |p| p != "/activities/new" && p != "/activities").await;
    c.goto(&contact_url).await.unwrap();
    let timeline = wait_for(&c, "#timeline").await.text().await.unwrap();
    assert!(
        timeline.contains("تماس معرفی محصول"),
        "the call is on the timeline: {timeline}"
    );

    // 3. A deal for this contact.
    click(&c, "#new-deal-for-record").await;
    wait_for(&c, "#deal-form").await;
    // The amount's unit is said next to it: rials, whatever the toman display choice.
    let hint = text_of(&c, "#amount-hint").await;
    assert!(
        hint.contains(if lang == "fa" { "ریال" } else { "rials" })
            && hint.contains(&digits(lang, "10")),
        "{hint}"
    );
    fill(&c, "#deal-form [name=title]", "خرید اشتراک سالانه").await;
    fill(&c, "#deal-form [name=amount]", "۲۵۰۰۰۰۰۰").await;
    click(&c, "#deal-form button[type=submit]").await;
    let path = wait_path(&c, |p| p.starts_with("/deals/") && p != "/deals/new").await;
    let deal_id = path.trim_start_matches("/deals/").to_owned();
    // The amount typed in Persian digits is shown in the user's digits and currency words.
    let (rials, tomans) = if lang == "fa" {
        ("۲۵٬۰۰۰٬۰۰۰ ریال", "۲٬۵۰۰٬۰۰۰ تومان")
    } else {
        ("25,000,000 IRR", "2,500,000 toman")
    };
    let main = wait_for(&c, "#main").await.text().await.unwrap();
    assert!(main.contains(rials), "{main}");

    // 4. Move it on the kanban board to the next stage (the form every card carries).
    c.goto(&app.url("/deals")).await.unwrap();
    wait_for(&c, &format!("#deal-{deal_id}")).await;
    let stages: Vec<String> = {
        let cols = c.find_all(Locator::Css(".board-col")).await.unwrap();
        let mut ids = vec![];
        for col in cols {
            ids.push(col.attr("data-stage-id").await.unwrap().unwrap());
        }
        ids
    };
    let target = &stages[1];
    click(&c, &format!("#deal-{deal_id} summary")).await;
    click(&c, &format!("#stage-{deal_id} option[value='{target}']")).await;
    click(
        &c,
        &format!("#deal-{deal_id} .move-form button[type=submit]"),
    )
    .await;
    wait_for(&c, &format!("#col-{target} #deal-{deal_id}")).await;
    // The column counts in the right plural form and the user's digits; probabilities
    // with the language's percent sign.
    let (one_deal, quarter) = if lang == "fa" {
        ("۱ فرصت", "۲۵٪")
    } else {
        ("1 deal", "25%")
    };
    assert_eq!(
        text_of(&c, &format!("#col-{target} .col-count")).await,
        one_deal
    );
    let head = text_of(&c, &format!("#col-{target} .board-col-head")).await;
    assert!(head.contains(quarter), "{head}");
    // IRR amounts in toman, on the user's choice.
    click(&c, "#money-unit button").await;
    wait_for(&c, "#money-unit input[name='toman'][value='0']").await;
    assert_eq!(
        text_of(&c, &format!("#deal-{deal_id} .deal-amount")).await,
        tomans
    );

    // 5. A lead from the website, converted into contact + company + deal.
    c.goto(&app.url("/leads/new")).await.unwrap();
    fill(&c, "#first_name", "آرش").await;
    fill(&c, "#last_name", "نوری").await;
    fill(&c, "#company_name", "نوآوران").await;
    fill(&c, "#phone", "09351234567").await;
    click(&c, "#save-record").await;
    wait_for(&c, "#convert-form").await;
    fill(&c, "#deal_title", "قرارداد نوآوران").await;
    click(&c, "#convert-lead").await;
    wait_path(&c, |p| p.starts_with("/deals/")).await;
    assert_eq!(text_of(&c, "h1").await, "قرارداد نوآوران");
    assert_eq!(attr(&c, "html", "dir").await, dir);

    // 6. Import a file with a good row, a bad row and a row duplicating the first contact.
    import_file(&app, &c, lang).await;

    c.close().await.unwrap();
}

/// The same text in the user's digits: Persian digits for a Persian user (the default
/// preference), Latin for an English one.
fn digits(lang: &str, s: &str) -> String {
    if lang == "fa" {
        peyvand_domain::digits::to_persian(s)
    } else {
        s.to_owned()
    }
}

fn has_persian_digits(s: &str) -> bool {
    s.chars().any(|ch| ('۰'..='۹').contains(&ch))
}

/// Runs a script that returns a promise (a `fetch` of the page's origin, with its cookies) and
/// gives back what it resolves to.
async fn fetch_text(c: &Client, href: &str) -> (String, String) {
    let v = c
        .execute(
            "return fetch(arguments[0]).then(r => r.text().then(t => \
             [r.status + ' ' + (r.headers.get('content-disposition') || ''), t]))",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    (
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_str().unwrap_or_default().to_owned(),
    )
}

/// Upload → map with a validated preview → choose what to do with duplicates → start → the
/// progress page follows the background worker by itself → counts, failure report, and the
/// imported contact in search.
async fn import_file(app: &TestApp, c: &Client, lang: &str) {
    let dir = if lang == "fa" { "rtl" } else { "ltr" };
    let file = std::env::temp_dir().join(format!(
        "peyvand-journey-{}.csv",
        uuid::Uuid::now_v7().simple()
    ));
    /// Removes the uploaded file even when an assertion fails.
    struct Remove(std::path::PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _remove = Remove(file.clone());
    std::fs::write(
        &file,
        "نام,نام خانوادگی,موبایل,ایمیل,تاریخ تولد\n\
         مهسا,رحیمی,۰۹۱۲۵۵۵۰۰۰۱,mahsa@example.com,۱۳۷۰/۰۵/۱۲\n\
         بهرام,ناشناس,09125550002,bahram-at-example,۱۳۷۰/۱۳/۴۰\n\
         نگار,کاظمی,0912-777-8899,,\n",
    )
    .unwrap();

    // The side navigation leads to the imports, then to a new import.
    click(c, "#nav-imports").await;
    click(c, "#new-import").await;
    wait_for(c, "#upload-form").await;
    assert_eq!(attr(c, "html", "dir").await, dir);
    assert_eq!(attr(c, "html", "lang").await, lang);
    click(c, "#record_type option[value=contact]").await;
    c.find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    click(c, "#upload-form button[type=submit]").await;

    // The mapping page: Persian headers mapped automatically, the options in the user's
    // language, and the bad row flagged with the field named and the reason translated.
    wait_for(c, "#map-form").await;
    assert_eq!(attr(c, "html", "dir").await, dir);
    let (email_label, phones_label, birth_label, email_reason) = if lang == "fa" {
        (
            "نشانی‌های ایمیل",
            "شماره‌های تلفن",
            "تاریخ تولد",
            "یک نشانی ایمیل معتبر وارد کنید.",
        )
    } else {
        (
            "Email addresses",
            "Phone numbers",
            "Birth date",
            "Enter a valid email address.",
        )
    };
    let chosen = text_of(c, "#m2 option:checked").await;
    assert_eq!(chosen, phones_label, "the mobile column maps to the phones");
    let options = c
        .execute(
            "return [...document.querySelectorAll('#mapping option')].map(o => o.textContent)",
            vec![],
        )
        .await
        .unwrap();
    let options: Vec<String> = serde_json::from_value(options).unwrap();
    assert!(options.len() > 10, "{options:?}");
    assert!(
        !options
            .iter()
            .any(|o| o.contains('_') || ["phones", "emails", "city", "tags"].contains(&o.as_str())),
        "field names are translated: {options:?}"
    );
    let bad = text_of(c, "#preview tr.has-error").await;
    assert!(
        bad.contains(&format!("{email_label}: {email_reason}")),
        "the bad row names the field and the problem: {bad}"
    );
    assert!(bad.contains(birth_label), "{bad}");
    assert_eq!(
        c.find_all(Locator::Css("#preview tr.has-error"))
            .await
            .unwrap()
            .len(),
        1,
        "only the bad row is flagged"
    );
    // Each cell of the file stays on one line: a name broken inside a word loses its joined
    // Persian letters.
    let broken = c
        .execute(
            "return [...document.querySelectorAll('#preview td.cell bdi')]\
             .filter(b => b.getClientRects().length > 1).map(b => b.textContent)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(broken, serde_json::json!([]), "cells broken over lines");
    let first_row = text_of(c, "#preview tbody tr:first-child td:first-child").await;
    assert_eq!(
        first_row,
        digits(lang, "2"),
        "row numbers in the user's digits"
    );
    // Skipping the email column refreshes the preview in place: the row keeps only its date
    // problem; mapping it again brings the email problem back.
    for (choice, email_flagged) in [("", false), ("emails", true)] {
        click(c, &format!("#m3 option[value='{choice}']")).await;
        let mut waited = 0;
        loop {
            // Read in one script: the table may be swapped between finding it and reading it.
            let bad = c
                .execute(
                    "return document.querySelector('#preview tr.has-error')?.textContent ?? ''",
                    vec![],
                )
                .await
                .unwrap();
            let bad = bad.as_str().unwrap_or_default().to_owned();
            if bad.contains(email_reason) == email_flagged && bad.contains(birth_label) {
                break;
            }
            waited += 1;
            assert!(waited < 100, "the preview follows the mapping: {bad}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Two columns on one field: refused, and the message names the field.
    click(c, "#m1 option[value=first_name]").await;
    click(c, "#start-import").await;
    let err = wait_for(c, "#m1-error").await.text().await.unwrap();
    let first_name = if lang == "fa" { "نام" } else { "First name" };
    assert!(err.contains(first_name), "{err}");
    assert_eq!(attr(c, "#m1", "aria-invalid").await, "true");
    click(c, "#m1 option[value=last_name]").await;
    click(c, "#map-form input[name=duplicate_mode][value=skip]").await;
    click(c, "#start-import").await;

    // The import waits in the queue; the progress page says so in the user's language.
    wait_path(c, |p| p.starts_with("/imports/") && !p.ends_with("/map")).await;
    assert_eq!(attr(c, "html", "dir").await, dir);
    wait_for(c, "#import-status[data-status=queued]").await;
    let queued = text_of(c, "#import-status").await;
    assert_eq!(queued, if lang == "fa" { "در صف" } else { "Queued" });
    // Then the worker that `peyvand serve` runs starts, and the page refreshes itself until it is
    // done: no reload from here.
    let worker = tokio::spawn(peyvand::run_jobs(app.store.clone()));
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#import-status[data-status=done]"))
        .await
        .expect("the progress page shows the import done");
    for (count, n) in [
        ("imported", "1"),
        ("updated", "0"),
        ("skipped", "1"),
        ("failed", "1"),
    ] {
        assert_eq!(
            text_of(c, &format!("#count-{count}")).await,
            digits(lang, n),
            "{count}"
        );
    }
    // The counts sit side by side in reading order: "imported" first, on the right in Persian.
    let order = c
        .execute(
            "const x = id => document.getElementById(id).getBoundingClientRect();\
             const a = x('count-imported'), b = x('count-failed');\
             return [a.top === b.top, a.left < b.left]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        order,
        serde_json::json!([true, lang == "en"]),
        "counts in a row"
    );
    let progress = text_of(c, "#import-progress-text").await;
    assert_eq!(
        has_persian_digits(&progress),
        lang == "fa",
        "progress in the user's digits: {progress}"
    );

    // The report of failed rows: the row as it was, which field and why, in the user's language.
    let href = attr(c, "#failures-link", "href").await;
    let (head, report) = fetch_text(c, &href).await;
    assert!(head.starts_with("200 attachment"), "{head}");
    let bad_line = report
        .lines()
        .find(|l| l.contains("bahram-at-example"))
        .unwrap_or_else(|| panic!("the bad row is in the report: {report}"));
    assert!(
        bad_line.contains("بهرام") && bad_line.contains(email_reason),
        "{bad_line}"
    );
    assert!(
        bad_line.contains(email_label),
        "the field is named: {bad_line}"
    );
    assert_eq!(report.lines().count(), 2, "{report}");

    // The new contact is found by the top bar's search; the duplicate was not imported twice.
    fill(c, "#global-q", "مهسا رحیمی").await;
    c.find(Locator::Css("#global-q"))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    let results = wait_for(c, "#results").await.text().await.unwrap();
    assert!(results.contains("مهسا رحیمی"), "{results}");
    // Its Jalali birth date from the file, shown in the user's calendar and digits.
    click(c, "#results a[href^='/contacts/']").await;
    wait_path(c, |p| p.starts_with("/contacts/")).await;
    assert_eq!(text_of(c, "h1").await, "مهسا رحیمی");
    let birth = if lang == "fa" {
        "۱۳۷۰/۰۵/۱۲"
    } else {
        "1991-08-03"
    };
    let details = text_of(c, "#main").await;
    assert!(details.contains(birth), "{details}");
    c.goto(&app.url("/contacts?q=%DA%A9%D8%A7%D8%B8%D9%85%DB%8C"))
        .await
        .unwrap();
    let rows = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#records"))
        .await
        .unwrap()
        .find_all(Locator::Css("tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the duplicate row was skipped");

    worker.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_journey_in_persian() {
    journey("fa").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_journey_in_english() {
    journey("en").await;
}
