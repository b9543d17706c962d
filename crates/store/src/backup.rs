//! Backups and restores, for the operator at the command line.
//!
//! A backup is a consistent snapshot taken while the server keeps running: `VACUUM INTO` on
//! SQLite (one self-contained database file), `pg_dump --format=custom` on PostgreSQL. A
//! restore puts such a snapshot back and then runs the migrations, so a backup made by an
//! older release is moved forward. On SQLite the restore refuses to run while anything else
//! has the database open, and keeps the database it replaces next to it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{Connection, SqliteConnection};

use crate::db::{Db, DbLocation};
use crate::error::StoreError;

/// Why a backup or restore did not happen. Every message is meant for the operator as is.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The operator asked for something that would lose data or cannot work (the target
    /// file exists, the server is running, the file is no Peyvand backup …).
    #[error("{0}")]
    Refused(String),
    /// `pg_dump` / `pg_restore` is missing or failed.
    #[error("{0}")]
    Tool(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(e.into())
    }
}

pub type BackupResult<T> = Result<T, BackupError>;

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// What a restore did, for the operator.
#[derive(Clone, Debug)]
pub struct RestoreReport {
    /// Where the database that was replaced now lives (SQLite; `None` when there was none).
    pub set_aside: Option<PathBuf>,
    /// The database that now holds the restored data, as a path or a password-free URL.
    pub target: String,
}

/// Writes a consistent snapshot of `db` to `to`, which must not exist yet. On PostgreSQL
/// `pg_url` is the URL the database was opened with (`pg_dump` connects on its own).
pub async fn backup(db: &Db, pg_url: Option<&str>, to: &Path) -> BackupResult<()> {
    if to.exists() {
        return Err(BackupError::Refused(format!(
            "{} already exists: choose a new file name (a backup never overwrites a file)",
            to.display()
        )));
    }
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(BackupError::Refused(format!(
            "the folder {} does not exist",
            parent.display()
        )));
    }
    match db {
        Db::Sqlite(pool) => {
            let target = to.to_str().ok_or_else(|| {
                BackupError::Refused(format!("{} is not a UTF-8 path", to.display()))
            })?;
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(pool)
                .await?;
            Ok(())
        }
        Db::Postgres(_) => {
            let url = pg_url.ok_or_else(|| {
                BackupError::Refused("a PostgreSQL backup needs the database URL".into())
            })?;
            let mut cmd = pg_command("pg_dump", url)?;
            cmd.arg("--format=custom").arg("--file").arg(to);
            run_tool(cmd, "pg_dump").await.inspect_err(|_| {
                // pg_dump may leave a partial file behind; it is no backup.
                let _ = std::fs::remove_file(to);
            })
        }
    }
}

/// Puts the backup `from` in place of the database at `location`. The database must not be
/// in use (stop the server first).
pub async fn restore(location: &DbLocation, from: &Path) -> BackupResult<RestoreReport> {
    if !from.is_file() {
        return Err(BackupError::Refused(format!(
            "no backup file at {}",
            from.display()
        )));
    }
    let report = match location {
        DbLocation::DataDir(dir) => {
            std::fs::create_dir_all(dir).map_err(io(format!(
                "cannot create data directory {}",
                dir.display()
            )))?;
            restore_sqlite(&DbLocation::sqlite_file(dir), from).await?
        }
        DbLocation::Url(url) => match url_scheme(url).as_str() {
            "sqlite" => {
                let path = sqlite_url_path(url)?;
                if !path.exists() {
                    return Err(BackupError::Refused(format!(
                        "no database at {}: check the path, or use --data-dir DIR",
                        path.display()
                    )));
                }
                restore_sqlite(&path, from).await?
            }
            "postgres" | "postgresql" => restore_postgres(url, from).await?,
            other => {
                return Err(StoreError::Config(format!(
                    "unsupported database URL scheme '{other}': use sqlite:PATH or postgres://USER@HOST/DB"
                ))
                .into());
            }
        },
    };
    // Bring an older backup up to this release's schema.
    let db = Db::open(location).await?;
    let migrated = db.migrate().await;
    db.close().await;
    migrated?;
    Ok(report)
}

