//! `peyvand bench`: the figures the issues name, measured over HTTP against the real server
//! started in-process on a random port, on a database filled by `peyvand demo`.
//!
//! (a) the first page of `/api/v1/contacts` filtered on a custom field and sorted by last name,
//! (b) `/api/v1/search` with a mix of name fragments, phones (several formats) and emails,
//! (c) the process's resident memory after the runs. Results go to
//! `bench-results/DATE-BACKEND-N.json` and are printed as a table.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use peyvand_services::audit::{Ctx, Who};
use peyvand_services::{Origin, auth};
use peyvand_store::query::{ListSpec, Sort};
use peyvand_store::{CONTACTS, DbLocation, Store};
use peyvand_web::WebConfig;
use serde_json::json;
use tokio::net::TcpListener;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Measured requests per scenario (after the warm-up).
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
    /// Warm-up requests per scenario.
    #[arg(long, default_value_t = 30)]
    pub warmup: usize,
    /// Instead of the HTTP scenarios, measure an import of this many generated CSV rows into
    /// a fresh database of the same backend, and a raw bulk insert of the same rows.
    #[arg(long, value_name = "ROWS")]
    pub import_rows: Option<usize>,
    /// Folder for the JSON results.
    #[arg(long, default_value = "bench-results", value_name = "DIR")]
    pub out: PathBuf,
}

struct Stats {
    name: &'static str,
    n: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

fn stats(name: &'static str, mut ms: Vec<f64>) -> Stats {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    Stats {
        name,
        n: ms.len(),
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: *ms.last().unwrap_or(&0.0),
        mean: ms.iter().sum::<f64>() / ms.len().max(1) as f64,
    }
}

fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn run_scenario(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    paths: &[String],
    warmup: usize,
    requests: usize,
) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::with_capacity(requests);
    for i in 0..warmup + requests {
        let path = &paths[i % paths.len()];
        let t = Instant::now();
        let res = client
            .get(format!("{base}{path}"))
            .bearer_auth(key)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = res.status();
        let body = res.bytes().await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            bail!(
                "GET {path} answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        if i >= warmup {
            out.push(ms);
        }
    }
    Ok(out)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Search queries taken from the data: last names and their first letters, full names,
/// phones written four ways, emails whole and cut.
async fn search_queries(store: &Store) -> anyhow::Result<Vec<String>> {
    let mut rows = vec![];
    for (field, desc) in [("created_at", true), ("last_name", false), ("city", true)] {
        let mut spec = ListSpec::new(peyvand_domain::access::OwnerFilter::Any, 100);
        spec.sort = Some(Sort {
            field: peyvand_store::query::Field::Column(field.into()),
            desc,
        });
        rows.extend(store.list_contacts(&spec).await?.rows);
    }
    let mut qs = vec![];
    for (i, c) in rows.iter().enumerate() {
        let q = match i % 8 {
            0 => c.last_name.clone(),
            1 => format!("{} {}", c.first_name, c.last_name),
            2 => c.last_name.chars().take(3).collect(),
            3 => c
                .phones
                .0
                .first()
                .map(|p| p.number.clone())
                .unwrap_or_default(),
            4 => c
                .phones
                .0
                .first()
                .and_then(|p| p.number.strip_prefix("+98").map(|n| format!("0{n}")))
                .map(|n| peyvand_domain::digits::to_persian(&n))
                .unwrap_or_default(),
            5 => c
                .phones
                .0
                .first()
                .and_then(|p| p.number.strip_prefix("+98"))
                .map(|n| format!("0{} {} {}", &n[..3], &n[3..6], &n[6..]))
                .unwrap_or_default(),
            6 => c
                .emails
                .0
                .first()
                .map(|e| e.address.clone())
                .unwrap_or_else(|| c.first_name.clone()),
            _ => c
                .emails
                .0
                .first()
                .map(|e| e.address.chars().take(8).collect())
                .unwrap_or_else(|| c.first_name.chars().take(2).collect()),
        };
        if !q.trim().is_empty() {
            qs.push(format!("/search?q={}&limit=10", percent_encode(&q)));
        }
    }
    Ok(qs)
}

pub async fn run(location: &DbLocation, args: BenchArgs) -> anyhow::Result<()> {
    if let Some(rows) = args.import_rows {
        return crate::bench_import::run(location, rows, &args.out).await;
    }
    let store = crate::open_store(location).await?;
    let contacts = store.count_live(&CONTACTS).await?;
    if contacts == 0 {
        bail!("the database has no contacts: fill it first with `peyvand demo --contacts N`");
    }
    let admin = store
        .user_by_email(peyvand_services::demo::DEMO_ADMIN)
        .await?
        .context("no demo administrator: fill the database with `peyvand demo` first")?;
    let ctx = Ctx {
        who: Who::operator(),
        origin: Origin::cli(),
    };
    let (key, _) = auth::create_api_key(&store, &ctx, admin.id, "bench")
        .await
        .context("cannot create the benchmark's API key")?;

    let search_paths = search_queries(&store).await?;
    let list_paths: Vec<String> = ["gold", "silver", "bronze", "new"]
        .iter()
        .flat_map(|tier| {
            [
                format!("/contacts?filter[custom.tier][eq]={tier}&sort=last_name&limit=50"),
                format!("/contacts?filter[custom.tier][eq]={tier}&sort=-last_name&limit=50"),
            ]
        })
        .collect();

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::serve(
        store.clone(),
        listener,
        WebConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let base = format!("http://{addr}/api/v1");
    let client = reqwest::Client::new();
    let backend = store.db.backend().as_str();
    eprintln!(
        "benchmark on {backend} with {contacts} contacts, {} requests per scenario after {} warm-up",
        args.requests, args.warmup
    );
    let list = stats(
        "contacts: custom filter + sort",
        run_scenario(
            &client,
            &base,
            &key,
            &list_paths,
            args.warmup,
            args.requests,
        )
        .await?,
    );
    let search = stats(
        "global search",
        run_scenario(
            &client,
            &base,
            &key,
            &search_paths,
            args.warmup,
            args.requests,
        )
        .await?,
    );
    let rss = rss_kib("VmRSS:").unwrap_or(0);
    let hwm = rss_kib("VmHWM:").unwrap_or(0);
    let _ = stop.send(());
    let _ = server.await;

    println!(
        "{:<32} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "scenario", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms"
    );
    for s in [&list, &search] {
        println!(
            "{:<32} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            s.name, s.n, s.p50, s.p95, s.p99, s.max, s.mean
        );
    }
    println!(
        "resident memory after the runs: {:.1} MiB (peak {:.1} MiB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    let date = chrono::Utc::now();
    let scenario = |s: &Stats| {
        json!({"name": s.name, "requests": s.n, "p50_ms": s.p50, "p95_ms": s.p95, "p99_ms": s.p99,
               "max_ms": s.max, "mean_ms": s.mean})
    };
    let report = json!({
        "date": date.to_rfc3339(),
        "backend": backend,
        "contacts": contacts,
        "version": env!("CARGO_PKG_VERSION"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "scenarios": {
            "contacts_filtered_sorted": scenario(&list),
            "search": scenario(&search),
        },
        "examples": {
            "contacts": list_paths.first(),
            "search": search_paths.iter().take(8).collect::<Vec<_>>(),
        },
        "rss_kib": rss,
        "rss_peak_kib": hwm,
    });
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let file = args.out.join(format!(
        "{}-{backend}-{contacts}.json",
        date.format("%Y%m%dT%H%M%SZ")
    ));
    std::fs::write(&file, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("cannot write {}", file.display()))?;
    println!("results written to {}", file.display());
    Ok(())
}
