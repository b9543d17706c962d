//! Imports of CSV/xlsx files: the import row with its file and progress, the failed rows, and
//! the bulk writes an import needs (many rows per statement, identifiers of a batch at once).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::Val;
use crate::{Store, StoreResult, Tx, args};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportRecord {
    pub id: Uuid,
    pub record_type: String,
    pub file_name: String,
    pub mapping: Json<Value>,
    pub duplicate_mode: String,
    pub calendar: String,
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub imported: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    pub error: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Who the created records belong to; None: `created_by`.
    pub owner_id: Option<Uuid>,
}

const IMPORT_COLS: &str = "id, record_type, file_name, mapping, duplicate_mode, calendar, status, \
    total_rows, processed_rows, imported, updated, skipped, failed, error, created_by, created_at, finished_at, owner_id";

/// What confirming a draft import sets.
pub struct ImportPlan {
    pub id: Uuid,
    pub mapping: Value,
    pub duplicate_mode: String,
    pub status: String,
    pub owner_id: Option<Uuid>,
}

/// One problem of one row of an import.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ImportFailure {
    pub row_number: i64,
    pub field: String,
    pub code: String,
    pub raw: Json<Vec<String>>,
}

/// The counters an import batch adds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub processed: i64,
    pub imported: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    file_data: Vec<u8>,
}

/// Largest number of bound parameters in one statement (SQLite allows 32766, PostgreSQL 65535).
const MAX_PARAMS: usize = 30_000;

/// The `n`-th parameter of a statement with many. SQLite finds a named parameter (`$N`, `?N`)
/// by a linear search of the statement's names each time one is bound, so thousands of them
/// take quadratic time; plain `?` are numbered in order for free. PostgreSQL only knows `$N`.
/// A statement uses one style throughout (values in order).
pub fn placeholder(backend: crate::Backend, n: usize) -> String {
    match backend {
        crate::Backend::Sqlite => "?".to_owned(),
        crate::Backend::Postgres => format!("${n}"),
    }
}

/// `INSERT INTO t (cols) VALUES (…), (…), …` for many rows, in as few statements as the
/// parameter limit allows. Every row has the same columns in the same order.
pub async fn insert_many(
    tx: &mut Tx,
    table: &str,
    rows: Vec<Vec<(&'static str, Val)>>,
    on_conflict_nothing: bool,
) -> StoreResult<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let names: Vec<&str> = first.iter().map(|(c, _)| *c).collect();
    let width = names.len();
    let per = (MAX_PARAMS / width).max(1);
    let mark = tx.backend();
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<_> = it.by_ref().take(per).collect();
        let mut sql = String::with_capacity(64 + chunk.len() * width * 6);
        sql.push_str(&format!(
            "INSERT INTO {table} ({}) VALUES ",
            names.join(", ")
        ));
        let mut vals = Vec::with_capacity(chunk.len() * width);
        let mut n = 0;
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (j, (_, v)) in row.into_iter().enumerate() {
                n += 1;
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&placeholder(mark, n));
                vals.push(v);
            }
            sql.push(')');
        }
        if on_conflict_nothing {
            sql.push_str(" ON CONFLICT DO NOTHING");
        }
        tx.execute(sql, vals).await?;
    }
    Ok(())
}