fn url_scheme(url: &str) -> String {
    url.split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn sqlite_url_path(url: &str) -> BackupResult<PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() {
        return Err(StoreError::Config(
            "the sqlite: URL names no file (expected sqlite:PATH)".into(),
        )
        .into());
    }
    Ok(PathBuf::from(path))
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Checks that `file` is an SQLite database holding Peyvand's tables, and that this release
/// knows every migration applied to it.
async fn check_sqlite_backup(file: &Path) -> BackupResult<()> {
    let not_backup =
        || BackupError::Refused(format!("{} is not a Peyvand SQLite backup", file.display()));
    let mut head = [0u8; 16];
    {
        use std::io::Read;
        let mut f =
            std::fs::File::open(file).map_err(io(format!("cannot read {}", file.display())))?;
        if f.read_exact(&mut head).is_err() || &head != SQLITE_MAGIC {
            return Err(not_backup());
        }
    }
    // Immutable: nothing else writes the backup, and reading it must not create files.
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|_| not_backup())?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('_sqlx_migrations', 'users')",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(|_| not_backup())?;
    if tables != 2 {
        conn.close().await.ok();
        return Err(not_backup());
    }
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(&mut conn)
        .await?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await.ok();
    if check != "ok" {
        return Err(BackupError::Refused(format!(
            "{} is damaged (integrity check: {check})",
            file.display()
        )));
    }
    let known: Vec<i64> = Db::known_migrations().into_iter().map(|(v, _)| v).collect();
    if let Some(v) = versions.iter().find(|v| !known.contains(v)) {
        return Err(BackupError::Refused(format!(
            "{} was made by a newer Peyvand (schema version {v}): upgrade Peyvand first",
            file.display()
        )));
    }
    Ok(())
}

/// Takes the database file for ourselves, or fails when another connection (a running
/// server) has it open. In WAL mode a plain `BEGIN EXCLUSIVE` does not see idle readers;
/// exclusive *locking mode* does.
async fn lock_sqlite(file: &Path) -> BackupResult<SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::from_millis(500));
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let busy = |e: &sqlx::Error| matches!(e, sqlx::Error::Database(d) if d.message().contains("locked") || d.message().contains("busy"));
    match sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await {
        Ok(_) => {}
        Err(e) if busy(&e) => {
            conn.close().await.ok();
            return Err(BackupError::Refused(format!(
                "the database {} is in use: stop the server first",
                file.display()
            )));
        }
        Err(e) => return Err(e.into()),
    }
    sqlx::query("COMMIT").execute(&mut conn).await?;
    // Fold the write-ahead log into the file so the copy we set aside is complete.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    Ok(conn)
}

fn sidecars(file: &Path) -> [PathBuf; 2] {
    let with = |suffix: &str| {
        let mut s = file.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    [with("-wal"), with("-shm")]
}

async fn restore_sqlite(target: &Path, from: &Path) -> BackupResult<RestoreReport> {
    check_sqlite_backup(from).await?;
    let mut set_aside = None;
    if target.exists() {
        let conn = lock_sqlite(target).await?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut aside = target.as_os_str().to_owned();
        aside.push(format!(".before-restore-{stamp}"));
        let aside = PathBuf::from(aside);
        if aside.exists() {
            conn.close().await.ok();
            return Err(BackupError::Refused(format!(
                "{} already exists: wait a second and try again",
                aside.display()
            )));
        }
        // Copy (not rename) while we still hold the lock, so no server can open a half-moved
        // database; the lock ends when the connection closes.
        std::fs::copy(target, &aside).map_err(io(format!(
            "cannot copy {} to {}",
            target.display(),
            aside.display()
        )))?;
        conn.close().await?;
        set_aside = Some(aside);
    }
    for side in sidecars(target) {
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(format!("cannot remove {}", side.display()))(e)),
        }
    }
    // Copy next to the target, then rename: the database is never half-written.
    let mut partial = target.as_os_str().to_owned();
    partial.push(".restoring");
    let partial = PathBuf::from(partial);
    std::fs::copy(from, &partial).map_err(io(format!(
        "cannot copy {} to {}",
        from.display(),
        partial.display()
    )))?;
    std::fs::rename(&partial, target).map_err(io(format!(
        "cannot move {} to {}",
        partial.display(),
        target.display()
    )))?;
    Ok(RestoreReport {
        set_aside,
        target: target.display().to_string(),
    })
}

