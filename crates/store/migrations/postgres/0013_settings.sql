-- Facts the database keeps about itself, one value per key (0013).
--
-- `search_text_version`: which recipe built the `search_text` of contacts, companies, leads and
-- deals (`peyvand_services::sales::reindex::SEARCH_TEXT_VERSION`). No row means the rows were
-- written before the version was recorded, so the first start of this release reindexes them.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
