//! The home page and global search.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use chrono::Utc;
use peyvand_domain::calendar::{self, CalendarKind, DateStyle};
use peyvand_services::accounts;
use peyvand_services::sales::search;
use peyvand_store::AuditQuery;
use serde::Deserialize;

use super::{PageResult, html};
use crate::AppState;
use crate::auth::Authed;
use crate::page::Page;

pub struct RecentEvent {
    pub when: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    p: Page,
    welcome: String,
    other_calendar: String,
    recent: Vec<RecentEvent>,
}

/// A human sentence for an audit action, in the user's language.
pub fn describe_action(p: &Page, action: &str, record_type: &str) -> String {
    let id = format!("audit-action-{}", action.replace('_', "-"));
    let what = p.t(&id);
    let what = if what == id { action.to_owned() } else { what };
    let rt_id = format!("record-type-{}", record_type.replace('_', "-"));
    let rt = p.t(&rt_id);
    let rt = if rt == rt_id {
        record_type.to_owned()
    } else {
        rt
    };
    format!("{what} ({rt})")
}

pub async fn home(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
) -> PageResult {
    let today = Utc::now().with_timezone(&p.prefs.time_zone).date_naive();
    let other = match p.prefs.calendar {
        CalendarKind::Jalali => CalendarKind::Gregorian,
        CalendarKind::Gregorian => CalendarKind::Jalali,
    };
    let other_calendar = calendar::format_date(
        today,
        other,
        p.prefs.language,
        p.prefs.digits,
        DateStyle::Long,
    );
    // The user's own recent activity: every change they made, newest first.
    let entries = state
        .store
        .list_audit(&AuditQuery {
            actor_user_id: Some(me.user.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .map_err(peyvand_services::ServiceError::from)?;
    let recent = entries
        .iter()
        .map(|e| RecentEvent {
            when: p.datetime(e.at),
            what: describe_action(&p, &e.action, &e.record_type),
        })
        .collect();
    let welcome = p.t_with("home-welcome", "name", &me.user.display_name);
    html(HomePage {
        p: p.titled("home-title", "home"),
        welcome,
        other_calendar,
        recent,
    })
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub struct Hit {
    pub kind: String,
    pub label: String,
    pub detail: String,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    p: Page,
    q: String,
    hits: Vec<Hit>,
}

/// Searches everything the user may read: contacts, companies, leads and deals (by name, phone
/// in any format, email, national ID), then the people and teams of the organisation.
pub async fn search(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let mut hits = vec![];
    let needle = q.q.trim().to_owned();
    if !needle.is_empty() {
        // Contacts, companies, leads and deals, each inside the user's read scope.
        for h in search::global(&state.store, &me.actor, &needle, 10).await? {
            let detail = hit_detail(&p, &h);
            let path = match h.record_type {
                "contact" => "contacts",
                "company" => "companies",
                "lead" => "leads",
                _ => "deals",
            };
            hits.push(Hit {
                kind: p.t(&format!("search-kind-{}", h.record_type)),
                label: h.title,
                detail,
                href: Some(format!("/{path}/{}", h.id)),
            });
        }
        if me.actor.can(
            peyvand_domain::access::RecordType::User,
            peyvand_domain::access::Action::Read,
        ) {
            let users =
                accounts::list_users(&state.store, &me.actor, Some(&needle), None, 20).await?;
            for u in users {
                hits.push(Hit {
                    kind: p.t("record-type-user"),
                    label: u.display_name,
                    detail: u.email,
                    href: me
                        .actor
                        .can(
                            peyvand_domain::access::RecordType::User,
                            peyvand_domain::access::Action::Update,
                        )
                        .then(|| format!("/settings/users/{}", u.id)),
                });
            }
        }
        if me.actor.can(
            peyvand_domain::access::RecordType::Team,
            peyvand_domain::access::Action::Read,
        ) {
            let norm = peyvand_domain::text::normalize_for_search(&needle);
            for t in accounts::list_teams(&state.store, &me.actor).await? {
                if peyvand_domain::text::normalize_for_search(&t.name).contains(&norm) {
                    hits.push(Hit {
                        kind: p.t("record-type-team"),
                        label: t.name,
                        detail: String::new(),
                        href: Some("/settings/teams".into()),
                    });
                }
            }
        }
    }
    html(SearchPage {
        p: p.titled("search-title", "search"),
        q: q.q,
        hits,
    })
}

/// The second line of a search hit as the lists show it: a deal's amount, a phone as
/// `0912 345 6789` in the reader's digits, else the city or status as found.
pub fn hit_detail(p: &Page, h: &search::SearchHit) -> String {
    match (h.amount_minor, h.currency.as_deref()) {
        (Some(amount), Some(currency)) => p.deal_amount(amount, currency),
        _ if h.detail.starts_with('+') => super::contacts::show_phone(
            p,
            &peyvand_domain::sales::PhoneEntry {
                number: h.detail.clone(),
                label: String::new(),
            },
        ),
        _ => h.detail.clone(),
    }
}
