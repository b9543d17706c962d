//! When an activity's reminder (یادآوری) is delivered, and when an edit arms it again.
//!
//! A reminder is *armed* while it has not been delivered. It is delivered once, to the
//! activity's assignee, as soon as its time has come — however late that is noticed (after a
//! restart, a reminder missed during downtime is still sent, once). Completing or deleting the
//! activity cancels it; changing the reminder time or the due time arms it again.

use chrono::{DateTime, Utc};

/// What the rules need to know of an activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReminderState {
    pub remind_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// When the current reminder was delivered; `None` while armed.
    pub reminded_at: Option<DateTime<Utc>>,
    pub done: bool,
    pub deleted: bool,
}

impl ReminderState {
    /// Whether the reminder is to be delivered at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        match self.remind_at {
            Some(at) => at <= now && self.reminded_at.is_none() && !self.done && !self.deleted,
            None => false,
        }
    }

    /// Whether the reminder is waiting to be delivered (armed, open, in the future or due).
    pub fn is_pending(&self) -> bool {
        self.remind_at.is_some() && self.reminded_at.is_none() && !self.done && !self.deleted
    }
}

/// Whether an edit from `before` to `after` arms the reminder again: the reminder time or the
/// due time changed. (Other edits — notes, links, the assignee — keep a delivered reminder
/// delivered, so saving a form never repeats it.) Times are compared to the minute: a form
/// shows and sends minutes, so saving a form over a time the API set to the second is no
/// change.
pub fn rearms(before: &ReminderState, after: &ReminderState) -> bool {
    minute(before.remind_at) != minute(after.remind_at)
        || minute(before.due_at) != minute(after.due_at)
}

fn minute(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp().div_euclid(60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, 0, 0).unwrap()
    }

    fn armed(at: u32) -> ReminderState {
        ReminderState {
            remind_at: Some(t(at)),
            due_at: Some(t(at + 1)),
            reminded_at: None,
            done: false,
            deleted: false,
        }
    }

    #[test]
    fn due_once_its_time_has_come() {
        let r = armed(9);
        assert!(!r.is_due(t(9) - Duration::seconds(1)));
        assert!(r.is_due(t(9)));
        assert!(r.is_pending());
    }

    #[test]
    fn a_late_reminder_is_still_due() {
        // The server was down all day: the morning's reminder goes out when it is back.
        assert!(armed(9).is_due(t(9) + Duration::days(3)));
    }

    #[test]
    fn never_twice() {
        let r = ReminderState {
            reminded_at: Some(t(9)),
            ..armed(9)
        };
        assert!(!r.is_due(t(10)));
        assert!(!r.is_pending());
    }

    #[test]
    fn done_or_deleted_cancels() {
        let done = ReminderState {
            done: true,
            ..armed(9)
        };
        let deleted = ReminderState {
            deleted: true,
            ..armed(9)
        };
        assert!(!done.is_due(t(10)));
        assert!(!deleted.is_due(t(10)));
        assert!(!done.is_pending());
    }

    #[test]
    fn no_reminder_nothing_due() {
        let r = ReminderState {
            remind_at: None,
            ..armed(9)
        };
        assert!(!r.is_due(t(23)));
        assert!(!r.is_pending());
    }

    #[test]
    fn changing_reminder_or_due_time_rearms() {
        let sent = ReminderState {
            reminded_at: Some(t(9)),
            ..armed(9)
        };
        let later = ReminderState {
            remind_at: Some(t(15)),
            ..sent
        };
        assert!(rearms(&sent, &later));
        let moved = ReminderState {
            due_at: Some(t(18)),
            ..sent
        };
        assert!(rearms(&sent, &moved));
        let cleared = ReminderState {
            remind_at: None,
            ..sent
        };
        assert!(rearms(&sent, &cleared));
    }

    #[test]
    fn other_edits_keep_a_delivered_reminder_delivered() {
        let sent = ReminderState {
            reminded_at: Some(t(9)),
            ..armed(9)
        };
        let reopened = ReminderState {
            done: false,
            ..sent
        };
        assert!(!rearms(&sent, &reopened));
        assert!(!rearms(&sent, &sent));
    }

    #[test]
    fn a_form_saving_the_same_minute_does_not_rearm() {
        // The API set 09:00:42; the form sends back 09:00.
        let api = ReminderState {
            remind_at: Some(t(9) + Duration::seconds(42)),
            reminded_at: Some(t(9)),
            ..armed(9)
        };
        let form = ReminderState {
            remind_at: Some(t(9)),
            ..api
        };
        assert!(!rearms(&api, &form));
        let next_minute = ReminderState {
            remind_at: Some(t(9) + Duration::minutes(1)),
            ..api
        };
        assert!(rearms(&api, &next_minute));
    }
}
