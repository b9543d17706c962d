//! `/healthz` and a Prometheus text endpoint at `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;

/// Request counters by status class, and total time spent.
#[derive(Debug, Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    duration_micros: AtomicU64,
    started: std::sync::OnceLock<Instant>,
}

impl Metrics {
    fn record(&self, status: StatusCode, micros: u64) {
        let class = (status.as_u16() / 100).clamp(1, 5) as usize - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    state.metrics.started.get_or_init(Instant::now);
    let start = Instant::now();
    let res = next.run(req).await;
    state
        .metrics
        .record(res.status(), start.elapsed().as_micros() as u64);
    res
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.db.ping().await {
        Ok(()) => Json(json!({"status": "ok", "database": state.store.db.backend().as_str()}))
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "error", "database": "unreachable"})),
            )
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let up = u8::from(state.store.db.ping().await.is_ok());
    let mut out = String::new();
    out.push_str("# HELP peyvand_http_requests_total HTTP requests served, by status class.\n");
    out.push_str("# TYPE peyvand_http_requests_total counter\n");
    for (i, c) in m.by_class.iter().enumerate() {
        out.push_str(&format!(
            "peyvand_http_requests_total{{class=\"{}xx\"}} {}\n",
            i + 1,
            c.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP peyvand_http_request_duration_seconds_sum Time spent serving requests.\n");
    out.push_str("# TYPE peyvand_http_request_duration_seconds_sum counter\n");
    out.push_str(&format!(
        "peyvand_http_request_duration_seconds_sum {:.6}\n",
        m.duration_micros.load(Ordering::Relaxed) as f64 / 1e6
    ));
    out.push_str("# HELP peyvand_database_up Whether the database answered the last check.\n");
    out.push_str("# TYPE peyvand_database_up gauge\n");
    out.push_str(&format!(
        "peyvand_database_up{{backend=\"{}\"}} {up}\n",
        state.store.db.backend().as_str()
    ));
    let uptime = m.started.get().map(|s| s.elapsed().as_secs()).unwrap_or(0);
    out.push_str("# HELP peyvand_uptime_seconds Seconds since the first request.\n");
    out.push_str("# TYPE peyvand_uptime_seconds gauge\n");
    out.push_str(&format!("peyvand_uptime_seconds {uptime}\n"));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
