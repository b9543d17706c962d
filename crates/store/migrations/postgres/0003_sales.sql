-- Sales core: custom fields, companies, contacts, leads, pipelines, deals, activities, referrals.
CREATE TABLE custom_fields (
    id UUID PRIMARY KEY,
    record_type TEXT NOT NULL,
    key TEXT NOT NULL,
    label_fa TEXT NOT NULL,
    label_en TEXT NOT NULL,
    field_type TEXT NOT NULL,
    options JSONB NOT NULL DEFAULT '[]',
    required BOOLEAN NOT NULL DEFAULT FALSE,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    UNIQUE (record_type, key)
);

CREATE TABLE companies (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    industry TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    phones JSONB NOT NULL DEFAULT '[]',
    emails JSONB NOT NULL DEFAULT '[]',
    social JSONB NOT NULL DEFAULT '{}',
    province TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    national_id TEXT,
    economic_code TEXT NOT NULL DEFAULT '',
    employees BIGINT,
    tags JSONB NOT NULL DEFAULT '[]',
    owner_id UUID NOT NULL REFERENCES users(id),
    custom JSONB NOT NULL DEFAULT '{}',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX companies_owner ON companies(owner_id, id);
CREATE INDEX companies_name ON companies(name);

CREATE TABLE contacts (
    id UUID PRIMARY KEY,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    company_id UUID REFERENCES companies(id),
    job_title TEXT NOT NULL DEFAULT '',
    phones JSONB NOT NULL DEFAULT '[]',
    emails JSONB NOT NULL DEFAULT '[]',
    website TEXT NOT NULL DEFAULT '',
    social JSONB NOT NULL DEFAULT '{}',
    province TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    national_id TEXT,
    birth_date DATE,
    anniversary_date DATE,
    preferred_channel TEXT NOT NULL DEFAULT '',
    tags JSONB NOT NULL DEFAULT '[]',
    owner_id UUID NOT NULL REFERENCES users(id),
    custom JSONB NOT NULL DEFAULT '{}',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
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
    record_id UUID NOT NULL,
    PRIMARY KEY (kind, value, record_type, record_id)
);
CREATE INDEX record_identifiers_record ON record_identifiers(record_type, record_id);

CREATE TABLE pipelines (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    position BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

CREATE TABLE stages (
    id UUID PRIMARY KEY,
    pipeline_id UUID NOT NULL REFERENCES pipelines(id),
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    probability BIGINT NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'open',
    deleted_at TIMESTAMPTZ
);
CREATE INDEX stages_pipeline ON stages(pipeline_id, position);

CREATE TABLE leads (
    id UUID PRIMARY KEY,
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
    first_contact_at TIMESTAMPTZ,
    contact_count BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'new',
    disqualify_reason TEXT NOT NULL DEFAULT '',
    converted_at TIMESTAMPTZ,
    converted_contact_id UUID,
    converted_company_id UUID,
    converted_deal_id UUID,
    owner_id UUID NOT NULL REFERENCES users(id),
    custom JSONB NOT NULL DEFAULT '{}',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX leads_owner ON leads(owner_id, id);
CREATE INDEX leads_status ON leads(status, id);

CREATE TABLE deals (
    id UUID PRIMARY KEY,
    title TEXT NOT NULL,
    pipeline_id UUID NOT NULL REFERENCES pipelines(id),
    stage_id UUID NOT NULL REFERENCES stages(id),
    amount_minor BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'IRR',
    expected_close_date DATE,
    contact_id UUID REFERENCES contacts(id),
    company_id UUID REFERENCES companies(id),
    lead_id UUID REFERENCES leads(id),
    lost_reason TEXT NOT NULL DEFAULT '',
    closed_at TIMESTAMPTZ,
    stage_changed_at TIMESTAMPTZ NOT NULL,
    owner_id UUID NOT NULL REFERENCES users(id),
    custom JSONB NOT NULL DEFAULT '{}',
    search_text TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX deals_owner ON deals(owner_id, id);
CREATE INDEX deals_stage ON deals(stage_id, id);
CREATE INDEX deals_contact ON deals(contact_id);
CREATE INDEX deals_company ON deals(company_id);

CREATE TABLE deal_stage_history (
    id UUID PRIMARY KEY,
    deal_id UUID NOT NULL REFERENCES deals(id),
    from_stage_id UUID,
    to_stage_id UUID NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by UUID
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history(deal_id, changed_at);

CREATE TABLE activities (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    due_at TIMESTAMPTZ,
    remind_at TIMESTAMPTZ,
    done_at TIMESTAMPTZ,
    owner_id UUID NOT NULL REFERENCES users(id),
    contact_id UUID REFERENCES contacts(id),
    company_id UUID REFERENCES companies(id),
    lead_id UUID REFERENCES leads(id),
    deal_id UUID REFERENCES deals(id),
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX activities_owner_due ON activities(owner_id, done_at, due_at);
CREATE INDEX activities_contact ON activities(contact_id);
CREATE INDEX activities_company ON activities(company_id);
CREATE INDEX activities_lead ON activities(lead_id);
CREATE INDEX activities_deal ON activities(deal_id);

-- Hand-offs (ارجاع) of a record to a colleague or team, with the comment; the trail is kept.
CREATE TABLE referrals (
    id UUID PRIMARY KEY,
    record_type TEXT NOT NULL,
    record_id UUID NOT NULL,
    from_user_id UUID,
    to_user_id UUID NOT NULL,
    to_team_id UUID,
    comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_record ON referrals(record_type, record_id, created_at);
