-- Files attached to any record (documents, letters, scanned faxes). Kept in the database so a
-- backup is one file and several instances share them.
CREATE TABLE attachments (
    id UUID PRIMARY KEY,
    record_type TEXT NOT NULL,
    record_id UUID NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX attachments_record ON attachments(record_type, record_id);
