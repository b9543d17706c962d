-- How a user reads rial amounts: `rial` (as stored) or `toman`. A profile preference, so it
-- follows the user to every device (it was a browser cookie).
ALTER TABLE users ADD COLUMN money_unit TEXT NOT NULL DEFAULT 'rial';
