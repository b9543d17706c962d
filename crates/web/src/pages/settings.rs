//! Administration: users, teams, roles and the audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use peyvand_domain::access::{Action, Permissions, RecordType, Scope};
use peyvand_services::accounts::{self, NewUser, UserChanges};
use peyvand_services::{ServiceError, audit};
use peyvand_store::{AuditQuery, RoleRecord};
use serde::Deserialize;
use uuid::Uuid;

use super::{Errs, PageResult, form_errors, html};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::page::Page;

const PAGE_SIZE: i64 = 50;

fn parse_id(s: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(s).map_err(|_| PageError::NotFound)
}

fn unprocessable(mut res: axum::response::Response) -> PageResult {
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    p: Page,
}

pub async fn index(p: Page) -> PageResult {
    html(SettingsPage {
        p: p.titled("settings-title", "settings"),
    })
}

// ---- users ----

pub struct UserRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    pub created: String,
}

pub struct RoleOption {
    pub key: String,
    pub name: String,
}

#[derive(Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub language: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    p: Page,
    q: String,
    users: Vec<UserRow>,
    next_cursor: Option<Uuid>,
    roles: Vec<RoleOption>,
    form: NewUserForm,
    errs: Errs,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
}

fn role_options(p: &Page, roles: &[RoleRecord]) -> Vec<RoleOption> {
    roles
        .iter()
        .map(|r| RoleOption {
            key: r.key.clone(),
            name: p.role_name(&r.name_fa, &r.name_en),
        })
        .collect()
}

/// The user and team administration pages are for those who manage them; everyone else reads
/// colleagues where they need them (owner pickers, referrals).
fn require_manage(me: &Authed, rt: RecordType) -> Result<(), PageError> {
    me.actor
        .require(rt, Action::Update)
        .map(|_| ())
        .map_err(|_| PageError::Forbidden)
}

async fn users_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    q: ListQuery,
    form: NewUserForm,
    errs: Errs,
) -> PageResult {
    require_manage(me, RecordType::User)?;
    let after = if q.after.is_empty() {
        None
    } else {
        Some(parse_id(&q.after)?)
    };
    let search = Some(q.q.as_str()).filter(|s| !s.trim().is_empty());
    let mut users =
        accounts::list_users(&state.store, &me.actor, search, after, PAGE_SIZE + 1).await?;
    let next_cursor = if users.len() as i64 > PAGE_SIZE {
        users.truncate(PAGE_SIZE as usize);
        users.last().map(|u| u.id)
    } else {
        None
    };
    let roles = accounts::list_roles(&state.store).await?;
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            role: roles
                .iter()
                .find(|r| r.id == u.role_id)
                .map(|r| p.role_name(&r.name_fa, &r.name_en))
                .unwrap_or_default(),
            name: u.display_name,
            email: u.email,
            active: u.active,
            created: p.datetime(u.created_at),
        })
        .collect();
    let roles = role_options(&p, &roles);
    html(UsersPage {
        p: p.titled("users-title", "settings"),
        q: q.q,
        users: rows,
        next_cursor,
        roles,
        form,
        errs,
    })
}

pub async fn users(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let form = NewUserForm {
        role: "sales".into(),
        ..Default::default()
    };
    users_page(&state, &me, p, q, form, Errs::default()).await
}

