-- Fast search (0005): a full-text index over the normalised `search_text` of contacts,
-- companies, leads and deals, kept in sync by triggers, plus indexes for sorted lists.
--
-- The FTS5 tables are contentless (the text lives once, in the record's own table). Their
-- rowids come from `search_docs`, whose INTEGER PRIMARY KEY survives VACUUM (implicit rowids of
-- the record tables do not), so the index can never point at the wrong record.
-- Tokens are whitespace-separated words of the normalised text: unicode61 without diacritic
-- folding (normalisation already did it) and with @ . + - _ kept inside tokens, so an email
-- address or an E.164 number is one word, as on PostgreSQL. Queries are word prefixes.
CREATE TABLE search_docs (
    doc INTEGER PRIMARY KEY,
    record_id BLOB NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE contacts_fts USING fts5(
    body, content='', contentless_delete=1,
    tokenize="unicode61 remove_diacritics 0 tokenchars '@.+-_'"
);
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO search_docs (record_id) VALUES (NEW.id);
    INSERT INTO contacts_fts (rowid, body) VALUES (last_insert_rowid(), NEW.search_text);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts
WHEN OLD.search_text IS NOT NEW.search_text BEGIN
    DELETE FROM contacts_fts WHERE rowid = (SELECT doc FROM search_docs WHERE record_id = OLD.id);
    INSERT INTO contacts_fts (rowid, body)
        SELECT doc, NEW.search_text FROM search_docs WHERE record_id = NEW.id;
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = (SELECT doc FROM search_docs WHERE record_id = OLD.id);
    DELETE FROM search_docs WHERE record_id = OLD.id;
END;
INSERT INTO search_docs (record_id) SELECT id FROM contacts;
INSERT INTO contacts_fts (rowid, body)
    SELECT d.doc, x.search_text FROM contacts x JOIN search_docs d ON d.record_id = x.id;

CREATE VIRTUAL TABLE companies_fts USING fts5(
    body, content='', contentless_delete=1,
    tokenize="unicode61 remove_diacritics 0 tokenchars '@.+-_'"
);
CREATE TRIGGER companies_search_insert AFTER INSERT ON companies BEGIN
    INSERT INTO search_docs (record_id) VALUES (NEW.id);
    INSERT INTO companies_fts (rowid, body) VALUES (last_insert_rowid(), NEW.search_text);
END;
CREATE TRIGGER companies_search_update AFTER UPDATE OF search_text ON companies
WHEN OLD.search_text IS NOT NEW.search_text BEGIN
    DELETE FROM companies_fts WHERE rowid = (SELECT doc FROM search_docs WHERE record_id = OLD.id);
    INSERT INTO companies_fts (rowid, body)
        SELECT doc, NEW.search_text FROM search_docs WHERE record_id = NEW.id;
END;
CREATE TRIGGER companies_search_delete AFTER DELETE ON companies BEGIN
    DELETE FROM companies_fts WHERE rowid = (SELECT doc FROM search_docs WHERE record_id = OLD.id);
    DELETE FROM search_docs WHERE record_id = OLD.id;
END;
INSERT INTO search_docs (record_id) SELECT id FROM companies;
INSERT INTO companies_fts (rowid, body)
    SELECT d.doc, x.search_text FROM companies x JOIN search_docs d ON d.record_id = x.id;

CREATE VIRTUAL TABLE leads_fts USING fts5(
    body, content='', contentless_delete=1,
    tokenize="unicode61 remove_diacritics 0 tokenchars '@.+-_'"
);
CREATE TRIGGER leads_search_insert AFTER INSERT ON leads BEGIN
    INSERT INTO search_docs (record_id) VALUES (NEW.id);
    INSERT INTO leads_fts (rowid, body) VALUES (last_insert_rowid(), NEW.search_text);
END;
CREATE TRIGGER leads_search_update AFTER UPDATE OF search_text ON leads
WHEN OLD.search_text IS NOT NEW.search_text BEGIN
    DELETE FROM leads_fts WHERE rowid = (SELECT doc FROM search_docs WHERE record_id = OLD.id);
    INSERT INTO leads_fts (rowid, body)
        SELECT doc, NEW.search_text FROM search_docs WHERE record_id = NEW.id;
END;
CREATE TRIGGER leads_search_delete AFTER DELETE ON leads BEGIN
    DELETE FROM leads_fts WHERE rowid = (SELECT doc FROM search_docs WHERE record_id = OLD.id);
    DELETE FROM search_docs WHERE record_id = OLD.id;
END;
INSERT INTO search_docs (record_id) SELECT id FROM leads;
INSERT INTO leads_fts (rowid, body)
    SELECT d.doc, x.search_text FROM leads x JOIN search_docs d ON d.record_id = x.id;

CREATE VIRTUAL TABLE deals_fts USING fts5(
    body, content='', contentless_delete=1,
    tokenize="unicode61 remove_diacritics 0 tokenchars '@.+-_'"
);
CREATE TRIGGER deals_search_insert AFTER INSERT ON deals BEGIN
    INSERT INTO search_docs (record_id) VALUES (NEW.id);
    INSERT INTO deals_fts (rowid, body) VALUES (last_insert_rowid(), NEW.search_text);
END;
CREATE TRIGGER deals_search_update AFTER UPDATE OF search_text ON deals
WHEN OLD.search_text IS NOT NEW.search_text BEGIN
    DELETE FROM deals_fts WHERE rowid = (SELECT doc FROM search_docs WHERE record_id = OLD.id);
    INSERT INTO deals_fts (rowid, body)
        SELECT doc, NEW.search_text FROM search_docs WHERE record_id = NEW.id;
END;
CREATE TRIGGER deals_search_delete AFTER DELETE ON deals BEGIN
    DELETE FROM deals_fts WHERE rowid = (SELECT doc FROM search_docs WHERE record_id = OLD.id);
    DELETE FROM search_docs WHERE record_id = OLD.id;
END;
INSERT INTO search_docs (record_id) SELECT id FROM deals;
INSERT INTO deals_fts (rowid, body)
    SELECT d.doc, x.search_text FROM deals x JOIN search_docs d ON d.record_id = x.id;

-- Sorted list pages of live records (the list query sorts on COALESCE(column, '')).
CREATE INDEX contacts_live_last_name ON contacts (COALESCE(last_name, ''), id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_first_name ON contacts (COALESCE(first_name, ''), id) WHERE deleted_at IS NULL;
CREATE INDEX companies_live_name ON companies (COALESCE(name, ''), id) WHERE deleted_at IS NULL;
