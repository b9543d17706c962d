-- Saved list views: a name for a list's filters, sort and columns, personal or shared.
CREATE TABLE saved_views (
    id BLOB PRIMARY KEY NOT NULL,
    record_type TEXT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    owner_id BLOB NOT NULL REFERENCES users(id),
    shared INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX saved_views_type ON saved_views(record_type, owner_id);