pub async fn create_user(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<NewUserForm>,
) -> PageResult {
    let input = NewUser {
        email: f.email.clone(),
        display_name: f.display_name.clone(),
        password: f.password.clone(),
        role: f.role.clone(),
        language: Some(f.language.clone()),
        team_ids: vec![],
    };
    match accounts::create_user(&state.store, &me.ctx(), Some(&me.actor), &input).await {
        Ok(u) => Ok(Redirect::to(&format!("/settings/users/{}?saved=1", u.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            unprocessable(users_page(&state, &me, p, ListQuery::default(), f, errs).await?)
        }
    }
}

pub struct TeamCheck {
    pub id: Uuid,
    pub name: String,
    pub checked: bool,
}

pub struct UserForm {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct UserEditPage {
    p: Page,
    id: Uuid,
    form: UserForm,
    roles: Vec<RoleOption>,
    teams: Vec<TeamCheck>,
    errs: Errs,
    saved: bool,
    colleagues: Vec<super::activities::Choice>,
    reassign_notice: Option<(bool, String)>,
}

#[derive(Deserialize, Default)]
pub struct SavedFlag {
    #[serde(default)]
    saved: Option<String>,
}

/// `submitted` is the form as the user sent it (with the teams they ticked), shown again on errors.
#[allow(clippy::too_many_arguments)]
async fn user_edit_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    id: Uuid,
    submitted: Option<(UserForm, Vec<Uuid>)>,
    errs: Errs,
    saved: bool,
    reassign_notice: Option<(bool, String)>,
) -> PageResult {
    let (form, checked) = match submitted {
        Some((f, c)) => (Some(f), Some(c)),
        None => (None, None),
    };
    me.actor
        .require(RecordType::User, Action::Update)
        .map_err(|_| PageError::Forbidden)?;
    let user = accounts::get_user(&state.store, &me.actor, id).await?;
    let roles = accounts::list_roles(&state.store).await?;
    let current_role = roles
        .iter()
        .find(|r| r.id == user.role_id)
        .map(|r| r.key.clone())
        .unwrap_or_default();
    let checked = match checked {
        Some(c) => c,
        None => state
            .store
            .user_team_ids(id)
            .await
            .map_err(ServiceError::from)?,
    };
    let teams = accounts::list_teams(&state.store, &me.actor)
        .await?
        .into_iter()
        .map(|t| TeamCheck {
            checked: checked.contains(&t.id),
            id: t.id,
            name: t.name,
        })
        .collect();
    let form = form.unwrap_or(UserForm {
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        role: current_role,
        active: user.active,
    });
    let colleagues = super::activities::user_choices(state, me, Some(id)).await?;
    let title = p.t_with("users-edit-title", "name", &user.display_name);
    let mut p = p.titled("users-title", "settings");
    p.title = title;
    html(UserEditPage {
        roles: role_options(&p, &roles),
        p,
        id,
        form,
        teams,
        errs,
        saved,
        colleagues,
        reassign_notice,
    })
}

pub async fn user_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Query(f): Query<SavedFlag>,
    raw: axum::extract::RawQuery,
) -> PageResult {
    let id = parse_id(&id)?;
    let notice = super::activities::reassign_notice(&p, &raw);
    user_edit_page(
        &state,
        &me,
        p,
        id,
        None,
        Errs::default(),
        f.saved.is_some(),
        notice,
    )
    .await
}

pub async fn update_user(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = parse_id(&id)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut errs = vec![];
    let mut team_ids = vec![];
    for (k, v) in &pairs {
        if k == "team_ids" {
            match Uuid::parse_str(v) {
                Ok(t) => team_ids.push(t),
                Err(_) => errs.push(peyvand_services::FieldError::new(
                    "team_ids",
                    "uuid.invalid",
                )),
            }
        }
    }
    let password = get("password").filter(|p| !p.is_empty());
    let changes = UserChanges {
        email: get("email"),
        display_name: get("display_name"),
        role: get("role"),
        active: Some(get("active").as_deref() == Some("true")),
        team_ids: get("teams_present").map(|_| team_ids.clone()),
        password,
    };
    let result = if errs.is_empty() {
        accounts::update_user(&state.store, &me.ctx(), &me.actor, id, &changes).await
    } else {
        Err(ServiceError::Validation(errs))
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/settings/users/{id}?saved=1")).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let form = UserForm {
                display_name: changes.display_name.unwrap_or_default(),
                email: changes.email.unwrap_or_default(),
                role: changes.role.unwrap_or_default(),
                active: changes.active.unwrap_or(false),
            };
            unprocessable(
                user_edit_page(
                    &state,
                    &me,
                    p,
                    id,
                    Some((form, team_ids)),
                    errs,
                    false,
                    None,
                )
                .await?,
            )
        }
    }
}

// ---- teams ----

pub struct TeamRow {
    pub id: Uuid,
    pub name: String,
    pub members: String,
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    p: Page,
    teams: Vec<TeamRow>,
    new_name: String,
    errs: Errs,
    rename_error: Option<String>,
}

async fn teams_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    new_name: String,
    errs: Errs,
    rename_error: Option<String>,
) -> PageResult {
    require_manage(me, RecordType::Team)?;
    let mut rows = vec![];
    for t in accounts::list_teams(&state.store, &me.actor).await? {
        let ids = state
            .store
            .team_member_ids(t.id)
            .await
            .map_err(ServiceError::from)?;
        let mut names = vec![];
        for id in ids {
            if let Some(u) = state
                .store
                .user_by_id(id)
                .await
                .map_err(ServiceError::from)?
            {
                names.push(u.display_name);
            }
        }
        rows.push(TeamRow {
            id: t.id,
            name: t.name,
            members: names.join(p.list_sep()),
        });
    }
    html(TeamsPage {
        p: p.titled("teams-title", "settings"),
        teams: rows,
        new_name,
        errs,
        rename_error,
    })
}

