//! The `peyvand` binary as an operator uses it: real processes, a fresh SQLite data directory
//! or a fresh PostgreSQL database per test.
//!
//! PostgreSQL: `PEYVAND_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names an administrative database; each test creates `peyvand_t_<random>` next to it and
//! drops it afterwards. When PostgreSQL cannot be reached the PostgreSQL tests fail.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

/// A temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("peyvand-cli-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where a test's database lives, as the global flags say it.
enum Target {
    DataDir(PathBuf),
    Url(String),
}

/// `peyvand` with a clean environment (no PEYVAND_* or RUST_LOG from the caller).
fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peyvand"));
    for (key, _) in std::env::vars_os() {
        if let Some(k) = key.to_str()
            && (k.starts_with("PEYVAND_") || k == "RUST_LOG")
        {
            cmd.env_remove(k);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn run(target: &Target, args: &[&str]) -> Output {
    let mut cmd = bin();
    match target {
        Target::DataDir(dir) => cmd.arg("--data-dir").arg(dir),
        Target::Url(url) => cmd.arg("--database-url").arg(url),
    };
    cmd.args(args).output().expect("run peyvand")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "expected success, got {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(&o),
        stderr(&o)
    );
    o
}

#[track_caller]
fn fails_with(o: &Output, code: i32, needle: &str) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit status\nstdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
    assert!(
        stderr(o).contains(needle),
        "stderr should contain {needle:?}:\n{}",
        stderr(o)
    );
}

fn create_user(target: &Target, email: &str, role: &str) -> Output {
    run(
        target,
        &[
            "user",
            "create",
            "--email",
            email,
            "--password",
            PASSWORD,
            "--role",
            role,
        ],
    )
}

fn user_list(target: &Target) -> String {
    stdout(&ok(run(target, &["user", "list"])))
}

// ---- accounts and keys, on both backends ----

fn accounts_and_keys(target: &Target) {
    let o = ok(create_user(target, "owner@example.com", "admin"));
    assert!(stdout(&o).contains("owner@example.com"), "{}", stdout(&o));

    let dup = create_user(target, "owner@example.com", "sales");
    fails_with(
        &dup,
        2,
        "email: an account with this email address already exists",
    );

    let short = run(
        target,
        &[
            "user",
            "create",
            "--email",
            "x@example.com",
            "--password",
            "short",
            "--role",
            "sales",
        ],
    );
    fails_with(&short, 2, "password: must be at least 10 characters");

    let role = create_user(target, "y@example.com", "astronaut");
    fails_with(&role, 2, "role: no such role");
    assert!(
        stderr(&role).contains("admin"),
        "lists the roles: {}",
        stderr(&role)
    );

    let bad_email = create_user(target, "not-an-email", "sales");
    fails_with(&bad_email, 2, "email: is not a valid email address");

    let named = ok(run(
        target,
        &[
            "user",
            "create",
            "--email",
            "sara@example.com",
            "--password",
            PASSWORD,
            "--role",
            "sales",
            "--name",
            "سارا",
            "--language",
            "en",
        ],
    ));
    assert!(named.status.success());

    let list = user_list(target);
    assert!(
        list.contains("owner@example.com\towner\tadmin\tactive"),
        "{list}"
    );
    assert!(
        list.contains("sara@example.com\tسارا\tsales\tactive"),
        "{list}"
    );
    assert!(
        !list.contains("x@example.com") && !list.contains("y@example.com"),
        "{list}"
    );

    let key = ok(run(
        target,
        &[
            "api-key",
            "create",
            "--user",
            "owner@example.com",
            "--name",
            "zapier",
        ],
    ));
    let out = stdout(&key);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "only the key on stdout: {out:?}");
    assert!(
        lines[0].starts_with("pvk_") && lines[0].len() > 20,
        "{out:?}"
    );
    assert!(
        stderr(&key).contains("will not be shown again"),
        "{}",
        stderr(&key)
    );

    let nobody = run(
        target,
        &["api-key", "create", "--user", "nobody@example.com"],
    );
    fails_with(
        &nobody,
        1,
        "no user with the email address nobody@example.com",
    );
    assert!(stdout(&nobody).is_empty());
}

#[test]
fn sqlite_accounts_and_api_keys() {
    let dir = TempDir::new();
    accounts_and_keys(&Target::DataDir(dir.path().join("data")));
}

#[test]
fn postgres_accounts_and_api_keys() {
    let pg = PgDb::create();
    accounts_and_keys(&Target::Url(pg.url.clone()));
}

// ---- migrate ----

