//! The two backends behind one small interface.
//!
//! Every query is written once with `$1`-style placeholders (which both SQLite and PostgreSQL
//! accept through sqlx) and run on the concrete pool, so each backend keeps its native types
//! (UUID, JSONB, TIMESTAMPTZ on PostgreSQL; BLOB and TEXT on SQLite).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, PgPool, Postgres, Sqlite, SqlitePool};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};

/// Which engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the database lives, as the operator said it.
#[derive(Clone, Debug)]
pub enum DbLocation {
    /// The embedded default: `DIR/peyvand.db`, created (with the folder) on first start.
    DataDir(PathBuf),
    /// An explicit URL: `sqlite:PATH` (must already exist) or `postgres://…`.
    Url(String),
}

impl DbLocation {
    /// The database file of a data directory.
    pub fn sqlite_file(dir: &Path) -> PathBuf {
        dir.join("peyvand.db")
    }
}

/// A value bound to a query parameter. Each variant carries an `Option` so a NULL still has a
/// type, which PostgreSQL needs to plan the statement.
#[derive(Clone, Debug)]
pub enum Val {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Uuid(Option<Uuid>),
    Time(Option<DateTime<Utc>>),
    Json(Option<serde_json::Value>),
    Date(Option<chrono::NaiveDate>),
    Float(Option<f64>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! val_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<$t> for Val {
            fn from(v: $t) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Val::$variant(Some(($conv)(v)))
            }
        }
        impl From<Option<$t>> for Val {
            fn from(v: Option<$t>) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Val::$variant(v.map($conv))
            }
        }
    };
}
val_from!(String, Text, |v| v);
val_from!(&str, Text, |v: &str| v.to_owned());
val_from!(&String, Text, |v: &String| v.clone());
val_from!(i64, Int, |v| v);
val_from!(i32, Int, i64::from);
val_from!(bool, Bool, |v| v);
val_from!(Uuid, Uuid, |v| v);
val_from!(&Uuid, Uuid, |v: &Uuid| *v);
val_from!(DateTime<Utc>, Time, |v| v);
val_from!(serde_json::Value, Json, |v| v);
val_from!(chrono::NaiveDate, Date, |v| v);
val_from!(f64, Float, |v| v);
val_from!(Vec<u8>, Bytes, |v| v);

/// Builds a `Vec<Val>` from anything convertible: `args![id, name, now]`.
#[macro_export]
macro_rules! args {
    () => { Vec::<$crate::db::Val>::new() };
    ($($v:expr),+ $(,)?) => { vec![$($crate::db::Val::from($v)),+] };
}

/// A row type that decodes on both backends (a `#[derive(sqlx::FromRow)]` struct whose field
/// types exist on both does).
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;
type SqliteQueryAs<'q, T> = sqlx::query::QueryAs<'q, Sqlite, T, sqlx::sqlite::SqliteArguments>;
type PgQueryAs<'q, T> = sqlx::query::QueryAs<'q, Postgres, T, sqlx::postgres::PgArguments>;

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Val::Text(v) => q.bind(v),
                Val::Int(v) => q.bind(v),
                Val::Bool(v) => q.bind(v),
                Val::Uuid(v) => q.bind(v),
                Val::Time(v) => q.bind(v),
                Val::Json(v) => q.bind(v.map(sqlx::types::Json)),
                Val::Date(v) => q.bind(v),
                Val::Float(v) => q.bind(v),
                Val::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

fn sqlite_query(sql: String, args: Vec<Val>) -> SqliteQuery<'static> {
    bind_all!(sqlx::query::<Sqlite>(AssertSqlSafe(sql)), args)
}
fn pg_query(sql: String, args: Vec<Val>) -> PgQuery<'static> {
    bind_all!(sqlx::query::<Postgres>(AssertSqlSafe(sql)), args)
}
fn sqlite_query_as<T: Row>(sql: String, args: Vec<Val>) -> SqliteQueryAs<'static, T> {
    bind_all!(sqlx::query_as::<Sqlite, T>(AssertSqlSafe(sql)), args)
}
fn pg_query_as<T: Row>(sql: String, args: Vec<Val>) -> PgQueryAs<'static, T> {
    bind_all!(sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql)), args)
}

