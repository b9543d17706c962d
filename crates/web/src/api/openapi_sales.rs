//! The sales endpoints in the OpenAPI document. Their bodies are open objects described in
//! words (the field lists live in docs/API.md and the services' input types); paths, methods,
//! parameters and the error shape are exact.

use serde_json::{Value, json};

fn error_responses() -> Value {
    json!({
        "401": {"description": "No valid API key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}},
        "403": {"description": "The key owner's role does not allow it", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}},
        "404": {"description": "Not found, or outside the key owner's scope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}},
        "422": {"description": "Invalid input; `fields` names each problem", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    })
}

fn op(summary: &str, tag: &str, params: Value, body: Option<&str>, ok: &str) -> Value {
    let mut responses = error_responses();
    responses[ok] = json!({"description": "Success", "content": {"application/json": {"schema": {"type": "object"}}}});
    let mut o =
        json!({"summary": summary, "tags": [tag], "parameters": params, "responses": responses});
    if let Some(b) = body {
        o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "description": b}}}});
    }
    o
}

fn list_params() -> Value {
    json!([
        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Search text (Persian-normalised; phones in any format)"},
        {"name": "sort", "in": "query", "schema": {"type": "string"}, "description": "Field to sort on, `-field` for descending; custom fields as `custom.KEY`"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
        {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "`next_cursor` of the previous page"},
        {"name": "deleted", "in": "query", "schema": {"type": "boolean"}, "description": "List the recycle bin"},
        {"name": "filter[FIELD][OP]", "in": "query", "schema": {"type": "string"}, "description": "OP: eq ne lt le gt ge contains empty not_empty has. Deals also have `status` (open, won, lost: the kind of their stage)"}
    ])
}

fn id_param() -> Value {
    json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}])
}