#[test]
fn migrate_creates_a_fresh_data_dir_and_is_repeatable() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let target = Target::DataDir(data.clone());
    let first = ok(run(&target, &["migrate"]));
    assert!(
        stdout(&first).contains("0001 platform"),
        "{}",
        stdout(&first)
    );
    assert!(data.join("peyvand.db").is_file());
    let again = ok(run(&target, &["migrate"]));
    assert!(stdout(&again).contains("0001 platform"));
}

#[test]
fn data_dir_comes_from_the_environment_and_a_url_wins() {
    let dir = TempDir::new();
    let data = dir.path().join("from-env");
    ok(bin()
        .env("PEYVAND_DATA_DIR", &data)
        .arg("migrate")
        .output()
        .unwrap());
    assert!(data.join("peyvand.db").is_file());
    // A URL wins over the data directory: the data directory is not touched.
    let other = dir.path().join("unused");
    let o = bin()
        .env("PEYVAND_DATA_DIR", &other)
        .env(
            "PEYVAND_DATABASE_URL",
            format!("sqlite:{}", data.join("peyvand.db").display()),
        )
        .arg("migrate")
        .output()
        .unwrap();
    ok(o);
    assert!(!other.exists());
}

// ---- bad locations ----

#[test]
fn unknown_url_scheme_fails_clearly() {
    let o = run(&Target::Url("mysql://x".into()), &["migrate"]);
    fails_with(&o, 1, "unsupported database URL scheme");
    assert_eq!(stderr(&o).lines().count(), 1, "one line: {}", stderr(&o));
}

#[test]
fn missing_sqlite_file_fails_and_creates_nothing() {
    let missing = std::env::temp_dir().join(format!("peyvand-missing-{}", Uuid::now_v7()));
    let url = format!("sqlite:{}", missing.join("x.db").display());
    for args in [
        &["migrate"][..],
        &["user", "list"],
        &["backup", "--to", "/dev/null/x"],
    ] {
        let o = run(&Target::Url(url.clone()), args);
        fails_with(&o, 1, "no database at");
        assert!(!missing.exists(), "{} was created", missing.display());
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    let o = bin()
        .args(["user", "create", "--email", "a@example.com"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--role"), "{}", stderr(&o));
    let o = bin().args(["frobnicate"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

// ---- backup and restore ----

fn backup_restore_round_trip(target: &Target, backup: &Path) {
    ok(create_user(target, "a@example.com", "admin"));
    let b = ok(run(target, &["backup", "--to", backup.to_str().unwrap()]));
    assert!(stdout(&b).contains("backed up"), "{}", stdout(&b));
    assert!(backup.is_file());

    // Never overwrite a file.
    let again = run(target, &["backup", "--to", backup.to_str().unwrap()]);
    fails_with(&again, 1, "already exists");

    ok(create_user(target, "b@example.com", "sales"));
    assert!(user_list(target).contains("b@example.com"));

    let r = ok(run(target, &["restore", backup.to_str().unwrap()]));
    assert!(stdout(&r).contains("restored"), "{}", stdout(&r));

    let list = user_list(target);
    assert!(list.contains("a@example.com"), "{list}");
    assert!(!list.contains("b@example.com"), "{list}");
    // The restored database works for writes.
    ok(create_user(target, "c@example.com", "sales"));
}

#[test]
fn sqlite_backup_and_restore_round_trip() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let target = Target::DataDir(data.clone());
    backup_restore_round_trip(&target, &dir.path().join("backup.db"));
    // The database it replaced was kept, and holds the user created after the backup.
    let kept: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("peyvand.db.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let url = format!("sqlite:{}", kept[0].display());
    assert!(user_list(&Target::Url(url)).contains("b@example.com"));
}

#[test]
fn restore_into_a_fresh_data_dir() {
    let dir = TempDir::new();
    let first = Target::DataDir(dir.path().join("one"));
    ok(create_user(&first, "a@example.com", "admin"));
    let backup = dir.path().join("b.db");
    ok(run(&first, &["backup", "--to", backup.to_str().unwrap()]));
    let second = Target::DataDir(dir.path().join("two"));
    ok(run(&second, &["restore", backup.to_str().unwrap()]));
    assert!(user_list(&second).contains("a@example.com"));
}

#[test]
fn restore_refuses_what_is_not_a_peyvand_backup() {
    let dir = TempDir::new();
    let target = Target::DataDir(dir.path().join("data"));
    ok(create_user(&target, "a@example.com", "admin"));

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, this is not a database at all").unwrap();
    fails_with(
        &run(&target, &["restore", text.to_str().unwrap()]),
        1,
        "is not a Peyvand SQLite backup",
    );

    // An SQLite database of something else.
    let other = dir.path().join("other.db");
    let url = format!("sqlite://{}?mode=rwc", other.display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    });
    fails_with(
        &run(&target, &["restore", other.to_str().unwrap()]),
        1,
        "is not a Peyvand SQLite backup",
    );

    let missing = dir.path().join("missing.db");
    fails_with(
        &run(&target, &["restore", missing.to_str().unwrap()]),
        1,
        "no backup file at",
    );

    // Nothing changed.
    assert!(user_list(&target).contains("a@example.com"));
}

#[test]
fn restore_refuses_while_the_server_runs() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let target = Target::DataDir(data.clone());
    ok(create_user(&target, "a@example.com", "admin"));
    let backup = dir.path().join("b.db");
    ok(run(&target, &["backup", "--to", backup.to_str().unwrap()]));

    let server = Server::start(&data);
    let o = run(&target, &["restore", backup.to_str().unwrap()]);
    fails_with(&o, 1, "stop the server first");
    // A backup while it runs is fine.
    ok(run(
        &target,
        &["backup", "--to", dir.path().join("b2.db").to_str().unwrap()],
    ));
    server.stop();

    ok(run(&target, &["restore", backup.to_str().unwrap()]));
}

#[test]
fn postgres_backup_and_restore_round_trip() {
    let pg_dump = ["pg_dump", "pg_restore"].map(find_pg_tool);
    assert!(
        pg_dump.iter().all(Option::is_some),
        "pg_dump and pg_restore are required for this test (Debian: apt-get install postgresql-client); \
         looked on PATH and in /usr/lib/postgresql/*/bin"
    );
    let pg = PgDb::create();
    let dir = TempDir::new();
    backup_restore_round_trip(
        &Target::Url(pg.url.clone()),
        &dir.path().join("backup.pgdump"),
    );
}

// ---- the server ----

/// `peyvand serve` on a free port, stopped with SIGTERM.
struct Server {
    child: std::process::Child,
    addr: String,
    /// The server's log lines after the one that gave its address.
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = bin()
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start peyvand serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let (log_tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = tx.send(addr);
                } else {
                    let _ = log_tx.send(line);
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!("peyvand serve did not report its address within 60 s");
            }
        };
        Server { child, addr, log }
    }

    /// Waits up to `timeout` for a log line containing `needle`; returns it.
    fn wait_for_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// SIGTERM, then the process must exit cleanly.
    fn stop(mut self) {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}");
    }
}

#[test]
fn serve_answers_http_and_stops_on_sigterm() {
    let dir = TempDir::new();
    let server = Server::start(&dir.path().join("data"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("http://{}/", server.addr))
            .send()
            .await
            .expect("the server answers")
            .status()
    });
    assert!(!status.is_server_error(), "GET / gave {status}");
    server.stop();
}

