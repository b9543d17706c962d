//! The salesperson's main journey in a real browser, in Persian (RTL) and in English (LTR):
//! create a contact → log a call → create a deal → move it on the kanban board → convert a lead.

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
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
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
    fill(&c, "#deal-form [name=title]", "خرید اشتراک سالانه").await;
    fill(&c, "#deal-form [name=amount]", "۲۵۰۰۰۰۰۰").await;
    click(&c, "#deal-form button[type=submit]").await;
    let path = wait_path(&c, |p| p.starts_with("/deals/") && p != "/deals/new").await;
    let deal_id = path.trim_start_matches("/deals/").to_owned();

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

    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_journey_in_persian() {
    journey("fa").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_journey_in_english() {
    journey("en").await;
}