pub async fn teams(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
) -> PageResult {
    teams_page(&state, &me, p, String::new(), Errs::default(), None).await
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

pub async fn create_team(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<NameForm>,
) -> PageResult {
    match accounts::create_team(&state.store, &me.ctx(), &me.actor, &f.name).await {
        Ok(_) => Ok(Redirect::to("/settings/teams").into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            unprocessable(teams_page(&state, &me, p, f.name, errs, None).await?)
        }
    }
}

pub async fn rename_team(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(f): Form<NameForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    match accounts::rename_team(&state.store, &me.ctx(), &me.actor, id, &f.name).await {
        Ok(_) => Ok(Redirect::to("/settings/teams").into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            let rename_error = errs.get("name").cloned();
            unprocessable(
                teams_page(&state, &me, p, String::new(), Errs::default(), rename_error).await?,
            )
        }
    }
}

pub async fn delete_team(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    accounts::delete_team(&state.store, &me.ctx(), &me.actor, id).await?;
    Ok(Redirect::to("/settings/teams").into_response())
}

// ---- roles ----

pub struct RoleRow {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub builtin: bool,
}

#[derive(Default, Deserialize)]
pub struct NewRoleForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name_fa: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub copy_from: String,
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    p: Page,
    roles: Vec<RoleRow>,
    form: NewRoleForm,
    errs: Errs,
}

async fn roles_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    form: NewRoleForm,
    errs: Errs,
) -> PageResult {
    me.actor
        .require(RecordType::Role, Action::Read)
        .map_err(|_| PageError::Forbidden)?;
    let roles = accounts::list_roles(&state.store)
        .await?
        .into_iter()
        .map(|r| RoleRow {
            id: r.id,
            name: p.role_name(&r.name_fa, &r.name_en),
            key: r.key,
            builtin: r.builtin,
        })
        .collect();
    html(RolesPage {
        p: p.titled("roles-title", "settings"),
        roles,
        form,
        errs,
    })
}

pub async fn roles(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
) -> PageResult {
    roles_page(&state, &me, p, NewRoleForm::default(), Errs::default()).await
}

pub async fn create_role(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Form(f): Form<NewRoleForm>,
) -> PageResult {
    match accounts::create_role(
        &state.store,
        &me.ctx(),
        &me.actor,
        &f.key,
        &f.name_fa,
        &f.name_en,
        Some(&f.copy_from),
    )
    .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/settings/roles/{}", r.id)).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            unprocessable(roles_page(&state, &me, p, f, errs).await?)
        }
    }
}

pub struct Cell {
    pub name: String,
    pub action_label: String,
    pub current: &'static str,
    pub options: Vec<(&'static str, String)>,
}

pub struct MatrixRow {
    pub label: String,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "role_edit.html")]