// ---- search reindex ----

/// The contacts' search text as a release before joined half-space words left it, and that
/// release's recipe version recorded.
fn make_search_text_stale(data: &Path) {
    use peyvand_services::sales::reindex;
    block_on(async {
        let db = peyvand_store::Db::open(&peyvand_store::DbLocation::DataDir(data.to_owned()))
            .await
            .unwrap();
        let joined = peyvand_domain::text::normalize_for_search("رامشیرزاده");
        let n = db
            .execute(
                "UPDATE contacts SET search_text = REPLACE(search_text, $1, '') \
                 WHERE search_text <> REPLACE(search_text, $1, '')",
                peyvand_store::args![format!(" {joined}")],
            )
            .await
            .unwrap();
        assert_eq!(n, 1, "one contact has the joined form");
        let store = peyvand_store::Store::new(db);
        let mut tx = store.begin().await.unwrap();
        store
            .set_setting(
                &mut tx,
                reindex::SEARCH_TEXT_VERSION_KEY,
                &(reindex::SEARCH_TEXT_VERSION - 1).to_string(),
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        store.db.close().await;
    });
}

#[test]
fn sqlite_reindex_rebuilds_stale_search_text() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let target = Target::DataDir(data.clone());
    ok(create_user(&target, "admin@example.com", "admin"));
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "نام,نام خانوادگی,موبایل\nکاوه,رامشیر\u{200C}زاده,09121234567\nمریم,کریمی,09351112233\n",
    )
    .unwrap();
    let out = ok(run(&target, &["import", "contacts", csv.to_str().unwrap()]));
    assert_eq!(stdout(&out), "imported 2, updated 0, skipped 0, failed 0\n");

    make_search_text_stale(&data);
    let out = ok(run(&target, &["reindex"]));
    assert_eq!(
        stdout(&out),
        "reindexed 1 of 2 records (contacts 1 of 2, companies 0 of 0, leads 0 of 0, deals 0 of 0)\n",
        "stderr: {}",
        stderr(&out)
    );
    let out = ok(run(&target, &["reindex"]));
    assert_eq!(
        stdout(&out),
        "reindexed 0 of 2 records (contacts 0 of 2, companies 0 of 0, leads 0 of 0, deals 0 of 0)\n"
    );

    // `migrate` rebuilds an outdated index once.
    make_search_text_stale(&data);
    let out = ok(run(&target, &["migrate"]));
    assert!(
        stdout(&out).contains("search text reindexed 1 of 2 records"),
        "{}",
        stdout(&out)
    );
    let out = ok(run(&target, &["migrate"]));
    assert!(!stdout(&out).contains("reindexed"), "{}", stdout(&out));

    // `serve` rebuilds it in the background, serving meanwhile.
    make_search_text_stale(&data);
    let server = Server::start(&data);
    let line = server.wait_for_log("search text reindexed", Duration::from_secs(60));
    server.stop();
    let line = line.expect("serve logs the reindex");
    assert!(line.contains("reindexed 1 of 2 records"), "{line}");
    let out = ok(run(&target, &["reindex"]));
    assert!(
        stdout(&out).starts_with("reindexed 0 of 2"),
        "{}",
        stdout(&out)
    );
}