async fn restore_postgres(url: &str, from: &Path) -> BackupResult<RestoreReport> {
    let mut head = [0u8; 5];
    {
        use std::io::Read;
        let mut f =
            std::fs::File::open(from).map_err(io(format!("cannot read {}", from.display())))?;
        if f.read_exact(&mut head).is_err() || &head != b"PGDMP" {
            return Err(BackupError::Refused(format!(
                "{} is not a pg_dump custom-format backup",
                from.display()
            )));
        }
    }
    let mut cmd = pg_command("pg_restore", url)?;
    cmd.args([
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
    ])
    .arg(from);
    run_tool(cmd, "pg_restore").await?;
    Ok(RestoreReport {
        set_aside: None,
        target: redact_url(url),
    })
}

/// Finds a PostgreSQL client program on `PATH`, or in Debian's versioned folders
/// (`/usr/lib/postgresql/N/bin`, newest first) where it is often not linked onto `PATH`.
pub fn find_pg_tool(name: &str) -> Option<PathBuf> {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let tool = e.path().join("bin").join(name);
            tool.is_file().then_some((v, tool))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

/// A `pg_dump`/`pg_restore` command for `url`, with the password passed in the environment
/// (`PGPASSWORD`) rather than on the command line, where other users could read it.
fn pg_command(tool: &str, url: &str) -> BackupResult<tokio::process::Command> {
    let program = find_pg_tool(tool).ok_or_else(|| {
        BackupError::Tool(format!(
            "{tool} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client (Debian: apt-get install postgresql-client)"
        ))
    })?;
    let (url, password) = split_password(url);
    let mut cmd = tokio::process::Command::new(program);
    cmd.arg("--dbname").arg(url);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok(cmd)
}

async fn run_tool(mut cmd: tokio::process::Command, tool: &str) -> BackupResult<()> {
    let out = cmd
        .output()
        .await
        .map_err(io(format!("cannot run {tool}")))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let detail = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    Err(BackupError::Tool(format!(
        "{tool} failed ({}): {detail}",
        out.status
    )))
}

/// Splits the password out of `scheme://user:password@host/…`; returns the URL without it
/// and the decoded password.
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(percent_decode(password)),
    )
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL with any password replaced and the query (which may hold one) dropped, for logs
/// and messages.
pub fn redact_url(url: &str) -> String {
    let (without, password) = split_password(url);
    let without = without.split('?').next().unwrap_or_default().to_owned();
    match password {
        Some(_) => match without.split_once('@') {
            Some((user, host)) => format!("{user}:***@{host}"),
            None => without,
        },
        None => without,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_leaves_the_url() {
        let (url, pw) = split_password("postgres://bob:p%40ss@db:5432/crm?sslmode=require");
        assert_eq!(url, "postgres://bob@db:5432/crm?sslmode=require");
        assert_eq!(pw.as_deref(), Some("p@ss"));
        assert_eq!(
            split_password("postgres://bob@db/crm").0,
            "postgres://bob@db/crm"
        );
        assert_eq!(
            redact_url("postgres://bob:secret@db/crm?password=x"),
            "postgres://bob:***@db/crm"
        );
        assert_eq!(redact_url("postgres://db/crm"), "postgres://db/crm");
    }
}
