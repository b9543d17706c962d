//! Peyvand's web layer: the HTML UI, the REST API under `/api/v1`, sessions, CSRF, i18n.
//!
//! Holds no SQL: every handler goes through `peyvand_services`.
#![forbid(unsafe_code)]

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use peyvand_store::Store;

pub mod api;
pub mod assets;
pub mod auth;
pub mod csrf;
pub mod error;
pub mod i18n;
pub mod labels;
pub mod metrics;
pub mod notifications;
pub mod page;
pub mod pages;

/// Settings of the web layer the operator can change.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
}

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub config: WebConfig,
    pub catalogues: Arc<i18n::Catalogues>,
    pub metrics: Arc<metrics::Metrics>,
}

/// Every error code the services and the web layer emit; a test checks each is translated.
pub const KNOWN_ERROR_CODES: &[&str] = &[
    "field.required",
    "field.too_long",
    "email.invalid",
    "email.taken",
    "password.too_short",
    "password.wrong",
    "password.mismatch",
    "role.not_found",
    "role.key_invalid",
    "role.key_taken",
    "role.admin_locked",
    "team.not_found",
    "team.name_taken",
    "language.invalid",
    "calendar.invalid",
    "digits.invalid",
    "prefs.unknown_time_zone",
    "prefs.unknown_language",
    "prefs.unknown_calendar",
    "prefs.unknown_digit_style",
    "user.cannot_demote_self",
    "date.empty",
    "date.bad_format",
    "date.bad_year",
    "date.bad_month",
    "date.bad_day",
    "date.looks_jalali",
    "date.looks_gregorian",
    "phone.empty",
    "phone.invalid_characters",
    "phone.too_short",
    "phone.too_long",
    "phone.not_a_number",
    "national_id.empty",
    "national_id.wrong_length",
    "national_id.not_digits",
    "national_id.bad_checksum",
    "json.invalid",
    "uuid.invalid",
    "cursor.invalid",
    "query.invalid",
    "limit.invalid",
    "scope.invalid",
    "money.empty",
    "money.invalid",
    "money.invalid_currency",
    "money.no_decimals",
    "money.too_large",
    "money.too_many_decimals",
    "contact.name_required",
    "contact.bad_channel",
    "company.not_found",
    "company.name_required",
    "owner.not_allowed",
    "owner.not_found",
    "date.in_future",
    "url.invalid",
    "custom.unknown_field",
    "custom.money_integer",
    "custom.bad_option",
    "custom.wrong_type",
    "custom.not_a_number",
    "custom.not_a_boolean",
    "filter.unknown_field",
    "filter.bad_value",
    "filter.bad_operator",
    "custom_field.bad_option_key",
    "custom_field.options_required",
    "custom_field.bad_record_type",
    "custom_field.bad_key",
    "custom_field.key_taken",
    "custom_field.bad_type",
    "lead.name_required",
    "lead.contact_required",
    "lead.bad_source",
    "lead.bad_status",
    "lead.already_converted",
    "lead.reason_required",
    "lead.disqualified",
    "merge.same_record",
    "view.bad_record_type",
    "bulk.too_many",
    "bulk.bad_action",
    "attachment.empty",
    "attachment.zero_bytes",
    "import.no_file",
    "import.no_rows",
    "attachment.too_large",
    "attachment.bad_record_type",
    "deal.lost_reason_required",
    "deal.stage_not_in_pipeline",
    "deal.amount_negative",
    "deal.toman_irr_only",
    "deal.bad_amount_unit",
    "stage.not_empty",
    "stage.not_found",
    "cell.not_editable",
    "stage.bad_probability",
    "stage.bad_kind",
    "pipeline.not_found",
    "contact.not_found",
    "activity.bad_kind",
    "activity.bad_outcome",
    "activity.outcome_calls_only",
    "link.not_found",
    "activity.related_none",
    "activity.related_many",
    "datetime.invalid",
    "time.bad_format",
    "search.unsupported",
    "referral.bad_record_type",
    "referral.not_in_team",
    "referral.team_empty",
    "referral.same_owner",
    "reassign.same_user",
    "import.file_empty",
    "import.not_draft",
    "prefs.unknown_money_unit",
    "import.file_unreadable",
    "import.unknown_column",
    "import.unknown_field",
    "import.field_twice",
    "import.nothing_mapped",
    "import.bad_record_type",
    "import.bad_duplicate_mode",
    "import.not_allowed",
    "export.bad_format",
];

/// The whole application as one router.
pub fn app(store: Store, config: WebConfig) -> Router {
    let state = AppState {
        store,
        config,
        catalogues: i18n::Catalogues::load(),
        metrics: Arc::new(metrics::Metrics::default()),
    };
    let ui = pages::router(state.clone());
    let api = api::router(state.clone());
    Router::new()
        .nest("/api/v1", api)
        .merge(ui)
        .merge(metrics::router(state.clone()))
        .merge(assets::router())
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                // The path only: query strings may carry search terms (personal data).
                |req: &axum::http::Request<axum::body::Body>| {
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
                },
            ),
        )
        // Attachments go up to 20 MB (a little room for the multipart envelope); import routes
        // raise their own limit to MAX_UPLOAD, which the outer cap must let through.
        .layer(axum::extract::DefaultBodyLimit::max(21 * 1024 * 1024))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            api::imports::MAX_UPLOAD + 1024 * 1024,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
}