// ---- PostgreSQL harness ----

fn find_pg_tool(name: &str) -> Option<PathBuf> {
    peyvand_store::backup::find_pg_tool(name)
}

/// A fresh PostgreSQL database, dropped when the test ends (also when it fails).
struct PgDb {
    admin_url: String,
    name: String,
    url: String,
}

fn pg_admin_url() -> String {
    std::env::var("PEYVAND_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

impl PgDb {
    fn create() -> PgDb {
        let admin_url = pg_admin_url();
        let name = format!("peyvand_t_{}", Uuid::now_v7().simple());
        block_on(async {
            let mut conn = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for this test and could not be reached at {} ({e}); \
                     start it or set PEYVAND_TEST_PG_URL (scripts/test.sh does both)",
                    peyvand_store::backup::redact_url(&admin_url)
                )
            });
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create the test database");
            conn.close().await.ok();
        });
        let url = with_database(&admin_url, &name);
        PgDb {
            admin_url,
            name,
            url,
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let dropped = block_on(async {
            let mut conn = PgConnection::connect(&self.admin_url).await?;
            sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await?;
            conn.close().await
        });
        if let Err(e) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

#[test]
fn with_database_replaces_only_the_name() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "t2"),
        "postgres://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "t3"),
        "postgres://h:5432/t3"
    );
}

// ---- import and export ----

