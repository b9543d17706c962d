-- The default pipeline and stages carry a well-known key, so each user sees them in their own
-- language (the catalogues' `pipeline-name-KEY` / `stage-name-KEY`); a name an administrator
-- typed has no key and is shown as typed. Existing rows keep their names; only the ones still
-- named as the defaults were created get their key.
ALTER TABLE pipelines ADD COLUMN name_key TEXT;
ALTER TABLE stages ADD COLUMN name_key TEXT;

UPDATE pipelines SET name_key = 'sales' WHERE name = 'فروش';
UPDATE stages SET name_key = 'qualified' WHERE name = 'سرنخ واجد شرایط';
UPDATE stages SET name_key = 'needs_analysis' WHERE name = 'نیازسنجی';
UPDATE stages SET name_key = 'proposal_sent' WHERE name = 'ارسال پیش‌فاکتور';
UPDATE stages SET name_key = 'negotiation' WHERE name = 'مذاکره';
UPDATE stages SET name_key = 'contract' WHERE name = 'قرارداد';
UPDATE stages SET name_key = 'won' WHERE name = 'برنده' AND kind = 'won';
UPDATE stages SET name_key = 'lost' WHERE name = 'از دست رفته' AND kind = 'lost';
