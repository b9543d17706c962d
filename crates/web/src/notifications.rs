//! How a notification reads: its text in the reader's language, times in their calendar and
//! time zone, and where it leads. Shared by the notifications page and the API.

use chrono::{DateTime, Utc};
use peyvand_domain::calendar;
use peyvand_domain::prefs::UserPrefs;
use peyvand_services::notifications::ACTIVITY_REMINDER;
use peyvand_store::NotificationRecord;
use serde_json::Value;

use crate::i18n::Tr;

/// A notification as people read it.
pub struct Rendered {
    pub title: String,
    pub body: String,
    /// The page it is about (a local path), if any.
    pub link: Option<String>,
    pub when: String,
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

pub fn render(tr: &Tr, prefs: &UserPrefs, n: &NotificationRecord) -> Rendered {
    let data = &n.data.0;
    let when = calendar::format_datetime(n.created_at, prefs);
    match n.kind.as_str() {
        ACTIVITY_REMINDER => {
            let subject = data["subject"].as_str().unwrap_or_default();
            let kind = data["activity_kind"].as_str().unwrap_or("task");
            let body = match time(&data["due_at"]) {
                Some(due) => {
                    let mut args = fluent_bundle::FluentArgs::new();
                    args.set("kind", tr.t(&format!("activity-kind-{kind}")));
                    args.set("due", calendar::format_datetime(due, prefs));
                    tr.t_args("notification-reminder-due", &args)
                }
                None => tr.t(&format!("activity-kind-{kind}")),
            };
            Rendered {
                title: tr.t_with("notification-reminder-title", "subject", subject),
                body,
                link: n.record_id.map(|id| format!("/activities/{id}")),
                when,
            }
        }
        _ => Rendered {
            title: n.kind.clone(),
            body: String::new(),
            link: None,
            when,
        },
    }
}
