-- Who the records an import creates belong to (NULL: the person who imported them), so a
-- manager can load a list of leads straight into a salesperson's hands.
ALTER TABLE imports ADD COLUMN owner_id BLOB REFERENCES users(id);
