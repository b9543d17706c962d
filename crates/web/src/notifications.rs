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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use peyvand_domain::calendar::CalendarKind;
    use peyvand_domain::prefs::Language;
    use peyvand_store::Json;
    use serde_json::json;
    use uuid::Uuid;

    use crate::i18n::Catalogues;

    fn reminder() -> NotificationRecord {
        let due = Utc.with_ymd_and_hms(2026, 11, 25, 9, 3, 0).unwrap();
        NotificationRecord {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            kind: ACTIVITY_REMINDER.into(),
            record_type: "activity".into(),
            record_id: Some(Uuid::nil()),
            data: Json(json!({"subject": "تماس با کریمی", "activity_kind": "call",
                              "due_at": due, "remind_at": due})),
            created_at: due,
            read_at: None,
        }
    }

    #[test]
    fn a_reminder_reads_in_the_users_language_calendar_and_time_zone() {
        let cats = Catalogues::load();
        let fa = UserPrefs::for_language(Language::Fa);
        let r = render(&Tr::new(cats.clone(), Language::Fa), &fa, &reminder());
        assert_eq!(r.title, "یادآوری: تماس با کریمی");
        // 09:03 UTC is 12:33 in Tehran; 25 November 2026 is 4 Azar 1405.
        assert_eq!(r.body, "تماس — موعد پیگیری: ۱۴۰۵/۰۹/۰۴ ۱۲:۳۳");
        assert_eq!(
            r.link.as_deref(),
            Some("/activities/00000000-0000-0000-0000-000000000000")
        );

        let en = UserPrefs::for_language(Language::En);
        let r = render(&Tr::new(cats.clone(), Language::En), &en, &reminder());
        assert_eq!(r.title, "Reminder: تماس با کریمی");
        assert!(r.body.starts_with("Call — due "), "{}", r.body);
        assert_eq!(r.body, "Call — due 2026-11-25 12:33");

        // An English reader on the Jalali calendar in UTC.
        let mixed = UserPrefs {
            calendar: CalendarKind::Jalali,
            time_zone: chrono_tz::UTC,
            ..en
        };
        let r = render(&Tr::new(cats, Language::En), &mixed, &reminder());
        assert!(
            r.body.contains("1405") && r.body.ends_with("09:03"),
            "{}",
            r.body
        );
    }
}