/// Adds every sales path to the generated document.
pub fn add_paths(doc: &mut Value) {
    let mut paths = serde_json::Map::new();
    for (res, tag, body) in [
        (
            "contacts",
            "Contacts",
            "first_name, last_name, company_id, job_title, phones [{number, label}], emails [{address, label}], website, social, province, city, address, national_id, birth_date, anniversary_date (ISO), preferred_channel, tags, owner_id, custom {key: value}",
        ),
        (
            "companies",
            "Companies",
            "name, industry, website, phones, emails, social, province, city, address, postal_code, national_id (11 digits), economic_code, employees, tags, owner_id, custom",
        ),
        (
            "leads",
            "Leads",
            "title, first_name, last_name, company_name, phone, email, source, channel, campaign, utm_source, utm_medium, utm_campaign, utm_term, utm_content, status (new|working|qualified), owner_id, custom",
        ),
        (
            "deals",
            "Deals",
            "title, pipeline_id, stage_id, amount_minor (integer) or amount (text), currency, expected_close_date, contact_id, company_id, owner_id, lost_reason, custom",
        ),
        (
            "activities",
            "Activities",
            "kind (call|meeting|task|note), subject, notes, outcome, due_at, remind_at (RFC 3339; changing either re-arms the reminder), owner_id, contact_id, company_id, lead_id, deal_id, custom {key: value}",
        ),
    ] {
        paths.insert(
            format!("/api/v1/{res}"),
            json!({
                "get": op(&format!("List {res}"), tag, list_params(), None, "200"),
                "post": op(&format!("Create one of the {res}"), tag, json!([{"name": "allow_duplicate", "in": "query", "schema": {"type": "boolean"}}]), Some(body), "201")
            }),
        );
        paths.insert(
            format!("/api/v1/{res}/{{id}}"),
            json!({
                "get": op("Read one", tag, id_param(), None, "200"),
                "patch": op("Change the fields sent", tag, id_param(), Some(body), "200"),
                "delete": op("Move to the recycle bin", tag, id_param(), None, "204")
            }),
        );
        paths.insert(
            format!("/api/v1/{res}/{{id}}/restore"),
            json!({"post": op("Bring back from the recycle bin", tag, id_param(), None, "200")}),
        );
    }
    paths.insert(
        "/api/v1/contacts/{id}/duplicates".into(),
        json!({"get": op("Possible duplicates", "Contacts", id_param(), None, "200")}),
    );
    paths.insert("/api/v1/contacts/{id}/merge".into(), json!({"post": op("Merge a duplicate into this contact", "Contacts", id_param(), Some("other_id"), "200")}));
    paths.insert("/api/v1/leads/{id}/convert".into(), json!({"post": op("Convert into contact, company and deal", "Leads", id_param(), Some("create_deal (bool), deal_title, deal_amount"), "200")}));
    paths.insert(
        "/api/v1/leads/{id}/disqualify".into(),
        json!({"post": op("Disqualify with a reason", "Leads", id_param(), Some("reason"), "200")}),
    );
    paths.insert("/api/v1/deals/{id}/move".into(), json!({"post": op("Move to a stage (writes the stage history)", "Deals", id_param(), Some("stage_id, lost_reason (required for a lost stage)"), "200")}));
    paths.insert("/api/v1/deals/{id}/stage-history".into(), json!({"get": op("Stage changes with time in each stage", "Deals", id_param(), None, "200")}));
    paths.insert("/api/v1/pipelines".into(), json!({"get": op("Pipelines with their stages", "Deals", json!([]), None, "200"), "post": op("Create a pipeline (admin)", "Deals", json!([]), Some("name"), "201")}));
    paths.insert("/api/v1/pipelines/{id}/board".into(), json!({"get": op("Kanban board: stages with deals, counts and sums", "Deals", id_param(), None, "200")}));
    paths.insert(
        "/api/v1/activities/{id}/complete".into(),
        json!({"post": op("Mark done", "Activities", id_param(), None, "200")}),
    );
    paths.insert(
        "/api/v1/activities/{id}/reopen".into(),
        json!({"post": op("Mark not done", "Activities", id_param(), None, "200")}),
    );
    paths.insert("/api/v1/my-day".into(), json!({"get": op("Overdue, today, upcoming meetings, open deals by stage", "Activities", json!([{"name": "user", "in": "query", "schema": {"type": "string", "format": "uuid"}}]), None, "200")}));
    paths.insert("/api/v1/referrals".into(), json!({"post": op("Hand a record to a colleague or team (ارجاع)", "Activities", json!([]), Some("record_type, record_id, to_user_id, to_team_id, comment"), "201")}));
    paths.insert("/api/v1/custom-fields".into(), json!({
        "get": op("Custom field definitions", "Custom fields", json!([{"name": "record_type", "in": "query", "required": true, "schema": {"type": "string"}}]), None, "200"),
        "post": op("Define a custom field (admin)", "Custom fields", json!([]), Some("record_type, key, label_fa, label_en, field_type (text|number|money|date|select|multi_select|boolean|phone|email|url), options [{key, label_fa, label_en}], required"), "201")
    }));
    paths.insert("/api/v1/attachments".into(), json!({
        "get": op("Files of a record", "Files", json!([{"name": "record_type", "in": "query", "required": true, "schema": {"type": "string"}}, {"name": "record_id", "in": "query", "required": true, "schema": {"type": "string", "format": "uuid"}}]), None, "200"),
        "post": {"summary": "Attach a file (multipart/form-data, part `file`, up to 20 MB)", "tags": ["Files"], "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}}, "responses": error_responses()}
    }));
    paths.insert("/api/v1/notifications".into(), json!({"get": op(
        "The caller's own notifications, newest first (activity reminders): id, kind, record_type, record_id, title and body in the caller's language, link, data, created_at, read_at; with next_cursor and unread_count",
        "Notifications",
        json!([
            {"name": "unread", "in": "query", "schema": {"type": "boolean"}, "description": "Only unread ones"},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
            {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "`next_cursor` of the previous page"}
        ]),
        None,
        "200",
    )}));
    paths.insert(
        "/api/v1/notifications/{id}/read".into(),
        json!({"post": op("Mark one of the caller's notifications read (another user's: 404)", "Notifications", id_param(), None, "200")}),
    );
    paths.insert(
        "/api/v1/notifications/read-all".into(),
        json!({"post": op("Mark all of the caller's notifications read; answers {marked}", "Notifications", json!([]), None, "200")}),
    );
    paths.insert(
        "/api/v1/attachments/{id}/content".into(),
        json!({"get": op("Download a file", "Files", id_param(), None, "200")}),
    );
    if let Some(existing) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (k, v) in paths {
            existing.entry(k).or_insert(v);
        }
    }
}
