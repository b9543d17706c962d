-- Platform: accounts, teams, roles, sessions, API keys, audit log.
CREATE TABLE roles (
    id BLOB PRIMARY KEY NOT NULL,
    key TEXT NOT NULL UNIQUE,
    name_fa TEXT NOT NULL,
    name_en TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0,
    permissions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role_id BLOB NOT NULL REFERENCES roles(id),
    active INTEGER NOT NULL DEFAULT 1,
    language TEXT NOT NULL DEFAULT 'fa',
    calendar TEXT NOT NULL DEFAULT 'jalali',
    time_zone TEXT NOT NULL DEFAULT 'Asia/Tehran',
    digits TEXT NOT NULL DEFAULT 'persian',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_search ON users(search_text);

CREATE TABLE teams (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE team_members (
    team_id BLOB NOT NULL REFERENCES teams(id),
    user_id BLOB NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE audit_log (
    id BLOB PRIMARY KEY NOT NULL,
    at TEXT NOT NULL,
    actor_user_id BLOB,
    actor_label TEXT NOT NULL,
    via TEXT NOT NULL,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT,
    changes TEXT NOT NULL,
    client_ip TEXT
);
CREATE INDEX audit_log_record ON audit_log(record_type, record_id);

-- One row, written in the same transaction as the first administrator: a second
-- concurrent first-run request fails on the primary key instead of creating another admin.
CREATE TABLE setup_lock (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    completed_at TEXT NOT NULL
);
