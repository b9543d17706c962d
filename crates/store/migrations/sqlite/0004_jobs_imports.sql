-- Durable background jobs (claimed atomically, run at least once) and imports of CSV/xlsx files.
CREATE TABLE jobs (
    id BLOB PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after TEXT NOT NULL,
    locked_by TEXT,
    locked_at TEXT,
    idempotency_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_error TEXT
);
CREATE INDEX jobs_ready ON jobs(status, run_after);

CREATE TABLE imports (
    id BLOB PRIMARY KEY NOT NULL,
    record_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    mapping TEXT NOT NULL DEFAULT '{}',
    duplicate_mode TEXT NOT NULL DEFAULT 'skip',
    calendar TEXT NOT NULL DEFAULT 'jalali',
    status TEXT NOT NULL DEFAULT 'queued',
    total_rows INTEGER NOT NULL DEFAULT 0,
    processed_rows INTEGER NOT NULL DEFAULT 0,
    imported INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_by BLOB NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX imports_created_by ON imports(created_by, id);

-- The uploaded file, apart from the import row: the row's progress is updated after every
-- batch, and SQLite rewrites a row's overflow pages with it.
CREATE TABLE import_files (
    import_id BLOB PRIMARY KEY NOT NULL REFERENCES imports(id),
    data BLOB NOT NULL
);

CREATE TABLE import_failures (
    import_id BLOB NOT NULL REFERENCES imports(id),
    row_number INTEGER NOT NULL,
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    raw TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (import_id, row_number, field, code)
);
