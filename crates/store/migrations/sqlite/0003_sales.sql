-- Sales core: custom fields, companies, contacts, leads, pipelines, deals, activities, referrals.
CREATE TABLE custom_fields (
    id BLOB PRIMARY KEY NOT NULL,
    record_type TEXT NOT NULL,
    key TEXT NOT NULL,
    label_fa TEXT NOT NULL,
    label_en TEXT NOT NULL,
    field_type TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',
    required INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (record_type, key)
);

CREATE TABLE companies (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    industry TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    phones TEXT NOT NULL DEFAULT '[]',
    emails TEXT NOT NULL DEFAULT '[]',
    social TEXT NOT NULL DEFAULT '{}',
    province TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    national_id TEXT,
    economic_code TEXT NOT NULL DEFAULT '',
    employees INTEGER,
    tags TEXT NOT NULL DEFAULT '[]',
    owner_id BLOB NOT NULL REFERENCES users(id),
    custom TEXT NOT NULL DEFAULT '{}',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX companies_owner ON companies(owner_id, id);
CREATE INDEX companies_name ON companies(name);

CREATE TABLE contacts (
    id BLOB PRIMARY KEY NOT NULL,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    company_id BLOB REFERENCES companies(id),
    job_title TEXT NOT NULL DEFAULT '',
    phones TEXT NOT NULL DEFAULT '[]',
    emails TEXT NOT NULL DEFAULT '[]',
    website TEXT NOT NULL DEFAULT '',
    social TEXT NOT NULL DEFAULT '{}',
    province TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    national_id TEXT,
    birth_date TEXT,
    anniversary_date TEXT,
    preferred_channel TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    owner_id BLOB NOT NULL REFERENCES users(id),
    custom TEXT NOT NULL DEFAULT '{}',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX contacts_owner ON contacts(owner_id, id);
CREATE INDEX contacts_company ON contacts(company_id);
CREATE INDEX contacts_last_name ON contacts(last_name, first_name);

-- Normalised identifiers of every record (E.164 phones, lowercased emails, national IDs) for
-- search, duplicate detection and caller ID.
CREATE TABLE record_identifiers (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id BLOB NOT NULL,
    PRIMARY KEY (kind, value, record_type, record_id)
);
CREATE INDEX record_identifiers_record ON record_identifiers(record_type, record_id);

CREATE TABLE pipelines (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE stages (
    id BLOB PRIMARY KEY NOT NULL,
    pipeline_id BLOB NOT NULL REFERENCES pipelines(id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    probability INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'open',
    deleted_at TEXT
);
CREATE INDEX stages_pipeline ON stages(pipeline_id, position);

CREATE TABLE leads (
    id BLOB PRIMARY KEY NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    company_name TEXT NOT NULL DEFAULT '',
    phone TEXT,
    email TEXT,
    source TEXT NOT NULL DEFAULT 'other',
    channel TEXT NOT NULL DEFAULT '',
    campaign TEXT NOT NULL DEFAULT '',
    utm_source TEXT NOT NULL DEFAULT '',
    utm_medium TEXT NOT NULL DEFAULT '',
    utm_campaign TEXT NOT NULL DEFAULT '',
    utm_term TEXT NOT NULL DEFAULT '',
    utm_content TEXT NOT NULL DEFAULT '',
    first_contact_at TEXT,
    contact_count INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'new',
    disqualify_reason TEXT NOT NULL DEFAULT '',
    converted_at TEXT,
    converted_contact_id BLOB,
    converted_company_id BLOB,
    converted_deal_id BLOB,
    owner_id BLOB NOT NULL REFERENCES users(id),
    custom TEXT NOT NULL DEFAULT '{}',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX leads_owner ON leads(owner_id, id);
CREATE INDEX leads_status ON leads(status, id);

CREATE TABLE deals (
    id BLOB PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    pipeline_id BLOB NOT NULL REFERENCES pipelines(id),
    stage_id BLOB NOT NULL REFERENCES stages(id),
    amount_minor INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'IRR',
    expected_close_date TEXT,
    contact_id BLOB REFERENCES contacts(id),
    company_id BLOB REFERENCES companies(id),
    lead_id BLOB REFERENCES leads(id),
    lost_reason TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    stage_changed_at TEXT NOT NULL,
    owner_id BLOB NOT NULL REFERENCES users(id),
    custom TEXT NOT NULL DEFAULT '{}',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX deals_owner ON deals(owner_id, id);
CREATE INDEX deals_stage ON deals(stage_id, id);
CREATE INDEX deals_contact ON deals(contact_id);
CREATE INDEX deals_company ON deals(company_id);

CREATE TABLE deal_stage_history (
    id BLOB PRIMARY KEY NOT NULL,
    deal_id BLOB NOT NULL REFERENCES deals(id),
    from_stage_id BLOB,
    to_stage_id BLOB NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by BLOB
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history(deal_id, changed_at);

CREATE TABLE activities (
    id BLOB PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    due_at TEXT,
    remind_at TEXT,
    done_at TEXT,
    owner_id BLOB NOT NULL REFERENCES users(id),
    contact_id BLOB REFERENCES contacts(id),
    company_id BLOB REFERENCES companies(id),
    lead_id BLOB REFERENCES leads(id),
    deal_id BLOB REFERENCES deals(id),
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX activities_owner_due ON activities(owner_id, done_at, due_at);
CREATE INDEX activities_contact ON activities(contact_id);
CREATE INDEX activities_company ON activities(company_id);
CREATE INDEX activities_lead ON activities(lead_id);
CREATE INDEX activities_deal ON activities(deal_id);

-- Hand-offs (ارجاع) of a record to a colleague or team, with the comment; the trail is kept.
CREATE TABLE referrals (
    id BLOB PRIMARY KEY NOT NULL,
    record_type TEXT NOT NULL,
    record_id BLOB NOT NULL,
    from_user_id BLOB,
    to_user_id BLOB NOT NULL,
    to_team_id BLOB,
    comment TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX referrals_record ON referrals(record_type, record_id, created_at);