struct RoleEditPage {
    p: Page,
    id: Uuid,
    actions: Vec<(&'static str, String)>,
    rows: Vec<MatrixRow>,
    can_edit: bool,
    errs: Errs,
    saved: bool,
}

fn matrix(p: &Page, perms: &Permissions) -> (Vec<(&'static str, String)>, Vec<MatrixRow>) {
    let actions: Vec<(&'static str, String)> = Action::ALL
        .iter()
        .map(|a| (a.as_str(), p.t(&format!("action-{}", a.as_str()))))
        .collect();
    let rows = RecordType::ALL
        .iter()
        .map(|rt| MatrixRow {
            label: p.t(&format!("record-type-{}", rt.as_str().replace('_', "-"))),
            cells: Action::ALL
                .iter()
                .map(|a| {
                    // Records without an owner are all-or-nothing: offer only none/all.
                    let scopes: Vec<Scope> = if rt.is_owned() {
                        Scope::ALL.to_vec()
                    } else {
                        vec![Scope::None, Scope::All]
                    };
                    Cell {
                        name: format!("{}.{}", rt.as_str(), a.as_str()),
                        action_label: p.t(&format!("action-{}", a.as_str())),
                        current: perms.scope(*rt, *a).as_str(),
                        options: scopes
                            .into_iter()
                            .map(|s| (s.as_str(), p.t(&format!("scope-{}", s.as_str()))))
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    (actions, rows)
}

async fn role_edit_page(
    state: &AppState,
    me: &Authed,
    p: Page,
    id: Uuid,
    perms: Option<Permissions>,
    errs: Errs,
    saved: bool,
) -> PageResult {
    me.actor
        .require(RecordType::Role, Action::Read)
        .map_err(|_| PageError::Forbidden)?;
    let role = state
        .store
        .role_by_id(id)
        .await
        .map_err(ServiceError::from)?
        .ok_or(PageError::NotFound)?;
    let perms = perms.unwrap_or(role.permissions.0.clone());
    let (actions, rows) = matrix(&p, &perms);
    let title = p.role_name(&role.name_fa, &role.name_en);
    let mut p = p.titled("roles-title", "settings");
    p.title = title;
    html(RoleEditPage {
        can_edit: me.actor.can(RecordType::Role, Action::Update),
        p,
        id,
        actions,
        rows,
        errs,
        saved,
    })
}

pub async fn role_form(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Query(f): Query<SavedFlag>,
) -> PageResult {
    let id = parse_id(&id)?;
    role_edit_page(&state, &me, p, id, None, Errs::default(), f.saved.is_some()).await
}

pub async fn save_role(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = parse_id(&id)?;
    let mut perms = Permissions::default();
    let mut bad = false;
    for (k, v) in &pairs {
        let Some((rt, a)) = k.split_once('.') else {
            continue;
        };
        match (RecordType::parse(rt), Action::parse(a), Scope::parse(v)) {
            (Some(rt), Some(a), Some(s)) => perms.set(rt, a, s),
            _ => bad = true,
        }
    }
    let result = if bad {
        Err(ServiceError::Validation(vec![
            peyvand_services::FieldError::new("permissions", "scope.invalid"),
        ]))
    } else {
        accounts::set_role_permissions(&state.store, &me.ctx(), &me.actor, id, perms.clone()).await
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/settings/roles/{id}?saved=1")).into_response()),
        Err(e) => {
            let errs = form_errors(&p.tr, e)?;
            unprocessable(role_edit_page(&state, &me, p, id, Some(perms), errs, false).await?)
        }
    }
}

// ---- audit ----

pub struct AuditRow {
    pub when: String,
    pub who: String,
    pub action: String,
    pub record: String,
    pub record_href: Option<String>,
    pub changes: Vec<super::audit_view::ChangeLine>,
    pub via: String,
}

/// Names of the records an audit page mentions (contacts, companies, leads, deals,
/// activities, stages, pipelines), read in one query per type.
async fn record_names(
    state: &AppState,
    p: &Page,
    ids: Vec<(String, Uuid)>,
) -> Result<std::collections::HashMap<Uuid, String>, peyvand_store::StoreError> {
    let mut out = std::collections::HashMap::new();
    let of = |kind: &str| -> Vec<Uuid> {
        let mut v: Vec<Uuid> = ids
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, id)| *id)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let store = &state.store;
    for c in store.contacts_by_ids(&of("contact")).await? {
        out.insert(c.id, c.full_name());
    }
    for c in store.companies_by_ids(&of("company")).await? {
        out.insert(c.id, c.name);
    }
    for l in store.leads_by_ids(&of("lead")).await? {
        out.insert(l.id, l.display_name());
    }
    for d in store.deals_by_ids(&of("deal")).await? {
        out.insert(d.id, d.title);
    }
    for a in store.activities_by_ids(&of("activity")).await? {
        out.insert(a.id, a.subject);
    }
    for id in of("stage") {
        if let Some(s) = store.stage(id).await? {
            out.insert(id, p.named("stage", &s.name, s.name_key.as_deref()));
        }
    }
    for id in of("pipeline") {
        if let Some(pl) = store.pipeline(id).await? {
            out.insert(id, p.named("pipeline", &pl.name, pl.name_key.as_deref()));
        }
    }
    Ok(out)
}

pub struct TypeOption {
    pub key: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    p: Page,
    record_type: String,
    record_id: String,
    entries: Vec<AuditRow>,
    next_cursor: Option<Uuid>,
    types: Vec<TypeOption>,
}

#[derive(Deserialize, Default)]
pub struct AuditFilter {
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    record_id: String,
    #[serde(default)]
    before: String,
}

pub async fn audit(
    State(state): State<AppState>,
    Extension(me): Extension<Authed>,
    p: Page,
    Query(f): Query<AuditFilter>,
) -> PageResult {
    let before = if f.before.is_empty() {
        None
    } else {
        Some(parse_id(&f.before)?)
    };
    let q = AuditQuery {
        record_type: Some(f.record_type.trim().to_owned()).filter(|s| !s.is_empty()),
        record_id: Some(f.record_id.trim().to_owned()).filter(|s| !s.is_empty()),
        actor_user_id: None,
        before,
        limit: PAGE_SIZE + 1,
    };
    let mut entries = audit::list(&state.store, &me.actor, &q).await?;
    let next_cursor = if entries.len() as i64 > PAGE_SIZE {
        entries.truncate(PAGE_SIZE as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    // Names instead of ids: one lookup per distinct user and record the page mentions.
    let mut user_ids = vec![];
    let mut record_ids: Vec<(String, Uuid)> = vec![];
    for e in &entries {
        user_ids.extend(e.actor_user_id);
        let record_uuid = e.record_id.as_deref().and_then(|s| Uuid::parse_str(s).ok());
        if let Some(id) = record_uuid {
            if e.record_type == "user" {
                user_ids.push(id);
            } else {
                record_ids.push((e.record_type.clone(), id));
            }
        }
        super::audit_view::referenced_ids(&e.changes.0, &mut user_ids, &mut record_ids);
    }
    let mut names = super::records::user_names(&state.store, user_ids)
        .await
        .map_err(ServiceError::from)?;
    names.extend(
        record_names(&state, &p, record_ids)
            .await
            .map_err(ServiceError::from)?,
    );
    let mut defs: std::collections::HashMap<RecordType, Vec<peyvand_store::CustomFieldRecord>> =
        std::collections::HashMap::new();
    for e in &entries {
        if let Some(rt) = RecordType::parse(&e.record_type)
            && !defs.contains_key(&rt)
        {
            let d = state
                .store
                .custom_fields(rt.as_str())
                .await
                .map_err(ServiceError::from)?;
            defs.insert(rt, d);
        }
    }
    let rows = entries
        .into_iter()
        .map(|e| {
            let record_uuid = e.record_id.as_deref().and_then(|s| Uuid::parse_str(s).ok());
            let type_label = p.t(&format!("record-type-{}", e.record_type.replace('_', "-")));
            let named = |id: Uuid| match names.get(&id) {
                Some(n) if !n.is_empty() => format!("{type_label}: {n}"),
                _ => type_label.clone(),
            };
            let (record, record_href) = match (e.record_type.as_str(), record_uuid) {
                ("user", Some(id)) => (named(id), Some(format!("/settings/users/{id}"))),
                ("role", Some(id)) => (type_label.clone(), Some(format!("/settings/roles/{id}"))),
                ("contact", Some(id)) => (named(id), Some(format!("/contacts/{id}"))),
                ("company", Some(id)) => (named(id), Some(format!("/companies/{id}"))),
                ("lead", Some(id)) => (named(id), Some(format!("/leads/{id}"))),
                ("deal", Some(id)) => (named(id), Some(format!("/deals/{id}"))),
                ("activity", Some(id)) => (named(id), Some(format!("/activities/{id}"))),
                _ => (type_label.clone(), None),
            };
            let record_type = RecordType::parse(&e.record_type);
            let naming = super::audit_view::Naming {
                record_type,
                defs: record_type
                    .and_then(|rt| defs.get(&rt))
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                names: &names,
                import: e.action.starts_with("import"),
            };
            AuditRow {
                when: p.datetime(e.at),
                who: e
                    .actor_user_id
                    .and_then(|u| names.get(&u).cloned())
                    .unwrap_or(e.actor_label),
                action: super::home::describe_action(&p, &e.action, &e.record_type),
                record,
                record_href,
                changes: super::audit_view::change_lines(&p, &e.changes.0, &naming),
                via: super::audit_view::via_label(&p, &e.via),
            }
        })
        .collect();
    let types = [
        "user", "team", "role", "api_key", "contact", "company", "lead", "deal", "activity",
    ]
    .into_iter()
    .map(|k| TypeOption {
        key: k,
        label: p.t(&format!("record-type-{}", k.replace('_', "-"))),
    })
    .collect();
    html(AuditPage {
        p: p.titled("audit-title", "settings"),
        record_type: f.record_type,
        record_id: f.record_id,
        entries: rows,
        next_cursor,
        types,
    })
}