impl Store {
    pub async fn insert_import(
        &self,
        tx: &mut Tx,
        r: &ImportRecord,
        file: Vec<u8>,
    ) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO imports (id, record_type, file_name, mapping, duplicate_mode, calendar, status, \
             total_rows, processed_rows, imported, updated, skipped, failed, created_by, created_at, owner_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, 0, 0, 0, $9, $10, $11)",
            args![
                r.id,
                r.record_type.clone(),
                r.file_name.clone(),
                r.mapping.0.clone(),
                r.duplicate_mode.clone(),
                r.calendar.clone(),
                r.status.clone(),
                r.total_rows,
                r.created_by,
                r.created_at,
                r.owner_id
            ],
        )
        .await?;
        tx.execute(
            "INSERT INTO import_files (import_id, data) VALUES ($1, $2)",
            args![r.id, file],
        )
        .await?;
        Ok(())
    }

    /// Sets the mapping, duplicate mode and owner of a draft and queues it.
    pub async fn plan_import(&self, tx: &mut Tx, plan: &ImportPlan) -> StoreResult<u64> {
        tx.execute(
            "UPDATE imports SET mapping = $2, duplicate_mode = $3, status = $4, owner_id = $5 \
             WHERE id = $1 AND status = 'draft'",
            args![
                plan.id,
                plan.mapping.clone(),
                plan.duplicate_mode.clone(),
                plan.status.clone(),
                plan.owner_id
            ],
        )
        .await
    }

    pub async fn import(&self, id: Uuid) -> StoreResult<Option<ImportRecord>> {
        self.db
            .fetch_optional(
                format!("SELECT {IMPORT_COLS} FROM imports WHERE id = $1"),
                args![id],
            )
            .await
    }

    pub async fn import_file(&self, id: Uuid) -> StoreResult<Vec<u8>> {
        let row: FileRow = self
            .db
            .fetch_one(
                "SELECT data AS file_data FROM import_files WHERE import_id = $1",
                args![id],
            )
            .await?;
        Ok(row.file_data)
    }

    /// Removes an import that never started (a draft) with its stored file; false when it is
    /// not a draft (any more).
    pub async fn delete_import_draft(&self, tx: &mut Tx, id: Uuid) -> StoreResult<bool> {
        tx.execute(
            "DELETE FROM import_files WHERE import_id IN \
             (SELECT id FROM imports WHERE id = $1 AND status = 'draft')",
            args![id],
        )
        .await?;
        let removed = tx
            .execute(
                "DELETE FROM imports WHERE id = $1 AND status = 'draft'",
                args![id],
            )
            .await?;
        Ok(removed == 1)
    }

    /// Newest first; only one user's when `created_by` is given.
    pub async fn list_imports(
        &self,
        created_by: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<ImportRecord>> {
        self.db
            .fetch_all(
                format!(
                    "SELECT {IMPORT_COLS} FROM imports WHERE ($1 IS NULL OR created_by = $1) \
                     ORDER BY id DESC LIMIT $2"
                ),
                args![created_by, limit],
            )
            .await
    }

    /// Adds a batch's counts and sets the status, inside the batch's transaction.
    pub async fn advance_import(
        &self,
        tx: &mut Tx,
        id: Uuid,
        c: ImportCounts,
        status: &str,
    ) -> StoreResult<()> {
        tx.execute(
            "UPDATE imports SET processed_rows = processed_rows + $2, imported = imported + $3, \
             updated = updated + $4, skipped = skipped + $5, failed = failed + $6, status = $7 WHERE id = $1",
            args![id, c.processed, c.imported, c.updated, c.skipped, c.failed, status],
        )
        .await?;
        Ok(())
    }

    pub async fn set_import_status(
        &self,
        id: Uuid,
        status: &str,
        total_rows: Option<i64>,
        error: Option<&str>,
        finished_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE imports SET status = $2, total_rows = COALESCE($3, total_rows), error = $4, \
                 finished_at = $5 WHERE id = $1",
                args![id, status, total_rows, error, finished_at],
            )
            .await?;
        Ok(())
    }

    pub async fn insert_import_failures(
        &self,
        tx: &mut Tx,
        import_id: Uuid,
        failures: &[ImportFailure],
    ) -> StoreResult<()> {
        let rows = failures
            .iter()
            .map(|f| {
                vec![
                    ("import_id", Val::from(import_id)),
                    ("row_number", Val::from(f.row_number)),
                    ("field", Val::from(f.field.clone())),
                    ("code", Val::from(f.code.clone())),
                    (
                        "raw",
                        Val::from(serde_json::to_value(&f.raw.0).expect("strings serialise")),
                    ),
                ]
            })
            .collect();
        insert_many(tx, "import_failures", rows, true).await
    }

    pub async fn import_failures(&self, import_id: Uuid) -> StoreResult<Vec<ImportFailure>> {
        self.db
            .fetch_all(
                "SELECT row_number, field, code, raw FROM import_failures WHERE import_id = $1 \
                 ORDER BY row_number, field, code",
                args![import_id],
            )
            .await
    }

    /// Identifiers of live records of one type that equal one of `ids` (kind, value): the
    /// duplicate check of a whole batch in one query per kind (and few thousand values), on
    /// the identifiers' primary key (kind, value, …).
    pub async fn live_identifiers_in(
        &self,
        record_type: &str,
        table: &str,
        ids: &[(&str, String)],
    ) -> StoreResult<Vec<crate::IdentifierHit>> {
        let mut by_kind: std::collections::BTreeMap<&str, Vec<&String>> = Default::default();
        for (k, v) in ids {
            by_kind.entry(*k).or_default().push(v);
        }
        let mut out = vec![];
        for (kind, values) in by_kind {
            for chunk in values.chunks(5000) {
                let mark = self.db.backend();
                let ps: Vec<String> = (0..chunk.len()).map(|i| placeholder(mark, i + 3)).collect();
                let mut vals = args![kind, record_type];
                vals.extend(chunk.iter().map(|v| Val::from((*v).clone())));
                let hits: Vec<crate::IdentifierHit> = self
                    .db
                    .fetch_all(
                        format!(
                            "SELECT i.kind, i.value, i.record_type, i.record_id FROM record_identifiers i \
                             JOIN {table} r ON r.id = i.record_id WHERE i.kind = {} AND i.record_type = {} \
                             AND r.deleted_at IS NULL AND i.value IN ({})",
                            placeholder(mark, 1),
                            placeholder(mark, 2),
                            ps.join(", ")
                        ),
                        vals,
                    )
                    .await?;
                out.extend(hits);
            }
        }
        Ok(out)
    }

    /// Writes the identifiers of many new records at once.
    pub async fn insert_identifiers_many(
        &self,
        tx: &mut Tx,
        record_type: &str,
        ids: &[(Uuid, &'static str, String)],
    ) -> StoreResult<()> {
        let rows = ids
            .iter()
            .map(|(id, kind, value)| {
                vec![
                    ("kind", Val::from(*kind)),
                    ("value", Val::from(value.clone())),
                    ("record_type", Val::from(record_type)),
                    ("record_id", Val::from(*id)),
                ]
            })
            .collect();
        insert_many(tx, "record_identifiers", rows, true).await
    }
}
