-- Contact lists sort on contacts_live_last_name / contacts_live_first_name (0005) and a
-- company's contacts are found by contacts_company; nothing reads (last_name, first_name) any
-- more, and each index is one more B-tree every contact insert (and import) has to write.
DROP INDEX IF EXISTS contacts_last_name;