/// A connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on one of the two backends. Dropped without `commit`, it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Opens the database the operator named. The backend is chosen here, once, from the
    /// location: a data directory or `sqlite:` URL gives SQLite, `postgres://` PostgreSQL;
    /// anything else is an error rather than a guess.
    pub async fn open(location: &DbLocation) -> StoreResult<Db> {
        match location {
            DbLocation::DataDir(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Config(format!(
                        "cannot create data directory {}: {e}",
                        dir.display()
                    ))
                })?;
                let file = DbLocation::sqlite_file(dir);
                Self::open_sqlite(&file, true).await
            }
            DbLocation::Url(url) => {
                let scheme = url
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                match scheme.as_str() {
                    "sqlite" => {
                        // The scheme matched case-insensitively; take the rest as written.
                        let rest = &url[scheme.len() + 1..];
                        let path = rest.strip_prefix("//").unwrap_or(rest);
                        let path = path.split('?').next().unwrap_or_default();
                        if path.is_empty() {
                            return Err(StoreError::Config(
                                "the sqlite: URL names no file (expected sqlite:PATH)".into(),
                            ));
                        }
                        Self::open_sqlite(Path::new(path), false).await
                    }
                    "postgres" | "postgresql" => Self::open_postgres(url).await,
                    _ => Err(StoreError::Config(format!(
                        "unsupported database URL scheme '{scheme}': use sqlite:PATH or postgres://USER@HOST/DB"
                    ))),
                }
            }
        }
    }

    async fn open_sqlite(file: &Path, create: bool) -> StoreResult<Db> {
        if !create && !file.exists() {
            // A mistyped path must never quietly become a second, empty database.
            return Err(StoreError::Config(format!(
                "no database at {}: check the path, or use --data-dir DIR to create a new one",
                file.display()
            )));
        }
        let options = SqliteConnectOptions::new()
            .filename(file)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    async fn open_postgres(url: &str) -> StoreResult<Db> {
        // Statements are prepared once per connection; a generic plan of a list or search
        // query cannot know whether `LIKE $1` is rare or common and may walk the whole table
        // (seen: 170 ms instead of 6 ms on a million contacts). Plan each execution for its
        // values instead.
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?
            .options([("plan_cache_mode", "force_custom_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Db::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every migration not yet applied. Safe to run from several instances at once
    /// (sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATOR.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATOR.run(p).await?,
        }
        Ok(())
    }

    /// Versions of the migrations this binary carries (both trees have the same ones).
    pub fn known_migrations() -> Vec<(i64, String)> {
        SQLITE_MIGRATOR
            .iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    }

    pub async fn ping(&self) -> StoreResult<()> {
        self.execute("SELECT 1", args![]).await.map(|_| ())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`) so
    /// two writers queue on the busy timeout instead of failing half-way with SQLITE_BUSY.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn execute(&self, sql: impl Into<String>, args: Vec<Val>) -> StoreResult<u64> {
        let sql = sql.into();
        Ok(match self {
            Db::Sqlite(p) => sqlite_query(sql, args).execute(p).await?.rows_affected(),
            Db::Postgres(p) => pg_query(sql, args).execute(p).await?.rows_affected(),
        })
    }

    pub async fn fetch_all<T: Row>(
        &self,
        sql: impl Into<String>,
        args: Vec<Val>,
    ) -> StoreResult<Vec<T>> {
        let sql = sql.into();
        Ok(match self {
            Db::Sqlite(p) => sqlite_query_as(sql, args).fetch_all(p).await?,
            Db::Postgres(p) => pg_query_as(sql, args).fetch_all(p).await?,
        })
    }

    pub async fn fetch_optional<T: Row>(
        &self,
        sql: impl Into<String>,
        args: Vec<Val>,
    ) -> StoreResult<Option<T>> {
        let sql = sql.into();
        Ok(match self {
            Db::Sqlite(p) => sqlite_query_as(sql, args).fetch_optional(p).await?,
            Db::Postgres(p) => pg_query_as(sql, args).fetch_optional(p).await?,
        })
    }

    pub async fn fetch_one<T: Row>(
        &self,
        sql: impl Into<String>,
        args: Vec<Val>,
    ) -> StoreResult<T> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn execute(&mut self, sql: impl Into<String>, args: Vec<Val>) -> StoreResult<u64> {
        let sql = sql.into();
        Ok(match self {
            Tx::Sqlite(t) => sqlite_query(sql, args)
                .execute(&mut **t)
                .await?
                .rows_affected(),
            Tx::Postgres(t) => pg_query(sql, args).execute(&mut **t).await?.rows_affected(),
        })
    }

    pub async fn fetch_all<T: Row>(
        &mut self,
        sql: impl Into<String>,
        args: Vec<Val>,
    ) -> StoreResult<Vec<T>> {
        let sql = sql.into();
        Ok(match self {
            Tx::Sqlite(t) => sqlite_query_as(sql, args).fetch_all(&mut **t).await?,
            Tx::Postgres(t) => pg_query_as(sql, args).fetch_all(&mut **t).await?,
        })
    }

    pub async fn fetch_optional<T: Row>(
        &mut self,
        sql: impl Into<String>,
        args: Vec<Val>,
    ) -> StoreResult<Option<T>> {
        let sql = sql.into();
        Ok(match self {
            Tx::Sqlite(t) => sqlite_query_as(sql, args).fetch_optional(&mut **t).await?,
            Tx::Postgres(t) => pg_query_as(sql, args).fetch_optional(&mut **t).await?,
        })
    }

    pub async fn fetch_one<T: Row>(
        &mut self,
        sql: impl Into<String>,
        args: Vec<Val>,
    ) -> StoreResult<T> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }
}
