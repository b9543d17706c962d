//! Peyvand as a library: the command line, and the server it starts.
//!
//! `main.rs` only parses the command line and sets up logging; everything else lives here so
//! tests can open a store and run the real server in-process ([`open_store`], [`serve`]).
#![forbid(unsafe_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::{Args, Parser, Subcommand};
use peyvand_domain::access::RecordType;
use peyvand_services::accounts::{self, MIN_PASSWORD_CHARS, NewUser};
use peyvand_services::audit::{Ctx, Who};
use peyvand_services::{Origin, ServiceError, auth};
use peyvand_store::backup::{self, redact_url};
use peyvand_store::{Db, DbLocation, Store};
use peyvand_web::WebConfig;
use tokio::net::TcpListener;

pub mod bench;
mod bench_import;

/// Peyvand CRM: the server and the operator's command line.
#[derive(Debug, Parser)]
#[command(name = "peyvand", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the database is; accepted by every subcommand.
#[derive(Clone, Debug, Args)]
pub struct DbArgs {
    /// Folder of the embedded SQLite database (created on first start).
    #[arg(
        long,
        global = true,
        env = "PEYVAND_DATA_DIR",
        default_value = "./peyvand-data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,
    /// Database URL (`sqlite:PATH` of an existing file, or `postgres://USER@HOST/DB`); wins
    /// over --data-dir.
    #[arg(
        long,
        global = true,
        env = "PEYVAND_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// The database the operator named: a URL wins over the data directory.
    pub fn location(&self) -> DbLocation {
        match self.database_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => DbLocation::Url(url.to_owned()),
            _ => DbLocation::DataDir(self.data_dir.clone()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web UI and API.
    Serve(ServeArgs),
    /// Apply database migrations and print the schema versions (and rebuild the search text
    /// when this release builds it differently).
    Migrate,
    /// Rebuild the search text of every contact, company, lead and deal; prints
    /// `reindexed N of M records (…)`. Safe while the server runs, and to interrupt.
    Reindex,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API keys.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Write a consistent snapshot of the database (safe while the server runs).
    Backup {
        /// The backup file to write; it must not exist yet.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Replace the database with a backup (stop the server first).
    Restore {
        /// A file written by `peyvand backup`.
        file: PathBuf,
    },
    /// Import a CSV or xlsx file; prints `imported N, updated N, skipped N, failed N`.
    Import(ImportArgs),
    /// Export every record of a type (as the user sees them) to CSV or xlsx.
    Export(ExportArgs),
    /// Fill the database with realistic Persian demo data (users, companies, contacts, leads,
    /// deals, activities).
    Demo(DemoArgs),
    /// Measure list and search latency over HTTP on a database filled by `peyvand demo`.
    Bench(bench::BenchArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// contacts, companies, leads or deals.
    #[arg(value_parser = ["contacts", "companies", "leads", "deals"])]
    pub record_type: String,
    /// The CSV (UTF-8; `,` `;` or tab) or xlsx file.
    pub file: PathBuf,
    /// Which column fills which field: "Column=field,Other=custom.key" (default: by the
    /// headers' names, Persian or English).
    #[arg(long, value_name = "MAP")]
    pub map: Option<String>,
    /// What to do with rows that match an existing record.
    #[arg(long, default_value = "skip", value_parser = ["skip", "update", "create"])]
    pub duplicates: String,
    /// The importing user (default: the first administrator).
    #[arg(long = "as", value_name = "EMAIL")]
    pub as_user: Option<String>,
    /// Who the created records belong to (default: the importing user).
    #[arg(long, value_name = "EMAIL")]
    pub owner: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// contacts, companies, leads or deals.
    #[arg(value_parser = ["contacts", "companies", "leads", "deals"])]
    pub record_type: String,
    #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
    pub format: String,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// The exporting user (default: the first administrator).
    #[arg(long = "as", value_name = "EMAIL")]
    pub as_user: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many contacts (companies are a tenth, leads and deals a fifth, deals at most 200k).
    #[arg(long, default_value_t = 200)]
    pub contacts: usize,
    /// The same seed gives the same data.
    #[arg(long, default_value_t = 1403)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "PEYVAND_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: String,
    /// Mark cookies Secure (when served over HTTPS, directly or behind a proxy).
    #[arg(
        long,
        env = "PEYVAND_SECURE_COOKIES",
        value_parser = clap::builder::BoolishValueParser::new(),
        action = clap::ArgAction::SetTrue
    )]
    pub secure_cookies: bool,
    /// Fill an empty database with a small demo data set first (see `peyvand demo`).
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create {
        #[arg(long)]
        email: String,
        /// At least 10 characters. Prefer --password-stdin: a flag shows in the process list.
        #[arg(long, required_unless_present = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
        /// Role key: admin, manager, sales, support, marketing, or a custom role.
        #[arg(long)]
        role: String,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        /// Interface language.
        #[arg(long, value_parser = ["fa", "en"])]
        language: Option<String>,
    },
    /// List accounts: email, name, role, active.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key for a user and print it once.
    Create {
        /// The user the key acts as.
        #[arg(long, value_name = "EMAIL")]
        user: String,
        /// A label to recognise the key by.
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

/// Input the operator must correct; reported field by field, exit status 2.
#[derive(Debug)]
pub struct Invalid(pub Vec<String>);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for Invalid {}

/// Sets up logging to standard error (standard output is for results scripts capture).
/// `RUST_LOG` overrides `default_filter`; `PEYVAND_LOG_FORMAT=json` logs JSON lines.
pub fn init_tracing(default_filter: &str) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("PEYVAND_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Prints `err` for the operator and picks the exit status: 2 for input to correct, 1 else.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if let Some(invalid) = err.downcast_ref::<Invalid>() {
        eprintln!("error: invalid input");
        for line in &invalid.0 {
            eprintln!("{line}");
        }
        return ExitCode::from(2);
    }
    eprintln!("error: {err:#}");
    ExitCode::FAILURE
}

/// The database as logs and messages may show it: a file path, or a URL without password.
pub fn describe(location: &DbLocation) -> String {
    match location {
        DbLocation::DataDir(dir) => {
            format!("sqlite {}", DbLocation::sqlite_file(dir).display())
        }
        DbLocation::Url(url) if url.to_ascii_lowercase().starts_with("sqlite:") => {
            let path = url.split('?').next().unwrap_or_default();
            let path = path
                .get("sqlite:".len()..)
                .map(|p| p.trim_start_matches("//"))
                .unwrap_or_default();
            format!("sqlite {path}")
        }
        DbLocation::Url(url) => redact_url(url),
    }
}

/// Opens the database, applies pending migrations and makes sure the built-in roles exist.
pub async fn open_store(location: &DbLocation) -> anyhow::Result<Store> {
    let db = open_db(location).await?;
    db.migrate()
        .await
        .with_context(|| format!("cannot migrate the database ({})", describe(location)))?;
    let store = Store::new(db);
    store
        .ensure_builtin_roles()
        .await
        .context("cannot create the built-in roles")?;
    peyvand_services::sales::pipelines::ensure_default_pipeline(&store)
        .await
        .context("cannot create the default pipeline")?;
    Ok(store)
}

async fn open_db(location: &DbLocation) -> anyhow::Result<Db> {
    Db::open(location)
        .await
        .with_context(|| format!("cannot open the database ({})", describe(location)))
}

/// Serves the web UI and API on `listener` until `shutdown` completes, then lets requests in
/// flight finish. Expired sessions are swept hourly meanwhile.
pub async fn serve(
    store: Store,
    listener: TcpListener,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let sweeper = tokio::spawn(sweep_sessions(store.clone()));
    let worker = tokio::spawn(run_jobs(store.clone()));
    let router = peyvand_web::app(store.clone(), config);
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    worker.abort();
    store.db.close().await;
    served.context("the server stopped with an error")
}

async fn sweep_sessions(store: Store) {
    let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match store.delete_expired_sessions(Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "cannot remove expired sessions"),
        }
    }
}

/// The background worker: claims one job at a time from the durable queue (shared by every
/// instance), sleeping a little when there is none, and delivers due activity reminders every
/// few seconds (`notifications::sweep_reminders`; safe on several instances at once).
pub async fn run_jobs(store: Store) {
    use peyvand_services::notifications;
    let worker = peyvand_services::jobs::worker_name();
    let sweep_every = Duration::from_secs(notifications::SWEEP_EVERY_SECS);
    let mut last_sweep: Option<tokio::time::Instant> = None;
    loop {
        if last_sweep.is_none_or(|t| t.elapsed() >= sweep_every) {
            last_sweep = Some(tokio::time::Instant::now());
            if let Err(e) = notifications::sweep_reminders(&store, Utc::now()).await {
                tracing::warn!(error = %e, "cannot deliver reminders");
            }
        }
        match peyvand_services::jobs::run_one(&store, &worker).await {
            Ok(true) => {}
            Ok(false) => tokio::time::sleep(Duration::from_millis(500)).await,
            Err(e) => {
                tracing::warn!(error = %e, "job queue unavailable");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
///
/// SIGTERM is taken over when this is called, not when the future is first polled: called
/// before the server says it listens, a SIGTERM sent as soon as it does stops it cleanly
/// instead of killing it. Must run inside the Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let ctrl_c = async {
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::warn!(error = %e, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let term = async {
            match term {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {}
            () = term => {}
        }
        tracing::info!("shutting down");
    }
}

/// Runs one command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let location = cli.db.location();
    match cli.command {
        Command::Serve(args) => run_serve(&location, args).await,
        Command::Migrate => run_migrate(&location).await,
        Command::Reindex => run_reindex(&location).await,
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    password,
                    password_stdin,
                    role,
                    name,
                    language,
                },
        } => {
            let password = match password {
                Some(p) => p,
                None if password_stdin => read_password_line()?,
                None => bail!("give --password or --password-stdin"),
            };
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            let input = NewUser {
                email,
                display_name: name,
                password,
                role,
                language,
                team_ids: vec![],
            };
            user_create(&location, &input).await
        }
        Command::User {
            command: UserCommand::List,
        } => user_list(&location).await,
        Command::ApiKey {
            command: ApiKeyCommand::Create { user, name },
        } => api_key_create(&location, &user, &name).await,
        Command::Backup { to } => run_backup(&location, &to).await,
        Command::Restore { file } => run_restore(&location, &file).await,
        Command::Import(args) => run_import(&location, args).await,
        Command::Export(args) => run_export(&location, args).await,
        Command::Demo(args) => run_demo(&location, &args).await,
        Command::Bench(args) => bench::run(&location, args).await,
    }
}

fn operator() -> Ctx {
    Ctx {
        who: Who::operator(),
        origin: Origin::cli(),
    }
}

fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn run_serve(location: &DbLocation, args: ServeArgs) -> anyhow::Result<()> {
    let store = open_store(location).await?;
    if args.demo {
        if store.count_users().await? == 0 {
            let opts = peyvand_services::demo::DemoOptions {
                contacts: 200,
                seed: 1403,
            };
            let sum = peyvand_services::demo::seed(&store, &operator(), &opts, |line| {
                tracing::info!("demo data: {line}")
            })
            .await
            .context("cannot fill the demo data")?;
            tracing::info!(
                contacts = sum.contacts,
                admin = peyvand_services::demo::DEMO_ADMIN,
                password = peyvand_services::demo::DEMO_PASSWORD,
                "demo data ready; sign in as the demo administrator"
            );
        } else {
            tracing::info!("the database already has users: no demo data added");
        }
    }
    let listener = TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener
        .local_addr()
        .context("cannot read the listening address")?;
    match location {
        DbLocation::DataDir(dir) => tracing::info!(
            backend = store.db.backend().as_str(),
            path = %DbLocation::sqlite_file(dir).display(),
            "database"
        ),
        _ => tracing::info!(
            backend = store.db.backend().as_str(),
            database = %describe(location),
            "database"
        ),
    }
    let signal = shutdown_signal();
    tracing::info!(%addr, secure_cookies = args.secure_cookies, "listening on http://{addr}");
    let config = WebConfig {
        secure_cookies: args.secure_cookies,
    };
    let reindex = tokio::spawn(reindex_if_outdated(store.clone()));
    let shutdown = async move {
        signal.await;
        // An unfinished reindex loses at most its current page (rolled back) and runs again
        // on the next start.
        reindex.abort();
    };
    serve(store, listener, config, shutdown).await
}

/// Rebuilds the records' search text when this release builds it differently from the one
/// that wrote them (see `sales::reindex::SEARCH_TEXT_VERSION`); the server serves meanwhile.
async fn reindex_if_outdated(store: Store) {
    use peyvand_services::sales::reindex;
    let stored = match reindex::stored_version(&store).await {
        Ok(v) if v >= reindex::SEARCH_TEXT_VERSION => return,
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the search text version");
            return;
        }
    };
    // A new database has nothing to rebuild: only a run that rewrote records is worth an
    // info line.
    tracing::debug!(
        from = stored,
        to = reindex::SEARCH_TEXT_VERSION,
        "search text was built by an older release: reindexing in the background"
    );
    let done = reindex::reindex_search(&store, |p| {
        tracing::debug!(
            record_type = p.record_type,
            records = p.so_far.records,
            changed = p.so_far.changed,
            "reindexing search text"
        );
    })
    .await;
    match done {
        Ok(counts) if counts.changed() > 0 => tracing::info!(
            from = stored,
            records = counts.records(),
            changed = counts.changed(),
            "search text {counts}"
        ),
        Ok(counts) => tracing::debug!(records = counts.records(), "search text {counts}"),
        Err(e) => tracing::warn!(
            error = %e,
            "search reindex failed; it runs again on the next start, or run `peyvand reindex`"
        ),
    }
}

async fn run_demo(location: &DbLocation, args: &DemoArgs) -> anyhow::Result<()> {
    let store = open_store(location).await?;
    let opts = peyvand_services::demo::DemoOptions {
        contacts: args.contacts,
        seed: args.seed,
    };
    println!(
        "filling {} with demo data: {} contacts, seed {}",
        describe(location),
        args.contacts,
        args.seed
    );
    let result = peyvand_services::demo::seed(&store, &operator(), &opts, |line| {
        println!("  {line}");
    })
    .await;
    store.db.close().await;
    let sum = result.context("cannot fill the demo data")?;
    println!(
        "done in {:.1} s: {} users ({} new teams), {} companies, {} contacts, {} leads, {} deals \
         ({} stage changes), {} activities",
        sum.seconds,
        sum.users,
        sum.teams,
        sum.companies,
        sum.contacts,
        sum.leads,
        sum.deals,
        sum.stage_changes,
        sum.activities
    );
    println!(
        "sign in as {} (or manager1…2, sales1…6 @demo.peyvand.ir) with the password {}",
        peyvand_services::demo::DEMO_ADMIN,
        peyvand_services::demo::DEMO_PASSWORD
    );
    Ok(())
}

async fn run_migrate(location: &DbLocation) -> anyhow::Result<()> {
    use peyvand_services::sales::reindex;
    let db = open_db(location).await?;
    let migrated = db.migrate().await;
    if let Err(e) = migrated {
        db.close().await;
        return Err(e)
            .with_context(|| format!("cannot migrate the database ({})", describe(location)));
    }
    println!(
        "database {} is up to date; applied migrations:",
        describe(location)
    );
    for (version, description) in Db::known_migrations() {
        println!("  {version:04} {description}");
    }
    // Records saved by a release that built their search text differently are rebuilt here,
    // before the servers start, rather than in the background of each.
    let store = Store::new(db);
    let out = async {
        if reindex::is_outdated(&store)
            .await
            .context("cannot read the search text version")?
        {
            let counts = reindex::reindex_search(&store, |_| {})
                .await
                .context("cannot rebuild the search text")?;
            // A new, empty database only has its version recorded: nothing to report.
            if counts.records() > 0 {
                println!("search text {counts}");
            }
        }
        Ok(())
    }
    .await;
    store.db.close().await;
    out
}

async fn run_reindex(location: &DbLocation) -> anyhow::Result<()> {
    use peyvand_services::sales::reindex;
    let store = open_store(location).await?;
    let done = reindex::reindex_search(&store, |p| {
        eprintln!(
            "{}: {} read, {} rewritten",
            p.record_type, p.so_far.records, p.so_far.changed
        );
    })
    .await;
    store.db.close().await;
    let counts = done.context("cannot rebuild the search text")?;
    println!("{counts}");
    Ok(())
}

/// English for a field error code, for the operator.
fn explain(code: &str, roles: &[String]) -> String {
    match code {
        "field.required" => "is required".into(),
        "field.too_long" => "is too long".into(),
        "email.invalid" => "is not a valid email address".into(),
        "email.taken" => "an account with this email address already exists".into(),
        "password.too_short" => format!("must be at least {MIN_PASSWORD_CHARS} characters long"),
        "role.not_found" => format!("no such role; the roles are: {}", roles.join(", ")),
        "language.invalid" => "must be fa or en".into(),
        "team.not_found" => "no such team".into(),
        other => format!("is not accepted ({other})"),
    }
}

/// The command-line flag for a service's field name.
fn flag_of(field: &str) -> &str {
    match field {
        "display_name" => "name",
        other => other,
    }
}

async fn user_create(location: &DbLocation, input: &NewUser) -> anyhow::Result<()> {
    let store = open_store(location).await?;
    let result = accounts::create_user(&store, &operator(), None, input).await;
    let out = match result {
        Ok(user) => {
            println!("created user {} ({})", user.email, user.id);
            Ok(())
        }
        Err(ServiceError::Validation(fields)) => {
            let roles: Vec<String> = store
                .list_roles()
                .await
                .map(|rs| rs.into_iter().map(|r| r.key).collect())
                .unwrap_or_default();
            let lines = fields
                .iter()
                .map(|f| format!("{}: {}", flag_of(&f.field), explain(&f.code, &roles)))
                .collect();
            Err(Invalid(lines).into())
        }
        Err(e) => Err(anyhow::Error::new(e).context("cannot create the user")),
    };
    store.db.close().await;
    out
}

async fn user_list(location: &DbLocation) -> anyhow::Result<()> {
    let store = open_store(location).await?;
    let roles: std::collections::HashMap<uuid::Uuid, String> = store
        .list_roles()
        .await
        .context("cannot read the roles")?
        .into_iter()
        .map(|r| (r.id, r.key))
        .collect();
    let mut after = None;
    loop {
        let page = store
            .list_users(None, after, 200)
            .await
            .context("cannot read the users")?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for u in &page {
            let role = roles.get(&u.role_id).map_or("?", String::as_str);
            let active = if u.active { "active" } else { "inactive" };
            println!("{}\t{}\t{role}\t{active}", u.email, u.display_name);
        }
    }
    store.db.close().await;
    Ok(())
}

async fn api_key_create(location: &DbLocation, email: &str, name: &str) -> anyhow::Result<()> {
    let address = peyvand_domain::email::parse(email)
        .map_err(|_| Invalid(vec![format!("user: {email} is not a valid email address")]))?;
    let store = open_store(location).await?;
    let out = async {
        let user = store
            .user_by_email(address.as_str())
            .await
            .context("cannot look the user up")?
            .with_context(|| format!("no user with the email address {}", address.as_str()))?;
        if !user.active {
            bail!("the user {} is deactivated", user.email);
        }
        let (secret, record) = match auth::create_api_key(&store, &operator(), user.id, name).await
        {
            Ok(v) => v,
            Err(ServiceError::Validation(fields)) => {
                let lines = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, explain(&f.code, &[])))
                    .collect();
                return Err(Invalid(lines).into());
            }
            Err(e) => return Err(anyhow::Error::new(e).context("cannot create the API key")),
        };
        println!("{secret}");
        eprintln!(
            "API key \"{}\" ({}…) created for {}. It will not be shown again: store it now.",
            record.name, record.prefix, user.email
        );
        Ok(())
    }
    .await;
    store.db.close().await;
    out
}

