-- Saved list views: a name for a list's filters, sort and columns, personal or shared.
CREATE TABLE saved_views (
    id UUID PRIMARY KEY,
    record_type TEXT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    owner_id UUID NOT NULL REFERENCES users(id),
    shared BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX saved_views_type ON saved_views(record_type, owner_id);
