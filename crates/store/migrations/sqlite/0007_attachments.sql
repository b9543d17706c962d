-- Files attached to any record (documents, letters, scanned faxes). Kept in the database so a
-- backup is one file and several instances share them.
CREATE TABLE attachments (
    id BLOB PRIMARY KEY NOT NULL,
    record_type TEXT NOT NULL,
    record_id BLOB NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    uploaded_by BLOB,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX attachments_record ON attachments(record_type, record_id);
