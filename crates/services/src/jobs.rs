//! The background worker's side of the durable job table: enqueue (in the caller's
//! transaction), claim one job at a time, run it, and retry with backoff on failure. Jobs run
//! at least once; each kind is idempotent (an import continues from its committed progress).

use chrono::{Duration, Utc};
use peyvand_store::{JobRecord, Store, Tx};
use serde_json::Value;
use uuid::Uuid;

use crate::sales::imports;
use crate::{ServiceError, ServiceResult};

/// Attempts before a job is given up as failed.
pub const MAX_ATTEMPTS: i64 = 5;

/// A claim older than this is taken over: its worker died.
pub const STALE_AFTER_SECS: i64 = 600;

/// Queues a job inside the caller's transaction (a duplicate idempotency key is ignored).
pub async fn enqueue(
    store: &Store,
    tx: &mut Tx,
    kind: &str,
    payload: Value,
    idempotency_key: Option<&str>,
) -> ServiceResult<bool> {
    Ok(store
        .enqueue_job(
            tx,
            Uuid::now_v7(),
            kind,
            payload,
            idempotency_key,
            Utc::now(),
        )
        .await?)
}

/// A name for this process's worker, for `locked_by`.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "peyvand".into());
    format!("{host}:{}", std::process::id())
}

async fn run(store: &Store, job: &JobRecord) -> ServiceResult<()> {
    match job.kind.as_str() {
        imports::JOB_KIND => {
            let id = job.payload.0["import_id"]
                .as_str()
                .and_then(|s| s.parse::<Uuid>().ok())
                .ok_or(ServiceError::NotFound)?;
            match imports::run_import(store, id, &|_| {}).await {
                // A bad file or a user who lost their rights: recorded on the import, done.
                Ok(_) | Err(ServiceError::Validation(_)) | Err(ServiceError::Forbidden) => Ok(()),
                Err(e) => Err(e),
            }
        }
        _ => Err(ServiceError::NotFound),
    }
}

/// Claims and runs one job; false when none was ready.
pub async fn run_one(store: &Store, worker: &str) -> ServiceResult<bool> {
    let now = Utc::now();
    let Some(job) = store
        .claim_job(worker, now, now - Duration::seconds(STALE_AFTER_SECS))
        .await?
    else {
        return Ok(false);
    };
    match run(store, &job).await {
        Ok(()) => store.finish_job(job.id, "done", None, None).await?,
        Err(e) => {
            let msg = e.to_string();
            tracing::warn!(job = %job.id, kind = %job.kind, error = %msg, "job failed");
            if job.attempts >= MAX_ATTEMPTS {
                store.finish_job(job.id, "failed", Some(&msg), None).await?;
                if job.kind == imports::JOB_KIND
                    && let Some(id) = job.payload.0["import_id"]
                        .as_str()
                        .and_then(|s| s.parse::<Uuid>().ok())
                {
                    store
                        .set_import_status(id, "failed", None, Some(&msg), Some(Utc::now()))
                        .await?;
                }
            } else {
                let backoff = Duration::seconds(2_i64.pow(job.attempts.clamp(0, 10) as u32));
                store
                    .finish_job(job.id, "queued", Some(&msg), Some(Utc::now() + backoff))
                    .await?;
            }
        }
    }
    Ok(true)
}

/// Runs every job that is ready now, one after another (tests and one-off commands drain the
/// queue with this); returns how many ran.
pub async fn run_pending(store: &Store) -> ServiceResult<usize> {
    let worker = worker_name();
    let mut n = 0;
    while run_one(store, &worker).await? {
        n += 1;
    }
    Ok(n)
}
