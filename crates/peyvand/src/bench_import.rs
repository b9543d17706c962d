//! `peyvand bench --import-rows N`: the import figure of the sales issue.
//!
//! A generated contacts CSV (`demo::contacts_csv`: Persian headers, phones in mixed spellings,
//! Jalali dates, ~1% invalid rows, ~2% repeated people) is imported into a fresh database of the
//! chosen backend exactly as `peyvand import` does it — file stored, auto-mapping, validation,
//! duplicate lookup (skip mode), companies found or created, audit, failure report. The same
//! rows are then written by a raw bulk insert into a second fresh database: the cells as they
//! are, no validation, no duplicate lookup, no audit, same batch size, same schema (indexes and
//! search triggers included). The ratio between the two is the cost of doing it properly.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use peyvand_domain::access::RecordType;
use peyvand_domain::calendar::CalendarKind;
use peyvand_domain::sales::{EmailEntry, PhoneEntry};
use peyvand_services::accounts::{self, NewUser};
use peyvand_services::audit::{Ctx, Who};
use peyvand_services::sales::imports::{self, DuplicateMode, NewImport};
use peyvand_services::{Origin, demo};
use peyvand_store::{ContactRecord, Db, DbLocation, Json, Store};
use serde_json::json;
use uuid::Uuid;

/// A database made for one measurement, removed afterwards.
struct Scratch {
    location: DbLocation,
    /// The folder of a SQLite scratch database.
    dir: Option<PathBuf>,
    /// (server URL, database name) of a PostgreSQL scratch database.
    pg: Option<(String, String)>,
}

impl Scratch {
    async fn new(base: &DbLocation, tag: &str) -> anyhow::Result<Scratch> {
        let unique = format!("peyvand_bench_{tag}_{}", Uuid::now_v7().simple());
        match base {
            DbLocation::Url(url) if url.starts_with("postgres") => {
                let admin = Db::open(base).await.context("cannot reach PostgreSQL")?;
                admin
                    .execute(format!("CREATE DATABASE {unique}"), vec![])
                    .await
                    .context("cannot create the benchmark database")?;
                admin.close().await;
                let mut u = reqwest::Url::parse(url).context("bad database URL")?;
                u.set_path(&unique);
                Ok(Scratch {
                    location: DbLocation::Url(u.to_string()),
                    dir: None,
                    pg: Some((url.clone(), unique)),
                })
            }
            _ => {
                let dir = std::env::temp_dir().join(unique);
                Ok(Scratch {
                    location: DbLocation::DataDir(dir.clone()),
                    dir: Some(dir),
                    pg: None,
                })
            }
        }
    }

    async fn remove(self) {
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((url, name)) = self.pg
            && let Ok(admin) = Db::open(&DbLocation::Url(url)).await
        {
            let _ = admin
                .execute(
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    vec![],
                )
                .await;
            admin.close().await;
        }
    }
}