fn import_export(target: &Target, dir: &Path) {
    ok(create_user(target, "admin@example.com", "admin"));
    let csv = dir.join("people.csv");
    std::fs::write(
        &csv,
        "\u{feff}نام,نام خانوادگی,موبایل,کد ملی,تاریخ تولد\n\
         علی,رضایی,۰۹۱۲۱۲۳۴۵۶۷,2741234566,۱۳۶۹/۰۱/۰۱\n\
         بد,ردیف,09120000001,1234567890,\n\
         تکراری,کاربر,+98 912 123 4567,,\n",
    )
    .unwrap();
    let out = ok(run(target, &["import", "contacts", csv.to_str().unwrap()]));
    assert_eq!(
        stdout(&out),
        "imported 1, updated 0, skipped 1, failed 1\n",
        "stderr: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("national_id"), "{}", stderr(&out));

    // An explicit mapping, and duplicates updated.
    let other = dir.join("other.csv");
    std::fs::write(&other, "Mobile;Family;City\n09121234567;رضایی‌فر;شیراز\n").unwrap();
    let out = ok(run(
        target,
        &[
            "import",
            "contacts",
            other.to_str().unwrap(),
            "--map",
            "Mobile=phones,Family=last_name,City=city",
            "--duplicates",
            "update",
            "--as",
            "admin@example.com",
        ],
    ));
    assert_eq!(stdout(&out), "imported 0, updated 1, skipped 0, failed 0\n");

    // A mapping to an unknown field is refused and names the column.
    let out = run(
        target,
        &[
            "import",
            "contacts",
            other.to_str().unwrap(),
            "--map",
            "Mobile=telephone",
        ],
    );
    fails_with(&out, 2, "mapping.Mobile: import.unknown_field");

    // --owner gives the created records to someone else; an unknown email is named.
    ok(create_user(target, "sales@example.com", "sales"));
    let leads = dir.join("leads.csv");
    std::fs::write(
        &leads,
        "Family,Mobile
کاظمی,09351112233
",
    )
    .unwrap();
    let out = run(
        target,
        &[
            "import",
            "contacts",
            leads.to_str().unwrap(),
            "--owner",
            "nobody@example.com",
        ],
    );
    fails_with(&out, 1, "--owner: no user has the email nobody@example.com");
    let out = ok(run(
        target,
        &[
            "import",
            "contacts",
            leads.to_str().unwrap(),
            "--owner",
            "Sales@Example.com",
        ],
    ));
    assert_eq!(stdout(&out), "imported 1, updated 0, skipped 0, failed 0\n");
    let theirs = dir.join("theirs.csv");
    ok(run(
        target,
        &[
            "export",
            "contacts",
            "--to",
            theirs.to_str().unwrap(),
            "--as",
            "sales@example.com",
        ],
    ));
    let text = std::fs::read_to_string(&theirs).unwrap();
    assert!(text.contains("کاظمی") && !text.contains("رضایی"), "{text}");

    let to = dir.join("contacts.csv");
    ok(run(
        target,
        &[
            "export",
            "contacts",
            "--format",
            "csv",
            "--to",
            to.to_str().unwrap(),
        ],
    ));
    let bytes = std::fs::read(&to).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "CSV export starts with a BOM"
    );
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("رضایی‌فر") && text.contains("شیراز") && text.contains("1990-03-21"),
        "{text}"
    );
    let xlsx = dir.join("contacts.xlsx");
    ok(run(
        target,
        &[
            "export",
            "contacts",
            "--format",
            "xlsx",
            "--to",
            xlsx.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
}

#[test]
fn sqlite_import_and_export() {
    let dir = TempDir::new();
    import_export(&Target::DataDir(dir.path().join("data")), dir.path());
}

#[test]
fn postgres_import_and_export() {
    let pg = PgDb::create();
    let dir = TempDir::new();
    import_export(&Target::Url(pg.url.clone()), dir.path());
}

// ---- demo data and benchmarks ----

/// `peyvand demo` fills a database and `peyvand bench` measures it over HTTP and writes its
/// figures; the import benchmark accounts for every generated row.
fn demo_and_benchmarks(target: &Target, out: &Path) {
    let demo = ok(run(target, &["demo", "--contacts", "300"]));
    assert!(stdout(&demo).contains("300 contacts"), "{}", stdout(&demo));
    let out_arg = out.to_str().unwrap();
    let bench = ok(run(
        target,
        &[
            "bench",
            "--requests",
            "5",
            "--warmup",
            "1",
            "--out",
            out_arg,
        ],
    ));
    assert!(
        stdout(&bench).contains("global search"),
        "{}",
        stdout(&bench)
    );
    let import = ok(run(
        target,
        &["bench", "--import-rows", "400", "--out", out_arg],
    ));
    let text = stdout(&import);
    assert!(text.contains("import: 400 rows"), "{text}");
    assert!(text.contains("raw bulk insert of the same rows"), "{text}");
    let mut reports: Vec<serde_json::Value> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .collect();
    assert_eq!(reports.len(), 2);
    reports.sort_by_key(|r| r["benchmark"].is_string());
    assert_eq!(reports[0]["contacts"], 300);
    assert!(
        reports[0]["scenarios"]["search"]["p95_ms"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let i = &reports[1]["import"];
    let accounted = i["imported"].as_i64().unwrap()
        + i["skipped"].as_i64().unwrap()
        + i["failed"].as_i64().unwrap();
    assert_eq!(accounted, 400);
    // The generated file holds invalid rows on purpose; they fail, they do not abort.
    assert_eq!(
        i["failed"].as_i64().unwrap(),
        reports[1]["invalid_rows_generated"].as_i64().unwrap()
    );
    assert!(reports[1]["import_time_over_raw_time"].as_f64().unwrap() > 0.0);
}

#[test]
fn sqlite_demo_and_benchmarks() {
    let dir = TempDir::new();
    demo_and_benchmarks(
        &Target::DataDir(dir.path().join("data")),
        &dir.path().join("results"),
    );
}

#[test]
fn postgres_demo_and_benchmarks() {
    let pg = PgDb::create();
    let dir = TempDir::new();
    demo_and_benchmarks(&Target::Url(pg.url.clone()), &dir.path().join("results"));
}
