//! `TestApp`: one server per test, on its own database.

use std::net::SocketAddr;
use std::path::PathBuf;

use peyvand_store::{Db, DbLocation, Store};
use reqwest::redirect::Policy;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests use; they fail (never skip) when it cannot be reached.
pub fn pg_admin_url() -> String {
    std::env::var("PEYVAND_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Where one test's database lives; dropped (file removed / database dropped) at the end.
pub struct TestDb {
    pub location: DbLocation,
    dir: Option<PathBuf>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir =
                    std::env::temp_dir().join(format!("peyvand-it-{}", Uuid::now_v7().simple()));
                TestDb {
                    location: DbLocation::DataDir(dir.clone()),
                    dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let name = format!("peyvand_it_{}", Uuid::now_v7().simple());
                let admin = pg_admin_url();
                let db = Db::open(&DbLocation::Url(admin.clone()))
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL must be reachable at {admin} for the tests: {e}")
                    });
                db.execute(format!("CREATE DATABASE {name}"), vec![])
                    .await
                    .expect("create test database");
                db.close().await;
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or(admin);
                TestDb {
                    location: DbLocation::Url(format!("{base}/{name}")),
                    dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside async context; use a short-lived runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(db) = Db::open(&DbLocation::Url(pg_admin_url())).await {
                        let _ = db
                            .execute(
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                                vec![],
                            )
                            .await;
                        db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub backend: Backend,
    server: JoinHandle<()>,
    // Last, so the database outlives the server.
    pub db: TestDb,
}

pub async fn open_store(location: &DbLocation) -> Store {
    let db = Db::open(location).await.expect("open database");
    db.migrate().await.expect("migrate");
    let store = Store::new(db);
    store.ensure_builtin_roles().await.expect("roles");
    peyvand_services::sales::pipelines::ensure_default_pipeline(&store)
        .await
        .expect("default pipeline");
    store
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        let db = TestDb::new(backend).await;
        Self::spawn_on(backend, db).await
    }

    /// A server on an existing database (used to restart on the same data).
    pub async fn spawn_on(backend: Backend, db: TestDb) -> TestApp {
        let store = open_store(&db.location).await;
        let router = peyvand_web::app(store.clone(), peyvand_web::WebConfig::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestApp {
            addr,
            store,
            backend,
            server,
            db,
        }
    }

    /// Stops the server and hands back its database.
    pub async fn stop(self) -> TestDb {
        self.server.abort();
        let _ = self.server.await;
        self.store.db.close().await;
        self.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests check them).
    /// The text of a page fetched with `c` (a signed-in client, usually).
    pub async fn html(&self, c: &reqwest::Client, path: &str) -> String {
        c.get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    /// Creates the administrator through the first-run page and returns a signed-in client.
    pub async fn setup_admin(&self) -> reqwest::Client {
        let c = self.client();
        let page = c.get(self.url("/setup")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let csrf = csrf_of(&page.text().await.unwrap());
        let res = c
            .post(self.url("/setup"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("display_name", "مدیر"),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("password_confirm", ADMIN_PASSWORD),
                ("language", "fa"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "setup should redirect home");
        c
    }

    /// Signs in through the form; returns the client.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Client {
        let c = self.client();
        let csrf = self.csrf(&c, "/login").await;
        let res = c
            .post(self.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "login of {email} should succeed");
        c
    }

    /// The CSRF token embedded in a page.
    pub async fn csrf(&self, c: &reqwest::Client, path: &str) -> String {
        let res = c.get(self.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "GET {path}");
        csrf_of(&res.text().await.unwrap())
    }

    /// Creates a user directly through the service layer (as the operator) and an API key.
    pub async fn user_with_key(&self, email: &str, role: &str) -> (Uuid, String) {
        self.user_in(email, role, "en").await
    }

    /// Like [`TestApp::user_with_key`], with the user's interface language.
    pub async fn user_in(&self, email: &str, role: &str, language: &str) -> (Uuid, String) {
        use peyvand_services::accounts::{NewUser, create_user};
        use peyvand_services::audit::{Ctx, Who};
        use peyvand_services::{Origin, auth};
        let ctx = Ctx {
            who: Who::operator(),
            origin: Origin::cli(),
        };
        let user = create_user(
            &self.store,
            &ctx,
            None,
            &NewUser {
                email: email.into(),
                display_name: format!("User {role}"),
                password: ADMIN_PASSWORD.into(),
                role: role.into(),
                language: Some(language.into()),
                team_ids: vec![],
            },
        )
        .await
        .expect("create user");
        let (key, _) = auth::create_api_key(&self.store, &ctx, user.id, "tests")
            .await
            .unwrap();
        (user.id, key)
    }

    pub fn api(&self, key: &str) -> Api {
        Api {
            base: self.url("/api/v1"),
            key: key.to_owned(),
            client: reqwest::Client::new(),
        }
    }
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub struct Api {
    base: String,
    key: String,
    client: reqwest::Client,
}

impl Api {
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap_or_default())
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap_or_default())
    }
}

/// Runs one scenario on both backends: `both!(name, scenario_fn)`.
#[macro_export]
macro_rules! both {
    ($name:ident, $scenario:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $scenario($crate::harness::TestApp::spawn($crate::harness::Backend::Sqlite).await)
                    .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $scenario(
                    $crate::harness::TestApp::spawn($crate::harness::Backend::Postgres).await,
                )
                .await;
            }
        }
    };
}
