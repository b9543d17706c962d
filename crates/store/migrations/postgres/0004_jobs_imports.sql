-- Durable background jobs (claimed atomically, run at least once) and imports of CSV/xlsx files.
CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'queued',
    attempts BIGINT NOT NULL DEFAULT 0,
    run_after TIMESTAMPTZ NOT NULL,
    locked_by TEXT,
    locked_at TIMESTAMPTZ,
    idempotency_key TEXT UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    last_error TEXT
);
CREATE INDEX jobs_ready ON jobs(status, run_after);

CREATE TABLE imports (
    id UUID PRIMARY KEY,
    record_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    mapping JSONB NOT NULL DEFAULT '{}',
    duplicate_mode TEXT NOT NULL DEFAULT 'skip',
    calendar TEXT NOT NULL DEFAULT 'jalali',
    status TEXT NOT NULL DEFAULT 'queued',
    total_rows BIGINT NOT NULL DEFAULT 0,
    processed_rows BIGINT NOT NULL DEFAULT 0,
    imported BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    created_by UUID NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX imports_created_by ON imports(created_by, id);

-- The uploaded file, apart from the import row: the row's progress is updated after every
-- batch, and SQLite rewrites a row's overflow pages with it.
CREATE TABLE import_files (
    import_id UUID PRIMARY KEY REFERENCES imports(id),
    data BYTEA NOT NULL
);

CREATE TABLE import_failures (
    import_id UUID NOT NULL REFERENCES imports(id),
    row_number BIGINT NOT NULL,
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    raw JSONB NOT NULL DEFAULT '[]',
    PRIMARY KEY (import_id, row_number, field, code)
);
