-- Activities take custom fields like the other sales records, and their reminders are
-- delivered as in-app notifications.
ALTER TABLE activities ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';

-- When the current reminder was delivered; NULL = armed (or no reminder). Changing the
-- reminder or due time clears it; the sweeper sets it in the same transaction as the
-- notification, only while it is still NULL, so a reminder is delivered once.
ALTER TABLE activities ADD COLUMN reminded_at TEXT;

-- Reminders that came due before delivery existed were never promised; they are not sent
-- all at once on the first start after the upgrade.
UPDATE activities SET reminded_at = remind_at
 WHERE remind_at IS NOT NULL AND remind_at < strftime('%Y-%m-%dT%H:%M:%S', 'now');

-- What the sweeper looks for: armed reminders of open, live activities.
CREATE INDEX activities_reminder_due ON activities(remind_at)
 WHERE reminded_at IS NULL AND done_at IS NULL AND deleted_at IS NULL AND remind_at IS NOT NULL;

-- In-app notifications of one user (the bell). `kind` says how to show `data`; the text is
-- rendered when read, in the reader's language, calendar and time zone.
CREATE TABLE notifications (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    record_type TEXT NOT NULL DEFAULT '',
    record_id BLOB,
    data TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
