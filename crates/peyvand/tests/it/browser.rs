//! Browser journeys in headless Chromium (Debian's chromium + chromedriver), driven from Rust.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::harness::*;

pub struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver; fails the test (never skips) when it is not installed.
pub async fn start_driver() -> Driver {
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = free_port();
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromedriver ({bin}) is required for the browser tests: {e}; run scripts/test.sh, which installs it"));
    // Owned by the guard from here on, so it is killed and reaped even if the test fails.
    let driver = Driver { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

pub async fn browser(driver: &Driver) -> Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let profile =
        std::env::temp_dir().join(format!("peyvand-chrome-{}", uuid::Uuid::now_v7().simple()));
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connect to chromedriver")
}

/// An attribute of the first element matching `css`, once it is there (a page may still be
/// loading after a navigation or a refresh of its own).
pub async fn attr(c: &Client, css: &str, name: &str) -> String {
    wait_for(c, css)
        .await
        .attr(name)
        .await
        .unwrap()
        .unwrap_or_default()
}

pub async fn fill(c: &Client, css: &str, value: &str) {
    let el = c.find(Locator::Css(css)).await.unwrap();
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

pub async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// First run in Persian (RTL), then the user switches to English (LTR); a bad value on the
/// profile form is shown next to its field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_is_rtl_in_persian_and_ltr_in_english() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;

    // Chromium asks for English first, so the first-run page starts in English; the visitor
    // switches it to Persian.
    c.goto(&app.url("/")).await.unwrap();
    wait_for(&c, "form[action='/setup']").await;
    assert_eq!(attr(&c, "html", "dir").await, "ltr");
    c.find(Locator::Css("#lang-fa"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#lang-en").await;
    assert_eq!(attr(&c, "html", "dir").await, "rtl");
    assert_eq!(attr(&c, "html", "lang").await, "fa");
    fill(&c, "#display_name", "مریم احمدی").await;
    fill(&c, "#email", "maryam@example.com").await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    fill(&c, "#password_confirm", ADMIN_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let welcome = wait_for(&c, "#welcome").await;
    assert_eq!(welcome.text().await.unwrap(), "مریم احمدی، خوش آمدید.");
    assert_eq!(attr(&c, "html", "dir").await, "rtl");
    // The side navigation sits on the right in RTL.
    let nav_x = c
        .execute(
            "return document.getElementById('sidenav').getBoundingClientRect().left",
            vec![],
        )
        .await
        .unwrap();
    let main_x = c
        .execute(
            "return document.getElementById('main').getBoundingClientRect().left",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        nav_x.as_f64().unwrap() > main_x.as_f64().unwrap(),
        "navigation on the right in Persian"
    );
    let today = c
        .find(Locator::Css("#today strong"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        today.chars().any(|ch| ('۰'..='۹').contains(&ch)),
        "Persian digits in {today}"
    );

    // Bad time zone: message next to the field, nothing saved.
    c.goto(&app.url("/profile")).await.unwrap();
    fill(&c, "#time_zone", "Mars/Base").await;
    c.find(Locator::Css("#save-prefs"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = wait_for(&c, "#time_zone-error").await;
    assert!(err.text().await.unwrap().contains("Asia/Tehran"));

    // Switch to English.
    fill(&c, "#time_zone", "Asia/Tehran").await;
    c.find(Locator::Css("#language option[value=en]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The calendar and digits were Persian's defaults: they follow English in view.
    let follows = c
        .execute(
            "const l = document.getElementById('language'); \
             l.dispatchEvent(new Event('change')); \
             return [document.getElementById('calendar').value, \
                     document.getElementById('digits').value]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(follows, serde_json::json!(["gregorian", "latin"]));
    c.find(Locator::Css("#save-prefs"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#saved").await;
    assert_eq!(attr(&c, "html", "dir").await, "ltr");
    assert_eq!(attr(&c, "html", "lang").await, "en");
    c.goto(&app.url("/")).await.unwrap();
    let nav_x = c
        .execute(
            "return document.getElementById('sidenav').getBoundingClientRect().left",
            vec![],
        )
        .await
        .unwrap();
    let main_x = c
        .execute(
            "return document.getElementById('main').getBoundingClientRect().left",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        nav_x.as_f64().unwrap() < main_x.as_f64().unwrap(),
        "navigation on the left in English"
    );
    assert_eq!(
        c.find(Locator::Css("#welcome"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Welcome, مریم احمدی."
    );

    // On a phone the menu opens over the page; Escape closes it and the focus goes back to
    // the button that opened it.
    c.set_window_size(390, 844).await.unwrap();
    c.find(Locator::Css("[data-nav-toggle]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let open = "return [document.getElementById('sidenav').classList.contains('open'), \
                document.querySelector('[data-nav-toggle]').getAttribute('aria-expanded'), \
                document.activeElement.hasAttribute('data-nav-toggle')]";
    assert_eq!(
        c.execute(open, vec![]).await.unwrap(),
        serde_json::json!([true, "true", true])
    );
    c.active_element()
        .await
        .unwrap()
        .send_keys("\u{E00C}")
        .await
        .unwrap();
    assert_eq!(
        c.execute(open, vec![]).await.unwrap(),
        serde_json::json!([false, "false", true])
    );
    c.set_window_size(1280, 900).await.unwrap();

    // Sign out, and back in through the form.
    c.find(Locator::Css("#logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "form[action='/login']").await;
    fill(&c, "#email", "maryam@example.com").await;
    fill(&c, "#password", "wrong password").await;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#login-error").await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#welcome").await;

    // Create an API key; it is shown once.
    c.goto(&app.url("/profile/api-keys")).await.unwrap();
    fill(&c, "#key-name", "website").await;
    c.find(Locator::Css("#create-key"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let key = wait_for(&c, "#new-key").await.text().await.unwrap();
    assert!(key.starts_with("pvk_"));
    let (status, me) = app.api(&key).get("/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "maryam@example.com");

    c.close().await.unwrap();
}