async fn run_backup(location: &DbLocation, to: &std::path::Path) -> anyhow::Result<()> {
    if let DbLocation::DataDir(dir) = location {
        let file = DbLocation::sqlite_file(dir);
        if !file.exists() {
            bail!("no database at {}: nothing to back up", file.display());
        }
    }
    let db = open_db(location).await?;
    let url = match location {
        DbLocation::Url(u) => Some(u.as_str()),
        DbLocation::DataDir(_) => None,
    };
    let done = backup::backup(&db, url, to).await;
    db.close().await;
    done.with_context(|| format!("backup of {} failed", describe(location)))?;
    let size = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {} to {} ({size} bytes)",
        describe(location),
        to.display()
    );
    Ok(())
}

async fn run_restore(location: &DbLocation, file: &std::path::Path) -> anyhow::Result<()> {
    let report = backup::restore(location, file)
        .await
        .with_context(|| format!("restore into {} failed", describe(location)))?;
    println!("restored {} into {}", file.display(), report.target);
    if let Some(aside) = report.set_aside {
        println!("the previous database was kept at {}", aside.display());
    }
    println!("migrations applied; the database is ready");
    Ok(())
}

fn record_type_of(plural: &str) -> RecordType {
    match plural {
        "companies" => RecordType::Company,
        "leads" => RecordType::Lead,
        "deals" => RecordType::Deal,
        _ => RecordType::Contact,
    }
}

