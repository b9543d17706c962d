-- Fast search (0005): trigram GIN indexes over the normalised `search_text` of contacts,
-- companies, leads and deals, plus indexes for sorted lists.
--
-- The indexed expression is ' ' || search_text, so a word-prefix query is
-- (' ' || search_text) LIKE '% word%': pg_trgm extracts the trigrams of " word" (with the word
-- boundary) from the pattern and the GIN index finds the candidates.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX contacts_search_trgm ON contacts USING gin ((' ' || search_text) gin_trgm_ops);
CREATE INDEX companies_search_trgm ON companies USING gin ((' ' || search_text) gin_trgm_ops);
CREATE INDEX leads_search_trgm ON leads USING gin ((' ' || search_text) gin_trgm_ops);
CREATE INDEX deals_search_trgm ON deals USING gin ((' ' || search_text) gin_trgm_ops);

-- Sorted list pages of live records (the list query sorts on COALESCE(column, '')).
CREATE INDEX contacts_live_last_name ON contacts (COALESCE(last_name, ''), id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_first_name ON contacts (COALESCE(first_name, ''), id) WHERE deleted_at IS NULL;
CREATE INDEX companies_live_name ON companies (COALESCE(name, ''), id) WHERE deleted_at IS NULL;
