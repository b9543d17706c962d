//! The durable job queue: enqueue in the caller's transaction, claim one job atomically
//! (`UPDATE … RETURNING`, with `FOR UPDATE SKIP LOCKED` on PostgreSQL), finish or fail it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::Db;
use crate::{Store, StoreResult, Tx, args};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JobRecord {
    pub id: Uuid,
    pub kind: String,
    pub payload: Json<Value>,
    pub status: String,
    pub attempts: i64,
    pub run_after: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub locked_at: Option<DateTime<Utc>>,
    pub idempotency_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

const JOB_COLS: &str = "id, kind, payload, status, attempts, run_after, locked_by, locked_at, \
                        idempotency_key, created_at, updated_at, last_error";

impl Store {
    /// Queues a job inside the caller's transaction. A second job with the same idempotency
    /// key is ignored; returns whether this one was queued.
    pub async fn enqueue_job(
        &self,
        tx: &mut Tx,
        id: Uuid,
        kind: &str,
        payload: Value,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let n = tx
            .execute(
                "INSERT INTO jobs (id, kind, payload, status, attempts, run_after, idempotency_key, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'queued', 0, $4, $5, $4, $4) ON CONFLICT (idempotency_key) DO NOTHING",
                args![id, kind, payload, now, idempotency_key],
            )
            .await?;
        Ok(n == 1)
    }

    /// Claims the next runnable job for `worker`: a queued one whose time has come, or a
    /// running one whose worker has not been heard of since `stale_before` (it died; jobs run
    /// at least once). One atomic statement, so two workers never claim the same job.
    pub async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<Option<JobRecord>> {
        let pick = "SELECT id FROM jobs WHERE (status = 'queued' AND run_after <= $2) \
                    OR (status = 'running' AND locked_at < $3) ORDER BY run_after, id LIMIT 1";
        let sql = |lock: &str| {
            format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
                 locked_at = $2, updated_at = $2 WHERE id = ({pick}{lock}) RETURNING {JOB_COLS}"
            )
        };
        match &self.db {
            Db::Sqlite(_) => {
                let mut tx = self.begin().await?;
                let job = tx
                    .fetch_optional(sql(""), args![worker, now, stale_before])
                    .await?;
                tx.commit().await?;
                Ok(job)
            }
            Db::Postgres(_) => {
                self.db
                    .fetch_optional(
                        sql(" FOR UPDATE SKIP LOCKED"),
                        args![worker, now, stale_before],
                    )
                    .await
            }
        }
    }

    /// Marks a job done, or failed for good, or back in the queue to retry after `retry_at`.
    pub async fn finish_job(
        &self,
        id: Uuid,
        status: &str,
        error: Option<&str>,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let now = Utc::now();
        self.db
            .execute(
                "UPDATE jobs SET status = $2, last_error = $3, run_after = COALESCE($4, run_after), \
                 locked_by = NULL, locked_at = NULL, updated_at = $5 WHERE id = $1",
                args![id, status, error, retry_at, now],
            )
            .await?;
        Ok(())
    }

    /// Keeps a long job's claim fresh so no other worker takes it over.
    pub async fn touch_job(&self, id: Uuid) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE jobs SET locked_at = $2, updated_at = $2 WHERE id = $1",
                args![id, Utc::now()],
            )
            .await?;
        Ok(())
    }

    pub async fn job(&self, id: Uuid) -> StoreResult<Option<JobRecord>> {
        self.db
            .fetch_optional(
                format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1"),
                args![id],
            )
            .await
    }
}