async fn admin_of(store: &Store, ctx: &Ctx) -> anyhow::Result<Uuid> {
    let user = accounts::create_user(
        store,
        ctx,
        None,
        &NewUser {
            email: "bench@example.com".into(),
            display_name: "Bench".into(),
            password: "bench-password-1403".into(),
            role: "admin".into(),
            language: Some("fa".into()),
            team_ids: vec![],
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot create the benchmark user: {e:?}"))?;
    Ok(user.id)
}

struct ImportFigures {
    seconds: f64,
    imported: i64,
    skipped: i64,
    failed: i64,
}

async fn measure_import(
    store: &Store,
    ctx: &Ctx,
    user: Uuid,
    csv: Vec<u8>,
) -> anyhow::Result<ImportFigures> {
    let record = store.user_by_id(user).await?.context("no user")?;
    let actor = peyvand_services::auth::actor_for(store, &record)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let started = Instant::now();
    let import = imports::start_import(
        store,
        ctx,
        &actor,
        NewImport {
            record_type: RecordType::Contact,
            file_name: "contacts.csv",
            bytes: csv,
            mapping: None,
            duplicate_mode: DuplicateMode::Skip,
            calendar: CalendarKind::Jalali,
            enqueue: false,
            draft: false,
            owner_id: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot start the import: {e:?}"))?;
    let done = imports::run_import(store, import.id, &|_| {})
        .await
        .map_err(|e| anyhow::anyhow!("the import failed: {e:?}"))?;
    Ok(ImportFigures {
        seconds: started.elapsed().as_secs_f64(),
        imported: done.imported,
        skipped: done.skipped,
        failed: done.failed,
    })
}

/// The same rows, straight into the contacts table.
async fn measure_raw(store: &Store, owner: Uuid, csv: &[u8]) -> anyhow::Result<f64> {
    let started = Instant::now();
    let sheet = peyvand_domain::import::read_file("contacts.csv", csv)?;
    let now = chrono::Utc::now();
    for chunk in sheet.rows.chunks(imports::BATCH) {
        let rows: Vec<(ContactRecord, String)> = chunk
            .iter()
            .map(|r| {
                let cell = |i: usize| r.get(i).cloned().unwrap_or_default();
                let c = ContactRecord {
                    id: Uuid::now_v7(),
                    first_name: cell(0),
                    last_name: cell(1),
                    company_id: None,
                    job_title: cell(9),
                    phones: Json(vec![PhoneEntry {
                        number: cell(2),
                        label: String::new(),
                    }]),
                    emails: Json(
                        Some(cell(3))
                            .filter(|e| !e.is_empty())
                            .map(|address| EmailEntry {
                                address,
                                label: String::new(),
                            })
                            .into_iter()
                            .collect(),
                    ),
                    website: String::new(),
                    social: Json(Default::default()),
                    province: cell(4),
                    city: cell(5),
                    address: String::new(),
                    national_id: None,
                    birth_date: None,
                    anniversary_date: None,
                    preferred_channel: String::new(),
                    tags: Json(vec![cell(10)]),
                    owner_id: owner,
                    custom: Json(Default::default()),
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                };
                (c, r.join(" "))
            })
            .collect();
        let mut tx = store.begin().await?;
        store.insert_contacts(&mut tx, &rows).await?;
        tx.commit().await?;
    }
    Ok(started.elapsed().as_secs_f64())
}

pub async fn run(location: &DbLocation, rows: usize, out: &Path) -> anyhow::Result<()> {
    if rows == 0 {
        bail!("--import-rows must be at least 1");
    }
    let sample = demo::contacts_csv(rows, 1);
    let ctx = Ctx {
        who: Who::operator(),
        origin: Origin::cli(),
    };
    let bytes = sample.csv.len();

    let scratch = Scratch::new(location, "import").await?;
    let store = crate::open_store(&scratch.location).await?;
    let backend = store.db.backend().as_str();
    eprintln!(
        "import benchmark on {backend}: {rows} rows ({:.1} MiB), {} invalid, {} repeated",
        bytes as f64 / 1_048_576.0,
        sample.bad,
        sample.repeats
    );
    let user = admin_of(&store, &ctx).await?;
    let import = measure_import(&store, &ctx, user, sample.csv.clone()).await;
    store.db.close().await;
    scratch.remove().await;
    let import = import?;
    if (import.imported + import.skipped + import.failed) as usize != rows {
        bail!("the import did not account for every row");
    }

    let scratch = Scratch::new(location, "raw").await?;
    let store = crate::open_store(&scratch.location).await?;
    let user = admin_of(&store, &ctx).await?;
    let raw = measure_raw(&store, user, &sample.csv).await;
    store.db.close().await;
    scratch.remove().await;
    let raw = raw?;

    let import_rate = rows as f64 / import.seconds;
    let raw_rate = rows as f64 / raw;
    let ratio = import.seconds / raw;
    println!(
        "import: {rows} rows in {:.2} s = {import_rate:.0} rows/s (imported {}, skipped {}, failed {})",
        import.seconds, import.imported, import.skipped, import.failed
    );
    println!("raw bulk insert of the same rows: {raw:.2} s = {raw_rate:.0} rows/s");
    println!("import takes {ratio:.2}× the time of the raw insert");
    let date = chrono::Utc::now();
    let report = json!({
        "date": date.to_rfc3339(),
        "backend": backend,
        "benchmark": "import",
        "version": env!("CARGO_PKG_VERSION"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "rows": rows,
        "file_bytes": bytes,
        "invalid_rows_generated": sample.bad,
        "repeated_rows_generated": sample.repeats,
        "import": {
            "seconds": import.seconds, "rows_per_second": import_rate,
            "imported": import.imported, "skipped": import.skipped, "failed": import.failed,
        },
        "raw_insert": {"seconds": raw, "rows_per_second": raw_rate},
        "import_time_over_raw_time": ratio,
    });
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let file = out.join(format!(
        "{}-import-{backend}-{rows}.json",
        date.format("%Y%m%dT%H%M%SZ")
    ));
    std::fs::write(&file, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("cannot write {}", file.display()))?;
    println!("results written to {}", file.display());
    Ok(())
}