/// The user a CLI import or export acts as: the one named, or the first active administrator.
async fn cli_user(store: &Store, email: Option<&str>) -> anyhow::Result<peyvand_store::UserRecord> {
    let user = match email {
        Some(e) => {
            let address = peyvand_domain::email::parse(e)
                .map_err(|_| Invalid(vec![format!("as: {e} is not a valid email address")]))?;
            store
                .user_by_email(address.as_str())
                .await
                .context("cannot look the user up")?
                .with_context(|| format!("no user with the email address {}", address.as_str()))?
        }
        None => {
            let admin = store
                .list_roles()
                .await
                .context("cannot read the roles")?
                .into_iter()
                .find(|r| r.key == "admin")
                .context("no administrator role")?;
            let mut after = None;
            let mut found = None;
            while found.is_none() {
                let page = store
                    .list_users(None, after, 200)
                    .await
                    .context("cannot read the users")?;
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                found = page
                    .into_iter()
                    .filter(|u| u.active && u.role_id == admin.id)
                    .min_by_key(|u| u.created_at);
            }
            found.context("no active administrator: create one first, or give --as EMAIL")?
        }
    };
    if !user.active {
        bail!("the user {} is deactivated", user.email);
    }
    Ok(user)
}

fn cli_ctx(user: &peyvand_store::UserRecord) -> Ctx {
    Ctx {
        who: Who::user(user.id, &user.email),
        origin: Origin::cli(),
    }
}

fn service_error(e: ServiceError, what: &str) -> anyhow::Error {
    match e {
        ServiceError::Validation(fields) => Invalid(
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.code))
                .collect(),
        )
        .into(),
        ServiceError::Forbidden => anyhow::anyhow!("{what}: the user may not do this"),
        other => anyhow::Error::new(other).context(what.to_owned()),
    }
}

async fn run_import(location: &DbLocation, args: ImportArgs) -> anyhow::Result<()> {
    use peyvand_services::sales::imports::{self, DuplicateMode, NewImport};
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let store = open_store(location).await?;
    let out = async {
        let user = cli_user(&store, args.as_user.as_deref()).await?;
        let actor = auth::actor_for(&store, &user)
            .await
            .context("cannot read the user's role")?;
        let prefs = accounts::prefs_of(&user);
        let owner_id = match args.owner.as_deref() {
            Some(email) => Some(
                store
                    .user_by_email(&email.trim().to_lowercase())
                    .await?
                    .with_context(|| format!("--owner: no user has the email {email}"))?
                    .id,
            ),
            None => None,
        };
        let file_name = args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let import = imports::start_import(
            &store,
            &cli_ctx(&user),
            &actor,
            NewImport {
                record_type: record_type_of(&args.record_type),
                file_name: &file_name,
                bytes,
                mapping: args
                    .map
                    .as_deref()
                    .map(peyvand_domain::import::parse_map_arg),
                duplicate_mode: DuplicateMode::parse(&args.duplicates).unwrap_or_default(),
                calendar: prefs.calendar,
                enqueue: false,
                draft: false,
                owner_id,
            },
        )
        .await
        .map_err(|e| service_error(e, "cannot start the import"))?;
        let done = imports::run_import(&store, import.id, &|p| {
            eprintln!("{}/{} rows", p.processed_rows, p.total_rows);
        })
        .await
        .map_err(|e| service_error(e, "the import failed"))?;
        println!(
            "imported {}, updated {}, skipped {}, failed {}",
            done.imported, done.updated, done.skipped, done.failed
        );
        if done.failed > 0 {
            for f in store.import_failures(done.id).await.unwrap_or_default() {
                eprintln!("row {}: {}: {}", f.row_number, f.field, f.code);
            }
        }
        Ok(())
    }
    .await;
    store.db.close().await;
    out
}

async fn run_export(location: &DbLocation, args: ExportArgs) -> anyhow::Result<()> {
    use peyvand_services::sales::{common::ListRequest, export};
    let store = open_store(location).await?;
    let out = async {
        let user = cli_user(&store, args.as_user.as_deref()).await?;
        let actor = auth::actor_for(&store, &user)
            .await
            .context("cannot read the user's role")?;
        let table = export::export_table(
            &store,
            &actor,
            record_type_of(&args.record_type),
            &ListRequest::default(),
        )
        .await
        .map_err(|e| service_error(e, "cannot export"))?;
        let bytes = if args.format == "xlsx" {
            let rtl = user.language != "en";
            export::xlsx_bytes(&table, rtl, &args.record_type)
                .map_err(|e| service_error(e, "cannot write the workbook"))?
        } else {
            export::csv_bytes(&table.headers, table.rows.iter().cloned())
        };
        std::fs::write(&args.to, bytes)
            .with_context(|| format!("cannot write {}", args.to.display()))?;
        println!(
            "exported {} rows to {}",
            table.rows.len(),
            args.to.display()
        );
        Ok(())
    }
    .await;
    store.db.close().await;
    out
}
